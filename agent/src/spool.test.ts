import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Frame } from "@/lib/shared/frame.ts";
import type { RunEnd } from "@/lib/protocol/agent-events.ts";
import { Spool, SpoolRefusal, type RefusedEntry, type SpoolOptions, type SpoolSender } from "./spool.ts";

const frame = (runId: string, seq: number, size = 0): Frame => ({ runId, seq, at: seq, record: { type: "printf", text: `${seq}${"x".repeat(size)}\n` } });
const end = (runId: string, lastSeq: number): RunEnd => ({ runId, reason: "completed", detail: null, endedAt: 0, lastSeq });

/** A server that the test can take down and bring back; like the real one, it stores a (run, seq) once. */
class FakeServer implements SpoolSender {
  connected = true;
  stored: string[] = [];
  batches: number[] = [];
  async sendFrames(runId: string, frames: Frame[]) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (!this.connected) throw new Error("no ack");
    this.batches.push(frames.length);
    for (const f of frames) if (!this.stored.includes(`${runId}#${f.seq}`)) this.stored.push(`${runId}#${f.seq}`);
  }
  async sendEnd(report: RunEnd) {
    if (!this.connected) throw new Error("no ack");
    if (!this.stored.includes(`${report.runId}#end`)) this.stored.push(`${report.runId}#end`);
  }
}

const open: Spool[] = [];
afterEach(() => {
  for (const spool of open.splice(0)) {
    try {
      spool.close();
    } catch {
      // closed by the test
    }
  }
});

function newSpool(options: Partial<SpoolOptions> = {}, dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-spool-"))) {
  const logged: string[] = [];
  const spool = Spool.open({ dir, maxBytes: 10 * 1024 * 1024, retryDelayMs: 5, log: (message) => logged.push(message), ...options });
  open.push(spool);
  return { spool, dir, logged };
}

