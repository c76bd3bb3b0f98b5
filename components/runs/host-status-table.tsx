"use client";
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import { describeRunEnd } from "./describe-run-end.ts";
import type { HostStatus } from "./view-model.ts";

const clock = (ms: number | null) => (ms === null ? "—" : new Date(ms).toISOString().slice(11, 19));

function Overhead({ status }: { status: HostStatus["status"] }) {
  const sample = status.overhead?.record;
  if (!sample) return <span className="muted">—</span>;
  const share = sample.budgetPercent > 0 ? sample.cpuPercent / sample.budgetPercent : 0;
  return (
    <span
      title={`BPF ${sample.bpfPercent.toFixed(2)}% + bpftrace ${sample.bpftracePercent.toFixed(2)}% of one CPU over ${sample.windowSec} s; ${Math.round(sample.eventsPerSec).toLocaleString("en-US")} events/s`}
    >
      <span className={share > 0.8 ? "warn-text" : undefined}>{sample.cpuPercent.toFixed(2)}%</span>
      <span className="muted"> of {sample.budgetPercent}% budget</span>
    </span>
  );
}

/** Per host: state, time left, frames received, lost events, measured overhead; a host that stopped reporting says so. */
export function HostStatusTable({
  hosts,
  snapshots,
  canStop,
  onStop,
  stopping,
}: {
  hosts: HostStatus[];
  snapshots: Map<string, RunSnapshotWithOrigin>;
  canStop: boolean;
  onStop: (runIds: string[]) => void;
  stopping: ReadonlySet<string>;
}) {
  return (
    <table className="list host-status" data-testid="host-status">
      <thead>
        <tr>
          <th>Host</th>
          <th>State</th>
          <th>Time left</th>
          <th>Frames</th>
          <th>Lost events</th>
          <th>Overhead (CPU)</th>
          <th>Last frame (UTC)</th>
          {canStop && <th />}
        </tr>
      </thead>
      <tbody>
        {hosts.map((host) => {
          const snapshot = snapshots.get(host.runId)!;
          return (
            <tr key={host.runId} data-testid="host-row" data-host={host.hostName} data-state={host.notReporting ? "not-reporting" : host.state.toLowerCase()}>
              <td>
                <a href={`/runs/${host.runId}`}>{host.hostName}</a> {host.replay && <span className="badge REPLAY">replay</span>}
              </td>
              <td>
                <span className={`badge ${host.state}`}>{host.state.toLowerCase()}</span>{" "}
                {host.notReporting && (
                  <span className="badge FAILED" data-testid="not-reporting">
                    not reporting
                  </span>
                )}
                {host.state === "ENDED" && (
                  <div className="muted small-text">
                    {host.replay ? (snapshot.endDetail ?? "Replay complete.") : describeRunEnd(snapshot.endReason, snapshot.endDetail, snapshot.durationSec)}
                  </div>
                )}
              </td>
              <td>{host.secondsLeft === null ? "—" : `${host.secondsLeft} s`}</td>
              <td data-testid="host-frames">{host.status.frames.toLocaleString("en-US")}</td>
              <td className={host.status.lostEvents > 0 ? "warn-text" : undefined}>{host.status.lostEvents.toLocaleString("en-US")}</td>
              <td>{host.replay ? <span className="muted">not measured (replay)</span> : <Overhead status={host.status} />}</td>
              <td className="muted">{clock(host.status.lastFrameAt)}</td>
              {canStop && (
                <td>
                  {host.state !== "ENDED" && !host.replay && (
                    <button type="button" className="small" disabled={stopping.has(host.runId) || !!snapshot.stopRequestedAt} onClick={() => onStop([host.runId])}>
                      {snapshot.stopRequestedAt ? "Stopping…" : `Stop on ${host.hostName}`}
                    </button>
                  )}
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
