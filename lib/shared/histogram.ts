// Histogram math shared by the live view, the recorded-run views and the
// exporters: bucket labels, units, totals and percentile estimates.
//
// Buckets arrive as the bpftrace output parser emits them, in ascending order:
// integer bounds, both inclusive (`{min: 2, max: 3}` holds 2 and 3); `min: null`
// is the bucket below everything (hist's negative bucket, lhist's underflow)
// and `max: null` the open top bucket (lhist's overflow). Bounds and counts are
// JSON integers or, above 2^53 (bpftrace 0.24+), decimal strings; bounds are
// converted with BigInt so labels stay exact, counts and estimates use numbers.
//
// Percentile estimation. The rank of percentile p among N samples is
// r = p/100 × N. Walking the buckets in order, the estimate falls in the first
// bucket whose cumulative count reaches r. Inside that bucket the samples are
// assumed spread evenly, so with `before` samples in earlier buckets and
// `count` in this one, the estimate is
//     min + (r − before) / count × (max + 1 − min)
// i.e. a linear interpolation over [min, max + 1): the integer k is taken to
// cover [k, k + 1), which makes adjacent buckets meet without gaps. A rank
// landing in a bucket with an unknown edge cannot be interpolated: the
// bottom bucket clamps to its `max`, the open top bucket to its `min`.
// The "max" of a summary is the 100th percentile: the upper edge of the
// highest non-empty bucket, an exclusive bound on every sample.

export type HistogramUnit = "ns" | "us" | "ms" | "s" | "none";

export type HistogramBucket = {
  min: number | string | null;
  max: number | string | null;
  count: number | string;
};

export type HistogramSummary = {
  /** Exact sum of the counts. */
  total: bigint;
  nonEmptyBuckets: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
};

const DECIMAL_INTEGER = /^-?\d+$/;

/** An exact integer from a JSON number or a decimal string; anything else is a parser bug. */
export function toBigInt(value: number | string): bigint {
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new RangeError(`not an integer: ${value}`);
    return BigInt(value);
  }
  if (!DECIMAL_INTEGER.test(value)) throw new RangeError(`not a decimal integer: ${JSON.stringify(value)}`);
  return BigInt(value);
}

function countOf(bucket: HistogramBucket): number {
  return Number(toBigInt(bucket.count));
}

export function totalCount(buckets: readonly HistogramBucket[]): bigint {
  let total = 0n;
  for (const bucket of buckets) total += toBigInt(bucket.count);
  return total;
}

export function countNonEmptyBuckets(buckets: readonly HistogramBucket[]): number {
  let nonEmpty = 0;
  for (const bucket of buckets) if (countOf(bucket) > 0) nonEmpty += 1;
  return nonEmpty;
}

// ---------------------------------------------------------------- units

const UNIT_WORDS: Record<Exclude<HistogramUnit, "none">, readonly string[]> = {
  ns: ["ns", "nsec", "nsecs", "nanos", "nanosec", "nanosecs", "nanoseconds"],
  us: ["us", "usec", "usecs", "micros", "microsec", "microsecs", "microseconds"],
  ms: ["ms", "msec", "msecs", "millis", "millisec", "millisecs", "milliseconds"],
  s: ["sec", "secs", "second", "seconds"],
};

const UNIT_BY_WORD = new Map<string, HistogramUnit>(Object.entries(UNIT_WORDS).flatMap(([unit, words]) => words.map((word) => [word, unit as HistogramUnit])));

/**
 * The time unit a map's name announces (`@usecs`, `@latency_ns`, `@readLatencyMs`),
 * or "none". The last unit word wins, since bpftrace tools put the unit at the
 * end (`@lat_us`). A bare `s` counts only as a suffix (`@wait_s`): alone,
 * `@s` is more often a name than a unit.
 */
export function inferUnit(mapName: string): HistogramUnit {
  const words = mapName
    .replace(/^@/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
  for (let i = words.length - 1; i >= 0; i -= 1) {
    const word = words[i]!;
    if (word === "s" && words.length > 1) return "s";
    const unit = UNIT_BY_WORD.get(word);
    if (unit) return unit;
  }
  return "none";
}

// ---------------------------------------------------------------- labels

const NANOSECONDS_PER: Record<Exclude<HistogramUnit, "none">, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };

// Largest first; a value is shown in the largest unit it reaches.
const TIME_SCALES: readonly { nanoseconds: number; symbol: string }[] = [
  { nanoseconds: 3600e9, symbol: "h" },
  { nanoseconds: 60e9, symbol: "min" },
  { nanoseconds: 1e9, symbol: "s" },
  { nanoseconds: 1e6, symbol: "ms" },
  { nanoseconds: 1e3, symbol: "µs" },
  { nanoseconds: 1, symbol: "ns" },
];

const BINARY_SUFFIXES = ["K", "M", "G", "T", "P", "E"] as const;

/** Three significant digits without exponent notation: 1.024 → "1.02", 65.536 → "65.5", 131.07 → "131". */
function formatSignificant(value: number): string {
  const magnitude = Math.abs(value);
  const decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : 2;
  return String(Number(value.toFixed(decimals)));
}

