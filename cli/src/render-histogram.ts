import { estimatePercentile, formatBucketLabel, formatValue, inferUnit, toBigInt, totalCount } from "@/lib/shared/histogram.ts";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";

// A histogram printed the way bpftrace prints one (its text output, not
// -f json): the bucket label left-aligned in 16 columns, the count
// right-aligned in 8, then a bar of at most 52 `@` scaled to the fullest
// bucket. Under it, the workbench's own line: p50, p99 and the total.

const BAR_WIDTH = 52;

export type HistogramSummaryLine = { map: string; key: string | null; total: string; p50: number | null; p99: number | null };

export function summarizeSeries(record: HistRecord): HistogramSummaryLine[] {
  return record.series.map((series) => ({
    map: record.map,
    key: series.key,
    total: totalCount(series.buckets).toString(),
    p50: estimatePercentile(series.buckets, 50),
    p99: estimatePercentile(series.buckets, 99),
  }));
}

export function renderHistogram(record: HistRecord): string[] {
  const unit = inferUnit(record.map);
  const lines: string[] = [];
  for (const series of record.series) {
    lines.push(series.key === null ? `${record.map}:` : `${record.map}[${series.key}]:`);
    const counts = series.buckets.map((bucket) => toBigInt(bucket.count));
    const fullest = counts.reduce((max, count) => (count > max ? count : max), 0n);
    series.buckets.forEach((bucket, index) => {
      const count = counts[index]!;
      const width = fullest === 0n ? 0 : Number((count * BigInt(BAR_WIDTH)) / fullest);
      lines.push(`${formatBucketLabel(bucket).padEnd(16)}${count.toString().padStart(8)} |${"@".repeat(width).padEnd(BAR_WIDTH)}|`);
    });
    const p50 = estimatePercentile(series.buckets, 50);
    const p99 = estimatePercentile(series.buckets, 99);
    const show = (value: number | null) => (value === null ? "-" : formatValue(value, unit));
    lines.push(`p50 ${show(p50)}   p99 ${show(p99)}   total ${totalCount(series.buckets).toString()}`);
    lines.push("");
  }
  return lines;
}
