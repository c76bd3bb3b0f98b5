import "server-only";
import { z } from "zod";
import { MAX_PROGRAM_NAME_LENGTH } from "@/lib/shared/input-limits.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { insertProgram } from "@/lib/server/data/programs.ts";
import { parseInput } from "@/lib/server/parse-input.ts";
import { prepareRevisionContent, requireSomeTarget, revisionContentInput, submitRevision } from "./revision-content.ts";

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
    await appendAudit(tx, { actor: userActor(actor), action: "program.create", target: { type: "program", id: program.id }, toState: "created" });
    const revision = await submitRevision(tx, actor, {
      programId: program.id,
      expectedLatest: 0,
      prepared,
      conflict: "The program changed while it was being created.",
    });
    return { programId: program.id, revisionId: revision.id };
  });
}
