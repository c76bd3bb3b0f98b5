// A column's counts: only the non-empty buckets, by id on the map's axis, so a
// recorded hour stays a few hundred kilobytes per series; sums are taken in
// dense arrays indexed by bucket id.
import type { HistBucket } from "../../shared/bpftrace/records.ts";
import { toBigInt } from "../../shared/histogram.ts";
import type { BucketAxis } from "./bucket-axis.ts";

/** Counts indexed by bucket id; shorter than the axis when later buckets are empty. */
export type DenseCounts = Float64Array<ArrayBuffer>;

/** Non-empty buckets only: ids on the map's axis and their counts. */
export type SparseCounts = { ids: Uint32Array; counts: Float64Array };

export const EMPTY_COUNTS: SparseCounts = { ids: new Uint32Array(0), counts: new Float64Array(0) };

export function sparseOf(buckets: readonly HistBucket[], axis: BucketAxis): SparseCounts {
  const ids: number[] = [];
  const counts: number[] = [];
  for (const bucket of buckets) {
    const count = Number(toBigInt(bucket.count));
    if (count === 0) continue;
    ids.push(axis.idOf(bucket));
    counts.push(count);
  }
  return { ids: Uint32Array.from(ids), counts: Float64Array.from(counts) };
}

/** `dense[id] += sign × count` for each bucket; grows `dense` when the axis did. */
export function addSparse(dense: DenseCounts, sparse: SparseCounts, sign = 1): DenseCounts {
  let target = dense;
  for (let i = 0; i < sparse.ids.length; i += 1) {
    const id = sparse.ids[i]!;
    if (id >= target.length) target = grow(target, id + 1);
    target[id]! += sign * sparse.counts[i]!;
  }
  return target;
}

export function grow(dense: DenseCounts, size: number): DenseCounts {
  const grown = new Float64Array(Math.max(size, dense.length * 2, 16));
  grown.set(dense);
  return grown;
}

export function sparseTotal(sparse: SparseCounts): number {
  let total = 0;
  for (let i = 0; i < sparse.counts.length; i += 1) total += sparse.counts[i]!;
  return total;
}

/** Dense counts back to sparse: the non-zero buckets only. */
export function fromDense(dense: DenseCounts): SparseCounts {
  const ids: number[] = [];
  const counts: number[] = [];
  dense.forEach((count, id) => {
    if (count !== 0) {
      ids.push(id);
      counts.push(count);
    }
  });
  return { ids: Uint32Array.from(ids), counts: Float64Array.from(counts) };
}
