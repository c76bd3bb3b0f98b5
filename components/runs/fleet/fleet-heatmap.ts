// One merged latency heatmap of a fleet, kept as it arrives: every host's
// per-interval histogram is added into the one-second bin of the moment the
// agent read it (`frame.at`), so 2,000 hosts cost one bin per second, not
// 2,000 columns. Only the last MAX_WINDOW_BINS seconds are kept (plus a few
// seconds ahead, for agents whose clocks run a little ahead of the browser's),
// in a ring: memory is bounded by the window, never by how long the page
// stays open. Drawn with lib/views/heatmap.ts like any other heatmap.
import { buildHeatmap, type Heatmap } from "@/lib/views/heatmap.ts";
import type { BucketAxis } from "@/lib/views/run-timeline/bucket-axis.ts";
import type { IntervalColumn } from "@/lib/views/run-timeline/series-timeline.ts";
import { fromDense, type DenseCounts, type SparseCounts } from "@/lib/views/run-timeline/sparse-counts.ts";

export const HEATMAP_BIN_MS = 1000;
/** 15 minutes of one-second bins. */
export const MAX_WINDOW_BINS = 900;
/** Prints stamped up to this many seconds after the browser's clock are kept (they show once it gets there). */
export const AHEAD_BINS = 30;
const CAPACITY = MAX_WINDOW_BINS + AHEAD_BINS;

type Bin = { index: number; counts: DenseCounts; prints: number };

export class FleetHeatmap {
  readonly #slots: (Bin | undefined)[] = new Array<Bin | undefined>(CAPACITY);

  /**
   * Adds one host's interval, printed at `at` (ms, the agent's clock), as seen
   * at `now` (the browser's). Returns false when it falls outside what is kept.
   */
  add(at: number, interval: SparseCounts, now: number): boolean {
    const index = Math.floor(at / HEATMAP_BIN_MS);
    const nowIndex = Math.floor(now / HEATMAP_BIN_MS);
    if (index <= nowIndex - MAX_WINDOW_BINS || index > nowIndex + AHEAD_BINS) return false;
    const slot = index % CAPACITY;
    let bin = this.#slots[slot];
    if (!bin || bin.index !== index) this.#slots[slot] = bin = { index, counts: new Float64Array(16), prints: 0 };
    for (let i = 0; i < interval.ids.length; i += 1) {
      const id = interval.ids[i]!;
      if (id >= bin.counts.length) {
        const grown = new Float64Array(Math.max(id + 1, bin.counts.length * 2));
        grown.set(bin.counts);
        bin.counts = grown;
      }
      bin.counts[id]! += interval.counts[i]!;
    }
    bin.prints += 1;
    return true;
  }

  /** Bins holding data that is still inside the kept window at `now` (at most MAX_WINDOW_BINS + AHEAD_BINS). */
  heldBins(now: number): number {
    return this.#binsIn(Math.floor(now / HEATMAP_BIN_MS) - MAX_WINDOW_BINS + 1, Math.floor(now / HEATMAP_BIN_MS) + AHEAD_BINS).length;
  }

  /** The heatmap of the last `windowSec` seconds up to `now` (at most the kept window). */
  build(axis: BucketAxis, now: number, windowSec: number): Heatmap {
    const windowBins = Math.max(1, Math.min(MAX_WINDOW_BINS, Math.round(windowSec)));
    const last = Math.floor(now / HEATMAP_BIN_MS);
    // Each bin becomes one column at the start of its second, on an origin at the epoch, so bins and columns coincide.
    const columns: IntervalColumn[] = this.#binsIn(last - windowBins + 1, last).map((bin) => ({
      seq: bin.index,
      at: bin.index * HEATMAP_BIN_MS,
      interval: fromDense(bin.counts),
      total: 0,
    }));
    return buildHeatmap([columns], axis, { binMs: HEATMAP_BIN_MS, origin: 0, until: now, windowMs: windowBins * HEATMAP_BIN_MS });
  }

  #binsIn(first: number, last: number): Bin[] {
    const bins: Bin[] = [];
    for (const bin of this.#slots) if (bin && bin.index >= first && bin.index <= last && bin.prints > 0) bins.push(bin);
    return bins.sort((a, b) => a.index - b.index);
  }
}
