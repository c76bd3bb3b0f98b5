import "server-only";
import { HistDeltaTracker } from "@/lib/shared/bpftrace/deltas.ts";
import { addJsonInts, toJsonInt } from "@/lib/shared/bpftrace/json-int.ts";
import type { HistBucket, HistRecord, JsonInt } from "@/lib/shared/bpftrace/records.ts";
import type { FrameRecord } from "@/lib/shared/frame.ts";
import { ByteReader, ByteWriter, isWellFormedText } from "./frame-bytes.ts";

// How a frame's record and delta are stored (Frame.data; docs/frames.md,
// "Storage"). The contract is exactness: decoding gives records whose
// JSON.stringify is that of what the agent sent, key order included. So a
// record is stored compactly only when it has exactly the shape of its type
// (records.ts, frame.ts: the keys, in order, and their types); anything else
// is stored whole as a binary JSON value, still exact.
//
// First byte: the record's tag (bits 2-7) and how its delta is stored
// (bits 0-1). Tag 0 with no delta is the JSON form of frames stored before
// this encoding (migration compact_frames_move_rows): the rest is the UTF-8
// JSON array [record] or [record, delta].
//
// Compactly stored:
// - names (maps, keys, BPF program names) as numbers into the run's FrameName
//   table: a keyed map's keys are stored once per run, not once per print;
// - histogram bucket bounds as a rule: bpftrace's log2 buckets by the index of
//   the first and the count, lhist() buckets by start, step and count, any
//   others listed; counts as varints; a series' total only when it is not the
//   sum of its counts;
// - a delta (per-interval histogram) not at all when it is what
//   HistDeltaTracker computes from the map's previous stored print: the frame
//   stores how many seqs back that print is, and reading derives it again.

/** What a FrameName is (FrameName.kind). Stored: never renumber. */
export const NAME_KINDS = { histMap: 0, map: 1, key: 2, text: 3 } as const;
export type NameKind = (typeof NAME_KINDS)[keyof typeof NAME_KINDS];

/** A run's names, numbered. */
export interface FrameNames {
  textOf(id: number): string;
}
/** A run's names, numbered, and a number for a name that has none yet. */
export interface FrameNameTable extends FrameNames {
  idOf(kind: NameKind, text: string): number;
}

/** The map's previous stored print, from which a delta may be derived. */
export type PreviousPrint = { seq: number; record: FrameRecord };

export type EncodedFrame = {
  data: Uint8Array;
  /** FrameName id of the record's map name, for Frame.map; null for records without one. */
  map: number | null;
};

export type DecodedFrame = {
  record: FrameRecord;
  delta?: HistRecord;
  /** The delta is deriveDelta(the record of this seq, record). */
  deltaFromSeq?: number;
};

/** The per-interval histogram HistDeltaTracker gives for `record` after `previous`. */
export function deriveDelta(previous: HistRecord, record: HistRecord): HistRecord {
  const tracker = new HistDeltaTracker();
  tracker.next(previous);
  return tracker.next(record);
}

const DELTA = { none: 0, sameAsRecord: 1, derived: 2, stored: 3 } as const;
type DeltaMode = (typeof DELTA)[keyof typeof DELTA];
const JSON_FORM = 0;
const GENERIC_TAG = 1;

type Field =
  /** Any JSON value. */
  | { is: "value" }
  /** A string (or null, if nullable), stored as a FrameName number. */
  | { is: "name"; kind: NameKind; nullable: boolean }
  | { is: "list"; item: Field }
  /** An object with exactly these keys, in this order. */
  | { is: "struct"; fields: Fields }
  | { is: "histSeries" };
type Fields = readonly (readonly [string, Field])[];

const value: Field = { is: "value" };
const name = (kind: NameKind): Field => ({ is: "name", kind, nullable: false });
const nameOrNull = (kind: NameKind): Field => ({ is: "name", kind, nullable: true });
const listOf = (item: Field): Field => ({ is: "list", item });
const struct = (...fields: Fields): Field => ({ is: "struct", fields });
const location = [
  ["filename", value],
  ["line", value],
  ["column", value],
] as const;

/**
 * Record shapes by type, in tag order from 2. Stored: append new types at
 * the end, never reorder or change one (a changed shape is a new type tag).
 */
