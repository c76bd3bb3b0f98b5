import { estimatePercentile } from "../lib/shared/histogram.ts";
import { enrollHosts, log2Buckets, SimulatedAgent } from "./fixtures/simulated-fleet.ts";
import { expect, saveScreenshot, signIn, test } from "./fixtures/workbench.ts";
import { FleetPage } from "./pages/fleet-page.ts";
import { RunPage } from "./pages/run-page.ts";

// A fleet as an SRE sees it during an incident: one approved program on 60
// hosts (enrolled through the API, each a simulated agent on the real /agent
// protocol, see fixtures/simulated-fleet.ts), most of them reporting, a few
// gone silent, a few finished, two never started. The run page shows the
// fleet: counts by state, every host merged, a host table a page at a time,
// each host's own page, and one button that stops them all.

const HOSTS = 60;
/** Each host prints what it measured for this many seconds, then keeps printing the same running total. */
const BUSY_PRINTS = 3;
const SILENT = [20, 21, 22];
const COMPLETED = [30, 31, 32];
const QUEUED = [58, 59];
/** Its every sample is 16–31 µs; everyone else's are below 16. */
const SLOW = 45;
const perSecond = (i: number) => (i === SLOW ? [0, 0, 0, 0, 5] : [2, 1, i % 4, 1]);

const SOURCE = `// the fleet's clock_nanosleep latency
tracepoint:syscalls:sys_enter_clock_nanosleep { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_clock_nanosleep /@start[tid]/ {
  @usecs = hist((nsecs - @start[tid]) / 1000);
  delete(@start[tid]);
}
interval:s:1 { print(@usecs); }
`;

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

