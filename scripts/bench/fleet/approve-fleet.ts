// One approval for the load's hosts, as an engineer and a reviewer would
// give it through the API. Today a program targets at most 64 hosts
// (MAX_TARGET_HOSTS), so a fleet takes one program and one approval per 64
// hosts; when a program can target hosts by label, this becomes one program
// with a selector and one approval.
import { MAX_TARGET_HOSTS } from "@/lib/shared/limits.ts";
import { FLEET_PROGRAM } from "./hist-frame.ts";
import type { WorkbenchApi } from "./workbench-api.ts";

export type FleetApproval = {
  /** Every run the approvals queued, one per host. */
  runIds: string[];
  /** The approvals (reviews) that signed them, for a watch by approval. */
  approvalIds: string[];
  programs: number;
};

export async function approveFleetProgram(
  people: { engineer: WorkbenchApi; reviewer: WorkbenchApi },
  hostIds: string[],
  options: { name: string; durationSec: number },
): Promise<FleetApproval> {
  const result: FleetApproval = { runIds: [], approvalIds: [], programs: 0 };
  for (let first = 0; first < hostIds.length; first += MAX_TARGET_HOSTS) {
    const targetHostIds = hostIds.slice(first, first + MAX_TARGET_HOSTS);
    const { revisionId } = await people.engineer.post<{ revisionId: string }>("/api/programs", {
      name: `${options.name} (hosts ${first + 1}-${first + targetHostIds.length})`,
      source: FLEET_PROGRAM,
      durationSec: options.durationSec,
      targetHostIds,
    });
    const review = await people.reviewer.post<{ reviewId: string; status: string; runIds: string[] }>(`/api/revisions/${revisionId}/reviews`, {
      decision: "approve",
      reason: "bench:fleet",
    });
    if (review.status !== "APPROVED") throw new Error(`the approval left the revision ${review.status} (does the server require more than one approval?)`);
    result.runIds.push(...review.runIds);
    result.approvalIds.push(review.reviewId);
    result.programs += 1;
  }
  return result;
}
