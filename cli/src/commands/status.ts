import type { RunSnapshot } from "@/lib/views/live-events.ts";
import type { WorkbenchApi } from "../api.ts";
import { printJson, printLine, type Output } from "../output.ts";

const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const isRunId = (text: string) => RUN_ID.test(text);

function describe(run: RunSnapshot): string {
  const state = run.status === "ENDED" ? `ENDED (${(run.endReason ?? "?").toLowerCase()})` : run.stopRequestedAt ? "STOPPING" : run.status;
  const since = run.startedAt ?? run.createdAt;
  return `${run.id.padEnd(26)} ${state.padEnd(24)} ${`${run.programName} r${run.revisionNumber}`.padEnd(28)} ${run.hostName.padEnd(20)} ${since.slice(0, 19).replace("T", " ")}`;
}

/** The runs the token's user may see, newest first, or one run in full. */
export async function statusCommand(api: WorkbenchApi, options: { runId: string | undefined; status: string | undefined }, out: Output): Promise<void> {
  if (options.runId) {
    const { run } = await api.json<{ run: RunSnapshot }>("GET", `/api/runs/${options.runId}`);
    if (out.json) return printJson(out, run);
    printLine(out, describe(run));
    if (run.endDetail) printLine(out, `  ${run.endDetail}`);
    printLine(out, `  ${new URL(`/runs/${run.id}`, api.server).toString()}`);
    return;
  }
  const { runs } = await api.json<{ runs: RunSnapshot[] }>("GET", `/api/runs${options.status ? `?status=${options.status}` : ""}`);
  if (out.json) return printJson(out, runs);
  if (runs.length === 0) return printLine(out, "No runs.");
  printLine(out, `${"RUN".padEnd(26)} ${"STATE".padEnd(24)} ${"PROGRAM".padEnd(28)} ${"HOST".padEnd(20)} STARTED (UTC)`);
  for (const run of runs) printLine(out, describe(run));
}
