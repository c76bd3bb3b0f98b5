import { spawn, type ChildProcess } from "node:child_process";
import type { Browser, Page } from "@playwright/test";
import { estimatePercentile, formatValue, type HistogramUnit } from "../lib/shared/histogram.ts";
import { ProgramFormPage } from "./pages/program-form.ts";
import { ReviewPage } from "./pages/review-page.ts";
import { RunPage } from "./pages/run-page.ts";
import { startSecondAgent } from "./fixtures/second-agent.ts";
import { expect, saveScreenshot, signIn, test } from "./fixtures/workbench.ts";

// What SREs watch, in Chromium against the workbench, its agents and real
// bpftrace: the live heatmap and percentiles, several hosts side by side and
// merged, a finished run replayed, two runs compared, an incident.

const HOST = "e2e-host";
const SECOND_HOST = "second-host";

const sleepLatency = (comment: string, filter = "") => `// ${comment}
tracepoint:syscalls:sys_enter_clock_nanosleep ${filter} { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_clock_nanosleep /@start[tid]/ {
  @usecs = hist((nsecs - @start[tid]) / 1000);
  @usecs_by_comm[comm] = hist((nsecs - @start[tid]) / 1000);
  delete(@start[tid]);
}
interval:s:1 { print(@usecs); print(@usecs_by_comm); }
`;

/** Engineer writes, reviewer approves; returns the URL of the program page (its runs are linked there). */
async function approvedProgram(browser: Browser, options: { name: string; source: string; hosts: string[]; durationSec: number; canaryPeriodSec?: number }): Promise<string> {
  const engineer = await browser.newPage();
  await signIn(engineer, "engineer");
  const programUrl = await new ProgramFormPage(engineer).submitNew(options);
  await engineer.close();

  const reviewer = await browser.newPage();
  await signIn(reviewer, "reviewer");
  const review = new ReviewPage(reviewer);
  await review.open(options.name);
  await review.decide("Approve and sign", "Bounded, cheap, approved for the SRE views test.");
  await expect(reviewer.getByTestId("revision-status").first()).toHaveText("approved");
  await reviewer.close();
  return programUrl;
}

async function runUrls(page: Page, programUrl: string, count: number): Promise<string[]> {
  await page.goto(programUrl);
  await expect(page.getByTestId("run-link")).toHaveCount(count, { timeout: 15_000 });
  return Promise.all((await page.getByTestId("run-link").all()).map(async (link) => (await link.getAttribute("href"))!));
}

function startSleeper(seconds: number): ChildProcess {
  return spawn("python3", ["-c", `import time\nwhile True: time.sleep(${seconds})`], { stdio: "ignore" });
}

