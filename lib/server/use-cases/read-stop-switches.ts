import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listEngagedStopSwitches, listRecentStopSwitches, type StopSwitchView } from "@/lib/server/data/stop-switches.ts";

/** The switches engaged now (the Runs page's banner) and the latest ones, released or not. */
export async function readStopSwitches(db: Db, actor: Actor): Promise<{ engaged: StopSwitchView[]; recent: StopSwitchView[] }> {
  authorize(actor, "run.read");
  const [engaged, recent] = await Promise.all([listEngagedStopSwitches(db), listRecentStopSwitches(db, 20)]);
  return { engaged, recent };
}
