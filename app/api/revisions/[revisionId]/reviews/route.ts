import { getDb } from "@/lib/server/db/client.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { reviewOutcomeAnswer } from "@/lib/server/http/answers/revisions.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { revisionParams } from "@/lib/server/http/params.ts";
import { signRunOrder } from "@/lib/server/signing/signing-key.ts";
import { reviewRevision, reviewRevisionInput } from "@/lib/server/use-cases/review-revision.ts";

export const POST = defineRoute(
  { access: { kind: "user", action: "revision.review" }, params: revisionParams, body: reviewRevisionInput, successStatus: 201, answer: reviewOutcomeAnswer },
  async ({ actor, params, body }) =>
    reviewRevision(getDb(), actor!, params.revisionId, body, {
      signRunOrder: (order) => signRunOrder(order),
      now: () => new Date(),
      maxHostsPerApproval: loadServerEnv().WORKBENCH_MAX_HOSTS_PER_APPROVAL,
      maxRunbookValidityDays: loadServerEnv().WORKBENCH_MAX_RUNBOOK_VALIDITY_DAYS,
    }),
);
