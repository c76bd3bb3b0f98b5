// The `workbench` terminal client as a person uses it: a separate process
// (cli/bin/workbench.js) against the real production server (server.ts), with
// the real agent running real bpftrace on this host. Logs in with an API
// token, submits a program the lint refuses and one it accepts, watches the
// approved run live until its duration limit ends it, reads its status and
// exports it; lists an approved runbook and launches it with values; and
// says what to do when the token expired, lacks a scope, or the server is
// unreachable. Needs root (bpftrace) and `npm run build`.
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimatePercentile, formatValue } from "@/lib/shared/histogram.ts";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";
import { listFrames } from "@/lib/server/frames/frame-reads.ts";
import { createApiToken } from "@/lib/server/use-cases/create-api-token.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, enrollTestHost, type TestUser } from "@/test/factories.ts";
import { signInCookie, startWebServer, type WebServer } from "@/test/web-server.ts";
import { startAgentProcess, type AgentProcess } from "@/test/agent-process.ts";
import { sleepWorkload } from "@/test/agent-scenario.ts";
import { waitFor } from "@/test/processes.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");

let t: TestDatabase;
let web: WebServer;
let agent: AgentProcess;
let host: { hostId: string; hostName: string };
let engineer: TestUser;
let reviewerCookie: string;
let engineerToken: string;
/** The engineer's client configuration directory (XDG_CONFIG_HOME), as `workbench login` leaves it. */
const configHome = fs.mkdtempSync(path.join(os.tmpdir(), "wb-cli-config-"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "wb-cli-"));

type CliRun = { code: number | null; stdout: string; stderr: string };

/** Runs `workbench ARGS` as its own process; `env` adds to (or, with undefined, removes from) the environment. */
function workbench(args: string[], options: { env?: Record<string, string | undefined>; stdin?: string; onStdout?: (text: string) => void } = {}): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env, XDG_CONFIG_HOME: configHome, WORKBENCH_TOKEN: undefined, WORKBENCH_SERVER_URL: undefined, ...options.env };
  const childEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) childEnv[name] = value;
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ["cli/bin/workbench.js", ...args], { cwd: ROOT, env: childEnv as NodeJS.ProcessEnv });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(stdout);
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.stdin ?? "");
  return new Promise((resolve) => child.once("exit", (code: number | null) => resolve({ code, stdout, stderr })));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  t = await createTestDatabase();
  const admin = await createUser(t.db, ["ADMIN"]);
  engineer = await createUser(t.db, ["ENGINEER"]);
  const reviewer = await createUser(t.db, ["REVIEWER"]);
  const enrolled = await enrollTestHost(t.db, admin);
  host = enrolled;
  // The server signs with a key the agent is told to trust.
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const keyFile = path.join(work, "signing-key.pem");
  fs.writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  web = await startWebServer(t.url, { WORKBENCH_SIGNING_KEY_FILE: keyFile });
  agent = startAgentProcess({ serverUrl: web.url, credential: enrolled.credential, publicKey, hostName: enrolled.hostName });
  await waitFor("the agent to connect", async () => (await t.db.host.findUniqueOrThrow({ where: { id: host.hostId }, select: { facts: true } })).facts, 30_000);
  reviewerCookie = await signInCookie(web.url, reviewer.email, reviewer.password);
  engineerToken = (await createApiToken(t.db, engineer, { name: "terminal", expiresInDays: 7, scopes: ["programs:submit", "runs:read"] }, { maxDays: 90 })).token;
}, 180_000);

afterAll(async () => {
  await agent?.stop();
  await web?.stop();
  await t?.drop();
});

