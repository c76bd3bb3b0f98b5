"use client";
// The top of the fleet page: how the batch is doing in one sentence, the
// hosts by state (each count filters the table to those hosts), and the stop
// control of the per-host view, for every host still running or queued.
import type { RunStop } from "../use-run-stop.ts";
import { endLabel, type HostFilter } from "./fleet-model.ts";
import type { FleetViewModel } from "./use-fleet-view.ts";

const STATES: { state: Exclude<HostFilter, "all">; label: string; hint: string }[] = [
  { state: "reporting", label: "reporting", hint: "running, a frame within the last 5 s" },
  { state: "silent", label: "silent", hint: "running, nothing for more than 5 s (or nothing 10 s after it started)" },
  { state: "starting", label: "starting", hint: "started less than 10 s ago, nothing yet" },
  { state: "queued", label: "queued", hint: "signed, the agent has not started it" },
  { state: "ended", label: "ended", hint: "see the reasons beside" },
];

export function FleetSummary({ model, canStop, runStop }: { model: FleetViewModel; canStop: boolean; runStop: RunStop }) {
  const { counts, summary, view, tableChoice, setTableChoice } = model;
  const { stopping, stopError, stop } = runStop;
  const stoppable = view.hosts.filter((host) => host.snapshot.status !== "ENDED" && !host.snapshot.stopRequestedAt).map((host) => host.snapshot.id);
  const asked = view.hosts.filter((host) => host.snapshot.status !== "ENDED" && (host.snapshot.stopRequestedAt || stopping.has(host.snapshot.id))).length;
  const error = model.error ?? stopError;
  return (
    <section className="panel" data-testid="fleet-summary" data-tone={summary.tone}>
      <div className="actions">
        <span className={`badge fleet-tone ${summary.tone}`}>{summary.tone === "ok" ? "healthy" : summary.tone === "warn" ? "needs a look" : "trouble"}</span>
        <span data-testid="fleet-sentence">{summary.text}</span>
        <span style={{ flex: 1 }} />
        <span className="muted">{model.connected ? "live" : "connecting…"}</span>
        {model.loading && <span className="muted">loading…</span>}
        {canStop && (stoppable.length > 0 || asked > 0) && (
          <button className="danger" type="button" onClick={() => void stop(stoppable)} disabled={stoppable.every((id) => stopping.has(id))}>
            {stoppable.length === 0 || stoppable.every((id) => stopping.has(id))
              ? `Stopping… (${asked.toLocaleString("en-US")} asked)`
              : `Stop run on all ${counts.total.toLocaleString("en-US")} hosts`}
          </button>
        )}
      </div>
      <div className="fleet-counts" role="group" aria-label="Hosts by state">
        <button
          type="button"
          className="fleet-count"
          aria-pressed={tableChoice.filter === "all"}
          onClick={() => setTableChoice({ ...tableChoice, filter: "all", page: 0 })}
          data-testid="fleet-count-all"
          data-count={counts.total}
        >
          <b>{counts.total.toLocaleString("en-US")}</b> hosts
        </button>
        {STATES.filter(({ state }) => state !== "starting" || counts.starting > 0).map(({ state, label, hint }) => (
          <button
            key={state}
            type="button"
            className={`fleet-count ${state}`}
            title={hint}
            aria-pressed={tableChoice.filter === state}
            onClick={() => setTableChoice({ ...tableChoice, filter: state, page: 0 })}
            data-testid={`fleet-count-${state}`}
            data-count={counts[state]}
          >
            <b>{counts[state].toLocaleString("en-US")}</b> {label}
          </button>
        ))}
        {counts.endedBy.length > 0 && (
          <span className="muted small-text" data-testid="fleet-end-reasons">
            {counts.endedBy.map((end) => `${end.count.toLocaleString("en-US")} ${endLabel(end.reason)}`).join(" · ")}
          </span>
        )}
        {counts.stopping > 0 && <span className="muted small-text">{counts.stopping.toLocaleString("en-US")} asked to stop</span>}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {view.rejectedFrames > 0 && <p className="notice">{view.rejectedFrames.toLocaleString("en-US")} frames could not be read and are left out.</p>}
    </section>
  );
}
