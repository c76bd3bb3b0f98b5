import { expect, saveScreenshot, signIn, test } from "./fixtures/workbench.ts";

// Runbooks in a real browser with the local agent and real bpftrace: a
// reviewer approves a runbook with a bounded process-id parameter and a
// string parameter with a pattern; an SRE launches it and watches the
// histogram; a value out of bounds is refused by the form and by the API; a
// user without the launch role cannot launch; revoking stops the launch.

const HOST = "e2e-host";
const SOURCE = `// clock_nanosleep latency of one process ($1), optionally only for one command name ($2)
tracepoint:syscalls:sys_enter_clock_nanosleep /pid == $1 && (str($2) == "" || comm == str($2))/ { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_clock_nanosleep /@start[tid]/ {
  @usecs = hist((nsecs - @start[tid]) / 1000);
  delete(@start[tid]);
}
interval:s:1 { print(@usecs); }
`;

test("approve a runbook, launch it within its bounds, refuse what is outside them, revoke it while it runs", async ({ browser, workload }) => {
  test.setTimeout(180_000);
  const name = `nanosleep of one process ${Date.now().toString(36)}`;

  // Engineer: proposes the runbook (program + launch policy) for the local host.
  const engineer = await browser.newPage();
  await signIn(engineer, "engineer");
  const { hosts } = (await (await engineer.request.get("/api/hosts")).json()) as { hosts: { id: string; name: string }[] };
  const host = hosts.find((h) => h.name === HOST)!;
  const created = await engineer.request.post("/api/programs", {
    data: {
      name,
      source: SOURCE,
      durationSec: 120,
      targetHostIds: [host.id],
      runbook: {
        measures: "clock_nanosleep latency of one process, in microseconds",
        whenToUse: "A process that sleeps in short intervals wakes up late.",
        params: [
          { name: "pid", description: "The process id", type: "integer", min: 1, max: 4194304, default: 1 },
          { name: "comm", description: "Only this command name; empty for any", type: "string", maxLength: 15, pattern: "[a-z0-9]*", default: "" },
        ],
        maxHostsPerLaunch: 1,
        maxConcurrentLaunches: 1,
        validityDays: 30,
      },
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { programId, revisionId } = (await created.json()) as { programId: string; revisionId: string };

  // Reviewer: sees the policy beside the program and approves both.
  const reviewer = await browser.newPage();
  await signIn(reviewer, "reviewer");
  await reviewer.goto(`/reviews/${revisionId}`);
  await expect(reviewer.getByTestId("runbook-policy")).toContainText("integer from 1 to 4194304");
  await expect(reviewer.getByTestId("runbook-policy")).toContainText("matching [a-z0-9]*");
  await reviewer.getByLabel("Reason").fill("Bounded to one process; fine to launch for 30 days.");
  await reviewer.getByRole("button", { name: "Approve and sign" }).click();
  await expect(reviewer.getByTestId("revision-status").first()).toHaveText("approved");

  // An engineer may read it but not launch it: the form is not offered, and the API refuses.
  await engineer.goto(`/runbooks/${programId}`);
  await expect(engineer.getByTestId("cannot-launch")).toHaveText("Only sre may launch this runbook.");
  const byEngineer = await engineer.request.post(`/api/runbooks/${programId}/launches`, {
    data: { hostIds: [host.id], values: { pid: workload.pid, comm: "" }, durationSec: 30, reason: "try" },
  });
  expect(byEngineer.status()).toBe(403);
  expect(((await byEngineer.json()) as { error: { message: string } }).error.message).toBe("This runbook may be launched by: sre.");

  // SRE: finds it by what it measures, and the form refuses a value out of bounds before sending it.
  const sre = await browser.newPage();
  await signIn(sre, "sre");
  await sre.goto("/runbooks");
  await sre.getByLabel("Search runbooks").fill("nanosleep latency");
  await sre.getByRole("button", { name: "Search" }).click();
  await sre.getByRole("link", { name }).click();
  await expect(sre.getByTestId("runbook-approval")).toContainText("Approved; launches allowed until");
  await expect(sre.getByTestId("scope-count")).toHaveText("1");
  await sre.getByLabel("pid").fill("0");
  await expect(sre.getByTestId("param-problem-pid")).toHaveText("pid must be between 1 and 4194304; 0 is not.");
  await sre.getByLabel("comm").fill("Python!");
  await expect(sre.getByTestId("param-problem-comm")).toHaveText("comm must match the pattern [a-z0-9]*.");
  await sre.getByLabel("Why").fill("INC-12: sleeps wake up late");
  await expect(sre.getByRole("button", { name: "Launch" })).toBeDisabled();

  // The API refuses the same values with a sentence, whatever the form does.
  const outOfBounds = await sre.request.post(`/api/runbooks/${programId}/launches`, { data: { hostIds: [host.id], values: { pid: 0, comm: "" }, durationSec: 30, reason: "x" } });
  expect(outOfBounds.status()).toBe(422);
  expect(((await outOfBounds.json()) as { error: { message: string } }).error.message).toBe("pid must be between 1 and 4194304; 0 is not.");

  // In bounds: launch and watch the histogram of the workload's sleeps.
  await sre.getByLabel("pid").fill(String(workload.pid));
  await sre.getByLabel("comm").fill("python3");
  await sre.getByLabel("Duration (seconds)").fill("90");
  await sre.getByRole("button", { name: "Launch" }).click();
  await expect(sre.getByTestId("run-launch")).toContainText(`launched by Sam SRE: INC-12: sleeps wake up late.`);
  await expect(sre.getByTestId("run-launch")).toContainText(`pid=${workload.pid}`);
  await expect(sre.getByTestId("run-launch")).toContainText('comm="python3"');
  await expect(sre.getByTestId("run-status")).toHaveText("running", { timeout: 30_000 });
  const chart = sre.getByTestId("histogram").first();
  await expect(chart).toBeVisible({ timeout: 20_000 });
  await expect.poll(async () => Number(await chart.getAttribute("data-total")), { timeout: 15_000 }).toBeGreaterThan(0);
  await saveScreenshot(sre, "runbook-launch");

  // Reviewer: revokes the approval; the running launch stops within seconds, and no new launch is possible.
  const review = (await (await reviewer.request.get(`/api/revisions/${revisionId}`)).json()) as { revision: { reviews: { id: string; decision: string }[] } };
  const approval = review.revision.reviews.find((r) => r.decision === "APPROVE")!;
  const revoked = await reviewer.request.post(`/api/reviews/${approval.id}/revoke`, { data: { reason: "Reads another team's process" } });
  expect(revoked.status(), await revoked.text()).toBe(200);
  await expect(sre.getByTestId("run-status")).toHaveText("ended", { timeout: 20_000 });
  await expect(sre.getByTestId("end-reason")).toContainText("Revoked: revoked by Rae Reviewer: Reads another team's process");
  const after = await sre.request.post(`/api/runbooks/${programId}/launches`, {
    data: { hostIds: [host.id], values: { pid: workload.pid, comm: "" }, durationSec: 30, reason: "again" },
  });
  expect(after.status()).toBe(404);
});
