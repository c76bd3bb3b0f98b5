"use client";
// The fleet page's state in one hook: the batch as the stream last delivered
// it, the browser's clock (silence grows with it), what the SRE chose to look
// at, and the host table's sort, filter and page. Each derived value names
// what it reads; all of them are computed over the whole fleet at most five
// times a second, none of them per host drawing.
import { useMemo, useState } from "react";
import type { Heatmap } from "@/lib/views/heatmap.ts";
import type { HistogramBucket, HistogramUnit } from "@/lib/shared/histogram.ts";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import { useNow } from "../use-now.ts";
import { ALL_KEYS } from "../view-model.ts";
import type { FleetView } from "./fleet-store.ts";
import {
  countHosts,
  describeFleet,
  fleetOptions,
  fleetUnit,
  hostTable,
  mergedHistogram,
  resolveFleetSelection,
  type FleetCounts,
  type FleetSelection,
  type FleetSeriesOption,
  type HostFilter,
  type HostSort,
  type HostTable,
} from "./fleet-model.ts";
import { useFleetStream } from "./use-fleet-stream.ts";

export type TableChoice = { sort: HostSort; filter: HostFilter; page: number };

export type FleetViewModel = {
  view: FleetView;
  connected: boolean;
  error: string | null;
  loading: boolean;
  now: number;
  counts: FleetCounts;
  summary: ReturnType<typeof describeFleet>;
  selection: FleetSelection;
  setSelection(selection: FleetSelection): void;
  options: FleetSeriesOption[];
  /** The selection made valid for the maps that exist. */
  shown: FleetSelection;
  option: FleetSeriesOption | undefined;
  unit: HistogramUnit;
  merged: { buckets: HistogramBucket[]; hosts: number };
  windowSec: number;
  setWindowSec(seconds: number): void;
  /** Null when no map was printed yet, or no heatmap is kept for the chosen key. */
  heatmap: Heatmap | null;
  table: HostTable;
  tableChoice: TableChoice;
  setTableChoice(choice: TableChoice): void;
};

export function useFleetView(batchId: string, initial: RunSnapshotWithOrigin[]): FleetViewModel {
  const { view, connected, error, loading } = useFleetStream(batchId, initial);
  const now = useNow(view.hosts.some((host) => host.snapshot.status !== "ENDED"));
  const [selection, setSelection] = useState<FleetSelection>({ map: null, key: ALL_KEYS, mode: "whole", unit: "auto" });
  const [windowSec, setWindowSec] = useState(300);
  const [tableChoice, setTableChoice] = useState<TableChoice>({ sort: "name", filter: "all", page: 0 });

  const options = useMemo(() => fleetOptions(view), [view]);
  const shown = useMemo(() => resolveFleetSelection(selection, options), [selection, options]);
  const counts = useMemo(() => countHosts(view.hosts, now), [view, now]);
  const merged = useMemo(() => mergedHistogram(view, shown, now), [view, shown, now]);
  const heatmap = useMemo(() => (shown.map ? (view.heatmapOf(shown.map, shown.key)?.build(view.axes.of(shown.map), now, windowSec) ?? null) : null), [view, shown, now, windowSec]);
  const table = useMemo(() => hostTable(view, shown, now, tableChoice), [view, shown, now, tableChoice]);

  return {
    view,
    connected,
    error,
    loading,
    now,
    counts,
    summary: describeFleet(counts),
    selection,
    setSelection,
    options,
    shown,
    option: options.find((o) => o.map === shown.map),
    unit: fleetUnit(shown),
    merged,
    windowSec,
    setWindowSec,
    heatmap,
    table,
    tableChoice,
    setTableChoice,
  };
}
