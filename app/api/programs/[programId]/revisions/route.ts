import { getDb } from "@/lib/server/db/client.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { revisedProgramAnswer } from "@/lib/server/http/answers/programs.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { programParams } from "@/lib/server/http/params.ts";
import { reviseProgram, reviseProgramInput } from "@/lib/server/use-cases/revise-program.ts";

export const POST = defineRoute(
  { access: { kind: "user", action: "program.revise" }, params: programParams, body: reviseProgramInput, successStatus: 201, answer: revisedProgramAnswer },
  async ({ actor, params, body }) => {
    const env = loadServerEnv();
    return reviseProgram(getDb(), actor!, params.programId, body, {
      maxDurationSec: env.WORKBENCH_MAX_DURATION_SEC,
      maxHostsPerApproval: env.WORKBENCH_MAX_HOSTS_PER_APPROVAL,
      maxRunbookValidityDays: env.WORKBENCH_MAX_RUNBOOK_VALIDITY_DAYS,
    });
  },
);
