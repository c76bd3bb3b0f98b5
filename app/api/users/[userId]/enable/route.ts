import { getDb } from "@/lib/server/db/client.ts";
import { enabledUserAnswer } from "@/lib/server/http/answers/admin.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { userParams } from "@/lib/server/http/params.ts";
import { enableUser, enableUserInput } from "@/lib/server/use-cases/enable-user.ts";

export const POST = defineRoute(
  { access: { kind: "user", action: "user.manage" }, params: userParams, body: enableUserInput, maxBodyBytes: 8 * 1024, answer: enabledUserAnswer },
  async ({ actor, params, body }) => enableUser(getDb(), actor!, params.userId, body),
);
