"use client";
// A keyed map's busiest keys (by count over the whole run), each its own
// small histogram of the shown mode and moment, merged over hosts.
import { useMemo } from "react";
import { exportFileName } from "@/lib/views/run-export.ts";
import { HistogramPanel } from "./histogram-panel.tsx";
import type { RunWorkspaceModel } from "./use-run-workspace.ts";
import { histogramAt, keyLabel } from "./view-model.ts";

const TOP_KEYS = 8;

export function TopKeys({ model }: { model: RunWorkspaceModel }) {
  const { view, option, shown, time, binMs, unit } = model;
  const primary = view.runs[0]!.snapshot;
  const topKeys = useMemo(() => {
    if (!option?.keyed || !shown.map) return [];
    return option.keys.slice(0, TOP_KEYS).map(({ key, count }) => ({ key, count, buckets: histogramAt(view.timelines, view.axes, { ...shown, key }, time, binMs) }));
  }, [option, view, shown, time, binMs]);
  if (topKeys.length === 0) return null;
  return (
    <section className="panel">
      <h2>Top keys by count</h2>
      <div className="multiples" data-testid="key-multiples">
        {topKeys.map(({ key, count, buckets }) => (
          <HistogramPanel
            key={String(key)}
            compact
            testId="key-histogram"
            title={`${shown.map}[${keyLabel(key)}]`}
            subtitle={`${count.toLocaleString("en-US")} in the whole run`}
            buckets={buckets}
            unit={unit}
            fileName={exportFileName(primary.id, `${shown.map} ${key ?? ""}`, "png")}
          />
        ))}
      </div>
    </section>
  );
}
