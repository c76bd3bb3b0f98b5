import "server-only";
import { AppError } from "@/lib/server/errors.ts";

/**
 * A share of the database pool for one class of request. Live snapshots and
 * bulk reads of frames (pages, exports, comparisons) are the requests one
 * person can multiply at will; each class may hold only a few of the pool's
 * connections at once, so whatever one user asks for, approvals, sign-ins,
 * agents' starts and the background sweeps always find a connection. A
 * request waits its turn in a short queue; past that it is refused with
 * TOO_MANY_REQUESTS rather than waiting without bound.
 */
export class DbShare {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly concurrency: number,
    readonly maxQueue: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /** A slot held until the returned function is called (once): for work that outlives one call, like a streamed export. */
  async acquire(): Promise<() => void> {
    if (this.#running >= this.concurrency) {
      if (this.#waiting.length >= this.maxQueue) {
        throw new AppError("TOO_MANY_REQUESTS", `The server is busy with ${this.name}; try again in a moment.`);
      }
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the slot straight to the next in line, or give it back.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    };
  }
}

// One set per process: route handlers and the realtime server are separate module graphs in it (see client.ts).
const globalShares = globalThis as unknown as { workbenchDbShares?: { liveSnapshots: DbShare; bulkReads: DbShare } };

/** Of the pool's connections (WORKBENCH_DB_POOL_SIZE, default 10), at most 3 each: see docs/frames.md, "The database under load". */
export function dbShares(): { liveSnapshots: DbShare; bulkReads: DbShare } {
  globalShares.workbenchDbShares ??= {
    liveSnapshots: new DbShare("live views", 3, 200),
    bulkReads: new DbShare("reading recorded frames", 3, 50),
  };
  return globalShares.workbenchDbShares;
}
