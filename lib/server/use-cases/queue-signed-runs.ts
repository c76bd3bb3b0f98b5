import "server-only";
import { randomUUID } from "node:crypto";
import type { Envelope } from "@/lib/protocol/dsse.ts";
import type { RunOrder } from "@/lib/protocol/run-order.ts";
import type { Tx } from "@/lib/server/db/client.ts";
import type { AuditEntry } from "@/lib/server/data/audit.ts";
import { insertRuns, type NewRun } from "@/lib/server/data/runs.ts";
import { stageRollout, type RolloutPlan } from "./stage-rollout.ts";

// The two ways runs are signed, an approval's own orders and a runbook
// launch's, share these steps: one order per host, alike but for the run and
// the host; then the runs stored in one statement and, when a canary rule
// applies, staged behind the canary.

/** What every order of the batch says (all of RunOrder but its run and host). */
export type OrderTemplate = Omit<RunOrder, "runId" | "host">;

/** One signed order per host; each run row carries `run` (revision, approval, expiry, launch). */
export function signOrders(
  signRunOrder: (order: RunOrder) => Envelope,
  hosts: readonly { id: string; name: string }[],
  template: OrderTemplate,
  run: Omit<NewRun, "id" | "hostId" | "envelope">,
): NewRun[] {
  return hosts.map((host) => {
    const runId = randomUUID();
    return { ...run, id: runId, hostId: host.id, envelope: signRunOrder({ ...template, runId, host: host.name }) };
  });
}

/**
 * Stores the runs and, with a canary plan, stages them behind it. Returns the
 * hosts whose agents may be told now (every host, or only the canaries) and
 * the rollout's audit entry for the caller to append with its own.
 */
export async function queueSignedRuns(
  tx: Tx,
  runs: readonly NewRun[],
  rollout: RolloutPlan | null,
  stage: { approvalId: string | null; budgetPercent: number; contentHash: string },
): Promise<{ notifyHostIds: string[]; rolloutAudit: AuditEntry | null }> {
  await insertRuns(tx, runs);
  if (!rollout) return { notifyHostIds: runs.map((run) => run.hostId), rolloutAudit: null };
  // Only the canaries' agents hear of their orders now; the rest are held until the canary passes.
  const staged = await stageRollout(tx, { ...stage, runIds: runs.map((run) => run.id) }, rollout);
  return { notifyHostIds: staged.notifyHostIds, rolloutAudit: staged.audit };
}
