import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { HistDeltaTracker } from "@/lib/shared/bpftrace/deltas.ts";
import type { HistBucket, HistRecord, JsonValue } from "@/lib/shared/bpftrace/records.ts";
import type { FrameRecord, OverheadRecord } from "@/lib/shared/frame.ts";
import { decodeFrameData, deriveDelta, encodeFrameData, describeFrameData, type FrameNameTable, type NameKind, type PreviousPrint } from "./frame-codec.ts";

/** A run's names, as the data layer keeps them. */
class Names implements FrameNameTable {
  readonly texts: string[] = [];
  readonly #ids = new Map<string, number>();
  idOf(kind: NameKind, text: string): number {
    const key = `${kind}:${text}`;
    let id = this.#ids.get(key);
    if (id === undefined) {
      id = this.texts.push(text) - 1;
      this.#ids.set(key, id);
    }
    return id;
  }
  textOf(id: number): string {
    const text = this.texts[id];
    if (text === undefined) throw new Error(`no name ${id}`);
    return text;
  }
}

type Input = { seq?: number; record: unknown; delta?: unknown };

/** Encodes and decodes one frame; a derived delta is derived from `previous` as the reader does. */
function roundTrip(frame: Input, names = new Names(), previous?: PreviousPrint) {
  const seq = frame.seq ?? 1;
  const encoded = encodeFrameData({ seq, record: frame.record as FrameRecord, delta: frame.delta as HistRecord | undefined }, names, previous);
  const decoded = decodeFrameData(encoded.data, names, seq);
  let delta = decoded.delta;
  if (decoded.deltaFromSeq !== undefined) {
    expect(decoded.deltaFromSeq).toBe(previous!.seq);
    delta = deriveDelta(previous!.record as HistRecord, decoded.record as HistRecord);
  }
  return { encoded, decoded, delta, encoding: describeFrameData(encoded.data).record };
}

/** Exactness as the readers see it: the same JSON text, key order included. */
function expectExact(frame: Input, names?: Names, previous?: PreviousPrint) {
  const result = roundTrip(frame, names, previous);
  expect(JSON.stringify(result.decoded.record)).toBe(JSON.stringify(frame.record));
  expect(JSON.stringify(result.delta)).toBe(JSON.stringify(frame.delta));
  return result;
}

const FIXTURES = path.join(import.meta.dirname, "../../shared/bpftrace/fixtures");
function fixtureRecords(): { file: string; record: FrameRecord }[] {
  return readdirSync(FIXTURES, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".expected.jsonl"))
    .sort()
    .flatMap((file) =>
      readFileSync(path.join(FIXTURES, file), "utf8")
        .split("\n")
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as FrameRecord | { skippedLine: number })
        .flatMap((record) => ("type" in record ? [{ file, record }] : [])),
    );
}

const log2 = (counts: (number | string)[], firstMin = 512): HistBucket[] => counts.map((count, i) => ({ min: firstMin * 2 ** i, max: firstMin * 2 ** (i + 1) - 1, count }));
const hist = (map: string, series: { key: string | null; buckets: HistBucket[] }[]): HistRecord => ({
  type: "hist",
  map,
  series: series.map(({ key, buckets }) => ({ key, buckets, total: buckets.reduce((sum, b) => sum + Number(b.count), 0) })),
});

const overhead: OverheadRecord = {
  type: "overhead",
  windowSec: 5,
  cpuPercent: 0.313,
  bpfPercent: 0.12,
  bpftracePercent: 0.193,
  budgetPercent: 1,
  eventsPerSec: 1300,
  programs: [
    { id: 1234, name: "tracepoint_raw_syscalls_sys_enter_1", type: 5, events: 650, nsPerEvent: 380 },
    { id: 1235, name: null, type: 5, events: 0, nsPerEvent: null },
  ],
};

