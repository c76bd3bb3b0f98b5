import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { findProgramHead, insertNextRevision, transitionRevision } from "@/lib/server/data/programs.ts";
import { AppError } from "@/lib/server/errors.ts";
import { prepareRevisionContent, revisionContentInput } from "./revision-content.ts";

export const reviseProgramInput = revisionContentInput.extend({
  /** The revision number the author edited; a newer one means someone else got there first. */
  baseRevision: z.number().int().positive(),
});

export type ReviseProgramInput = z.infer<typeof reviseProgramInput>;

/**
 * Submits a new, immutable revision. Earlier revisions stay readable; a
 * pending one is superseded (a reviewer can no longer approve it).
 */
export async function reviseProgram(
  db: Db,
  actor: Actor,
  programId: string,
  input: ReviseProgramInput,
  rules: { maxDurationSec: number },
): Promise<{ revisionId: string; number: number }> {
  authorize(actor, "program.revise");
  return db.$transaction(async (tx) => {
    const head = await findProgramHead(tx, programId);
    if (!head) throw new AppError("NOT_FOUND", "No such program.");
    if (head.authorId !== actor.id) throw new AppError("FORBIDDEN", "Only the program's author can submit a new revision.");
    if (head.latestRevision !== input.baseRevision) {
      throw new AppError("CONFLICT", `Revision ${head.latestRevision} is newer than the one you edited (${input.baseRevision}); reload it first.`);
    }
    const content = await prepareRevisionContent(tx, input, rules);
    const who = { type: "user" as const, id: actor.id, name: actor.name };
    if (head.latest?.status === "PENDING") {
      // The conditional update loses to a concurrent approval of that revision; then this edit fails too.
      if (!(await transitionRevision(tx, head.latest.id, "PENDING", "SUPERSEDED"))) {
        throw new AppError("CONFLICT", "The revision you edited was decided meanwhile; reload it first.");
      }
      await appendAudit(tx, {
        actor: who,
        action: "revision.supersede",
        target: { type: "revision", id: head.latest.id },
        fromState: "PENDING",
        toState: "SUPERSEDED",
      });
    }
    const revision = await insertNextRevision(tx, { programId, expectedLatest: head.latestRevision, authorId: actor.id, content });
    if (!revision) throw new AppError("CONFLICT", "Another revision was submitted meanwhile; reload the program.");
    await appendAudit(tx, {
      actor: who,
      action: "revision.submit",
      target: { type: "revision", id: revision.id },
      toState: "PENDING",
      contentHash: content.contentHash,
      data: { programId, number: revision.number },
    });
    return { revisionId: revision.id, number: revision.number };
  });
}
