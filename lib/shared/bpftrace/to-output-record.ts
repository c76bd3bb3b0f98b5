// Turns one parsed line of `bpftrace -f json` into an OutputRecord
// (records.ts). The differences between bpftrace 0.17 and 0.27 that survive
// JSON parsing are absorbed here, each named where it is handled; the sources
// are cited in fixtures/README.md.
//
// A line read with plain JSON.parse may have lost what json-repairs.ts
// describes: integers beyond 2^53 and the order of integer-like keys. Building
// its record notices either on the way (an integer number that is not a safe
// integer, an integer-like first key) and throws InexactReadingError naming
// the rewrite the line needs, so the caller reads it again rewritten. Lines
// that need neither, nearly all of them, pay nothing for the check. Every
// string that reaches a record goes through repairText.
import { addJsonInts, toJsonInt } from "./json-int.ts";
import { repairText, restoreMapKey, type LineRewrites } from "./json-repairs.ts";
import {
  DIAGNOSTIC_RECORD_TYPES,
  type HistBucket,
  type HistRecord,
  type HistSeries,
  type JsonInt,
  type JsonValue,
  type MapRecord,
  type OutputRecord,
  type StatsRecord,
  type StatsSummary,
  type TseriesPoint,
  type TseriesRecord,
} from "./records.ts";

/** The line is JSON but not a bpftrace record (no string `type`): a traced child's own output, say. */
export class NotARecordError extends Error {
  override name = "NotARecordError";
}

/** The line is a bpftrace record of a known type whose shape does not match any bpftrace version. */
export class RecordShapeError extends Error {
  override name = "RecordShapeError";
}

/** JSON.parse may have lost integer digits or key order in this line: parse it again with `rewrite` applied. */
export class InexactReadingError extends Error {
  override name = "InexactReadingError";
  constructor(readonly rewrite: keyof LineRewrites) {
    super(`the line needs the ${rewrite} rewrite`);
  }
}

// Thrown as shared instances: building an Error captures a stack trace, which
// would cost more than the rest of the detour these lines take.
const NEEDS_EXACT_INTEGERS = new InexactReadingError("exactIntegers");
const NEEDS_KEY_ORDER = new InexactReadingError("keyOrder");

type JsonObject = { [key: string]: unknown };
type RawBucket = { min?: unknown; max?: unknown; count?: unknown };

/** V8 enumerates array-index keys first, so if any key is one, the first key is. */
const ARRAY_INDEX_KEY = /^(?:0|[1-9]\d*)$/;

/** `rewrites`: the rewrites applied to the line before JSON.parse made `parsed`. */
export function toOutputRecord(parsed: unknown, rewrites: LineRewrites): OutputRecord {
  return BUILDERS[Number(rewrites.exactIntegers)]![Number(rewrites.keyOrder)]!.record(parsed);
}

class RecordBuilder {
  constructor(
    private readonly exactIntegers: boolean,
    private readonly keyOrder: boolean,
  ) {}

  record(parsed: unknown): OutputRecord {
    if (!isObject(parsed) || typeof parsed.type !== "string") throw new NotARecordError('no string "type" field');
    const type = parsed.type;
    switch (type) {
      case "hist":
        return this.hist(parsed);
      case "map":
        return this.map(parsed);
      case "stats":
        return this.stats(parsed);
      case "tseries":
        return this.tseries(parsed);
      case "value":
        if (!("data" in parsed)) throw new RecordShapeError('no "data" field');
        return { type, value: this.value(parsed.data) };
      case "attached_probes":
        return { type, count: this.count(parsed, "probes") };
      case "lost_events":
        return { type, count: this.count(parsed, "events") };
      case "printf":
      case "time":
      case "cat":
      case "join":
      case "syscall":
        if (typeof parsed.data !== "string") throw new RecordShapeError('"data" is not a string');
        return { type, text: repairText(parsed.data) };
      case "helper_error":
        // bpftrace 0.17 prints no "msg"; "filename" appears in 0.24.
        return {
          type,
          message: optionalString(parsed.msg),
          helper: optionalString(parsed.helper),
          retcode: optionalInteger(parsed.retcode),
          ...locationOf(parsed),
        };
    }
    if (isOneOf(type, DIAGNOSTIC_RECORD_TYPES)) return { type, message: optionalString(parsed.msg), ...locationOf(parsed) };
    return { type: "unrecognized", bpftraceType: type, raw: this.value(parsed) };
  }

