"use client";
// The view an SRE keeps open during an incident: one run, or one run of a
// program on several hosts (the runs one approval signed), live while it
// runs and replayable once it ended, from the same frames and the same code.
import { useEffect, useMemo, useState } from "react";
import type { RunSnapshotWithOrigin } from "@/lib/shared/run-origin.ts";
import type { HistogramUnit } from "@/lib/shared/histogram.ts";
import { exportFileName } from "@/lib/shared/run-export.ts";
import { HeatmapChart } from "@/components/charts/heatmap-chart.tsx";
import { ApiError, callApi } from "@/lib/client/api.ts";
import { describeRunEnd } from "./describe-run-end.ts";
import { HistogramPanel } from "./histogram-panel.tsx";
import { HostStatusTable } from "./host-status-table.tsx";
import { ProbeOverhead } from "./probe-overhead.tsx";
import { PlaybackBar } from "./playback-bar.tsx";
import { usePlayback } from "./use-playback.ts";
import { useWorkspaceStream } from "./use-workspace-stream.ts";
import {
  ALL_KEYS,
  binMsOf,
  heatmapAt,
  histogramAt,
  hostStatus,
  resolveSelection,
  seriesOptions,
  unitOf,
  type Selection,
} from "./view-model.ts";
import "./sre-views.css";

const UNITS: { value: HistogramUnit | "auto"; label: string }[] = [
  { value: "auto", label: "from the map name" },
  { value: "ns", label: "ns" },
  { value: "us", label: "µs" },
  { value: "ms", label: "ms" },
  { value: "s", label: "s" },
  { value: "none", label: "plain numbers" },
];
const WINDOWS = [
  { value: 60, label: "last minute" },
  { value: 300, label: "last 5 minutes" },
  { value: 900, label: "last 15 minutes" },
  { value: 0, label: "whole run" },
];
const TOP_KEYS = 8;

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

const keyLabel = (key: string | null) => (key === null ? "(no key)" : key === ALL_KEYS ? "all keys" : key);
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);

