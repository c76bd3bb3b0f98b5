import "server-only";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Frame } from "@/lib/shared/frame.ts";
import { LiveHistograms, type RunLabels } from "./live-histograms.ts";
import { toPrometheusBuckets } from "./prometheus-buckets.ts";

// The server's Prometheus registry (prom-client), shared by the socket.io
// server, which feeds it, and the /metrics route, which renders it. Next
// bundles route handlers into their own module graph in the same process,
// so the instance lives on globalThis, as the database client does.
//
// Metrics (docs/metrics.md):
//   workbench_run_map{run,host,program,source,map,key,unit,le}  live histograms of running runs
//   workbench_agents_connected            agents with an open socket
//   workbench_live_viewers                browsers with an open live socket
//   workbench_live_runs                   runs with histograms in workbench_run_map
//   workbench_frames_received_total{source}   frames stored (rate() gives frames per second)
//   workbench_relay_latency_seconds       agent read -> frame relayed to viewers
//   process_* and nodejs_*                prom-client's default process metrics

export type WorkbenchMetrics = {
  registry: Registry;
  liveHistograms: LiveHistograms;
  /** Frames were stored (from an agent, or a replay upload). */
  onFramesStored(runId: string, frames: readonly Frame[], source: "agent" | "replay"): void;
  /** Frames reached viewers now. */
  onFramesRelayed(frames: readonly Frame[], now?: number): void;
  onRunEnded(runId: string): void;
  /** The realtime server reports its socket counts through these. */
  setSocketCounters(counters: { agents: () => number; viewers: () => number }): void;
  /** How a run's host and program labels are found (the realtime server knows the database). */
  setLabelResolver(resolve: (runId: string) => Promise<RunLabels | null>): void;
};

// Not "..._histogram": promtool check metrics refuses a histogram named for its type.
const HISTOGRAM_NAME = "workbench_run_map";

function createMetrics(): WorkbenchMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let resolveLabels: (runId: string) => Promise<RunLabels | null> = async () => null;
  const liveHistograms = new LiveHistograms((runId) => resolveLabels(runId));
  let counters = { agents: () => 0, viewers: () => 0 };

  new Gauge({
    name: "workbench_agents_connected",
    help: "Agents with an open socket to this server.",
    registers: [registry],
    collect() {
      this.set(counters.agents());
    },
  });
  new Gauge({
    name: "workbench_live_viewers",
    help: "Browsers with an open live-view socket to this server.",
    registers: [registry],
    collect() {
      this.set(counters.viewers());
    },
  });
  new Gauge({
    name: "workbench_live_runs",
    help: "Runs in progress whose histograms workbench_run_map shows.",
    registers: [registry],
    collect() {
      this.set(liveHistograms.runCount);
    },
  });
  const framesReceived = new Counter({
    name: "workbench_frames_received_total",
    help: "Frames stored, by where they came from (agent: live from a host; replay: an uploaded capture).",
    labelNames: ["source"],
    registers: [registry],
  });
  const relayLatency = new Histogram({
    name: "workbench_relay_latency_seconds",
    help: "From the agent reading a record to the server relaying its frame to viewers (includes storage and the 100 ms coalescing window; agent and server clocks).",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  // The live histograms are a custom collector: their buckets are bpftrace's, different per series.
  const histogramHelp =
    "Live bpftrace histograms of runs in progress: le is the bucket's inclusive upper bound in the map's own unit (the unit label, inferred from the map name); _sum is estimated from bucket middles.";
  registry.registerMetric({
    name: HISTOGRAM_NAME,
    help: histogramHelp,
    type: "histogram",
    aggregator: "sum",
    reset() {},
    get() {
      const values: { metricName: string; labels: Record<string, string>; value: number }[] = [];
      for (const series of liveHistograms.series()) {
        const labels = { ...series.labels, map: series.map, key: series.key ?? "", unit: series.unit };
        const { buckets, count, sum } = toPrometheusBuckets(series.buckets);
        for (const bucket of buckets) values.push({ metricName: `${HISTOGRAM_NAME}_bucket`, labels: { ...labels, le: bucket.le }, value: bucket.count });
        values.push({ metricName: `${HISTOGRAM_NAME}_sum`, labels, value: sum });
        values.push({ metricName: `${HISTOGRAM_NAME}_count`, labels, value: count });
      }
      return { name: HISTOGRAM_NAME, help: histogramHelp, type: "histogram", values, aggregator: "sum" };
    },
  } as unknown as Parameters<Registry["registerMetric"]>[0]);

  return {
    registry,
    liveHistograms,
    onFramesStored(runId, frames, source) {
      framesReceived.inc({ source }, frames.length);
      liveHistograms.record(runId, frames);
    },
    onFramesRelayed(frames, now = Date.now()) {
      for (const frame of frames) relayLatency.observe(Math.max(0, now - frame.at) / 1000);
    },
    onRunEnded(runId) {
      liveHistograms.forget(runId);
    },
    setSocketCounters(next) {
      counters = next;
    },
    setLabelResolver(resolve) {
      resolveLabels = resolve;
    },
  };
}

const globalForMetrics = globalThis as unknown as { workbenchMetrics?: WorkbenchMetrics };

/**
 * The process's metrics. The realtime server feeds them; the /metrics route
 * renders them (in a process without the realtime server: the process
 * metrics and no live histograms).
 */
export function getMetrics(): WorkbenchMetrics {
  globalForMetrics.workbenchMetrics ??= createMetrics();
  return globalForMetrics.workbenchMetrics;
}
