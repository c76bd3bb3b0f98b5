import "server-only";
import { z } from "zod";
import { MAX_REASON_LENGTH } from "@/lib/shared/input-limits.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { getRevision, insertComment } from "@/lib/server/data/programs.ts";
import { AppError } from "@/lib/server/errors.ts";

export const commentInput = z.object({
  line: z.number({ error: "A comment belongs to a line number." }).int().min(1, "Lines start at 1."),
  body: z.string().trim().min(1, "The comment is empty.").max(MAX_REASON_LENGTH, `A comment is at most ${MAX_REASON_LENGTH} characters.`),
});

export type CommentInput = z.infer<typeof commentInput>;

/** A remark on one line of a revision; revisions are immutable, so comments are the way to discuss them. */
export async function commentOnRevision(db: Db, actor: Actor, revisionId: string, input: CommentInput): Promise<{ commentId: string }> {
  authorize(actor, "revision.comment");
  return db.$transaction(async (tx) => {
    const revision = await getRevision(tx, revisionId);
    if (!revision) throw new AppError("NOT_FOUND", "No such revision.");
    const lines = revision.source.split("\n").length;
    if (input.line > lines) throw new AppError("BAD_REQUEST", `The revision has ${lines} lines; there is no line ${input.line}.`);
    const { id } = await insertComment(tx, { revisionId, authorId: actor.id, line: input.line, body: input.body });
    await appendAudit(tx, {
      actor: userActor(actor),
      action: "revision.comment",
      target: { type: "revision", id: revisionId },
      contentHash: revision.contentHash,
      data: { commentId: id, line: input.line },
    });
    return { commentId: id };
  });
}
