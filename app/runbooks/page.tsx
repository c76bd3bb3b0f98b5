import Link from "next/link";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { listRunbooksFor } from "@/lib/server/use-cases/read-runbooks.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";

const when = (date: Date | null) => (date ? date.toISOString().replace("T", " ").slice(0, 16) : "—");

/** Approved probes a team launches in seconds; searched by what they measure. `?incident=` carries an incident to the launch form. */
export default async function RunbooksPage({ searchParams }: { searchParams: Promise<{ q?: string | string[]; incident?: string | string[] }> }) {
  const { q, incident } = await searchParams;
  const search = typeof q === "string" ? q.slice(0, 200) : "";
  const incidentId = typeof incident === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(incident) ? incident : null;
  const { actor, allowed } = await requirePageActor("program.read", "/runbooks");
  if (!allowed) return <Forbidden what="read runbooks" />;
  const runbooks = await listRunbooksFor(getDb(), actor, { search });
  return (
    <main>
      <h1>Runbooks</h1>
      {incidentId && <p className="notice">Pick a runbook to launch for the incident; the launch will be linked to it.</p>}
      <form className="actions" method="get" role="search">
        <input name="q" defaultValue={search} placeholder="What do you want to measure? (run queue, block I/O, reclaim...)" aria-label="Search runbooks" style={{ flex: 1 }} />
        {incidentId && <input type="hidden" name="incident" value={incidentId} />}
        <button type="submit">Search</button>
      </form>
      {runbooks.length === 0 ? (
        <p className="notice">
          {search ? `No runbook measures “${search}”.` : "No runbooks yet: submit a program with a launch policy, or seed the starter library (npm run db:seed)."}
        </p>
      ) : (
        <table className="list" data-testid="runbook-list">
          <thead>
            <tr>
              <th>Runbook</th>
              <th>Measures</th>
              <th>Status</th>
              <th>Valid until</th>
              <th>Launches</th>
              <th>Last launch</th>
            </tr>
          </thead>
          <tbody>
            {runbooks.map((runbook) => (
              <tr key={runbook.programId}>
                <td>
                  <Link href={`/runbooks/${runbook.programId}${incidentId ? `?incident=${incidentId}` : ""}`}>{runbook.name}</Link>
                  <span className="muted"> r{runbook.revisionNumber}</span>
                </td>
                <td>{runbook.policy.measures}</td>
                <td>
                  <span className={`badge ${runbook.status}`}>{runbook.status === "PENDING" ? "proposed" : runbook.status.toLowerCase().replace("_", " ")}</span>
                </td>
                <td className="muted">{when(runbook.validUntil)}</td>
                <td>{runbook.launches}</td>
                <td className="muted">{when(runbook.lastLaunchAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
