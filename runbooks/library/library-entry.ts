// The contract of one starter-library file pair, runbooks/library/<slug>.json
// beside <slug>.bt, as a zod schema, and a reader for the whole library.
//
// Written here from the contract agreed with the runbook backend (issue 10):
// lib/shared/runbook-params.ts (branch h7-runbooks) carries the schema the
// product uses (`runbookLibraryEntrySchema`); the integration test checks the
// library against that one too once it is on this branch.
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";

const name = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/);
const description = z.string().trim().min(1).max(500);

const integerParam = z
  .strictObject({ name, description, type: z.literal("integer"), min: z.number().int(), max: z.number().int(), default: z.number().int() })
  .refine((p) => p.min <= p.default && p.default <= p.max, "the default lies between min and max");
const stringParam = z
  .strictObject({ name, description, type: z.literal("string"), maxLength: z.number().int().positive(), pattern: z.string().min(1), default: z.string() })
  .refine((p) => p.default.length <= p.maxLength && new RegExp(`^(?:${p.pattern})$`, "u").test(p.default), "the default fits maxLength and the pattern");
const choiceParam = z
  .strictObject({ name, description, type: z.literal("choice"), choices: z.array(z.string().min(1)).min(1), default: z.string() })
  .refine((p) => p.choices.includes(p.default), "the default is one of the choices");
const durationParam = z
  .strictObject({ name, description, type: z.literal("duration"), minSec: z.number().int().positive(), maxSec: z.number().int().positive(), default: z.number().int() })
  .refine((p) => p.minSec <= p.default && p.default <= p.maxSec, "the default lies between minSec and maxSec");

export const libraryEntrySchema = z.strictObject({
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  title: z.string().trim().min(1).max(120),
  measures: z.string().trim().min(1).max(500),
  whenToUse: z.string().trim().min(1).max(2000),
  /** Positional order: the first is bpftrace's $1. */
  params: z
    .array(z.union([integerParam, stringParam, choiceParam, durationParam]))
    .max(16)
    .refine((params) => new Set(params.map((p) => p.name)).size === params.length, "parameter names are all different"),
  requiredTracepoints: z.array(z.string().regex(/^tracepoint:[a-z0-9_]+:[a-z0-9_]+$/)).min(1),
  defaultDurationSec: z.number().int().positive(),
});
export type LibraryEntry = z.infer<typeof libraryEntrySchema>;

export const LIBRARY_DIR = import.meta.dirname;

export type LibraryFile = { slug: string; json: unknown; source: string };

/** Every <slug>.json of the library with its <slug>.bt, unchecked. */
export function readLibrary(dir = LIBRARY_DIR): LibraryFile[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => {
      const slug = file.slice(0, -".json".length);
      return {
        slug,
        json: JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as unknown,
        source: fs.readFileSync(path.join(dir, `${slug}.bt`), "utf8"),
      };
    });
}

/** The defaults as bpftrace's positional parameters: integers and durations as decimal text, strings and choices as they are. */
export function defaultValues(entry: LibraryEntry): string[] {
  return entry.params.map((param) => String(param.default));
}
