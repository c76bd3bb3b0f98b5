import { getDb } from "@/lib/server/db/client.ts";
import { revokedApprovalAnswer } from "@/lib/server/http/answers/revisions.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { reviewParams } from "@/lib/server/http/params.ts";
import { revokeApproval, revokeApprovalInput } from "@/lib/server/use-cases/revoke-approval.ts";

export const POST = defineRoute(
  { access: { kind: "user", action: "approval.revoke" }, params: reviewParams, body: revokeApprovalInput, answer: revokedApprovalAnswer },
  async ({ actor, params, body }) => revokeApproval(getDb(), actor!, params.reviewId, body),
);