const RECORD_SHAPES: readonly (readonly [string, Fields])[] = [
  [
    "hist",
    [
      ["map", name(NAME_KINDS.histMap)],
      ["series", listOf({ is: "histSeries" })],
    ],
  ],
  [
    "map",
    [
      ["map", name(NAME_KINDS.map)],
      ["entries", listOf(struct(["key", nameOrNull(NAME_KINDS.key)], ["value", value]))],
    ],
  ],
  [
    "stats",
    [
      ["map", name(NAME_KINDS.map)],
      ["entries", listOf(struct(["key", nameOrNull(NAME_KINDS.key)], ["value", value]))],
    ],
  ],
  [
    "tseries",
    [
      ["map", name(NAME_KINDS.map)],
      ["series", listOf(struct(["key", nameOrNull(NAME_KINDS.key)], ["points", listOf(struct(["intervalStart", value], ["value", value]))]))],
    ],
  ],
  ["printf", [["text", value]]],
  ["time", [["text", value]]],
  ["cat", [["text", value]]],
  ["join", [["text", value]]],
  ["syscall", [["text", value]]],
  ["value", [["value", value]]],
  ["attached_probes", [["count", value]]],
  ["lost_events", [["count", value]]],
  ["helper_error", [["message", value], ["helper", value], ["retcode", value], ...location]],
  ["runtime_error", [["message", value], ...location]],
  ["errorf", [["message", value], ...location]],
  ["warnf", [["message", value], ...location]],
  ["print_error", [["message", value], ...location]],
  [
    "unrecognized",
    [
      ["bpftraceType", value],
      ["raw", value],
    ],
  ],
  [
    "overhead",
    [
      ["windowSec", value],
      ["cpuPercent", value],
      ["bpfPercent", value],
      ["bpftracePercent", value],
      ["budgetPercent", value],
      ["eventsPerSec", value],
      ["programs", listOf(struct(["id", value], ["name", nameOrNull(NAME_KINDS.text)], ["type", value], ["events", value], ["nsPerEvent", value]))],
    ],
  ],
  [
    "gap",
    [
      ["fromSeq", value],
      ["toSeq", value],
      ["frames", value],
      ["reason", value],
    ],
  ],
  [
    "oversized",
    [
      ["recordType", value],
      ["bytes", value],
    ],
  ],
];
const FIRST_SHAPE_TAG = 2;
const SHAPE_TAGS = new Map(RECORD_SHAPES.map(([type, fields], i) => [type, { tag: FIRST_SHAPE_TAG + i, fields }]));
/** Types whose `map` field goes into Frame.map. */
const MAP_KINDS = new Map<string, NameKind>([
  ["hist", NAME_KINDS.histMap],
  ["map", NAME_KINDS.map],
  ["stats", NAME_KINDS.map],
  ["tseries", NAME_KINDS.map],
]);

// ---- encoding ----

type Write = (writer: ByteWriter, names: FrameNameTable) => void;
type RecordPlan = { tag: number; write: Write };

/** A frame's record and delta as Frame.data; `previous` is the map's previous stored print, if any. */
export function encodeFrameData(frame: { seq: number; record: FrameRecord; delta?: HistRecord }, names: FrameNameTable, previous?: PreviousPrint): EncodedFrame {
  const record = planRecord(frame.record);
  let mode: DeltaMode = DELTA.none;
  let delta: RecordPlan | undefined;
  if (frame.delta !== undefined) {
    const deltaJson = JSON.stringify(frame.delta);
    if (deltaJson === JSON.stringify(frame.record)) mode = DELTA.sameAsRecord;
    else if (previous && derivesTo(previous.record, frame.record, deltaJson)) mode = DELTA.derived;
    else {
      mode = DELTA.stored;
      delta = planRecord(frame.delta);
    }
  }
  const writer = new ByteWriter();
  writer.byte((record.tag << 2) | mode);
  record.write(writer, names);
  if (mode === DELTA.derived) writer.uint(frame.seq - previous!.seq);
  if (delta) {
    writer.byte(delta.tag << 2);
    delta.write(writer, names);
  }
  const mapKind = record.tag === GENERIC_TAG ? undefined : MAP_KINDS.get(frame.record.type);
  const map = mapKind === undefined ? null : names.idOf(mapKind, (frame.record as { map: string }).map);
  return { data: writer.finish(), map };
}

/**
 * Whether the delta is what HistDeltaTracker computes from the previous print.
 * The tracker reads only what JSON carries, and reading gets prints back as
 * the same JSON, so reading derives the same delta again.
 */
