import Link from "next/link";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { listRuns } from "@/lib/server/use-cases/read-runs.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { describeRunEnd } from "@/components/runs/describe-run-end.ts";
import { groupRunsByBatch } from "@/components/runs/run-choices.ts";
import "@/components/runs/sre-views.css";

const when = (date: Date | null) => date?.toISOString().replace("T", " ").slice(0, 19) ?? "—";

export default async function RunsPage() {
  const { actor, allowed } = await requirePageActor("run.read", "/runs");
  if (!allowed) return <Forbidden what="watch runs" />;
  const batches = groupRunsByBatch(await listRuns(getDb(), actor, { take: 200 }));
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
        <table className="list" data-testid="runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Program</th>
              <th>Hosts</th>
              <th>State</th>
              <th>Started (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {batches.map(({ key, runs }) => {
              const first = runs[0]!;
              const running = runs.filter((run) => run.status === "RUNNING").length;
              return (
                <tr key={key} data-testid="run-row">
                  <td>
                    <Link href={`/runs/${first.id}`}>{first.id.slice(0, 8)}</Link>
                  </td>
                  <td>
                    {first.kind === "REPLAY" ? (
                      <>
                        <span className="badge REPLAY">replay</span> {first.replay.name} <span className="muted">by {first.replay.uploadedBy.name}</span>
                      </>
                    ) : (
                      <>
                        <Link href={`/programs/${first.program.id}`}>{first.program.name}</Link> r{first.revision.number}
                      </>
                    )}
                  </td>
                  <td>
                    {runs.map((run, i) => (
                      <span key={run.id}>
                        {i > 0 && ", "}
                        <Link href={`/runs/${run.id}`}>{run.hostName}</Link>
                      </span>
                    ))}
                  </td>
                  <td>
                    {runs.length === 1 ? (
                      <>
                        <span className={`badge ${first.status}`}>{first.status.toLowerCase()}</span>{" "}
                        <span className="muted">{first.status === "ENDED" ? (first.kind === "REPLAY" ? "replay complete" : describeRunEnd(first.endReason, first.endDetail, first.durationSec)) : ""}</span>
                      </>
                    ) : (
                      <span className={`badge ${running > 0 ? "RUNNING" : first.status}`}>{running > 0 ? `${running} of ${runs.length} running` : first.status.toLowerCase()}</span>
                    )}
                  </td>
                  <td className="muted">{when(first.startedAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </main>
  );
}