describe("frame codec", () => {
  it("stores every record of the bpftrace fixtures compactly and reads each back exactly", () => {
    const records = fixtureRecords();
    expect(records.length).toBeGreaterThan(60);
    const types = new Set<string>();
    for (const { file, record } of records) {
      const { encoding } = expectExact({ record });
      expect(encoding, `${file}: ${JSON.stringify(record)}`).toBe("compact");
      types.add(record.type);
    }
    for (const type of [
      "hist",
      "map",
      "stats",
      "tseries",
      "printf",
      "time",
      "value",
      "attached_probes",
      "lost_events",
      "helper_error",
      "runtime_error",
      "errorf",
      "warnf",
      "print_error",
      "unrecognized",
    ]) {
      expect(types).toContain(type);
    }
  });

  it("stores the agent's own records compactly: overhead, gap, oversized", () => {
    const gap = { type: "gap", fromSeq: 12, toSeq: 40, frames: 29, reason: "the agent's frame buffer was full while the server was unreachable" };
    const oversized = { type: "oversized", recordType: "map", bytes: 300_000 };
    for (const record of [overhead, gap, oversized]) expect(expectExact({ record }).encoding).toBe("compact");
  });

  it("derives each print's delta from the previous one, as the agent computed it, for a recorded run", () => {
    const records = fixtureRecords().filter(({ file, record }) => file.includes("syscall-latency-interval") && record.type === "hist");
    const tracker = new HistDeltaTracker();
    const names = new Names();
    const byMap = new Map<string, PreviousPrint>();
    let derived = 0;
    records.forEach(({ record }, i) => {
      const print = record as HistRecord;
      const delta = tracker.next(print);
      const frame = { seq: i + 1, record: print, ...(delta === print ? {} : { delta }) };
      const previous = byMap.get(print.map);
      const { decoded } = expectExact(frame, names, previous);
      if (decoded.deltaFromSeq !== undefined) derived += 1;
      byMap.set(print.map, { seq: frame.seq, record: print });
    });
    expect(derived).toBeGreaterThan(2);
  });

  it("stores a delta that does not follow from the previous stored print (frames were lost in between)", () => {
    const first = hist("@usecs", [{ key: null, buckets: log2([1, 10, 3]) }]);
    const lost = hist("@usecs", [{ key: null, buckets: log2([2, 20, 6]) }]);
    const third = hist("@usecs", [{ key: null, buckets: log2([3, 30, 9]) }]);
    const tracker = new HistDeltaTracker();
    tracker.next(first);
    tracker.next(lost);
    const delta = tracker.next(third);
    const { decoded } = expectExact({ seq: 3, record: third, delta }, new Names(), { seq: 1, record: first });
    expect(decoded.deltaFromSeq).toBeUndefined();
    expect(decoded.delta).toBeDefined();
  });

  it("stores the delta when the previous print cannot be subtracted from, and derives it from a print stored in another key order", () => {
    const first = hist("@usecs", [{ key: null, buckets: log2([1, 10, 3]) }]);
    const second = hist("@usecs", [{ key: null, buckets: log2([2, 20, 6]) }]);
    const delta = deriveDelta(first, second);
    const broken = { type: "hist", map: "@usecs", series: [{ key: null, buckets: [{ min: 512, max: 1023, count: { not: "a count" } }], total: 1 }] } as unknown as FrameRecord;
    expect(expectExact({ seq: 2, record: second, delta }, new Names(), { seq: 1, record: broken }).decoded.deltaFromSeq).toBeUndefined();
    // As the old layout's JSONB gave prints back: keys sorted by length.
    const reordered = JSON.parse(JSON.stringify({ map: first.map, type: first.type, series: first.series })) as FrameRecord;
    expect(expectExact({ seq: 2, record: second, delta }, new Names(), { seq: 1, record: reordered }).decoded.deltaFromSeq).toBe(1);
  });

  it("keeps big integers exact: counts, totals, bounds and values beyond 2^53 as decimal strings", () => {
    const big = "72057594037927935";
    const counts = hist("@big", [
      {
        key: "k",
        buckets: [
          { min: 1024, max: 2047, count: big },
          { min: 2048, max: 4095, count: 3 },
        ],
      },
    ]);
    counts.series[0]!.total = "72057594037927938";
    expectExact({ record: counts });
    // log2 buckets near 2^63, whose bounds the parser gives as strings.
    const high = { type: "hist", map: "@ns", series: [{ key: null, buckets: [{ min: "4611686018427387904", max: "9223372036854775807", count: 1 }], total: 1 }] };
    expect(expectExact({ record: high }).encoding).toBe("compact");
    expectExact({
      record: {
        type: "map",
        map: "@m",
        entries: [
          { key: big, value: "-9223372036854775807" },
          { key: null, value: [1, big, { deep: big }] },
        ],
      },
    });
    expectExact({ record: { type: "tseries", map: "@t", series: [{ key: null, points: [{ intervalStart: "1758100000000000000", value: 9 }] }] } });
    // A safe integer sent as a string stays a string; a non-canonical one stays as it was.
    for (const text of ["5", "007", "-0", "+3", "1e3"]) expectExact({ record: { type: "map", map: "@s", entries: [{ key: null, value: text }] } });
  });

  it("reads empty maps and zeroed histograms back", () => {
    expectExact({ record: hist("@zeroed", [{ key: null, buckets: [] }]) });
    expectExact({ record: { type: "hist", map: "@none", series: [] } });
    expectExact({ record: { type: "map", map: "@calls", entries: [] } });
    expectExact({ record: { type: "stats", map: "@avg", entries: [] } });
  });

  it("stores a keyed map's keys once per run, and reads them back in print order", () => {
    const names = new Names();
    const comms = ["bash", "sshd", "postgres", "node", "kworker/0:1", "café ✓", "", "a,b"];
    const record = hist(
      "@usecs",
      comms.map((key, i) => ({ key, buckets: log2([i + 1, 10 * i, 3]) })),
    );
    const first = expectExact({ record }, names);
    const again = expectExact({ record }, names);
    expect(names.texts).toEqual(["@usecs", ...comms]);
    expect(again.encoded.data.length).toBe(first.encoded.data.length);
    const counts = { type: "map", map: "@calls", entries: comms.map((key, i) => ({ key, value: i * 1000 })) };
    expectExact({ record: counts }, names);
    // A stats() summary and an avg() value side by side.
    expectExact(
      {
        record: {
          type: "stats",
          map: "@lat",
          entries: [
            { key: "bash", value: { count: 2, average: 15, total: 31 } },
            { key: "sshd", value: 7 },
          ],
        },
      },
      names,
    );
  });

  it("reads negative, underflow and open-ended buckets back: hist() and lhist() with any base", () => {
    const negative = {
      type: "hist",
      map: "@h",
      series: [
        {
          key: null,
          buckets: [
            { min: null, max: -1, count: 1 },
            { min: 0, max: 0, count: 2 },
            { min: 1, max: 1, count: 0 },
            { min: 2, max: 3, count: 4 },
          ],
          total: 7,
        },
      ],
    };
    const belowZero = {
      type: "hist",
      map: "@l",
      series: [
        {
          key: null,
          buckets: [
            { min: null, max: -101, count: 1 },
            { min: -100, max: -91, count: 0 },
            { min: -90, max: -81, count: 5 },
            { min: -80, max: null, count: 2 },
          ],
          total: 8,
        },
      ],
    };
    const overflowOnly = { type: "hist", map: "@by_disk", series: [{ key: "nvme0n1", buckets: [{ min: 10, max: null, count: 1 }], total: 1 }] };
    const underflowOnly = { type: "hist", map: "@u", series: [{ key: null, buckets: [{ min: null, max: 9, count: 4 }], total: 4 }] };
    // bpftrace 0.17's hist() of a value >= 2^31 prints a wrong bucket; it is kept as printed.
    const wrong = {
      type: "hist",
      map: "@w",
      series: [
        {
          key: null,
          buckets: [
            { min: -2147483648, max: 0, count: 1 },
            { min: 1, max: 1, count: 1 },
          ],
          total: 2,
        },
      ],
    };
    for (const record of [negative, belowZero, overflowOnly, underflowOnly, wrong]) expect(expectExact({ record }).encoding).toBe("compact");
  });

  it("stores a 12-bucket log2 print and its derived delta in a few dozen bytes", () => {
    const names = new Names();
    const perSecond = [2, 40, 620, 310, 14, 5, 2, 1, 1, 0, 1, 1];
    const print = (second: number) =>
      hist("@usecs", [
        {
          key: null,
          buckets: log2(
            perSecond.map((n) => n * second * 86_400),
            64,
          ),
        },
      ]);
    const before = print(1);
    const now = print(2);
    const { encoded, decoded } = expectExact({ seq: 3, record: now, delta: deriveDelta(before, now) }, names, { seq: 1, record: before });
    expect(decoded.deltaFromSeq).toBe(1);
    expect(JSON.stringify({ record: now, delta: deriveDelta(before, now) }).length).toBeGreaterThan(1000);
    expect(encoded.data.length).toBeLessThan(64);
  });

  it("stores a delta equal to its record without repeating it", () => {
    const record = hist("@usecs", [{ key: null, buckets: log2([1, 2, 3]) }]);
    const alone = roundTrip({ record }).encoded.data.length;
    expect(expectExact({ record, delta: record }).encoded.data.length).toBe(alone);
  });

  it("stores records that are not exactly of their type's shape whole, and still reads them back exactly", () => {
    const odd: unknown[] = [
      { map: "@usecs", type: "hist", series: [] }, // keys in another order
      { type: "hist", map: "@usecs", series: [], extra: true },
      { type: "hist", map: null, series: [] },
      { type: "hist", map: "@f", series: [{ key: null, buckets: [{ min: 1, max: 1, count: 1.5 }], total: 1.5 }] },
      { type: "hist", map: "@o", series: [{ key: null, buckets: [{ min: 1, max: 1, count: 1, note: "x" }], total: 1 }] },
      { type: "printf" },
      { type: "future_record", data: { nested: [1, 2, { __proto__: 1, constructor: "x" }] } },
      { type: "overhead", windowSec: 5 },
    ];
    for (const record of odd) expect(expectExact({ record }).encoding).toBe("generic");
    // A lone surrogate (JSON carries it as an escape, UTF-8 cannot): in a map's key the record goes whole, in text it stays compact.
    const lone = JSON.parse('"half \\ud83d of an emoji"') as string;
    expect(expectExact({ record: { type: "map", map: "@m", entries: [{ key: lone, value: 1 }] } }).encoding).toBe("generic");
    expect(expectExact({ record: { type: "printf", text: lone } }).encoding).toBe("compact");
    expectExact({ record: { type: "value", value: { [lone]: [lone] } } });
    // A key JSON.parse makes an own property must stay one, not become the prototype.
    const proto = JSON.parse('{"type":"value","value":{"__proto__":{"x":1}}}') as FrameRecord;
    expect(JSON.stringify(roundTrip({ record: proto }).decoded.record)).toBe(JSON.stringify(proto));
  });

  it("keeps numbers as JSON prints them: decimals, exponents, the limits of safe integers", () => {
    const numbers = [
      0,
      -0,
      1,
      -1,
      239,
      240,
      255,
      256,
      -129,
      0.31,
      0.313,
      -0.5,
      123.456,
      1e-7,
      1.5e300,
      1e21,
      2 ** 53,
      -(2 ** 53),
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      0.1 + 0.2,
      Math.PI,
    ];
    expectExact({ record: { type: "value", value: numbers } });
    expectExact({ record: { ...overhead, cpuPercent: 0.1 + 0.2, eventsPerSec: 2 ** 60 } });
  });

  it("reads frames stored in the JSON form of the old layout", () => {
    const record = hist("@usecs", [{ key: null, buckets: log2([1, 2]) }]);
    const json = (value: unknown) => new Uint8Array([0, ...new TextEncoder().encode(JSON.stringify(value))]);
    expect(decodeFrameData(json([record]), new Names(), 1)).toEqual({ record });
    expect(decodeFrameData(json([record, record]), new Names(), 1)).toEqual({ record, delta: record });
    expect(describeFrameData(json([record])).record).toBe("json");
  });

  it("reads back exactly whatever random records and values it is given", () => {
    let state = 12345;
    const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
    const jsonValue = (depth: number): JsonValue => {
      switch (Math.floor(random() * (depth > 2 ? 5 : 7))) {
        case 0:
          return pick([null, true, false]);
        case 1:
          return Math.floor((random() - 0.5) * 2 ** (random() * 60));
        case 2:
          return (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
        case 3:
          return pick(["", "tick 7\n", "café ✓", "18446744073709551615", "-42", "0x10", "\u0000\ud83d\ude00"]);
        case 4:
          return String(Math.floor(random() * 2 ** 62)) + String(Math.floor(random() * 1000));
        case 5:
          return Array.from({ length: Math.floor(random() * 4) }, () => jsonValue(depth + 1));
        default:
          return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, (_, i) => [pick(["a", "count", "average", "total", "2", `k${i}`]), jsonValue(depth + 1)]));
      }
    };
    const names = new Names();
    for (let i = 0; i < 500; i += 1) {
      expectExact({ record: { type: "value", value: jsonValue(0) } }, names);
      expectExact({ record: { type: "map", map: "@m", entries: [{ key: pick([null, "a", "b"]), value: jsonValue(0) }] } }, names);
      const first = Math.floor(random() * 60);
      const buckets = Array.from({ length: Math.floor(random() * 6) }, (_, j) => ({ min: 2 ** (first + j), max: 2 ** (first + j + 1) - 1, count: Math.floor(random() * 1e6) }));
      expectExact({ record: { type: "hist", map: "@r", series: [{ key: null, buckets, total: buckets.reduce((s, b) => s + b.count, 0) }] } }, names);
    }
  });
});