function derivesTo(previous: FrameRecord, record: FrameRecord, deltaJson: string): boolean {
  if (previous.type !== "hist" || record.type !== "hist" || previous.map !== record.map) return false;
  try {
    return JSON.stringify(deriveDelta(previous, record)) === deltaJson;
  } catch {
    return false; // a print too malformed to subtract from (a sender's bug): the delta is stored
  }
}

function planRecord(record: unknown): RecordPlan {
  const type = isObject(record) && typeof record.type === "string" ? record.type : undefined;
  const shape = type === undefined ? undefined : SHAPE_TAGS.get(type);
  const write = shape && planStruct(record, [["type", value], ...shape.fields], 1);
  if (shape && write) return { tag: shape.tag, write };
  return { tag: GENERIC_TAG, write: (writer) => writer.value(record) };
}

/** Fields from index `skip` on are written (a record's type is in its tag). */
function planStruct(object: unknown, fields: Fields, skip = 0): Write | null {
  if (
    !isObject(object) ||
    !hasExactly(
      object,
      fields.map(([key]) => key),
    )
  )
    return null;
  const writes: Write[] = [];
  for (let i = skip; i < fields.length; i += 1) {
    const [key, field] = fields[i]!;
    const write = plan(object[key], field);
    if (!write) return null;
    writes.push(write);
  }
  return (writer, names) => {
    for (const write of writes) write(writer, names);
  };
}

function plan(item: unknown, field: Field): Write | null {
  switch (field.is) {
    case "value":
      // A key whose value is undefined is not in the JSON at all; the shape says it is.
      return item === undefined ? null : (writer) => writer.value(item);
    case "name": {
      // A nullable name is stored as its number + 1, 0 for null.
      const offset = field.nullable ? 1 : 0;
      if (item === null && field.nullable) return (writer) => writer.uint(0);
      // FrameName.text is UTF-8: a string with a lone surrogate goes with the record, stored whole.
      if (typeof item !== "string" || !isWellFormedText(item)) return null;
      return (writer, names) => writer.uint(names.idOf(field.kind, item) + offset);
    }
    case "list": {
      if (!Array.isArray(item)) return null;
      const writes: Write[] = [];
      for (const element of item) {
        const write = plan(element, field.item);
        if (!write) return null;
        writes.push(write);
      }
      return (writer, names) => {
        writer.uint(writes.length);
        for (const write of writes) write(writer, names);
      };
    }
    case "struct":
      return planStruct(item, field.fields);
    case "histSeries":
      return planHistSeries(item);
  }
}

// A histogram series: key, a byte of flags, the bucket bounds by their rule, the counts, the total if needed.
const SERIES = { plainCounts: 0b100, storedTotal: 0b1000, boundsRule: 0b11 } as const;
const BOUNDS = { log2: 0, linear: 1, listed: 2 } as const;
/** lhist() bounds are compared and stored as doubles; beyond this, differences could round. */
const LINEAR_LIMIT = 2 ** 50;

function planHistSeries(series: unknown): Write | null {
  if (!isObject(series) || !hasExactly(series, ["key", "buckets", "total"])) return null;
  const { key, buckets, total } = series;
  if ((key !== null && (typeof key !== "string" || !isWellFormedText(key))) || !isJsonInt(total) || !Array.isArray(buckets)) return null;
  for (const bucket of buckets) {
    if (!isObject(bucket) || !hasExactly(bucket, ["min", "max", "count"])) return null;
    if (!(bucket.min === null || isJsonInt(bucket.min)) || !(bucket.max === null || isJsonInt(bucket.max)) || !isJsonInt(bucket.count)) return null;
  }
  const typed = buckets as HistBucket[];
  const bounds = planLog2Bounds(typed) ?? planLinearBounds(typed) ?? planListedBounds(typed);
  const plainCounts = typed.every((bucket) => typeof bucket.count === "number" && bucket.count >= 0);
  const storedTotal = sumOf(typed) !== total;
  return (writer, names) => {
    writer.uint(key === null ? 0 : names.idOf(NAME_KINDS.key, key) + 1);
    writer.byte(bounds.rule | (plainCounts ? SERIES.plainCounts : 0) | (storedTotal ? SERIES.storedTotal : 0));
    bounds.write(writer);
    for (const bucket of typed) {
      if (plainCounts) writer.uint(bucket.count as number);
      else writer.value(bucket.count);
    }
    if (storedTotal) writer.value(total);
  };
}

type BoundsPlan = { rule: number; write: (writer: ByteWriter) => void };

