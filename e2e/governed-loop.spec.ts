import { ProgramFormPage } from "./pages/program-form.ts";
import { ReviewPage } from "./pages/review-page.ts";
import { expect, foreignRequests, saveScreenshot, signIn, test } from "./fixtures/workbench.ts";

// The whole governed loop in a real browser: an engineer writes, a reviewer
// rejects, the engineer revises, the reviewer approves, the local agent runs
// the signed program with real bpftrace, and an SRE watches and stops it.

const HOST = "e2e-host";
const programFor = (version: string) => `// ${version}
tracepoint:syscalls:sys_enter_clock_nanosleep { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_clock_nanosleep /@start[tid]/ {
  @usecs = hist((nsecs - @start[tid]) / 1000);
  delete(@start[tid]);
}
interval:s:1 { print(@usecs); }
`;

test("write, reject, revise, approve, watch live, stop", async ({ browser, workload }) => {
  expect(workload.pid).toBeTruthy();
  const programName = `sleep latency ${Date.now()}`;

  // Engineer: write and submit.
  const engineer = await browser.newPage();
  const engineerForeign = foreignRequests(engineer);
  await signIn(engineer, "engineer");
  const form = new ProgramFormPage(engineer);
  const programUrl = await form.submitNew({ name: programName, source: programFor("first try"), hosts: [HOST], durationSec: 120 });
  await expect(engineer.getByTestId("revision-status")).toHaveText("pending");

  // Reviewer: reject with a reason.
  const reviewer = await browser.newPage();
  const reviewerForeign = foreignRequests(reviewer);
  await signIn(reviewer, "reviewer");
  await reviewer.goto("/reviews");
  await reviewer.getByRole("link", { name: programName }).click();
  await expect(reviewer.getByTestId("revision-source")).toContainText("first try");
  await reviewer.getByLabel("Reason").fill("Please say what the histogram measures in a comment.");
  await reviewer.getByRole("button", { name: "Reject" }).click();
  await expect(reviewer.getByTestId("revision-status").first()).toHaveText("rejected");

  // Engineer: sees the reason, revises and resubmits; the old revision stays readable.
  await engineer.goto(programUrl);
  await expect(engineer.getByTestId("review-decision").first()).toContainText("Please say what the histogram measures");
  await form.setProgram(programFor("clock_nanosleep latency in microseconds"));
  await engineer.getByRole("button", { name: "Submit new revision" }).click();
  await expect(engineer.getByRole("heading", { name: /Revision 2/ })).toBeVisible();
  await expect(engineer.getByTestId("earlier-revision")).toHaveCount(1);
  await engineer.getByTestId("earlier-revision").locator("summary").click();
  await expect(engineer.getByTestId("earlier-revision").getByTestId("revision-source")).toContainText("first try");

  // Reviewer: approve revision 2, which signs it and queues a run on the host.
  await reviewer.goto("/reviews");
  await reviewer.getByRole("link", { name: programName }).click();
  await expect(reviewer.getByTestId("revision-source")).toContainText("clock_nanosleep latency in microseconds");
  await reviewer.getByLabel("Reason").fill("Bounded and cheap; approved for two minutes.");
  await reviewer.getByRole("button", { name: "Approve and sign" }).click();
  await expect(reviewer.getByTestId("revision-status").first()).toHaveText("approved");

  // SRE: the live page shows the histogram growing as frames arrive.
  const sre = await browser.newPage();
  const sreForeign = foreignRequests(sre);
  await signIn(sre, "sre");
  await sre.goto(programUrl);
  await sre.getByTestId("run-link").first().click();
  await expect(sre.getByTestId("run-status")).toHaveText("running", { timeout: 30_000 });
  const chart = sre.getByTestId("histogram").first();
  await expect(chart).toBeVisible({ timeout: 20_000 });
  const firstTotal = Number(await chart.getAttribute("data-total"));
  expect(firstTotal).toBeGreaterThan(0);
  await expect.poll(async () => Number(await chart.getAttribute("data-total")), { timeout: 15_000 }).toBeGreaterThan(firstTotal);
  await expect(sre.getByTestId("time-left")).toHaveText(/\d+ s left/);
  await saveScreenshot(sre, "live-run");

  // SRE: stop it; the page says who stopped it.
  await sre.getByRole("button", { name: "Stop run" }).click();
  await expect(sre.getByTestId("run-status")).toHaveText("ended", { timeout: 20_000 });
  await expect(sre.getByTestId("end-reason")).toHaveText("Stopped: stopped by Sam SRE.");

  // The editor (Monaco and its workers), the review page and the live page loaded nothing from any other host.
  expect({ engineer: engineerForeign, reviewer: reviewerForeign, sre: sreForeign }).toEqual({ engineer: [], reviewer: [], sre: [] });
});

test("a run that reaches its duration limit says so", async ({ browser, workload }) => {
  expect(workload.pid).toBeTruthy();
  const programName = `short run ${Date.now()}`;
  const engineer = await browser.newPage();
  await signIn(engineer, "engineer");
  await new ProgramFormPage(engineer).submitNew({ name: programName, source: programFor("short"), hosts: [HOST], durationSec: 3 });

  const reviewer = await browser.newPage();
  await signIn(reviewer, "reviewer");
  const review = new ReviewPage(reviewer);
  await review.open(programName);
  await review.decide("Approve and sign", "Three seconds is fine.");
  await expect(reviewer.getByTestId("revision-status").first()).toHaveText("approved");

  await reviewer.getByTestId("run-link").first().click();
  await expect(reviewer.getByTestId("end-reason")).toHaveText("Stopped at its 3 s duration limit.", { timeout: 30_000 });
  await expect(reviewer.getByTestId("histogram").first()).toBeVisible();
});

// The policy lint passes it (it does not know every bpftrace function); bpftrace itself refuses it.
test("a program bpftrace cannot compile fails with bpftrace's own message", async ({ browser }) => {
  const programName = `broken ${Date.now()}`;
  const engineer = await browser.newPage();
  await signIn(engineer, "engineer");
  await new ProgramFormPage(engineer).submitNew({
    name: programName,
    source: "tracepoint:syscalls:sys_enter_openat { @x = no_such_function(1); }",
    hosts: [HOST],
    durationSec: 10,
  });

  const reviewer = await browser.newPage();
  await signIn(reviewer, "reviewer");
  const review = new ReviewPage(reviewer);
  await review.open(programName);
  await review.decide("Approve and sign", "Let bpftrace judge it.");
  await reviewer.getByTestId("run-link").first().click();
  await expect(reviewer.getByTestId("end-reason")).toContainText("Failed:", { timeout: 30_000 });
  await expect(reviewer.getByTestId("end-reason")).toContainText("ERROR");

  // Back in the editor, a dry run on the host marks the spot bpftrace means.
  await engineer.reload();
  await expect(engineer.getByTestId("program-editor").locator(".squiggly-error")).toHaveCount(0);
  await engineer.getByTestId("editor-dry-run").locator("summary").click();
  await engineer.getByRole("button", { name: "Dry run" }).click();
  await expect(engineer.getByTestId("dry-run-outcome")).toContainText(`Reported by host ${HOST} at `, { timeout: 30_000 });
  await expect(engineer.getByTestId("dry-run-outcome")).toContainText(": bpftrace refuses it");
  await expect(engineer.getByTestId("program-editor").locator(".squiggly-error").first()).toBeVisible();
});
