// Label selectors: which hosts a program runs on, by their labels
// (lib/shared/host-labels.ts). The program editor counts the hosts a selector
// matches as it is typed, the server resolves it at approval, and both use
// this parser and matcher. Pure: no I/O, no regular expression whose time
// grows faster than its input.
//
// Syntax (docs/http-api.md#label-selectors): terms separated by commas, all
// of which must hold (AND):
//   key=value    the host has the label key with exactly this value
//   key!=value   the host does not have key=value (a host without the key matches)
//   key          the host has the key, with any value
//   !key         the host does not have the key
// Spaces around terms and operators are ignored. `key=` asks for the empty
// value (a label given as `key` alone). A selector has at most
// MAX_SELECTOR_TERMS terms and MAX_SELECTOR_LENGTH characters.
//
// Its canonical form, which revisions store and their content hash covers,
// has the terms sorted and each once, without spaces: `role=db, zone!=eu-1`
// and `zone!=eu-1,role=db` are the same selector.
import { z } from "zod";
import { KEY_RULE, LABEL_KEY_PATTERN, LABEL_VALUE_PATTERN, VALUE_RULE, labelMap } from "./host-labels.ts";

export const MAX_SELECTOR_LENGTH = 1024;
export const MAX_SELECTOR_TERMS = 32;

export type SelectorTerm = { op: "="; key: string; value: string } | { op: "!="; key: string; value: string } | { op: "exists"; key: string } | { op: "absent"; key: string };

export type HostSelector = { terms: SelectorTerm[]; canonical: string };

export type SelectorParse = { ok: true; selector: HostSelector | null } | { ok: false; error: string };

const describe = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

function formatTerm(term: SelectorTerm): string {
  switch (term.op) {
    case "=":
    case "!=":
      return `${term.key}${term.op}${term.value}`;
    case "exists":
      return term.key;
    case "absent":
      return `!${term.key}`;
  }
}

function parseTerm(raw: string, position: number): SelectorTerm | string {
  const text = raw.trim();
  const where = `term ${position}`;
  if (text === "") return `The selector's ${where} is empty (two commas in a row, or one at an end).`;
  const checkKey = (key: string): string | null => (LABEL_KEY_PATTERN.test(key) ? null : `The selector's ${where} (${describe(text)}) has a bad key: ${KEY_RULE}.`);
  const checkValue = (value: string): string | null => (LABEL_VALUE_PATTERN.test(value) ? null : `The selector's ${where} (${describe(text)}) has a bad value: ${VALUE_RULE}.`);
  const notEquals = text.indexOf("!=");
  const equals = text.indexOf("=");
  if (notEquals >= 0 && notEquals < equals) {
    const key = text.slice(0, notEquals).trim();
    const value = text.slice(notEquals + 2).trim();
    const problem = checkKey(key) ?? checkValue(value);
    return problem ?? { op: "!=", key, value };
  }
  if (equals >= 0) {
    const key = text.slice(0, equals).trim();
    const value = text.slice(equals + 1).trim();
    // `a==b` is a slip for `a=b`; say so rather than "bad value".
    if (value.startsWith("=")) return `The selector's ${where} (${describe(text)}) has "==": equality is a single "=".`;
    const problem = checkKey(key) ?? checkValue(value);
    return problem ?? { op: "=", key, value };
  }
  if (text.startsWith("!")) {
    const key = text.slice(1).trim();
    return checkKey(key) ?? { op: "absent", key };
  }
  return checkKey(text) ?? { op: "exists", key: text };
}

/**
 * Parses a selector. Blank text is no selector (`selector: null`). A selector
 * no host could ever match (`role=db,role=web`, `team,!team`) is refused,
 * since it can only be a mistake.
 */
export function parseHostSelector(text: string): SelectorParse {
  if (text.length > MAX_SELECTOR_LENGTH) return { ok: false, error: `A selector is at most ${MAX_SELECTOR_LENGTH} characters.` };
  if (text.trim() === "") return { ok: true, selector: null };
  const parts = text.split(",");
  if (parts.length > MAX_SELECTOR_TERMS) return { ok: false, error: `A selector has at most ${MAX_SELECTOR_TERMS} terms.` };
  const byText = new Map<string, SelectorTerm>();
  for (const [index, part] of parts.entries()) {
    const term = parseTerm(part, index + 1);
    if (typeof term === "string") return { ok: false, error: term };
    byText.set(formatTerm(term), term);
  }
  const terms = [...byText.values()];
  const contradiction = findContradiction(terms);
  if (contradiction) return { ok: false, error: contradiction };
  const canonicalTerms = [...byText.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { ok: true, selector: { terms: canonicalTerms.map((t) => byText.get(t)!), canonical: canonicalTerms.join(",") } };
}

function findContradiction(terms: SelectorTerm[]): string | null {
  const equal = new Map<string, string>();
  const present = new Set<string>();
  const absent = new Set<string>();
  for (const term of terms) {
    if (term.op === "=") {
      const earlier = equal.get(term.key);
      if (earlier !== undefined && earlier !== term.value) {
        return `The selector asks for ${term.key}=${earlier} and ${term.key}=${term.value}; a host has one value per key, so nothing could match.`;
      }
      equal.set(term.key, term.value);
      present.add(term.key);
    }
    if (term.op === "exists") present.add(term.key);
    if (term.op === "absent") absent.add(term.key);
  }
  for (const key of absent) if (present.has(key)) return `The selector asks for ${key} and for !${key}; nothing could match.`;
  for (const term of terms) {
    if (term.op === "!=" && equal.get(term.key) === term.value) {
      return `The selector asks for ${term.key}=${term.value} and ${term.key}!=${term.value}; nothing could match.`;
    }
  }
  return null;
}

/** Whether a host with these labels (by key, see labelMap) satisfies every term. */
export function selectorMatchesLabels(selector: HostSelector, labels: ReadonlyMap<string, string>): boolean {
  for (const term of selector.terms) {
    const value = labels.get(term.key);
    switch (term.op) {
      case "=":
        if (value !== term.value) return false;
        break;
      case "!=":
        if (value === term.value) return false;
        break;
      case "exists":
        if (value === undefined) return false;
        break;
      case "absent":
        if (value !== undefined) return false;
        break;
    }
  }
  return true;
}

/** The hosts among `hosts` that a selector matches, in their order. */
export function selectHosts<T extends { labels: readonly string[] }>(selector: HostSelector, hosts: readonly T[]): T[] {
  return hosts.filter((host) => selectorMatchesLabels(selector, labelMap(host.labels)));
}

/**
 * A request's selector: missing or blank is none (undefined), anything else
 * its canonical form. Parsing the result again gives the same result.
 */
export const hostSelectorSchema = z
  .string({ error: "A selector is text, like role=db,zone!=eu-1." })
  .max(MAX_SELECTOR_LENGTH, `A selector is at most ${MAX_SELECTOR_LENGTH} characters.`)
  .optional()
  .transform((text, ctx) => {
    const result = parseHostSelector(text ?? "");
    if (result.ok) return result.selector?.canonical;
    ctx.addIssue({ code: "custom", message: result.error });
    return z.NEVER;
  });

/** A stored (canonical) selector; throws on one that does not parse, which would be a bug upstream. */
export function storedSelector(canonical: string): HostSelector {
  const result = parseHostSelector(canonical);
  if (!result.ok || !result.selector) throw new Error(`stored selector ${JSON.stringify(canonical)} does not parse`);
  return result.selector;
}
