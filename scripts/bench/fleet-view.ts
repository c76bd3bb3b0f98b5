// What the fleet view costs in the browser's JavaScript for a large fleet:
// N hosts each printing a cumulative @usecs histogram once a second (with the
// agent's delta) and an overhead sample every 2 s, delivered as the relay does
// (one message per 20 ms window). Per simulated second: folding its frames into
// the FleetStore (each validated against the frame schema). Per render (the
// page renders at most 5 times a second): the counts, the merged histogram,
// the 5-minute merged heatmap and one page of the host table sorted by p99.
// Node only: the page draws two charts and 50 table rows whatever N is.
// Prints figures; asserts nothing.
//
//   npm run bench:fleet-view -- [--hosts 2000] [--warm 120] [--measured 30]
import { parseArgs } from "node:util";
import { FleetStore } from "@/components/runs/fleet/fleet-store.ts";
import { countHosts, fleetOptions, hostTable, mergedHistogram, resolveFleetSelection } from "@/components/runs/fleet/fleet-model.ts";
import { ALL_KEYS } from "@/components/runs/view-model.ts";
import { createWorkspace, framesAt, percentile } from "./sre-views-workload.ts";

const { values } = parseArgs({ options: { hosts: { type: "string" }, warm: { type: "string" }, measured: { type: "string" } } });
const HOSTS = Number(values.hosts ?? 2000);
const WARM = Number(values.warm ?? 120);
const MEASURED = Number(values.measured ?? 30);
const WINDOWS_PER_SECOND = 50;
const RENDERS_PER_SECOND = 5;
const ms = (value: number) => `${value.toFixed(2)} ms`;

const start = Date.UTC(2026, 0, 1);
const { snapshots } = createWorkspace(HOSTS, start);
let clock = start;
const store = new FleetStore(snapshots, { now: () => clock });

function second(s: number): number {
  const frames = snapshots.flatMap((snapshot, host) => framesAt(snapshot.id, host, s, start));
  // As the relay delivers them: every window carries the frames of whichever hosts sent in it.
  const perWindow = Math.ceil(frames.length / WINDOWS_PER_SECOND);
  clock = start + s * 1000;
  const t0 = performance.now();
  for (let i = 0; i < frames.length; i += perWindow) store.ingest(frames.slice(i, i + perWindow), "live");
  return performance.now() - t0;
}

function render(): number {
  const t0 = performance.now();
  store.flush();
  const view = store.getView();
  const options = fleetOptions(view);
  const shown = resolveFleetSelection({ map: null, key: ALL_KEYS, mode: "whole", unit: "auto" }, options);
  countHosts(view.hosts, clock);
  mergedHistogram(view, shown, clock);
  view.heatmapOf(shown.map!, shown.key)!.build(view.axes.of(shown.map!), clock, 300);
  hostTable(view, shown, clock, { sort: "p99", filter: "all", page: 0 });
  return performance.now() - t0;
}

for (let s = 1; s <= WARM; s += 1) second(s);
const ingest: number[] = [];
const renders: number[] = [];
for (let s = WARM + 1; s <= WARM + MEASURED; s += 1) {
  ingest.push(second(s));
  for (let r = 0; r < RENDERS_PER_SECOND; r += 1) renders.push(render());
}
store.dispose();
ingest.sort((a, b) => a - b);
renders.sort((a, b) => a - b);
const heap = process.memoryUsage().heapUsed / 2 ** 20;
process.stdout.write(
  [
    `fleet view: ${HOSTS} hosts at 1 Hz (${Math.round(HOSTS * 1.5)} frames/s), after ${WARM} s, ${MEASURED} s measured`,
    `  folding one second of frames in (validation included): p50 ${ms(percentile(ingest, 50))}, p99 ${ms(percentile(ingest, 99))}`,
    `  one render's model (counts, merged histogram, 5-minute heatmap, host table by p99): p50 ${ms(percentile(renders, 50))}, p99 ${ms(percentile(renders, 99))}`,
    `  so about ${(((percentile(ingest, 50) + RENDERS_PER_SECOND * percentile(renders, 50)) / 1000) * 100).toFixed(1)}% of one core; heap in use ${heap.toFixed(0)} MiB`,
    "",
  ].join("\n"),
);
