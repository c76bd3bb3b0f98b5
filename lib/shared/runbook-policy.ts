// A runbook's launch policy: what a reviewer approves together with the
// program, inside the same content hash (lib/server/use-cases/revision-content.ts),
// so that a launch needs no new review and can never leave these bounds.
// The "where" of the policy is the revision's own targets (named hosts and/or
// a label selector) and its duration limit is the revision's durationSec, both
// already in the hash; this object adds the rest. Pure, shared with the browser.
import { z } from "zod";
import { MAX_HOSTS_PER_APPROVAL_CEILING } from "./input-limits.ts";
import { runbookParamsSchema } from "./runbook-params.ts";
import { tokenize } from "./policy/tokenize.ts";

export const LAUNCH_ROLES = ["SRE", "ENGINEER", "REVIEWER", "SECURITY_REVIEWER", "ADMIN"] as const;
/** The longest validity any server allows; WORKBENCH_MAX_RUNBOOK_VALIDITY_DAYS caps it lower (default 90). */
export const MAX_RUNBOOK_VALIDITY_DAYS_CEILING = 365;
export const DEFAULT_RUNBOOK_VALIDITY_DAYS = 90;
export const MAX_CONCURRENT_LAUNCHES_CEILING = 100;

export const runbookPolicySchema = z
  .object({
    /** What it measures, in a sentence: the Runbooks page searches it. */
    measures: z.string({ error: "Say what the runbook measures." }).trim().min(1, "Say what the runbook measures.").max(500, "What it measures is at most 500 characters."),
    whenToUse: z.string().trim().max(2000, "When to use it is at most 2000 characters.").default(""),
    params: runbookParamsSchema.default([]),
    maxHostsPerLaunch: z
      .number({ error: "The most hosts per launch is a number." })
      .int()
      .min(1, "A launch takes at least one host.")
      .max(MAX_HOSTS_PER_APPROVAL_CEILING, `A launch takes at most ${MAX_HOSTS_PER_APPROVAL_CEILING} hosts.`),
    maxConcurrentLaunches: z
      .number({ error: "The most launches at once is a number." })
      .int()
      .min(1, "At least one launch at a time.")
      .max(MAX_CONCURRENT_LAUNCHES_CEILING, `At most ${MAX_CONCURRENT_LAUNCHES_CEILING} launches at once.`),
    launchRoles: z
      .array(z.enum(LAUNCH_ROLES, { error: `A launch role is one of ${LAUNCH_ROLES.join(", ")}.` }))
      .min(1, "Name at least one role that may launch it.")
      .default(["SRE"])
      // Canonical order and each once, so the hash does not depend on how they were listed.
      .transform((roles) => [...new Set(roles)].sort()),
    validityDays: z
      .number({ error: "The validity is a number of days." })
      .int()
      .min(1, "The validity is at least one day.")
      .max(MAX_RUNBOOK_VALIDITY_DAYS_CEILING, `The validity is at most ${MAX_RUNBOOK_VALIDITY_DAYS_CEILING} days.`)
      .default(DEFAULT_RUNBOOK_VALIDITY_DAYS),
  })
  .strict();

export type RunbookPolicyInput = z.input<typeof runbookPolicySchema>;
export type RunbookPolicy = z.output<typeof runbookPolicySchema>;

/**
 * The positional parameters a program reads ($1, $2, ...), by number, as the
 * lint's tokenizer sees them (never inside strings or comments). `$#` is not
 * a parameter.
 */
export function positionalParamsUsed(source: string): number[] {
  const used = new Set<number>();
  for (const token of tokenize(source).tokens) {
    const match = token.kind === "var" ? /^\$(\d+)$/.exec(token.text) : null;
    if (match) used.add(Number(match[1]));
  }
  return [...used].sort((a, b) => a - b);
}

/** A sentence when the program reads a parameter the policy does not declare ($3 with two parameters), or null. */
export function undeclaredParamProblem(source: string, policy: Pick<RunbookPolicy, "params">): string | null {
  const missing = positionalParamsUsed(source).filter((n) => n < 1 || n > policy.params.length);
  if (missing.length === 0) return null;
  return `The program reads ${missing.map((n) => `$${n}`).join(", ")}, but the runbook declares ${policy.params.length} parameter${policy.params.length === 1 ? "" : "s"} ($1 is the first).`;
}
