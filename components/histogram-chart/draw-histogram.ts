// Paints a histogram model on a canvas, laid out like bpftrace's text output:
// bucket label, count, then a bar proportional to the count. Everything is
// in CSS pixels; the pixel ratio only scales the backing store, so the chart
// is sharp on high-density screens without changing its layout.
import { formatValue } from "@/lib/shared/histogram.ts";
import { rowPosition, type HistogramMarker, type HistogramModel } from "./histogram-model.ts";
import { prepareCanvas, type CanvasSize } from "@/components/charts/prepare-canvas.ts";

const ROW_HEIGHT = 18;
const PADDING = 6;
const EMPTY_HEIGHT = 32;

const FONT = "12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
const COLUMN_GAP = 10;
const BAR_INSET = 3;
const LABEL_HEIGHT = 13;

export type ChartColors = { text: string; bar: string; marker: string; muted: string };

export function chartHeight(model: HistogramModel): number {
  return model.rows.length === 0 ? EMPTY_HEIGHT : model.rows.length * ROW_HEIGHT + 2 * PADDING;
}

function widestText(context: CanvasRenderingContext2D, texts: readonly string[]): number {
  return texts.reduce((widest, text) => Math.max(widest, context.measureText(text).width), 0);
}

/**
 * Label heights for markers sorted by height: at their line when there is
 * room, pushed apart where lines are close (p90 and p99 in one bucket), and
 * kept inside the canvas by pushing the lowest ones back up.
 */
function spreadLabels(lineYs: readonly number[], height: number): number[] {
  const labelYs: number[] = [];
  let previous = -Infinity;
  for (const y of lineYs) {
    previous = Math.max(y, previous + LABEL_HEIGHT);
    labelYs.push(previous);
  }
  let limit = height - LABEL_HEIGHT / 2;
  for (let i = labelYs.length - 1; i >= 0; i -= 1) {
    labelYs[i] = Math.min(labelYs[i]!, limit);
    limit = labelYs[i]! - LABEL_HEIGHT;
  }
  return labelYs;
}

/** Marker labels sit in a column right of the bars, so they never cover one. */
function drawMarkers(
  context: CanvasRenderingContext2D,
  model: HistogramModel,
  markers: readonly { text: string; value: number }[],
  barsLeft: number,
  barsRight: number,
  height: number,
  colors: ChartColors,
): void {
  const placed = markers.map((marker) => ({ ...marker, y: Math.round(PADDING + rowPosition(model.rows, marker.value) * ROW_HEIGHT) + 0.5 })).sort((a, b) => a.y - b.y);
  const labelYs = spreadLabels(
    placed.map((marker) => marker.y),
    height,
  );
  context.strokeStyle = colors.marker;
  context.fillStyle = colors.marker;
  context.setLineDash([4, 3]);
  context.textAlign = "left";
  context.textBaseline = "middle";
  placed.forEach((marker, i) => {
    context.beginPath();
    context.moveTo(barsLeft, marker.y);
    context.lineTo(barsRight, marker.y);
    context.stroke();
    context.fillText(marker.text, barsRight + COLUMN_GAP, labelYs[i]!);
  });
  context.setLineDash([]);
}

export function drawHistogram(canvas: HTMLCanvasElement, model: HistogramModel, markers: readonly HistogramMarker[], size: CanvasSize, colors: ChartColors): void {
  const height = chartHeight(model);
  const context = prepareCanvas(canvas, size, height, FONT);
  if (!context) return;
  context.textBaseline = "middle";

  if (model.rows.length === 0) {
    context.fillStyle = colors.muted;
    context.textAlign = "left";
    context.fillText("No samples yet", PADDING, height / 2);
    return;
  }

  const markerLabels = markers.map((marker) => ({
    text: `${marker.label} ${formatValue(marker.value, model.unit)}`,
    value: marker.value,
  }));
  const labelWidth = widestText(
    context,
    model.rows.map((row) => row.label),
  );
  const countWidth = widestText(
    context,
    model.rows.map((row) => row.countText),
  );
  const markerWidth =
    markerLabels.length > 0
      ? COLUMN_GAP +
        widestText(
          context,
          markerLabels.map((marker) => marker.text),
        )
      : 0;
  const countRight = PADDING + labelWidth + COLUMN_GAP + countWidth;
  const barsLeft = countRight + COLUMN_GAP;
  const barsRight = size.width - PADDING - markerWidth;
  const barSpace = Math.max(0, barsRight - barsLeft);

  model.rows.forEach((row, i) => {
    const top = PADDING + i * ROW_HEIGHT;
    const middle = top + ROW_HEIGHT / 2;
    context.fillStyle = colors.text;
    context.textAlign = "left";
    context.fillText(row.label, PADDING, middle);
    context.textAlign = "right";
    context.fillText(row.countText, countRight, middle);
    if (row.count > 0 && model.maxCount > 0) {
      // At least one pixel, so a bucket with a single sample stays visible.
      const barWidth = Math.max(1, (row.count / model.maxCount) * barSpace);
      context.fillStyle = colors.bar;
      context.fillRect(barsLeft, top + BAR_INSET, barWidth, ROW_HEIGHT - 2 * BAR_INSET);
    }
  });

  if (markerLabels.length > 0) drawMarkers(context, model, markerLabels, barsLeft, barsRight, height, colors);
}
