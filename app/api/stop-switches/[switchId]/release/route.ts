import { getDb } from "@/lib/server/db/client.ts";
import { releasedStopSwitchAnswer } from "@/lib/server/http/answers/admin.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { stopSwitchParams } from "@/lib/server/http/params.ts";
import { releaseStopSwitch, releaseStopSwitchInput } from "@/lib/server/use-cases/release-stop-switch.ts";

export const POST = defineRoute(
  { access: { kind: "user", action: "stop-switch.release" }, params: stopSwitchParams, body: releaseStopSwitchInput, answer: releasedStopSwitchAnswer },
  async ({ actor, params, body }) => releaseStopSwitch(getDb(), actor!, params.switchId, body),
);
