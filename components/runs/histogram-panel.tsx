"use client";
// A histogram with its percentile markers (p50, p90, p99, max, estimated
// from the buckets by lib/shared/histogram.ts) drawn on the chart and listed
// beside it, and a PNG download. `data-percentiles` and `data-buckets` carry
// exactly what the markers were computed from, so a test can recompute them.
import { useMemo, useRef } from "react";
import { formatValue, summarizeHistogram, type HistogramBucket, type HistogramUnit } from "@/lib/shared/histogram.ts";
import { HistogramChart, type HistogramMarker } from "@/components/histogram-chart/histogram-chart.tsx";
import { downloadChartPng } from "@/components/charts/chart-png.ts";

const MARKERS = ["p50", "p90", "p99", "max"] as const;

export function HistogramPanel({
  title,
  subtitle,
  buckets,
  unit,
  fileName,
  compact = false,
  testId = "histogram-panel",
  badge,
}: {
  title: string;
  subtitle?: string;
  buckets: HistogramBucket[];
  unit: HistogramUnit;
  fileName: string;
  compact?: boolean;
  testId?: string;
  badge?: React.ReactNode;
}) {
  const frameRef = useRef<HTMLDivElement>(null);
  const summary = useMemo(() => summarizeHistogram(buckets), [buckets]);
  const markers = useMemo<HistogramMarker[]>(() => MARKERS.flatMap((label) => (summary[label] === null ? [] : [{ label, value: summary[label]! }])), [summary]);
  const percentiles = Object.fromEntries(MARKERS.map((label) => [label, summary[label]]));
  const nonEmpty = buckets.filter((bucket) => Number(bucket.count) > 0);
  return (
    <div
      className={compact ? "histogram-panel compact" : "histogram-panel"}
      data-testid={testId}
      data-title={title}
      data-percentiles={JSON.stringify(percentiles)}
      data-buckets={JSON.stringify(buckets.map((b) => [b.min, b.max, b.count]))}
      data-unit={unit}
    >
      <div className="chart-head">
        <strong>{title}</strong>
        {badge}
        {subtitle && <span className="muted">{subtitle}</span>}
        <span style={{ flex: 1 }} />
        <button
          type="button"
          className="small"
          onClick={() => {
            const canvas = frameRef.current?.querySelector("canvas");
            if (canvas) downloadChartPng(canvas, subtitle ? `${title} · ${subtitle}` : title, fileName);
          }}
        >
          PNG
        </button>
      </div>
      <div ref={frameRef}>
        <HistogramChart buckets={buckets} unit={unit} markers={markers} />
      </div>
      <div className="percentiles" data-testid="percentile-legend">
        {nonEmpty.length === 0 ? (
          <span className="muted">no samples</span>
        ) : (
          <>
            <span className="muted">{summary.total.toLocaleString("en-US")} samples</span>
            {MARKERS.map((label) => (
              <span key={label} data-testid={`percentile-${label}`} data-value={summary[label] ?? ""}>
                {label} <b>{summary[label] === null ? "n/a" : formatValue(summary[label]!, unit)}</b>
              </span>
            ))}
          </>
        )}
      </div>
    </div>
  );
}
