import { ProgramFormPage } from "./pages/program-form.ts";
import { ReviewPage } from "./pages/review-page.ts";
import { expect, saveScreenshot, signIn, test } from "./fixtures/workbench.ts";

// The stop switch as an SRE uses it during an incident, in Chromium against
// the workbench, its local agent and real bpftrace: pressed on the Runs page
// with a reason, it stops the running run, the live page says who stopped it
// and why, approvals are refused meanwhile, and an admin releases it.

const HOST = "e2e-host";
const SOURCE = `// stop switch e2e
tracepoint:syscalls:sys_enter_clock_nanosleep { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_clock_nanosleep /@start[tid]/ { @usecs = hist((nsecs - @start[tid]) / 1000); delete(@start[tid]); }
interval:s:1 { print(@usecs); }
`;
const REASON = "INC-314: soft lockups on the database hosts";

test("an SRE presses the stop switch on the Runs page; the live page says who stopped the run and why; an admin releases it", async ({ browser, workload }) => {
  test.setTimeout(180_000);
  expect(workload.pid).toBeTruthy();
  const stamp = Date.now().toString(36);
  const engineer = await browser.newPage();
  await signIn(engineer, "engineer");
  const programUrl = await new ProgramFormPage(engineer).submitNew({ name: `stop switch ${stamp}`, source: SOURCE, hosts: [HOST], durationSec: 120 });
  const reviewer = await browser.newPage();
  await signIn(reviewer, "reviewer");
  await new ReviewPage(reviewer).open(`stop switch ${stamp}`);
  await new ReviewPage(reviewer).decide("Approve and sign", "Cheap and bounded.");
  await expect(reviewer.getByTestId("revision-status").first()).toHaveText("approved");

  const sre = await browser.newPage();
  await signIn(sre, "sre");
  await sre.goto(programUrl);
  const runLink = sre.getByTestId("run-link").first();
  await expect(runLink).toBeVisible({ timeout: 15_000 });
  const runUrl = (await runLink.getAttribute("href"))!;
  await sre.goto(runUrl);
  await expect(sre.getByTestId("run-status")).toHaveText("running", { timeout: 30_000 });

  const admin = await browser.newPage();
  await signIn(admin, "admin");
  try {
    await sre.goto("/runs");
    await sre.getByRole("button", { name: "Stop switch…" }).click();
    const form = sre.getByRole("form", { name: "Stop switch" });
    await form.getByLabel("Scope").selectOption("all");
    await form.getByLabel("Reason").fill(REASON);
    await form.getByRole("button", { name: "Stop runs in this scope" }).click();
    const banner = sre.getByTestId("stop-switch-banner");
    await expect(banner).toContainText(`Stop switch engaged for every run by Sam SRE`);
    await expect(banner).toContainText(REASON);
    await saveScreenshot(sre, "stop-switch-engaged");

    // The live page: the run ended, and the sentence names the SRE and the reason.
    await sre.goto(runUrl);
    await expect(sre.getByTestId("run-status")).toHaveText("ended", { timeout: 15_000 });
    await expect(sre.getByTestId("end-reason")).toHaveText(`Stopped: stopped by Sam SRE with the stop switch for every run: ${REASON}.`);
    await saveScreenshot(sre, "run-stopped-by-the-switch");

    // Meanwhile an approval is refused with a sentence.
    await engineer.goto("/programs/new");
    const refusedName = `refused while stopped ${stamp}`;
    await new ProgramFormPage(engineer).submitNew({ name: refusedName, source: SOURCE, hosts: [HOST], durationSec: 5 });
    await new ReviewPage(reviewer).open(refusedName);
    await new ReviewPage(reviewer).decide("Approve and sign", "Looks fine.");
    await expect(reviewer.getByRole("main").getByRole("alert")).toContainText("The stop switch for every run is engaged (by Sam SRE");

    // An admin releases it on the Runs page, with a reason; the banner goes.
    await admin.goto("/runs");
    await admin.getByLabel("Reason for releasing").fill("lockups traced to a firmware bug; safe again");
    await admin.getByRole("button", { name: "Release" }).click();
    await expect(admin.getByTestId("stop-switch-banner")).toHaveCount(0);
  } finally {
    // Never leave the switch engaged for the specs after this one.
    const { engaged } = (await (await admin.request.get("/api/stop-switches")).json()) as { engaged: { id: string }[] };
    for (const engagedSwitch of engaged) await admin.request.post(`/api/stop-switches/${engagedSwitch.id}/release`, { data: { reason: "e2e cleanup" } });
  }
});
