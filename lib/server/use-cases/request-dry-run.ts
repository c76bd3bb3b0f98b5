import "server-only";
import { z } from "zod";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { completeDryRun, getDryRun, insertDryRun, revisionExists, type DryRunView } from "@/lib/server/data/dry-runs.ts";
import { findHost } from "@/lib/server/data/hosts.ts";
import { isRevisionTargetHost } from "@/lib/server/data/programs.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { AppError } from "@/lib/server/errors.ts";

export const requestDryRunInput = z.object({
  hostId: z.string({ error: "Choose the host to compile on." }).regex(/^[A-Za-z0-9_-]{1,64}$/, "hostId is not a valid id"),
});

export type DryRunWait = { timeoutMs: number; pollMs: number };
/** The agent compiles with its own timeout (15 s by default); the answer must fit in an HTTP request. */
const DEFAULT_WAIT: DryRunWait = { timeoutMs: 25_000, pollMs: 150 };

/**
 * Asks a target host's agent to compile exactly this revision's program
 * without attaching it (bpftrace's dry run) and waits for the answer: the
 * probes it would attach, bpftrace's compile error, or the agent's policy
 * findings. Only those who write or review programs may ask, and only of the
 * revision's own target hosts: other hosts would never run it, and a compile
 * is bpftrace running as root there. The realtime server relays the request
 * (lib/server/realtime/agent-events.ts); every outcome is stored, so the
 * reviewer sees it on the revision, as what that host reported.
 */
export async function requestDryRun(db: Db, actor: Actor, revisionId: string, hostId: string, wait: DryRunWait = DEFAULT_WAIT): Promise<DryRunView> {
  authorize(actor, "revision.dry-run");
  if (!(await revisionExists(db, revisionId))) throw new AppError("NOT_FOUND", "No such revision.");
  const host = await findHost(db, hostId);
  if (!host) throw new AppError("NOT_FOUND", "No such host.");
  if (host.revoked) throw new AppError("UNPROCESSABLE", `${host.name} is revoked; it runs nothing any more.`);
  if (!(await isRevisionTargetHost(db, revisionId, hostId))) {
    throw new AppError("UNPROCESSABLE", `${host.name} is not one of this revision's target hosts; a dry run compiles only where the revision would run.`);
  }
  const { id } = await db.$transaction(async (tx) => {
    const created = await insertDryRun(tx, { revisionId, hostId, requestedById: actor.id });
    await notifyAfterCommit(tx, { type: "dry-run.requested", dryRunId: created.id, hostId });
    return created;
  });
  const deadline = Date.now() + wait.timeoutMs;
  for (;;) {
    const dryRun = await getDryRun(db, id);
    if (dryRun && dryRun.status !== "PENDING") return dryRun;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, wait.pollMs));
  }
  const message = `no agent of ${host.name} answered within ${Math.round(wait.timeoutMs / 1000)} s`;
  await completeDryRun(db, id, { status: "UNAVAILABLE", probes: [], probeCount: null, message, findings: [], bpftraceVersion: null, elapsedMs: null }, new Date());
  return (await getDryRun(db, id))!;
}
