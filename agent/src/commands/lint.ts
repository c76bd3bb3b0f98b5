// `workbench-agent lint FILE [--json]`: the policy lint the agent applies before
// it runs any program, on a file, so an operator or a CI job sees what the agent
// would refuse. The agent has no probe catalog here, so wildcards are judged
// without one.
import fs from "node:fs";
import { lintProgram } from "@/lib/shared/policy/lint-program.ts";
import { partialLintPolicySchema, type LintPolicy } from "@/lib/shared/policy/policy.ts";
import { AgentError } from "../errors.ts";

export type LintOptions = { file: string; json: boolean; policyFile?: string };

/**
 * Prints one line per finding, `FILE:LINE:COL: SEVERITY CODE: MESSAGE` (or, with `json`, one JSON
 * object per line: the findings, then the summary), and returns 0 when the program may run (no
 * error finding), 1 when it may not.
 */
export function lintCommand(options: LintOptions, out: NodeJS.WritableStream): number {
  const policy = options.policyFile === undefined ? undefined : readPolicy(options.policyFile);
  const source = readText(options.file, "USAGE", "the program");
  const { findings, summary, blocked } = lintProgram(source, policy);
  const lines = options.json
    ? [
        ...findings.map((finding) => JSON.stringify({ type: "finding", file: options.file, ...finding })),
        JSON.stringify({ type: "summary", file: options.file, blocked, ...summary }),
      ]
    : [
        ...findings.map((f) => `${options.file}:${f.line}:${f.column}: ${f.severity} ${f.code}: ${f.message}`),
        `${options.file}: ${countFindings(findings)}; risk ${summary.risk}: ${summary.riskReason}`,
      ];
  out.write(`${lines.join("\n")}\n`);
  return blocked ? 1 : 0;
}

/** A JSON object with some of the policy's fields; the others keep their defaults. */
function readPolicy(file: string): Partial<LintPolicy> {
  const text = readText(file, "CONFIG", "the policy");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AgentError("CONFIG", `the policy ${file} is not JSON`);
  }
  const parsed = partialLintPolicySchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(top)"}: ${issue.message}`);
    throw new AgentError("CONFIG", `the policy ${file} is not valid: ${problems.join("; ")}`);
  }
  return parsed.data;
}

function readText(file: string, code: "USAGE" | "CONFIG", what: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new AgentError(code, `cannot read ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
}

function countFindings(findings: readonly { severity: string }[]): string {
  const errors = findings.filter((finding) => finding.severity === "error").length;
  const warnings = findings.length - errors;
  if (findings.length === 0) return "no findings";
  return [errors && `${errors} error${errors === 1 ? "" : "s"}`, warnings && `${warnings} warning${warnings === 1 ? "" : "s"}`].filter(Boolean).join(", ");
}
