import { describe, expect, it } from "vitest";
import { DbShare } from "./db-share.ts";

const later = () => {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { done, release };
};

describe("DbShare", () => {
  it("runs at most its concurrency at once, queues a few, and refuses the rest with TOO_MANY_REQUESTS", async () => {
    const share = new DbShare("live views", 2, 1);
    let running = 0;
    let most = 0;
    const gates = [later(), later(), later()];
    const work = (gate: { done: Promise<void> }) => async () => {
      running++;
      most = Math.max(most, running);
      await gate.done;
      running--;
      return "ok";
    };
    const first = share.run(work(gates[0]!));
    const second = share.run(work(gates[1]!));
    const queued = share.run(work(gates[2]!));
    await expect(share.run(async () => "never")).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS", message: expect.stringContaining("live views") });
    gates.forEach((gate) => gate.release());
    expect(await Promise.all([first, second, queued])).toEqual(["ok", "ok", "ok"]);
    expect(most).toBe(2);
    // The slots came back: it takes work again.
    expect(await share.run(async () => "again")).toBe("again");
  });

  it("gives the slot back when the work fails", async () => {
    const share = new DbShare("x", 1, 0);
    await expect(share.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await share.run(async () => 1)).toBe(1);
  });

  it("holds an acquired slot until it is released, and a second release gives nothing extra back", async () => {
    const share = new DbShare("exports", 1, 0);
    const release = await share.acquire();
    await expect(share.run(async () => 1)).rejects.toThrow("The server is busy with exports");
    release();
    release();
    const again = await share.acquire();
    await expect(share.acquire()).rejects.toThrow("busy");
    again();
  });
});
