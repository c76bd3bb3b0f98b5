// The buckets of a histogram map across every run a view shows, numbered in
// the order first seen, so a column can store bucket ids and merging hosts is
// a sum by id (ids never change).
import { toBigInt, type HistogramBucket } from "../../shared/histogram.ts";

export type AxisBucket = { min: number | string | null; max: number | string | null };

/** The buckets of one map across every run of a view, numbered in the order first seen. */
export class BucketAxis {
  readonly buckets: AxisBucket[] = [];
  readonly #ids = new Map<string, number>();
  #sorted: number[] | null = null;

  idOf(bucket: AxisBucket): number {
    const bounds = `${bucket.min ?? ""}..${bucket.max ?? ""}`;
    let id = this.#ids.get(bounds);
    if (id === undefined) {
      id = this.buckets.length;
      this.buckets.push({ min: bucket.min, max: bucket.max });
      this.#ids.set(bounds, id);
      this.#sorted = null;
    }
    return id;
  }

  get size(): number {
    return this.buckets.length;
  }

  /** Bucket ids from the lowest bucket to the highest (the bucket below everything first). */
  order(): readonly number[] {
    this.#sorted ??= this.buckets.map((_, id) => id).sort((a, b) => compareBuckets(this.buckets[a]!, this.buckets[b]!));
    return this.#sorted;
  }

  /** Dense counts by id as histogram buckets in ascending order, the shape lib/shared/histogram.ts reads. */
  toBuckets(dense: ArrayLike<number>): HistogramBucket[] {
    return this.order().map((id) => ({ min: this.buckets[id]!.min, max: this.buckets[id]!.max, count: dense[id] ?? 0 }));
  }
}

function compareBuckets(a: AxisBucket, b: AxisBucket): number {
  if (a.min === null || b.min === null) return a.min === b.min ? 0 : a.min === null ? -1 : 1;
  const lower = toBigInt(a.min) - toBigInt(b.min);
  if (lower !== 0n) return lower < 0n ? -1 : 1;
  if (a.max === null || b.max === null) return a.max === b.max ? 0 : a.max === null ? 1 : -1;
  const upper = toBigInt(a.max) - toBigInt(b.max);
  return upper === 0n ? 0 : upper < 0n ? -1 : 1;
}

/** One axis per map name, shared by every run a view shows. */
export class BucketAxes {
  readonly #byMap = new Map<string, BucketAxis>();
  of(map: string): BucketAxis {
    let axis = this.#byMap.get(map);
    if (!axis) this.#byMap.set(map, (axis = new BucketAxis()));
    return axis;
  }
}
