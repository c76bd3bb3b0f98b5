// Paints a latency heatmap (lib/views/heatmap.ts) on a canvas: cells as
// pixels of an offscreen image scaled up without smoothing (one putImageData
// and one drawImage, however many cells), bucket labels on the left, time
// labels below. Cost grows with the canvas, not with hosts or samples.
import { formatBucketLabel, type HistogramUnit } from "@/lib/shared/histogram.ts";
import { heatIntensity, type Heatmap } from "@/lib/views/heatmap.ts";
import type { BucketAxis } from "@/lib/views/run-timeline/bucket-axis.ts";
import { prepareCanvas, type CanvasSize } from "./prepare-canvas.ts";

export const HEATMAP_LAYOUT = { left: 118, right: 8, top: 6, bottom: 20, rowHeight: 14, minPlotHeight: 60 };
const FONT = "11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";

export type HeatmapColors = { text: string; muted: string; empty: string; low: [number, number, number]; high: [number, number, number] };

export function heatmapHeight(heatmap: Heatmap): number {
  const { top, bottom, rowHeight, minPlotHeight } = HEATMAP_LAYOUT;
  return top + bottom + Math.max(minPlotHeight, heatmap.rowIds.length * rowHeight);
}

/** Where the plot area is, for hover hit-testing with the same numbers as the drawing. */
export function heatmapPlot(heatmap: Heatmap, width: number): { x: number; y: number; width: number; height: number; cellWidth: number; cellHeight: number } {
  const { left, right, top, bottom } = HEATMAP_LAYOUT;
  const plotWidth = Math.max(1, width - left - right);
  const plotHeight = heatmapHeight(heatmap) - top - bottom;
  return {
    x: left,
    y: top,
    width: plotWidth,
    height: plotHeight,
    cellWidth: plotWidth / Math.max(1, heatmap.bins),
    cellHeight: plotHeight / Math.max(1, heatmap.rowIds.length),
  };
}

let scratch: HTMLCanvasElement | null = null;

function timeLabel(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export function drawHeatmap(canvas: HTMLCanvasElement, heatmap: Heatmap, axis: BucketAxis, unit: HistogramUnit, size: CanvasSize, colors: HeatmapColors): void {
  const height = heatmapHeight(heatmap);
  const context = prepareCanvas(canvas, size, height, FONT);
  if (!context) return;
  const plot = heatmapPlot(heatmap, size.width);
  context.fillStyle = colors.empty;
  context.fillRect(plot.x, plot.y, plot.width, plot.height);

  const rows = heatmap.rowIds.length;
  if (rows === 0) {
    context.fillStyle = colors.muted;
    context.textBaseline = "middle";
    context.fillText("No samples in this window", plot.x + 8, plot.y + plot.height / 2);
    return;
  }

  // One pixel per cell, row 0 (lowest latency) at the bottom.
  const image = new ImageData(heatmap.bins, rows);
  const [lr, lg, lb] = colors.low;
  const [hr, hg, hb] = colors.high;
  for (let bin = 0; bin < heatmap.bins; bin += 1) {
    for (let row = 0; row < rows; row += 1) {
      const intensity = heatIntensity(heatmap.cells[bin * rows + row]!, heatmap.max);
      if (intensity === 0) continue;
      const pixel = ((rows - 1 - row) * heatmap.bins + bin) * 4;
      image.data[pixel] = lr + (hr - lr) * intensity;
      image.data[pixel + 1] = lg + (hg - lg) * intensity;
      image.data[pixel + 2] = lb + (hb - lb) * intensity;
      image.data[pixel + 3] = 255;
    }
  }
  // One scratch canvas for every heatmap on the page: drawing is synchronous, so they never overlap.
  scratch ??= document.createElement("canvas");
  const cells = scratch;
  cells.width = heatmap.bins;
  cells.height = rows;
  cells.getContext("2d")!.putImageData(image, 0, 0);
  context.imageSmoothingEnabled = false;
  context.drawImage(cells, plot.x, plot.y, plot.width, plot.height);

  // Bucket labels: every row when they fit, else every n-th.
  context.fillStyle = colors.text;
  context.textAlign = "right";
  context.textBaseline = "middle";
  const every = Math.max(1, Math.ceil(12 / plot.cellHeight));
  for (let row = 0; row < rows; row += every) {
    const y = plot.y + plot.height - (row + 0.5) * plot.cellHeight;
    context.fillText(formatBucketLabel({ ...axis.buckets[heatmap.rowIds[row]!]!, count: 0 }, unit), plot.x - 6, y);
  }
  // Time labels at the start and end of the window, and the middle when there is room.
  context.fillStyle = colors.muted;
  context.textBaseline = "top";
  const start = heatmap.origin + heatmap.firstBin * heatmap.binMs;
  const end = start + heatmap.bins * heatmap.binMs;
  context.textAlign = "left";
  context.fillText(timeLabel(start), plot.x, plot.y + plot.height + 4);
  context.textAlign = "right";
  context.fillText(timeLabel(end), plot.x + plot.width, plot.y + plot.height + 4);
  if (plot.width > 300) {
    context.textAlign = "center";
    context.fillText(timeLabel((start + end) / 2), plot.x + plot.width / 2, plot.y + plot.height + 4);
  }
}
