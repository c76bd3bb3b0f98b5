import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { findProgramHead, getRevision, lockRevision, transitionRevision } from "@/lib/server/data/programs.ts";
import { AppError } from "@/lib/server/errors.ts";
import { parseInput } from "@/lib/server/parse-input.ts";
import { prepareRevisionContent, requireSomeTarget, revisionContentInput, submitRevision } from "./revision-content.ts";

export const reviseProgramInput = requireSomeTarget(
  revisionContentInput.extend({
    /** The revision number the author edited; a newer one means someone else got there first. */
    baseRevision: z.number().int().positive(),
  }),
);

export type ReviseProgramInput = z.input<typeof reviseProgramInput>;

/**
 * Submits a new, immutable revision. Any engineer may: programs are shared
 * work, and whoever submits a revision is its author (the "last editor"),
 * who, like the program's original author, can never approve it. Earlier
 * revisions stay readable; a pending one is superseded, which dismisses the
 * approvals it had collected.
 */
export async function reviseProgram(
  db: Db,
  actor: Actor,
  programId: string,
  rawInput: ReviseProgramInput,
  rules: { maxDurationSec: number; maxHostsPerApproval?: number; maxRunbookValidityDays?: number },
  now = new Date(),
): Promise<{ revisionId: string; number: number }> {
  authorize(actor, "program.revise");
  const input = parseInput(reviseProgramInput, rawInput);
  return db.$transaction(async (tx) => {
    const head = await findProgramHead(tx, programId);
    if (!head) throw new AppError("NOT_FOUND", "No such program.");
    if (head.latestRevision !== input.baseRevision) {
      throw new AppError("CONFLICT", `Revision ${head.latestRevision} is newer than the one you edited (${input.baseRevision}); reload it first.`);
    }
    const prepared = await prepareRevisionContent(tx, input, { ...rules, now });
    // The same row lock reviewers take: an edit and an approval of that revision never interleave.
    if (head.latest) await lockRevision(tx, head.latest.id);
    const latestStatus = head.latest && (await getRevision(tx, head.latest.id))?.status;
    if (latestStatus === "PENDING") {
      // Its approvals so far (if several are needed) are dismissed with it: they approved other content.
      await transitionRevision(tx, head.latest!.id, "PENDING", "SUPERSEDED");
      await appendAudit(tx, {
        actor: userActor(actor),
        action: "revision.supersede",
        target: { type: "revision", id: head.latest!.id },
        fromState: "PENDING",
        toState: "SUPERSEDED",
      });
    }
    const revision = await submitRevision(tx, actor, {
      programId,
      expectedLatest: head.latestRevision,
      prepared,
      conflict: "Another revision was submitted meanwhile; reload the program.",
    });
    return { revisionId: revision.id, number: revision.number };
  });
}