describe("workbench, logged in with an API token", () => {
  it("login checks the token with the server and keeps it in the user's config directory, readable by them alone", async () => {
    const run = await workbench(["login", "--server", web.url, "--token-stdin"], { stdin: `${engineerToken}\n` });
    expect(run, run.stderr).toMatchObject({ code: 0 });
    const file = path.join(configHome, "workbench", "credentials.json");
    expect(run.stdout).toBe(`Logged in to ${web.url}; the token is in ${file} (readable by you alone).\n`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual({ server: web.url, token: engineerToken });
  });

  it("submit prints the policy lint's errors like a compiler (FILE:LINE:COL) and exits 6", async () => {
    const file = path.join(work, "bad.bt");
    fs.writeFileSync(file, 'BEGIN {\n  system("id");\n}\n');
    const run = await workbench(["submit", file, "--hosts", host.hostName, "--duration", "10s"]);
    expect(run.code).toBe(6);
    expect(run.stderr.split("\n")[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2:3: error: .+ \\[unsafe-builtin\\]$`));
    expect(run.stderr).toContain(`workbench: ${file}: not submitted, the policy lint found 1 error.`);
    expect(await t.db.program.count({ where: { authorId: engineer.id } })).toBe(0);
  });

  it("submits, and watches the approved run live from the real agent until its limit ends it, with the last p99 as stored", async () => {
    const file = path.join(work, "sleep-latency.bt");
    fs.writeFileSync(
      file,
      `tracepoint:syscalls:sys_enter_clock_nanosleep { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_clock_nanosleep /@start[tid]/ {
  @usecs = hist((nsecs - @start[tid]) / 1000);
  delete(@start[tid]);
}
interval:ms:500 { print(@usecs); }
`,
    );
    const submitted = await workbench(["submit", file, "--hosts", host.hostName, "--duration", "6s", "--json"]);
    expect(submitted.code, submitted.stderr).toBe(0);
    const answer = JSON.parse(submitted.stdout) as { submitted: boolean; revisionId: string; programId: string; url: string };
    expect(answer).toMatchObject({ submitted: true, url: `${web.url}/programs/${answer.programId}` });

    const review = await fetch(`${web.url}/api/revisions/${answer.revisionId}/reviews`, {
      method: "POST",
      headers: { cookie: reviewerCookie, origin: web.url, "content-type": "application/json" },
      body: JSON.stringify({ decision: "approve", reason: "cli test" }),
    });
    const { runIds } = (await review.json()) as { runIds: string[] };
    const runId = runIds[0]!;

    const workload = sleepWorkload(20);
    let sawLiveHistogram = false;
    try {
      const watched = await workbench(["watch", runId], {
        // While the run is still RUNNING, a histogram is on the screen.
        onStdout: (text) => (sawLiveHistogram ||= /· RUNNING[^\n]*\n\n@usecs:\n\[/.test(text)),
      });
      expect(watched.code, `${watched.stderr}\n${watched.stdout}`).toBe(0);
      expect(sawLiveHistogram).toBe(true);
      // bpftrace's layout: the label in 16 columns, the count in 8, a bar between pipes.
      expect(watched.stdout).toMatch(/^\[\d+[KM]?, \d+[KM]?\) {2,}\s*\d+ \|@+ *\|$/m);
      const lastDraw = watched.stdout.trimEnd().split("\n\n\n").at(-1)!;
      expect(lastDraw).toContain(`run ${runId} · sleep-latency r1 on ${host.hostName} · ENDED (duration_limit)`);

      const frames = await listFrames(t.db, runId, { afterSeq: 0, limit: 100_000 });
      const last = frames.filter((frame) => frame.record.type === "hist").at(-1)!.record as HistRecord;
      const p99 = formatValue(estimatePercentile(last.series[0]!.buckets, 99)!, "us");
      expect(lastDraw).toMatch(new RegExp(`p50 \\S+ \\S+   p99 ${p99.replace(/[.]/g, "\\.")}   total ${last.series[0]!.total}`));
    } finally {
      workload.kill();
    }

    const status = await workbench(["status", runId, "--json"]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: runId, status: "ENDED", endReason: "DURATION_LIMIT", hostName: host.hostName });
    const list = await workbench(["status"]);
    expect(list.stdout).toMatch(new RegExp(`^${runId} +ENDED \\(duration_limit\\) +sleep-latency r1 +${host.hostName} `, "m"));

    const csv = await workbench(["export", runId, "--format", "csv"]);
    expect(csv.code).toBe(0);
    const rows = csv.stdout.trim().split("\n");
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.some((row) => row.includes("@usecs"))).toBe(true);
  }, 90_000);
});

describe("workbench runbooks and launch", () => {
  const name = "slow-sleeps";
  let launcherEnv: Record<string, string>;

  beforeAll(async () => {
    // A runbook on this host with one bounded parameter, submitted and approved over the API as people do.
    const submitted = await fetch(`${web.url}/api/programs`, {
      method: "POST",
      headers: { authorization: `Bearer ${engineerToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        name,
        source: `tracepoint:syscalls:sys_enter_clock_nanosleep { @start[tid] = nsecs; }
tracepoint:syscalls:sys_exit_clock_nanosleep /@start[tid]/ {
  if ((nsecs - @start[tid]) / 1000 >= $1) { @usecs = hist((nsecs - @start[tid]) / 1000); }
  delete(@start[tid]);
}
interval:ms:500 { print(@usecs); }
`,
        durationSec: 30,
        targetHostIds: [host.hostId],
        runbook: {
          measures: "sleeps longer than a threshold, as a latency histogram",
          params: [{ name: "min_usecs", description: "Shortest sleep counted", type: "integer", min: 0, max: 1_000_000, default: 0 }],
          maxHostsPerLaunch: 1,
          maxConcurrentLaunches: 2,
          launchRoles: ["ENGINEER"],
          validityDays: 7,
        },
      }),
    });
    expect(submitted.status, await submitted.clone().text()).toBe(201);
    const { revisionId } = (await submitted.json()) as { revisionId: string };
    const review = await fetch(`${web.url}/api/revisions/${revisionId}/reviews`, {
      method: "POST",
      headers: { cookie: reviewerCookie, origin: web.url, "content-type": "application/json" },
      body: JSON.stringify({ decision: "approve", reason: "bounded runbook" }),
    });
    expect(review.status).toBe(201);
    const { token } = await createApiToken(t.db, engineer, { name: "launcher", expiresInDays: 1, scopes: ["runbooks:launch", "runs:read"] }, { maxDays: 90 });
    launcherEnv = { WORKBENCH_TOKEN: token, WORKBENCH_SERVER_URL: web.url };
  });

  it("runbooks lists the approved runbook with what it measures, until when, and its parameters", async () => {
    const run = await workbench(["runbooks"], { env: launcherEnv });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^${name} r1 {2}\\(\\S+\\) {2}launchable until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`, "m"));
    expect(run.stdout).toContain("  measures: sleeps longer than a threshold, as a latency histogram\n");
    expect(run.stdout).toContain(`  launch: up to 30 s on up to 1 host(s) of hosts ${host.hostName}; by engineer\n`);
    expect(run.stdout).toContain("  min_usecs=0 (integer 0..1000000): Shortest sleep counted\n");
    const json = await workbench(["runbooks", "--json", "--search", "threshold"], { env: launcherEnv });
    expect(JSON.parse(json.stdout)).toMatchObject([{ name, status: "APPROVED", policy: { params: [{ name: "min_usecs" }] } }]);
  });

  it("launch with a value starts a run whose signed order carries it, and --watch shows its histogram until it ends", async () => {
    const workload = sleepWorkload(20);
    try {
      const run = await workbench(["launch", name, "min_usecs=5", "--hosts", host.hostName, "--duration", "5s", "--reason", "p99 of sleeps", "--watch"], { env: launcherEnv });
      expect(run.code, `${run.stderr}\n${run.stdout}`).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Launched ${name} r1 with min_usecs=5 on 1 host\\(s\\), until .+ UTC\\.$`, "m"));
      expect(run.stdout).toMatch(/^@usecs:\n\[/m);
      const runId = /^ {2}(\S+) {2}http/m.exec(run.stdout)![1]!;
      expect(run.stdout.trimEnd().split("\n\n\n").at(-1)).toContain(`run ${runId} · ${name} r1 on ${host.hostName} · ENDED (duration_limit)`);
      const { envelope, launch } = await t.db.run.findUniqueOrThrow({ where: { id: runId }, select: { envelope: true, launch: { select: { reason: true, launchedById: true } } } });
      const order = JSON.parse(Buffer.from((envelope as { payload: string }).payload, "base64").toString("utf8")) as { runbook: { values: unknown; reason: string } };
      expect(order.runbook).toMatchObject({ values: { min_usecs: 5 }, reason: "p99 of sleeps" });
      expect(launch).toEqual({ reason: "p99 of sleeps", launchedById: engineer.id });
    } finally {
      workload.kill();
    }
  }, 90_000);

  it("a value out of its bounds exits 1 with the server's sentence, and launches nothing", async () => {
    const before = await t.db.run.count();
    const run = await workbench(["launch", name, "min_usecs=2000000", "--all-in-scope", "--duration", "5s", "--reason", "too far"], { env: launcherEnv });
    expect(run).toMatchObject({ code: 1, stderr: "workbench: min_usecs must be between 0 and 1000000; 2000000 is not.\n" });
    expect(await t.db.run.count()).toBe(before);
  });

  it("a token without runbooks:launch exits 4 naming the scope", async () => {
    const { token } = await createApiToken(t.db, engineer, { name: "reader", expiresInDays: 1, scopes: ["runs:read"] }, { maxDays: 90 });
    const run = await workbench(["launch", name, "--hosts", host.hostName, "--duration", "5s", "--reason", "no scope"], {
      env: { WORKBENCH_TOKEN: token, WORKBENCH_SERVER_URL: web.url },
    });
    expect(run).toMatchObject({ code: 4, stderr: "workbench: This API token's scopes (runs:read) do not allow this; it needs the scope runbooks:launch.\n" });
  });
});

