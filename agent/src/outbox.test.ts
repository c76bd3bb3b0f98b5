import { describe, expect, it } from "vitest";
import type { Frame } from "@/lib/shared/frame.ts";
import type { RunEnd } from "@/lib/shared/socket-events.ts";
import { Outbox, type OutboxSender } from "./outbox.ts";

const frame = (runId: string, seq: number): Frame => ({ runId, seq, at: seq, record: { type: "value", value: seq } });

/** A server that the test can take down and bring back, recording what it stored. */
class FakeServer implements OutboxSender {
  connected = true;
  failNext = 0;
  stored: string[] = [];
  async sendFrames(runId: string, frames: Frame[]) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (!this.connected || this.failNext-- > 0) throw new Error("no ack");
    // Like the server: a frame stored twice is kept once.
    for (const f of frames) if (!this.stored.includes(`${runId}#${f.seq}`)) this.stored.push(`${runId}#${f.seq}`);
  }
  async sendEnd(report: RunEnd) {
    if (!this.connected) throw new Error("no ack");
    this.stored.push(`${report.runId}#end`);
  }
}

const end = (runId: string, lastSeq: number): RunEnd => ({ runId, reason: "completed", detail: null, endedAt: 0, lastSeq });

describe("Outbox", () => {
  it("delivers frames and the end report in order, the end only after every frame", async () => {
    const server = new FakeServer();
    const outbox = new Outbox(server, { maxQueuedFrames: 100, onDropped: () => {}, retryDelayMs: 5 });
    for (let seq = 1; seq <= 5; seq++) outbox.pushFrame(frame("r1", seq));
    outbox.pushEnd(end("r1", 5));
    expect(await outbox.flush(1000)).toBe(true);
    expect(server.stored).toEqual(["r1#1", "r1#2", "r1#3", "r1#4", "r1#5", "r1#end"]);
  });

  it("keeps unacknowledged frames while the server is away and delivers each exactly once after it returns", async () => {
    const server = new FakeServer();
    const outbox = new Outbox(server, { maxQueuedFrames: 100, onDropped: () => {}, retryDelayMs: 5 });
    outbox.pushFrame(frame("r1", 1));
    await outbox.flush(1000);
    server.connected = false;
    for (let seq = 2; seq <= 4; seq++) outbox.pushFrame(frame("r1", seq));
    outbox.pushEnd(end("r1", 4));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(server.stored).toEqual(["r1#1"]);
    server.connected = true;
    outbox.kick();
    expect(await outbox.flush(1000)).toBe(true);
    expect(server.stored).toEqual(["r1#1", "r1#2", "r1#3", "r1#4", "r1#end"]);
  });

  it("retries a batch whose acknowledgement was lost; the server keeps one copy", async () => {
    const server = new FakeServer();
    server.failNext = 2;
    const outbox = new Outbox(server, { maxQueuedFrames: 100, onDropped: () => {}, retryDelayMs: 5 });
    outbox.pushFrame(frame("r1", 1));
    outbox.pushFrame(frame("r1", 2));
    expect(await outbox.flush(1000)).toBe(true);
    expect(server.stored).toEqual(["r1#1", "r1#2"]);
  });

  it("when its bound is reached, drops the oldest frames and says how many, never silently", async () => {
    const server = new FakeServer();
    server.connected = false;
    const dropped: [string, number][] = [];
    const outbox = new Outbox(server, { maxQueuedFrames: 3, onDropped: (runId, count) => dropped.push([runId, count]), retryDelayMs: 5 });
    outbox.pushFrame(frame("a", 1));
    outbox.pushFrame(frame("b", 1));
    outbox.pushFrame(frame("b", 2));
    outbox.pushFrame(frame("b", 3));
    expect(dropped).toEqual([["a", 1]]);
    server.connected = true;
    outbox.kick();
    await outbox.flush(1000);
    expect(server.stored).toEqual(["b#1", "b#2", "b#3"]);
  });

  it("never adds frames to the batch that is on the wire", async () => {
    const server = new FakeServer();
    const outbox = new Outbox(server, { maxQueuedFrames: 100, onDropped: () => {}, retryDelayMs: 5 });
    outbox.pushFrame(frame("r1", 1)); // starts sending at once
    outbox.pushFrame(frame("r1", 2)); // arrives while #1 is in flight
    expect(await outbox.flush(1000)).toBe(true);
    expect(server.stored).toEqual(["r1#1", "r1#2"]);
  });
});
