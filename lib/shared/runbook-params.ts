// A runbook's typed parameters: the schema a reviewer approves with the
// program, the values a launch gives, and how those values reach bpftrace.
// Shared by the server (policy at approval, checks at launch), the agent
// (checks the signed values against the signed schema before anything runs)
// and the browser (one input per type). Pure: no I/O.
//
// Values never touch the program text: they go to bpftrace as positional
// parameters after the program, in the order of the schema ($1 is the first
// parameter), so the program that runs is byte for byte the reviewed one.
// Documented in docs/run-order.md ("Runbook launches").
import { z } from "zod";
import { MAX_DURATION_SEC_CEILING } from "./input-limits.ts";

export const PARAM_NAME_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;
/** bpftrace numbers positional parameters $1..$N; a runbook keeps N small enough to review. */
export const MAX_RUNBOOK_PARAMS = 16;
/** A string value is one argv element; bpftrace's str() reads at most its maxStrlen (64 by default) anyway. */
export const MAX_STRING_PARAM_LENGTH = 256;
export const MAX_PARAM_PATTERN_LENGTH = 200;
export const MAX_CHOICES = 64;
export const MAX_CHOICE_LENGTH = 64;
const MAX_DESCRIPTION_LENGTH = 500;
/** bpftrace's integers are 64-bit; JSON numbers are exact to 2^53, which is what a signed value can carry. */
const INT_BOUND = Number.MAX_SAFE_INTEGER;

const name = z.string().regex(PARAM_NAME_PATTERN, "A parameter name is a lowercase letter, then up to 31 lowercase letters, digits or underscores.");
const description = z.string().trim().min(1, "Every parameter needs a description.").max(MAX_DESCRIPTION_LENGTH);
const safeInt = z.number().int().min(-INT_BOUND).max(INT_BOUND);

/** A pattern is compiled anchored (^(?:pattern)$) with the `u` flag; one that does not compile is refused. */
export function compileParamPattern(pattern: string): RegExp | null {
  try {
    return new RegExp(`^(?:${pattern})$`, "u");
  } catch {
    return null;
  }
}

const integerParam = z
  .object({ name, description, type: z.literal("integer"), min: safeInt, max: safeInt, default: safeInt })
  .strict()
  .refine((p) => p.min <= p.max, { message: "An integer parameter's min is at most its max.", path: ["min"] })
  .refine((p) => p.default >= p.min && p.default <= p.max, { message: "An integer parameter's default lies between its min and max.", path: ["default"] });

const stringParam = z
  .object({
    name,
    description,
    type: z.literal("string"),
    maxLength: z.number().int().min(1).max(MAX_STRING_PARAM_LENGTH),
    pattern: z
      .string()
      .min(1)
      .max(MAX_PARAM_PATTERN_LENGTH)
      .refine((p) => compileParamPattern(p) !== null, "The pattern is not a valid regular expression."),
    default: z.string(),
  })
  .strict()
  .refine((p) => p.default.length <= p.maxLength && compileParamPattern(p.pattern)?.test(p.default) === true, {
    message: "A string parameter's default fits its maximum length and pattern.",
    path: ["default"],
  });

const choiceParam = z
  .object({
    name,
    description,
    type: z.literal("choice"),
    choices: z
      .array(z.string().min(1).max(MAX_CHOICE_LENGTH))
      .min(1)
      .max(MAX_CHOICES)
      .refine((c) => new Set(c).size === c.length, "The choices are all different."),
    default: z.string(),
  })
  .strict()
  .refine((p) => p.choices.includes(p.default), { message: "A choice parameter's default is one of its choices.", path: ["default"] });

const durationParam = z
  .object({
    name,
    description,
    type: z.literal("duration"),
    minSec: z.number().int().min(1).max(MAX_DURATION_SEC_CEILING),
    maxSec: z.number().int().min(1).max(MAX_DURATION_SEC_CEILING),
    default: z.number().int(),
  })
  .strict()
  .refine((p) => p.minSec <= p.maxSec, { message: "A duration parameter's minSec is at most its maxSec.", path: ["minSec"] })
  .refine((p) => p.default >= p.minSec && p.default <= p.maxSec, { message: "A duration parameter's default lies between minSec and maxSec.", path: ["default"] });

export const runbookParamSchema = z.discriminatedUnion("type", [integerParam, stringParam, choiceParam, durationParam]);
export type RunbookParam = z.infer<typeof runbookParamSchema>;

