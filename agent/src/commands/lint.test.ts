import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { AgentError } from "../errors.ts";
import { lintCommand, type LintOptions } from "./lint.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-lint-"));
function file(name: string, text: string): string {
  const at = path.join(dir, name);
  fs.writeFileSync(at, text);
  return at;
}

function lint(options: LintOptions): { exitCode: number; lines: string[] } {
  const out = new PassThrough();
  const exitCode = lintCommand(options, out);
  const text = out.read()?.toString("utf8") ?? "";
  expect(text.endsWith("\n")).toBe(true);
  return { exitCode, lines: text.slice(0, -1).split("\n") };
}

const benign = file("benign.bt", "tracepoint:syscalls:sys_enter_read { @[comm] = count(); }\n");
const dangerous = file("dangerous.bt", '// cat("/etc/shadow") in a comment is fine\nBEGIN {\n  system("id");\n}\n');
const uprobe = file("uprobe.bt", "uprobe:/bin/bash:readline { @[pid] = count(); }\n");

describe("lintCommand", () => {
  it("exits 0 for a program the agent may run, with only the verdict line", () => {
    const { exitCode, lines } = lint({ file: benign, json: false });
    expect(exitCode).toBe(0);
    expect(lines).toEqual([`${benign}: no findings; risk low: 1 probe (tracepoint); nothing refused or elevated.`]);
  });

  it("exits 1 and prints FILE:LINE:COL: SEVERITY CODE: MESSAGE for each finding", () => {
    const { exitCode, lines } = lint({ file: dangerous, json: false });
    expect(exitCode).toBe(1);
    expect(lines).toEqual([
      `${dangerous}:3:3: error unsafe-builtin: system() runs a shell command as root; bpftrace allows it only with --unsafe, which this workbench never passes.`,
      `${dangerous}: 1 error; risk refused: 1 blocking finding: unsafe-builtin (line 3).`,
    ]);
  });

  it("prints one JSON object per line with --json: the findings, then the summary", () => {
    const { exitCode, lines } = lint({ file: dangerous, json: true });
    expect(exitCode).toBe(1);
    const objects = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(objects).toEqual([
      {
        type: "finding",
        file: dangerous,
        code: "unsafe-builtin",
        severity: "error",
        message: expect.stringMatching(/^system\(\) runs a shell command as root/),
        line: 3,
        column: 3,
        endLine: 3,
        endColumn: 9,
      },
      expect.objectContaining({ type: "summary", file: dangerous, blocked: true, risk: "refused", functions: ["system"] }),
    ]);
  });

  it("applies a policy file: warnings do not stop a run", () => {
    expect(lint({ file: uprobe, json: false }).exitCode).toBe(1);
    const policyFile = file("elevated.json", JSON.stringify({ allowElevatedProbeTypes: true }));
    const { exitCode, lines } = lint({ file: uprobe, json: false, policyFile });
    expect(exitCode).toBe(0);
    expect(lines[0]).toMatch(new RegExp(`^${uprobe}:1:1: warning probe-type-elevated: uprobe instruments code`));
    expect(lines[1]).toBe(`${uprobe}: 1 warning; risk elevated: 1 warning for the reviewer: probe-type-elevated (line 1).`);
  });

  it("refuses a policy file it cannot trust, naming the field", () => {
    const unknownType = file("typo.json", JSON.stringify({ allowedProbeTypes: ["tracepiont"] }));
    expect(() => lint({ file: benign, json: false, policyFile: unknownType })).toThrow(
      expect.objectContaining({ code: "CONFIG", message: expect.stringMatching(/typo\.json is not valid: allowedProbeTypes\.0: not a bpftrace probe type/) }),
    );
    const unknownField = file("extra.json", JSON.stringify({ allowEverything: true }));
    expect(() => lint({ file: benign, json: false, policyFile: unknownField })).toThrow(AgentError);
    const notJson = file("broken.json", "{ allowConfigBlock: true");
    expect(() => lint({ file: benign, json: false, policyFile: notJson })).toThrow(/broken\.json is not JSON/);
  });

  it("reports a program file it cannot read as a usage error", () => {
    expect(() => lint({ file: path.join(dir, "missing.bt"), json: false })).toThrow(
      expect.objectContaining({ code: "USAGE", message: expect.stringMatching(/cannot read the program .*missing\.bt \(ENOENT\)/) }),
    );
  });
});