/**
 * hist()'s buckets: index 0 holds the negative values, 1 holds 0, and k >= 2
 * holds [2^(k-2), 2^(k-1) - 1]; bounds beyond 2^53 are decimal strings, as
 * the parser gives them (lib/shared/bpftrace/json-int.ts).
 */
const LOG2_BUCKETS: readonly [JsonInt | null, JsonInt][] = Array.from({ length: 67 }, (_, k) => {
  if (k === 0) return [null, -1];
  if (k === 1) return [0, 0];
  return [toJsonInt(String(1n << BigInt(k - 2)))!, toJsonInt(String((1n << BigInt(k - 1)) - 1n))!];
});
const LOG2_INDEX = new Map(LOG2_BUCKETS.map(([min, max], k) => [JSON.stringify([min, max]), k]));

function planLog2Bounds(buckets: HistBucket[]): BoundsPlan | null {
  const first = buckets.length === 0 ? 0 : LOG2_INDEX.get(JSON.stringify([buckets[0]!.min, buckets[0]!.max]));
  if (first === undefined) return null;
  const fits = buckets.every((bucket, i) => {
    const expected = LOG2_BUCKETS[first + i];
    return expected !== undefined && bucket.min === expected[0] && bucket.max === expected[1];
  });
  if (!fits) return null;
  return {
    rule: BOUNDS.log2,
    write: (writer) => {
      writer.uint(first);
      writer.uint(buckets.length);
    },
  };
}

/**
 * lhist()'s buckets: [base + i * step, base + (i + 1) * step - 1], after an
 * optional first bucket of values below (`min` null) and before an optional
 * last one of values at or above (`max` null). Their bounds are stored as
 * offsets from where the rule puts them, usually 0.
 */
function planLinearBounds(buckets: HistBucket[]): BoundsPlan | null {
  const small = (bound: JsonInt | null): bound is number => typeof bound === "number" && Math.abs(bound) <= LINEAR_LIMIT;
  let start = 0;
  let end = buckets.length;
  let below: number | undefined;
  let above: number | undefined;
  if (buckets[0]?.min === null) {
    if (!small(buckets[0].max)) return null;
    below = buckets[0].max;
    start = 1;
  }
  if (end > start && buckets[end - 1]!.max === null) {
    if (!small(buckets[end - 1]!.min)) return null;
    above = buckets[end - 1]!.min as number;
    end -= 1;
  }
  const regular = buckets.slice(start, end);
  let base: number;
  let step = 1;
  if (regular.length > 0) {
    const [first] = regular;
    if (!small(first!.min) || !small(first!.max)) return null;
    base = first!.min;
    step = first!.max - first!.min + 1;
    if (step < 1) return null;
    const fits = regular.every((bucket, i) => bucket.min === base + i * step && bucket.max === base + (i + 1) * step - 1);
    if (!fits) return null;
  } else if (above !== undefined) {
    base = above;
  } else if (below !== undefined) {
    base = below + 1;
  } else {
    return null;
  }
  const count = regular.length;
  return {
    rule: BOUNDS.linear,
    write: (writer) => {
      writer.int(base);
      writer.uint(step);
      writer.uint(count);
      writer.byte((below !== undefined ? 1 : 0) | (above !== undefined ? 2 : 0));
      if (below !== undefined) writer.int(below - (base - 1));
      if (above !== undefined) writer.int(above - (base + count * step));
    },
  };
}

function planListedBounds(buckets: HistBucket[]): BoundsPlan {
  return {
    rule: BOUNDS.listed,
    write: (writer) => {
      writer.uint(buckets.length);
      for (const bucket of buckets) {
        writer.value(bucket.min);
        writer.value(bucket.max);
      }
    },
  };
}

// ---- decoding ----

/** A frame's record and delta from Frame.data; `seq` is the frame's own, to place a derived delta's print. */
export function decodeFrameData(data: Uint8Array, names: FrameNames, seq: number): DecodedFrame {
  if (data[0] === JSON_FORM) {
    const [record, delta] = JSON.parse(new TextDecoder().decode(data.subarray(1))) as [FrameRecord, HistRecord?];
    return delta === undefined || delta === null ? { record } : { record, delta };
  }
  const reader = new ByteReader(data);
  const first = reader.byte();
  const record = readRecord(reader, first >> 2, names);
  switch ((first & 0b11) as DeltaMode) {
    case DELTA.none:
      return { record };
    case DELTA.sameAsRecord:
      return { record, delta: JSON.parse(JSON.stringify(record)) as HistRecord };
    case DELTA.derived:
      return { record, deltaFromSeq: seq - reader.uint() };
    case DELTA.stored:
      return { record, delta: readRecord(reader, reader.byte() >> 2, names) as HistRecord };
  }
}

