// npm run build:cli: cli/dist/workbench.mjs, the terminal client as one file (see README, "The terminal client").
import path from "node:path";
import { PROJECT_ROOT, bundleLikeTheAgent } from "./build-agent-bundle.ts";

const { outfile, bytes } = await bundleLikeTheAgent(path.join(PROJECT_ROOT, "cli/src/cli.ts"), path.join(PROJECT_ROOT, "cli/dist/workbench.mjs"));
process.stdout.write(`wrote ${path.relative(PROJECT_ROOT, outfile)} (${Math.round(bytes / 1024)} KiB); run it with: node ${path.relative(PROJECT_ROOT, outfile)} --help\n`);
