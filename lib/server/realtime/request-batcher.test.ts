import { describe, expect, it } from "vitest";
import { RequestBatcher } from "./request-batcher.ts";

describe("RequestBatcher", () => {
  it("answers requests that arrive together in one batch, and later ones in the next", async () => {
    const batches: number[][] = [];
    const batcher = new RequestBatcher<number, number>(async (inputs) => {
      batches.push(inputs);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return inputs.map((n) => n * 10);
    });
    const first = [1, 2, 3].map((n) => batcher.submit(n));
    await new Promise((resolve) => setImmediate(resolve));
    // These arrive while the first batch is being handled: they wait for the next one, together.
    const second = [4, 5].map((n) => batcher.submit(n));
    expect(await Promise.all([...first, ...second])).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it("refuses one request alone when its answer is an Error, and every request of a batch whose handler throws", async () => {
    let calls = 0;
    const batcher = new RequestBatcher<string, string>(async (inputs) => {
      calls++;
      if (calls === 2) throw new Error("database gone");
      return inputs.map((s) => (s === "bad" ? new Error(`no: ${s}`) : s.toUpperCase()));
    });
    const answers = await Promise.allSettled(["a", "bad", "c"].map((s) => batcher.submit(s)));
    expect(answers.map((a) => (a.status === "fulfilled" ? a.value : (a.reason as Error).message))).toEqual(["A", "no: bad", "C"]);
    const failed = await Promise.allSettled(["d", "e"].map((s) => batcher.submit(s)));
    expect(failed.map((a) => a.status)).toEqual(["rejected", "rejected"]);
    // One failed batch blocks nothing after it.
    expect(await batcher.submit("f")).toBe("F");
  });

  it("splits a flood into batches of at most maxBatch", async () => {
    const sizes: number[] = [];
    const batcher = new RequestBatcher<number, number>(async (inputs) => {
      sizes.push(inputs.length);
      return inputs;
    }, 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(i)));
    expect(sizes).toEqual([4, 4, 2]);
  });
});
