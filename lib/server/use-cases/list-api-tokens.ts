import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listUserApiTokens, type ApiTokenSummary } from "@/lib/server/data/api-tokens.ts";

/** The caller's own tokens, newest first, with when and from where each was last used; never the token itself. */
export async function listApiTokens(db: Db, actor: Actor): Promise<ApiTokenSummary[]> {
  authorize(actor, "token.manage");
  return listUserApiTokens(db, actor.id);
}
