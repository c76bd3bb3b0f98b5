// Prometheus scraping the workbench for real: Debian's prometheus and promtool
// (scripts/setup/install-system.sh --tests), a Prometheus of this test's own
// scraping the built production server's /metrics every second with the
// bearer token, while the real agent runs a real bpftrace program. What a
// user of Prometheus and Grafana would look at is asserted through
// Prometheus' own query API: the run's live histogram with its labels,
// histogram_quantile landing in the bucket of the run page's p99, and every
// query of the shipped Grafana dashboard. Needs root, bpftrace and
// `npm run build`.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import { LIVE_NAMESPACE, SOCKET_PATH } from "@/lib/shared/sockets.ts";
import { summarizeHistogram, type HistogramBucket } from "@/lib/shared/histogram.ts";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";
import { reviewRevision } from "@/lib/server/use-cases/review-revision.ts";
import { startAgentProcess, type AgentProcess } from "@/test/agent-process.ts";
import { sleepWorkload } from "@/test/agent-scenario.ts";
import { createUser, enrollTestHost, reviewDeps, testSigningKey, type TestUser } from "@/test/factories.ts";
import { waitFor } from "@/test/processes.ts";
import { prometheusInstalled, promtoolCheckMetrics, startPrometheus, type PrometheusServer } from "@/test/prometheus-server.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { signInCookie, startWebServer, type WebServer } from "@/test/web-server.ts";

const METRICS_TOKEN = "prometheus-scrape-test-token-0123456789";
const DASHBOARD = path.resolve(import.meta.dirname, "../../../deploy/grafana/dashboards/bpftrace-workbench.json");
const SAMPLES = 400;

// Sleep latency of the first SAMPLES sleeps system-wide, then nothing more:
// the histogram stops changing, so the run page and Prometheus can be
// compared on the very same counts while the run is still going.
const FROZEN_SLEEP_LATENCY = `tracepoint:syscalls:sys_enter_clock_nanosleep /@n < ${SAMPLES}/ { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_clock_nanosleep /@start[tid]/ {
  @usecs = hist((nsecs - @start[tid]) / 1000);
  delete(@start[tid]);
  @n++;
}
interval:ms:500 { print(@usecs); }
`;

let t: TestDatabase;
let web: WebServer;
let prometheus: PrometheusServer;
let agent: AgentProcess | undefined;
let workload: ChildProcess | undefined;
let sre: TestUser;
let host: { hostId: string; hostName: string; credential: string };
let runId: string;
const key = testSigningKey();
const sockets: ReturnType<typeof io>[] = [];

beforeAll(async () => {
  if (!prometheusInstalled()) throw new Error("prometheus and promtool are not installed: run scripts/setup/install-system.sh --tests");
  t = await createTestDatabase();
  const admin = await createUser(t.db, ["ADMIN"]);
  sre = await createUser(t.db, ["SRE"]);
  host = await enrollTestHost(t.db, admin);
  web = await startWebServer(t.url, { WORKBENCH_METRICS_TOKEN: METRICS_TOKEN });
  prometheus = await startPrometheus({ target: `127.0.0.1:${web.port}`, bearerToken: METRICS_TOKEN });
  agent = startAgentProcess({ serverUrl: web.url, credential: host.credential, publicKey: key.publicKey, hostName: host.hostName, extraArgs: ["--stop-grace-sec", "3"] });
  await waitFor("the agent to connect", async () => (await t.db.host.findUniqueOrThrow({ where: { id: host.hostId }, select: { facts: true } })).facts, 30_000);
  workload = sleepWorkload(120);
  const engineer = await createUser(t.db, ["ENGINEER"]);
  const reviewer = await createUser(t.db, ["REVIEWER"]);
  const { revisionId } = await createProgram(
    t.db,
    engineer,
    { name: "frozen sleep latency", source: FROZEN_SLEEP_LATENCY, durationSec: 90, targetHostIds: [host.hostId] },
    { maxDurationSec: 600 },
  );
  const { runIds } = await reviewRevision(t.db, reviewer, revisionId, { decision: "approve", reason: "prometheus test" }, reviewDeps(key));
  runId = runIds[0]!;
}, 180_000);

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  workload?.kill();
  await agent?.stop();
  await prometheus?.stop();
  await web?.stop();
  await t?.drop();
});

