import Link from "next/link";
import type { RunBatchSummary } from "@/lib/server/data/runs.ts";
import { describeRunEnd } from "./describe-run-end.ts";

const when = (date: Date | null) => date?.toISOString().replace("T", " ").slice(0, 19) ?? "—";
const count = (n: number) => n.toLocaleString("en-US");

/** A batch's state in a few words: the one run's own state, or how many hosts are in each. */
function BatchState({ batch }: { batch: RunBatchSummary }) {
  const { first } = batch;
  if (batch.hosts === 1) {
    return (
      <>
        <span className={`badge ${first.status}`}>{first.status.toLowerCase()}</span>{" "}
        <span className="muted">
          {first.status === "ENDED" ? (first.kind === "REPLAY" ? "replay complete" : describeRunEnd(first.endReason, first.endDetail, first.durationSec)) : ""}
        </span>
      </>
    );
  }
  const parts = [batch.running && `${count(batch.running)} running`, batch.queued && `${count(batch.queued)} queued`, batch.ended && `${count(batch.ended)} ended`].filter(Boolean);
  return (
    <span className={`badge ${batch.running ? "RUNNING" : batch.queued ? "QUEUED" : "ENDED"}`} data-testid="batch-state">
      {batch.running || batch.queued ? `${parts.join(", ")} of ${count(batch.hosts)}` : `all ${count(batch.hosts)} ended`}
    </span>
  );
}

/**
 * Runs grouped by the approval that signed them (or one replay each): a
 * fleet of 2,000 hosts is one row with its count and the first hosts' runs
 * linked; the first host's run page shows the others.
 */
export function RunBatchTable({ batches, showProgram = true }: { batches: RunBatchSummary[]; showProgram?: boolean }) {
  return (
    <table className="list" data-testid="runs">
      <thead>
        <tr>
          <th>Run</th>
          {showProgram && <th>Program</th>}
          {!showProgram && <th>Revision</th>}
          <th>Hosts</th>
          <th>State</th>
          <th>Started (UTC)</th>
        </tr>
      </thead>
      <tbody>
        {batches.map((batch) => {
          const { first } = batch;
          return (
            <tr key={batch.key} data-testid="run-row">
              <td>
                <Link href={`/runs/${first.id}`} data-testid="batch-link">
                  {first.id.slice(0, 8)}
                </Link>
              </td>
              {showProgram && (
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
              )}
              {!showProgram && <td>{first.kind === "LIVE" ? first.revision.number : "—"}</td>}
              <td data-testid="batch-hosts">
                {batch.hosts > batch.runIds.length && <strong>{count(batch.hosts)} hosts: </strong>}
                {batch.runIds.map((runId, i) => (
                  <span key={runId}>
                    {i > 0 && ", "}
                    <Link href={`/runs/${runId}`} data-testid="run-link">
                      {batch.hostNames[i]}
                    </Link>
                  </span>
                ))}
                {batch.hosts > batch.runIds.length && <span className="muted"> and {count(batch.hosts - batch.runIds.length)} more</span>}
              </td>
              <td>
                <BatchState batch={batch} />
              </td>
              <td className="muted">{when(batch.startedAt)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