describe("workbench says what to do", () => {
  it("when the token expired: exit 3 and the server's sentence", async () => {
    const { token, id } = await createApiToken(t.db, engineer, { name: "old", expiresInDays: 1, scopes: ["runs:read"] }, { maxDays: 90 });
    await t.db.apiToken.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 60_000) } });
    const run = await workbench(["status"], { env: { WORKBENCH_TOKEN: token, WORKBENCH_SERVER_URL: web.url } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^workbench: This API token expired on \S+; create a new one on your account page\. Then run `workbench login` with the new token\.\n$/);
    const watched = await workbench(["watch", "somerun", "--json"], { env: { WORKBENCH_TOKEN: token, WORKBENCH_SERVER_URL: web.url } });
    expect(watched.code).toBe(3);
    expect(JSON.parse(watched.stdout)).toMatchObject({ error: { code: "UNAUTHENTICATED", message: expect.stringMatching(/^This API token expired on /) } });
  });

  it("when the token lacks the scope: exit 4", async () => {
    const { token } = await createApiToken(t.db, engineer, { name: "submit only", expiresInDays: 1, scopes: ["programs:submit"] }, { maxDays: 90 });
    const env = { WORKBENCH_TOKEN: token, WORKBENCH_SERVER_URL: web.url };
    const run = await workbench(["status"], { env });
    expect(run).toMatchObject({ code: 4, stderr: "workbench: This API token's scopes (programs:submit) do not allow this; it needs the scope runs:read.\n" });
    const watched = await workbench(["watch", "somerun"], { env });
    expect(watched).toMatchObject({ code: 4, stderr: "workbench: This API token cannot watch runs; it needs the scope runs:read.\n" });
  });

  it("when the server is unreachable: exit 5", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = await workbench(["status", "--server", url]);
    expect(run).toMatchObject({ code: 5, stderr: `workbench: Cannot reach the workbench at ${url} (ECONNREFUSED): is it running, and is the URL right?\n` });
  });

  it("when nobody logged in: exit 3", async () => {
    const run = await workbench(["status"], { env: { XDG_CONFIG_HOME: fs.mkdtempSync(path.join(os.tmpdir(), "wb-cli-empty-")) } });
    expect(run).toMatchObject({
      code: 3,
      stderr: "workbench: Not logged in: run `workbench login --server URL` with a token from your account page (or set WORKBENCH_SERVER_URL and WORKBENCH_TOKEN).\n",
    });
  });
});
