import { z } from "zod";
import { getDb } from "@/lib/server/db/client.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { createdProgramAnswer, programListAnswer } from "@/lib/server/http/answers/programs.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { createProgram, createProgramInput } from "@/lib/server/use-cases/create-program.ts";
import { listProgramsFor } from "@/lib/server/use-cases/read-programs.ts";

export const GET = defineRoute(
  {
    access: { kind: "user", action: "program.read" },
    query: z.object({
      mine: z.enum(["1", "0"]).optional(),
      status: z.enum(["PENDING", "APPROVED", "REJECTED", "SUPERSEDED"]).optional(),
    }),
    answer: programListAnswer,
  },
  async ({ actor, query }) => ({ programs: await listProgramsFor(getDb(), actor!, { mine: query.mine === "1", ...(query.status ? { status: query.status } : {}) }) }),
);

export const POST = defineRoute(
  { access: { kind: "user", action: "program.create" }, body: createProgramInput, successStatus: 201, answer: createdProgramAnswer },
  async ({ actor, body }) => {
    const env = loadServerEnv();
    return createProgram(getDb(), actor!, body, {
      maxDurationSec: env.WORKBENCH_MAX_DURATION_SEC,
      maxHostsPerApproval: env.WORKBENCH_MAX_HOSTS_PER_APPROVAL,
      maxRunbookValidityDays: env.WORKBENCH_MAX_RUNBOOK_VALIDITY_DAYS,
    });
  },
);
