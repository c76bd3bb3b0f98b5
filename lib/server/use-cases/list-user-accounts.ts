import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listUserAccounts as listAccounts, type UserAccount } from "@/lib/server/data/users.ts";

export async function listUserAccounts(db: Db, actor: Actor): Promise<UserAccount[]> {
  authorize(actor, "user.manage");
  return listAccounts(db);
}
