import { getDb } from "@/lib/server/db/client.ts";
import { dryRunAnswer, dryRunListAnswer } from "@/lib/server/http/answers/revisions.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { revisionParams } from "@/lib/server/http/params.ts";
import { listDryRunsFor } from "@/lib/server/use-cases/read-dry-runs.ts";
import { requestDryRun, requestDryRunInput } from "@/lib/server/use-cases/request-dry-run.ts";

/** Compile the revision's program on one of its target hosts' agent, without attaching it; answers when the agent did. */
export const POST = defineRoute(
  { access: { kind: "user", action: "revision.dry-run" }, params: revisionParams, body: requestDryRunInput, successStatus: 201, answer: dryRunAnswer },
  async ({ actor, params, body }) => ({ dryRun: await requestDryRun(getDb(), actor!, params.revisionId, body.hostId) }),
);

export const GET = defineRoute({ access: { kind: "user", action: "program.read" }, params: revisionParams, answer: dryRunListAnswer }, async ({ actor, params }) => ({
  dryRuns: await listDryRunsFor(getDb(), actor!, params.revisionId),
}));
