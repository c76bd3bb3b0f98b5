import "server-only";
import type { RunView } from "@/lib/server/data/runs.ts";

// Runs as people pick them in forms (compare, attach to an incident): one
// choice per host run, and one per run of a program on several hosts (the
// runs one approval signed), whose value lists every run id.

export type RunChoice = { value: string; label: string };
export type RunBatch = { key: string; runs: RunView[] };

const when = (date: Date | null) => (date ? date.toISOString().replace("T", " ").slice(0, 16) : "not started");

export function describeRun(run: RunView): string {
  return run.kind === "REPLAY"
    ? `replay “${run.replay.name}” (${run.hostName}), ${when(run.startedAt)}`
    : `${run.program.name} r${run.revision.number} on ${run.hostName}, ${when(run.startedAt)}`;
}

/** Runs grouped by the approval or the runbook launch that signed them, newest first; a replay is its own group. */
export function groupRunsByBatch(runs: readonly RunView[]): RunBatch[] {
  const batches = new Map<string, RunView[]>();
  for (const run of runs) {
    const key = run.kind === "LIVE" ? (run.launchId ?? run.approvalId) : `replay:${run.id}`;
    const batch = batches.get(key);
    if (batch) batch.push(run);
    else batches.set(key, [run]);
  }
  return [...batches].map(([key, members]) => ({ key, runs: members.sort((a, b) => a.hostName.localeCompare(b.hostName)) }));
}

export function runChoices(runs: readonly RunView[]): RunChoice[] {
  return groupRunsByBatch(runs).flatMap(({ runs: members }) => {
    const single = members.map((run) => ({ value: run.id, label: `${describeRun(run)} · ${run.id.slice(0, 8)}` }));
    if (members.length < 2) return single;
    const first = members[0]!;
    const name = first.kind === "LIVE" ? `${first.program.name} r${first.revision.number}` : first.hostName;
    return [{ value: members.map((run) => run.id).join(","), label: `${name} on all ${members.length} hosts (merged), ${when(first.startedAt)}` }, ...single];
  });
}
