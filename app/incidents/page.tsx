import Link from "next/link";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { can } from "@/lib/server/auth/permissions.ts";
import { listIncidents } from "@/lib/server/use-cases/read-incidents.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { CreateIncidentForm } from "./create-incident-form.tsx";
import "@/components/runs/sre-views.css";

const when = (date: Date) => date.toISOString().replace("T", " ").slice(0, 16);

export default async function IncidentsPage() {
  const { actor, allowed } = await requirePageActor("incident.read", "/incidents");
  if (!allowed) return <Forbidden what="see incidents" />;
  const incidents = await listIncidents(getDb(), actor, {});
  return (
    <main>
      <h1>Incidents</h1>
      {incidents.length === 0 ? (
        <p className="notice">No incidents yet. Open one to collect the runs that show it, a baseline to compare them with, and notes.</p>
      ) : (
        <table className="list" data-testid="incidents">
          <thead>
            <tr>
              <th>Incident</th>
              <th>Status</th>
              <th>Evidence</th>
              <th>Opened (UTC)</th>
            </tr>
          </thead>
          <tbody>
            {incidents.map((incident) => (
              <tr key={incident.id}>
                <td>
                  <Link href={`/incidents/${incident.id}`}>{incident.title}</Link>
                </td>
                <td>
                  <span className={`badge ${incident.status}`}>{incident.status.toLowerCase()}</span>
                </td>
                <td className="muted">
                  {incident.incidentRuns} incident runs, {incident.baselineRuns} baseline, {incident.notes} notes
                </td>
                <td className="muted">
                  {when(incident.createdAt)} by {incident.createdBy}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {can(actor, "incident.manage") && (
        <>
          <h2>Open an incident</h2>
          <CreateIncidentForm />
        </>
      )}
    </main>
  );
}
