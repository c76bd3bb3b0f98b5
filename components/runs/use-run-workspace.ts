"use client";
// The run page's state in one hook: the runs as the stream last delivered
// them, what the SRE chose to look at (map, key, whole run or interval,
// unit), the moment shown (live, paused, or a replay position) and each
// host's status at that moment. The parts of the page compute what they draw
// from these; every derived value names what it reads.
import { useMemo, useState } from "react";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import type { HistogramUnit } from "@/lib/shared/histogram.ts";
import { usePlayback, type Playback } from "./use-playback.ts";
import { useNow } from "./use-now.ts";
import { useWorkspaceStream } from "./use-workspace-stream.ts";
import type { WorkspaceView } from "./workspace-store.ts";
import { ALL_KEYS, binMsOf, hostStatus, keyLabel, resolveSelection, seriesOptions, unitOf, type HostStatus, type Selection, type SeriesOption } from "./view-model.ts";

export type ShownSelection = Selection & { map: string | null };

export type RunWorkspaceModel = {
  view: WorkspaceView;
  connected: boolean;
  error: string | null;
  loading: boolean;
  /** What the SRE picked, before it is made valid for the maps that exist. */
  selection: Selection;
  setSelection(selection: Selection): void;
  options: SeriesOption[];
  /** The selection made valid: the map and key shown. */
  shown: ShownSelection;
  /** The picker entry of the shown map. */
  option: SeriesOption | undefined;
  unit: HistogramUnit;
  binMs: number;
  playback: Playback;
  /** The moment shown: Infinity at the live edge. */
  time: number;
  multiHost: boolean;
  recorded: boolean;
  hosts: HostStatus[];
  /** Running hosts that stopped reporting. */
  silent: HostStatus[];
  snapshots: Map<string, RunSnapshotWithOrigin>;
  labels: { selection: string; mode: string; fileBase: string };
};

export const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

export function useRunWorkspace(initial: RunSnapshotWithOrigin[]): RunWorkspaceModel {
  const { view, connected, error, loading } = useWorkspaceStream(initial);
  const anyRunning = view.runs.some((run) => run.snapshot.status !== "ENDED");
  const now = useNow(anyRunning);
  const [selection, setSelection] = useState<Selection>({ map: null, key: ALL_KEYS, mode: "whole", unit: "auto" });

  const options = useMemo(() => seriesOptions(view.timelines, Infinity), [view]);
  const shown = useMemo(() => resolveSelection(selection, options), [selection, options]);
  const binMs = useMemo(() => binMsOf(view.timelines, shown), [view, shown]);
  const playback = usePlayback(view.range, binMs);
  const time = playback.time;
  const hosts = useMemo(() => view.runs.map((run) => hostStatus(run.snapshot, run.timeline, time, now, binMs)), [view, time, now, binMs]);
  const snapshots = useMemo(() => new Map(view.runs.map((run) => [run.snapshot.id, run.snapshot])), [view]);

  const option = options.find((o) => o.map === shown.map);
  const selectionLabel = shown.map ? `${shown.map}${option?.keyed ? `[${keyLabel(shown.key)}]` : ""}` : "";
  const modeLabel = shown.mode === "whole" ? (time === Infinity ? "whole run" : `whole run up to ${clock(time)}`) : "current interval";
  return {
    view,
    connected,
    error,
    loading,
    selection,
    setSelection,
    options,
    shown,
    option,
    unit: unitOf(shown),
    binMs,
    playback,
    time,
    multiHost: view.runs.length > 1,
    recorded: view.allEnded,
    hosts,
    silent: hosts.filter((host) => host.notReporting),
    snapshots,
    labels: { selection: selectionLabel, mode: modeLabel, fileBase: `${selectionLabel} ${shown.mode}` },
  };
}
