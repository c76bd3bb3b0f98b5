import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { findRolloutOfRun, type RolloutView } from "@/lib/server/data/rollouts.ts";

/** The canary rollout a run's launch went through, or null when it started everywhere at once. */
export async function readRolloutOfRun(db: Db, actor: Actor, runId: string): Promise<{ rollout: RolloutView | null }> {
  authorize(actor, "run.read");
  return { rollout: await findRolloutOfRun(db, runId) };
}
