import "server-only";
import type { RunStart } from "@/lib/protocol/agent-events.ts";
import type { Db } from "@/lib/server/db/client.ts";
import type { AgentIdentity } from "@/lib/server/data/hosts.ts";
import { startRuns, type StartAnswer } from "./start-runs.ts";

/** One agent's question, on its own (startRuns answers many in one transaction). */
export async function startRun(db: Db, agent: AgentIdentity, request: RunStart, now = new Date()): Promise<StartAnswer> {
  const [answer] = await startRuns(db, [{ agent, request }], now);
  return answer!;
}
