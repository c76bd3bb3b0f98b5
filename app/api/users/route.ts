import { getDb } from "@/lib/server/db/client.ts";
import { createdUserAnswer, userListAnswer } from "@/lib/server/http/answers/admin.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { createUserAccount, createUserAccountInput } from "@/lib/server/use-cases/create-user-account.ts";
import { listUserAccounts } from "@/lib/server/use-cases/list-user-accounts.ts";

export const GET = defineRoute({ access: { kind: "user", action: "user.manage" }, answer: userListAnswer }, async ({ actor }) => ({
  users: await listUserAccounts(getDb(), actor!),
}));

export const POST = defineRoute(
  { access: { kind: "user", action: "user.manage" }, body: createUserAccountInput, maxBodyBytes: 8 * 1024, successStatus: 201, answer: createdUserAnswer },
  async ({ actor, body }) => createUserAccount(getDb(), actor!, body),
);
