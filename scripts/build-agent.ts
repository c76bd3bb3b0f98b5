// npm run build:agent: agent/dist/workbench-agent.mjs, one file for hosts (see README, "The agent on a host").
import path from "node:path";
import { PROJECT_ROOT, buildAgentBundle } from "./build-agent-bundle.ts";

const { outfile, bytes } = await buildAgentBundle();
process.stdout.write(`wrote ${path.relative(PROJECT_ROOT, outfile)} (${Math.round(bytes / 1024)} KiB); run it with: node ${path.relative(PROJECT_ROOT, outfile)} --help\n`);
