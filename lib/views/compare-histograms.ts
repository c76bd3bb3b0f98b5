// Comparing two latency histograms (two runs, or two time ranges of one run):
// how each percentile moved, and whether the two distributions differ by more
// than chance would explain.
//
// The test: Pearson's chi-square test of homogeneity on the 2 × k table of
// bucket counts (row A, row B; one column per bucket, buckets matched by
// their bounds). It asks: could both samples have come from one distribution
// over these buckets? Expected counts are E = row total × column total /
// grand total; the statistic is Σ (O − E)² / E with k − 1 degrees of freedom;
// the p-value is the chance of a statistic at least this large if they did.
//
// The approximation needs every expected count to be at least 5 (Cochran's
// rule), so adjacent buckets are pooled, lowest first, until each pooled
// group's smaller expected count reaches 5; a short remainder joins the last
// group. Buckets empty in both samples carry no information and drop out.
//
// Reading it: "differ" means p < 0.01. With the sample sizes bpftrace
// produces (millions of events) even a shift nobody would notice is
// "significant", so the result also gives Cramér's V (0 = same shape,
// 1 = no overlap), an effect size that does not grow with the sample, and
// the plain statement names both.
import { estimatePercentile, formatValue, toBigInt, type HistogramBucket, type HistogramUnit } from "../shared/histogram.ts";

export const SIGNIFICANCE_LEVEL = 0.01;
export const MIN_EXPECTED_COUNT = 5;

// ---------------------------------------------------------------- chi-square distribution

/** ln Γ(x) for x > 0, Lanczos approximation (g = 7, n = 9), accurate to ~1e-15. */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0]!;
  for (let i = 1; i < 9; i += 1) sum += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function:
 * a series for x < a + 1, a continued fraction (modified Lentz) beyond.
 */
export function regularizedUpperGamma(a: number, x: number): number {
  if (!(a > 0) || x < 0 || Number.isNaN(x)) throw new RangeError(`Q(${a}, ${x}) is undefined`);
  if (x === 0) return 1;
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n += 1) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return Math.min(1, Math.max(0, 1 - sum * Math.exp(logPrefix)));
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let n = 1; n < 10_000; n += 1) {
    const an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < 1e-16) break;
  }
  return Math.min(1, Math.max(0, Math.exp(logPrefix) * h));
}

/** P(X ≥ statistic) for X chi-square distributed with `degreesOfFreedom`. */
export function chiSquareSurvival(statistic: number, degreesOfFreedom: number): number {
  if (!(degreesOfFreedom > 0)) throw new RangeError(`degrees of freedom must be positive: ${degreesOfFreedom}`);
  if (statistic <= 0) return 1;
  return regularizedUpperGamma(degreesOfFreedom / 2, statistic / 2);
}

// ---------------------------------------------------------------- the test

export type HomogeneityTest =
  | {
      testable: true;
      statistic: number;
      degreesOfFreedom: number;
      pValue: number;
      /** Bucket groups after pooling sparse neighbours. */
      groups: number;
      cramersV: number;
      differ: boolean;
    }
  | { testable: false; reason: string };

/** Adjacent buckets pooled until each group's smaller expected count reaches MIN_EXPECTED_COUNT. */
function poolSparseBuckets(a: readonly number[], b: readonly number[]): { a: number[]; b: number[] } {
  const totalA = a.reduce((s, v) => s + v, 0);
  const totalB = b.reduce((s, v) => s + v, 0);
  const grand = totalA + totalB;
  const smallerShare = Math.min(totalA, totalB) / grand;
  const pooledA: number[] = [];
  const pooledB: number[] = [];
  let groupA = 0;
  let groupB = 0;
  for (let i = 0; i < a.length; i += 1) {
    if (a[i]! + b[i]! === 0) continue;
    groupA += a[i]!;
    groupB += b[i]!;
    // The smaller expected count of the group: column total × the smaller row's share.
    if ((groupA + groupB) * smallerShare >= MIN_EXPECTED_COUNT) {
      pooledA.push(groupA);
      pooledB.push(groupB);
      groupA = 0;
      groupB = 0;
    }
  }
  if (groupA + groupB > 0) {
    if (pooledA.length === 0) {
      pooledA.push(groupA);
      pooledB.push(groupB);
    } else {
      pooledA[pooledA.length - 1]! += groupA;
      pooledB[pooledB.length - 1]! += groupB;
    }
  }
  return { a: pooledA, b: pooledB };
}

