// npm run bench: every benchmark, one after the other, each in its own
// process so one's memory and JIT state do not colour the next; each prints
// its own figures. They need root (bpftrace), PostgreSQL and Chromium, as the
// tests do.
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
for (const name of ["agent", "frame-storage", "sre-views", "fleet-view"]) {
  process.stdout.write(`\n== npm run bench:${name}\n`);
  const result = spawnSync(process.execPath, ["--import", "./scripts/node/register.mjs", `scripts/bench/${name}.ts`], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write(`bench:${name} failed (${result.signal ?? `status ${result.status}`})\n`);
    process.exitCode = 1;
  }
}