type HistFrame = { seq: number; record: { type: string; map?: string; series?: { key: unknown; buckets: HistogramBucket[]; total: number }[] } };

/** The run's latest print of @usecs, as the run page reads it (GET /api/runs/:id/frames). */
async function latestPrint(cookie: string): Promise<{ seq: number; buckets: HistogramBucket[]; total: number } | null> {
  const response = await fetch(`${web.url}/api/runs/${runId}/frames?afterSeq=0&limit=5000`, { headers: { cookie } });
  const { frames } = (await response.json()) as { frames: HistFrame[] };
  const prints = frames.filter((frame) => frame.record.type === "hist" && frame.record.map === "@usecs");
  const last = prints.at(-1);
  const series = last?.record.series?.[0];
  return last && series ? { seq: last.seq, buckets: series.buckets, total: series.total } : null;
}

describe("Prometheus scraping /metrics", () => {
  it("passes promtool check metrics, but for three gauges of prom-client's defaults", async () => {
    await waitFor(
      "the run's histogram in /metrics",
      async () => {
        const text = await (await fetch(`${web.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
        return text.includes(`run="${runId}"`) ? text : null;
      },
      60_000,
    );
    const exposition = await (await fetch(`${web.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const check = promtoolCheckMetrics(exposition);
    // prom-client's default Node.js gauges carry a _total suffix promtool objects to; those three
    // are the library's names, and the only findings. Nothing of the workbench's own.
    expect(check.output.trim().split("\n").sort()).toEqual([
      'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
      'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
      'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
    ]);
  });

  it("scrapes the live histogram of a real run with its labels, and histogram_quantile lands in the bucket of the run page's p99", async () => {
    const cookie = await signInCookie(web.url, sre.email, sre.password);
    // Two prints in a row with the same total: the program has stopped counting.
    let previous: Awaited<ReturnType<typeof latestPrint>> = null;
    const page = await waitFor(
      "the run's histogram to stop changing",
      async () => {
        const print = await latestPrint(cookie);
        const frozen = print && previous && print.seq > previous.seq && print.total === previous.total && print.total >= SAMPLES ? print : null;
        previous = print;
        return frozen;
      },
      60_000,
    );

    const count = await waitFor(
      "Prometheus to have scraped the frozen histogram",
      async () => {
        const answer = await prometheus.query(`workbench_run_map_count{run="${runId}"}`);
        const sample = answer.data?.result?.[0];
        return sample && Number(sample.value[1]) === page.total ? sample : null;
      },
      30_000,
    );
    expect(count.metric).toEqual({
      __name__: "workbench_run_map_count",
      instance: `127.0.0.1:${web.port}`,
      job: "bpftrace-workbench",
      run: runId,
      host: host.hostName,
      program: "frozen sleep latency",
      source: "live",
      map: "@usecs",
      // key="" (an unkeyed map) is no label at all in Prometheus: an empty label value is an absent label.
      unit: "us",
    });

    const buckets = await prometheus.query(`workbench_run_map_bucket{run="${runId}"}`);
    const bounds = buckets
      .data!.result!.map((sample) => sample.metric.le!)
      .filter((le) => le !== "+Inf")
      .map(Number)
      .sort((a, b) => a - b);
    // Every bucket bpftrace printed is there, by its inclusive upper bound.
    for (const bucket of page.buckets.filter((b) => b.max !== null)) expect(bounds).toContain(Number(bucket.max));

    const quantile = await prometheus.query(`histogram_quantile(0.99, workbench_run_map_bucket{run="${runId}"})`);
    expect(quantile.status).toBe("success");
    const q = Number(quantile.data!.result![0]!.value[1]);
    // Prometheus' bucket for q: the first le at or above it (le is inclusive).
    const prometheusBucket = bounds.find((le) => q <= le);
    // The run page's p99 (lib/shared/histogram.ts, as components/runs/histogram-panel.tsx computes it) and the bpftrace bucket [min, max] it lies in.
    const p99 = summarizeHistogram(page.buckets).p99!;
    const pageBucket = page.buckets.find((b) => Number(b.count) > 0 && b.min !== null && b.max !== null && Number(b.min) <= p99 && p99 <= Number(b.max) + 1);
    expect(pageBucket, `p99 ${p99} in ${JSON.stringify(page.buckets)}`).toBeDefined();
    expect(prometheusBucket).toBe(Number(pageBucket!.max));
  });

  it("answers every query of the shipped Grafana dashboard, with data from the running workbench for the key panels", async () => {
    const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, "utf8")) as {
      panels: { title: string; targets: { expr: string; refId: string }[] }[];
      templating: { list: { name: string; query: { query: string } }[] };
    };
    // What Grafana would substitute with this host and map chosen.
    const substitute = (expr: string) => expr.replaceAll("$__rate_interval", "15s").replaceAll("$host", host.hostName).replaceAll("$map", "@usecs");

    for (const variable of dashboard.templating.list) {
      const [, selector, label] = /^label_values\((.+), (\w+)\)$/.exec(variable.query.query)!;
      const answer = await prometheus.api(`/api/v1/label/${label}/values?match[]=${encodeURIComponent(substitute(selector!))}`);
      expect(answer.status, variable.name).toBe("success");
      expect(answer.data, variable.name).toContain(variable.name === "host" ? host.hostName : "@usecs");
    }

    // Someone watching the run live, so frames are relayed to a viewer (what the relay latency measures).
    const cookie = await signInCookie(web.url, sre.email, sre.password);
    const viewer = io(`${web.url}${LIVE_NAMESPACE}`, { path: SOCKET_PATH, transports: ["websocket"], extraHeaders: { cookie }, forceNew: true });
    sockets.push(viewer);
    expect(await viewer.timeout(10_000).emitWithAck("run:watch", { runId })).toMatchObject({ ok: true });
    const relayP99 = dashboard.panels.find((panel) => panel.title === "Relay latency")!.targets.find((target) => target.refId === "B")!.expr;
    await waitFor("a relay latency measured", async () => Number.isFinite(Number((await prometheus.query(substitute(relayP99))).data?.result?.[0]?.value[1])), 30_000);

    const answers = new Map<string, number[]>();
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const answer = await prometheus.query(substitute(target.expr));
        expect(answer, `${panel.title} ${target.refId}: ${target.expr}`).toMatchObject({ status: "success" });
        answers.set(
          `${panel.title}/${target.refId}`,
          answer.data!.result!.map((sample) => Number(sample.value[1])),
        );
      }
    }
    // increase() needs two scrapes of the run's buckets in its window: ask again until it has them.
    const heatmap = dashboard.panels.find((panel) => panel.title === "Latency heatmap · $host")!.targets[0]!.expr;
    await waitFor(
      "two scrapes of the run's buckets",
      async () => {
        const answer = await prometheus.query(substitute(heatmap));
        answers.set(
          "Latency heatmap · $host/A",
          answer.data!.result!.map((sample) => Number(sample.value[1])),
        );
        return answer.data!.result!.length > 0;
      },
      20_000,
    );
    // Series for the run's host (its histogram has stopped changing, so its rate-based p99 is NaN, as Grafana shows a gap).
    expect(answers.get("Latency heatmap · $host/A")!.length).toBeGreaterThan(0);
    expect(answers.get("p99 per host/A")).toHaveLength(1);
    // The one agent, frames arriving from it, the relay latency to the viewer, the one live run.
    expect(answers.get("Agents connected/A")).toEqual([1]);
    expect(answers.get("Frames per second/A")![0]).toBeGreaterThan(0);
    expect(Number.isFinite(answers.get("Relay latency/B")![0])).toBe(true);
    expect(answers.get("Live runs and viewers/A")).toEqual([1]);
  });

  it("ships a Prometheus config for the monitoring profile that promtool accepts", () => {
    // The token file the container's entrypoint writes, here a temporary one.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-promconfig-"));
    const config = fs.readFileSync(path.resolve(import.meta.dirname, "../../../deploy/prometheus/prometheus.yml"), "utf8");
    expect(config).toContain("credentials_file: /prometheus/workbench-metrics-token");
    fs.writeFileSync(path.join(dir, "token"), METRICS_TOKEN);
    fs.writeFileSync(path.join(dir, "prometheus.yml"), config.replace("/prometheus/workbench-metrics-token", path.join(dir, "token")));
    const check = spawnSync("promtool", ["check", "config", path.join(dir, "prometheus.yml")], { encoding: "utf8" });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(check.stdout + check.stderr).toContain("SUCCESS");
    expect(check.status).toBe(0);
  });
});
