import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { listDryRuns, type DryRunView } from "@/lib/server/data/dry-runs.ts";

/** A revision's dry runs, newest first: what the reviewer sees beside the program. */
export async function listDryRunsFor(db: Db, actor: Actor, revisionId: string): Promise<DryRunView[]> {
  authorize(actor, "program.read");
  return listDryRuns(db, revisionId);
}

/** A dry run as a page hands it to the browser (components/reviews/dry-run-panel.tsx): times as ISO strings, as the API sends them. */
export function dryRunProps({ createdAt, completedAt, reportedBy, ...rest }: DryRunView) {
  return {
    ...rest,
    createdAt: createdAt.toISOString(),
    completedAt: completedAt?.toISOString() ?? null,
    reportedBy: reportedBy && { hostName: reportedBy.hostName, at: reportedBy.at.toISOString() },
  };
}
