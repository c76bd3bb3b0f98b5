import { describe, expect, it } from "vitest";
import { OfflineGrace } from "./offline-grace.ts";

/** A fake clock with timers that fire when the test moves time on. */
function fakeTime() {
  let now = 0;
  const timers = new Set<{ at: number; run: () => void }>();
  return {
    now: () => now,
    schedule(run: () => void, ms: number) {
      const timer = { at: now + ms, run };
      timers.add(timer);
      return () => timers.delete(timer);
    },
    advance(ms: number) {
      now += ms;
      for (const timer of [...timers]) {
        if (timer.at <= now) {
          timers.delete(timer);
          timer.run();
        }
      }
    },
  };
}

function grace(time: ReturnType<typeof fakeTime>) {
  const events: string[] = [];
  const watch = new OfflineGrace({
    graceMs: 60_000,
    now: time.now,
    schedule: time.schedule,
    onOffline: (since) => events.push(`offline since ${since}`),
    onBackOnline: (offlineMs) => events.push(`back after ${offlineMs}`),
  });
  return { watch, events };
}

describe("OfflineGrace", () => {
  it("counts the agent offline once the server has been away for the whole grace, and says when it is back", () => {
    const time = fakeTime();
    const { watch, events } = grace(time);
    watch.connected();
    time.advance(1000);
    watch.disconnected();
    time.advance(59_999);
    expect(watch.offline).toBe(false);
    watch.disconnected(); // a failed reconnection attempt: still the same outage
    time.advance(1);
    expect(watch.offline).toBe(true);
    expect(events).toEqual(["offline since 1000"]);
    time.advance(10_000);
    watch.connected();
    expect(watch.offline).toBe(false);
    expect(events).toEqual(["offline since 1000", "back after 70000"]);
  });

  it("lets a blip shorter than the grace pass unnoticed", () => {
    const time = fakeTime();
    const { watch, events } = grace(time);
    watch.disconnected();
    time.advance(30_000);
    watch.connected();
    time.advance(120_000);
    expect(events).toEqual([]);
    expect(watch.since).toBeNull();
  });

  it("counts the time before the first connection as away", () => {
    const time = fakeTime();
    const { watch, events } = grace(time);
    watch.disconnected(); // the agent started; the server is not there
    time.advance(60_000);
    expect(events).toEqual(["offline since 0"]);
  });

  it("starts nothing once disposed, so the agent's own disconnection on shutdown leaves no timer behind", () => {
    const time = fakeTime();
    const { watch, events } = grace(time);
    watch.connected();
    watch.dispose();
    watch.disconnected();
    time.advance(120_000);
    expect(events).toEqual([]);
    expect(watch.since).toBeNull();
  });
});
