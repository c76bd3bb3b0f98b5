import "server-only";
import pg from "pg";
import { NOTIFY_CHANNEL, type WorkbenchEvent } from "@/lib/server/data/notify.ts";
import { logError, logWarn } from "@/lib/server/log.ts";

/**
 * Listens on the workbench's NOTIFY channel with a dedicated connection and
 * reconnects (with backoff) when it drops. Events sent while it was away are
 * not replayed by PostgreSQL, so on reconnect `onReconnect` lets the caller
 * catch up from the tables.
 */
export class EventListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly onEvent: (event: WorkbenchEvent) => void,
    private readonly onReconnect: () => void = () => {},
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on("notification", (message) => {
      if (message.channel !== NOTIFY_CHANNEL || !message.payload) return;
      try {
        this.onEvent(JSON.parse(message.payload) as WorkbenchEvent);
      } catch (error) {
        logError("bad workbench event payload", error);
      }
    });
    const lost = () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.end().catch(() => {});
      this.scheduleReconnect();
    };
    client.on("error", (error) => {
      logWarn("event listener connection failed; reconnecting", { error: String(error) });
      lost();
    });
    client.on("end", lost);
    await client.connect();
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    this.client = client;
    if (this.attempt > 0) this.onReconnect();
    this.attempt = 0;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.retryTimer) return;
    const delay = Math.min(30_000, 500 * 2 ** this.attempt++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().catch((error: unknown) => {
        logWarn("event listener reconnect failed", { error: String(error) });
        this.scheduleReconnect();
      });
    }, delay);
  }

  async dispose(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => {});
  }
}
