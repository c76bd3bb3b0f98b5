import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { LocalStop } from "@/lib/protocol/agent-events.ts";
import { LocalStopSwitch } from "./local-stop.ts";

function switchIn(dir: string) {
  const file = path.join(dir, "stop");
  const changes: LocalStop[] = [];
  const stop = new LocalStopSwitch({ file, onChange: (state) => changes.push(state) });
  return { file, stop, changes };
}

describe("LocalStopSwitch", () => {
  it("is engaged while the file exists, with its first line as the reason and its time as since, and released when it is removed", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-stop-"));
    const { file, stop, changes } = switchIn(dir);
    expect(stop.check()).toEqual({ engaged: false, since: null, reason: null });
    expect(changes).toEqual([]); // nothing changed

    fs.writeFileSync(file, "  disk replacement, ask Dana \u0007\nsecond line is not the reason\n");
    const engagedAt = new Date("2026-12-04T08:00:00.000Z");
    fs.utimesSync(file, engagedAt, engagedAt);
    expect(stop.check()).toEqual({ engaged: true, since: engagedAt.getTime(), reason: "disk replacement, ask Dana" });
    expect(stop.describe()).toBe(`${file}, since 2026-12-04T08:00:00.000Z: disk replacement, ask Dana`);

    // A new reason is a change; the switch stays engaged since the first time.
    fs.writeFileSync(file, "disk replacement done, checking RAID\n");
    stop.check();
    expect(stop.state).toEqual({ engaged: true, since: engagedAt.getTime(), reason: "disk replacement done, checking RAID" });
    stop.check(); // nothing new
    expect(changes).toHaveLength(2);

    fs.rmSync(file);
    expect(stop.check()).toEqual({ engaged: false, since: null, reason: null });
    expect(changes.map((change) => change.engaged)).toEqual([true, true, false]);
  });

  it("is engaged by anything at the path, without a reason when it says nothing, and caps a long reason", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-stop-"));
    const { file, stop } = switchIn(dir);
    fs.mkdirSync(file);
    expect(stop.check()).toMatchObject({ engaged: true, reason: null });
    fs.rmdirSync(file);
    fs.writeFileSync(file, "");
    expect(stop.check()).toMatchObject({ engaged: true, reason: null });
    expect(stop.describe()).toMatch(/^\/.*\/stop, since \d{4}-.*Z$/);
    fs.writeFileSync(file, "x".repeat(3000));
    expect(stop.check().reason).toHaveLength(500);
  });

  it("is released when its directory does not exist", () => {
    const stop = new LocalStopSwitch({ file: "/nonexistent-dir-of-the-test/stop", onChange: () => {} });
    expect(stop.check().engaged).toBe(false);
  });

  it("notices the file by itself once started", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-stop-"));
    const file = path.join(dir, "stop");
    const changes: LocalStop[] = [];
    const stop = new LocalStopSwitch({ file, pollMs: 20, onChange: (state) => changes.push(state) });
    stop.start();
    try {
      fs.writeFileSync(file, "maintenance\n");
      await expect.poll(() => changes.at(-1)?.reason, { timeout: 2000 }).toBe("maintenance");
      fs.rmSync(file);
      await expect.poll(() => changes.at(-1)?.engaged, { timeout: 2000 }).toBe(false);
    } finally {
      stop.dispose();
    }
  });
});
