// The policy lint: one function that the editor (markers as you type), the
// server (at submission), the reviewer's page and the agent (before it runs
// anything) all call, so they agree on what may run. It never throws, whatever
// the input, and it is linear in the program's length.
import { checkCalls, checkDefines } from "./check-calls.ts";
import { checkConfigBlocks, checkImports, checkIncludes, checkMapDeclarations } from "./check-preamble.ts";
import { checkProbes } from "./check-probes.ts";
import type { Finding, RawFinding } from "./findings.ts";
import { LineIndex } from "./line-index.ts";
import { resolveLintPolicy, type LintPolicy } from "./policy.ts";
import { readProgramStructure } from "./program-structure.ts";
import { summarize, type LintSummary } from "./summarize.ts";
import { tokenize } from "./tokenize.ts";

export type LintResult = {
  /** Sorted by position. */
  findings: Finding[];
  summary: LintSummary;
  /** True when a finding is an error: the program may not be submitted, approved or run. */
  blocked: boolean;
};

/**
 * @param policy  fields to change from DEFAULT_LINT_POLICY
 * @param catalog probe names a host reported (`bpftrace -l`), to count what wildcards expand to
 */
export function lintProgram(source: string, policy?: Partial<LintPolicy>, catalog?: readonly string[]): LintResult {
  const resolved = resolveLintPolicy(policy);
  const { tokens, problems } = tokenize(source);
  const structure = readProgramStructure(tokens);
  const probeCheck = checkProbes(structure.blocks, resolved, catalog);
  const raw: RawFinding[] = [
    ...checkLength(source, resolved),
    ...[...problems, ...structure.problems].map((problem): RawFinding => ({ code: "syntax", severity: "error", ...problem })),
    ...checkCalls(tokens),
    ...checkDefines(tokens),
    ...checkIncludes(tokens, resolved),
    ...checkImports(structure.imports),
    ...checkConfigBlocks(structure.configBlocks, resolved),
    ...checkMapDeclarations(structure.mapDeclarations, resolved),
    ...probeCheck.findings,
  ];
  const sorted = dedupe(raw.sort((a, b) => a.start - b.start || a.end - b.end || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)));
  const lines = new LineIndex(source);
  const positionOf = (offset: number) => lines.positionOf(offset);
  const findings = sorted.map(({ code, severity, message, start, end }): Finding => {
    const from = positionOf(start);
    const to = positionOf(Math.max(end, start));
    return { code, severity, message, line: from.line, column: from.column, endLine: to.line, endColumn: to.column };
  });
  const summary = summarize({ tokens, codeRanges: structure.codeRanges, probes: probeCheck.probes, findings: sorted, positionOf });
  return { findings, summary, blocked: findings.some((finding) => finding.severity === "error") };
}

/** The same code at the same place once, even when two checks reach it (a call in a #define, say). */
function dedupe(findings: RawFinding[]): RawFinding[] {
  return findings.filter((finding, i) => {
    const previous = findings[i - 1];
    return !previous || previous.start !== finding.start || previous.end !== finding.end || previous.code !== finding.code;
  });
}

/** The agent hands the program to bpftrace as one argv entry, whose size Linux caps (see limits.ts). */
function checkLength(source: string, policy: LintPolicy): RawFinding[] {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most programs are decided without counting.
  if (source.length * 3 <= policy.maxProgramBytes) return [];
  let bytes = 0;
  for (let i = 0; i < source.length; i++) {
    const code = source.charCodeAt(i);
    const isHighSurrogate = code >= 0xd800 && code <= 0xdbff && i + 1 < source.length;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : isHighSurrogate ? 4 : 3;
    if (isHighSurrogate) i++;
    if (bytes > policy.maxProgramBytes) {
      return [
        {
          code: "program-too-long",
          severity: "error",
          message: `The program is longer than this policy's ${policy.maxProgramBytes} bytes (UTF-8) from here on; split it or trim it.`,
          start: isHighSurrogate ? i - 1 : i,
          end: source.length,
        },
      ];
    }
  }
  return [];
}
