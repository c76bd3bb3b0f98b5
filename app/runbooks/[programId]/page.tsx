import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { AppError } from "@/lib/server/errors.ts";
import { readRunbook } from "@/lib/server/use-cases/read-runbooks.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { RunbookPolicyView } from "@/components/runbooks/runbook-policy-view.tsx";
import { LaunchForm } from "@/components/runbooks/launch-form.tsx";

const when = (date: Date) => date.toISOString().replace("T", " ").slice(0, 16);

export default async function RunbookPage({ params, searchParams }: { params: Promise<{ programId: string }>; searchParams: Promise<{ incident?: string | string[] }> }) {
  const { programId } = await params;
  const { incident } = await searchParams;
  const { actor, allowed } = await requirePageActor("program.read", `/runbooks/${programId}`);
  if (!allowed) return <Forbidden what="read runbooks" />;
  const detail = await readRunbook(getDb(), actor, programId).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  const { runbook, scopeHosts, launches, canLaunch, openIncidents } = detail;
  const approved = runbook.status === "APPROVED" && runbook.validUntil !== null;
  return (
    <main>
      <h1>
        Runbook: {runbook.name} <span className="muted">r{runbook.revisionNumber}</span>
      </h1>
      <section className="panel">
        <p data-testid="runbook-approval">
          {approved ? (
            <>
              Approved; launches allowed until <strong>{when(runbook.validUntil!)}</strong> UTC.
            </>
          ) : runbook.status === "PENDING" ? (
            <>
              Proposed: waiting for review (<Link href={`/reviews/${runbook.revisionId}`}>review it</Link>).
            </>
          ) : (
            <>Not launchable: revision {runbook.status.toLowerCase().replace("_", " ")}.</>
          )}{" "}
          <Link href={`/programs/${runbook.programId}`}>Program and revisions</Link>
        </p>
        <RunbookPolicyView policy={runbook.policy} durationSec={runbook.durationSec} />
      </section>
      <section className="panel">
        <h2>Launch</h2>
        {canLaunch ? (
          <LaunchForm
            programId={runbook.programId}
            revisionId={runbook.revisionId}
            params={runbook.policy.params}
            maxDurationSec={runbook.durationSec}
            maxHosts={runbook.policy.maxHostsPerLaunch}
            scope={{ selector: runbook.targetSelector, named: runbook.targetNames, hosts: scopeHosts }}
            incidents={openIncidents}
            incidentId={typeof incident === "string" ? incident : null}
          />
        ) : (
          <p className="notice" data-testid="cannot-launch">
            {approved
              ? `Only ${runbook.policy.launchRoles.map((r) => r.toLowerCase().replace("_", " ")).join(", ")} may launch this runbook.`
              : "This runbook cannot be launched until a reviewer approves it."}
          </p>
        )}
      </section>
      <section className="panel">
        <h2>Launches</h2>
        {launches.length === 0 ? (
          <p className="muted">Never launched.</p>
        ) : (
          <table className="list" data-testid="launch-list">
            <thead>
              <tr>
                <th>When</th>
                <th>By</th>
                <th>Why</th>
                <th>Values</th>
                <th>Hosts</th>
              </tr>
            </thead>
            <tbody>
              {launches.map((launch) => (
                <tr key={launch.id}>
                  <td>{launch.runs[0] ? <Link href={`/runs/${launch.runs[0].id}`}>{when(launch.createdAt)}</Link> : when(launch.createdAt)}</td>
                  <td>{launch.launchedBy}</td>
                  <td>
                    {launch.reason}
                    {launch.incidentId && (
                      <>
                        {" "}
                        (<Link href={`/incidents/${launch.incidentId}`}>incident</Link>)
                      </>
                    )}
                  </td>
                  <td>
                    <code>{JSON.stringify(launch.values)}</code> · {launch.durationSec} s · r{launch.revisionNumber}
                  </td>
                  <td>{launch.runs.map((run) => `${run.hostName ?? "?"} (${run.status.toLowerCase()})`).join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
