import Link from "next/link";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { listRunBatchesFor } from "@/lib/server/use-cases/read-runs.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { RunBatchTable } from "@/components/runs/run-batch-table.tsx";
import "@/components/runs/sre-views.css";

export default async function RunsPage() {
  const { actor, allowed } = await requirePageActor("run.read", "/runs");
  if (!allowed) return <Forbidden what="watch runs" />;
  const batches = await listRunBatchesFor(getDb(), actor, { take: 100 });
  return (
    <main>
      <div className="actions">
        <h1 style={{ flex: 1 }}>Runs</h1>
        <Link className="button-link" href="/runs/compare">
          Compare runs
        </Link>
        <Link className="button-link" href="/incidents">
          Incidents
        </Link>
      </div>
      {batches.length === 0 ? (
        <p className="notice">No runs yet. A run starts when a reviewer approves a program; a replay when someone uploads a capture with `workbench-agent replay`.</p>
      ) : (
        <RunBatchTable batches={batches} />
      )}
    </main>
  );
}
