#!/usr/bin/env node
// Entry point of `npx workbench-agent`. Runs the TypeScript sources through
// tsx; hosts that should not carry node_modules use the single-file bundle
// from `npm run build:agent` instead (see README, "The agent on a host").
import { register } from "tsx/esm/api";

register({ tsconfig: new URL("../../tsconfig.json", import.meta.url).pathname });
await import("../src/cli.ts");
