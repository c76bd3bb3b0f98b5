// The figures of bench:fleet as a markdown table (one row per load and
// system, for the README) followed by what happened during each load.
import os from "node:os";
import { AGENT_REQUEST_TIMEOUT_MS } from "./protocol.ts";
import type { SystemResult } from "./run-load.ts";

const percent = (cpuSec: number, measuredSec: number) => `${Math.round((cpuSec / measuredSec) * 100)}%`;
const ms = (value: number | null) => (value === null ? "-" : value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value} ms`);
const rate = (count: number, measuredSec: number) => {
  const perSec = count / measuredSec;
  return perSec >= 100 ? Math.round(perSec).toLocaleString("en-US") : perSec.toFixed(1);
};
const count = (value: number) => value.toLocaleString("en-US");

export const TABLE_HEADER = [
  "hosts × viewers",
  "system",
  "frames/s sent",
  "deliveries/s expected",
  "deliveries/s received",
  "lost",
  "duplicated",
  "out of order",
  "send→viewer p50 / p99 / max",
  "agent ack p99",
  "server CPU",
  "PostgreSQL CPU (all of it)",
  "deliveries per server CPU-s",
  "server log errors",
  "clients' CPU (agents + viewers)",
];

export function tableRow(result: SystemResult): string[] {
  const s = result.measuredSec;
  return [
    `${count(result.load.hosts)} × ${result.load.viewers}`,
    result.system,
    rate(result.framesSent, s),
    rate(result.expected, s),
    rate(result.delivered, s),
    count(result.lost),
    count(result.duplicates),
    count(result.outOfOrder),
    `${ms(result.latencyMs.p50)} / ${ms(result.latencyMs.p99)} / ${ms(result.latencyMs.max)}`,
    result.system !== "product" ? "-" : result.agentAckP99Ms !== null && result.agentAckP99Ms >= AGENT_REQUEST_TIMEOUT_MS ? "timed out (15 s)" : ms(result.agentAckP99Ms),
    percent(result.serverCpuSec, s),
    result.postgresCpuSec === null
      ? "-"
      : `${percent(result.postgresCpuSec.backends + result.postgresCpuSec.background, s)}${result.postgresCpuSec.whole === null ? "" : ` (all: ${percent(result.postgresCpuSec.whole, s)})`}`,
    result.serverCpuSec > 0 ? count(Math.round(result.delivered / result.serverCpuSec)) : "-",
    result.serverLog === null ? "-" : count(result.serverLog.errors),
    `${percent(result.clientCpuSec.agents, s)} + ${percent(result.clientCpuSec.viewers, s)}`,
  ];
}

export function markdownTable(results: SystemResult[]): string {
  const rows = [TABLE_HEADER, TABLE_HEADER.map(() => "---"), ...results.map(tableRow)];
  return rows.map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

export function details(results: SystemResult[]): string {
  return results
    .map((result) => {
      const lines = [`${count(result.load.hosts)} × ${result.load.viewers}, ${result.system} (${result.measuredSec} s measured):`];
      lines.push(`  - ${(result.within1s * 100).toFixed(2)}% of the owed deliveries arrived within 1 s`);
      for (const step of result.steps) lines.push(`  - ${step}`);
      const cpu = result.postgresCpuSec;
      if (cpu) {
        lines.push(
          `  - PostgreSQL CPU: ${percent(cpu.backends, result.measuredSec)} in the backends of the bench's database, ${percent(cpu.background, result.measuredSec)} in the background writer, WAL writer and checkpointer; ` +
            `${count(cpu.sessions)} sessions opened on the database in the window` +
            (cpu.whole === null ? "" : `; all of PostgreSQL, every database, exited backends and the postmaster included: ${percent(cpu.whole, result.measuredSec)}`),
        );
      }
      const postgres = cpu ? Math.max(cpu.whole ?? 0, cpu.backends + cpu.background) : 0;
      const ours = result.serverCpuSec + postgres + result.clientCpuSec.agents + result.clientCpuSec.viewers + result.clientCpuSec.orchestrator;
      lines.push(
        `  - the machine's cores were busy ${percent(result.machineBusyCpuSec, result.measuredSec)} of one core's time (of ${os.cpus().length * 100}%); ` +
          `processes outside the bench${cpu ? " and PostgreSQL" : ""} ${percent(Math.max(0, result.machineBusyCpuSec - ours), result.measuredSec)} (the kernel's own work included); ` +
          `the orchestrator ${percent(result.clientCpuSec.orchestrator, result.measuredSec)}`,
      );
      // A virtual machine the host did not schedule accounts for less time than the wall clock: every figure above is then suspect.
      const accounted = result.machineTotalCpuSec / (os.cpus().length * result.measuredSec);
      if (accounted < 0.95)
        lines.push(
          `  - WARNING: the cores accounted for only ${Math.round(accounted * 100)}% of the window's time (/proc/stat): the machine was not running all along; read this load's CPU figures with care`,
        );
      if (result.serverLog && result.serverLog.errors > 0) {
        lines.push(
          `  - server log: ${result.serverLog.errors} errors, ${result.serverLog.warnings} warnings; most frequent: ${result.serverLog.top.map(([m, c]) => `${c}× "${m}"`).join("; ")}`,
        );
      }
      return lines.join("\n");
    })
    .join("\n");
}

/** The search's verdict for a load: at least 99% of the owed deliveries within 1 s (a lost one never arrives). */
export function meetsOneSecondP99(result: SystemResult): boolean {
  return result.expected > 0 && result.within1s >= 0.99;
}
