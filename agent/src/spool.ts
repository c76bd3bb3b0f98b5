import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { MAX_BATCH_BYTES, MAX_FRAMES_PER_BATCH, type Frame } from "@/lib/shared/frame.ts";
import type { RunEnd } from "@/lib/protocol/agent-events.ts";
import { writeFileAtomic } from "./state-dir.ts";

// Everything the agent reports about runs, in the order it happened, on disk
// until the server acknowledged it: frames and end reports share one
// append-only log, so a run's end never overtakes its last frames, and
// neither a lost connection nor an agent restart loses them. The log is a
// series of segment files of JSON lines; a cursor file records the first
// entry not yet acknowledged. A batch leaves the log only when the server has
// stored it (it answers with the batch's highest seq); after a reconnect or a
// restart the agent sends from the cursor again, and the server ignores the
// frames it already has, so each is stored exactly once. The log is bounded:
// a frame that does not fit is refused (the caller records the gap and says
// so); end reports and gap records always fit, they are tiny. An entry the
// server refuses for good (the sender says so with SpoolRefusal) is stepped
// over and reported to the caller, so one bad batch never holds back the
// entries behind it; anything else is tried again.

/** The server refused an entry in a way no retry can change; `reason` is its sentence. */
export class SpoolRefusal extends Error {
  override name = "SpoolRefusal";
  constructor(
    readonly reason: string,
    /** The server's error code, e.g. BAD_REQUEST or CONFLICT. */
    readonly serverCode: string,
  ) {
    super(reason);
  }
}

/** What the server refused for good, as the spool stepped over it. */
export type RefusedEntry =
  | { kind: "frames"; runId: string; fromSeq: number; toSeq: number; frames: number; onlyGapRecords: boolean; reason: string; serverCode: string }
  | { kind: "end"; runId: string; reason: string; serverCode: string };

export type SpoolSender = {
  readonly connected: boolean;
  sendFrames(runId: string, frames: Frame[]): Promise<void>;
  sendEnd(report: RunEnd): Promise<void>;
};

export type SpoolEntry = { kind: "frame"; frame: Frame } | { kind: "end"; report: RunEnd };

export type SpoolOptions = {
  dir: string;
  /** Bytes of unacknowledged entries on disk before frames are refused. */
  maxBytes: number;
  segmentBytes?: number;
  retryDelayMs?: number;
  /**
   * How long a new entry may wait for others to share its message (default 200 ms): at 10 frames a
   * second, one message and one acknowledgement per 200 ms instead of per frame. Viewers see frames
   * coalesced per 100 ms anyway.
   */
  batchDelayMs?: number;
  log(message: string, fields?: Record<string, unknown>): void;
  /** Called when the server acknowledged a run's end report. */
  onEndDelivered?(runId: string): void;
  /** Called when the server refused an entry for good; the spool has stepped over it and logged it. */
  onRefused?(refused: RefusedEntry): void;
  now?(): number;
};

type Position = { segment: number; offset: number };
type Stored = { at: Position; bytes: number; entry: SpoolEntry };
type Batch = { end: Position; runId: string; frames: Frame[] } | { end: Position; report: RunEnd };

const SEGMENT = /^(\d{12})\.log$/;
const CURSOR_FILE = "cursor.json";
const cursorSchema = z.object({ segment: z.number().int().nonnegative(), offset: z.number().int().nonnegative() }).strict();
/**
 * How often written entries are flushed to the disk (fdatasync) and the cursor rewritten. An agent
 * killed in between loses nothing (the kernel has the writes); a power cut loses at most this much
 * of the newest frames, and acknowledgements not yet recorded are resent and ignored by the server.
 */
const SYNC_INTERVAL_MS = 5000;
/** Entries kept in memory after writing, so a connected agent never reads back what it just wrote. */
const RECENT_MAX_BYTES = 4 * 1024 * 1024;
const READ_CHUNK_BYTES = 2 * MAX_BATCH_BYTES;

const segmentName = (n: number) => `${String(n).padStart(12, "0")}.log`;

