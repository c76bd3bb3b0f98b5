"use client";
import type { HostStatus } from "./view-model.ts";

/** BPF program types bpftrace loads (include/uapi/linux/bpf.h, enum bpf_prog_type). */
const PROGRAM_TYPES: Record<number, string> = { 2: "kprobe/uprobe", 5: "tracepoint", 7: "perf_event", 17: "raw_tracepoint", 26: "tracing" };

/**
 * What each BPF program of the run costs in the kernel, from the agent's
 * latest overhead sample of each host: runs in that sample and nanoseconds
 * per run. Replays carry no measurement and show nothing here.
 */
export function ProbeOverhead({ hosts }: { hosts: HostStatus[] }) {
  const rows = hosts.flatMap((host) => (host.replay ? [] : (host.status.overhead?.record.programs ?? []).map((program) => ({ host: host.hostName, program }))));
  if (rows.length === 0) return null;
  const showHost = hosts.length > 1;
  return (
    <details className="probe-overhead" data-testid="probe-overhead" open>
      <summary>Kernel cost by probe</summary>
      <table className="list">
        <thead>
          <tr>
            {showHost && <th>Host</th>}
            <th>BPF program</th>
            <th>Type</th>
            <th>Runs (last sample)</th>
            <th>ns per run</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ host, program }) => (
            <tr key={`${host}/${program.id}`} data-testid="probe-overhead-row">
              {showHost && <td>{host}</td>}
              <td>
                <code>{program.name ?? `program ${program.id}`}</code> <span className="muted">id {program.id}</span>
              </td>
              <td>{PROGRAM_TYPES[program.type] ?? `type ${program.type}`}</td>
              <td>{program.events.toLocaleString("en-US")}</td>
              <td data-testid="ns-per-run">{program.nsPerEvent === null ? <span className="muted">did not run</span> : program.nsPerEvent.toLocaleString("en-US")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small-text">
        Names as the kernel keeps them (15 characters); the id is the one <code>bpftool prog show id</code> takes.
      </p>
    </details>
  );
}