/** Chi-square test of homogeneity of two rows of counts over the same ordered buckets. */
export function chiSquareHomogeneity(countsA: readonly number[], countsB: readonly number[]): HomogeneityTest {
  if (countsA.length !== countsB.length) throw new RangeError("both rows need the same buckets");
  const totalA = countsA.reduce((s, v) => s + v, 0);
  const totalB = countsB.reduce((s, v) => s + v, 0);
  if (totalA === 0 || totalB === 0) return { testable: false, reason: "one side has no samples" };
  const pooled = poolSparseBuckets(countsA, countsB);
  const groups = pooled.a.length;
  if (groups < 2) {
    return { testable: false, reason: `too few samples: fewer than two bucket groups with an expected count of ${MIN_EXPECTED_COUNT} or more` };
  }
  const grand = totalA + totalB;
  let statistic = 0;
  for (let i = 0; i < groups; i += 1) {
    const column = pooled.a[i]! + pooled.b[i]!;
    const expectedA = (totalA * column) / grand;
    const expectedB = (totalB * column) / grand;
    statistic += (pooled.a[i]! - expectedA) ** 2 / expectedA + (pooled.b[i]! - expectedB) ** 2 / expectedB;
  }
  const degreesOfFreedom = groups - 1;
  const pValue = chiSquareSurvival(statistic, degreesOfFreedom);
  // For a 2 × k table, min(rows, columns) − 1 = 1.
  const cramersV = Math.sqrt(statistic / grand);
  return { testable: true, statistic, degreesOfFreedom, pValue, groups, cramersV, differ: pValue < SIGNIFICANCE_LEVEL };
}

// ---------------------------------------------------------------- comparing two histograms

export const COMPARED_PERCENTILES = [
  { name: "p50", percentile: 50 },
  { name: "p90", percentile: 90 },
  { name: "p99", percentile: 99 },
  { name: "max", percentile: 100 },
] as const;

export type PercentileShift = {
  name: (typeof COMPARED_PERCENTILES)[number]["name"];
  a: number | null;
  b: number | null;
  /** b − a, in the histogram's unit. */
  change: number | null;
  /** b / a − 1 (0.5 = 50% higher); null when a is 0 or either is missing. */
  relative: number | null;
};

export type AlignedBucket = { min: number | string | null; max: number | string | null; a: number; b: number };

export type HistogramComparison = {
  buckets: AlignedBucket[];
  totalA: number;
  totalB: number;
  shifts: PercentileShift[];
  test: HomogeneityTest;
  /** One or two sentences a person reads: what moved, and whether it is more than chance. */
  statement: string;
};

const boundsKey = (bucket: { min: unknown; max: unknown }) => `${bucket.min ?? ""}..${bucket.max ?? ""}`;

function lowerOf(bucket: { min: number | string | null }): bigint | null {
  return bucket.min === null ? null : toBigInt(bucket.min);
}

/** Both histograms over the union of their buckets (matched by bounds), lowest first. */
export function alignBuckets(a: readonly HistogramBucket[], b: readonly HistogramBucket[]): AlignedBucket[] {
  const byBounds = new Map<string, AlignedBucket>();
  const take = (buckets: readonly HistogramBucket[], side: "a" | "b") => {
    for (const bucket of buckets) {
      const key = boundsKey(bucket);
      let aligned = byBounds.get(key);
      if (!aligned) byBounds.set(key, (aligned = { min: bucket.min, max: bucket.max, a: 0, b: 0 }));
      aligned[side] += Number(toBigInt(bucket.count));
    }
  };
  take(a, "a");
  take(b, "b");
  return [...byBounds.values()].sort((x, y) => {
    const lx = lowerOf(x);
    const ly = lowerOf(y);
    if (lx === null || ly === null) return lx === ly ? 0 : lx === null ? -1 : 1;
    return lx < ly ? -1 : lx > ly ? 1 : 0;
  });
}

