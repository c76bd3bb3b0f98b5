import "server-only";
import type { RunOrderDelivery } from "@/lib/protocol/agent-events.ts";
import type { Db } from "@/lib/server/db/client.ts";
import type { AgentIdentity } from "@/lib/server/data/hosts.ts";
import { listQueuedOrders } from "@/lib/server/data/runs.ts";

/**
 * The signed orders queued for this agent's host, oldest first, at most as
 * many as it asks for (its answers are size-capped); it verifies each before
 * acting on it.
 */
export async function listRunOrders(db: Db, agent: AgentIdentity, options: { limit?: number } = {}, now = new Date()): Promise<RunOrderDelivery[]> {
  return listQueuedOrders(db, agent.hostId, now, options.limit ?? 50);
}
