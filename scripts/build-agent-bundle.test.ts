// The single-file agent runs with plain Node, without node_modules or tsx.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT, buildAgentBundle } from "./build-agent-bundle.ts";

describe("the agent bundle", () => {
  it("runs from a directory without node_modules, and parses bpftrace output like the sources do", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-bundle-"));
    const { outfile, bytes } = await buildAgentBundle(path.join(dir, "workbench-agent.mjs"));
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
    const bundle = fs.readFileSync(outfile, "utf8");
    expect(bundle).not.toMatch(/@prisma\/client|next\/server/);

    expect(execFileSync(process.execPath, [outfile, "--version"], { cwd: dir, encoding: "utf8" }).trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const fixture = path.join(PROJECT_ROOT, "lib/shared/bpftrace/fixtures/v0.17/hist-unkeyed");
    const parsed = spawnSync(process.execPath, [outfile, "parse"], { cwd: dir, input: fs.readFileSync(`${fixture}.jsonl`), encoding: "utf8" });
    expect(parsed.status).toBe(0);
    const expected = fs
      .readFileSync(`${fixture}.expected.jsonl`, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((line) => !("skippedLine" in line));
    expect(
      parsed.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual(expected);
  });
});
