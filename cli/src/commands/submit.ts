import fs from "node:fs";
import path from "node:path";
import type { WorkbenchApi } from "../api.ts";
import { CliError } from "../cli-error.ts";
import { printJson, printLine, type Output } from "../output.ts";

export type SubmitOptions = { file: string; hosts: string[]; selector: string | undefined; durationSec: number; name: string | undefined };

type Finding = { code: string; severity: "error" | "warning" | "info"; message: string; line: number; column: number };

/** `30`, `30s`, `5m`, `1h` into seconds; null when it is none of those. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+)(s|m|h)?$/.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[(match[2] ?? "s") as "s" | "m" | "h"];
}

/** Findings as a compiler prints them, so editors and terminals jump to them: FILE:LINE:COL: severity: message [code]. */
export function formatFinding(file: string, finding: Finding): string {
  return `${file}:${finding.line}:${finding.column}: ${finding.severity}: ${finding.message} [${finding.code}]`;
}

/**
 * Submits a program for review, as the program form does: the hosts by
 * name (looked up among the enrolled hosts) and/or a label selector. A
 * program the policy lint refuses prints every error finding and exits 6;
 * one it accepts prints its warnings and the revision to review.
 */
export async function submitCommand(api: WorkbenchApi, options: SubmitOptions, out: Output): Promise<void> {
  let source: string;
  try {
    source = fs.readFileSync(options.file, "utf8");
  } catch {
    throw new CliError("USAGE", `Cannot read ${options.file}.`);
  }
  let targetHostIds: string[] = [];
  if (options.hosts.length > 0) {
    const { hosts } = await api.json<{ hosts: { id: string; name: string; revoked: boolean }[] }>("GET", "/api/hosts");
    const byName = new Map(hosts.filter((h) => !h.revoked).map((h) => [h.name, h.id]));
    const unknown = options.hosts.filter((name) => !byName.has(name));
    if (unknown.length) throw new CliError("REFUSED", `No enrolled host is called ${unknown.join(", ")}; \`workbench status --hosts\` lists them.`);
    targetHostIds = options.hosts.map((name) => byName.get(name)!);
  }
  const name = options.name ?? path.basename(options.file).replace(/\.bt$/, "");
  let created: { programId: string; revisionId: string };
  try {
    created = await api.json("POST", "/api/programs", {
      name,
      source,
      durationSec: options.durationSec,
      targetHostIds,
      ...(options.selector !== undefined ? { targetSelector: options.selector } : {}),
    });
  } catch (error) {
    const findings = error instanceof CliError ? (error.details?.findings as Finding[] | undefined) : undefined;
    if (!findings?.length) throw error;
    if (out.json) printJson(out, { submitted: false, message: (error as CliError).message, findings });
    else for (const finding of findings) out.stderr.write(`${formatFinding(options.file, finding)}\n`);
    throw new CliError("LINT", `${options.file}: not submitted, the policy lint found ${findings.length} error${findings.length === 1 ? "" : "s"}.`);
  }
  const { revision } = await api.json<{ revision: { lint: { findings?: Finding[] } | null; number?: number } }>("GET", `/api/revisions/${created.revisionId}`);
  const warnings = revision.lint?.findings ?? [];
  const url = new URL(`/programs/${created.programId}`, api.server).toString();
  if (out.json) return printJson(out, { submitted: true, ...created, findings: warnings, url });
  for (const finding of warnings) out.stderr.write(`${formatFinding(options.file, finding)}\n`);
  printLine(out, `Submitted ${name} for review: revision ${created.revisionId}; ${url}`);
}
