// What a histogram chart draws, computed once per data change: one row per
// bucket from the first non-empty bucket to the last (bpftrace's own text
// output trims the same way), and a signature that tells whether anything
// visible changed since the last draw.
import { formatBucketLabel, formatValue, summarizeHistogram, toBigInt, type HistogramBucket, type HistogramSummary, type HistogramUnit } from "@/lib/shared/histogram.ts";

export type HistogramRow = {
  label: string;
  count: number;
  /** Exact, as bpftrace printed it. */
  countText: string;
  /** Bucket edges as numbers for placing markers: [lower, upper), null where open. */
  lower: number | null;
  upper: number | null;
};

export type HistogramModel = {
  rows: HistogramRow[];
  maxCount: number;
  summary: HistogramSummary;
  unit: HistogramUnit;
  /** Equal signatures draw identical charts. */
  signature: string;
};

export type HistogramMarker = { label: string; value: number };

export function buildHistogramModel(buckets: readonly HistogramBucket[], unit: HistogramUnit): HistogramModel {
  const counts = buckets.map((bucket) => toBigInt(bucket.count));
  const first = counts.findIndex((count) => count > 0n);
  const last = counts.findLastIndex((count) => count > 0n);
  const shown = first === -1 ? [] : buckets.slice(first, last + 1);

  const rows = shown.map((bucket, i): HistogramRow => ({
    label: formatBucketLabel(bucket, unit),
    count: Number(counts[first + i]),
    countText: counts[first + i]!.toString(),
    lower: bucket.min === null ? null : Number(toBigInt(bucket.min)),
    upper: bucket.max === null ? null : Number(toBigInt(bucket.max)) + 1,
  }));
  return {
    rows,
    maxCount: rows.reduce((max, row) => Math.max(max, row.count), 0),
    summary: summarizeHistogram(buckets),
    unit,
    signature: rows.map((row) => `${row.label}=${row.countText}`).join("|"),
  };
}

/**
 * Where a value sits, in rows from the top of the first row: inside a
 * bounded bucket by linear interpolation (as percentiles are estimated),
 * in the middle of an open one, and clamped to the chart's edges.
 */
export function rowPosition(rows: readonly HistogramRow[], value: number): number {
  for (let i = 0; i < rows.length; i += 1) {
    const { lower, upper } = rows[i]!;
    const aboveLower = lower === null || value >= lower;
    const belowUpper = upper === null || value < upper;
    if (aboveLower && belowUpper) {
      return lower === null || upper === null ? i + 0.5 : i + (value - lower) / (upper - lower);
    }
    if (!aboveLower) return i;
  }
  return rows.length;
}

/** What a screen reader says for the chart, and what tests can read. */
export function describeHistogram(model: HistogramModel, title: string | undefined): string {
  const name = title ?? "Histogram";
  const { total, nonEmptyBuckets, p50, p90, p99, max } = model.summary;
  if (total === 0n) return `${name}: no samples`;
  const show = (value: number | null) => (value === null ? "n/a" : formatValue(value, model.unit));
  const samples = total === 1n ? "1 sample" : `${total.toLocaleString("en-US")} samples`;
  const buckets = nonEmptyBuckets === 1 ? "1 bucket" : `${nonEmptyBuckets} buckets`;
  return `${name}: ${samples} in ${buckets}; p50 ${show(p50)}, p90 ${show(p90)}, p99 ${show(p99)}, max ${show(max)}`;
}

export function markersSignature(markers: readonly HistogramMarker[] | undefined): string {
  return (markers ?? []).map((marker) => `${marker.label}=${marker.value}`).join("|");
}
