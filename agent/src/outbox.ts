import type { Frame } from "@/lib/shared/frame.ts";
import { MAX_FRAMES_PER_BATCH } from "@/lib/shared/frame.ts";
import type { RunEnd } from "@/lib/shared/socket-events.ts";

// Everything the agent reports about runs, in the order it happened: frames
// and end reports share one queue, so a run's end never overtakes its last
// frames. An entry leaves the queue only when the server acknowledged it (it
// is then in the database); if the link drops, the same entries are sent
// again after reconnection and the server ignores the ones it already has.

export type OutboxEntry = { kind: "frames"; runId: string; frames: Frame[] } | { kind: "end"; report: RunEnd };

export type OutboxSender = {
  sendFrames(runId: string, frames: Frame[]): Promise<void>;
  sendEnd(report: RunEnd): Promise<void>;
  readonly connected: boolean;
};

export type OutboxOptions = {
  /** Frames kept while the server is unreachable; beyond this the oldest are dropped and counted. */
  maxQueuedFrames: number;
  onDropped(runId: string, count: number): void;
  onDelivered?(entry: OutboxEntry): void;
  retryDelayMs?: number;
};

export class Outbox {
  private readonly queue: OutboxEntry[] = [];
  private queuedFrames = 0;
  private sending = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly sender: OutboxSender,
    private readonly options: OutboxOptions,
  ) {}

  pushFrame(frame: Frame): void {
    const last = this.queue.at(-1);
    // Never grow the batch that is on the wire: its acknowledgement covers only what was sent.
    const inFlight = this.sending ? this.queue[0] : undefined;
    if (last?.kind === "frames" && last !== inFlight && last.runId === frame.runId && last.frames.length < MAX_FRAMES_PER_BATCH) {
      last.frames.push(frame);
    } else {
      this.queue.push({ kind: "frames", runId: frame.runId, frames: [frame] });
    }
    this.queuedFrames++;
    this.enforceBound();
    this.kick();
  }

  pushEnd(report: RunEnd): void {
    this.queue.push({ kind: "end", report });
    this.kick();
  }

  get size(): number {
    return this.queue.length;
  }

  /** Try now: after a reconnect, or when new entries arrive. */
  kick(): void {
    if (this.sending || this.queue.length === 0 || !this.sender.connected) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    void this.drain();
  }

  /** Resolves when everything queued so far was delivered, or after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.queue.length === 0) return true;
    this.kick();
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  dispose(): void {
    clearTimeout(this.retryTimer);
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length > 0 && this.sender.connected) {
        const entry = this.queue[0]!;
        if (entry.kind === "frames") await this.sender.sendFrames(entry.runId, entry.frames);
        else await this.sender.sendEnd(entry.report);
        this.queue.shift();
        if (entry.kind === "frames") this.queuedFrames -= entry.frames.length;
        this.options.onDelivered?.(entry);
      }
    } catch {
      // Not acknowledged: keep the entry and try again later (or at reconnect).
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = undefined;
        this.kick();
      }, this.options.retryDelayMs ?? 2000);
    } finally {
      this.sending = false;
    }
    if (this.queue.length === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private enforceBound(): void {
    while (this.queuedFrames > this.options.maxQueuedFrames) {
      // Drop from the oldest frame batch that is not being sent right now.
      const index = this.queue.findIndex((entry, i) => entry.kind === "frames" && !(this.sending && i === 0));
      if (index < 0) return;
      const entry = this.queue[index] as Extract<OutboxEntry, { kind: "frames" }>;
      const dropped = entry.frames.length;
      this.queue.splice(index, 1);
      this.queuedFrames -= dropped;
      this.options.onDropped(entry.runId, dropped);
    }
  }
}
