// One approval for the load's hosts, as an engineer and a reviewer would
// give it through the API: one program naming every host of the load (up to
// WORKBENCH_MAX_HOSTS_PER_APPROVAL, 5,000 by default), one approval, one
// batch of runs that viewers watch with one `batch:watch`.
import { FLEET_PROGRAM } from "./hist-frame.ts";
import type { WorkbenchApi } from "./workbench-api.ts";

export type FleetApproval = {
  /** Every run the approval queued, one per host. */
  runIds: string[];
  /** The approval (review) that signed them: the batch viewers watch. */
  approvalIds: string[];
  programs: number;
  /** From the reviewer's request to every order signed and stored. */
  approvalMs: number;
};

export async function approveFleetProgram(
  people: { engineer: WorkbenchApi; reviewer: WorkbenchApi },
  hostIds: string[],
  options: { name: string; durationSec: number },
): Promise<FleetApproval> {
  const { revisionId } = await people.engineer.post<{ revisionId: string }>("/api/programs", {
    name: options.name,
    source: FLEET_PROGRAM,
    durationSec: options.durationSec,
    targetHostIds: hostIds,
    // Every host at once: the bench measures a fleet's start and stream, not a canary's wait.
    canary: { periodSec: 0 },
  });
  const started = performance.now();
  const review = await people.reviewer.post<{ reviewId: string; status: string; runIds: string[] }>(`/api/revisions/${revisionId}/reviews`, {
    decision: "approve",
    reason: "bench:fleet",
  });
  const approvalMs = performance.now() - started;
  if (review.status !== "APPROVED") throw new Error(`the approval left the revision ${review.status} (does the server require more than one approval?)`);
  return { runIds: review.runIds, approvalIds: [review.reviewId], programs: 1, approvalMs };
}