test("a fleet of 60 hosts: counts by state, every host merged, silent hosts flagged, paging, a host's own page, and stop for all", async ({ browser }) => {
  test.setTimeout(240_000);
  const stamp = Date.now().toString(36);
  const names = Array.from({ length: HOSTS }, (_, i) => `fleet-${stamp}-${String(i).padStart(2, "0")}`);

  // An admin enrolls the hosts; an engineer writes one program for all of them (every host at once:
  // this is about the fleet view, not the canary); a reviewer approves it.
  const admin = await browser.newPage();
  await signIn(admin, "admin");
  const hosts = await enrollHosts(admin, names);
  const engineer = await browser.newPage();
  await signIn(engineer, "engineer");
  const created = await engineer.request.post("/api/programs", {
    data: { name: `fleet latency ${stamp}`, source: SOURCE, durationSec: 600, targetHostIds: hosts.map((host) => host.hostId), canary: { periodSec: 0 } },
  });
  expect(created.status(), await created.text()).toBe(201);
  const { revisionId } = (await created.json()) as { revisionId: string };
  const reviewer = await browser.newPage();
  await signIn(reviewer, "reviewer");
  const approved = await reviewer.request.post(`/api/revisions/${revisionId}/reviews`, { data: { decision: "approve", reason: "Cheap, bounded, for the whole fleet." } });
  expect(approved.status(), await approved.text()).toBe(201);
  const { runIds } = (await approved.json()) as { runIds: string[] };
  expect(runIds).toHaveLength(HOSTS);

  const agents = hosts.map((host, i) => new SimulatedAgent(host, perSecond(i), BUSY_PRINTS));
  const errors: string[] = [];
  let driving = true;
  const drive = async () => {
    while (driving) {
      const second = new Promise((resolve) => setTimeout(resolve, 1000));
      await Promise.all(
        agents
          .map(async (agent, i) => {
            if (!agent.started || agent.stopped) return;
            if (SILENT.includes(i) && agent.prints >= BUSY_PRINTS) return;
            if (COMPLETED.includes(i) && agent.prints >= BUSY_PRINTS) return agent.end("completed");
            return agent.tick();
          })
          .map((sent) => sent.catch((error: unknown) => errors.push(String(error)))),
      );
      await second;
    }
  };
  let driver: Promise<void> | undefined;
  try {
    await Promise.all(agents.map((agent, i) => agent.join(!QUEUED.includes(i))));
    driver = drive();

    const sre = await browser.newPage();
    await signIn(sre, "sre");
    const fleetUrl = `/runs/${runIds[0]}`;
    await sre.goto(fleetUrl);
    const fleet = new FleetPage(sre);
    await expect(fleet.view).toHaveAttribute("data-hosts", String(HOSTS));
    await expect(sre.getByRole("heading", { name: `fleet latency ${stamp} r1 on ${HOSTS} hosts` })).toBeVisible();

    // The counts settle once the silent hosts have been quiet past the reporting window.
    await expect.poll(() => fleet.counts(), { timeout: 40_000 }).toEqual({ all: 60, reporting: 52, silent: 3, queued: 2, ended: 3 });
    await expect(sre.getByTestId("fleet-end-reasons")).toHaveText("3 completed");
    await expect(sre.getByTestId("fleet-sentence")).toHaveText("52 of 55 hosts running are reporting; 3 silent; 2 not started yet; 3 hosts ended (3 completed).");
    await expect(sre.getByTestId("fleet-summary")).toHaveAttribute("data-tone", "warn");

    // The merged histogram is every started host's latest running total, summed bucket by bucket.
    const started = agents.filter((agent) => agent.started);
    expect(started.every((agent) => agent.prints >= BUSY_PRINTS)).toBe(true);
    const expected = log2Buckets(Array.from({ length: 5 }, (_, b) => sum(started.map((agent) => agent.lastRecord[b] ?? 0))));
    await expect.poll(async () => (await fleet.readHistogram()).total, { timeout: 20_000 }).toBe(sum(expected.map((bucket) => bucket.count)));
    const merged = await fleet.readHistogram();
    expect(merged.buckets.filter(([, , count]) => Number(count) > 0)).toEqual(
      expected.filter((bucket) => bucket.count > 0).map((bucket) => [bucket.min, bucket.max, bucket.count]),
    );
    expect(merged.percentiles.p99).toBeCloseTo(estimatePercentile(expected, 99)!, 9);
    await expect(fleet.histogram).toHaveAttribute("data-title", `@usecs · ${started.length} hosts merged`);
    await expect.poll(async () => Number(await sre.getByTestId("heatmap").getAttribute("data-columns")), { timeout: 20_000 }).toBeGreaterThanOrEqual(BUSY_PRINTS);

    // Silent hosts are flagged in the table, and the count filters the table to them.
    await expect(fleet.hostRow(names[SILENT[0]!]!)).toHaveAttribute("data-state", "silent");
    await expect(fleet.hostRow(names[QUEUED[0]!]!)).toHaveCount(0); // page 2
    await sre.getByTestId("fleet-count-silent").click();
    await expect.poll(() => fleet.hostNames()).toEqual(SILENT.map((i) => names[i]));
    await expect(fleet.rows.first()).toHaveAttribute("data-state", "silent");
    await saveScreenshot(sre, "fleet-silent-hosts");

    // Fifty hosts a page.
    await sre.getByTestId("fleet-count-all").click();
    expect(await fleet.pageInfo()).toEqual({ page: 1, pages: 2, matching: HOSTS });
    await expect(fleet.rows).toHaveCount(50);
    expect(await fleet.hostNames()).toEqual(names.slice(0, 50));
    await saveScreenshot(sre, "fleet-view");
    await sre.getByRole("button", { name: "Next" }).click();
    await expect(fleet.rows).toHaveCount(10);
    expect(await fleet.hostNames()).toEqual(names.slice(50));
    expect(await fleet.pageInfo()).toEqual({ page: 2, pages: 2, matching: HOSTS });
    await expect(fleet.hostRow(names[QUEUED[0]!]!)).toHaveAttribute("data-state", "queued");

    // Sorted by the p99 of each host's latest print, the slow host comes first.
    await sre.getByLabel("Sort by").selectOption("p99");
    await expect(fleet.rows.first()).toHaveAttribute("data-host", names[SLOW]!);
    await expect(fleet.rows.first().getByTestId("host-p99")).toContainText("µs");

    // A host's link opens its own run page: that run alone, its history, and the way back.
    await sre.getByLabel("Sort by").selectOption("name");
    const one = 5;
    await fleet.hostRow(names[one]!).getByRole("link", { name: names[one]! }).click();
    await expect(sre).toHaveURL(/\/runs\/[^/?]+\?view=host$/);
    await expect(sre.getByTestId("run-workspace")).toHaveAttribute("data-hosts", "1");
    await expect(sre.getByRole("heading", { name: `fleet latency ${stamp} r1 on ${names[one]}` })).toBeVisible();
    await expect(sre.getByTestId("batch-link")).toContainText(`One of the ${HOSTS} hosts`);
    const hostPage = new RunPage(sre);
    await expect.poll(async () => (await hostPage.readPanel(hostPage.panel())).total, { timeout: 20_000 }).toBe(sum(agents[one]!.lastRecord));

    // Stop: every host still running or queued is asked; the agents end their runs, the queued ones end at once.
    expect(errors).toEqual([]);
    await sre.goto(fleetUrl);
    await sre.getByRole("button", { name: `Stop run on all ${HOSTS} hosts` }).click();
    const running = () => agents.filter((agent) => agent.started && !agent.ended).map((agent) => `${agent.host.hostName} (asked: ${agent.stopAsked}, error: ${agent.endError})`);
    await expect.poll(running, { timeout: 30_000 }).toEqual([]);
    const stillOn = async () => {
      const states = await Promise.all(runIds.map(async (id) => ((await (await sre.request.get(`/api/runs/${id}`)).json()) as { run: { hostName: string; status: string } }).run));
      return states.filter((run) => run.status !== "ENDED").map((run) => `${run.hostName}: ${run.status}`);
    };
    await expect.poll(stillOn, { timeout: 30_000 }).toEqual([]);
    await expect.poll(() => fleet.count("ended"), { timeout: 30_000 }).toBe(HOSTS);
    await expect(sre.getByTestId("fleet-sentence")).toHaveText("Ended on all 60 hosts: 57 stopped, 3 completed.");
    await saveScreenshot(sre, "fleet-stopped");
  } finally {
    driving = false;
    await driver;
    for (const agent of agents) agent.close();
  }
});
