import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";

export const PROJECT_ROOT = path.resolve(import.meta.dirname, "..");
export const AGENT_BUNDLE = path.join(PROJECT_ROOT, "agent/dist/workbench-agent.mjs");

/**
 * The agent as one ES module that plain Node 20 runs: its sources, the shared
 * zone and its two dependencies (zod, socket.io-client) bundled, nothing of
 * the web app. Hosts need no node_modules.
 */
export async function buildAgentBundle(outfile = AGENT_BUNDLE): Promise<{ outfile: string; bytes: number }> {
  return bundleLikeTheAgent(path.join(PROJECT_ROOT, "agent/src/cli.ts"), outfile);
}

/** Any module bundled, minified and targeted exactly as the agent is: for benchmarks of code the agent runs. */
export async function bundleLikeTheAgent(entryPoint: string, outfile: string): Promise<{ outfile: string; bytes: number }> {
  await build({
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    tsconfig: path.join(PROJECT_ROOT, "tsconfig.json"),
    minify: true,
    keepNames: true,
    legalComments: "none",
    // ws loads these native speed-ups when present and works without them.
    external: ["bufferutil", "utf-8-validate"],
    // Some bundled CommonJS dependencies call require() for Node built-ins.
    banner: { js: "#!/usr/bin/env node\nimport { createRequire as __workbenchRequire } from 'node:module'; const require = __workbenchRequire(import.meta.url);" },
    logLevel: "warning",
  });
  fs.chmodSync(outfile, 0o755);
  return { outfile, bytes: fs.statSync(outfile).size };
}
