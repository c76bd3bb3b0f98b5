// Streaming parser for `bpftrace -f json` output: bytes in, one result per
// line out, either a record (records.ts) or a line it skipped with the reason.
// Nothing a line contains stops the stream: stderr merged in, a traced
// child's output, a line cut off when bpftrace died, all come back as skipped
// lines for the caller to show. Blank lines (bpftrace up to 0.23 prints two
// before its exit dump) are dropped silently but still counted, so line
// numbers match the input.
import { repairText, rewriteLine, type LineRewrites } from "./json-repairs.ts";
import type { OutputRecord } from "./records.ts";
import { InexactReadingError, NotARecordError, RecordShapeError, toOutputRecord } from "./to-output-record.ts";

/**
 * - `not-json`: the line is not JSON (stderr text, child output, a cut-off line).
 * - `not-a-record`: JSON without a string `type`, so not from bpftrace.
 * - `unexpected-shape`: a bpftrace record type whose fields match no known version.
 */
export type SkipReason = "not-json" | "not-a-record" | "unexpected-shape";

export type ParsedLine = { kind: "record"; lineNumber: number; record: OutputRecord } | { kind: "skipped"; lineNumber: number; reason: SkipReason; detail: string; text: string };

const NO_REWRITES: LineRewrites = { exactIntegers: false, keyOrder: false };

/**
 * How every bpftrace version from 0.17 to 0.27 starts a printf line. printf
 * floods are the bulk of what a busy run prints, and reading only the string
 * of such a line costs a fraction of reading the object around it.
 */
const PRINTF_PREFIX = '{"type": "printf", "data": "';
const PRINTF_SUFFIX = '"}';

/** Parses one complete line (without its line break); `lineNumber` is only passed through. */
export function parseOutputLine(line: string, lineNumber = 1): ParsedLine {
  const printfText = line.startsWith(PRINTF_PREFIX) && line.endsWith(PRINTF_SUFFIX) ? printfData(line) : undefined;
  if (printfText !== undefined) return { kind: "record", lineNumber, record: { type: "printf", text: repairText(printfText) } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    return skipped(line, lineNumber, "not-json", error instanceof Error ? error.message : String(error));
  }
  let rewrites = NO_REWRITES;
  // At most three rounds: each InexactReadingError adds a rewrite not yet applied.
  for (;;) {
    try {
      return { kind: "record", lineNumber, record: toOutputRecord(parsed, rewrites) };
    } catch (error) {
      if (!(error instanceof InexactReadingError)) return skippedFor(error, line, lineNumber);
      rewrites = { ...rewrites, [error.rewrite]: true };
      // The rewrites only quote numbers and prefix keys, so the line stays valid JSON.
      parsed = JSON.parse(rewriteLine(line, rewrites));
    }
  }
}

/**
 * The data of a line that starts with PRINTF_PREFIX and ends with PRINTF_SUFFIX,
 * if what lies between is exactly one JSON string: then the line is exactly the
 * object {"type": "printf", "data": that string}, and the record is the one
 * the general path makes of it. Anything else (more fields, a quote that
 * closes early) is undefined and goes the general path.
 */
function printfData(line: string): string | undefined {
  try {
    // From the opening quote of the data to the quote before the closing brace.
    const data: unknown = JSON.parse(line.slice(PRINTF_PREFIX.length - 1, line.length - 1));
    return typeof data === "string" ? data : undefined;
  } catch {
    return undefined;
  }
}

function skippedFor(error: unknown, line: string, lineNumber: number): ParsedLine {
  if (error instanceof NotARecordError) return skipped(line, lineNumber, "not-a-record", error.message);
  if (error instanceof RecordShapeError) return skipped(line, lineNumber, "unexpected-shape", error.message);
  throw error;
}

function skipped(text: string, lineNumber: number, reason: SkipReason, detail: string): ParsedLine {
  return { kind: "skipped", lineNumber, reason, detail, text };
}

/**
 * Incremental: `push` accepts chunks split anywhere, even inside a UTF-8
 * character, and returns the results of the lines it completed; `end` flushes
 * a last line that has no line break. Feed it bytes or strings, not both.
 */
export class OutputParser {
  // Bytes are decoded a run of complete lines at a time: a newline byte never
  // occurs inside a UTF-8 sequence, so the bytes up to a newline decode whole,
  // and non-streaming TextDecoder is several times faster than streaming
  // (measured on Node 20). Only a line split across chunks is copied.
  readonly #decoder = new TextDecoder();
  #pendingBytes: Uint8Array[] = [];
  #pendingText = "";
  #lineNumber = 0;

  push(chunk: Uint8Array | string): ParsedLine[] {
    const results: ParsedLine[] = [];
    if (typeof chunk === "string") {
      this.#takeLines(chunk, results);
      return results;
    }
    let start = 0;
    if (this.#pendingBytes.length > 0) {
      const firstNewline = chunk.indexOf(NEWLINE_BYTE);
      if (firstNewline === -1) {
        this.#pendingBytes.push(chunk.slice());
        return results;
      }
      this.#takeLines(this.#decoder.decode(this.#joinPendingBytes(chunk.subarray(0, firstNewline + 1))), results);
      start = firstNewline + 1;
    }
    const lastNewline = chunk.lastIndexOf(NEWLINE_BYTE);
    if (lastNewline >= start) {
      this.#takeLines(this.#decoder.decode(chunk.subarray(start, lastNewline + 1)), results);
      start = lastNewline + 1;
    }
    // Copied: the caller may reuse its buffer once push returns.
    if (start < chunk.length) this.#pendingBytes.push(chunk.slice(start));
    return results;
  }

  end(): ParsedLine[] {
    const text = this.#pendingText + this.#decoder.decode(this.#joinPendingBytes(new Uint8Array(0)));
    this.#pendingText = "";
    const results: ParsedLine[] = [];
    if (text !== "") this.#takeLine(text, 0, text.length, results);
    return results;
  }

  #joinPendingBytes(last: Uint8Array): Uint8Array {
    const parts = [...this.#pendingBytes, last];
    this.#pendingBytes = [];
    const joined = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    return joined;
  }

  #takeLines(chunk: string, results: ParsedLine[]): void {
    const text = this.#pendingText + chunk;
    let start = 0;
    for (let newline = text.indexOf("\n"); newline !== -1; newline = text.indexOf("\n", start)) {
      this.#takeLine(text, start, newline, results);
      start = newline + 1;
    }
    this.#pendingText = text.slice(start);
  }

  /** The line text[start, end), without its line break. Sliced once: the hot path of every line. */
  #takeLine(text: string, start: number, end: number, results: ParsedLine[]): void {
    const lineNumber = ++this.#lineNumber;
    const last = end > start && text.charCodeAt(end - 1) === CARRIAGE_RETURN ? end - 1 : end;
    const line = text.slice(start, last);
    if (text.charCodeAt(start) !== OPENING_BRACE && isBlank(line)) return;
    results.push(parseOutputLine(line, lineNumber));
  }
}

const NEWLINE_BYTE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const OPENING_BRACE = 0x7b;
const NOT_BLANK = /\S/;

function isBlank(line: string): boolean {
  return !NOT_BLANK.test(line);
}
