import { getDb } from "@/lib/server/db/client.ts";
import { programAnswer } from "@/lib/server/http/answers/programs.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { programParams } from "@/lib/server/http/params.ts";
import { getProgram } from "@/lib/server/use-cases/read-programs.ts";

export const GET = defineRoute({ access: { kind: "user", action: "program.read" }, params: programParams, answer: programAnswer }, async ({ actor, params }) => ({
  program: await getProgram(getDb(), actor!, params.programId),
}));
