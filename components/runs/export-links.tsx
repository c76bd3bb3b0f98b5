"use client";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";

/** JSON lines and CSV downloads of each run (docs/sre-views.md#export): inline for one run, a list for several. */
export function ExportLinks({ runs }: { runs: RunSnapshotWithOrigin[] }) {
  if (runs.length === 1) {
    const id = runs[0]!.id;
    return (
      <span className="export-links">
        Export{" "}
        <a href={`/api/runs/${id}/export?format=jsonl`} download>
          JSON lines
        </a>{" "}
        ·{" "}
        <a href={`/api/runs/${id}/export?format=csv`} download>
          CSV
        </a>
      </span>
    );
  }
  return (
    <details className="export-links">
      <summary>Export</summary>
      <ul>
        {runs.map((run) => (
          <li key={run.id}>
            {run.hostName}:{" "}
            <a href={`/api/runs/${run.id}/export?format=jsonl`} download>
              JSON lines
            </a>{" "}
            ·{" "}
            <a href={`/api/runs/${run.id}/export?format=csv`} download>
              CSV
            </a>
          </li>
        ))}
      </ul>
    </details>
  );
}
