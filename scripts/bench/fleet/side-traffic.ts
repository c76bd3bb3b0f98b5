// What the rest of the team does while the fleet streams: someone loads the
// Runs page every 2 s, and every 6 s an engineer submits a one-host program
// that a reviewer approves. The fleet must not starve them (issue 9: "during
// the benchmark, run:end, approvals and page loads keep working"); each is
// timed from request to answer, and a failure is counted with its message.
import type { WorkbenchApi } from "./workbench-api.ts";
import { FLEET_PROGRAM } from "./hist-frame.ts";

type Timings = { ms: number[]; failures: Record<string, number> };

export class SideTraffic {
  readonly #pages: Timings = { ms: [], failures: {} };
  readonly #approvals: Timings = { ms: [], failures: {} };
  readonly #running: Promise<void>[] = [];
  #stopped = false;

  constructor(
    private readonly people: { engineer: WorkbenchApi; reviewer: WorkbenchApi },
    private readonly hostId: string,
  ) {}

  start(): void {
    this.#running.push(this.#every(2000, this.#pages, () => this.people.reviewer.page("/runs")));
    this.#running.push(this.#every(6000, this.#approvals, () => this.#approveOne()));
  }

  /** Stops asking, waits for what is in flight, and says how it went. */
  async stop(): Promise<string> {
    this.#stopped = true;
    await Promise.all(this.#running);
    return `meanwhile: ${describe("Runs page loads", this.#pages)}; ${describe("one-host approvals (submit + approve)", this.#approvals)}`;
  }

  async #approveOne(): Promise<void> {
    const { revisionId } = await this.people.engineer.post<{ revisionId: string }>("/api/programs", {
      name: `bench:fleet side approval ${Date.now()}`,
      source: FLEET_PROGRAM,
      durationSec: 60,
      targetHostIds: [this.hostId],
    });
    const review = await this.people.reviewer.post<{ status: string }>(`/api/revisions/${revisionId}/reviews`, { decision: "approve", reason: "bench:fleet side traffic" });
    if (review.status !== "APPROVED") throw new Error(`the approval left the revision ${review.status}`);
  }

  async #every(periodMs: number, into: Timings, work: () => Promise<void>): Promise<void> {
    while (!this.#stopped) {
      const started = performance.now();
      try {
        await work();
        into.ms.push(performance.now() - started);
      } catch (error) {
        const message = (error as Error).message.slice(0, 120);
        into.failures[message] = (into.failures[message] ?? 0) + 1;
      }
      const rest = periodMs - (performance.now() - started);
      if (rest > 0 && !this.#stopped) await new Promise((resolve) => setTimeout(resolve, rest));
    }
  }
}

function describe(what: string, timings: Timings): string {
  const failed = Object.values(timings.failures).reduce((a, b) => a + b, 0);
  const sorted = [...timings.ms].sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  const figures = sorted.length === 0 ? "none answered" : `${sorted.length} answered, p50 ${at(0.5)} ms, max ${Math.round(sorted.at(-1)!)} ms`;
  const failures =
    failed === 0
      ? ""
      : `, ${failed} failed (${Object.entries(timings.failures)
          .map(([m, c]) => `${c}× ${m}`)
          .join("; ")})`;
  return `${what}: ${figures}${failures}`;
}
