import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listSigningKeys, type SigningKeySummary } from "@/lib/server/data/signing-keys.ts";

/** The keyring as an admin sees it: ids, status and dates; never key material. */
export async function listSigningKeysFor(db: Db, actor: Actor): Promise<SigningKeySummary[]> {
  authorize(actor, "signing-key.rotate");
  return listSigningKeys(db);
}