function formatDuration(value: number, unit: Exclude<HistogramUnit, "none">): string {
  if (value === 0) return "0";
  const nanoseconds = value * NANOSECONDS_PER[unit];
  const scale = TIME_SCALES.find((candidate) => Math.abs(nanoseconds) >= candidate.nanoseconds) ?? TIME_SCALES.at(-1)!;
  return `${formatSignificant(nanoseconds / scale.nanoseconds)} ${scale.symbol}`;
}

/**
 * A bucket bound the way bpftrace prints it: exact, with a K/M/G/T/P/E
 * suffix (powers of 1024) when the bound is a multiple of 1024. bpftrace
 * decides per histogram (log2 always, lhist when the step is a multiple of
 * 1024); the JSON has no step, so the caller decides from the bucket's shape.
 */
function formatExactBound(value: bigint, useSuffix: boolean): string {
  if (!useSuffix || value === 0n) return value.toString();
  let scaled = value;
  let suffix = "";
  for (const candidate of BINARY_SUFFIXES) {
    if (scaled % 1024n !== 0n) break;
    scaled /= 1024n;
    suffix = candidate;
  }
  return `${scaled}${suffix}`;
}

function isPowerOfTwo(value: bigint): boolean {
  return value > 0n && (value & (value - 1n)) === 0n;
}

/**
 * Labels as bpftrace prints them: `[0]` and `[1]` for hist's one-value
 * buckets, `[4K, 8K)` for a range (the upper bound exclusive), `(..., 0)`
 * below everything and `[100, ...)` for the open top. One-value buckets
 * elsewhere come from `lhist(..., 1)`, which bpftrace prints as ranges
 * (`[7, 8)`). With a time unit, bounds read as durations: `[4 µs, 8 µs)`.
 */
export function formatBucketLabel(bucket: HistogramBucket, unit: HistogramUnit = "none"): string {
  const min = bucket.min === null ? null : toBigInt(bucket.min);
  const max = bucket.max === null ? null : toBigInt(bucket.max);
  const formatBound = (value: bigint, useSuffix: boolean): string => (unit === "none" ? formatExactBound(value, useSuffix) : formatDuration(Number(value), unit));
  // Log2 buckets [2^n, 2^(n+1)) and linear ones whose step is a multiple of 1024.
  const boundedSuffix = (lower: bigint, upper: bigint): boolean => (isPowerOfTwo(lower) && upper === lower * 2n) || (upper - lower) % 1024n === 0n;

  if (min === null && max === null) return "(..., ...)";
  if (min === null) return `(..., ${formatBound(max! + 1n, true)})`;
  if (max === null) return `[${formatBound(min, true)}, ...)`;
  if (min === max && (min === 0n || min === 1n)) return `[${formatBound(min, false)}]`;
  const upper = max + 1n;
  const useSuffix = boundedSuffix(min, upper);
  return `[${formatBound(min, useSuffix)}, ${formatBound(upper, useSuffix)})`;
}

/**
 * A measured or estimated value (a percentile, a marker) for display: a
 * duration in the largest unit it reaches (`3.86 µs`), or, without a time
 * unit, three significant digits with a binary suffix (`1.5K`).
 */
export function formatValue(value: number, unit: HistogramUnit = "none"): string {
  if (unit !== "none") return formatDuration(value, unit);
  let scaled = value;
  let suffix = "";
  for (const candidate of BINARY_SUFFIXES) {
    if (Math.abs(scaled) < 1024) break;
    scaled /= 1024;
    suffix = candidate;
  }
  return `${formatSignificant(scaled)}${suffix}`;
}

// ---------------------------------------------------------------- percentiles

/** Where a fraction (0..1) of a bucket's samples lies, by the method at the top of this file. */
function valueWithinBucket(bucket: HistogramBucket, fraction: number): number {
  if (bucket.min === null) return Number(toBigInt(bucket.max ?? 0));
  if (bucket.max === null) return Number(toBigInt(bucket.min));
  const lower = Number(toBigInt(bucket.min));
  const upper = Number(toBigInt(bucket.max)) + 1;
  return lower + fraction * (upper - lower);
}

/** Estimated value below which `percentile` percent (0..100) of the samples lie; null when empty. */
export function estimatePercentile(buckets: readonly HistogramBucket[], percentile: number): number | null {
  if (!(percentile >= 0 && percentile <= 100)) throw new RangeError(`percentile out of range: ${percentile}`);
  const counts = buckets.map(countOf);
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total <= 0) return null;

  const rank = (percentile / 100) * total;
  let before = 0;
  let lastNonEmpty = -1;
  for (let i = 0; i < buckets.length; i += 1) {
    const count = counts[i]!;
    if (count <= 0) continue;
    lastNonEmpty = i;
    if (before + count >= rank) return valueWithinBucket(buckets[i]!, (rank - before) / count);
    before += count;
  }
  // Only reachable through rounding in `rank`: the estimate is the top of the data.
  return valueWithinBucket(buckets[lastNonEmpty]!, 1);
}

export function summarizeHistogram(buckets: readonly HistogramBucket[]): HistogramSummary {
  return {
    total: totalCount(buckets),
    nonEmptyBuckets: countNonEmptyBuckets(buckets),
    p50: estimatePercentile(buckets, 50),
    p90: estimatePercentile(buckets, 90),
    p99: estimatePercentile(buckets, 99),
    max: estimatePercentile(buckets, 100),
  };
}
