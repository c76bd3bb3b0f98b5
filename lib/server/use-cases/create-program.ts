import "server-only";
import { z } from "zod";
import { MAX_PROGRAM_NAME_LENGTH } from "@/lib/shared/limits.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { insertNextRevision, insertProgram } from "@/lib/server/data/programs.ts";
import { AppError } from "@/lib/server/errors.ts";
import { parseInput } from "@/lib/server/parse-input.ts";
import { prepareRevisionContent, requireSomeTarget, revisionContentInput, revisionReview } from "./revision-content.ts";

export const createProgramInput = requireSomeTarget(
  revisionContentInput.extend({
    name: z
      .string({ error: "The program needs a name." })
      .trim()
      .min(1, "The program needs a name.")
      .max(MAX_PROGRAM_NAME_LENGTH, `A name is at most ${MAX_PROGRAM_NAME_LENGTH} characters.`),
  }),
);

export type CreateProgramInput = z.input<typeof createProgramInput>;

/** Creates a program and submits its first revision for review. */
export async function createProgram(
  db: Db,
  actor: Actor,
  rawInput: CreateProgramInput,
  rules: { maxDurationSec: number; maxHostsPerApproval?: number; maxRunbookValidityDays?: number },
  now = new Date(),
): Promise<{ programId: string; revisionId: string }> {
  authorize(actor, "program.create");
  const input = parseInput(createProgramInput, rawInput);
  return db.$transaction(async (tx) => {
    const prepared = await prepareRevisionContent(tx, input, { ...rules, now });
    const program = await insertProgram(tx, { name: input.name, authorId: actor.id });
    const revision = await insertNextRevision(tx, {
      programId: program.id,
      expectedLatest: 0,
      authorId: actor.id,
      content: prepared.content,
      review: revisionReview(prepared),
    });
    if (!revision) throw new AppError("CONFLICT", "The program changed while it was being created.");
    const who = { type: "user" as const, id: actor.id, name: actor.name };
    await appendAudit(tx, { actor: who, action: "program.create", target: { type: "program", id: program.id }, toState: "created" });
    await appendAudit(tx, {
      actor: who,
      action: "revision.submit",
      target: { type: "revision", id: revision.id },
      toState: "PENDING",
      contentHash: prepared.content.contentHash,
      data: { programId: program.id, number: revision.number, risk: prepared.lint.summary.risk, selector: prepared.content.targetSelector, runbook: prepared.content.runbookPolicy !== null },
    });
    return { programId: program.id, revisionId: revision.id };
  });
}
