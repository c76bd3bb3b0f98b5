import type { RunLimits } from "@/lib/protocol/run-order-limits.ts";

export type OutputLimits = Pick<RunLimits, "windowSec" | "maxOutputBytesPerSec" | "maxOutputLinesPerSec" | "maxLostEvents">;

/**
 * Output rate and lost events of one run. bpftrace's output is counted in
 * one-second buckets; a run floods when what it printed over the last window
 * exceeds the signed rate times the window (a burst up to that size is fine:
 * a map printed at an interval arrives all at once). Lost events (the kernel
 * dropped them because bpftrace could not keep up) count over the whole run.
 */
export class OutputGuard {
  private readonly buckets: { second: number; bytes: number; lines: number }[] = [];
  private lostEvents = 0;

  constructor(
    private readonly limits: OutputLimits,
    private readonly now: () => number,
  ) {}

  /** Returns why the run must stop, or null. */
  onOutput(bytes: number, lines: number): string | null {
    const second = Math.floor(this.now() / 1000);
    const last = this.buckets.at(-1);
    if (last?.second === second) {
      last.bytes += bytes;
      last.lines += lines;
    } else {
      this.buckets.push({ second, bytes, lines });
    }
    const oldest = second - this.limits.windowSec + 1;
    while (this.buckets.length > 0 && this.buckets[0]!.second < oldest) this.buckets.shift();
    let windowBytes = 0;
    let windowLines = 0;
    for (const bucket of this.buckets) {
      windowBytes += bucket.bytes;
      windowLines += bucket.lines;
    }
    const { windowSec } = this.limits;
    if (windowBytes > this.limits.maxOutputBytesPerSec * windowSec) {
      return `stopped: printed ${formatBytes(windowBytes / windowSec)}/s over the ${formatBytes(this.limits.maxOutputBytesPerSec)}/s output cap for ${windowSec} s`;
    }
    if (windowLines > this.limits.maxOutputLinesPerSec * windowSec) {
      return `stopped: printed ${Math.round(windowLines / windowSec)} lines/s over the ${this.limits.maxOutputLinesPerSec} lines/s output cap for ${windowSec} s`;
    }
    return null;
  }

  onLostEvents(count: number): string | null {
    this.lostEvents += count;
    if (this.lostEvents > this.limits.maxLostEvents) {
      return `stopped: the kernel dropped ${this.lostEvents} events (bpftrace could not keep up), over the limit of ${this.limits.maxLostEvents}`;
    }
    return null;
  }

  get lost(): number {
    return this.lostEvents;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Number((bytes / (1024 * 1024)).toPrecision(2))} MiB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toPrecision(2))} KiB`;
  return `${Math.round(bytes)} B`;
}
