// Streaming parser for `bpftrace -f json` output: bytes in, one result per
// line out, either a record (records.ts) or a line it skipped with the reason.
// Nothing a line contains stops the stream: stderr merged in, a traced
// child's output, a line cut off when bpftrace died, all come back as skipped
// lines for the caller to show. Blank lines (bpftrace up to 0.23 prints two
// before its exit dump) are dropped silently but still counted, so line
// numbers match the input.
import { rewriteLine, type LineRewrites } from "./json-repairs.ts";
import type { OutputRecord } from "./records.ts";
import { InexactReadingError, NotARecordError, RecordShapeError, toOutputRecord } from "./to-output-record.ts";

/**
 * - `not-json`: the line is not JSON (stderr text, child output, a cut-off line).
 * - `not-a-record`: JSON without a string `type`, so not from bpftrace.
 * - `unexpected-shape`: a bpftrace record type whose fields match no known version.
 */
export type SkipReason = "not-json" | "not-a-record" | "unexpected-shape";

export type ParsedLine =
  | { kind: "record"; lineNumber: number; record: OutputRecord }
  | { kind: "skipped"; lineNumber: number; reason: SkipReason; detail: string; text: string };

const NO_REWRITES: LineRewrites = { exactIntegers: false, keyOrder: false };

/** Parses one complete line (without its line break); `lineNumber` is only passed through. */
export function parseOutputLine(line: string, lineNumber = 1): ParsedLine {
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
    if (text !== "") this.#takeLine(text, results);
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
    let newline = text.indexOf("\n");
    while (newline !== -1) {
      this.#takeLine(text.slice(start, newline), results);
      start = newline + 1;
      newline = text.indexOf("\n", start);
    }
    this.#pendingText = text.slice(start);
  }

  #takeLine(rawLine: string, results: ParsedLine[]): void {
    const lineNumber = ++this.#lineNumber;
    const line = rawLine.charCodeAt(rawLine.length - 1) === CARRIAGE_RETURN ? rawLine.slice(0, -1) : rawLine;
    if (line.charCodeAt(0) !== OPENING_BRACE && isBlank(line)) return;
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
