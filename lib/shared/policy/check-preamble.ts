// The preamble: what a program brings in from outside itself (#include,
// import) and what it asks of bpftrace (config blocks, map sizes).
import type { RawFinding } from "./findings.ts";
import type { LintPolicy } from "./policy.ts";
import type { ConfigBlock, ImportStatement, MapDeclaration } from "./program-structure.ts";
import type { Token } from "./tokenize.ts";

/** Directives that make clang read a file: #include and its relatives (#import and #embed read files too). */
const FILE_DIRECTIVE = /^#\s*(include_next|include|import|embed)\b\s*(.*)$/;
/** A header name that cannot leave the include directories: no `..`, no absolute path. */
const PLAIN_HEADER = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*\.h$/;

export function checkIncludes(tokens: readonly Token[], policy: LintPolicy): RawFinding[] {
  const findings: RawFinding[] = [];
  const allowed = policy.allowedIncludes.map(pathGlob);
  for (const token of tokens) {
    if (token.kind !== "directive") continue;
    const match = FILE_DIRECTIVE.exec(token.text.trimEnd());
    if (!match) continue;
    const [, directive, argument = ""] = match;
    const header = /^<([^>]*)>$/.exec(argument)?.[1];
    const written = `#${directive} ${argument}`.trim();
    if (directive !== "include") {
      // The allow-list is for #include only: #include_next goes on searching in directories after the
      // one that holds the header (wherever clang was pointed), and #import and #embed read files too.
      const message = `${written}: only #include <header.h> is allowed here; #${directive} reads files the policy's header list does not cover; ${LEAK}.`;
      findings.push({ code: "include", severity: "error", message, start: token.start, end: token.end });
      continue;
    }
    if (header !== undefined && PLAIN_HEADER.test(header) && allowed.some((glob) => glob.test(header))) continue;
    const message = `${describeRefusedInclude(written, header, policy)}; ${LEAK}.`;
    findings.push({ code: "include", severity: "error", message, start: token.start, end: token.end });
  }
  return findings;
}

// Measured with bpftrace 0.17: `#include "/tmp/secret.txt"` fails with clang's "unknown type name
// 'secret'", quoting the file's first word. Including a file is a way to print it.
const LEAK = "clang's errors quote what they cannot parse, so an include can leak any file of the host";

function describeRefusedInclude(written: string, header: string | undefined, policy: LintPolicy): string {
  if (header === undefined) {
    return written.includes('"')
      ? `${written} reads a file of the host that no reviewer saw`
      : `${written}: only <header.h> is allowed here, since a macro or path could name any file`;
  }
  if (!PLAIN_HEADER.test(header)) return `${written} is not a plain header name (a/b.h, no .., no leading /) and could reach any file`;
  return `${written} is not on this policy's list of headers (${policy.allowedIncludes.join(", ")})`;
}

/** `*` within one path segment, `**` across segments. */
function pathGlob(glob: string): RegExp {
  const pattern = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*\*/g, "\u0000")
    .replace(/\*/g, "[^/]*")
    .replace(/\u0000/g, ".*");
  return new RegExp(`^${pattern}$`);
}

export function checkImports(imports: readonly ImportStatement[]): RawFinding[] {
  return imports.map(({ keyword, last }) => ({
    code: "import",
    severity: "error",
    message: "import brings in probes, macros and maps from another file (bpftrace 0.23+, PR #3917) that no reviewer saw; paste what you need into this program instead.",
    start: keyword.start,
    end: last.end,
  }));
}

/** `BPFTRACE_MAX_MAP_KEYS`, `MAX_MAP_KEYS` and `max_map_keys` name the same key (docs/language.md, "Config Block"). */
export function normalizeConfigKey(key: string): string {
  return key.toLowerCase().replace(/^bpftrace_/, "");
}

export function checkConfigBlocks(blocks: readonly ConfigBlock[], policy: LintPolicy): RawFinding[] {
  if (!policy.allowConfigBlock) {
    return blocks.map(({ keyword }) => ({
      code: "config-block",
      severity: "error",
      message:
        "A config block can raise bpftrace's limits (max_map_keys, max_probes, max_strlen, perf_rb_pages) past what the agent sets; this policy allows none. The agent sets the limits.",
      start: keyword.start,
      end: keyword.end,
    }));
  }
  const findings: RawFinding[] = [];
  for (const { entries } of blocks) {
    for (const { key, value } of entries) {
      const problem = configEntryProblem(normalizeConfigKey(key.text), value, policy);
      if (problem) findings.push({ code: "config-key", severity: "error", message: problem, start: key.start, end: value.at(-1)?.end ?? key.end });
    }
  }
  return findings;
}

function configEntryProblem(key: string, value: readonly Token[], policy: LintPolicy): string | undefined {
  if (policy.allowedConfigKeys.includes(key)) return undefined;
  const cap = policy.configLimits[key];
  if (cap === undefined) return `The config key ${key} is not one this policy allows (${[...policy.allowedConfigKeys, ...Object.keys(policy.configLimits)].join(", ")}).`;
  const amount = value.length === 1 && value[0]!.kind === "number" ? parseIntegerLiteral(value[0]!.text) : undefined;
  if (amount === undefined) return `${key} must be set to a literal number, so that it can be checked against the policy's cap of ${cap}.`;
  if (amount > cap) return `${key} = ${amount} is above this policy's cap of ${cap}.`;
  return undefined;
}

export function checkMapDeclarations(declarations: readonly MapDeclaration[], policy: LintPolicy): RawFinding[] {
  const findings: RawFinding[] = [];
  for (const { map, kind, args, start, end } of declarations) {
    // Every declarable map type takes one argument, its max entries (docs/language.md, "Map Declarations").
    const size = args.length === 1 && args[0]!.kind === "number" ? parseIntegerLiteral(args[0]!.text) : undefined;
    const where = { start: start.start, end: end.end };
    if (size === undefined) {
      const declared = kind ? `${kind.text}(...)` : "its map type";
      findings.push({
        code: "map-too-large",
        severity: "error",
        message: `The size of ${map.text} must be a literal number in ${declared}, so that it can be checked against the policy's cap of ${policy.maxMapEntries} entries.`,
        ...where,
      });
    } else if (size > policy.maxMapEntries) {
      findings.push({
        code: "map-too-large",
        severity: "error",
        message: `${map.text} asks for ${size} entries; this policy allows at most ${policy.maxMapEntries} per map (each entry is kernel memory, allocated on the host).`,
        ...where,
      });
    }
  }
  return findings;
}

/**
 * bpftrace integer literals: decimal, 0x hex, 0 octal, `_` separators, `<m>e<n>` scientific and C
 * suffixes (U, L, UL, LL). Undefined for anything else (duration suffixes mean nanoseconds, not sizes).
 */
export function parseIntegerLiteral(text: string): number | undefined {
  const digits = text.replace(/_/g, "").replace(/(?:[uU](?:ll|LL|l|L)?|(?:ll|LL|l|L)[uU]?)$/, "");
  if (/^0[xX][0-9a-fA-F]+$/.test(digits)) return Number.parseInt(digits.slice(2), 16);
  if (/^0[0-7]+$/.test(digits)) return Number.parseInt(digits.slice(1), 8);
  const scientific = /^([0-9]+)(?:[eE]([0-9]+))?$/.exec(digits);
  if (!scientific) return undefined;
  return Number(scientific[1]) * 10 ** Number(scientific[2] ?? 0);
}
