"use client";
// The fleet's hosts, one page at a time: state, how long since it was last
// heard from, the p99 of its latest print of the chosen series, its measured
// overhead, a link to its own run page, and its own stop button.
import { formatValue } from "@/lib/shared/histogram.ts";
import { describeRunEnd } from "../describe-run-end.ts";
import type { RunStop } from "../use-run-stop.ts";
import { PAGE_SIZE, type HostFilter, type HostRow, type HostSort } from "./fleet-model.ts";
import type { FleetViewModel } from "./use-fleet-view.ts";

const SORTS: { value: HostSort; label: string }[] = [
  { value: "name", label: "host name" },
  { value: "p99", label: "p99, highest first" },
  { value: "silence", label: "silence, longest first" },
  { value: "overhead", label: "CPU overhead, highest first" },
];
const FILTERS: { value: HostFilter; label: string }[] = [
  { value: "all", label: "all hosts" },
  { value: "reporting", label: "reporting" },
  { value: "silent", label: "silent" },
  { value: "starting", label: "starting" },
  { value: "queued", label: "queued" },
  { value: "ended", label: "ended" },
];

function silence(row: HostRow): string {
  if (row.silentForMs === null) return "never";
  const seconds = Math.floor(row.silentForMs / 1000);
  return seconds < 120 ? `${seconds} s ago` : seconds < 7200 ? `${Math.floor(seconds / 60)} min ago` : `${Math.floor(seconds / 3600)} h ago`;
}

export function FleetHostTable({ model, canStop, runStop }: { model: FleetViewModel; canStop: boolean; runStop: RunStop }) {
  const { table, tableChoice, setTableChoice, unit, shown } = model;
  const { stopping, stop } = runStop;
  const first = table.page * PAGE_SIZE;
  const go = (page: number) => setTableChoice({ ...tableChoice, page });
  return (
    <section className="panel">
      <div className="actions">
        <h2 style={{ margin: 0 }}>Hosts</h2>
        <label>
          Show{" "}
          <select value={tableChoice.filter} onChange={(event) => setTableChoice({ ...tableChoice, filter: event.target.value as HostFilter, page: 0 })}>
            {FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort by{" "}
          <select value={tableChoice.sort} onChange={(event) => setTableChoice({ ...tableChoice, sort: event.target.value as HostSort, page: 0 })}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <span style={{ flex: 1 }} />
        <span className="muted" data-testid="fleet-page" data-page={table.page + 1} data-pages={table.pages} data-matching={table.matching}>
          {table.matching === 0
            ? "no hosts"
            : `${(first + 1).toLocaleString("en-US")}–${(first + table.rows.length).toLocaleString("en-US")} of ${table.matching.toLocaleString("en-US")}`}{" "}
          · page {table.page + 1} of {table.pages}
        </span>
        <button type="button" onClick={() => go(table.page - 1)} disabled={table.page === 0}>
          Previous
        </button>
        <button type="button" onClick={() => go(table.page + 1)} disabled={table.page >= table.pages - 1}>
          Next
        </button>
      </div>
      <table className="list host-status" data-testid="fleet-hosts">
        <thead>
          <tr>
            <th>Host</th>
            <th>State</th>
            <th>Last heard</th>
            <th>p99 ({shown.mode === "whole" ? "whole run" : "last interval"})</th>
            <th>Overhead (CPU)</th>
            {canStop && <th />}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row) => {
            const { snapshot, overhead } = row.host;
            return (
              <tr key={snapshot.id} data-testid="fleet-host-row" data-host={snapshot.hostName} data-state={row.state}>
                <td>
                  <a href={`/runs/${snapshot.id}?view=host`}>{snapshot.hostName}</a>
                </td>
                <td>
                  <span className={`badge ${row.state === "silent" ? "FAILED" : snapshot.status}`}>{row.state}</span>
                  {row.state === "ended" && <div className="muted small-text">{describeRunEnd(snapshot.endReason, snapshot.endDetail, snapshot.durationSec)}</div>}
                  {row.state !== "ended" && snapshot.stopRequestedAt && <div className="muted small-text">asked to stop</div>}
                </td>
                <td className={row.state === "silent" ? "warn-text" : "muted"}>{silence(row)}</td>
                <td data-testid="host-p99">{row.p99 === null ? <span className="muted">—</span> : formatValue(row.p99, unit)}</td>
                <td>
                  {overhead ? (
                    <span className={overhead.budgetPercent > 0 && overhead.cpuPercent / overhead.budgetPercent > 0.8 ? "warn-text" : undefined}>
                      {overhead.cpuPercent.toFixed(2)}%<span className="muted"> of {overhead.budgetPercent}%</span>
                    </span>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                {canStop && (
                  <td>
                    {snapshot.status !== "ENDED" && (
                      <button type="button" className="small" disabled={stopping.has(snapshot.id) || !!snapshot.stopRequestedAt} onClick={() => void stop([snapshot.id])}>
                        {snapshot.stopRequestedAt ? "Stopping…" : "Stop"}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