/** The ordered parameter list: position i is bpftrace's $(i+1). Names are unique. */
export const runbookParamsSchema = z
  .array(runbookParamSchema)
  .max(MAX_RUNBOOK_PARAMS, `A runbook has at most ${MAX_RUNBOOK_PARAMS} parameters.`)
  .refine((params) => new Set(params.map((p) => p.name)).size === params.length, "Parameter names are all different.");

/** A launch's values, by parameter name: integers and durations (seconds) as numbers, strings and choices as strings. */
export const paramValuesSchema = z.record(z.string().regex(PARAM_NAME_PATTERN), z.union([safeInt, z.string().max(MAX_STRING_PARAM_LENGTH)]));
export type ParamValues = z.infer<typeof paramValuesSchema>;

export type ParamProblem = { name: string; message: string };

/** Why one value does not fit its parameter, as a sentence; null when it fits. */
export function checkParamValue(param: RunbookParam, value: unknown): string | null {
  switch (param.type) {
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) return `${param.name} must be a whole number.`;
      if (value < param.min || value > param.max) return `${param.name} must be between ${param.min} and ${param.max}; ${value} is not.`;
      return null;
    case "duration":
      if (typeof value !== "number" || !Number.isInteger(value)) return `${param.name} must be a whole number of seconds.`;
      if (value < param.minSec || value > param.maxSec) return `${param.name} must be between ${param.minSec} and ${param.maxSec} seconds; ${value} is not.`;
      return null;
    case "string": {
      if (typeof value !== "string") return `${param.name} must be text.`;
      if (value.length > param.maxLength) return `${param.name} is at most ${param.maxLength} characters.`;
      if (value.includes("\u0000")) return `${param.name} contains a NUL character.`;
      const pattern = compileParamPattern(param.pattern);
      if (!pattern || !pattern.test(value)) return `${param.name} must match the pattern ${param.pattern}.`;
      return null;
    }
    case "choice":
      if (typeof value !== "string" || !param.choices.includes(value)) return `${param.name} must be one of ${param.choices.join(", ")}.`;
      return null;
  }
}

/**
 * Every problem with a launch's values: a missing value, one that breaks its
 * parameter, or a name the schema does not have. Empty when they all fit.
 */
export function checkParamValues(params: readonly RunbookParam[], values: Readonly<Record<string, unknown>>): ParamProblem[] {
  const problems: ParamProblem[] = [];
  const known = new Set(params.map((p) => p.name));
  for (const key of Object.keys(values)) {
    if (!known.has(key)) problems.push({ name: key, message: `This runbook has no parameter ${key}.` });
  }
  for (const param of params) {
    if (!Object.hasOwn(values, param.name)) {
      problems.push({ name: param.name, message: `${param.name} has no value.` });
      continue;
    }
    const message = checkParamValue(param, values[param.name]);
    if (message) problems.push({ name: param.name, message });
  }
  return problems;
}

/** The defaults, as a launch form starts. */
export function defaultParamValues(params: readonly RunbookParam[]): ParamValues {
  return Object.fromEntries(params.map((p) => [p.name, p.default]));
}

/**
 * The argv elements that follow the program, one per parameter in schema
 * order: bpftrace reads them as $1, $2, ... Integers and durations as decimal
 * text; strings and choices exactly as given (one element each, whatever
 * quotes, braces or newlines they hold). Call only with checked values.
 */
export function positionalArgs(params: readonly RunbookParam[], values: Readonly<ParamValues>): string[] {
  return params.map((param) => {
    const value = values[param.name];
    return typeof value === "number" ? String(value) : (value ?? "");
  });
}

/** One file pair of the starter library: runbooks/library/<slug>.json beside <slug>.bt (the program). */
export const runbookLibraryEntrySchema = z
  .object({
    slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
    title: z.string().trim().min(1).max(120),
    measures: z.string().trim().min(1).max(500),
    whenToUse: z.string().trim().min(1).max(2000),
    params: runbookParamsSchema,
    requiredTracepoints: z.array(z.string().min(1).max(200)).max(64),
    defaultDurationSec: z.number().int().min(1).max(MAX_DURATION_SEC_CEILING),
  })
  .strict();
export type RunbookLibraryEntry = z.infer<typeof runbookLibraryEntrySchema>;