  private hist(line: JsonObject): HistRecord {
    const [map, value] = soleMap(line);
    if (Array.isArray(value)) return { type: "hist", map, series: [this.histSeries(null, value)] };
    if (!isObject(value)) throw new RecordShapeError(`${map} is neither a bucket list nor keyed bucket lists`);
    return {
      type: "hist",
      map,
      series: this.keysOf(value).map(([key, printedKey]) => {
        const buckets = value[key];
        if (!Array.isArray(buckets)) throw new RecordShapeError(`${map}[${printedKey}] is not a bucket list`);
        return this.histSeries(printedKey, buckets);
      }),
    };
  }

  // The hot path: every bucket of every histogram print comes through here.
  private histSeries(key: string | null, rawBuckets: unknown[]): HistSeries {
    const buckets: HistBucket[] = new Array(rawBuckets.length);
    let total: JsonInt = 0;
    for (let i = 0; i < rawBuckets.length; i++) {
      const raw = rawBuckets[i];
      if (typeof raw !== "object" || raw === null) throw new RecordShapeError(`bucket ${i} is not an object`);
      const { min, max, count } = raw as RawBucket;
      const bucket: HistBucket = {
        // bpftrace leaves "min" out of the bucket below the first bound (hist's
        // negative bucket, lhist's below-min bucket) and "max" out of lhist's
        // at-or-above-max bucket.
        min: min === undefined ? null : this.integer(min, "min", i),
        max: max === undefined ? null : this.integer(max, "max", i),
        count: this.integer(count, "count", i),
      };
      buckets[i] = bucket;
      total = addJsonInts(total, bucket.count);
    }
    return { key, buckets, total };
  }

  private map(line: JsonObject): MapRecord {
    const [map, value] = soleMap(line);
    // An unkeyed map holding a struct prints exactly like a keyed map (an
    // object); bpftrace's JSON cannot tell them apart, so objects read as keyed.
    if (!isObject(value)) return { type: "map", map, entries: [{ key: null, value: this.value(value) }] };
    return {
      type: "map",
      map,
      entries: this.keysOf(value).map(([key, printedKey]) => ({ key: printedKey, value: this.value(value[key]) })),
    };
  }

  private stats(line: JsonObject): StatsRecord {
    const [map, value] = soleMap(line);
    // avg() prints a bare average, stats() a {count, average, total} summary.
    const unkeyed = this.average(value) ?? this.summary(value);
    if (unkeyed !== undefined) return { type: "stats", map, entries: [{ key: null, value: unkeyed }] };
    if (!isObject(value)) throw new RecordShapeError(`${map} is neither an average, a summary nor keyed values`);
    return {
      type: "stats",
      map,
      entries: this.keysOf(value).map(([key, printedKey]) => {
        const entry = this.average(value[key]) ?? this.summary(value[key]);
        if (entry === undefined) throw new RecordShapeError(`${map}[${printedKey}] is neither an average nor a summary`);
        return { key: printedKey, value: entry };
      }),
    };
  }

  private average(value: unknown): JsonInt | undefined {
    return isObject(value) ? undefined : this.integer(value, "average");
  }

  /**
   * A keyed avg() map whose keys are exactly "count", "average" and "total"
   * would read as one summary: bpftrace's JSON cannot tell them apart.
   */
  private summary(value: unknown): StatsSummary | undefined {
    if (!isObject(value) || Object.keys(value).length !== 3 || !("count" in value && "average" in value && "total" in value)) {
      return undefined;
    }
    return {
      count: this.integer(value.count, "count"),
      average: this.integer(value.average, "average"),
      total: this.integer(value.total, "total"),
    };
  }

