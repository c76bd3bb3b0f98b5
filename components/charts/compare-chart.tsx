"use client";
import { useEffect, useMemo, useRef } from "react";
import type { AlignedBucket, PercentileShift } from "@/lib/views/compare-histograms.ts";
import type { HistogramUnit } from "@/lib/shared/histogram.ts";
import { downloadChartPng } from "./chart-png.ts";
import { COMPARE_COLORS, buildCompareModel, compareHeight, drawCompare } from "./draw-compare.ts";
import { useCanvasWidth } from "./use-canvas-width.ts";

/** Two distributions overlaid (each as its share of its own samples), with both sides' percentile lines. */
export function CompareChart({
  buckets,
  shifts,
  unit,
  labels,
  title,
  fileName,
}: {
  buckets: readonly AlignedBucket[];
  shifts: readonly PercentileShift[];
  unit: HistogramUnit;
  labels: { a: string; b: string };
  title: string;
  fileName: string;
}) {
  const frameRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const size = useCanvasWidth(frameRef);
  const model = useMemo(() => buildCompareModel(buckets, unit), [buckets, unit]);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !size || size.width === 0) return;
    const frame = requestAnimationFrame(() => drawCompare(canvas, model, shifts, unit, size, getComputedStyle(canvas).color));
    return () => cancelAnimationFrame(frame);
  }, [model, shifts, unit, size]);

  return (
    <div data-testid="compare-chart" data-rows={model.rows.length}>
      <div className="chart-head">
        <strong>{title}</strong>
        <span className="legend-swatch" style={{ background: COMPARE_COLORS.a }} /> A: {labels.a}
        <span className="legend-swatch" style={{ background: COMPARE_COLORS.b }} /> B: {labels.b}
        <span className="muted">(share of each side&apos;s samples)</span>
        <span style={{ flex: 1 }} />
        <button type="button" className="small" onClick={() => canvasRef.current && downloadChartPng(canvasRef.current, title, fileName)}>
          PNG
        </button>
      </div>
      <div ref={frameRef}>
        <canvas ref={canvasRef} role="img" aria-label={`${title}: A ${labels.a} against B ${labels.b}`} style={{ display: "block", width: "100%", height: compareHeight(model) }} />
      </div>
    </div>
  );
}
