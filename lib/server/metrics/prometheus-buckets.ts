import "server-only";
import { toBigInt, type HistogramBucket } from "@/lib/shared/histogram.ts";

// bpftrace buckets as a Prometheus histogram. Prometheus buckets are
// cumulative and named by their inclusive upper bound `le`: the count of
// observations ≤ le. bpftrace's bounds are inclusive integers, so a bucket
// [min, max] contributes to every `le` from its `max` up; hist()'s
// `[4, 8)` (min 4, max 7) becomes le="7", not le="8" (8 itself lands in the
// next bucket). The bucket below everything (max −1 for hist's negatives)
// gives le="-1"; lhist's open top bucket (max null) has no finite bound and
// counts only in le="+Inf", which Prometheus requires and which always
// equals the total. Bounds stay exact decimal strings, also beyond 2^53.

export type PrometheusBucket = { le: string; count: number };

export function toPrometheusBuckets(buckets: readonly HistogramBucket[]): { buckets: PrometheusBucket[]; count: number; sum: number } {
  const bounded = buckets
    .filter((bucket) => bucket.max !== null)
    .map((bucket) => ({ max: toBigInt(bucket.max!), count: Number(toBigInt(bucket.count)) }))
    .sort((a, b) => (a.max < b.max ? -1 : a.max > b.max ? 1 : 0));
  const total = buckets.reduce((sum, bucket) => sum + Number(toBigInt(bucket.count)), 0);
  const result: PrometheusBucket[] = [];
  let cumulative = 0;
  for (const bucket of bounded) {
    cumulative += bucket.count;
    result.push({ le: bucket.max.toString(), count: cumulative });
  }
  result.push({ le: "+Inf", count: total });
  return { buckets: result, count: total, sum: estimateSum(buckets) };
}

/**
 * Prometheus histograms carry the sum of the observations; bpftrace keeps
 * only counts, so the sum is estimated as each bucket's count times its
 * middle (the known bound for the open buckets). rate(sum)/rate(count) is
 * then a mean good to within a bucket's width; quantiles use only the buckets.
 */
function estimateSum(buckets: readonly HistogramBucket[]): number {
  let sum = 0;
  for (const bucket of buckets) {
    const count = Number(toBigInt(bucket.count));
    if (count === 0) continue;
    const min = bucket.min === null ? null : Number(toBigInt(bucket.min));
    const max = bucket.max === null ? null : Number(toBigInt(bucket.max));
    const middle = min === null ? max! : max === null ? min : (min + max + 1) / 2;
    sum += count * middle;
  }
  return sum;
}
