// A run's frames as files a person or a script can take elsewhere.
//
// JSON lines: one frame per line, exactly as stored and streamed
// ({ runId, seq, at, record, delta? }, docs/frames.md), preceded by one line
// describing the run ({ "run": { ... } }). Integers beyond 2^53 stay decimal
// strings, as in the records.
//
// CSV (RFC 4180): one row per histogram bucket per print, and one row per
// entry of count/sum/avg/stats maps, so a spreadsheet can pivot either:
//   seq, at (ISO-8601, UTC), host, type, map, key, bucket_min, bucket_max,
//   count (as printed: a running total unless the program clears the map),
//   interval_count (what happened since the previous print), value
// Empty cells are absent values; bucket bounds are inclusive, an empty bound
// is open (the bucket below everything, or the open top bucket).
import type { HistRecord, JsonValue } from "../shared/bpftrace/records.ts";
import type { Frame } from "../shared/frame.ts";

export const CSV_COLUMNS = ["seq", "at", "host", "type", "map", "key", "bucket_min", "bucket_max", "count", "interval_count", "value"] as const;

type CsvCell = string | number | null;

/** One CSV field: quoted when it holds a comma, quote, or line break; formula-looking text is defused. */
export function csvField(value: CsvCell): string {
  if (value === null) return "";
  let text = String(value);
  // A cell starting with =, +, - or @ runs as a formula in spreadsheets (CSV injection), and keys and
  // values are program output. Numbers and bare map names (`@usecs`: nothing to call) stay as they are.
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text) && !/^-?\d+$/.test(text) && !/^@\w*$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(cells: readonly CsvCell[]): string {
  return `${cells.map(csvField).join(",")}\r\n`;
}

export const CSV_HEADER = csvRow(CSV_COLUMNS);

function jsonCell(value: JsonValue): CsvCell {
  return typeof value === "string" || typeof value === "number" ? value : JSON.stringify(value);
}

/** Interval counts of a hist frame, by key and bucket bounds. */
function intervalCounts(delta: HistRecord | undefined): Map<string, string | number> | null {
  if (!delta) return null;
  const counts = new Map<string, string | number>();
  for (const series of delta.series) {
    for (const bucket of series.buckets) counts.set(`${series.key ?? ""}\u0000${bucket.min ?? ""}..${bucket.max ?? ""}`, bucket.count);
  }
  return counts;
}

/** The CSV rows of one frame; records with nothing tabular (text, errors) give one row with their type. */
export function frameToCsvRows(frame: Frame, host: string): string {
  const at = new Date(frame.at).toISOString();
  const base = (type: string) => [frame.seq, at, host, type] as CsvCell[];
  const { record } = frame;
  switch (record.type) {
    case "hist": {
      const deltas = intervalCounts(frame.delta);
      let rows = "";
      for (const series of record.series) {
        for (const bucket of series.buckets) {
          // Without a delta the print itself covers one interval (first print, or a map the program clears).
          const interval = deltas ? (deltas.get(`${series.key ?? ""}\u0000${bucket.min ?? ""}..${bucket.max ?? ""}`) ?? 0) : bucket.count;
          rows += csvRow([...base("hist"), record.map, series.key, bucket.min, bucket.max, bucket.count, interval, null]);
        }
      }
      return rows;
    }
    case "map":
    case "stats": {
      let rows = "";
      for (const entry of record.entries) {
        rows += csvRow([...base(record.type), record.map, entry.key, null, null, null, null, jsonCell(entry.value as JsonValue)]);
      }
      return rows;
    }
    case "lost_events":
    case "attached_probes":
      return csvRow([...base(record.type), null, null, null, null, record.count, null, null]);
    case "overhead":
      return csvRow([...base("overhead"), null, null, null, null, null, null, record.cpuPercent]);
    case "printf":
    case "time":
    case "cat":
    case "join":
    case "syscall":
      return csvRow([...base(record.type), null, null, null, null, null, null, record.text]);
    default:
      return csvRow([...base(record.type), null, null, null, null, null, null, null]);
  }
}

export function frameToJsonLine(frame: Frame): string {
  return `${JSON.stringify(frame)}\n`;
}

/** A file name for an export: the run's first 8 characters, what it is, and the extension. */
export function exportFileName(runId: string, label: string, extension: "jsonl" | "csv" | "png"): string {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60);
  return `run-${runId.slice(0, 8)}${safe ? `-${safe}` : ""}.${extension}`;
}

/** A stored frame without its documented shape: one row with type "malformed" and what its record called itself. */
export function malformedCsvRow(frame: { seq: number; at: number; record: unknown }, host: string): string {
  const type = typeof frame.record === "object" && frame.record !== null ? String((frame.record as { type?: unknown }).type ?? "") : "";
  return csvRow([frame.seq, new Date(frame.at).toISOString(), host, "malformed", null, null, null, null, null, null, type.slice(0, 40)]);
}
