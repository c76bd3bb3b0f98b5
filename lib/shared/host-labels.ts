// Host labels: `key=value` pairs that describe a host (role=db, zone=eu-1,
// canary) so a program can target every host they select
// (lib/shared/host-selector.ts). Shared by the server, the browser and the
// agent's `enroll --label`, so a label one of them accepts the others accept.
//
// Syntax (docs/http-api.md#host-labels):
// - a key is 1 to 63 characters: lower-case letters, digits, '.', '_', '/'
//   and '-', starting with a letter or digit (`team`, `k8s.io/zone`);
// - a value is 0 to 63 characters: letters, digits, '.', '_' and '-';
// - `key` alone is a label with an empty value, and is how one is stored and
//   shown (`canary`, never `canary=`);
// - a host has at most MAX_LABELS_PER_HOST labels and one value per key.
// Stored labels are kept in this canonical form, sorted by key.
import { z } from "zod";

export const LABEL_KEY_PATTERN = /^[a-z0-9][a-z0-9._/-]{0,62}$/;
export const LABEL_VALUE_PATTERN = /^[A-Za-z0-9._-]{0,63}$/;
/** Enough for role, zone, team, environment, kernel and a few of the operator's own; a selector never needs more. */
export const MAX_LABELS_PER_HOST = 32;
/** A key, '=', a value: the longest label text accepted before parsing. */
const MAX_LABEL_TEXT = 63 + 1 + 63;

export type HostLabel = { key: string; value: string };

export type LabelProblem = { ok: false; error: string };

const describe = (text: string) => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

export const KEY_RULE = "a key is 1 to 63 lower-case letters, digits, '.', '_', '/' or '-', starting with a letter or digit";
export const VALUE_RULE = "a value is at most 63 letters, digits, '.', '_' or '-'";

/** One label from its text, `key=value` or `key`; surrounding spaces are ignored. */
export function parseLabel(text: string): { ok: true; label: HostLabel } | LabelProblem {
  if (text.length > MAX_LABEL_TEXT + 16) return { ok: false, error: `The label ${describe(text)} is longer than ${MAX_LABEL_TEXT} characters.` };
  const trimmed = text.trim();
  if (trimmed === "") return { ok: false, error: "A label is empty." };
  const equals = trimmed.indexOf("=");
  const key = (equals < 0 ? trimmed : trimmed.slice(0, equals)).trim();
  const value = equals < 0 ? "" : trimmed.slice(equals + 1).trim();
  if (!LABEL_KEY_PATTERN.test(key)) return { ok: false, error: `The label ${describe(trimmed)} has a bad key: ${KEY_RULE}.` };
  if (!LABEL_VALUE_PATTERN.test(value)) return { ok: false, error: `The label ${describe(trimmed)} has a bad value: ${VALUE_RULE}.` };
  return { ok: true, label: { key, value } };
}

/** The stored form of a label: `key=value`, or `key` when the value is empty. */
export function formatLabel(label: HostLabel): string {
  return label.value === "" ? label.key : `${label.key}=${label.value}`;
}

/**
 * A list of labels in canonical form (sorted by key, each once), or the first
 * problem: a malformed label, a key given two different values, too many.
 * The same label given twice is kept once.
 */
export function normalizeLabels(texts: readonly string[]): { ok: true; labels: string[] } | LabelProblem {
  if (texts.length > MAX_LABELS_PER_HOST * 2) return { ok: false, error: `A host has at most ${MAX_LABELS_PER_HOST} labels.` };
  const byKey = new Map<string, string>();
  for (const text of texts) {
    const parsed = parseLabel(text);
    if (!parsed.ok) return parsed;
    const { key, value } = parsed.label;
    const earlier = byKey.get(key);
    if (earlier !== undefined && earlier !== value) {
      return { ok: false, error: `The label key ${describe(key)} is given two values (${describe(earlier)} and ${describe(value)}); a host has one value per key.` };
    }
    byKey.set(key, value);
  }
  if (byKey.size > MAX_LABELS_PER_HOST) return { ok: false, error: `A host has at most ${MAX_LABELS_PER_HOST} labels; ${byKey.size} were given.` };
  return { ok: true, labels: [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => formatLabel({ key, value })) };
}

/**
 * The labels a host has, by key, from their stored form. A stored label that
 * does not parse (written before labels had a syntax) is left out: it is
 * shown on the Hosts page, where an admin can fix it, but no selector sees it.
 */
export function labelMap(stored: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const text of stored) {
    const parsed = parseLabel(text);
    if (parsed.ok && !map.has(parsed.label.key)) map.set(parsed.label.key, parsed.label.value);
  }
  return map;
}

/** `over`'s labels replace `base`'s of the same key; both already canonical. The result is canonical. */
export function mergeLabels(base: readonly string[], over: readonly string[]): string[] {
  const merged = labelMap(base);
  for (const [key, value] of labelMap(over)) merged.set(key, value);
  return [...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => formatLabel({ key, value }));
}

/** Labels as typed in a form: separated by commas, spaces or new lines. */
export function splitLabelText(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** A request's list of labels, validated and returned in canonical form. */
export const hostLabelsSchema = z
  .array(z.string({ error: "A label is text, like role=db." }).max(MAX_LABEL_TEXT + 16, `A label is at most ${MAX_LABEL_TEXT} characters.`), {
    error: "Labels are a list of key=value texts.",
  })
  .max(MAX_LABELS_PER_HOST * 2, `A host has at most ${MAX_LABELS_PER_HOST} labels.`)
  .transform((texts, ctx) => {
    const result = normalizeLabels(texts);
    if (result.ok) return result.labels;
    ctx.addIssue({ code: "custom", message: result.error });
    return z.NEVER;
  });
