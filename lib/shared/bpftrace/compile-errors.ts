// bpftrace reports compile errors against the program it was given with -e
// as "stdin:LINE:COL-ENDCOL: ERROR: message" (0.17 through 0.27), followed by
// the offending source line and a row of tildes. This reads the positions
// back, so the editor can mark the spot bpftrace means.

export type CompileError = { line: number; column: number; endColumn: number; message: string };

// The range is 1-based with an exclusive end (a 16-character name at column 45 reads "45-61");
// a single position has no range.
const LOCATED = /^stdin:(\d+):(\d+)(?:-(\d+))?: ERROR: (.+)$/;

export function parseCompileErrors(stderr: string): CompileError[] {
  const errors: CompileError[] = [];
  for (const line of stderr.split("\n")) {
    const match = LOCATED.exec(line.trim());
    if (!match) continue;
    const [, row, start, end, message] = match;
    const column = Number(start);
    errors.push({ line: Number(row), column, endColumn: end ? Number(end) : column + 1, message: message! });
  }
  return errors;
}
