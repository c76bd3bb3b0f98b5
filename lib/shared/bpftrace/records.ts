// The records the bpftrace output parser emits, one per JSON line of
// `bpftrace -f json`: the public contract of `workbench-agent parse` and of
// every frame a run streams. Documented with examples in docs/bpftrace-output.md.
//
// Conventions shared by every record:
// - `map` holds the map's name as bpftrace prints it ("@usecs", "@" for the
//   anonymous map); per-key data is a list in bpftrace's print order, with
//   `key: null` for an unkeyed map and the printed key string otherwise
//   (multi-keys print as "1,read").
// - Integers beyond 2^53 are exact decimal strings (JsonInt), never rounded.
import { z } from "zod";

/** An integer that may exceed 2^53: a number when it is a safe integer, else its exact decimal string. */
export type JsonInt = number | string;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One bucket; `min`/`max` are inclusive, null where bpftrace leaves the bound out (below the first or above the last bucket). */
export type HistBucket = { min: JsonInt | null; max: JsonInt | null; count: JsonInt };
/** `total` is the sum of the bucket counts. */
export type HistSeries = { key: string | null; buckets: HistBucket[]; total: JsonInt };
/** Both hist() (log2) and lhist() (linear) maps; the bucket bounds say which. */
export type HistRecord = { type: "hist"; map: string; series: HistSeries[] };

export type MapEntry = { key: string | null; value: JsonValue };
/** count, sum, min, max and plain-value maps. */
export type MapRecord = { type: "map"; map: string; entries: MapEntry[] };

export type StatsSummary = { count: JsonInt; average: JsonInt; total: JsonInt };
/** avg() maps (value: the average) and stats() maps (value: a summary). */
export type StatsRecord = { type: "stats"; map: string; entries: { key: string | null; value: JsonInt | StatsSummary }[] };

export type TseriesPoint = { intervalStart: JsonValue; value: JsonValue };
/** tseries() maps (bpftrace >= 0.24). */
export type TseriesRecord = { type: "tseries"; map: string; series: { key: string | null; points: TseriesPoint[] }[] };

const TEXT_RECORD_TYPES = ["printf", "time", "cat", "join", "syscall"] as const;
/** Text bpftrace produced: printf(), time(), cat(), join(), system(). */
export type TextRecord = { type: (typeof TEXT_RECORD_TYPES)[number]; text: string };

/** print() of a non-map value. */
export type ValueRecord = { type: "value"; value: JsonValue };

export type AttachedProbesRecord = { type: "attached_probes"; count: JsonInt };
/** Events the kernel dropped because bpftrace's ring buffer was full. */
export type LostEventsRecord = { type: "lost_events"; count: JsonInt };

type SourceLocation = { filename: string | null; line: number | null; column: number | null };
/** A BPF helper failed at run time (reported with -k / -kk). */
export type HelperErrorRecord = {
  type: "helper_error";
  message: string | null;
  helper: string | null;
  retcode: number | null;
} & SourceLocation;
export const DIAGNOSTIC_RECORD_TYPES = ["runtime_error", "errorf", "warnf", "print_error"] as const;
/** Run-time diagnostics of newer bpftrace versions. */
export type DiagnosticRecord = { type: (typeof DIAGNOSTIC_RECORD_TYPES)[number]; message: string | null } & SourceLocation;

/** A JSON object with a `type` this parser does not model yet; kept whole so nothing is lost. */
export type UnrecognizedRecord = { type: "unrecognized"; bpftraceType: string; raw: JsonValue };

export type OutputRecord =
  | HistRecord
  | MapRecord
  | StatsRecord
  | TseriesRecord
  | TextRecord
  | ValueRecord
  | AttachedProbesRecord
  | LostEventsRecord
  | HelperErrorRecord
  | DiagnosticRecord
  | UnrecognizedRecord;

// Schemas for receivers that must not trust a record because TypeScript says
// so (the server validating frames from agents). The parser itself builds
// records directly and never runs these.
const jsonInt: z.ZodType<JsonInt> = z.union([z.int(), z.string().regex(/^-?\d+$/)]);
const jsonValue: z.ZodType<JsonValue> = z.json();
/**
 * Map names and keys are stored as text (FrameName), which PostgreSQL refuses
 * to hold a NUL in; bpftrace never prints one there (str() ends at the first).
 */
export const nameText = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\u0000]*$/, "must not contain a NUL character");
const mapName = nameText(256).min(1);
/** Multi-keys print as "1,read"; a key of several long strings stays well under this. */
const key = nameText(16 * 1024).nullable();
const location = { filename: z.string().nullable(), line: z.int().nullable(), column: z.int().nullable() };

const histBucketSchema: z.ZodType<HistBucket> = z.object({ min: jsonInt.nullable(), max: jsonInt.nullable(), count: jsonInt }).strict();
const histSeriesSchema: z.ZodType<HistSeries> = z.object({ key, buckets: z.array(histBucketSchema), total: jsonInt }).strict();
const statsSummarySchema: z.ZodType<StatsSummary> = z.object({ count: jsonInt, average: jsonInt, total: jsonInt }).strict();

/** A hist record alone: what a frame's `delta` is. */
export const histRecordSchema = z.object({ type: z.literal("hist"), map: mapName, series: z.array(histSeriesSchema) }).strict();

export const outputRecordSchema: z.ZodType<OutputRecord> = z.discriminatedUnion("type", [
  histRecordSchema,
  z.object({ type: z.literal("map"), map: mapName, entries: z.array(z.object({ key, value: jsonValue }).strict()) }).strict(),
  z
    .object({
      type: z.literal("stats"),
      map: mapName,
      entries: z.array(z.object({ key, value: z.union([jsonInt, statsSummarySchema]) }).strict()),
    })
    .strict(),
  z
    .object({
      type: z.literal("tseries"),
      map: mapName,
      series: z.array(z.object({ key, points: z.array(z.object({ intervalStart: jsonValue, value: jsonValue }).strict()) }).strict()),
    })
    .strict(),
  z.object({ type: z.enum(TEXT_RECORD_TYPES), text: z.string() }).strict(),
  z.object({ type: z.literal("value"), value: jsonValue }).strict(),
  z.object({ type: z.literal("attached_probes"), count: jsonInt }).strict(),
  z.object({ type: z.literal("lost_events"), count: jsonInt }).strict(),
  z
    .object({
      type: z.literal("helper_error"),
      message: z.string().nullable(),
      helper: z.string().nullable(),
      retcode: z.int().nullable(),
      ...location,
    })
    .strict(),
  z.object({ type: z.enum(DIAGNOSTIC_RECORD_TYPES), message: z.string().nullable(), ...location }).strict(),
  z.object({ type: z.literal("unrecognized"), bpftraceType: z.string(), raw: jsonValue }).strict(),
]);
