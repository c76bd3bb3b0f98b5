import Link from "next/link";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { listRuns } from "@/lib/server/use-cases/read-runs.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { describeRunEnd } from "@/components/runs/describe-run-end.ts";

export default async function RunsPage() {
  const { actor, allowed } = await requirePageActor("run.read", "/runs");
  if (!allowed) return <Forbidden what="watch runs" />;
  const runs = await listRuns(getDb(), actor, {});
  return (
    <main>
      <h1>Runs</h1>
      {runs.length === 0 ? (
        <p className="notice">No runs yet. A run starts when a reviewer approves a program.</p>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th>Run</th>
              <th>Program</th>
              <th>Host</th>
              <th>State</th>
              <th>Started (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.id}>
                <td>
                  <Link href={`/runs/${run.id}`}>{run.id.slice(0, 8)}</Link>
                </td>
                <td>
                  <Link href={`/programs/${run.program.id}`}>{run.program.name}</Link> r{run.revision.number}
                </td>
                <td>{run.hostName}</td>
                <td>
                  <span className={`badge ${run.status}`}>{run.status.toLowerCase()}</span>{" "}
                  <span className="muted">{run.status === "ENDED" ? describeRunEnd(run.endReason, run.endDetail, run.durationSec) : ""}</span>
                </td>
                <td className="muted">{run.startedAt?.toISOString().replace("T", " ").slice(0, 19) ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
