import "server-only";
import type { RunOrder } from "@/lib/protocol/run-order.ts";
import type { Tx } from "@/lib/server/db/client.ts";
import type { AuditEntry } from "@/lib/server/data/audit.ts";
import { insertRollout, stageRuns } from "@/lib/server/data/rollouts.ts";
import { AppError } from "@/lib/server/errors.ts";
import type { CanaryRule } from "./revision-content.ts";

export type RolloutPlan = {
  /** The canary hosts, each once, by name. */
  canaries: { id: string; name: string }[];
  /** What every order of the launch signs (RunOrder.rollout). */
  signed: NonNullable<RunOrder["rollout"]>;
};

/**
 * Which of a launch's hosts are its canaries, before its orders are signed:
 * null when it starts everywhere at once (one host, no rule, or a rule of
 * 0 s). The hosts the rule names must still be among the launch's hosts; with
 * none named, the first host by name is the canary.
 */
export function planRollout(rule: CanaryRule | null, hosts: readonly { id: string; name: string }[]): RolloutPlan | null {
  if (!rule || rule.periodSec === 0 || hosts.length < 2) return null;
  const byName = new Map(hosts.map((host) => [host.name, host]));
  const named = rule.hosts.filter((name) => byName.has(name));
  if (rule.hosts.length > 0 && named.length === 0) {
    throw new AppError(
      "UNPROCESSABLE",
      `None of the canary hosts (${rule.hosts.join(", ")}) is among the hosts this approval would sign for now; request changes to name another canary.`,
    );
  }
  const first = [...hosts].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0]!;
  const canaries = named.length > 0 ? named.map((name) => byName.get(name)!) : [first];
  // A canary set that is every host would hold nothing back: the launch starts everywhere.
  if (canaries.length >= hosts.length) return null;
  return { canaries, signed: { canaryHosts: canaries.map((host) => host.name), periodSec: rule.periodSec } };
}

/**
 * Stages a launch's queued runs (one approval's, or later one runbook
 * launch's) behind its canary: the rollout row, the runs flagged in one
 * statement, and the audit entry that records the rule. Returns the hosts
 * whose agents may be told now (the canaries'); the others are told when the
 * canary passes (decide-rollouts.ts).
 */
export async function stageRollout(
  tx: Tx,
  launch: { approvalId: string | null; runIds: readonly string[]; budgetPercent: number; contentHash: string },
  plan: RolloutPlan,
): Promise<{ rolloutId: string; notifyHostIds: string[]; audit: AuditEntry }> {
  const rollout = await insertRollout(tx, {
    approvalId: launch.approvalId,
    canaryHosts: plan.signed.canaryHosts,
    periodSec: plan.signed.periodSec,
    budgetPercent: launch.budgetPercent,
  });
  const canaryHostIds = plan.canaries.map((host) => host.id);
  await stageRuns(tx, rollout.id, launch.runIds, canaryHostIds);
  return {
    rolloutId: rollout.id,
    notifyHostIds: canaryHostIds,
    audit: {
      actor: { type: "system" },
      action: "rollout.canary",
      target: { type: "rollout", id: rollout.id },
      toState: "CANARY",
      contentHash: launch.contentHash,
      data: {
        approvalId: launch.approvalId,
        canaryHosts: plan.signed.canaryHosts,
        periodSec: plan.signed.periodSec,
        budgetPercent: launch.budgetPercent,
        held: launch.runIds.length - canaryHostIds.length,
      },
    },
  };
}
