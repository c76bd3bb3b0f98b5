// The orchestrator's side of its worker processes (simulated agents,
// simulated viewers, the plain relay): fork, call with a timeout, stop. A
// worker answers every command with { id, ok, result | error }; a command
// that times out rejects, and the orchestrator carries on with what it has,
// so a collapsed server never hangs the benchmark.
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../../..");

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };
/** Messages a worker sends on its own, outside any command (the relay's port). */
export type WorkerEvent = { event: string; [key: string]: unknown };

export class Worker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  private readonly events: WorkerEvent[] = [];
  private readonly eventWaiters: (() => void)[] = [];
  private exited = false;
  readonly child: ChildProcess;

  constructor(
    readonly name: string,
    script: string,
  ) {
    this.child = fork(path.join(import.meta.dirname, script), [], {
      cwd: ROOT,
      execArgv: ["--import", "./scripts/node/register.mjs"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
    });
    this.child.on("message", (message: Reply | WorkerEvent) => {
      if ("event" in message) {
        this.events.push(message);
        for (const wake of this.eventWaiters.splice(0)) wake();
        return;
      }
      const waiter = this.pending.get(message.id);
      if (!waiter) return; // answered after its timeout
      this.pending.delete(message.id);
      clearTimeout(waiter.timer);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${this.name}: ${message.error}`));
    });
    this.child.on("exit", (code, signal) => {
      this.exited = true;
      for (const [id, waiter] of this.pending) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`${this.name} exited (${signal ?? code}) before answering`));
        this.pending.delete(id);
      }
      for (const wake of this.eventWaiters.splice(0)) wake();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  call<T>(command: Record<string, unknown> & { type: string }, timeoutMs: number): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${command.type} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.child.send({ ...command, id });
    });
  }

  async nextEvent(name: string, timeoutMs: number): Promise<WorkerEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((event) => event.event === name);
      if (found) return found;
      if (this.exited) throw new Error(`${this.name} exited before ${name}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: no ${name} within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.eventWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Asks the worker to leave (it closes its sockets), then kills it if it has not within `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    try {
      this.child.send({ type: "exit", id: 0 });
    } catch {
      // the IPC channel is already gone
    }
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** For the emergency exit: no waiting. */
  kill(): void {
    if (!this.exited) this.child.kill("SIGKILL");
  }
}

/** Calls every worker with the same command; returns each answer, or the error in its place. */
export async function callAll<T>(
  workers: Worker[],
  command: (worker: Worker, index: number) => Record<string, unknown> & { type: string },
  timeoutMs: number,
): Promise<({ ok: true; value: T } | { ok: false; error: string })[]> {
  return Promise.all(
    workers.map((worker, index) =>
      worker.call<T>(command(worker, index), timeoutMs).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error: (error as Error).message }),
      ),
    ),
  );
}

// ---- the worker's side -------------------------------------------------------

/**
 * Serves commands in a worker process. The worker exits when its parent goes
 * away (the IPC channel closes), so an orchestrator killed outright leaves no
 * simulated agents or viewers behind.
 */
export function serveCommands(handle: (command: { type: string; [key: string]: unknown }) => Promise<unknown> | unknown, onExit: () => Promise<void> | void): void {
  const leave = async () => {
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    try {
      await onExit();
    } finally {
      process.exit(0);
    }
  };
  process.on("disconnect", () => void leave());
  process.on("SIGINT", () => {
    // Ctrl-C reaches the whole process group; the orchestrator decides when workers stop.
  });
  process.on("message", (message: { id: number; type: string; [key: string]: unknown }) => {
    if (message.type === "exit") return void leave();
    Promise.resolve()
      .then(() => handle(message))
      .then(
        (result) => process.send?.({ id: message.id, ok: true, result }),
        (error: unknown) => process.send?.({ id: message.id, ok: false, error: (error as Error).stack ?? String(error) }),
      );
  });
}

export function emitEvent(event: WorkerEvent): void {
  process.send?.(event);
}
