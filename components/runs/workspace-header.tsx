"use client";
// The top panel of the run page: the run's state, what can be done with it
// (export, compare, stop), why it ended, and each host's status.
import { describeRunEnd } from "./describe-run-end.ts";
import { ExportLinks } from "./export-links.tsx";
import { HostStatusTable } from "./host-status-table.tsx";
import { ProbeOverhead } from "./probe-overhead.tsx";
import type { RunStop } from "./use-run-stop.ts";
import type { RunWorkspaceModel } from "./use-run-workspace.ts";

export function WorkspaceHeader({ model, canStop, runStop }: { model: RunWorkspaceModel; canStop: boolean; runStop: RunStop }) {
  const { view, hosts, silent, snapshots, multiHost, recorded } = model;
  const { stopping, stopError, stop } = runStop;
  const runs = view.runs;
  const primary = runs[0]!.snapshot;
  const totalFrames = hosts.reduce((sum, host) => sum + host.status.frames, 0);
  const liveRunIds = runs.filter((run) => run.snapshot.status !== "ENDED" && run.snapshot.origin.kind === "live").map((run) => run.snapshot.id);
  const stopRequested = (id: string) => !!snapshots.get(id)?.stopRequestedAt;
  // The retention sweep deleted these runs' frames (WORKBENCH_FRAME_RETENTION_DAYS); their record stays.
  const pruned = runs.filter((run) => run.snapshot.framesPrunedAt !== null);
  const error = model.error ?? stopError;

  return (
    <section className="panel">
      <div className="actions">
        <span className={`badge ${primary.status}`} data-testid="run-status">
          {primary.status.toLowerCase()}
        </span>
        {hosts[0]?.secondsLeft !== null && hosts[0]?.secondsLeft !== undefined && <span data-testid="time-left">{hosts[0].secondsLeft} s left</span>}
        <span className="muted" data-testid="frame-count">
          {totalFrames} frames
        </span>
        {multiHost && <span className="muted">{runs.length} hosts</span>}
        <span className="muted">{recorded ? "recorded" : model.connected ? "live" : "connecting…"}</span>
        {model.loading && <span className="muted">loading frames…</span>}
        <span style={{ flex: 1 }} />
        <ExportLinks runs={runs.map((run) => run.snapshot)} />
        <a className="button-link" href={`/runs/compare?a=${runs.map((run) => run.snapshot.id).join(",")}`}>
          Compare…
        </a>
        {canStop && liveRunIds.length > 0 && (
          <button className="danger" type="button" onClick={() => void stop(liveRunIds)} disabled={liveRunIds.every((id) => stopping.has(id) || stopRequested(id))}>
            {liveRunIds.every(stopRequested) ? "Stopping…" : multiHost ? "Stop run on all hosts" : "Stop run"}
          </button>
        )}
      </div>
      {primary.status === "QUEUED" && <p className="notice">Signed and waiting for the agent on {primary.hostName}.</p>}
      {primary.status === "ENDED" && (
        <p className={primary.endReason === "FAILED" || primary.endReason === "REFUSED" ? "error" : "notice"} data-testid="end-reason">
          {primary.origin.kind === "replay"
            ? `${primary.endReason === "EXPIRED" ? "Replay upload abandoned" : "Replay complete"}: ${primary.endDetail ?? "every frame uploaded"}.`
            : describeRunEnd(primary.endReason, primary.endDetail, primary.durationSec)}
        </p>
      )}
      {pruned.length > 0 && (
        <p className="notice" data-testid="frames-pruned">
          {multiHost ? `The frames of ${pruned.map((run) => run.snapshot.hostName).join(", ")} were` : "This run's frames were"} deleted on{" "}
          {pruned[0]!.snapshot.framesPrunedAt!.slice(0, 10)} under the workbench&apos;s frame retention setting (runs attached to an incident keep theirs).{" "}
          {multiHost ? "Their records stay" : "Its record stays"}: who ran what, where, how it ended and how many frames it had.
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {view.historyLimited && <p className="notice">This run&apos;s history is too long to load whole: the views start at the earliest frame loaded.</p>}
      {(multiHost || silent.length > 0 || recorded) && (
        <HostStatusTable hosts={hosts} snapshots={snapshots} canStop={canStop} onStop={(ids) => void stop(ids)} stopping={stopping} />
      )}
      {!multiHost && !recorded && silent.length === 0 && hosts[0] && (
        <p className="muted small-text" data-testid="single-host-status">
          {hosts[0].hostName}: {hosts[0].status.frames} frames, {hosts[0].status.lostEvents} lost events
          {hosts[0].status.overhead ? `, overhead ${hosts[0].status.overhead.record.cpuPercent.toFixed(2)}% CPU of a ${hosts[0].status.overhead.record.budgetPercent}% budget` : ""}
        </p>
      )}
      <ProbeOverhead hosts={hosts} />
    </section>
  );
}
