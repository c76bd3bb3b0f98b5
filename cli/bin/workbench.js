#!/usr/bin/env node
// Entry point of `npx workbench`, the terminal client for people. Runs the
// TypeScript sources through tsx; `npm run build:cli` makes a single file
// that needs no node_modules (see README, "The terminal client").
import { register } from "tsx/esm/api";

register({ tsconfig: new URL("../../tsconfig.json", import.meta.url).pathname });
await import("../src/cli.ts");
