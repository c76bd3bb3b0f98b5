import type { FindingCode } from "./finding-codes.ts";

/** "error" blocks submission, approval and running; "warning" informs the reviewer. */
export type Severity = "error" | "warning";

/**
 * One thing the lint found. Lines and columns are 1-based; `endLine`/`endColumn` point just after
 * the last character, as Monaco's markers do.
 */
export type Finding = {
  code: FindingCode;
  severity: Severity;
  message: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
};

/** A finding while the checks run, located by source offsets [start, end). */
export type RawFinding = { code: FindingCode; severity: Severity; message: string; start: number; end: number };