/** How a frame is stored (its first byte is enough), for tests and the storage benchmark. */
export function describeFrameData(data: Uint8Array): { record: "json" | "generic" | "compact"; delta: keyof typeof DELTA } {
  const first = data[0]!;
  if (first === JSON_FORM) return { record: "json", delta: "stored" };
  const delta = (Object.keys(DELTA) as (keyof typeof DELTA)[]).find((mode) => DELTA[mode] === (first & 0b11))!;
  return { record: first >> 2 === GENERIC_TAG ? "generic" : "compact", delta };
}

function readRecord(reader: ByteReader, tag: number, names: FrameNames): FrameRecord {
  if (tag === GENERIC_TAG) return reader.value() as FrameRecord;
  const shape = RECORD_SHAPES[tag - FIRST_SHAPE_TAG];
  if (!shape) throw new RangeError(`unknown record tag ${tag} in frame data`);
  const [type, fields] = shape;
  return { type, ...(readStruct(reader, fields, names) as object) } as FrameRecord;
}

function readStruct(reader: ByteReader, fields: Fields, names: FrameNames): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, field] of fields) object[key] = read(reader, field, names);
  return object;
}

function read(reader: ByteReader, field: Field, names: FrameNames): unknown {
  switch (field.is) {
    case "value":
      return reader.value();
    case "name": {
      const id = reader.uint();
      if (!field.nullable) return names.textOf(id);
      return id === 0 ? null : names.textOf(id - 1);
    }
    case "list":
      return Array.from({ length: reader.uint() }, () => read(reader, field.item, names));
    case "struct":
      return readStruct(reader, field.fields, names);
    case "histSeries":
      return readHistSeries(reader, names);
  }
}

function readHistSeries(reader: ByteReader, names: FrameNames): { key: string | null; buckets: HistBucket[]; total: JsonInt } {
  const keyId = reader.uint();
  const key = keyId === 0 ? null : names.textOf(keyId - 1);
  const flags = reader.byte();
  const bounds = readBounds(reader, flags & SERIES.boundsRule);
  const buckets = bounds.map(([min, max]): HistBucket => ({ min, max, count: (flags & SERIES.plainCounts ? reader.uint() : reader.value()) as JsonInt }));
  const total = flags & SERIES.storedTotal ? (reader.value() as JsonInt) : sumOf(buckets);
  return { key, buckets, total };
}

function readBounds(reader: ByteReader, rule: number): [JsonInt | null, JsonInt | null][] {
  switch (rule) {
    case BOUNDS.log2: {
      const first = reader.uint();
      return Array.from({ length: reader.uint() }, (_, i) => {
        const bounds = LOG2_BUCKETS[first + i];
        if (!bounds) throw new RangeError("log2 bucket beyond 2^64 in frame data");
        return [...bounds];
      });
    }
    case BOUNDS.linear: {
      const base = reader.int();
      const step = reader.uint();
      const count = reader.uint();
      const edges = reader.byte();
      const bounds: [JsonInt | null, JsonInt | null][] = [];
      if (edges & 1) bounds.push([null, base - 1 + reader.int()]);
      for (let i = 0; i < count; i += 1) bounds.push([base + i * step, base + (i + 1) * step - 1]);
      if (edges & 2) bounds.push([base + count * step + reader.int(), null]);
      return bounds;
    }
    case BOUNDS.listed:
      return Array.from({ length: reader.uint() }, () => [reader.value() as JsonInt | null, reader.value() as JsonInt | null]);
    default:
      throw new RangeError(`unknown bucket bounds rule ${rule} in frame data`);
  }
}

// ---- shapes ----

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasExactly(object: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(object);
  return own.length === keys.length && own.every((key, i) => key === keys[i]);
}

function isJsonInt(value: unknown): value is JsonInt {
  return (typeof value === "number" && Number.isSafeInteger(value)) || (typeof value === "string" && /^-?(0|[1-9]\d*)$/.test(value) && value !== "-0");
}

function sumOf(buckets: HistBucket[]): JsonInt {
  return buckets.reduce<JsonInt>((sum, bucket) => addJsonInts(sum, bucket.count), 0);
}
