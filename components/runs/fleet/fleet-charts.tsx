"use client";
// The fleet merged: one histogram of every host's latest print (running
// totals, or the last interval) with its percentiles, and one heatmap of
// every host's intervals over time. Two charts, whatever the number of hosts.
import { exportFileName } from "@/lib/views/run-export.ts";
import { HeatmapChart } from "@/components/charts/heatmap-chart.tsx";
import { HistogramPanel } from "../histogram-panel.tsx";
import { keyLabel } from "../view-model.ts";
import { MAX_KEYS_PER_PRINT } from "./fleet-store.ts";
import type { FleetViewModel } from "./use-fleet-view.ts";

export function FleetCharts({ model, batchKey }: { model: FleetViewModel; batchKey: string }) {
  const { shown, option, merged, heatmap, unit, view } = model;
  if (!shown.map) return <p className="notice">No histogram yet: waiting for a host to print one.</p>;
  const label = `${shown.map}${option?.keyed ? `[${keyLabel(shown.key)}]` : ""}`;
  const mode = shown.mode === "whole" ? "whole run: each host's latest running total" : "last interval: each reporting host's latest interval";
  return (
    <div className="grid2 workspace-main">
      <section className="panel">
        <HistogramPanel
          title={`${label} · ${merged.hosts.toLocaleString("en-US")} hosts merged`}
          subtitle={mode}
          buckets={merged.buckets}
          unit={unit}
          testId="fleet-histogram"
          fileName={exportFileName(batchKey, `${label} ${shown.mode} fleet`, "png")}
        />
        <p className="muted small-text">
          Buckets are bpftrace&apos;s own, summed over hosts by their bounds; percentiles are estimated from them (docs/sre-views.md). A host&apos;s own page shows its history.
        </p>
      </section>
      <section className="panel">
        {heatmap ? (
          <HeatmapChart
            heatmap={heatmap}
            axis={view.axes.of(shown.map)}
            unit={unit}
            title={`Latency heatmap · ${label} · all hosts`}
            fileName={exportFileName(batchKey, `${label} fleet heatmap`, "png")}
          />
        ) : (
          <p className="muted">
            No heatmap is kept for this key: the fleet view keeps one for every map and for the first keys it sees (each host&apos;s {MAX_KEYS_PER_PRINT} busiest).
          </p>
        )}
      </section>
    </div>
  );
}
