import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "@/lib/server/db/client.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { getSettings } from "@/lib/server/use-cases/update-settings.ts";
import { effectiveLintPolicy } from "@/lib/server/settings/effective-lint-policy.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { can } from "@/lib/server/auth/permissions.ts";
import { AppError } from "@/lib/server/errors.ts";
import { getProgram, readRevisionTargetsNow } from "@/lib/server/use-cases/read-programs.ts";
import { dryRunProps, listDryRunsFor } from "@/lib/server/use-cases/read-dry-runs.ts";
import { listHostsFor } from "@/lib/server/use-cases/read-hosts.ts";
import { listRunBatchesFor } from "@/lib/server/use-cases/read-runs.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { ProgramForm } from "@/components/programs/program-form.tsx";
import { RevisionSummary } from "@/components/programs/revision-summary.tsx";
import { RunBatchTable } from "@/components/runs/run-batch-table.tsx";

export default async function ProgramPage({ params }: { params: Promise<{ programId: string }> }) {
  const { programId } = await params;
  const { actor, allowed } = await requirePageActor("program.read", `/programs/${programId}`);
  if (!allowed) return <Forbidden what="read programs" />;
  const db = getDb();
  const program = await getProgram(db, actor, programId).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  const [latest, ...older] = program.revisions;
  const runs = await listRunBatchesFor(db, actor, { revisionIds: program.revisions.map((r) => r.id), take: 50 });
  const canRevise = can(actor, "program.revise");
  const hosts = canRevise ? (await listHostsFor(db, actor)).filter((h) => !h.revoked) : [];
  const lintPolicy = effectiveLintPolicy(await getSettings(db, actor));

  return (
    <main>
      <h1>{program.name}</h1>
      <p className="muted">
        by {program.authorName} · {program.revisions.length} revision{program.revisions.length === 1 ? "" : "s"}
        {program.revisions.some((revision) => revision.runbookPolicy) && (
          <>
            {" "}
            · a runbook: <Link href={`/runbooks/${program.id}`}>its launch page</Link>
          </>
        )}
      </p>
      {latest && (
        <section className="panel">
          <h2>
            Revision {latest.number} {latest.status === "PENDING" && can(actor, "revision.review") && <Link href={`/reviews/${latest.id}`}>review it</Link>}
          </h2>
          <RevisionSummary revision={latest} canRevoke={can(actor, "approval.revoke")} />
        </section>
      )}
      {runs.length > 0 && (
        <section>
          <h2>Runs</h2>
          <RunBatchTable batches={runs} showProgram={false} />
        </section>
      )}
      {canRevise && latest && (
        <section>
          <h2>{latest.status === "REJECTED" ? "Revise and resubmit" : "Submit a new revision"}</h2>
          <ProgramForm
            mode="revise"
            programId={program.id}
            baseRevision={latest.number}
            hosts={hosts.map(({ id, name, labels }) => ({ id, name, labels }))}
            maxDurationSec={loadServerEnv().WORKBENCH_MAX_DURATION_SEC}
            maxHostsPerApproval={loadServerEnv().WORKBENCH_MAX_HOSTS_PER_APPROVAL}
            lintPolicy={lintPolicy}
            dryRun={{
              revisionId: latest.id,
              source: latest.source,
              hosts: canRevise ? (await readRevisionTargetsNow(db, actor, latest)).hosts.map(({ id, name }) => ({ id, name })) : [],
              initial: (await listDryRunsFor(db, actor, latest.id)).map(dryRunProps),
              canRequest: can(actor, "revision.dry-run"),
            }}
            initial={{
              name: program.name,
              source: latest.source,
              durationSec: latest.durationSec,
              targetHostIds: latest.targets.map((t) => t.id),
              targetSelector: latest.targetSelector,
              canaryPeriodSec: latest.canary?.periodSec ?? null,
            }}
          />
        </section>
      )}
      {older.length > 0 && (
        <section>
          <h2>Earlier revisions</h2>
          {older.map((revision) => (
            <details key={revision.id} className="panel" data-testid="earlier-revision">
              <summary>
                Revision {revision.number} · <span className={`badge ${revision.status}`}>{revision.status.toLowerCase()}</span>
              </summary>
              <RevisionSummary revision={revision} canRevoke={can(actor, "approval.revoke")} />
            </details>
          ))}
        </section>
      )}
      <section>
        <h2>History</h2>
        <table className="list" data-testid="history">
          <thead>
            <tr>
              <th>When (UTC)</th>
              <th>Who</th>
              <th>What</th>
              <th>Revision hash</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {program.history.map((event) => (
              <tr key={event.id}>
                <td className="muted">{event.at.toISOString().replace("T", " ").slice(0, 19)}</td>
                <td>{event.actorName ?? event.actorType}</td>
                <td>
                  {event.action} {event.fromState && `${event.fromState} → `}
                  {event.toState}
                </td>
                <td className="mono">{event.contentHash?.slice(0, 19)}</td>
                <td>{event.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </main>
  );
}
