import { describe, expect, it } from "vitest";
import { runsQueuedEvents } from "./notify.ts";

describe("runs.queued events", () => {
  it("carry every host once, in chunks whose payload PostgreSQL accepts (under 8000 bytes)", () => {
    // cuid-like ids, as hosts have.
    const hostIds = Array.from({ length: 5000 }, (_, i) => `cm${i.toString(36).padStart(23, "x")}`);
    const events = runsQueuedEvents(hostIds);
    expect(events.length).toBeGreaterThan(1);
    for (const event of events) expect(Buffer.byteLength(JSON.stringify(event), "utf8")).toBeLessThan(8000);
    expect(events.flatMap((event) => (event.type === "runs.queued" ? event.hostIds : []))).toEqual(hostIds);
  });

  it("is one event for a few hosts, and none for none", () => {
    expect(runsQueuedEvents(["a", "b"])).toEqual([{ type: "runs.queued", hostIds: ["a", "b"] }]);
    expect(runsQueuedEvents([])).toEqual([]);
  });
});
