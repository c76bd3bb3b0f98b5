// npm run bench: every benchmark, one after the other, each in its own
// process so one's memory and JIT state do not colour the next; each prints
// its own figures. They need root (bpftrace), PostgreSQL and Chromium, as the
// tests do; bench:fleet needs the web build, and runs its loads and the
// search for the largest fleet at p99 <= 1 s (the longest of them).
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const benches: [name: string, args: string[]][] = [
  ["agent", []],
  ["overhead-stop", []],
  ["stop-switch", []],
  ["frame-storage", []],
  ["sre-views", []],
  ["fleet-view", []],
  ["approval", []],
  ["fleet", ["--search"]],
  ["launch", []],
];
for (const [name, args] of benches) {
  process.stdout.write(`\n== npm run bench:${name}${args.length ? ` -- ${args.join(" ")}` : ""}\n`);
  const result = spawnSync(process.execPath, ["--import", "./scripts/node/register.mjs", `scripts/bench/${name}.ts`, ...args], { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write(`bench:${name} failed (${result.signal ?? `status ${result.status}`})\n`);
    process.exitCode = 1;
  }
}