function describeShift(shift: PercentileShift, unit: HistogramUnit): string {
  if (shift.a === null || shift.b === null) return `${shift.name} n/a`;
  const from = formatValue(shift.a, unit);
  const to = formatValue(shift.b, unit);
  if (shift.relative === null) return `${shift.name} ${from} → ${to}`;
  const percent = Math.round(shift.relative * 100);
  return `${shift.name} ${from} → ${to} (${percent >= 0 ? "+" : ""}${percent}%)`;
}

function describeEffect(cramersV: number): string {
  // Cohen's thresholds for one degree of freedom of the smaller table side.
  if (cramersV < 0.1) return "negligible";
  if (cramersV < 0.3) return "small";
  if (cramersV < 0.5) return "medium";
  return "large";
}

/** A p-value for people: two significant digits, or an exponent when tiny. */
export function formatP(p: number): string {
  if (p < 1e-4) return p === 0 ? "p < 1e-300" : `p = ${p.toExponential(1)}`;
  return `p = ${p.toPrecision(2)}`;
}

export function compareHistograms(
  a: readonly HistogramBucket[],
  b: readonly HistogramBucket[],
  unit: HistogramUnit = "none",
  names: { a: string; b: string } = { a: "A", b: "B" },
): HistogramComparison {
  const buckets = alignBuckets(a, b);
  const rowA = buckets.map((bucket) => ({ min: bucket.min, max: bucket.max, count: bucket.a }));
  const rowB = buckets.map((bucket) => ({ min: bucket.min, max: bucket.max, count: bucket.b }));
  const shifts = COMPARED_PERCENTILES.map(({ name, percentile }): PercentileShift => {
    const va = estimatePercentile(rowA, percentile);
    const vb = estimatePercentile(rowB, percentile);
    const change = va === null || vb === null ? null : vb - va;
    return { name, a: va, b: vb, change, relative: change === null || va === 0 || va === null ? null : change / va };
  });
  const test = chiSquareHomogeneity(
    buckets.map((bucket) => bucket.a),
    buckets.map((bucket) => bucket.b),
  );
  const totalA = buckets.reduce((s, bucket) => s + bucket.a, 0);
  const totalB = buckets.reduce((s, bucket) => s + bucket.b, 0);
  const moved = shifts
    .filter((shift) => shift.name !== "max")
    .map((shift) => describeShift(shift, unit))
    .join(", ");
  let verdict: string;
  if (!test.testable) {
    verdict = `Cannot test whether the distributions differ: ${test.reason}.`;
  } else if (test.differ) {
    verdict =
      `The distributions differ: a chi-square test over ${test.groups} bucket groups gives χ² = ${test.statistic.toFixed(1)}, ` +
      `${test.degreesOfFreedom} degrees of freedom, ${formatP(test.pValue)} (below ${SIGNIFICANCE_LEVEL}); ` +
      `the effect is ${describeEffect(test.cramersV)} (Cramér's V ${test.cramersV.toFixed(2)}).`;
  } else {
    verdict =
      `No significant difference: a chi-square test over ${test.groups} bucket groups gives χ² = ${test.statistic.toFixed(1)}, ` +
      `${test.degreesOfFreedom} degrees of freedom, ${formatP(test.pValue)} (not below ${SIGNIFICANCE_LEVEL}), so these samples could come from one distribution.`;
  }
  const statement = totalA === 0 || totalB === 0 ? verdict : `From ${names.a} to ${names.b}: ${moved}. ${verdict}`;
  return { buckets, totalA, totalB, shifts, test, statement };
}