export function RunWorkspace({ initial, canStop }: { initial: RunSnapshotWithOrigin[]; canStop: boolean }) {
  const { store, version, connected, error, loading } = useWorkspaceStream(initial);
  const runs = store.runs;
  const primary = runs[0]!;
  const anyRunning = runs.some((run) => run.snapshot.status !== "ENDED");
  const now = useNow(anyRunning);
  const timelines = useMemo(() => runs.map((run) => run.timeline), [runs]);
  const [selection, setSelection] = useState<Selection>({ map: null, key: ALL_KEYS, mode: "whole", unit: "auto" });
  const [heatmapSource, setHeatmapSource] = useState<string>("merged");
  const [windowSec, setWindowSec] = useState(300);
  const [stopping, setStopping] = useState<Set<string>>(new Set());
  const [stopError, setStopError] = useState<string | null>(null);

  const range = store.timeRange();
  const recorded = store.allEnded;
  const options = useMemo(() => seriesOptions(timelines, Infinity), [timelines, version]);
  const view = resolveSelection(selection, options);
  const unit = unitOf(view);
  const binMs = useMemo(() => binMsOf(timelines, view), [timelines, view.map, view.key, version]);
  const playback = usePlayback(range, binMs);
  const time = playback.time;
  const multiHost = runs.length > 1;
  const option = options.find((o) => o.map === view.map);

  const main = useMemo(() => histogramAt(timelines, store.axes, view, time, binMs), [timelines, store.axes, view.map, view.key, view.mode, time, binMs, version]);
  const perHost = useMemo(
    () => (multiHost ? runs.map((run) => ({ run, buckets: histogramAt([run.timeline], store.axes, view, time, binMs) })) : []),
    [multiHost, runs, store.axes, view.map, view.key, view.mode, time, binMs, version],
  );
  const topKeys = useMemo(() => {
    if (!option?.keyed || !view.map) return [];
    return option.keys.slice(0, TOP_KEYS).map(({ key, count }) => ({ key, count, buckets: histogramAt(timelines, store.axes, { ...view, key }, time, binMs) }));
  }, [option, timelines, store.axes, view.map, view.mode, time, binMs, version]);
  const heatmapRuns = heatmapSource === "merged" ? timelines : timelines.filter((timeline) => timeline.runId === heatmapSource);
  const heatmap = useMemo(
    () => heatmapAt(timelines, heatmapRuns.length ? heatmapRuns : timelines, store.axes, view, time, windowSec > 0 ? windowSec * 1000 : undefined),
    [timelines, heatmapSource, store.axes, view.map, view.key, time, windowSec, version],
  );
  const hosts = useMemo(() => runs.map((run) => hostStatus(run.snapshot, run.timeline, time, now, binMs)), [runs, time, now, binMs, version]);
  const snapshots = useMemo(() => new Map(runs.map((run) => [run.snapshot.id, run.snapshot])), [runs, version]);
  const silent = hosts.filter((host) => host.notReporting);
  const totalFrames = hosts.reduce((sum, host) => sum + host.status.frames, 0);

  async function stop(runIds: string[]) {
    setStopError(null);
    setStopping((current) => new Set([...current, ...runIds]));
    for (const runId of runIds) {
      try {
        await callApi("POST", `/api/runs/${runId}/stop`);
      } catch (caught) {
        setStopError(caught instanceof ApiError ? caught.message : "The server could not be reached.");
        setStopping((current) => new Set([...current].filter((id) => id !== runId)));
      }
    }
  }

  const liveRunIds = runs.filter((run) => run.snapshot.status !== "ENDED" && run.snapshot.origin.kind === "live").map((run) => run.snapshot.id);
  const selectionLabel = view.map ? `${view.map}${option?.keyed ? `[${keyLabel(view.key)}]` : ""}` : "";
  const modeLabel = view.mode === "whole" ? (time === Infinity ? "whole run" : `whole run up to ${clock(time)}`) : "current interval";
  const fileBase = `${selectionLabel} ${view.mode}`;
  const earlyMissing = store.historyLimited;
  // The retention sweep deleted these runs' frames (WORKBENCH_FRAME_RETENTION_DAYS); their record stays.
  const pruned = runs.filter((run) => run.snapshot.framesPrunedAt !== null);
  const allPruned = pruned.length === runs.length;

  return (
    <div className="workspace" data-testid="run-workspace" data-hosts={runs.length} data-mode={recorded ? "recorded" : playback.paused ? "paused" : "live"}>
      {primary.snapshot.origin.kind === "replay" && (
        <p className="replay-banner" data-testid="replay-banner">
          Replay: “{primary.snapshot.origin.name}”, uploaded by {primary.snapshot.origin.uploadedBy}
          {primary.snapshot.origin.sourceHost ? `, recorded on ${primary.snapshot.origin.sourceHost}` : ""}. This is a recorded capture, not live data from an enrolled host, and its program was
          not reviewed here.
        </p>
      )}
      <section className="panel">
        <div className="actions">
          <span className={`badge ${primary.snapshot.status}`} data-testid="run-status">
            {primary.snapshot.status.toLowerCase()}
          </span>
          {hosts[0]?.secondsLeft !== null && hosts[0]?.secondsLeft !== undefined && <span data-testid="time-left">{hosts[0].secondsLeft} s left</span>}
          <span className="muted" data-testid="frame-count">
            {totalFrames} frames
          </span>
          {multiHost && <span className="muted">{runs.length} hosts</span>}
          <span className="muted">{recorded ? "recorded" : connected ? "live" : "connecting…"}</span>
          {loading && <span className="muted">loading frames…</span>}
          <span style={{ flex: 1 }} />
          <ExportLinks runs={runs.map((run) => run.snapshot)} />
          <a className="button-link" href={`/runs/compare?a=${runs.map((run) => run.snapshot.id).join(",")}`}>
            Compare…
          </a>
          {canStop && liveRunIds.length > 0 && (
            <button className="danger" type="button" onClick={() => void stop(liveRunIds)} disabled={liveRunIds.every((id) => stopping.has(id) || !!store.get(id)?.snapshot.stopRequestedAt)}>
              {liveRunIds.every((id) => !!store.get(id)?.snapshot.stopRequestedAt) ? "Stopping…" : multiHost ? "Stop run on all hosts" : "Stop run"}
            </button>
          )}
        </div>
        {primary.snapshot.status === "QUEUED" && <p className="notice">Signed and waiting for the agent on {primary.snapshot.hostName}.</p>}
        {primary.snapshot.status === "ENDED" && (
          <p className={primary.snapshot.endReason === "FAILED" || primary.snapshot.endReason === "REFUSED" ? "error" : "notice"} data-testid="end-reason">
            {primary.snapshot.origin.kind === "replay"
              ? `${primary.snapshot.endReason === "EXPIRED" ? "Replay upload abandoned" : "Replay complete"}: ${primary.snapshot.endDetail ?? "every frame uploaded"}.`
              : describeRunEnd(primary.snapshot.endReason, primary.snapshot.endDetail, primary.snapshot.durationSec)}
          </p>
        )}
        {pruned.length > 0 && (
          <p className="notice" data-testid="frames-pruned">
            {multiHost ? `The frames of ${pruned.map((run) => run.snapshot.hostName).join(", ")} were` : "This run's frames were"} deleted on{" "}
            {pruned[0]!.snapshot.framesPrunedAt!.slice(0, 10)} under the workbench&apos;s frame retention setting (runs attached to an incident keep
            theirs). {multiHost ? "Their records stay" : "Its record stays"}: who ran what, where, how it ended and how many frames it had.
          </p>
        )}
        {(error || stopError) && (
          <p className="error" role="alert">
            {error ?? stopError}
          </p>
        )}
        {earlyMissing && <p className="notice">This run&apos;s history is too long to load whole: the views start at the earliest frame loaded.</p>}
        {(multiHost || silent.length > 0 || recorded) && (
          <HostStatusTable hosts={hosts} snapshots={snapshots} canStop={canStop} onStop={(ids) => void stop(ids)} stopping={stopping} />
        )}
        {!multiHost && !recorded && silent.length === 0 && hosts[0] && (
          <p className="muted small-text" data-testid="single-host-status">
            {hosts[0].hostName}: {hosts[0].status.frames} frames, {hosts[0].status.lostEvents} lost events
            {hosts[0].status.overhead ? `, overhead ${hosts[0].status.overhead.record.cpuPercent.toFixed(2)}% CPU of a ${hosts[0].status.overhead.record.budgetPercent}% budget` : ""}
          </p>
        )}
        <ProbeOverhead hosts={hosts} />
      </section>

      <section className="panel controls" aria-label="What to show">
        <label>
          Histogram map{" "}
          <select value={view.map ?? ""} onChange={(event) => setSelection({ ...selection, map: event.target.value, key: ALL_KEYS })} disabled={options.length === 0}>
            {options.length === 0 && <option value="">none yet</option>}
            {options.map((o) => (
              <option key={o.map} value={o.map}>
                {o.map}
              </option>
            ))}
          </select>
        </label>
        {option?.keyed && (
          <label>
            Key{" "}
            <select value={view.key ?? ""} onChange={(event) => setSelection({ ...selection, key: event.target.value })} data-testid="key-picker">
              <option value={ALL_KEYS}>all keys, summed</option>
              {option.keys.slice(0, 50).map(({ key, count }) => (
                <option key={String(key)} value={key ?? ""}>
                  {keyLabel(key)} ({count.toLocaleString("en-US")})
                </option>
              ))}
            </select>
          </label>
        )}
        <span className="segmented" role="group" aria-label="Histogram of">
          <button type="button" aria-pressed={view.mode === "whole"} onClick={() => setSelection({ ...selection, mode: "whole" })}>
            Whole run
          </button>
          <button type="button" aria-pressed={view.mode === "interval"} onClick={() => setSelection({ ...selection, mode: "interval" })}>
            Current interval
          </button>
        </span>
        <label>
          Unit{" "}
          <select value={selection.unit} onChange={(event) => setSelection({ ...selection, unit: event.target.value as Selection["unit"] })}>
            {UNITS.map((u) => (
              <option key={u.value} value={u.value}>
                {u.value === "auto" && view.map ? `${u.label} (${unitOf({ ...view, unit: "auto" })})` : u.label}
              </option>
            ))}
          </select>
        </label>
        <span style={{ flex: 1 }} />
        <PlaybackBar recorded={recorded} range={range} playback={playback} binMs={binMs} />
      </section>

      {view.map === null ? (
        <p className="notice">
          {allPruned ? "No histogram to show: the frames were deleted." : recorded ? "The run printed no histogram." : "No histogram yet: waiting for bpftrace to print one."}
        </p>
      ) : (
        <>
          <div className="grid2 workspace-main">
            <section className="panel">
              <HistogramPanel
                title={multiHost ? `${selectionLabel} · ${runs.length} hosts merged` : `${selectionLabel} · ${primary.snapshot.hostName}`}
                subtitle={`${modeLabel}${multiHost && silent.length ? ` · includes ${silent.map((h) => h.hostName).join(", ")} (not reporting)` : ""}`}
                buckets={main}
                unit={unit}
                testId={multiHost ? "merged-histogram" : "histogram-panel"}
                fileName={exportFileName(primary.snapshot.id, `${fileBase} merged`, "png")}
              />
              <p className="muted small-text">
                Percentiles are estimated from the buckets: linear interpolation inside the bucket holding the rank (docs/sre-views.md). Buckets are bpftrace&apos;s own
                ({view.mode === "whole" ? "running totals" : "each host's latest interval"}).
              </p>
            </section>
            <section className="panel">
              <div className="actions heatmap-controls">
                {multiHost && (
                  <label>
                    Heatmap of{" "}
                    <select value={heatmapSource} onChange={(event) => setHeatmapSource(event.target.value)}>
                      <option value="merged">all hosts merged</option>
                      {runs.map((run) => (
                        <option key={run.snapshot.id} value={run.snapshot.id}>
                          {run.snapshot.hostName}
                        </option>
                      ))}
                    </select>
                  </label>
                )}
                <label>
                  Window{" "}
                  <select value={windowSec} onChange={(event) => setWindowSec(Number(event.target.value))}>
                    {WINDOWS.map((w) => (
                      <option key={w.value} value={w.value}>
                        {w.label}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
              {heatmap ? (
                <HeatmapChart
                  heatmap={heatmap}
                  axis={store.axes.of(view.map)}
                  unit={unit}
                  title={`Latency heatmap · ${selectionLabel}`}
                  fileName={exportFileName(primary.snapshot.id, `${selectionLabel} heatmap`, "png")}
                />
              ) : (
                <p className="muted">No intervals yet.</p>
              )}
            </section>
          </div>

          {multiHost && (
            <section className="panel">
              <h2>Hosts side by side</h2>
              <div className="multiples" data-testid="host-multiples">
                {perHost.map(({ run, buckets }) => {
                  const host = hosts.find((h) => h.runId === run.snapshot.id)!;
                  return (
                    <HistogramPanel
                      key={run.snapshot.id}
                      compact
                      testId="host-histogram"
                      title={run.snapshot.hostName}
                      subtitle={modeLabel}
                      badge={
                        host.notReporting ? (
                          <span className="badge FAILED">not reporting</span>
                        ) : host.state === "ENDED" ? (
                          <span className="badge ENDED">ended</span>
                        ) : undefined
                      }
                      buckets={buckets}
                      unit={unit}
                      fileName={exportFileName(run.snapshot.id, `${fileBase} ${run.snapshot.hostName}`, "png")}
                    />
                  );
                })}
              </div>
            </section>
          )}

          {topKeys.length > 0 && (
            <section className="panel">
              <h2>Top keys by count</h2>
              <div className="multiples" data-testid="key-multiples">
                {topKeys.map(({ key, count, buckets }) => (
                  <HistogramPanel
                    key={String(key)}
                    compact
                    testId="key-histogram"
                    title={`${view.map}[${keyLabel(key)}]`}
                    subtitle={`${count.toLocaleString("en-US")} in the whole run`}
                    buckets={buckets}
                    unit={unit}
                    fileName={exportFileName(primary.snapshot.id, `${view.map} ${key ?? ""}`, "png")}
                  />
                ))}
              </div>
            </section>
          )}
        </>
      )}
    </div>
  );
}

function ExportLinks({ runs }: { runs: RunSnapshotWithOrigin[] }) {
  if (runs.length === 1) {
    const id = runs[0]!.id;
    return (
      <span className="export-links">
        Export{" "}
        <a href={`/api/runs/${id}/export?format=jsonl`} download>
          JSON lines
        </a>{" "}
        ·{" "}
        <a href={`/api/runs/${id}/export?format=csv`} download>
          CSV
        </a>
      </span>
    );
  }
  return (
    <details className="export-links">
      <summary>Export</summary>
      <ul>
        {runs.map((run) => (
          <li key={run.id}>
            {run.hostName}:{" "}
            <a href={`/api/runs/${run.id}/export?format=jsonl`} download>
              JSON lines
            </a>{" "}
            ·{" "}
            <a href={`/api/runs/${run.id}/export?format=csv`} download>
              CSV
            </a>
          </li>
        ))}
      </ul>
    </details>
  );
}
