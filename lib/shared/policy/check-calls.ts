// Calls the workbench refuses: what bpftrace gates behind --unsafe (the agent
// never passes it, so these would fail on the host anyway; refusing them here
// says so before anyone reviews), and what bpftrace lets through although it
// touches the host's files as root.
import { FUNCTIONS } from "../bpftrace/language.ts";
import type { RawFinding } from "./findings.ts";
import { tokenize, type Token } from "./tokenize.ts";

/**
 * bpftrace 0.17's UNSAFE_BUILTIN_FUNCS are system, signal and override (run here without --unsafe,
 * each fails with "is an unsafe function being used in safe mode", while cat() prints the file);
 * docs/stdlib.md of later releases also marks signal_thread **unsafe**. language.ts carries the
 * same list as `unsafe`.
 */
const UNSAFE_FUNCTIONS = new Set(FUNCTIONS.filter((fn) => fn.unsafe).map((fn) => fn.name));

const WHAT_UNSAFE_FUNCTIONS_DO: Record<string, string> = {
  system: "runs a shell command as root",
  signal: "sends a signal to the traced process, so it can stop or kill any process on the host",
  signal_thread: "sends a signal to the traced thread, so it can stop or kill any process on the host",
  override: "makes the probed kernel function return a value of the program's choosing, changing what the kernel does",
};

export function refusedCall(name: string): Omit<RawFinding, "start" | "end"> | undefined {
  if (UNSAFE_FUNCTIONS.has(name)) {
    const what = WHAT_UNSAFE_FUNCTIONS_DO[name] ?? "changes the host instead of observing it";
    return {
      code: "unsafe-builtin",
      severity: "error",
      message: `${name}() ${what}; bpftrace allows it only with --unsafe, which this workbench never passes.`,
    };
  }
  if (name === "cat") {
    return {
      code: "file-read",
      severity: "error",
      message: "cat() prints any file of the host as root (/etc/shadow, private keys) into the output, and bpftrace does not gate it behind --unsafe.",
    };
  }
  if (name === "skboutput") {
    return {
      code: "file-write",
      severity: "error",
      message: "skboutput() writes packet data, as root, to a file the program names, and bpftrace does not gate it behind --unsafe.",
    };
  }
  return undefined;
}

/**
 * Every call of a refused function, wherever it is: in a probe body, a predicate, a macro, even a
 * struct definition. A name followed by `(` is a call however the lines are split
 * (`system\n("ls")` is one for bpftrace 0.17).
 */
export function checkCalls(tokens: readonly Token[]): RawFinding[] {
  const findings: RawFinding[] = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const token = tokens[i]!;
    const next = tokens[i + 1]!;
    if (token.kind !== "ident" || next.kind !== "punct" || next.text !== "(") continue;
    const refused = refusedCall(token.text);
    if (refused) findings.push({ ...refused, start: token.start, end: token.end });
  }
  return findings;
}

const DEFINE = /^#\s*define\s+[A-Za-z_]\w*(?:\([^)]*\))?/;

/**
 * A `#define` naming a refused function is refused too, called or not: a C macro could stand in for
 * the call (bpftrace 0.17 does not substitute function-like names, but later releases expand C
 * macros in more places, and a reviewer should not have to know which).
 */
export function checkDefines(tokens: readonly Token[]): RawFinding[] {
  const findings: RawFinding[] = [];
  for (const directive of tokens) {
    if (directive.kind !== "directive") continue;
    const head = DEFINE.exec(directive.text);
    if (!head) continue;
    const bodyStart = directive.start + head[0].length;
    findings.push(...assembledNames(directive, bodyStart));
    for (const token of tokenize(directive.text.slice(head[0].length)).tokens) {
      const name = token.kind === "probe" ? token.text.split(":")[0]!.trim() : token.text;
      const refused = token.kind === "ident" || token.kind === "probe" ? refusedCall(name) : undefined;
      if (!refused) continue;
      const start = bodyStart + token.start;
      findings.push({ ...refused, message: `${refused.message} Here a #define names it.`, start, end: start + name.length });
    }
  }
  return findings;
}

/** `##` and its digraph `%:%:` (C11 6.4.6), which clang accepts in C mode. */
const TOKEN_PASTE = /##|%:%:/g;

/**
 * A `#define` that builds a name out of pieces is refused: `ca ## t` is cat, and no check here
 * sees the name it makes. bpftrace 0.17 substitutes a macro's text as written, `##` and all, and
 * then fails to parse it (measured), but it hands #define lines to clang too, and later releases
 * expand C macros in more places: whether a paste ever runs should not be a reviewer's question. The same goes
 * for a #define continued on the next line with `\`: clang joins the lines first (`ca\` then `t`
 * is cat), while the lint reads them apart.
 */
function assembledNames(directive: Token, bodyStart: number): RawFinding[] {
  const findings: RawFinding[] = [];
  const body = directive.text.slice(bodyStart - directive.start);
  for (const paste of body.matchAll(TOKEN_PASTE)) {
    const start = bodyStart + paste.index;
    findings.push({
      code: "token-paste",
      severity: "error",
      message: `${paste[0]} pastes tokens into a new name (ca ## t is cat) that no check can see; write the name out instead.`,
      start,
      end: start + paste[0].length,
    });
  }
  const trimmed = directive.text.trimEnd();
  if (trimmed.endsWith("\\")) {
    const start = directive.start + trimmed.length - 1;
    findings.push({
      code: "token-paste",
      severity: "error",
      message: "A #define continued on the next line with \\ joins text the lint reads apart (ca\\ then t is cat); write the definition on one line.",
      start,
      end: start + 1,
    });
  }
  return findings;
}
