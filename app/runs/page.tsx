import Link from "next/link";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { can } from "@/lib/server/auth/permissions.ts";
import { listRunBatchesFor } from "@/lib/server/use-cases/read-runs.ts";
import { listHostsFor } from "@/lib/server/use-cases/read-hosts.ts";
import { listProgramsFor } from "@/lib/server/use-cases/read-programs.ts";
import { readStopSwitches } from "@/lib/server/use-cases/read-stop-switches.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { RunBatchTable } from "@/components/runs/run-batch-table.tsx";
import { StopSwitchPanel } from "@/components/stop-switch/stop-switch-panel.tsx";
import "@/components/runs/sre-views.css";

export default async function RunsPage() {
  const { actor, allowed } = await requirePageActor("run.read", "/runs");
  if (!allowed) return <Forbidden what="watch runs" />;
  const db = getDb();
  const canEngage = can(actor, "stop-switch.engage");
  const [batches, switches, programs, hosts] = await Promise.all([
    listRunBatchesFor(db, actor, { take: 100 }),
    readStopSwitches(db, actor),
    canEngage ? listProgramsFor(db, actor, {}) : Promise.resolve([]),
    canEngage ? listHostsFor(db, actor) : Promise.resolve([]),
  ]);
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
      <StopSwitchPanel
        engaged={switches.engaged.map((engaged) => ({
          id: engaged.id,
          scopeName: engaged.scopeName,
          reason: engaged.reason,
          engagedBy: engaged.engagedBy,
          engagedAt: engaged.engagedAt.toISOString(),
          endedQueued: engaged.endedQueued,
          stoppedRunning: engaged.stoppedRunning,
        }))}
        canEngage={canEngage}
        canRelease={can(actor, "stop-switch.release")}
        programs={programs.map((program) => ({ id: program.id, name: program.name }))}
        hosts={hosts.filter((host) => !host.revoked).map((host) => ({ id: host.id, name: host.name }))}
      />
      {batches.length === 0 ? (
        <p className="notice">No runs yet. A run starts when a reviewer approves a program; a replay when someone uploads a capture with `workbench-agent replay`.</p>
      ) : (
        <RunBatchTable batches={batches} />
      )}
    </main>
  );
}
