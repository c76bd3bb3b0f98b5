import "server-only";
import { isDeepStrictEqual } from "node:util";
import type { z } from "zod";

// Every JSON route declares the answer it sends (`answer` in defineRoute),
// and the OpenAPI document publishes it. Two checks keep the two in step:
// - at compile time, `Encodes` makes the handler's return type fit the
//   schema (a Date where the wire has an ISO string, since JSON.stringify
//   writes one);
// - at run time, with WORKBENCH_CHECK_ANSWERS=1 (the integration and e2e
//   tests set it), each answer is encoded as it will be sent and parsed with
//   its schema, and a field the schema does not name (zod would strip it)
//   fails too, so the document cannot leave a field out.
// Off by default: production pays nothing for it.

/** What a handler may return for a wire type `T`: the same shape, with Dates where `T` has strings. */
export type Encodes<T> = T extends string
  ? T | Date
  : T extends readonly (infer Item)[]
    ? readonly Encodes<Item>[]
    : T extends Record<string, unknown>
      ? { [Key in keyof T]: Encodes<T[Key]> }
      : T;

export function answerChecksOn(): boolean {
  return process.env.WORKBENCH_CHECK_ANSWERS === "1";
}

/** The message of an answer that does not match its schema: which route, which fields. Thrown, so the test sees a 500 and the log says why. */
export class AnswerMismatch extends Error {
  constructor(route: string, problem: string) {
    super(`The answer of ${route} does not match its documented schema: ${problem}`);
    this.name = "AnswerMismatch";
  }
}

/** Where `wire` has something `parsed` (the schema's output) lost or changed: the path of the first such field, or null. */
export function undocumentedField(wire: unknown, parsed: unknown, path: string[] = []): string | null {
  if (isDeepStrictEqual(wire, parsed)) return null;
  if (Array.isArray(wire) && Array.isArray(parsed) && wire.length === parsed.length) {
    for (let i = 0; i < wire.length; i++) {
      const found = undocumentedField(wire[i], parsed[i], [...path, String(i)]);
      if (found) return found;
    }
  }
  if (wire && parsed && typeof wire === "object" && typeof parsed === "object" && !Array.isArray(wire)) {
    for (const [key, value] of Object.entries(wire)) {
      if (!(key in parsed)) return [...path, key].join(".");
      const found = undocumentedField(value, (parsed as Record<string, unknown>)[key], [...path, key]);
      if (found) return found;
    }
  }
  return path.join(".") || "(answer)";
}

export function checkAnswer(route: string, schema: z.ZodType, answer: unknown): void {
  const wire: unknown = JSON.parse(JSON.stringify(answer ?? null));
  const result = schema.safeParse(wire);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 8).map((issue) => `${issue.path.join(".") || "(answer)"}: ${issue.message}`);
    throw new AnswerMismatch(route, issues.join("; "));
  }
  const extra = undocumentedField(wire, result.data);
  if (extra !== null) throw new AnswerMismatch(route, `${extra} is sent but the schema does not describe it`);
}
