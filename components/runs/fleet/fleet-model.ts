// What the fleet view shows, as pure functions of the store's view, the SRE's
// choices and the browser's clock: each host's state, the counts, the merged
// histogram, and one page of the host table.
import { estimatePercentile, inferUnit, type HistogramBucket, type HistogramUnit } from "@/lib/shared/histogram.ts";
import { addSparse, sparseTotal, type DenseCounts, type SparseCounts } from "@/lib/views/run-timeline/sparse-counts.ts";
import { ALL_KEYS } from "../view-model.ts";
import type { FleetHost, FleetPrint, FleetView, PrintedSeries } from "./fleet-store.ts";

/**
 * A running host is "reporting" while a frame of it was heard within this
 * long. The agent sends an overhead sample every 2 s whatever the program
 * prints, so a healthy host is never quiet this long; past it, it is "silent".
 */
export const REPORTING_WINDOW_MS = 5000;
/** A run that started this recently and sent nothing yet is "starting" (bpftrace attaching), then "silent". */
export const START_GRACE_MS = 10_000;
/** A print older than this many of its host's intervals is not "the last interval" any more (as on the per-host view). */
const CURRENT_INTERVALS = 2.5;

export type HostState = "reporting" | "starting" | "silent" | "queued" | "ended";

export function hostState(host: FleetHost, now: number): HostState {
  const { status, startedAt } = host.snapshot;
  if (status === "QUEUED") return "queued";
  if (status === "ENDED") return "ended";
  if (host.lastHeardAt !== null) return now - host.lastHeardAt <= REPORTING_WINDOW_MS ? "reporting" : "silent";
  const started = startedAt ? Date.parse(startedAt) : NaN;
  return Number.isFinite(started) && now - started <= START_GRACE_MS ? "starting" : "silent";
}

export type FleetCounts = Record<HostState, number> & {
  total: number;
  /** Ended hosts by end reason (COMPLETED, FAILED, ...), most first. */
  endedBy: { reason: string; count: number }[];
  /** Not ended yet, and asked to stop. */
  stopping: number;
};

export function countHosts(hosts: readonly FleetHost[], now: number): FleetCounts {
  const counts: FleetCounts = { total: hosts.length, reporting: 0, starting: 0, silent: 0, queued: 0, ended: 0, endedBy: [], stopping: 0 };
  const reasons = new Map<string, number>();
  for (const host of hosts) {
    const state = hostState(host, now);
    counts[state] += 1;
    if (state === "ended") reasons.set(host.snapshot.endReason ?? "UNKNOWN", (reasons.get(host.snapshot.endReason ?? "UNKNOWN") ?? 0) + 1);
    else if (host.snapshot.stopRequestedAt) counts.stopping += 1;
  }
  counts.endedBy = [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  return counts;
}

const END_LABELS: Record<string, string> = {
  COMPLETED: "completed",
  DURATION_LIMIT: "at the duration limit",
  STOPPED: "stopped",
  REVOKED: "revoked",
  OVERHEAD_LIMIT: "over the CPU budget",
  OUTPUT_LIMIT: "over the output cap",
  FAILED: "failed",
  EXPIRED: "expired",
  REFUSED: "refused",
  AGENT_LOST: "lost",
  CANARY_ABORTED: "aborted after its canary",
};
export const endLabel = (reason: string) => END_LABELS[reason] ?? reason.toLowerCase();
/** End reasons that mean something went wrong on the host, not that the run was over. */
const BAD_ENDS = new Set(["FAILED", "REFUSED", "AGENT_LOST", "OVERHEAD_LIMIT", "OUTPUT_LIMIT"]);

/** How the batch is doing, in one sentence, and whether that needs attention. */
export function describeFleet(counts: FleetCounts): { tone: "ok" | "warn" | "bad"; text: string } {
  const running = counts.reporting + counts.starting + counts.silent;
  const badEnds = counts.endedBy.filter((end) => BAD_ENDS.has(end.reason)).reduce((sum, end) => sum + end.count, 0);
  const ends = counts.endedBy.map((end) => `${end.count.toLocaleString("en-US")} ${endLabel(end.reason)}`).join(", ");
  const hosts = (n: number) => `${n.toLocaleString("en-US")} host${n === 1 ? "" : "s"}`;
  if (counts.ended === counts.total) return { tone: badEnds > 0 ? "bad" : "ok", text: `Ended on all ${hosts(counts.total)}: ${ends}.` };
  if (counts.queued === counts.total) return { tone: "ok", text: `Signed; waiting for the agents of ${hosts(counts.total)}.` };
  const parts = [`${counts.reporting.toLocaleString("en-US")} of ${hosts(running)} running are reporting`];
  if (counts.silent > 0) parts.push(`${counts.silent.toLocaleString("en-US")} silent`);
  if (counts.starting > 0) parts.push(`${counts.starting.toLocaleString("en-US")} starting`);
  if (counts.queued > 0) parts.push(`${counts.queued.toLocaleString("en-US")} not started yet`);
  if (counts.ended > 0) parts.push(`${hosts(counts.ended)} ended (${ends})`);
  const tone = counts.silent > 0 || badEnds > 0 ? (counts.silent + badEnds > counts.total / 10 ? "bad" : "warn") : "ok";
  return { tone, text: `${parts.join("; ")}.` };
}

// ---------------------------------------------------------------- selection

export type FleetSelection = {
  map: string | null;
  /** A key of a keyed map, or ALL_KEYS. */
  key: string | null;
  /** whole: each host's latest running total; interval: each host's latest interval. */
  mode: "whole" | "interval";
  unit: HistogramUnit | "auto";
};
export type FleetSeriesOption = { map: string; keyed: boolean; keys: { key: string | null; count: number }[] };

/** Maps printed by any host, with their keys by count over the hosts' latest prints (largest first). */
export function fleetOptions(view: FleetView): FleetSeriesOption[] {
  return view.maps.map((map) => {
    const keys = new Map<string | null, number>();
    for (const host of view.hosts) {
      for (const [key, series] of host.prints.get(map)?.keys ?? []) keys.set(key, (keys.get(key) ?? 0) + sparseTotal(series.record));
    }
    const list = [...keys].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || String(a.key).localeCompare(String(b.key)));
    return { map, keyed: list.some((k) => k.key !== null), keys: list };
  });
}

