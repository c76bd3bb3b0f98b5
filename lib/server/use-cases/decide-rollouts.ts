import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { appendAuditBatch, type AuditEntry } from "@/lib/server/data/audit.ts";
import { notifyAllAfterCommit, runsQueuedEvents, type WorkbenchEvent } from "@/lib/server/data/notify.ts";
import { endHeldRuns, listCanaryRuns, listUndecidedRolloutIds, lockUndecidedRollout, recordRolloutDecision, releaseHeldRuns, type CanaryRun } from "@/lib/server/data/rollouts.ts";
import { markRunsStopRequested } from "@/lib/server/data/runs.ts";
import { decodeFrames, frameRowSelect } from "@/lib/server/frames/frame-reads.ts";
import { findRunFrameState } from "@/lib/server/frames/frame-run-state.ts";
import { judgeCanary, type CanaryFacts } from "./judge-canary.ts";

/** Overhead frames read per canary: one every 2 s, so a canary period of up to 10 minutes and then some. */
const OVERHEAD_FRAMES_READ = 500;

/**
 * Decides every undecided rollout whose canary has told enough: each server
 * process runs this every second (and so after a restart too: the state is in
 * PostgreSQL). The decision is taken under the rollout's row lock with SKIP
 * LOCKED and written with a conditional update, so of several processes
 * exactly one decides, once. Returns how many were decided.
 */
export async function decideRollouts(db: Db, now = () => new Date()): Promise<number> {
  let decided = 0;
  for (const rolloutId of await listUndecidedRolloutIds(db, 100)) {
    if (await decideRollout(db, rolloutId, now)) decided++;
  }
  return decided;
}

export async function decideRollout(db: Db, rolloutId: string, now = () => new Date()): Promise<boolean> {
  // The measurements are read first, outside the lock (they only grow); the states are read again under it.
  const overhead = await canaryOverhead(db, await listCanaryRuns(db, rolloutId));
  return db.$transaction(async (tx) => {
    const rollout = await lockUndecidedRollout(tx, rolloutId);
    if (!rollout) return false;
    const canaries = await listCanaryRuns(tx, rolloutId);
    const facts: CanaryFacts[] = canaries.map((run) => ({ ...run, cpuPercent: overhead.get(run.id) ?? null }));
    const at = now();
    const verdict = judgeCanary(rollout, facts, at);
    if (verdict.verdict === "wait") return false;
    const state = verdict.verdict === "pass" ? "PASSED" : "ABORTED";
    if (!(await recordRolloutDecision(tx, rolloutId, { state, sentence: verdict.sentence, canaryCpuPercent: verdict.cpuPercent, at }))) return false;
    const audit: AuditEntry[] = [
      {
        actor: { type: "system" },
        action: verdict.verdict === "pass" ? "rollout.pass" : "rollout.abort",
        target: { type: "rollout", id: rolloutId },
        fromState: "CANARY",
        toState: state,
        reason: verdict.sentence,
        data: { approvalId: rollout.approvalId, canaryHosts: rollout.canaryHosts, canaryCpuPercent: verdict.cpuPercent, budgetPercent: rollout.budgetPercent },
      },
    ];
    const events: WorkbenchEvent[] = [];
    if (verdict.verdict === "pass") {
      const released = await releaseHeldRuns(tx, rolloutId);
      events.push(...runsQueuedEvents([...new Set(released.map((run) => run.hostId))]));
      audit[0]!.data = { ...audit[0]!.data, released: released.length };
    } else {
      const detail = `launch aborted: ${verdict.sentence}`;
      const ended = await endHeldRuns(tx, rolloutId, detail, at);
      // Canaries still running (another canary failed) stop too.
      const stopping = await markRunsStopRequested(
        tx,
        canaries.filter((run) => run.status === "RUNNING").map((run) => run.id),
        { userId: null, reason: detail, at },
      );
      audit[0]!.data = { ...audit[0]!.data, ended: ended.length, stopped: stopping.length };
      for (const id of ended) audit.push({ actor: { type: "system" }, action: "run.abort", target: { type: "run", id }, fromState: "QUEUED", toState: "ENDED", reason: detail });
      for (const run of stopping) {
        audit.push({ actor: { type: "system" }, action: "run.abort", target: { type: "run", id: run.id }, fromState: "RUNNING", toState: "STOPPING", reason: detail });
        events.push({ type: "run.stop-requested", runId: run.id, hostId: run.hostId, cause: "user", reason: detail });
      }
      events.push(...ended.map((runId) => ({ type: "run.changed" as const, runId })));
    }
    // Each canary's page shows the decision.
    events.push(...canaries.map((run) => ({ type: "run.changed" as const, runId: run.id })));
    await appendAuditBatch(tx, audit);
    await notifyAllAfterCommit(tx, events);
    return true;
  });
}

/** The highest overhead each canary run reported, from its stored overhead frames. */
async function canaryOverhead(db: Db, canaries: readonly CanaryRun[]): Promise<Map<string, number>> {
  const peaks = new Map<string, number>();
  for (const run of canaries) {
    if (!run.startedAt) continue;
    const state = await findRunFrameState(db, run.id);
    if (!state) continue;
    // Overhead records name no map; the newest of the run's records without one.
    const rows = await db.frame.findMany({ where: { runKey: state.runKey, map: null }, orderBy: { seq: "desc" }, take: OVERHEAD_FRAMES_READ, select: frameRowSelect });
    const frames = await decodeFrames(db, run.id, state, rows.reverse());
    for (const frame of frames) {
      if (frame.record.type !== "overhead") continue;
      peaks.set(run.id, Math.max(peaks.get(run.id) ?? 0, frame.record.cpuPercent));
    }
  }
  return peaks;
}
