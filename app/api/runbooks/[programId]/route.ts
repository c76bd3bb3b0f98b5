import { getDb } from "@/lib/server/db/client.ts";
import { runbookAnswer } from "@/lib/server/http/answers/runbooks.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { programParams } from "@/lib/server/http/params.ts";
import { readRunbook } from "@/lib/server/use-cases/read-runbooks.ts";

// The runbook page's contents but the open incidents (those need incident.read, which a runbooks:launch token lacks).
export const GET = defineRoute({ access: { kind: "user", action: "program.read" }, params: programParams, answer: runbookAnswer }, async ({ actor, params }) => {
  const { runbook, scopeHosts, launches, canLaunch } = await readRunbook(getDb(), actor!, params.programId);
  return { runbook, scopeHosts, launches, canLaunch };
});
