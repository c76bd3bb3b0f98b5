import type { Finding } from "@/lib/shared/policy/findings.ts";
import type { LintSummary } from "@/lib/shared/policy/summarize.ts";

export type StoredLint = { findings: Finding[]; summary: LintSummary };

/** What the policy lint found at submission: what the program attaches to, what it uses, and its risk. */
export function LintReport({ lint }: { lint: StoredLint | null }) {
  if (!lint) return <p className="notice">This revision was submitted before the policy lint existed.</p>;
  const { summary, findings } = lint;
  return (
    <div data-testid="lint-report">
      <p className={summary.risk === "low" ? "notice" : "error"} data-testid="lint-risk">
        <strong>Risk: {summary.risk}</strong>. {summary.riskReason}
      </p>
      <dl className="kv">
        <dt>Probes</dt>
        <dd data-testid="lint-probe-count">
          {summary.probeCount}
          {summary.probeCountExact ? "" : " or more"} ({summary.probeTypes.join(", ") || "none"})
        </dd>
        <dt>Attaches to</dt>
        <dd className="mono">{summary.probes.map((p) => `${p.spec}${p.count !== null && p.count !== 1 ? ` (${p.count})` : ""}`).join(", ") || "—"}</dd>
        <dt>Functions</dt>
        <dd className="mono">{summary.functions.join(", ") || "—"}</dd>
        <dt>Reads</dt>
        <dd className="mono">{summary.builtins.join(", ") || "—"}</dd>
      </dl>
      {summary.notable.length > 0 && (
        <ul>
          {summary.notable.map((use) => (
            <li key={use.name}>
              <code>{use.name}</code>: {use.reason}
            </li>
          ))}
        </ul>
      )}
      {findings.length > 0 && (
        <table className="list" data-testid="lint-findings">
          <thead>
            <tr>
              <th>Line</th>
              <th>Severity</th>
              <th>Code</th>
              <th>Finding</th>
            </tr>
          </thead>
          <tbody>
            {findings.map((f, i) => (
              <tr key={i}>
                <td>
                  {f.line}:{f.column}
                </td>
                <td>{f.severity}</td>
                <td className="mono">{f.code}</td>
                <td>{f.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
