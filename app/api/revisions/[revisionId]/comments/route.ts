import { getDb } from "@/lib/server/db/client.ts";
import { revisionCommentAnswer } from "@/lib/server/http/answers/revisions.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { revisionParams } from "@/lib/server/http/params.ts";
import { commentInput, commentOnRevision } from "@/lib/server/use-cases/comment-on-revision.ts";

export const POST = defineRoute(
  { access: { kind: "user", action: "revision.comment" }, params: revisionParams, body: commentInput, successStatus: 201, answer: revisionCommentAnswer },
  async ({ actor, params, body }) => commentOnRevision(getDb(), actor!, params.revisionId, body),
);