test("a live run: the heatmap gains columns, markers match the library, pause loses nothing, keyed maps, then it replays", async ({ browser, workload }) => {
  test.setTimeout(240_000);
  expect(workload.pid).toBeTruthy();
  const programUrl = await approvedProgram(browser, { name: `sre live ${Date.now()}`, source: sleepLatency("live view"), hosts: [HOST], durationSec: 25 });

  const sre = await browser.newPage();
  await signIn(sre, "sre");
  const [runUrl] = await runUrls(sre, programUrl, 1);
  await sre.goto(runUrl!);
  const run = new RunPage(sre);
  await expect(sre.getByTestId("run-status")).toHaveText("running", { timeout: 30_000 });

  // The heatmap gains a column per interval as frames arrive.
  await expect(run.heatmap).toBeVisible({ timeout: 20_000 });
  await expect.poll(() => run.heatmapColumns(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
  const columnsBefore = await run.heatmapColumns();
  await expect.poll(() => run.heatmapColumns(), { timeout: 15_000 }).toBeGreaterThanOrEqual(columnsBefore + 2);

  // Percentile markers are the library's estimates from the very buckets on screen.
  const reading = await run.readPanel(run.panel());
  expect(reading.total).toBeGreaterThan(0);
  const buckets = reading.buckets.map(([min, max, count]) => ({ min, max, count }));
  for (const [name, percentile] of [
    ["p50", 50],
    ["p90", 90],
    ["p99", 99],
    ["max", 100],
  ] as const) {
    const expected = estimatePercentile(buckets, percentile)!;
    expect(reading.percentiles[name], name).toBeCloseTo(expected, 9);
    expect(reading.legend[name], name).toBe(formatValue(expected, reading.unit as HistogramUnit));
  }
  expect(reading.unit).toBe("us");
  // What each probe costs in the kernel, as the agent measured it, shows while the run goes on.
  const probes = sre.getByTestId("probe-overhead");
  await expect(probes.getByTestId("probe-overhead-row").first()).toBeVisible({ timeout: 15_000 });
  await expect(probes).toContainText("tracepoint");
  await expect.poll(async () => (await probes.getByTestId("ns-per-run").allTextContents()).some((text) => /^[\d,]+$/.test(text)), { timeout: 15_000 }).toBe(true);
  await saveScreenshot(sre, "live-run");
  await run.heatmap.screenshot({ path: test.info().outputPath("heatmap.png") });

  // Hovering a cell says its time, range and count.
  const canvas = run.heatmap.locator("canvas");
  const box = (await canvas.boundingBox())!;
  await canvas.hover({ position: { x: box.width - 12, y: box.height - 30 } });
  await expect(sre.getByTestId("heatmap-readout")).toHaveText(/^\d\d:\d\d:\d\d\.\d{3}–\d\d:\d\d:\d\d\.\d{3} UTC · .+ · [\d,]+ events$/);

  // Pause: the view holds still while frames keep arriving; resume shows everything.
  await sre.getByRole("button", { name: "Pause" }).click();
  await expect(sre.getByTestId("paused-at")).toBeVisible();
  const pausedColumns = await run.heatmapColumns();
  await sre.waitForTimeout(3000);
  expect(await run.heatmapColumns()).toBe(pausedColumns);
  await sre.getByRole("button", { name: "Resume" }).click();
  await expect.poll(() => run.heatmapColumns(), { timeout: 10_000 }).toBeGreaterThanOrEqual(pausedColumns + 2);

  // A keyed map: a picker of keys by count, and small multiples of the top keys.
  await run.chooseMap("@usecs_by_comm");
  await expect(sre.getByTestId("key-picker")).toBeVisible();
  await expect(sre.getByTestId("key-picker").locator("option", { hasText: "python3" })).toHaveCount(1);
  await expect(sre.getByTestId("key-histogram").first()).toBeVisible();
  await run.chooseMap("@usecs");

  // Once it ends, the page is the recorded run: every stored frame is here, and it replays.
  await expect(sre.getByTestId("run-status")).toHaveText("ended", { timeout: 60_000 });
  await expect(sre.getByTestId("run-workspace")).toHaveAttribute("data-mode", "recorded");
  const stored = await sre.request.get(`/api/runs/${runUrl!.split("/").at(-1)}/frames?limit=5000`);
  const storedFrames = ((await stored.json()) as { frames: unknown[] }).frames.length;
  await expect(sre.getByTestId("frame-count")).toHaveText(`${storedFrames} frames`);
  const fullColumns = await run.heatmapColumns();
  expect(fullColumns).toBeGreaterThanOrEqual(10);
  await sre.getByTestId("replay-slider").fill("0");
  await expect.poll(() => run.heatmapColumns()).toBeLessThanOrEqual(1);
  await sre.getByRole("button", { name: "Play max" }).click();
  await expect.poll(() => run.heatmapColumns(), { timeout: 30_000 }).toBe(fullColumns);
  await expect(sre.getByRole("button", { name: "Play 10x" })).toBeVisible({ timeout: 30_000 });
  await saveScreenshot(sre, "replayed-run");
});

test("one run on two hosts: each host side by side, the merged view, and a host that stops reporting", async ({ browser, workload }) => {
  test.setTimeout(240_000);
  expect(workload.pid).toBeTruthy();
  const admin = await browser.newPage();
  await signIn(admin, "admin");
  const secondAgent = await startSecondAgent(admin, SECOND_HOST);
  try {
    const programUrl = await approvedProgram(browser, {
      name: `sre two hosts ${Date.now()}`,
      source: sleepLatency("two hosts"),
      hosts: [HOST, SECOND_HOST],
      durationSec: 90,
      canaryPeriodSec: 0,
    }); // both hosts at once: this test is about the views, not the canary
    const sre = await browser.newPage();
    await signIn(sre, "sre");
    const [runUrl] = await runUrls(sre, programUrl, 2);
    await sre.goto(runUrl!);
    const run = new RunPage(sre);

    await expect(run.hostRow(HOST)).toHaveAttribute("data-state", "running", { timeout: 30_000 });
    await expect(run.hostRow(SECOND_HOST)).toHaveAttribute("data-state", "running", { timeout: 30_000 });
    await expect(sre.getByTestId("host-histogram")).toHaveCount(2);
    await expect(sre.getByTestId("host-histogram").filter({ hasText: SECOND_HOST })).toBeVisible();
    for (const index of [0, 1]) {
      await expect.poll(async () => (await run.readPanel(sre.getByTestId("host-histogram").nth(index))).total, { timeout: 20_000 }).toBeGreaterThan(0);
    }

    // The merged view is the hosts' buckets summed: read while paused, so all three show one moment.
    await sre.getByRole("button", { name: "Pause" }).click();
    const merged = await run.readPanel(run.panel("merged-histogram"));
    const perHost = await Promise.all((await sre.getByTestId("host-histogram").all()).map((panel) => run.readPanel(panel)));
    expect(perHost.every((host) => host.total > 0)).toBe(true);
    expect(merged.total).toBe(perHost[0]!.total + perHost[1]!.total);
    await sre.getByRole("button", { name: "Resume" }).click();
    await saveScreenshot(sre, "two-hosts");

    // The second host dies (its bpftrace with it): it is marked as no longer reporting.
    secondAgent.child.kill("SIGKILL");
    await expect(run.hostRow(SECOND_HOST)).toHaveAttribute("data-state", "not-reporting", { timeout: 30_000 });
    await expect(run.hostRow(HOST)).toHaveAttribute("data-state", "running");
    await expect(sre.getByTestId("host-histogram").filter({ hasText: SECOND_HOST }).getByText("not reporting")).toBeVisible();
    await saveScreenshot(sre, "host-not-reporting");
    await sre.getByRole("button", { name: "Stop run on all hosts" }).click();
    await expect(run.hostRow(HOST)).toHaveAttribute("data-state", "ended", { timeout: 30_000 });
  } finally {
    await secondAgent.stop();
  }
});

test("two runs compare with a stated test, and an incident collects them with who did what", async ({ browser }) => {
  test.setTimeout(240_000);
  // Two sleepers, 1 ms and 10 ms; each program measures only its own, so the distributions differ for sure.
  const fast = startSleeper(0.001);
  const slow = startSleeper(0.01);
  try {
    const stamp = Date.now();
    const baselineUrl = await approvedProgram(browser, { name: `baseline ${stamp}`, source: sleepLatency("1 ms sleeps", `/pid == ${fast.pid}/`), hosts: [HOST], durationSec: 6 });
    const incidentUrl = await approvedProgram(browser, { name: `incident ${stamp}`, source: sleepLatency("10 ms sleeps", `/pid == ${slow.pid}/`), hosts: [HOST], durationSec: 6 });
    const sre = await browser.newPage();
    await signIn(sre, "sre");
    const [baselineRun] = await runUrls(sre, baselineUrl, 1);
    const [incidentRun] = await runUrls(sre, incidentUrl, 1);
    for (const url of [baselineRun!, incidentRun!]) {
      await sre.goto(url);
      await expect(sre.getByTestId("run-status")).toHaveText("ended", { timeout: 60_000 });
    }
    const baselineId = baselineRun!.split("/").at(-1)!;
    const incidentId = incidentRun!.split("/").at(-1)!;

    // Compare: overlaid histograms, every percentile's shift, and the verdict in words.
    await sre.goto("/runs/compare");
    await sre.getByLabel("A (before, or baseline)").selectOption(baselineId);
    await sre.getByLabel("B (after, or incident)").selectOption(incidentId);
    await sre.getByRole("button", { name: "Compare" }).click();
    await expect(sre.getByTestId("comparison-statement")).toContainText("The distributions differ");
    await expect(sre.getByTestId("comparison-statement")).toContainText("chi-square test");
    await expect(sre.getByTestId("comparison")).toHaveAttribute("data-differ", "true");
    await expect(sre.getByTestId("shift-p50")).toContainText("+");
    await expect(sre.getByTestId("compare-chart")).toBeVisible();
    await saveScreenshot(sre, "comparison");

    // An incident: opened, the two runs attached as baseline and evidence, a note.
    await sre.goto("/incidents");
    const title = `sleep latency regression ${stamp}`;
    await sre.getByLabel("Title").fill(title);
    await sre.getByLabel("Summary").fill("10 ms sleeps where 1 ms was normal.");
    await sre.getByRole("button", { name: "Open incident" }).click();
    await expect(sre.getByRole("heading", { name: title })).toBeVisible();
    await sre.getByLabel("Run to attach").selectOption(baselineId);
    await sre.getByLabel("Role").selectOption("BASELINE");
    await sre.getByRole("button", { name: "Attach" }).click();
    await expect(sre.getByTestId("incident-run")).toHaveCount(1);
    await sre.getByLabel("Run to attach").selectOption(incidentId);
    await sre.getByLabel("Role").selectOption("INCIDENT");
    await sre.getByRole("button", { name: "Attach" }).click();
    await expect(sre.getByTestId("incident-run")).toHaveCount(2);
    await sre.getByLabel("Add a note").fill("Compared against this morning's baseline.");
    await sre.getByRole("button", { name: "Add note" }).click();
    await expect(sre.getByTestId("incident-note")).toContainText("Compared against this morning's baseline.");

    // The page shows the comparison, the approved programs behind the evidence, and who did what.
    await expect(sre.getByTestId("comparison-statement")).toContainText("From baseline to incident");
    await expect(sre.getByTestId("comparison-statement")).toContainText("The distributions differ");
    const evidence = sre.locator('[data-testid="incident-run"][data-role="INCIDENT"]');
    await expect(evidence).toContainText("approved program");
    await expect(evidence.getByRole("link", { name: `incident ${stamp}`, exact: true })).toHaveAttribute("href", new URL(incidentUrl).pathname);
    await expect(sre.getByTestId("incident-activity").locator("li")).toHaveCount(4);
    await expect(sre.getByTestId("incident-activity")).toContainText("Sam SRE attached run");
    await saveScreenshot(sre, "incident");

    // The run pages say which incident they are evidence in.
    await sre.goto(incidentRun!);
    await expect(sre.getByTestId("run-incidents")).toContainText(`${title} (incident)`);
  } finally {
    fast.kill();
    slow.kill();
  }
});

test("a replay is shown as a replay, never as live data from a host", async ({ browser }) => {
  const engineer = await browser.newPage();
  await signIn(engineer, "engineer");
  const start = Date.now() - 10_000;
  const created = await engineer.request.post("/api/replays", { data: { name: "lab capture.json", sourceHost: "lab-7", startedAt: start } });
  expect(created.status()).toBe(201);
  const { runId } = (await created.json()) as { runId: string };
  const frames = Array.from({ length: 5 }, (_, i) => ({
    seq: i + 1,
    at: start + (i + 1) * 1000,
    record: { type: "hist", map: "@usecs", series: [{ key: null, buckets: [{ min: 1024, max: 2047, count: 10 + i }], total: 10 + i }] },
  }));
  expect((await engineer.request.post(`/api/replays/${runId}/frames`, { data: { frames } })).status()).toBe(200);
  expect((await engineer.request.post(`/api/replays/${runId}/end`, { data: { endedAt: start + 5000 } })).status()).toBe(200);

  await engineer.goto(`/runs/${runId}`);
  await expect(engineer.getByTestId("replay-banner")).toContainText("not live data from an enrolled host");
  await expect(engineer.getByRole("heading", { name: /Replay “lab capture\.json”/ })).toBeVisible();
  await expect.poll(() => new RunPage(engineer).heatmapColumns()).toBe(5);

  // A PNG of the chart as drawn, named after the run and what it shows.
  const download = engineer.waitForEvent("download");
  await engineer.getByTestId("heatmap").getByRole("button", { name: "PNG" }).click();
  const png = await download;
  expect(png.suggestedFilename()).toBe(`run-${runId.slice(0, 8)}-usecs-heatmap.png`);
  const bytes = await import("node:fs").then((fs) => png.path().then((file) => fs.readFileSync(file)));
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  await engineer.goto("/runs");
  await expect(engineer.getByTestId("run-row").filter({ hasText: "lab capture.json" }).getByText("replay", { exact: true })).toBeVisible();
});
