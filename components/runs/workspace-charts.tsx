"use client";
// The two main charts of the run page: the selection's histogram (merged
// over hosts) with its percentiles, and its latency heatmap over a window
// of time, merged or of one host.
import { useMemo, useState } from "react";
import { exportFileName } from "@/lib/views/run-export.ts";
import { HeatmapChart } from "@/components/charts/heatmap-chart.tsx";
import { HistogramPanel } from "./histogram-panel.tsx";
import type { RunWorkspaceModel } from "./use-run-workspace.ts";
import { heatmapAt, histogramAt } from "./view-model.ts";

const WINDOWS = [
  { value: 60, label: "last minute" },
  { value: 300, label: "last 5 minutes" },
  { value: 900, label: "last 15 minutes" },
  { value: 0, label: "whole run" },
];
const MERGED = "merged";

export function WorkspaceCharts({ model }: { model: RunWorkspaceModel }) {
  const { view, shown, time, binMs, unit, multiHost, silent, labels } = model;
  const primary = view.runs[0]!.snapshot;
  const [heatmapSource, setHeatmapSource] = useState<string>(MERGED);
  const [windowSec, setWindowSec] = useState(300);

  const main = useMemo(() => histogramAt(view.timelines, view.axes, shown, time, binMs), [view, shown, time, binMs]);
  const heatmap = useMemo(() => {
    const chosen = heatmapSource === MERGED ? view.timelines : view.timelines.filter((timeline) => timeline.runId === heatmapSource);
    return heatmapAt(view.timelines, chosen.length ? chosen : view.timelines, view.axes, shown, time, windowSec > 0 ? windowSec * 1000 : undefined);
  }, [view, heatmapSource, shown, time, windowSec]);

  return (
    <div className="grid2 workspace-main">
      <section className="panel">
        <HistogramPanel
          title={multiHost ? `${labels.selection} · ${view.runs.length} hosts merged` : `${labels.selection} · ${primary.hostName}`}
          subtitle={`${labels.mode}${multiHost && silent.length ? ` · includes ${silent.map((h) => h.hostName).join(", ")} (not reporting)` : ""}`}
          buckets={main}
          unit={unit}
          testId={multiHost ? "merged-histogram" : "histogram-panel"}
          fileName={exportFileName(primary.id, `${labels.fileBase} merged`, "png")}
        />
        <p className="muted small-text">
          Percentiles are estimated from the buckets: linear interpolation inside the bucket holding the rank (docs/sre-views.md). Buckets are bpftrace&apos;s own (
          {shown.mode === "whole" ? "running totals" : "each host's latest interval"}).
        </p>
      </section>
      <section className="panel">
        <div className="actions heatmap-controls">
          {multiHost && (
            <label>
              Heatmap of{" "}
              <select value={heatmapSource} onChange={(event) => setHeatmapSource(event.target.value)}>
                <option value={MERGED}>all hosts merged</option>
                {view.runs.map((run) => (
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
        {heatmap && shown.map ? (
          <HeatmapChart
            heatmap={heatmap}
            axis={view.axes.of(shown.map)}
            unit={unit}
            title={`Latency heatmap · ${labels.selection}`}
            fileName={exportFileName(primary.id, `${labels.selection} heatmap`, "png")}
          />
        ) : (
          <p className="muted">No intervals yet.</p>
        )}
      </section>
    </div>
  );
}
