// What the reviewer sees before approving: the probes as written, their types
// and count, the functions and builtins the program uses (those worth a second
// look singled out), and an overall risk with a one-line reason.
import { BUILTINS, KEYWORDS } from "../bpftrace/language.ts";
import type { RawFinding } from "./findings.ts";
import type { Position } from "./line-index.ts";
import type { ProbeUse } from "./check-probes.ts";
import type { CodeRange } from "./program-structure.ts";
import type { Token } from "./tokenize.ts";

export type RiskLevel = "low" | "elevated" | "refused";

export type SummaryProbe = { spec: string; type: string | null; count: number | null; line: number; column: number };

export type NotableUse = { name: string; reason: string };

export type LintSummary = {
  probes: SummaryProbe[];
  /** Distinct full type names, in order of first use. */
  probeTypes: string[];
  /** Probes attached in total; a wildcard nobody could count adds 1. */
  probeCount: number;
  /** False when some wildcard could not be counted, so `probeCount` is a lower bound. */
  probeCountExact: boolean;
  /** Functions and macros called, sorted. */
  functions: string[];
  /** Builtin variables read (pid, comm, curtask, arg0, ...), sorted. */
  builtins: string[];
  /** Uses a reviewer should look at twice, with why. */
  notable: NotableUse[];
  /** low: nothing to flag; elevated: warnings for the reviewer; refused: an error blocks it. */
  risk: RiskLevel;
  riskReason: string;
};

const NOTABLE: Record<string, string> = {
  system: "runs shell commands (refused)",
  signal: "signals processes (refused)",
  signal_thread: "signals threads (refused)",
  override: "changes kernel return values (refused)",
  cat: "prints files of the host (refused)",
  skboutput: "writes files on the host (refused)",
  buf: "copies raw bytes out of kernel or process memory into the output",
  str: "copies strings out of kernel or process memory into the output",
  join: "prints string arrays such as command lines, which can carry secrets",
  kaddr: "reads kernel memory at a named symbol",
  percpu_kaddr: "reads kernel memory at a named symbol",
  uaddr: "reads a program's memory at a named symbol",
  reg: "reads the CPU registers of the traced code",
  curtask: "follows pointers from the current task_struct into any kernel memory",
  kstack: "walks the kernel stack on every event",
  ustack: "walks the user stack on every event",
};

const BUILTIN_NAMES = new Set(BUILTINS.map((builtin) => builtin.name));
const NUMBERED_ARGUMENT = /^s?arg[0-9]+$/;
const NOT_CALLS = new Set(KEYWORDS);

export function summarize(input: {
  tokens: readonly Token[];
  codeRanges: readonly CodeRange[];
  probes: readonly ProbeUse[];
  findings: readonly RawFinding[];
  positionOf: (offset: number) => Position;
}): LintSummary {
  const { functions, builtins } = collectUses(input.tokens, input.codeRanges);
  const probes = input.probes.map(({ spec, type, count, token }) => ({ spec, type, count, ...input.positionOf(token.start) }));
  const probeTypes = [...new Set(probes.flatMap((probe) => (probe.type ? [probe.type] : [])))];
  const probeCount = probes.reduce((sum, probe) => sum + (probe.count ?? 1), 0);
  const notable = [...functions, ...builtins].filter((name) => name in NOTABLE).map((name) => ({ name, reason: NOTABLE[name]! }));
  const { risk, riskReason } = assessRisk(input.findings, probeTypes, probeCount, input.positionOf);
  return {
    probes,
    probeTypes,
    probeCount,
    probeCountExact: probes.every((probe) => probe.count !== null),
    functions,
    builtins,
    notable,
    risk,
    riskReason,
  };
}

function collectUses(tokens: readonly Token[], codeRanges: readonly CodeRange[]): { functions: string[]; builtins: string[] } {
  const functions = new Set<string>();
  const builtins = new Set<string>();
  for (const { start, end } of codeRanges) {
    for (let i = start; i < end; i++) {
      const token = tokens[i]!;
      if (token.kind !== "ident") continue;
      const previous = tokens[i - 1];
      if (previous?.kind === "punct" && (previous.text === "." || previous.text === "->")) continue;
      const next = tokens[i + 1];
      if (next?.kind === "punct" && next.text === "(") {
        if (!NOT_CALLS.has(token.text)) functions.add(token.text);
      } else if (BUILTIN_NAMES.has(token.text) || NUMBERED_ARGUMENT.test(token.text)) {
        builtins.add(token.text);
      }
    }
  }
  return { functions: [...functions].sort(), builtins: [...builtins].sort() };
}

function assessRisk(
  findings: readonly RawFinding[],
  probeTypes: readonly string[],
  probeCount: number,
  positionOf: (offset: number) => Position,
): { risk: RiskLevel; riskReason: string } {
  const errors = findings.filter((finding) => finding.severity === "error");
  if (errors.length > 0) return { risk: "refused", riskReason: `${plural(errors.length, "blocking finding")}: ${listCodes(errors, positionOf)}.` };
  if (findings.length > 0) return { risk: "elevated", riskReason: `${plural(findings.length, "warning")} for the reviewer: ${listCodes(findings, positionOf)}.` };
  if (probeCount === 0) return { risk: "low", riskReason: "No probes: the program attaches to nothing." };
  return { risk: "low", riskReason: `${plural(probeCount, "probe")} (${probeTypes.join(", ")}); nothing refused or elevated.` };
}

/** The first three distinct codes with the line of their first finding: "include (line 1), import (line 2)". */
function listCodes(findings: readonly RawFinding[], positionOf: (offset: number) => Position): string {
  const firstOfEach = new Map<string, RawFinding>();
  for (const finding of findings) if (!firstOfEach.has(finding.code)) firstOfEach.set(finding.code, finding);
  const listed = [...firstOfEach.values()].slice(0, 3).map((finding) => `${finding.code} (line ${positionOf(finding.start).line})`);
  return firstOfEach.size > 3 ? `${listed.join(", ")} and more` : listed.join(", ");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
