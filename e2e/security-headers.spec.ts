import type { Page } from "@playwright/test";
import { ProgramFormPage } from "./pages/program-form.ts";
import { expect, signIn, test } from "./fixtures/workbench.ts";

// Pages run scripts only with their response's nonce (proxy.ts): the
// workbench's own scripts, Monaco and its worker included, run; a script
// that found its way into a page without the nonce does not.

/**
 * Collects what the browser refused under the page's policies: CSP
 * violations (reported to the page and printed on the console) and
 * Permissions-Policy header errors, across navigations.
 */
async function policyComplaints(page: Page): Promise<string[]> {
  const complaints: string[] = [];
  await page.exposeFunction("reportPolicyViolation", (text: string) => complaints.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const where = `${event.sourceFile || location.pathname}:${event.lineNumber}`;
      (window as unknown as { reportPolicyViolation(text: string): void }).reportPolicyViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${where}`);
    });
  });
  page.on("console", (message) => {
    if (/Content Security Policy|Permissions-Policy/i.test(message.text())) complaints.push(`console: ${message.text()}`);
  });
  return complaints;
}

test("the editor, the review page and the lists run under the nonce policy with nothing refused", async ({ browser }) => {
  const engineer = await (await browser.newContext()).newPage();
  const complaints = await policyComplaints(engineer);
  await signIn(engineer, "engineer");
  const response = await engineer.goto("/programs/new");
  const scriptSrc = /script-src ([^;]*)/.exec(response!.headers()["content-security-policy"] ?? "")?.[1] ?? "";
  expect(scriptSrc).toMatch(/'nonce-[A-Za-z0-9+/=]+'/);
  expect(scriptSrc).not.toContain("'unsafe-inline'");

  // Monaco (bundled, with its worker) has to work for this to pass: the form reads the program from the editor.
  const name = `csp check ${Date.now()}`;
  await new ProgramFormPage(engineer).submitNew({ name, source: "interval:s:1 { @ticks = count(); }", hosts: ["e2e-host"], durationSec: 5 });
  await expect(engineer.getByRole("heading", { name })).toBeVisible();
  for (const path of ["/programs", "/runs", "/hosts", "/incidents"]) {
    await engineer.goto(path);
    await expect(engineer.getByTestId("signed-in-as")).toBeVisible();
  }

  const reviewer = await (await browser.newContext()).newPage();
  const reviewerComplaints = await policyComplaints(reviewer);
  await signIn(reviewer, "reviewer");
  await reviewer.goto("/reviews");
  await reviewer.getByRole("link", { name }).click();
  await expect(reviewer.getByRole("button", { name: "Approve and sign" })).toBeVisible();

  expect(complaints).toEqual([]);
  expect(reviewerComplaints).toEqual([]);
});

test("a script slipped into a page without the page's nonce does not run, and the page still works", async ({ page, credentials }) => {
  const complaints = await policyComplaints(page);
  // As an injection would: an inline script in the HTML, with everything else as the server sent it.
  await page.route("**/login", async (route) => {
    const response = await route.fetch();
    const html = (await response.text()).replace("</body>", `<script>document.documentElement.dataset.injected = "ran";</script></body>`);
    await route.fulfill({ response, body: html });
  });
  await page.goto("/login");
  const { email, password } = credentials("engineer");
  await page.getByLabel("Email").fill(email);
  expect(await page.evaluate(() => document.documentElement.dataset.injected ?? "did not run")).toBe("did not run");
  await expect.poll(() => complaints.some((text) => /script-src/.test(text))).toBe(true);
  // The page's own scripts did run: signing in is done by them, in the browser.
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByTestId("signed-in-as")).toBeVisible();
});
