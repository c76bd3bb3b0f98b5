"use client";

import { useState } from "react";
import { callApi } from "@/lib/client/api.ts";
import { FormError } from "@/components/ui/form-error.tsx";
import { useFormAction } from "@/components/ui/use-form-action.ts";

export type DryRun = {
  id: string;
  hostName: string;
  status: "PENDING" | "OK" | "FAILED" | "REFUSED" | "UNAVAILABLE";
  probes: string[];
  probeCount: number | null;
  message: string | null;
  findings: { code: string; severity: string; message: string; line: number; column: number }[];
  bpftraceVersion: string | null;
  createdAt: string;
  /** The host whose agent reported the outcome, and when; null while waiting or when none answered. */
  reportedBy: { hostName: string; at: string } | null;
};

const OUTCOME: Record<DryRun["status"], string> = {
  PENDING: "waiting for the agent",
  OK: "it compiles",
  FAILED: "bpftrace refuses it",
  REFUSED: "the host's policy refuses it",
  UNAVAILABLE: "no agent answered",
};

const utc = (iso: string) => `${iso.replace("T", " ").slice(0, 19)} UTC`;

/**
 * Asks the agent of one of the revision's target hosts to compile exactly
 * this revision, without loading or attaching anything, and shows what that
 * host reported: what it would attach to, or bpftrace's error. It is the
 * host's word, not a check by the workbench, and the page says so.
 */
export function DryRunPanel({
  revisionId,
  hosts,
  initial,
  canRequest,
  onResult,
}: {
  revisionId: string;
  /** The revision's target hosts: the only ones it can be dry-run on. */
  hosts: { id: string; name: string }[];
  initial: DryRun[];
  /** Whether this user may ask for a dry run (those who write or review programs); others see the results only. */
  canRequest: boolean;
  /** Told of each new result (the editor marks bpftrace's errors with it). */
  onResult?: (dryRun: DryRun) => void;
}) {
  const [hostId, setHostId] = useState(hosts[0]?.id ?? "");
  const [results, setResults] = useState(initial);
  const action = useFormAction();
  const { busy, error } = action;

  async function run() {
    await action.run(async () => {
      const { dryRun } = await callApi<{ dryRun: DryRun }>("POST", `/api/revisions/${revisionId}/dry-runs`, { hostId });
      setResults((current) => [dryRun, ...current]);
      onResult?.(dryRun);
    });
  }

  const latest = results[0];
  return (
    <div data-testid="dry-run">
      {canRequest ? (
        <div className="actions">
          <label htmlFor="dry-run-host">Compile on</label>
          <select id="dry-run-host" value={hostId} onChange={(e) => setHostId(e.target.value)}>
            {hosts.map((host) => (
              <option key={host.id} value={host.id}>
                {host.name}
              </option>
            ))}
          </select>
          <button type="button" onClick={() => void run()} disabled={busy || !hostId}>
            {busy ? "Compiling…" : "Dry run"}
          </button>
          <span className="muted">bpftrace compiles it on a target host; nothing is loaded or attached.</span>
        </div>
      ) : (
        <p className="muted">Engineers and reviewers can have a target host compile this revision.</p>
      )}
      <FormError error={error} />
      {latest && (
        <div className={latest.status === "OK" ? "notice" : "error"} data-testid="dry-run-result" style={{ marginTop: 10 }}>
          <strong data-testid="dry-run-outcome">
            {latest.reportedBy ? `Reported by host ${latest.reportedBy.hostName} at ${utc(latest.reportedBy.at)}` : latest.hostName}: {OUTCOME[latest.status]}
          </strong>
          {latest.bpftraceVersion && <span className="muted"> (bpftrace {latest.bpftraceVersion})</span>}
          {latest.status === "OK" && (
            <>
              {" "}
              — attaches {latest.probeCount ?? latest.probes.length} probe{(latest.probeCount ?? latest.probes.length) === 1 ? "" : "s"}:
              <pre className="mono" data-testid="dry-run-probes">
                {latest.probes.join("\n")}
              </pre>
            </>
          )}
          {latest.message && latest.status !== "OK" && <pre className="mono">{latest.message}</pre>}
          {latest.findings.length > 0 && (
            <ul>
              {latest.findings.map((f, i) => (
                <li key={i}>
                  line {f.line}: {f.message} <code>{f.code}</code>
                </li>
              ))}
            </ul>
          )}
          {latest.reportedBy && (
            <p className="muted">This is what that host&apos;s agent reported, not a check by the workbench; the approval and each agent&apos;s own checks decide what runs.</p>
          )}
        </div>
      )}
    </div>
  );
}
