import type { ParamValues } from "@/lib/shared/runbook-params.ts";
import type { WorkbenchApi } from "../api.ts";
import { CliError } from "../cli-error.ts";
import { printJson, printLine, type Output } from "../output.ts";
import { findRunbook, type RunbookItem } from "./runbooks.ts";
import { parseDuration } from "./submit.ts";
import { watchCommand } from "./watch.ts";

// `workbench launch RUNBOOK key=value ...`: launches an approved runbook as
// its page's form does (POST /api/runbooks/{programId}/launches, scope
// runbooks:launch). Values not given take the defaults the reviewer signed;
// every check of the policy (bounds, hosts in scope, duration, validity,
// launches at once) is the server's, and its sentence is printed as it comes.

export type LaunchOptions = {
  runbook: string;
  /** `name=value` as typed. */
  assignments: string[];
  hosts: string[];
  allInScope: boolean;
  durationSec: number;
  reason: string;
  incidentId: string | undefined;
  watch: boolean;
};

type RunbookDetail = { runbook: RunbookItem; scopeHosts: { id: string; name: string }[] };
type LaunchOutcome = { launchId: string; revisionId: string; runIds: string[]; endsAt: string };

/**
 * The values to send: the signed defaults, overridden by each `name=value`.
 * Integers and durations become numbers when they read as one (`30s`, `5m`
 * for a duration); otherwise the text goes as typed and the server says what
 * is wrong with it. A name the runbook lacks is sent too, for the server's
 * sentence.
 */
export function launchValues(runbook: RunbookItem, assignments: readonly string[]): ParamValues {
  const values: ParamValues = Object.fromEntries(runbook.policy.params.map((param) => [param.name, param.default]));
  for (const assignment of assignments) {
    const equals = assignment.indexOf("=");
    if (equals < 1) throw new CliError("USAGE", `${JSON.stringify(assignment)} is not name=value (\`workbench runbooks\` lists each runbook's parameters).`);
    const name = assignment.slice(0, equals);
    const text = assignment.slice(equals + 1);
    const param = runbook.policy.params.find((p) => p.name === name);
    if (param?.type === "integer" && /^-?\d+$/.test(text.trim())) values[name] = Number(text.trim());
    else if (param?.type === "duration" && parseDuration(text) !== null) values[name] = parseDuration(text)!;
    else values[name] = text;
  }
  return values;
}

export async function launchCommand(api: WorkbenchApi, options: LaunchOptions, out: Output): Promise<void> {
  const found = await findRunbook(api, options.runbook);
  const { runbook, scopeHosts } = await api.json<RunbookDetail>("GET", `/api/runbooks/${found.programId}`);
  let hostIds: string[];
  if (options.allInScope) {
    if (scopeHosts.length === 0) throw new CliError("REFUSED", `No enrolled host is in ${runbook.name}'s scope now.`);
    hostIds = scopeHosts.map((host) => host.id);
  } else {
    const byName = new Map(scopeHosts.map((host) => [host.name, host.id]));
    const outside = options.hosts.filter((name) => !byName.has(name));
    if (outside.length > 0) {
      throw new CliError(
        "REFUSED",
        `${outside.join(", ")} ${outside.length === 1 ? "is" : "are"} not in ${runbook.name}'s scope; it is ${scopeHosts.map((h) => h.name).join(", ") || "no host now"}.`,
      );
    }
    hostIds = options.hosts.map((name) => byName.get(name)!);
  }
  const values = launchValues(runbook, options.assignments);
  const outcome = await api.json<LaunchOutcome>("POST", `/api/runbooks/${runbook.programId}/launches`, {
    revisionId: runbook.revisionId,
    hostIds,
    values,
    durationSec: options.durationSec,
    reason: options.reason,
    ...(options.incidentId ? { incidentId: options.incidentId } : {}),
  });
  if (out.json) printJson(out, { ...outcome, values });
  else {
    const shown = Object.entries(values)
      .map(([name, value]) => `${name}=${value}`)
      .join(" ");
    printLine(
      out,
      `Launched ${runbook.name} r${runbook.revisionNumber}${shown ? ` with ${shown}` : ""} on ${hostIds.length} host(s), until ${outcome.endsAt.slice(0, 19).replace("T", " ")} UTC.`,
    );
    for (const runId of outcome.runIds) printLine(out, `  ${runId}  ${new URL(`/runs/${runId}`, api.server).toString()}`);
  }
  if (options.watch) {
    const first = outcome.runIds[0]!;
    if (outcome.runIds.length > 1 && !out.json) printLine(out, `Watching ${first}; \`workbench watch RUN\` watches the others.`);
    await watchCommand(api, { runId: first }, out);
  }
}
