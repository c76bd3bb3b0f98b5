import { getDb } from "@/lib/server/db/client.ts";
import { disabledUserAnswer } from "@/lib/server/http/answers/admin.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { userParams } from "@/lib/server/http/params.ts";
import { disableUser, disableUserInput } from "@/lib/server/use-cases/disable-user.ts";

export const POST = defineRoute(
  { access: { kind: "user", action: "user.manage" }, params: userParams, body: disableUserInput, maxBodyBytes: 8 * 1024, answer: disabledUserAnswer },
  async ({ actor, params, body }) => disableUser(getDb(), actor!, params.userId, body),
);
