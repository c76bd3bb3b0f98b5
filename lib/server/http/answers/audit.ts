import { z } from "zod";
import { AUDIT_CHAIN_PROBLEMS } from "@/lib/server/data/audit-verification.ts";
import { isoDateTime, nullableDateTime } from "./common.ts";

// Answers of /api/audit and /api/audit/verification: the hash-chained trail.

/** One entry of the trail, every field. */
export const auditEntry = z.object({
  id: z.string().describe("The entry's number in the chain (a 64-bit integer, as a string)."),
  at: isoDateTime,
  actorType: z.string().describe("user, host, system or anonymous."),
  actorId: z.string().nullable(),
  actorName: z.string().nullable(),
  action: z.string(),
  targetType: z.string(),
  targetId: z.string(),
  fromState: z.string().nullable(),
  toState: z.string().nullable(),
  reason: z.string().nullable(),
  contentHash: z.string().nullable(),
  data: z.unknown().describe("null, or an object of what the action recorded (ids, counts, hashes; never a secret)."),
  prevHash: z.string(),
  hash: z.string(),
});

/** An entry as the program and incident pages list them: without the actor id, the data and the hashes. */
export const auditEntrySummary = auditEntry.omit({ actorId: true, data: true, prevHash: true, hash: true });

export const auditPageAnswer = z.object({
  events: z.array(auditEntry),
  nextBefore: z.string().nullable().describe("Pass as `before` for the next, older page; null on the last page."),
});

export const auditVerificationAnswer = z.object({
  verification: z.object({
    ok: z.boolean(),
    checked: z.number().int().describe("Entries whose hash and link were checked before the walk stopped."),
    head: z.object({ id: z.string(), hash: z.string() }).nullable(),
    firstBroken: z
      .object({
        problem: z.enum(AUDIT_CHAIN_PROBLEMS),
        entryId: z.string().nullable(),
        at: nullableDateTime,
        action: z.string().nullable(),
        message: z.string(),
      })
      .nullable(),
  }),
});
