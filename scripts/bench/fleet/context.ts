// What outlives one load: the options, the database, the people (an admin,
// an engineer, a reviewer, one SRE per viewer) and the enrolled hosts, and
// the list of everything to clean up however the bench ends.
import { createDbClient } from "@/lib/server/db/client.ts";
import { createUser } from "../../../test/factories.ts";
import { adminUrl } from "../../../test/database-url.ts";
import type { BenchDatabase } from "../bench-database.ts";
import { createSignedInUser, enrollHost, signIn, type ServerAddress, type WorkbenchApi } from "./workbench-api.ts";
import type { Worker } from "./workers.ts";

export type BenchOptions = {
  warmupSec: number;
  durationSec: number;
  drainSec: number;
  processes: number;
  agentsPerProcess: number;
  viewersPerProcess: number;
  /** run:watch requests each viewer keeps in flight. */
  watchConcurrency: number;
  watchTimeoutSec: number;
};

type Host = { hostId: string; hostName: string; credential: string };

export class BenchContext {
  readonly adminUrl = adminUrl();
  /** The server the API calls go to; each load points it at its own server. */
  readonly server: ServerAddress = { url: "" };
  readonly hosts: Host[] = [];
  private admin: WorkbenchApi | undefined;
  private engineerAndReviewer: { engineer: WorkbenchApi; reviewer: WorkbenchApi } | undefined;
  private readonly sreCookies: string[] = [];
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private readonly workers = new Set<Worker>();
  private notes: string[] = [];

  constructor(
    readonly options: BenchOptions,
    readonly database: BenchDatabase,
    readonly serverEnv: Record<string, string>,
  ) {}

  get people(): { engineer: WorkbenchApi; reviewer: WorkbenchApi } {
    if (!this.engineerAndReviewer) throw new Error("no engineer and reviewer yet: ensureHosts first");
    return this.engineerAndReviewer;
  }

  /** Setup lines for the next load's details. */
  note(line: string): void {
    this.notes.push(line);
  }

  takeSetupNotes(): string[] {
    const notes = this.notes;
    this.notes = [];
    return notes;
  }

  /**
   * The first admin comes from the database, as `npm run db:seed` makes one
   * (there is no one yet to create it through the API); everyone else is
   * created by that admin through the API and signs in through next-auth.
   */
  private async ensurePeople(): Promise<void> {
    if (this.engineerAndReviewer) return;
    const db = createDbClient(this.database.url);
    let admin;
    try {
      admin = await createUser(db, ["ADMIN"], "bench-admin");
    } finally {
      await db.$disconnect();
    }
    this.admin = await signIn(this.server, admin.email, admin.password);
    this.engineerAndReviewer = {
      engineer: await createSignedInUser(this.server, this.admin, "ENGINEER", "bench-engineer"),
      reviewer: await createSignedInUser(this.server, this.admin, "REVIEWER", "bench-reviewer"),
    };
  }

  /** Enrolls hosts through the API until there are `count`; a later, larger load reuses them. */
  async ensureHosts(count: number): Promise<void> {
    await this.ensurePeople();
    if (this.hosts.length >= count) return;
    const started = Date.now();
    const missing = Array.from({ length: count - this.hosts.length }, (_, i) => this.hosts.length + i);
    const enrolled: Host[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < missing.length) {
          const index = missing[next++]!;
          enrolled[index - this.hosts.length] = await enrollHost(this.server, this.admin!, `fleet-${String(index + 1).padStart(5, "0")}`);
        }
      }),
    );
    this.hosts.push(...enrolled);
    this.note(`${missing.length} hosts enrolled through the API in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  /** One SRE per viewer, each with a session of their own; returns their cookies. */
  async ensureViewers(count: number): Promise<string[]> {
    await this.ensurePeople();
    while (this.sreCookies.length < count) {
      const sre = await createSignedInUser(this.server, this.admin!, "SRE", `bench-sre-${this.sreCookies.length + 1}`);
      this.sreCookies.push(sre.cookie);
    }
    return this.sreCookies.slice(0, count);
  }

  track(worker: Worker): Worker {
    this.workers.add(worker);
    worker.child.once("exit", () => this.workers.delete(worker));
    return worker;
  }

  /** Registers a cleanup step; the returned function removes it (the step ran in the normal course). */
  onCleanup(step: () => Promise<void> | void): () => void {
    this.cleanups.push(step);
    return () => {
      const index = this.cleanups.indexOf(step);
      if (index >= 0) this.cleanups.splice(index, 1);
    };
  }

  /** Everything still running is stopped, newest first; then the database is dropped. */
  async dispose(): Promise<void> {
    for (const worker of this.workers) worker.kill();
    for (const step of this.cleanups.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`cleanup: ${(error as Error).message}\n`);
      }
    }
  }
}
