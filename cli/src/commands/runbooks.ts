import type { RunbookParam } from "@/lib/shared/runbook-params.ts";
import type { WorkbenchApi } from "../api.ts";
import { CliError } from "../cli-error.ts";
import { printJson, printLine, type Output } from "../output.ts";

// `workbench runbooks`: the runbooks the server knows (GET /api/runbooks), as
// the Runbooks page lists them, with what they measure, until when they may be
// launched and the parameters a launch fills. Also finds one runbook by its
// program id or name for `workbench launch`.

/** A runbook as GET /api/runbooks answers it (dates as ISO text). */
export type RunbookItem = {
  programId: string;
  name: string;
  revisionId: string;
  revisionNumber: number;
  status: string;
  policy: { measures: string; whenToUse: string; params: RunbookParam[]; maxHostsPerLaunch: number; maxConcurrentLaunches: number; launchRoles: string[] };
  durationSec: number;
  targetSelector: string | null;
  targetNames: string[];
  validUntil: string | null;
  launches: number;
  lastLaunchAt: string | null;
};

/** One parameter as a person types its value: `name=default (integer 1..100)`. */
export function describeParam(param: RunbookParam): string {
  const bounds =
    param.type === "integer"
      ? `integer ${param.min}..${param.max}`
      : param.type === "duration"
        ? `seconds ${param.minSec}..${param.maxSec}`
        : param.type === "choice"
          ? `one of ${param.choices.join("|")}`
          : `text matching ${param.pattern}, at most ${param.maxLength}`;
  return `${param.name}=${param.default} (${bounds}): ${param.description}`;
}

function validity(runbook: RunbookItem): string {
  if (runbook.status === "APPROVED" && runbook.validUntil) return `launchable until ${runbook.validUntil.slice(0, 16).replace("T", " ")} UTC`;
  if (runbook.status === "PENDING") return "proposed, waiting for review";
  return `not launchable (${runbook.status.toLowerCase().replace("_", " ")})`;
}

export async function runbooksCommand(api: WorkbenchApi, options: { search: string | undefined }, out: Output): Promise<void> {
  const query = options.search ? `?q=${encodeURIComponent(options.search)}` : "";
  const { runbooks } = await api.json<{ runbooks: RunbookItem[] }>("GET", `/api/runbooks${query}`);
  if (out.json) return printJson(out, runbooks);
  if (runbooks.length === 0) return printLine(out, options.search ? `No runbook measures "${options.search}".` : "No runbooks.");
  for (const runbook of runbooks) {
    printLine(out, `${runbook.name} r${runbook.revisionNumber}  (${runbook.programId})  ${validity(runbook)}`);
    printLine(out, `  measures: ${runbook.policy.measures}`);
    const scope = [runbook.targetNames.length ? `hosts ${runbook.targetNames.join(", ")}` : "", runbook.targetSelector ? `selector ${runbook.targetSelector}` : ""]
      .filter(Boolean)
      .join(" + ");
    printLine(
      out,
      `  launch: up to ${runbook.durationSec} s on up to ${runbook.policy.maxHostsPerLaunch} host(s) of ${scope || "no hosts"}; by ${runbook.policy.launchRoles.map((r) => r.toLowerCase()).join(", ")}`,
    );
    for (const param of runbook.policy.params) printLine(out, `  ${describeParam(param)}`);
  }
}

/** The runbook named RUNBOOK on the command line: its program id, else its exact name (refused when two share it). */
export async function findRunbook(api: WorkbenchApi, idOrName: string): Promise<RunbookItem> {
  const { runbooks } = await api.json<{ runbooks: RunbookItem[] }>("GET", "/api/runbooks");
  const byId = runbooks.find((runbook) => runbook.programId === idOrName);
  if (byId) return byId;
  const byName = runbooks.filter((runbook) => runbook.name === idOrName);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1)
    throw new CliError("USAGE", `${byName.length} runbooks are named ${JSON.stringify(idOrName)}; give the program id (${byName.map((r) => r.programId).join(", ")}).`);
  throw new CliError("REFUSED", `No runbook with the id or name ${JSON.stringify(idOrName)} (\`workbench runbooks\` lists them).`);
}
