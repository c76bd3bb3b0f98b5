import "server-only";
import type { Frame } from "@/lib/shared/frame.ts";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import type { StoredFrames } from "./group-commit.ts";

// Frames to the browsers watching them, one message per viewer per window.
//
// A fleet streams one frame per host per second, so a window of a few tens of
// milliseconds holds at most one frame of each run: batching per run would
// still send each viewer one message per frame (measured on a 2-core machine
// with 1.5 KB frames: a plain room emit per frame tops out near 70k deliveries
// a second; one message per viewer every 100 ms carries 100k at 17% of a core).
// So frames are coalesced per viewer, across every run it watches: each
// window, a viewer gets one message with every new frame of its runs. Viewers
// watching exactly the same runs (a room of SREs on one incident) form one
// group, and a group's message is encoded once and written to each of them.
//
// A viewer that cannot keep up (its socket's unsent data past the high-water
// mark) is never buffered without bound: it is skipped, the first seq it
// missed of each run is noted, and once its socket has drained it is told
// which runs to read back from the database (`live:resync`).

/** What a viewer subscribes to: one run, or every run of a batch (the runs one approval signed). */
export type Subscription = { kind: "run"; runId: string } | { kind: "batch"; batchId: string };

/** How far behind a viewer's socket is: messages socket.io holds for it, and bytes its WebSocket has not sent. */
export type Backlog = { messages: number; bytes: number };

export type ViewerRelayDeps = {
  /** One message of frames to every viewer in `viewerIds` (socket ids), encoded once. */
  emitFrames(viewerIds: string[], frames: Frame[]): void;
  /** One message of run states to every viewer in `viewerIds`. */
  emitStates(viewerIds: string[], states: RunSnapshotWithOrigin[]): void;
  /** The viewer missed frames while it lagged: from each run's `fromSeq` on, and every run of these batches. */
  emitResync(viewerId: string, missed: { runs: { runId: string; fromSeq: number }[]; batches: string[] }): void;
  backlog(viewerId: string): Backlog;
  /** After each window: every frame that reached at least one viewer, once (for the relay latency metric). */
  onRelayed?(frames: Frame[]): void;
};

export type ViewerRelayOptions = {
  /**
   * The shortest time between two messages. Frames after a quiet spell go out
   * at once (on the next turn of the event loop, with whatever else arrived in
   * that turn); frames arriving sooner wait until this long after the previous
   * message, with everything else that arrives meanwhile. So a few hosts cost
   * no latency, and a fleet is coalesced into one message per window.
   */
  windowMs?: number;
  /** A viewer with more than this many unsent messages, or bytes, is lagging. */
  highWater?: Backlog;
};

const DEFAULT_WINDOW_MS = 20;
/** About a second of windows, or 8 MiB: far more than a browser that keeps up ever has outstanding. */
const DEFAULT_HIGH_WATER: Backlog = { messages: 50, bytes: 8 * 1024 * 1024 };
/** A lagging viewer resumes only once socket.io holds nothing for it and its WebSocket is nearly drained. */
const LOW_WATER_BYTES = 256 * 1024;

type Group = {
  signature: string;
  subscriptions: Subscription[];
  viewers: Set<Viewer>;
  frames: Frame[];
  states: RunSnapshotWithOrigin[];
};

type Viewer = {
  id: string;
  subscriptions: Map<string, Subscription>;
  group: Group | undefined;
  /** While lagging: per run, the first seq it did not get; and batches whose states it missed. */
  missed: { runs: Map<string, number>; batches: Set<string> } | undefined;
};

export const keyOf = (subscription: Subscription) => (subscription.kind === "run" ? `run:${subscription.runId}` : `batch:${subscription.batchId}`);

