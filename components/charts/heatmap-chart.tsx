"use client";
// A latency heatmap on a canvas, with a read-out of the cell under the
// pointer (its time span, bucket range and count). Repaints only when the
// heatmap, the size or the unit changes, at most once per animation frame.
//
// Tests read `data-columns` (time bins holding at least one print) to see
// the heatmap grow, and `data-rows` (buckets shown).
import { useEffect, useMemo, useRef, useState } from "react";
import { formatBucketLabel, type HistogramUnit } from "@/lib/shared/histogram.ts";
import { heatmapCell, type Heatmap } from "@/lib/views/heatmap.ts";
import type { BucketAxis } from "@/lib/views/run-timeline/bucket-axis.ts";
import { downloadChartPng } from "./chart-png.ts";
import { drawHeatmap, heatmapHeight, heatmapPlot, type HeatmapColors } from "./draw-heatmap.ts";
import { useCanvasWidth } from "./use-canvas-width.ts";

function readColors(element: Element): HeatmapColors {
  const style = getComputedStyle(element);
  return { text: style.color, muted: "#6b7280", empty: "#f7f8fa", low: [255, 237, 196], high: [178, 24, 43] };
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 23);

export function HeatmapChart({ heatmap, axis, unit, title, fileName }: { heatmap: Heatmap; axis: BucketAxis; unit: HistogramUnit; title: string; fileName: string }) {
  const frameRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const size = useCanvasWidth(frameRef);
  const [hover, setHover] = useState<{ bin: number; row: number } | null>(null);
  const height = heatmapHeight(heatmap);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !size || size.width === 0) return;
    const frame = requestAnimationFrame(() => drawHeatmap(canvas, heatmap, axis, unit, size, readColors(canvas)));
    return () => cancelAnimationFrame(frame);
  }, [heatmap, axis, unit, size]);

  const readout = useMemo(() => {
    if (!hover) return null;
    const cell = heatmapCell(heatmap, hover.bin, hover.row);
    if (!cell) return null;
    return `${clock(cell.from)}–${clock(cell.to)} UTC · ${formatBucketLabel({ ...axis.buckets[cell.bucketId]!, count: 0 }, unit)} · ${cell.count.toLocaleString("en-US")} events`;
  }, [hover, heatmap, axis, unit]);

  const onMove = (event: React.PointerEvent<HTMLCanvasElement>) => {
    if (!size) return;
    const rect = event.currentTarget.getBoundingClientRect();
    const plot = heatmapPlot(heatmap, size.width);
    const x = event.clientX - rect.left - plot.x;
    const y = event.clientY - rect.top - plot.y;
    if (x < 0 || y < 0 || x >= plot.width || y >= plot.height) return setHover(null);
    const bin = Math.floor(x / plot.cellWidth);
    const row = heatmap.rowIds.length - 1 - Math.floor(y / plot.cellHeight);
    setHover((previous) => (previous?.bin === bin && previous.row === row ? previous : { bin, row }));
  };

  return (
    <div data-testid="heatmap" data-columns={heatmap.filledBins} data-rows={heatmap.rowIds.length} data-bin-ms={heatmap.binMs}>
      <div className="chart-head">
        <strong>{title}</strong>
        <span className="muted">
          {heatmap.binMs >= 1000 ? `${heatmap.binMs / 1000} s` : `${heatmap.binMs} ms`} columns · colour: events (square-root scale, max {heatmap.max.toLocaleString("en-US")})
        </span>
        <span style={{ flex: 1 }} />
        <button type="button" className="small" onClick={() => canvasRef.current && downloadChartPng(canvasRef.current, title, fileName)}>
          PNG
        </button>
      </div>
      <div ref={frameRef}>
        <canvas
          ref={canvasRef}
          style={{ display: "block", width: "100%", height, cursor: "crosshair" }}
          onPointerMove={onMove}
          onPointerLeave={() => setHover(null)}
          aria-label={`${title}: ${heatmap.filledBins} time columns, ${heatmap.rowIds.length} buckets`}
          role="img"
        />
      </div>
      <div className="heatmap-readout muted" data-testid="heatmap-readout" aria-live="polite">
        {readout ?? "Point at a cell for its time, range and count."}
      </div>
    </div>
  );
}