/** The selection made valid for what exists: the first map, all keys of a keyed map. */
export function resolveFleetSelection(selection: FleetSelection, options: readonly FleetSeriesOption[]): FleetSelection {
  const option = options.find((o) => o.map === selection.map) ?? options[0];
  if (!option) return { ...selection, map: null, key: null };
  const key = !option.keyed ? null : selection.key === ALL_KEYS || option.keys.some((k) => k.key === selection.key) ? selection.key : ALL_KEYS;
  return { ...selection, map: option.map, key };
}

export const fleetUnit = (selection: FleetSelection): HistogramUnit => (selection.unit === "auto" ? (selection.map ? inferUnit(selection.map) : "none") : selection.unit);

/** Whether a print still counts as its host's "last interval" at `now`. */
export function isCurrent(print: FleetPrint, now: number): boolean {
  return now - print.heardAt <= Math.max(REPORTING_WINDOW_MS, CURRENT_INTERVALS * (print.intervalMs ?? 0));
}

/** The selected series of one host's latest print, as the mode reads it; null when the host has none. */
export function seriesOf(host: FleetHost, selection: FleetSelection, now: number): SparseCounts | null {
  if (!selection.map) return null;
  const print = host.prints.get(selection.map);
  if (!print) return null;
  if (selection.mode === "interval" && !isCurrent(print, now)) return null;
  const series: PrintedSeries | undefined = selection.key === ALL_KEYS ? print.all : print.keys.get(selection.key);
  if (!series) return null;
  return selection.mode === "whole" ? series.record : series.interval;
}

/** Every host's series summed, buckets matched by their bounds; and how many hosts it holds. */
export function mergedHistogram(view: FleetView, selection: FleetSelection, now: number): { buckets: HistogramBucket[]; hosts: number } {
  if (!selection.map) return { buckets: [], hosts: 0 };
  let dense: DenseCounts = new Float64Array(0);
  let hosts = 0;
  for (const host of view.hosts) {
    const series = seriesOf(host, selection, now);
    if (!series) continue;
    dense = addSparse(dense, series);
    hosts += 1;
  }
  return { buckets: view.axes.of(selection.map).toBuckets(dense), hosts };
}

// ---------------------------------------------------------------- host table

export type HostSort = "name" | "p99" | "silence" | "overhead";
export type HostFilter = "all" | HostState;
export const PAGE_SIZE = 50;

export type HostRow = {
  host: FleetHost;
  state: HostState;
  /** ms since the host was last heard from; null before any frame. */
  silentForMs: number | null;
  cpuPercent: number | null;
  /** p99 of the selected series of the host's latest print (the mode's reading); null without one. */
  p99: number | null;
};

export type HostTable = { rows: HostRow[]; matching: number; page: number; pages: number };

const percentiles = new WeakMap<SparseCounts, number | null>();

function p99Of(view: FleetView, host: FleetHost, selection: FleetSelection, now: number): number | null {
  const series = seriesOf(host, selection, now);
  if (!series || !selection.map) return null;
  if (!percentiles.has(series)) percentiles.set(series, estimatePercentile(view.axes.of(selection.map).toBuckets(addSparse(new Float64Array(0), series)), 99));
  return percentiles.get(series)!;
}

const byName = (a: HostRow, b: HostRow) => a.host.snapshot.hostName.localeCompare(b.host.snapshot.hostName);
/** Largest first, hosts without a value last. */
const descending = (value: (row: HostRow) => number | null) => (a: HostRow, b: HostRow) => (value(b) ?? -Infinity) - (value(a) ?? -Infinity) || byName(a, b);

/** One page of the hosts in `filter`, sorted; p99 is computed for every host only when sorting by it. */
export function hostTable(view: FleetView, selection: FleetSelection, now: number, options: { sort: HostSort; filter: HostFilter; page: number }): HostTable {
  const rows: HostRow[] = [];
  for (const host of view.hosts) {
    const state = hostState(host, now);
    if (options.filter !== "all" && state !== options.filter) continue;
    rows.push({ host, state, silentForMs: host.lastHeardAt === null ? null : Math.max(0, now - host.lastHeardAt), cpuPercent: host.overhead?.cpuPercent ?? null, p99: null });
  }
  if (options.sort === "p99") for (const row of rows) row.p99 = p99Of(view, row.host, selection, now);
  rows.sort(
    options.sort === "name"
      ? byName
      : options.sort === "p99"
        ? descending((row) => row.p99)
        : options.sort === "overhead"
          ? descending((row) => row.cpuPercent)
          : // The longest silent first; a host never heard from is the most silent of all.
            descending((row) => (row.state === "ended" || row.state === "queued" ? null : (row.silentForMs ?? Infinity))),
  );
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const page = Math.min(Math.max(0, options.page), pages - 1);
  const shown = rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  if (options.sort !== "p99") for (const row of shown) row.p99 = p99Of(view, row.host, selection, now);
  return { rows: shown, matching: rows.length, page, pages };
}
