import { getDb } from "@/lib/server/db/client.ts";
import { runbookLaunchAnswer } from "@/lib/server/http/answers/runbooks.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { programParams } from "@/lib/server/http/params.ts";
import { signRunOrder } from "@/lib/server/signing/signing-key.ts";
import { launchRunbook, launchRunbookInput } from "@/lib/server/use-cases/launch-runbook.ts";

export const POST = defineRoute(
  { access: { kind: "user", action: "runbook.launch" }, params: programParams, body: launchRunbookInput, successStatus: 201, answer: runbookLaunchAnswer },
  async ({ actor, params, body }) => launchRunbook(getDb(), actor!, params.programId, body, { signRunOrder: (order) => signRunOrder(order), now: () => new Date() }),
);