describe("Spool", () => {
  it("delivers frames and end reports in order, each run's end after its frames, batching consecutive frames of a run", async () => {
    const server = new FakeServer();
    server.connected = false;
    const { spool } = newSpool();
    spool.attach(server);
    for (let seq = 1; seq <= 3; seq++) spool.pushFrame(frame("a", seq));
    spool.pushFrame(frame("b", 1));
    spool.pushEnd(end("a", 3));
    spool.pushFrame(frame("b", 2));
    spool.pushEnd(end("b", 2));
    server.connected = true;
    expect(await spool.flush(2000)).toBe(true);
    expect(server.stored).toEqual(["a#1", "a#2", "a#3", "b#1", "a#end", "b#2", "b#end"]);
    expect(server.batches).toEqual([3, 1, 1]);
    expect(spool.pendingBytes).toBe(0);
  });

  it("keeps what the server did not acknowledge and sends it again after reconnection, each frame stored once", async () => {
    const server = new FakeServer();
    const { spool } = newSpool();
    spool.attach(server);
    spool.pushFrame(frame("a", 1));
    expect(await spool.flush(1000)).toBe(true);
    server.connected = false;
    for (let seq = 2; seq <= 50; seq++) spool.pushFrame(frame("a", seq));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(server.stored).toEqual(["a#1"]);
    server.connected = true;
    spool.kick();
    expect(await spool.flush(2000)).toBe(true);
    expect(server.stored).toEqual(Array.from({ length: 50 }, (_, i) => `a#${i + 1}`));
  });

  it("survives an agent restart: what was not acknowledged is delivered by the next process, in order", async () => {
    const server = new FakeServer();
    server.connected = false;
    const first = newSpool();
    first.spool.attach(server);
    for (let seq = 1; seq <= 20; seq++) first.spool.pushFrame(frame("a", seq));
    first.spool.pushEnd(end("a", 20));
    first.spool.close();

    server.connected = true;
    const second = newSpool({}, first.dir);
    second.spool.attach(server);
    expect(await second.spool.flush(2000)).toBe(true);
    expect(server.stored).toEqual([...Array.from({ length: 20 }, (_, i) => `a#${i + 1}`), "a#end"]);
    expect(second.spool.pendingBytes).toBe(0);
  });

  it("after a crash that lost the last acknowledgements, resends them and the server keeps each frame once", async () => {
    const server = new FakeServer();
    const first = newSpool();
    first.spool.attach(server);
    for (let seq = 1; seq <= 10; seq++) first.spool.pushFrame(frame("a", seq));
    expect(await first.spool.flush(1000)).toBe(true);
    // No close(): the cursor of the last acknowledgements never reached the disk (killed within its second).
    const second = newSpool({}, first.dir);
    second.spool.attach(server);
    second.spool.pushFrame(frame("a", 11));
    expect(await second.spool.flush(2000)).toBe(true);
    expect(server.stored).toEqual(Array.from({ length: 11 }, (_, i) => `a#${i + 1}`));
  });

  it("refuses frames beyond its bound, so the caller can record the gap, but always takes end reports", async () => {
    const server = new FakeServer();
    server.connected = false;
    const { spool } = newSpool({ maxBytes: 2000 });
    spool.attach(server);
    let accepted = 0;
    for (let seq = 1; seq <= 40; seq++) if (spool.pushFrame(frame("a", seq, 100))) accepted++;
    expect(accepted).toBeGreaterThan(5);
    expect(accepted).toBeLessThan(40);
    expect(spool.pendingBytes).toBeLessThanOrEqual(2000);
    spool.pushEnd(end("a", 40));
    server.connected = true;
    spool.kick();
    expect(await spool.flush(2000)).toBe(true);
    expect(server.stored.at(-1)).toBe("a#end");
    expect(spool.pushFrame(frame("b", 1, 100))).toBe(true);
  });

  it("rolls over to new segment files and deletes the ones fully acknowledged", async () => {
    const server = new FakeServer();
    const { spool, dir } = newSpool({ segmentBytes: 1024 });
    server.connected = false;
    spool.attach(server);
    for (let seq = 1; seq <= 30; seq++) spool.pushFrame(frame("a", seq, 100));
    expect(fs.readdirSync(dir).filter((name) => name.endsWith(".log")).length).toBeGreaterThan(2);
    server.connected = true;
    spool.kick();
    expect(await spool.flush(2000)).toBe(true);
    expect(server.stored).toHaveLength(30);
    expect(fs.readdirSync(dir).filter((name) => name.endsWith(".log"))).toHaveLength(1);
  });

  it("steps over a line cut off by a crash, says so, and delivers the rest", async () => {
    const server = new FakeServer();
    server.connected = false;
    const first = newSpool();
    first.spool.attach(server);
    for (let seq = 1; seq <= 3; seq++) first.spool.pushFrame(frame("a", seq));
    first.spool.close();
    const [segment] = fs.readdirSync(first.dir).filter((name) => name.endsWith(".log"));
    fs.appendFileSync(path.join(first.dir, segment!), '{"f":{"runId":"a","seq":4,"at":4,"rec');

    server.connected = true;
    const second = newSpool({}, first.dir);
    second.spool.attach(server);
    second.spool.pushFrame(frame("a", 5));
    expect(await second.spool.flush(2000)).toBe(true);
    expect(server.stored).toEqual(["a#1", "a#2", "a#3", "a#5"]);
    expect(second.logged).toContain("skipped a cut-off entry at the end of the frame spool");
  });

  it("steps over a batch the server refuses for good, reports it with the server's reason, and delivers what follows, across restarts", async () => {
    const server = new FakeServer();
    const poisoned = new Set(["a#3"]);
    let attempts = 0;
    server.sendFrames = async function (runId, frames) {
      if (frames.some((f) => poisoned.has(`${runId}#${f.seq}`))) {
        attempts++;
        throw new SpoolRefusal("Invalid payload: frames.0.record.series: expected array", "BAD_REQUEST");
      }
      return FakeServer.prototype.sendFrames.call(this, runId, frames);
    };
    server.connected = false;
    const refused: RefusedEntry[] = [];
    const first = newSpool({ onRefused: (entry) => refused.push(entry) });
    first.spool.attach(server);
    first.spool.pushFrame(frame("a", 1));
    first.spool.pushFrame(frame("a", 2));
    first.spool.pushFrame(frame("b", 1));
    first.spool.pushFrame(frame("a", 3));
    first.spool.pushEnd(end("a", 3));
    first.spool.pushFrame(frame("b", 2));
    first.spool.pushEnd(end("b", 2));
    server.connected = true;
    first.spool.kick();
    expect(await first.spool.flush(2000)).toBe(true);

    // The refused batch was sent once, not forever; everything after it arrived, in order.
    expect(attempts).toBe(1);
    expect(server.stored).toEqual(["a#1", "a#2", "b#1", "a#end", "b#2", "b#end"]);
    expect(refused).toEqual([
      {
        kind: "frames",
        runId: "a",
        fromSeq: 3,
        toSeq: 3,
        frames: 1,
        onlyGapRecords: false,
        reason: "Invalid payload: frames.0.record.series: expected array",
        serverCode: "BAD_REQUEST",
      },
    ]);
    expect(first.logged).toContain("the server refused frames; dropped them and moved on");

    // A restart does not bring the refused batch back.
    first.spool.close();
    const second = newSpool({}, first.dir);
    second.spool.attach(server);
    second.spool.pushFrame(frame("c", 1));
    expect(await second.spool.flush(2000)).toBe(true);
    expect(attempts).toBe(1);
    expect(server.stored.at(-1)).toBe("c#1");
  });

  it("tries again after an error that may pass (no answer, or the server's internal error)", async () => {
    const server = new FakeServer();
    let failures = 2;
    server.sendFrames = async function (runId, frames) {
      if (failures-- > 0) throw new Error("frames: INTERNAL: Something went wrong on the server");
      return FakeServer.prototype.sendFrames.call(this, runId, frames);
    };
    const refused: RefusedEntry[] = [];
    const { spool } = newSpool({ onRefused: (entry) => refused.push(entry) });
    spool.attach(server);
    spool.pushFrame(frame("a", 1));
    expect(await spool.flush(2000)).toBe(true);
    expect(server.stored).toEqual(["a#1"]);
    expect(refused).toEqual([]);
  });
});
