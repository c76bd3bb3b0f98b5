// Two histograms overlaid for comparison, one row per bucket (the union of
// both, matched by bounds): A's bar in the top half of the row, B's in the
// bottom half, each as its share of its own samples so runs of different
// length compare by shape. Percentile lines of both sides run across.
import { formatBucketLabel, formatValue, toBigInt, type HistogramUnit } from "@/lib/shared/histogram.ts";
import type { AlignedBucket, PercentileShift } from "@/lib/views/compare-histograms.ts";
import { rowPosition, type HistogramRow } from "@/components/histogram-chart/histogram-model.ts";
import { prepareCanvas, type CanvasSize } from "./prepare-canvas.ts";

const ROW_HEIGHT = 22;
const PADDING = 6;
const FONT = "12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
export const COMPARE_COLORS = { a: "#2563eb", b: "#ea580c" };

export type CompareModel = { rows: (HistogramRow & { shareA: number; shareB: number })[]; maxShare: number };

export function buildCompareModel(buckets: readonly AlignedBucket[], unit: HistogramUnit): CompareModel {
  const totalA = buckets.reduce((s, b) => s + b.a, 0);
  const totalB = buckets.reduce((s, b) => s + b.b, 0);
  const first = buckets.findIndex((b) => b.a + b.b > 0);
  const last = buckets.findLastIndex((b) => b.a + b.b > 0);
  const shown = first === -1 ? [] : buckets.slice(first, last + 1);
  const rows = shown.map((bucket) => ({
    label: formatBucketLabel({ min: bucket.min, max: bucket.max, count: 0 }, unit),
    count: bucket.a + bucket.b,
    countText: "",
    lower: bucket.min === null ? null : Number(toBigInt(bucket.min)),
    upper: bucket.max === null ? null : Number(toBigInt(bucket.max)) + 1,
    shareA: totalA > 0 ? bucket.a / totalA : 0,
    shareB: totalB > 0 ? bucket.b / totalB : 0,
  }));
  return { rows, maxShare: rows.reduce((m, r) => Math.max(m, r.shareA, r.shareB), 0) };
}

export function compareHeight(model: CompareModel): number {
  return Math.max(40, model.rows.length * ROW_HEIGHT + 2 * PADDING);
}

const percent = (share: number) => `${(share * 100).toFixed(share >= 0.1 ? 0 : 1)}%`;

export function drawCompare(canvas: HTMLCanvasElement, model: CompareModel, shifts: readonly PercentileShift[], unit: HistogramUnit, size: CanvasSize, text: string): void {
  const height = compareHeight(model);
  const context = prepareCanvas(canvas, size, height, FONT);
  if (!context) return;
  context.textBaseline = "middle";
  if (model.rows.length === 0) {
    context.fillStyle = text;
    context.fillText("No samples on either side", PADDING, height / 2);
    return;
  }
  const labelWidth = model.rows.reduce((w, row) => Math.max(w, context.measureText(row.label).width), 0);
  const shareWidth = context.measureText("100% / 100%").width;
  const markerWidth = 150;
  const barsLeft = PADDING + labelWidth + 10 + shareWidth + 10;
  const barsRight = size.width - PADDING - markerWidth;
  const barSpace = Math.max(0, barsRight - barsLeft);
  model.rows.forEach((row, i) => {
    const top = PADDING + i * ROW_HEIGHT;
    context.fillStyle = text;
    context.textAlign = "left";
    context.fillText(row.label, PADDING, top + ROW_HEIGHT / 2);
    context.textAlign = "right";
    context.fillText(`${percent(row.shareA)} / ${percent(row.shareB)}`, barsLeft - 10, top + ROW_HEIGHT / 2);
    const half = (ROW_HEIGHT - 4) / 2;
    if (row.shareA > 0) {
      context.fillStyle = COMPARE_COLORS.a;
      context.fillRect(barsLeft, top + 2, Math.max(1, (row.shareA / model.maxShare) * barSpace), half);
    }
    if (row.shareB > 0) {
      context.fillStyle = COMPARE_COLORS.b;
      context.fillRect(barsLeft, top + 2 + half, Math.max(1, (row.shareB / model.maxShare) * barSpace), half);
    }
  });
  // Percentile lines: A solid-dashed blue, B orange, labelled in the right column.
  context.setLineDash([4, 3]);
  context.textAlign = "left";
  let labelY = PADDING + 6;
  for (const shift of shifts) {
    if (shift.name === "max") continue;
    for (const side of ["a", "b"] as const) {
      const value = shift[side];
      if (value === null) continue;
      const y = Math.round(PADDING + rowPosition(model.rows, value) * ROW_HEIGHT) + 0.5;
      context.strokeStyle = COMPARE_COLORS[side];
      context.beginPath();
      context.moveTo(barsLeft, y);
      context.lineTo(barsRight, y);
      context.stroke();
      context.fillStyle = COMPARE_COLORS[side];
      context.fillText(`${side.toUpperCase()} ${shift.name} ${formatValue(value, unit)}`, barsRight + 8, Math.min(height - 6, Math.max(labelY, y)));
      labelY = Math.max(labelY, y) + 13;
    }
  }
  context.setLineDash([]);
}
