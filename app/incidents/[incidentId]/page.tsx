import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { can } from "@/lib/server/auth/permissions.ts";
import { AppError } from "@/lib/server/errors.ts";
import { compareIncident } from "@/lib/server/use-cases/compare-incident.ts";
import { getIncident } from "@/lib/server/use-cases/read-incidents.ts";
import { listRuns } from "@/lib/server/use-cases/read-runs.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { ComparisonView } from "@/components/runs/comparison-view.tsx";
import { describeRun, runChoices } from "@/app/runs/run-choices.ts";
import { AttachRunsForm, DetachRunButton, NoteForm, StatusButton } from "./incident-forms.tsx";
import "@/components/runs/sre-views.css";

const when = (date: Date) => date.toISOString().replace("T", " ").slice(0, 19);

/** What an audit entry about this incident says, in words. */
function describeActivity(action: string, fromState: string | null, toState: string | null, reason: string | null): string {
  // Run attachments name their run in the reason: "run <id>".
  const runId = reason?.startsWith("run ") ? reason.slice(4, 12) : "";
  switch (action) {
    case "incident.create":
      return "opened the incident";
    case "incident.run.attach":
      return `attached run ${runId} as ${toState?.toLowerCase()}`;
    case "incident.run.role":
      return `moved run ${runId} from ${fromState?.toLowerCase()} to ${toState?.toLowerCase()}`;
    case "incident.run.detach":
      return `detached run ${runId} (${fromState?.toLowerCase()})`;
    case "incident.note":
      return "wrote a note";
    case "incident.resolve":
      return "marked it resolved";
    case "incident.reopen":
      return "reopened it";
    default:
      return action;
  }
}

export default async function IncidentPage({ params, searchParams }: { params: Promise<{ incidentId: string }>; searchParams: Promise<{ map?: string }> }) {
  const { incidentId } = await params;
  const { map } = await searchParams;
  const { actor, allowed } = await requirePageActor("incident.read", `/incidents/${incidentId}`);
  if (!allowed) return <Forbidden what="see incidents" />;
  const db = getDb();
  const orNotFound = (error: unknown): never => {
    if (error instanceof AppError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  };
  const incident = await getIncident(db, actor, incidentId).catch(orNotFound);
  const comparison = await compareIncident(db, actor, incidentId, map ? { map } : {}).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "UNPROCESSABLE") return null;
    return orNotFound(error);
  });
  const manage = can(actor, "incident.manage");
  const attached = new Set(incident.evidence.map((e) => e.run.id));
  const choices = manage ? runChoices((await listRuns(db, actor, { take: 200 })).filter((run) => !attached.has(run.id))) : [];
  return (
    <main>
      <div className="actions">
        <h1 style={{ flex: 1 }}>
          {incident.title}{" "}
          <span className={`badge ${incident.status}`} data-testid="incident-status">
            {incident.status.toLowerCase()}
          </span>
        </h1>
        {incident.status === "OPEN" && can(actor, "runbook.launch") && (
          <Link href={`/runbooks?incident=${incident.id}`} data-testid="launch-runbook-for-incident">
            <button type="button">Launch a runbook for this incident</button>
          </Link>
        )}
        {manage && <StatusButton incidentId={incident.id} status={incident.status} />}
      </div>
      <p className="muted">
        Opened {when(incident.createdAt)} UTC by {incident.createdBy.name}
        {incident.resolvedAt ? `; resolved ${when(incident.resolvedAt)} UTC` : ""}
      </p>
      {incident.summary && <p className="note">{incident.summary}</p>}

      <section className="panel">
        <h2>Evidence and baseline</h2>
        {incident.evidence.length === 0 ? (
          <p className="notice">No runs attached yet. Attach the runs that show the incident, and a baseline run of the same program from a normal time.</p>
        ) : (
          <table className="list" data-testid="incident-runs">
            <thead>
              <tr>
                <th>Role</th>
                <th>Run</th>
                <th>Produced by</th>
                <th>Attached</th>
                {manage && <th />}
              </tr>
            </thead>
            <tbody>
              {incident.evidence.map(({ run, role, addedAt, addedBy }) => (
                <tr key={run.id} data-testid="incident-run" data-role={role}>
                  <td>
                    <span className={`badge ${role}`}>{role.toLowerCase()}</span>
                  </td>
                  <td>
                    <Link href={`/runs/${run.id}`}>{describeRun(run)}</Link>
                  </td>
                  <td>
                    {run.kind === "LIVE" ? (
                      <>
                        approved program <Link href={`/programs/${run.program.id}`}>{run.program.name}</Link>, revision {run.revision.number}{" "}
                        <span className="mono muted" title="content hash of what was signed">
                          {run.revision.contentHash.slice(0, 12)}
                        </span>
                        , approved by {run.approvedBy}
                      </>
                    ) : (
                      <>
                        <span className="badge REPLAY">replay</span> uploaded by {run.replay.uploadedBy.name}; not reviewed
                      </>
                    )}
                  </td>
                  <td className="muted">
                    {when(addedAt)} by {addedBy}
                  </td>
                  {manage && (
                    <td>
                      <DetachRunButton incidentId={incident.id} runId={run.id} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {manage && (
          <div style={{ marginTop: 12 }}>
            <AttachRunsForm incidentId={incident.id} choices={choices} />
          </div>
        )}
      </section>

      <section className="panel">
        <h2>Incident against baseline</h2>
        {!comparison ? (
          <p className="notice" data-testid="comparison-missing">
            Attach at least one incident run and one baseline run to compare them.
          </p>
        ) : comparison.comparison ? (
          <>
            {comparison.maps.length > 1 && (
              <form method="get" className="actions">
                <label>
                  Map{" "}
                  <select name="map" defaultValue={comparison.map ?? ""}>
                    {comparison.maps.map((m) => (
                      <option key={m} value={m}>
                        {m}
                      </option>
                    ))}
                  </select>
                </label>
                <button type="submit">Show</button>
              </form>
            )}
            <ComparisonView
              comparison={comparison.comparison}
              unit={comparison.unit}
              labels={{ a: `baseline (${comparison.a.runs.length} runs)`, b: `incident (${comparison.b.runs.length} runs)` }}
              title={`${comparison.map} · baseline against incident`}
              fileKey={incident.id}
            />
          </>
        ) : (
          <p className="notice">The attached runs printed no histogram.</p>
        )}
      </section>

      <div className="grid2">
        <section className="panel">
          <h2>Notes</h2>
          {incident.notes.length === 0 && <p className="muted">No notes yet.</p>}
          {incident.notes.map((note) => (
            <div key={note.id} className="note" data-testid="incident-note">
              <div className="muted small-text">
                {note.author}, {when(note.createdAt)} UTC
              </div>
              {note.body}
            </div>
          ))}
          {manage && <NoteForm incidentId={incident.id} />}
        </section>
        <section className="panel">
          <h2>Who did what</h2>
          <ul className="timeline" data-testid="incident-activity">
            {incident.activity.map((entry) => (
              <li key={entry.id}>
                <span className="muted">{when(entry.at)} UTC</span> {entry.actorName ?? entry.actorType}{" "}
                {describeActivity(entry.action, entry.fromState, entry.toState, entry.reason)}
              </li>
            ))}
          </ul>
          <p className="muted small-text">From the tamper-evident audit trail.</p>
        </section>
      </div>
    </main>
  );
}
