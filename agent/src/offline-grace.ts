export type OfflineGraceOptions = {
  /** How long the agent may be without the server before it counts itself offline (--offline-grace-sec). */
  graceMs: number;
  now(): number;
  /** Called once per outage, when it has lasted graceMs; `sinceMs` is when the server went away. */
  onOffline(sinceMs: number): void;
  /** Called when the server is back after the agent had counted itself offline. */
  onBackOnline(offlineMs: number): void;
  /** A timer (setTimeout by default), returning how to cancel it. */
  schedule?(run: () => void, ms: number): () => void;
};

/**
 * Whether the agent has been without the server for longer than its grace.
 * Within the grace (a server restart, a network blip) nothing changes; past
 * it the agent is offline, and the agent gives up what it admitted but the
 * server never agreed to start (agent.ts). Either way no order starts while
 * the server is away (every start needs the server's yes) and running runs go
 * on to their signed deadlines. The agent is without the server from its own
 * start until it first connects.
 */
export class OfflineGrace {
  private awaySince: number | null = null;
  private offlineNow = false;
  private cancel: (() => void) | undefined;
  private disposed = false;
  private readonly schedule: (run: () => void, ms: number) => () => void;

  constructor(private readonly options: OfflineGraceOptions) {
    this.schedule =
      options.schedule ??
      ((run, ms) => {
        // Never what keeps the agent alive once everything else has stopped.
        const timer = setTimeout(run, ms).unref();
        return () => clearTimeout(timer);
      });
  }

  get offline(): boolean {
    return this.offlineNow;
  }

  /** When the server went away, or null while connected. */
  get since(): number | null {
    return this.awaySince;
  }

  disconnected(): void {
    if (this.awaySince !== null || this.disposed) return;
    const since = this.options.now();
    this.awaySince = since;
    this.cancel = this.schedule(() => {
      this.cancel = undefined;
      this.offlineNow = true;
      this.options.onOffline(since);
    }, this.options.graceMs);
  }

  connected(): void {
    if (this.awaySince === null) return;
    this.cancel?.();
    this.cancel = undefined;
    const since = this.awaySince;
    this.awaySince = null;
    if (this.offlineNow) {
      this.offlineNow = false;
      this.options.onBackOnline(this.options.now() - since);
    }
  }

  /** After this, a disconnection (the agent's own, on shutdown) starts no timer. */
  dispose(): void {
    this.disposed = true;
    this.cancel?.();
    this.cancel = undefined;
  }
}
