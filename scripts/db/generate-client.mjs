#!/usr/bin/env node
// `prisma generate` only reads the schema (through Prisma's WebAssembly schema
// parser), but the CLI first insists on its native schema engine, which it
// downloads from a host this project does not depend on. We point that check at
// a stand-in that refuses to run: `generate` never calls it, and any command
// that did would fail loudly instead of silently doing nothing.
// Migrations never come through here: scripts/db/migrate.ts uses the
// WebAssembly schema engine and verifies the result.
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const refuse = path.join(root, "scripts/db/no-native-engine.sh");
const result = spawnSync(process.execPath, [path.join(root, "node_modules/prisma/build/index.js"), "generate"], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: refuse, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
});
process.exit(result.status ?? 1);
