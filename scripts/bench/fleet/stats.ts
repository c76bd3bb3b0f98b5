// The accounting of bench:fleet, kept apart from sockets and processes so it
// can be tested on its own: the benchmark is only as honest as this file.
//
// Latencies are whole milliseconds: a frame's `at` is an integer on the
// agent's clock (lib/shared/frame.ts), and agents, viewers and the relay run
// on one machine, so receive time minus `at` needs no clock correction. They
// are kept as exact counts per millisecond, which merge across processes
// without losing anything and give exact percentiles.

/** Exact counts of whole-millisecond values; serializable, mergeable. */
export class LatencyCounts {
  private readonly counts = new Map<number, number>();
  private n = 0;

  add(ms: number, times = 1): void {
    // A frame stamped in the same millisecond it arrives may read as -0 or, across processes, -1.
    const value = Math.max(0, Math.round(ms));
    this.counts.set(value, (this.counts.get(value) ?? 0) + times);
    this.n += times;
  }

  get total(): number {
    return this.n;
  }

  merge(other: LatencyCounts): this {
    for (const [value, times] of other.counts) this.add(value, times);
    return this;
  }

  /**
   * The nearest-rank percentile: the smallest value v such that at least p% of
   * the samples are <= v. Null when there are no samples.
   */
  percentile(p: number): number | null {
    if (this.n === 0) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * this.n));
    let seen = 0;
    for (const value of this.sortedValues()) {
      seen += this.counts.get(value)!;
      if (seen >= rank) return value;
    }
    return this.max();
  }

  max(): number | null {
    if (this.n === 0) return null;
    let max = 0;
    for (const value of this.counts.keys()) if (value > max) max = value;
    return max;
  }

  /** Samples at or below `ms`. */
  atMost(ms: number): number {
    let within = 0;
    for (const [value, times] of this.counts) if (value <= ms) within += times;
    return within;
  }

  toJSON(): [number, number][] {
    return [...this.counts.entries()];
  }

  static fromJSON(entries: [number, number][]): LatencyCounts {
    const counts = new LatencyCounts();
    for (const [value, times] of entries) counts.add(value, times);
    return counts;
  }

  private sortedValues(): number[] {
    return [...this.counts.keys()].sort((a, b) => a - b);
  }
}

/** What a viewer (or several, merged) saw of the frames sent inside the measured window. */
export type DeliverySummary = {
  /** Deliveries of measured frames, duplicates included. */
  received: number;
  /** Distinct (run, seq) of measured frames, per viewer, summed over viewers. */
  unique: number;
  /** A (run, seq) this viewer had already received. */
  duplicates: number;
  /** A measured frame whose seq is lower than the highest already received for its run. */
  outOfOrder: number;
  /** Send-to-viewer latency of every first delivery (duplicates are not timed again). */
  latency: LatencyCounts;
};

export type SerializedDeliverySummary = Omit<DeliverySummary, "latency"> & { latency: [number, number][] };

/** Frames count when their `at` falls in [from, to): the window both the senders and the viewers measure. */
export type MeasuredWindow = { from: number; to: number };

export const inWindow = (window: MeasuredWindow, at: number) => at >= window.from && at < window.to;

/**
 * One viewer's record of what reached it. Frames outside the window still
 * advance the highest seq seen per run (so a late frame after them is out of
 * order), but only measured frames are counted.
 */
export class DeliveryLedger {
  private readonly seen = new Map<string, Set<number>>();
  private readonly highest = new Map<string, number>();
  private readonly summary: DeliverySummary = { received: 0, unique: 0, duplicates: 0, outOfOrder: 0, latency: new LatencyCounts() };

  constructor(private readonly window: MeasuredWindow) {}

  record(runId: string, seq: number, at: number, receivedAt: number): void {
    const highest = this.highest.get(runId) ?? 0;
    if (seq > highest) this.highest.set(runId, seq);
    if (!inWindow(this.window, at)) return;
    this.summary.received += 1;
    if (seq < highest) this.summary.outOfOrder += 1;
    let seqs = this.seen.get(runId);
    if (!seqs) this.seen.set(runId, (seqs = new Set()));
    if (seqs.has(seq)) {
      this.summary.duplicates += 1;
      return;
    }
    seqs.add(seq);
    this.summary.unique += 1;
    this.summary.latency.add(receivedAt - at);
  }

  get unique(): number {
    return this.summary.unique;
  }

  result(): DeliverySummary {
    return this.summary;
  }
}

export function emptySummary(): DeliverySummary {
  return { received: 0, unique: 0, duplicates: 0, outOfOrder: 0, latency: new LatencyCounts() };
}

export function mergeSummaries(summaries: DeliverySummary[]): DeliverySummary {
  const merged = emptySummary();
  for (const summary of summaries) {
    merged.received += summary.received;
    merged.unique += summary.unique;
    merged.duplicates += summary.duplicates;
    merged.outOfOrder += summary.outOfOrder;
    merged.latency.merge(summary.latency);
  }
  return merged;
}

export function serializeSummary(summary: DeliverySummary): SerializedDeliverySummary {
  return { ...summary, latency: summary.latency.toJSON() };
}

export function deserializeSummary(summary: SerializedDeliverySummary): DeliverySummary {
  return { ...summary, latency: LatencyCounts.fromJSON(summary.latency) };
}

/**
 * Every viewer watches every run, so each measured frame is owed to each
 * viewer once; whatever did not arrive by the end of the drain is lost
 * (a viewer that never connected loses everything).
 */
export function deliveryAccount(framesSent: number, viewers: number, delivered: DeliverySummary) {
  const expected = framesSent * viewers;
  return {
    expected,
    lost: Math.max(0, expected - delivered.unique),
    /** Of the deliveries owed, the share that arrived within `ms` (lost ones never do). */
    shareWithin: (ms: number) => (expected === 0 ? 1 : delivered.latency.atMost(ms) / expected),
  };
}

/** CPU seconds used between two samples of a process's utime+stime (clock ticks). */
export function cpuSeconds(before: number, after: number, ticksPerSecond: number): number {
  return Math.max(0, after - before) / ticksPerSecond;
}
