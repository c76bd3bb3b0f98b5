import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { can } from "@/lib/server/auth/permissions.ts";
import { AppError } from "@/lib/server/errors.ts";
import { readRunBatch } from "@/lib/server/use-cases/read-run-batch.ts";
import { listIncidentsForRun } from "@/lib/server/use-cases/read-incidents.ts";
import { readLaunchOfRun } from "@/lib/server/use-cases/read-runbooks.ts";
import { readRolloutOfRun } from "@/lib/server/use-cases/read-rollout.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { RunWorkspace } from "@/components/runs/run-workspace.tsx";
import { FleetView } from "@/components/runs/fleet/fleet-view.tsx";
import { isFleet } from "@/components/runs/fleet/fleet-threshold.ts";
import { RolloutPanel } from "@/components/runs/rollout-panel.tsx";

/**
 * One run, or the runs one approval signed: a few hosts side by side, a
 * fleet as a fleet. `?view=host` shows the asked-for run alone (a fleet's
 * host links there), with the way back to its batch.
 */
export default async function RunPage({ params, searchParams }: { params: Promise<{ runId: string }>; searchParams: Promise<{ view?: string | string[] }> }) {
  const { runId } = await params;
  const hostOnly = (await searchParams).view === "host";
  const { actor, allowed } = await requirePageActor("run.read", `/runs/${runId}`);
  if (!allowed) return <Forbidden what="watch runs" />;
  const db = getDb();
  const runs = await readRunBatch(db, actor, runId).catch((error: unknown) => {
    if (error instanceof AppError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  });
  const run = runs[0]!;
  const fleet = run.origin.kind === "live" && !hostOnly && isFleet(runs.length) ? run.origin.batchId : null;
  const shown = hostOnly ? [run] : runs;
  const incidents = can(actor, "incident.read") ? await listIncidentsForRun(db, actor, runId) : [];
  const launch = await readLaunchOfRun(db, actor, runId);
  const { rollout } = await readRolloutOfRun(db, actor, runId);
  return (
    <main>
      <h1>
        {run.origin.kind === "replay" ? (
          <>
            Replay “{run.origin.name}” <span className="muted">({run.hostName})</span>
          </>
        ) : (
          <>
            <Link href={`/programs/${run.programId}`}>{run.programName}</Link> r{run.revisionNumber} on{" "}
            {shown.length > 1 ? `${shown.length.toLocaleString("en-US")} hosts` : run.hostName}
          </>
        )}
      </h1>
      {launch && (
        <p data-testid="run-launch">
          Runbook <Link href={`/runbooks/${launch.programId}`}>{launch.programName}</Link> r{launch.revisionNumber}, launched by <strong>{launch.launchedBy}</strong>:{" "}
          {launch.reason}. Values:{" "}
          {launch.params.map((param, i) => (
            <span key={param.name}>
              {i > 0 && ", "}
              <code>
                {param.name}={JSON.stringify(launch.values[param.name])}
              </code>
            </span>
          ))}
          {launch.params.length === 0 && <span className="muted">none</span>}
        </p>
      )}
      {incidents.length > 0 && (
        <p className="muted" data-testid="run-incidents">
          Attached to{" "}
          {incidents.map((incident, i) => (
            <span key={incident.id}>
              {i > 0 && ", "}
              <Link href={`/incidents/${incident.id}`}>{incident.title}</Link> ({incident.role.toLowerCase()})
            </span>
          ))}
        </p>
      )}
      {hostOnly && runs.length > 1 && (
        <p className="muted" data-testid="batch-link">
          One of the {runs.length.toLocaleString("en-US")} hosts this approval signed: <Link href={`/runs/${run.id}`}>all hosts</Link>.
        </p>
      )}
      {rollout && <RolloutPanel runId={runId} initial={{ ...rollout, decidedAt: rollout.decidedAt?.toISOString() ?? null }} />}
      {fleet ? (
        <FleetView key={fleet} batchId={fleet} initial={runs} canStop={can(actor, "run.stop")} />
      ) : (
        <RunWorkspace key={`${hostOnly ? "host" : "batch"}:${run.id}`} initial={shown} canStop={can(actor, "run.stop")} />
      )}
    </main>
  );
}