export class Spool {
  private readonly sizes = new Map<number, number>();
  private cursor: Position;
  private writeSegment: number;
  private writeFd: number;
  private pending = 0;
  private recent: Stored[] = [];
  private recentBytes = 0;
  private sending = false;
  private dirty = false;
  private cursorDirty = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private batchTimer: NodeJS.Timeout | undefined;
  private readonly syncTimer: NodeJS.Timeout;
  private idleWaiters: (() => void)[] = [];
  private sender: SpoolSender | undefined;
  private readBuffer = Buffer.alloc(0);

  private constructor(private readonly options: SpoolOptions) {
    fs.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    const segments = fs
      .readdirSync(options.dir)
      .map((name) => SEGMENT.exec(name))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => Number(match[1]))
      .sort((a, b) => a - b);
    for (const segment of segments) this.sizes.set(segment, fs.statSync(this.file(segment)).size);
    const saved = readCursor(path.join(options.dir, CURSOR_FILE));
    // Never append to a segment from an earlier life: its last line may have been cut by a crash.
    this.writeSegment = (segments.at(-1) ?? 0) + 1;
    this.writeFd = fs.openSync(this.file(this.writeSegment), "a", 0o600);
    this.sizes.set(this.writeSegment, 0);
    const first = segments.find((segment) => !saved || segment >= saved.segment) ?? this.writeSegment;
    this.cursor = saved && saved.segment === first ? { segment: first, offset: Math.min(saved.offset, this.sizes.get(first)!) } : { segment: first, offset: 0 };
    for (const segment of segments) if (segment < this.cursor.segment) this.removeSegment(segment);
    for (const [segment, size] of this.sizes) if (segment >= this.cursor.segment) this.pending += size;
    this.pending -= this.cursor.offset;
    this.syncTimer = setInterval(() => this.sync(), SYNC_INTERVAL_MS);
    this.syncTimer.unref();
  }

  static open(options: SpoolOptions): Spool {
    return new Spool(options);
  }

  /** Starts delivering to `sender` whenever it is connected. */
  attach(sender: SpoolSender): void {
    this.sender = sender;
    this.kick();
  }

  /** Bytes written and not yet acknowledged. */
  get pendingBytes(): number {
    return this.pending;
  }

  /**
   * False when the frame does not fit: nothing was written, and the caller must record the gap.
   * `json` is the frame already serialized (the caller measured it), to serialize once.
   */
  pushFrame(frame: Frame, json = JSON.stringify(frame)): boolean {
    const line = `{"f":${json}}\n`;
    if (this.pending + Buffer.byteLength(line) > this.options.maxBytes) return false;
    this.append(line, { kind: "frame", frame });
    return true;
  }

  /** Gap records: always written, whatever the bound (they are tiny, and say what was lost). */
  pushFrameAlways(frame: Frame): void {
    this.append(`{"f":${JSON.stringify(frame)}}\n`, { kind: "frame", frame });
  }

  pushEnd(report: RunEnd): void {
    this.append(JSON.stringify({ e: report }) + "\n", { kind: "end", report });
  }

  /** Try now: after a reconnect, or when new entries arrive. */
  kick(): void {
    if (this.sending || this.pending === 0 || !this.sender?.connected) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    void this.drain();
  }

  /** Resolves true when everything written so far was acknowledged, false after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return true;
    this.kick();
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  close(): void {
    clearTimeout(this.retryTimer);
    clearTimeout(this.batchTimer);
    clearInterval(this.syncTimer);
    this.sync();
    fs.closeSync(this.writeFd);
  }

  private file(segment: number): string {
    return path.join(this.options.dir, segmentName(segment));
  }

  private append(line: string, entry: SpoolEntry): void {
    const bytes = Buffer.byteLength(line);
    let size = this.sizes.get(this.writeSegment)!;
    if (size > 0 && size + bytes > (this.options.segmentBytes ?? 4 * 1024 * 1024)) {
      fs.fdatasyncSync(this.writeFd);
      fs.closeSync(this.writeFd);
      this.writeSegment++;
      this.writeFd = fs.openSync(this.file(this.writeSegment), "a", 0o600);
      this.sizes.set(this.writeSegment, 0);
      size = 0;
    }
    fs.writeSync(this.writeFd, line);
    this.sizes.set(this.writeSegment, size + bytes);
    this.pending += bytes;
    this.dirty = true;
    this.recent.push({ at: { segment: this.writeSegment, offset: size }, bytes, entry });
    this.recentBytes += bytes;
    while (this.recentBytes > RECENT_MAX_BYTES && this.recent.length > 0) this.recentBytes -= this.recent.shift()!.bytes;
    // End reports go at once (nothing follows them); frames wait a moment for company.
    const delay = this.options.batchDelayMs ?? 200;
    if (entry.kind === "end" || delay === 0) this.kick();
    else
      this.batchTimer ??= setTimeout(() => {
        this.batchTimer = undefined;
        this.kick();
      }, delay);
  }

  private async drain(): Promise<void> {
    const sender = this.sender!;
    this.sending = true;
    try {
      while (this.pending > 0 && sender.connected) {
        const batch = this.nextBatch();
        if (!batch) break;
        let refusal: SpoolRefusal | undefined;
        try {
          if ("report" in batch) await sender.sendEnd(batch.report);
          else await sender.sendFrames(batch.runId, batch.frames);
        } catch (error) {
          if (!(error instanceof SpoolRefusal)) throw error;
          refusal = error;
        }
        this.acknowledge(batch.end);
        if (refusal) this.reportRefusal(batch, refusal);
        else if ("report" in batch) this.options.onEndDelivered?.(batch.report.runId);
      }
    } catch {
      // Not acknowledged: keep it and try again later (or at reconnect).
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = undefined;
        this.kick();
      }, this.options.retryDelayMs ?? 2000);
    } finally {
      this.sending = false;
    }
    if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private reportRefusal(batch: Batch, refusal: SpoolRefusal): void {
    const { reason, serverCode } = refusal;
    if ("report" in batch) {
      this.options.log("the server refused a run's end report; dropped it", { runId: batch.report.runId, serverCode, reason });
      this.options.onRefused?.({ kind: "end", runId: batch.report.runId, reason, serverCode });
      return;
    }
    const fromSeq = batch.frames[0]!.seq;
    const toSeq = batch.frames.at(-1)!.seq;
    this.options.log("the server refused frames; dropped them and moved on", { runId: batch.runId, fromSeq, toSeq, frames: batch.frames.length, serverCode, reason });
    const onlyGapRecords = batch.frames.every((frame) => frame.record.type === "gap");
    this.options.onRefused?.({ kind: "frames", runId: batch.runId, fromSeq, toSeq, frames: batch.frames.length, onlyGapRecords, reason, serverCode });
  }

  /** The next batch from the cursor: one end report, or consecutive frames of one run. */
  private nextBatch(): Batch | undefined {
    this.skipFinishedSegments();
    const entries = this.entriesFromCursor();
    const first = entries[0];
    if (!first) return undefined;
    if (first.entry.kind === "end") return { end: after(first), report: first.entry.report };
    const runId = first.entry.frame.runId;
    const frames: Frame[] = [];
    let bytes = 0;
    let last = first;
    for (const stored of entries) {
      if (stored.entry.kind !== "frame" || stored.entry.frame.runId !== runId) break;
      if (frames.length === MAX_FRAMES_PER_BATCH || (frames.length > 0 && bytes + stored.bytes > MAX_BATCH_BYTES)) break;
      frames.push(stored.entry.frame);
      bytes += stored.bytes;
      last = stored;
    }
    return { end: after(last), runId, frames };
  }

  /** Entries starting at the cursor: from memory when it holds them, else read back from the segment. */
  private entriesFromCursor(): Stored[] {
    const index = this.recent.findIndex((stored) => samePosition(stored.at, this.cursor));
    if (index >= 0) return this.recent.slice(index, index + MAX_FRAMES_PER_BATCH);
    return this.readSegment(this.cursor);
  }

  private readSegment(from: Position): Stored[] {
    const size = this.sizes.get(from.segment) ?? 0;
    const length = Math.min(READ_CHUNK_BYTES, size - from.offset);
    if (length <= 0) return [];
    if (this.readBuffer.length < length) this.readBuffer = Buffer.alloc(READ_CHUNK_BYTES);
    const fd = fs.openSync(this.file(from.segment), "r");
    let read: number;
    try {
      read = fs.readSync(fd, this.readBuffer, 0, length, from.offset);
    } finally {
      fs.closeSync(fd);
    }
    const entries: Stored[] = [];
    let start = 0;
    for (;;) {
      const newline = this.readBuffer.indexOf(0x0a, start);
      if (newline < 0 || newline >= read) break;
      const at = { segment: from.segment, offset: from.offset + start };
      const bytes = newline + 1 - start;
      const entry = parseLine(this.readBuffer.toString("utf8", start, newline));
      if (entry) entries.push({ at, bytes, entry });
      else if (entries.length === 0) {
        // A line no reader can use: say so, step over it, and read on.
        this.options.log("skipped an unreadable entry in the frame spool", { segment: at.segment, offset: at.offset, bytes });
        this.acknowledge({ segment: at.segment, offset: at.offset + bytes });
        return this.readSegment(this.cursor);
      } else break;
      start = newline + 1;
    }
    if (entries.length === 0 && from.segment !== this.writeSegment && read === size - from.offset) {
      // The tail of an old segment without a line break: cut by a crash while it was written.
      this.options.log("skipped a cut-off entry at the end of the frame spool", { segment: from.segment, bytes: read });
      this.acknowledge({ segment: from.segment, offset: size });
      this.skipFinishedSegments();
      return samePosition(this.cursor, from) ? [] : this.readSegment(this.cursor);
    }
    return entries;
  }

  private acknowledge(end: Position): void {
    const before = this.cursor;
    let released = 0;
    if (end.segment === before.segment) released = end.offset - before.offset;
    else {
      released = (this.sizes.get(before.segment) ?? 0) - before.offset;
      for (const [segment, size] of this.sizes) if (segment > before.segment && segment < end.segment) released += size;
      released += end.offset;
    }
    this.cursor = end;
    this.pending -= released;
    this.cursorDirty = true;
    // A batch read from memory may span segments: every segment before the cursor is done.
    for (const segment of [...this.sizes.keys()]) if (segment < end.segment) this.removeSegment(segment);
    while (this.recent.length > 0 && comparePositions(this.recent[0]!.at, end) < 0) this.recentBytes -= this.recent.shift()!.bytes;
    this.skipFinishedSegments();
  }

  /** A fully acknowledged segment other than the one being written is deleted. */
  private skipFinishedSegments(): void {
    while (this.cursor.segment !== this.writeSegment && this.cursor.offset >= (this.sizes.get(this.cursor.segment) ?? 0)) {
      const done = this.cursor.segment;
      const next = [...this.sizes.keys()].filter((segment) => segment > done).sort((a, b) => a - b)[0] ?? this.writeSegment;
      this.cursor = { segment: next, offset: 0 };
      this.cursorDirty = true;
      this.removeSegment(done);
    }
  }

  private removeSegment(segment: number): void {
    this.sizes.delete(segment);
    fs.rmSync(this.file(segment), { force: true });
  }

  /** Every SYNC_INTERVAL_MS: data to disk, then the cursor (a crash loses at most that much of acknowledgements, resent and ignored). */
  private sync(): void {
    try {
      if (this.dirty) {
        fs.fdatasyncSync(this.writeFd);
        this.dirty = false;
      }
      if (this.cursorDirty) {
        // Atomic, not durable: a cursor older than the truth only means some batches are sent twice.
        writeFileAtomic(path.join(this.options.dir, CURSOR_FILE), JSON.stringify(this.cursor), { durable: false });
        this.cursorDirty = false;
      }
    } catch (error) {
      this.options.log("could not sync the frame spool", { error: String(error) });
    }
  }
}

function parseLine(text: string): SpoolEntry | null {
  try {
    const value = JSON.parse(text) as { f?: Frame; e?: RunEnd };
    if (value.f && typeof value.f.runId === "string" && typeof value.f.seq === "number") return { kind: "frame", frame: value.f };
    if (value.e && typeof value.e.runId === "string") return { kind: "end", report: value.e };
  } catch {
    // fall through
  }
  return null;
}

function readCursor(file: string): Position | undefined {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const after = (stored: Stored): Position => ({ segment: stored.at.segment, offset: stored.at.offset + stored.bytes });
const samePosition = (a: Position, b: Position) => a.segment === b.segment && a.offset === b.offset;
const comparePositions = (a: Position, b: Position) => a.segment - b.segment || a.offset - b.offset;
