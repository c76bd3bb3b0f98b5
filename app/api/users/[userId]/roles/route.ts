import { getDb } from "@/lib/server/db/client.ts";
import { userRolesAnswer } from "@/lib/server/http/answers/admin.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { userParams } from "@/lib/server/http/params.ts";
import { changeUserRoles, changeUserRolesInput } from "@/lib/server/use-cases/change-user-roles.ts";

export const POST = defineRoute(
  { access: { kind: "user", action: "user.manage" }, params: userParams, body: changeUserRolesInput, maxBodyBytes: 8 * 1024, answer: userRolesAnswer },
  async ({ actor, params, body }) => changeUserRoles(getDb(), actor!, params.userId, body),
);
