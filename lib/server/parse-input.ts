import "server-only";
import type { z } from "zod";
import { AppError } from "@/lib/server/errors.ts";

/**
 * Input given to a use case directly (tools, tests, scripts) goes through the
 * same schema as a request: canonical forms and defaults filled in, or a
 * BAD_REQUEST naming the first problem. For a request its route already
 * parsed, parsing again changes nothing.
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new AppError("BAD_REQUEST", `${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}`);
}