export class ViewerRelay {
  readonly #deps: ViewerRelayDeps;
  readonly #windowMs: number;
  readonly #highWater: Backlog;
  readonly #viewers = new Map<string, Viewer>();
  readonly #groups = new Map<string, Group>();
  /** Groups by subscription key ("run:ID", "batch:ID"). */
  readonly #interested = new Map<string, Set<Group>>();
  #timer: NodeJS.Timeout | undefined;
  #lastFlushAt = -Infinity;
  /** Deliveries (frames times viewers) and messages, for /metrics and the fleet benchmark. */
  readonly stats = { deliveries: 0, messages: 0, dropped: 0 };

  constructor(deps: ViewerRelayDeps, options: ViewerRelayOptions = {}) {
    this.#deps = deps;
    this.#windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.#highWater = options.highWater ?? DEFAULT_HIGH_WATER;
  }

  get viewerCount(): number {
    return this.#viewers.size;
  }

  /** Subscriptions a viewer holds (a cap on them is the caller's). */
  subscriptionsOf(viewerId: string): Subscription[] {
    return [...(this.#viewers.get(viewerId)?.subscriptions.values() ?? [])];
  }

  watch(viewerId: string, subscription: Subscription): void {
    let viewer = this.#viewers.get(viewerId);
    if (!viewer) this.#viewers.set(viewerId, (viewer = { id: viewerId, subscriptions: new Map(), group: undefined, missed: undefined }));
    if (viewer.subscriptions.has(keyOf(subscription))) return;
    viewer.subscriptions.set(keyOf(subscription), subscription);
    this.#regroup(viewer);
  }

  unwatch(viewerId: string, subscription: Subscription): void {
    const viewer = this.#viewers.get(viewerId);
    if (!viewer?.subscriptions.delete(keyOf(subscription))) return;
    if (viewer.subscriptions.size === 0) this.remove(viewerId);
    else this.#regroup(viewer);
  }

  /** The viewer disconnected. */
  remove(viewerId: string): void {
    const viewer = this.#viewers.get(viewerId);
    if (!viewer) return;
    this.#viewers.delete(viewerId);
    this.#leave(viewer);
  }

  /** Whether any viewer of this process watches the run or its batch (else there is nothing to read or send). */
  isWatched(runId: string, batchId: string | null): boolean {
    return this.#interested.has(`run:${runId}`) || (batchId !== null && this.#interested.has(`batch:${batchId}`));
  }

  /** Frames now stored (by this process or, through the adapter, another): to every group watching their run or batch. */
  push(items: readonly StoredFrames[]): void {
    for (const item of items) {
      for (const group of this.#groupsFor(item.runId, item.batchId)) group.frames.push(...item.frames);
    }
    this.#schedule();
  }

  /** Runs whose state changed, read after the change committed. */
  pushStates(items: readonly { batchId: string | null; snapshot: RunSnapshotWithOrigin }[]): void {
    for (const item of items) {
      for (const group of this.#groupsFor(item.snapshot.id, item.batchId)) group.states.push(item.snapshot);
    }
    this.#schedule();
  }

  /** Sends what is pending now: frames first, then states, so a run's last frames reach viewers before its end. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lastFlushAt = performance.now();
    const relayed = new Set<Frame>();
    for (const group of this.#groups.values()) {
      if (group.frames.length === 0 && group.states.length === 0) continue;
      const frames = group.frames;
      const states = group.states;
      group.frames = [];
      group.states = [];
      const recipients: string[] = [];
      for (const viewer of group.viewers) {
        if (this.#keepsUp(viewer)) recipients.push(viewer.id);
        else this.#noteMissed(viewer, frames, states);
      }
      if (recipients.length === 0) continue;
      if (frames.length > 0) {
        this.#deps.emitFrames(recipients, frames);
        this.stats.messages += recipients.length;
        this.stats.deliveries += frames.length * recipients.length;
        for (const frame of frames) relayed.add(frame);
      }
      if (states.length > 0) this.#deps.emitStates(recipients, states);
    }
    if (relayed.size > 0) this.#deps.onRelayed?.([...relayed]);
  }

  dispose(): void {
    this.flush();
  }

  #schedule(): void {
    this.#timer ??= setTimeout(() => this.flush(), Math.max(0, this.#lastFlushAt + this.#windowMs - performance.now()));
  }

  *#groupsFor(runId: string, batchId: string | null): Iterable<Group> {
    const byRun = this.#interested.get(`run:${runId}`);
    const byBatch = batchId === null ? undefined : this.#interested.get(`batch:${batchId}`);
    if (byRun) yield* byRun;
    // A group watching both the run and its batch gets the frames once.
    if (byBatch) for (const group of byBatch) if (!byRun?.has(group)) yield group;
  }

  /** Whether the viewer takes this window's message; a lagging viewer resumes, and is told what it missed, once drained. */
  #keepsUp(viewer: Viewer): boolean {
    const backlog = this.#deps.backlog(viewer.id);
    if (viewer.missed) {
      if (backlog.messages > 0 || backlog.bytes > LOW_WATER_BYTES) return false;
      const { runs, batches } = viewer.missed;
      viewer.missed = undefined;
      this.#deps.emitResync(viewer.id, { runs: [...runs].map(([runId, fromSeq]) => ({ runId, fromSeq })), batches: [...batches] });
      return true;
    }
    if (backlog.messages <= this.#highWater.messages && backlog.bytes <= this.#highWater.bytes) return true;
    viewer.missed = { runs: new Map(), batches: new Set() };
    return false;
  }

  #noteMissed(viewer: Viewer, frames: Frame[], states: RunSnapshotWithOrigin[]): void {
    const missed = viewer.missed!;
    this.stats.dropped += frames.length;
    for (const frame of frames) if (!missed.runs.has(frame.runId)) missed.runs.set(frame.runId, frame.seq);
    // States are re-read whole on resync: a batch's viewer re-watches the batch, a run's re-reads the run.
    for (const state of states) {
      for (const subscription of viewer.subscriptions.values()) {
        if (subscription.kind === "batch") missed.batches.add(subscription.batchId);
        else if (subscription.runId === state.id && !missed.runs.has(state.id)) missed.runs.set(state.id, state.lastSeq + 1);
      }
    }
  }

  /** Moves the viewer to the group of its current subscriptions. */
  #regroup(viewer: Viewer): void {
    const subscriptions = [...viewer.subscriptions.values()];
    const signature = subscriptions.map(keyOf).sort().join("|");
    if (viewer.group?.signature === signature) return;
    const old = viewer.group;
    this.#leave(viewer);
    let group = this.#groups.get(signature);
    // What the old group held for this viewer is still its to get, now (what the new group holds too, it gets there).
    if (old && (old.frames.length > 0 || old.states.length > 0)) {
      const coming = new Set<object>([...(group?.frames ?? []), ...(group?.states ?? [])]);
      const frames = old.frames.filter((frame) => !coming.has(frame));
      const states = old.states.filter((state) => !coming.has(state));
      if (frames.length > 0) this.#deps.emitFrames([viewer.id], frames);
      if (states.length > 0) this.#deps.emitStates([viewer.id], states);
    }
    if (!group) {
      group = { signature, subscriptions, viewers: new Set(), frames: [], states: [] };
      this.#groups.set(signature, group);
      for (const subscription of subscriptions) {
        const key = keyOf(subscription);
        let groups = this.#interested.get(key);
        if (!groups) this.#interested.set(key, (groups = new Set()));
        groups.add(group);
      }
    }
    group.viewers.add(viewer);
    viewer.group = group;
  }

  #leave(viewer: Viewer): void {
    const group = viewer.group;
    if (!group) return;
    viewer.group = undefined;
    group.viewers.delete(viewer);
    if (group.viewers.size > 0) return;
    this.#groups.delete(group.signature);
    for (const subscription of group.subscriptions) {
      const key = keyOf(subscription);
      const groups = this.#interested.get(key);
      groups?.delete(group);
      if (groups?.size === 0) this.#interested.delete(key);
    }
  }
}
