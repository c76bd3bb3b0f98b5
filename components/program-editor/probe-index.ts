// The probes that exist on the target hosts (`bpftrace -l` output, often tens
// of thousands of names), arranged for completion one `:`-separated segment at
// a time: after `tracepoint:` come the subsystems, after
// `tracepoint:syscalls:` the events. Names are kept sorted, so all names
// sharing a prefix form one run found by binary search, and each distinct
// segment costs one more search, whatever the size of the list.

export type ProbeSegment = {
  /** The segment as inserted; a segment that continues ends with `:`. */
  text: string;
  /** True when the segment completes a probe name. */
  isLeaf: boolean;
};

export type SegmentCompletions = {
  segments: ProbeSegment[];
  /** False when the limit cut the list: more typing narrows it. */
  complete: boolean;
};

export class ProbeIndex {
  private readonly names: readonly string[];

  constructor(probes: readonly string[]) {
    // Default sort orders by UTF-16 code unit, the same order `<` compares in.
    this.names = [...new Set(probes)].sort();
  }

  get size(): number {
    return this.names.length;
  }

  /** How many probes start with `prefix`. */
  countWithPrefix(prefix: string): number {
    return this.lowerBound(successorOfPrefix(prefix)) - this.lowerBound(prefix);
  }

  /**
   * The distinct next segments of the probes starting with `typed`, where
   * `typed` ends inside the segment being completed (`tracepoint:sys`).
   * Returns at most `limit` segments, in sorted order.
   */
  nextSegments(typed: string, limit: number): SegmentCompletions {
    const segmentStart = typed.lastIndexOf(":") + 1;
    const base = typed.slice(0, segmentStart);
    const segments: ProbeSegment[] = [];
    let index = this.lowerBound(typed);

    while (index < this.names.length && this.names[index]!.startsWith(typed)) {
      if (segments.length === limit) return { segments, complete: false };
      const name = this.names[index]!;
      const segmentEnd = name.indexOf(":", typed.length);
      if (segmentEnd === -1) {
        segments.push({ text: name.slice(segmentStart), isLeaf: true });
        index += 1;
      } else {
        const continuing = name.slice(segmentStart, segmentEnd + 1);
        segments.push({ text: continuing, isLeaf: false });
        // Skip every other probe under this segment in one search.
        index = this.lowerBound(successorOfPrefix(base + continuing));
      }
    }
    return { segments, complete: true };
  }

  /** Index of the first name not less than `key`. */
  private lowerBound(key: string): number {
    let low = 0;
    let high = this.names.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.names[middle]! < key) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/**
 * The smallest string greater than every string that starts with `prefix`:
 * the prefix with its last code unit incremented (`"a:"` → `"a;"`).
 */
function successorOfPrefix(prefix: string): string {
  if (prefix.length === 0) return "\uffff";
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}
