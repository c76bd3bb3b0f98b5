import { getDb } from "@/lib/server/db/client.ts";
import { hostLabelsAnswer } from "@/lib/server/http/answers/hosts.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { hostParams } from "@/lib/server/http/params.ts";
import { changeHostLabels, changeHostLabelsInput } from "@/lib/server/use-cases/change-host-labels.ts";

export const PUT = defineRoute(
  { access: { kind: "user", action: "host.label" }, params: hostParams, body: changeHostLabelsInput, maxBodyBytes: 16 * 1024, answer: hostLabelsAnswer },
  async ({ actor, params, body }) => changeHostLabels(getDb(), actor!, params.hostId, body),
);