  private tseries(line: JsonObject): TseriesRecord {
    const [map, value] = soleMap(line);
    if (Array.isArray(value)) return { type: "tseries", map, series: [{ key: null, points: this.points(value) }] };
    if (!isObject(value)) throw new RecordShapeError(`${map} is neither a point list nor keyed point lists`);
    return {
      type: "tseries",
      map,
      series: this.keysOf(value).map(([key, printedKey]) => {
        const points = value[key];
        if (!Array.isArray(points)) throw new RecordShapeError(`${map}[${printedKey}] is not a point list`);
        return { key: printedKey, points: this.points(points) };
      }),
    };
  }

  private points(rawPoints: unknown[]): TseriesPoint[] {
    return rawPoints.map((raw, i) => {
      if (!isObject(raw) || !("interval_start" in raw)) throw new RecordShapeError(`point ${i} has no interval_start`);
      return { intervalStart: this.value(raw.interval_start), value: this.value(raw.value ?? null) };
    });
  }

  /**
   * bpftrace up to 0.23 prints {"data": {"probes": N}} (or {"events": N});
   * 0.24 adds a top-level "count" next to "data"; master between PR #4302 and
   * PR #4481 printed "count" alone.
   */
  private count(line: JsonObject, legacyField: "probes" | "events"): JsonInt {
    const count = line.count ?? (isObject(line.data) ? line.data[legacyField] : undefined);
    if (count === undefined) throw new RecordShapeError(`no "count" nor "data.${legacyField}"`);
    return this.integer(count, "count");
  }

  /** `field` and `bucket` only name the value in the error. */
  private integer(value: unknown, field: string, bucket?: number): JsonInt {
    if (typeof value === "number" && Number.isSafeInteger(value)) return value;
    if (typeof value === "number" && Number.isInteger(value) && !this.exactIntegers) throw NEEDS_EXACT_INTEGERS;
    const integer = toJsonInt(value);
    if (integer === undefined) {
      throw new RecordShapeError(bucket === undefined ? `no integer ${field}` : `bucket ${bucket} has no integer ${field}`);
    }
    return integer;
  }

  /** Repairs the strings of a parsed value in place (JSON.parse made it, nothing else holds it). */
  private value(value: unknown): JsonValue {
    if (typeof value === "string") return repairText(value);
    if (typeof value === "number") {
      if (!this.exactIntegers && Number.isInteger(value) && !Number.isSafeInteger(value)) throw NEEDS_EXACT_INTEGERS;
      return value;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = this.value(value[i]);
    } else if (isObject(value)) {
      for (const key in value) value[key] = this.value(value[key]);
    }
    return value as JsonValue;
  }

  /** [key in the parsed object, key as bpftrace printed it], in print order. */
  private keysOf(value: JsonObject): [string, string][] {
    const keys = Object.keys(value);
    if (this.keyOrder) return keys.map((key) => [key, repairText(restoreMapKey(key))]);
    if (keys.length > 1 && ARRAY_INDEX_KEY.test(keys[0] as string)) throw NEEDS_KEY_ORDER;
    return keys.map((key) => [key, repairText(key)]);
  }
}

/** Indexed by [exactIntegers][keyOrder]. */
const BUILDERS = [
  [new RecordBuilder(false, false), new RecordBuilder(false, true)],
  [new RecordBuilder(true, false), new RecordBuilder(true, true)],
];

/**
 * Map records carry exactly one map: {"type": "hist", "data": {"@name": value}}.
 * The value is an object of per-key values for a keyed map, the bare value otherwise.
 */
function soleMap(line: JsonObject): [name: string, value: unknown] {
  const data = line.data;
  if (!isObject(data)) throw new RecordShapeError('"data" is not an object');
  const names = Object.keys(data);
  if (names.length !== 1) throw new RecordShapeError(`"data" holds ${names.length} maps, not 1`);
  const name = names[0] as string;
  return [name, data[name]];
}

function locationOf(line: JsonObject): { filename: string | null; line: number | null; column: number | null } {
  return { filename: optionalString(line.filename), line: optionalInteger(line.line), column: optionalInteger(line.col) };
}

function optionalString(value: unknown): string | null {
  return typeof value === "string" ? repairText(value) : null;
}

function optionalInteger(value: unknown): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) ? value : null;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isOneOf<T extends string>(value: string, allowed: readonly T[]): value is T {
  return (allowed as readonly string[]).includes(value);
}
