import "server-only";
import type { TrustStatementDelivery } from "@/lib/protocol/agent-events.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { listTrustStatementsAfter } from "@/lib/server/data/signing-keys.ts";

/** Key rotation statements an agent has not applied yet, oldest first; the agent checks each itself. */
export async function listTrustStatements(db: Db, afterSeq: number): Promise<TrustStatementDelivery[]> {
  return listTrustStatementsAfter(db, afterSeq);
}
