import { getDb } from "@/lib/server/db/client.ts";
import { engagedStopSwitchAnswer, stopSwitchListAnswer } from "@/lib/server/http/answers/admin.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { engageStopSwitch, engageStopSwitchInput } from "@/lib/server/use-cases/engage-stop-switch.ts";
import { readStopSwitches } from "@/lib/server/use-cases/read-stop-switches.ts";

export const GET = defineRoute({ access: { kind: "user", action: "run.read" }, answer: stopSwitchListAnswer }, async ({ actor }) => readStopSwitches(getDb(), actor!));

export const POST = defineRoute(
  { access: { kind: "user", action: "stop-switch.engage" }, body: engageStopSwitchInput, successStatus: 201, answer: engagedStopSwitchAnswer },
  async ({ actor, body }) => engageStopSwitch(getDb(), actor!, body),
);
