import fs from "node:fs";
import path from "node:path";
import { E2E_DATA_DIR } from "../playwright.config.ts";
import { expect, saveScreenshot, signIn, test } from "./fixtures/workbench.ts";

// The local stop switch as an operator on the host and an SRE in the browser
// see it: a file beside the agent's configuration (the quick start keeps the
// local agent's under its data directory), and the Hosts page.
const STOP_FILE = path.join(E2E_DATA_DIR, "agent", "e2e-host.stop");

test("an operator engages the local stop switch on the host, and the Hosts page says so until it is removed", async ({ page }) => {
  await signIn(page, "sre");
  const host = page.getByTestId("hosts").getByRole("row").filter({ hasText: "e2e-host" });
  fs.writeFileSync(STOP_FILE, "kernel upgrade, back at noon (Dana)\n");
  try {
    await expect(async () => {
      await page.goto("/hosts");
      await expect(host.getByTestId("local-stop")).toHaveText(/^stopped locally since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: kernel upgrade, back at noon \(Dana\)$/, {
        timeout: 1000,
      });
    }).toPass({ timeout: 20_000 });
    await saveScreenshot(page, "hosts-stopped-locally");
  } finally {
    fs.rmSync(STOP_FILE, { force: true });
  }
  await expect(async () => {
    await page.goto("/hosts");
    await expect(host.getByTestId("local-stop")).toHaveCount(0, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
});
