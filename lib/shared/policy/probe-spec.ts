// A probe specification as written (`t:syscalls:sys_enter_*`), split into its
// type and `:`-separated parts, and counted against a host's probe catalog.
import { resolveProbeType } from "../bpftrace/language.ts";

export type ProbeSpec = {
  /** The provider as written: `t`, `tracepoint`, `*`. */
  provider: string;
  /** The full name of the probe type, or undefined when the provider is unknown or a wildcard. */
  type: string | undefined;
  /** The parts after the provider, quotes removed from quoted parts. */
  parts: string[];
  /** Per part: whether it holds a `*` or `?` outside quotes. */
  wildcardParts: boolean[];
};

const WILDCARD = /[*?]/;

export function parseProbeSpec(text: string): ProbeSpec {
  const [provider = "", ...rawParts] = splitOutsideQuotes(text);
  const parts = rawParts.map(unquote);
  const wildcardParts = rawParts.map((part) => WILDCARD.test(withoutQuoted(part)));
  const type = WILDCARD.test(provider) ? undefined : fullTypeName(provider);
  return { provider, type, parts, wildcardParts };
}

/**
 * resolveProbeType, remembered: a program names the same few types over and over. Only real
 * names are kept, so that arbitrary input (the server lints what anyone submits) cannot grow it.
 */
const fullTypeNames = new Map<string, string>();
function fullTypeName(provider: string): string | undefined {
  let name = fullTypeNames.get(provider);
  if (name === undefined) {
    name = resolveProbeType(provider)?.name;
    if (name !== undefined) fullTypeNames.set(provider, name);
  }
  return name;
}

export function hasWildcard(spec: ProbeSpec): boolean {
  return spec.wildcardParts.includes(true);
}

function splitOutsideQuotes(text: string): string[] {
  if (!text.includes('"')) return text.split(":").map((part) => part.trim());
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === "\\") {
      current += c + (text[i + 1] ?? "");
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (c === ":" && !quoted) {
      parts.push(current.trim());
      current = "";
    } else {
      current += c;
    }
  }
  parts.push(current.trim());
  return parts;
}

const QUOTED = /"((?:[^"\\]|\\.)*)"/g;

function unquote(part: string): string {
  return part.includes('"') ? part.replace(QUOTED, "$1") : part;
}

function withoutQuoted(part: string): string {
  return part.includes('"') ? part.replace(QUOTED, "") : part;
}

/**
 * How `bpftrace -l` lists probes varies: return probes may be listed only under their entry
 * type, and kernel functions with or without their module. Counting tolerates both.
 */
const ENTRY_TYPE_OF_RETURN: Record<string, string> = {
  kretprobe: "kprobe",
  uretprobe: "uprobe",
  fexit: "fentry",
  kretfunc: "kfunc",
};
const MODULE_OPTIONAL = new Set(["kprobe", "kretprobe", "fentry", "fexit", "kfunc", "kretfunc", "rawtracepoint"]);
/**
 * Types whose probes a host lists by name. Software and hardware events are listed in a form a
 * program does not use (0.17 prints `software:*:`, a program writes `software:cs:100`), and timers
 * and BEGIN/END are not listed at all: a catalog says nothing about them.
 */
const CATALOGUED_TYPES = new Set([...MODULE_OPTIONAL, "tracepoint", "uprobe", "uretprobe", "usdt", "iter"]);

const MAX_REMEMBERED_COUNTS = 1000;
/**
 * The catalog's entries by full probe type: their parts after the type, the same joined by `:` for
 * exact lookups, and the counts of wildcards already asked for (the editor lints on every keystroke
 * with the same catalog).
 */
type TypeEntries = { parts: string[][]; exact: Set<string>; counted: Map<string, number> };
type CatalogIndex = Map<string, TypeEntries>;
const catalogIndexes = new WeakMap<readonly string[], CatalogIndex>();

function indexCatalog(catalog: readonly string[]): CatalogIndex {
  const cached = catalogIndexes.get(catalog);
  if (cached) return cached;
  const index: CatalogIndex = new Map();
  for (const entry of catalog) {
    const [provider = "", ...rawParts] = splitOutsideQuotes(entry);
    const type = fullTypeName(provider);
    if (!type) continue;
    let entries = index.get(type);
    if (!entries) index.set(type, (entries = { parts: [], exact: new Set(), counted: new Map() }));
    const parts = rawParts.map(unquote);
    entries.parts.push(parts);
    entries.exact.add(parts.join(":"));
    if (MODULE_OPTIONAL.has(type) && parts.length > 1) entries.exact.add(parts.slice(1).join(":"));
  }
  catalogIndexes.set(catalog, index);
  return index;
}

/**
 * How many catalog entries the spec matches, or undefined when the catalog lists no probe of
 * its type (timers, BEGIN/END, uprobes of a binary the host did not list): then nobody knows.
 */
export function countMatches(spec: ProbeSpec, catalog: readonly string[] | undefined): number | undefined {
  if (!catalog || !spec.type || !CATALOGUED_TYPES.has(spec.type)) return undefined;
  const index = indexCatalog(catalog);
  const entries = index.get(spec.type) ?? index.get(ENTRY_TYPE_OF_RETURN[spec.type] ?? "");
  if (!entries) return undefined;
  if (!hasWildcard(spec)) return entries.exact.has(spec.parts.join(":")) ? 1 : 0;
  const key = `${spec.type}:${spec.parts.join(":")}`;
  let count = entries.counted.get(key);
  if (count === undefined) {
    count = countWildcardMatches(spec, entries.parts, MODULE_OPTIONAL.has(spec.type));
    // A long-lived catalog (the server's copy of a host's) sees patterns from anyone: keep the memory bounded.
    if (entries.counted.size >= MAX_REMEMBERED_COUNTS) entries.counted.clear();
    entries.counted.set(key, count);
  }
  return count;
}

function countWildcardMatches(spec: ProbeSpec, entries: readonly string[][], moduleOptional: boolean): number {
  const matchers = spec.parts.map((part, i) => (spec.wildcardParts[i] ? (text: string) => globMatches(part, text) : (text: string) => text === part));
  let count = 0;
  for (const entry of entries) {
    const offset = entry.length - matchers.length;
    if (offset !== 0 && !(offset === 1 && moduleOptional)) continue;
    if (matchers.every((matches, i) => matches(entry[i + offset]!))) count++;
  }
  return count;
}

/**
 * `*` matches any run of characters and `?` one character, within one part, as in bpftrace.
 * Matched by walking both strings rather than with a RegExp: `*a*a*a*…b` would make a regex
 * backtrack exponentially, and the server matches patterns anyone can submit.
 */
export function globMatches(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let starText = 0;
  while (t < text.length) {
    if (g < glob.length && (glob[g] === "?" || glob[g] === text[t])) {
      g++;
      t++;
    } else if (g < glob.length && glob[g] === "*") {
      star = g++;
      starText = t;
    } else if (star !== -1) {
      g = star + 1;
      t = ++starText;
    } else {
      return false;
    }
  }
  while (glob[g] === "*") g++;
  return g === glob.length;
}
