import "server-only";
import type { DryRunResult } from "@/lib/protocol/agent-events.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { completeDryRun } from "@/lib/server/data/dry-runs.ts";

const STATUS = { ok: "OK", failed: "FAILED", refused: "REFUSED" } as const;

/** Stores what the agent answered (already validated against dryRunResultSchema), or why it did not. */
export async function recordDryRunResult(db: Db, dryRunId: string, outcome: { result: DryRunResult } | { unavailable: string }, now = new Date()): Promise<void> {
  if ("unavailable" in outcome) {
    await completeDryRun(
      db,
      dryRunId,
      { status: "UNAVAILABLE", probes: [], probeCount: null, message: outcome.unavailable, findings: [], bpftraceVersion: null, elapsedMs: null },
      now,
    );
    return;
  }
  const { result } = outcome;
  await completeDryRun(
    db,
    dryRunId,
    {
      status: STATUS[result.outcome],
      probes: result.probes,
      probeCount: result.outcome === "ok" ? result.probeCount : null,
      message: result.message,
      findings: result.findings,
      bpftraceVersion: result.bpftraceVersion,
      elapsedMs: result.elapsedMs,
    },
    now,
  );
}
