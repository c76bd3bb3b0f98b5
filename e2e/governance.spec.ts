import { ProgramFormPage } from "./pages/program-form.ts";
import { ReviewPage } from "./pages/review-page.ts";
import { expect, saveScreenshot, signIn, test } from "./fixtures/workbench.ts";

// The review rules a security team would probe, in the browser with the real
// agent: the lint as you type, elevated probes needing a security reviewer,
// comments and diffs, and a revoked approval stopping a running run.

const HOST = "e2e-host";
const SLEEP_LATENCY = `tracepoint:syscalls:sys_enter_clock_nanosleep { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_clock_nanosleep /@start[tid]/ {
  @usecs = hist((nsecs - @start[tid]) / 1000);
  delete(@start[tid]);
}
interval:s:1 { print(@usecs); }
`;

test("the editor flags what the policy refuses before anyone submits it", async ({ page }) => {
  await signIn(page, "engineer");
  await page.goto("/programs/new");
  const form = new ProgramFormPage(page);
  await form.fill({ name: `shell ${Date.now()}`, source: 'BEGIN { system("id"); }', host: HOST, durationSec: 5 });
  await expect(page.getByTestId("lint-verdict")).toHaveText(/The policy refuses this program: 1 problem/);
  await expect(page.getByRole("button", { name: "Submit for review" })).toBeDisabled();
  await expect(page.locator(".squiggly-error")).not.toHaveCount(0);
  await form.setProgram("interval:s:1 { @ticks = count(); }");
  await expect(page.getByTestId("lint-verdict")).toHaveText(/Risk low/);
  await expect(page.getByRole("button", { name: "Submit for review" })).toBeEnabled();
});

test("a uprobe program waits for a security reviewer after an ordinary approval", async ({ browser }) => {
  const programName = `readline ${Date.now()}`;
  const engineer = await browser.newPage();
  await signIn(engineer, "engineer");
  await engineer.goto("/programs/new");
  await new ProgramFormPage(engineer).fill({ name: programName, source: "uprobe:/bin/bash:readline { @lines = count(); }", host: HOST, durationSec: 5 });
  await expect(engineer.getByTestId("lint-verdict")).toHaveText(/Risk elevated/);
  await engineer.getByRole("button", { name: "Submit for review" }).click();
  await expect(engineer.getByRole("heading", { name: programName })).toBeVisible();

  const reviewer = await browser.newPage();
  await signIn(reviewer, "reviewer");
  const review = new ReviewPage(reviewer);
  await review.open(programName);
  await expect(reviewer.getByTestId("lint-risk")).toContainText("Risk: elevated");
  await expect(reviewer.getByTestId("approval-progress")).toContainText("a security reviewer must approve it too");
  await review.decide("Approve and sign", "Fine by me, but security must look at the uprobe.");
  await expect(reviewer.getByTestId("approval-progress")).toContainText("1 of 1 approval");
  await expect(reviewer.getByTestId("revision-status")).toHaveText("pending");

  const security = await browser.newPage();
  await signIn(security, "security");
  const securityReview = new ReviewPage(security);
  await securityReview.open(programName);
  await securityReview.decide("Approve and sign", "readline of bash only; counts, no strings read.");
  await expect(security.getByTestId("revision-status").first()).toHaveText("approved");
});

test("comments on lines and a diff against the earlier revision", async ({ browser }) => {
  const programName = `commented ${Date.now()}`;
  const engineer = await browser.newPage();
  await signIn(engineer, "engineer");
  const form = new ProgramFormPage(engineer);
  await form.submitNew({ name: programName, source: "interval:s:1 { @ticks = count(); }", hosts: [HOST], durationSec: 5 });

  const reviewer = await browser.newPage();
  await signIn(reviewer, "reviewer");
  const review = new ReviewPage(reviewer);
  await review.open(programName);
  await reviewer.getByLabel("Comment", { exact: true }).fill("print the count, please");
  await reviewer.getByRole("button", { name: "Comment" }).click();
  await expect(reviewer.getByTestId("line-comment")).toHaveText(/Rae Reviewer: print the count, please/);
  // A dry run on the target host: bpftrace compiles exactly this revision there, attaching nothing,
  // and the page shows it as what that host reported, and when.
  await reviewer.getByRole("button", { name: "Dry run" }).click();
  await expect(reviewer.getByTestId("dry-run-outcome")).toHaveText(/^Reported by host e2e-host at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: it compiles$/, { timeout: 30_000 });
  await expect(reviewer.getByTestId("dry-run-probes")).toHaveText("interval:s:1");
  await review.decide("Request changes", "See the comment on line 1.");
  await expect(reviewer.getByTestId("revision-status").first()).toHaveText("changes requested");

  await engineer.reload();
  await form.setProgram("interval:s:1 { @ticks = count(); print(@ticks); }");
  await engineer.getByRole("button", { name: "Submit new revision" }).click();
  await expect(engineer.getByRole("heading", { name: /Revision 2/ })).toBeVisible();

  await review.open(programName);
  await expect(reviewer.getByTestId("revision-diff")).toBeVisible();
  await expect(reviewer.getByTestId("program-diff-editor").locator(".line-insert, .char-insert").first()).toBeVisible();
  await saveScreenshot(reviewer, "review-diff");
});

test("revoking an approval stops the running run on the host", async ({ browser, workload }) => {
  expect(workload.pid).toBeTruthy();
  const programName = `revoked ${Date.now()}`;
  const engineer = await browser.newPage();
  await signIn(engineer, "engineer");
  await new ProgramFormPage(engineer).submitNew({ name: programName, source: SLEEP_LATENCY, hosts: [HOST], durationSec: 120 });

  const reviewer = await browser.newPage();
  await signIn(reviewer, "reviewer");
  const review = new ReviewPage(reviewer);
  await review.open(programName);
  await review.decide("Approve and sign", "Two minutes of sleep latency.");
  await expect(reviewer.getByTestId("revision-status").first()).toHaveText("approved");
  const programUrl = reviewer.url();
  const runUrl = await reviewer.getByTestId("run-link").first().getAttribute("href");

  const sre = await browser.newPage();
  await signIn(sre, "sre");
  await sre.goto(runUrl!);
  await expect(sre.getByTestId("run-status")).toHaveText("running", { timeout: 30_000 });

  // An approved revision has left the review queue; its approval is revoked from the program's page.
  await reviewer.goto(programUrl);
  await reviewer.getByRole("button", { name: "Revoke approval" }).click();
  await reviewer.getByLabel("Reason for revoking").fill("Wrong host: this needs the canary first.");
  await reviewer.getByRole("button", { name: "Revoke", exact: true }).click();
  await expect(reviewer.getByTestId("review-decision").first()).toContainText("Revoked by Rae Reviewer");

  await expect(sre.getByTestId("run-status")).toHaveText("ended", { timeout: 20_000 });
  await expect(sre.getByTestId("end-reason")).toHaveText("Revoked: revoked by Rae Reviewer: Wrong host: this needs the canary first.");
});
