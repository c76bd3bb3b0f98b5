// The quick start's "up": database (embedded unless DATABASE_URL is set),
// migrations, demo users, signing key and session secret, the web server, and
// a local agent enrolled for this host, all stopped together with Ctrl-C.
// scripts/up.sh installs and builds first, then runs this.
import fs from "node:fs";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { spawn, type ChildProcess } from "node:child_process";
import { parseArgs } from "node:util";
import { createDbClient } from "@/lib/server/db/client.ts";
import { hashSecret } from "@/lib/server/auth/secrets.ts";
import { findHostByCredentialHash } from "@/lib/server/data/hosts.ts";
import { findActorByEmail } from "@/lib/server/data/users.ts";
import { createEnrollmentToken } from "@/lib/server/use-cases/create-enrollment-token.ts";
import { ensureDatabase } from "./lib/database.ts";
import { formatDemoUsers, seedDemoUsers } from "./lib/demo-users.ts";
import { generateSigningKeyFiles } from "./lib/signing-key-files.ts";
import { applyMigrations } from "./db/migrations.ts";
import { PROJECT_ROOT } from "./db/schema-engine.ts";

const { values: flags } = parseArgs({
  options: {
    port: { type: "string" },
    "no-agent": { type: "boolean", default: false },
    "agent-host": { type: "string" },
    dev: { type: "boolean", default: false },
  },
});

const dataDir = path.resolve(process.env.WORKBENCH_DATA_DIR ?? path.join(PROJECT_ROOT, ".data"));
const say = (line: string) => process.stdout.write(`[workbench] ${line}\n`);
const children: ChildProcess[] = [];

function readOrCreateSecret(file: string): string {
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(48).toString("base64url"), { mode: 0o600 });
  return fs.readFileSync(file, "utf8").trim();
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

async function choosePort(): Promise<number> {
  const wanted = flags.port ?? process.env.PORT;
  if (wanted) return Number(wanted);
  for (let port = 3000; port < 3100; port++) if (await portIsFree(port)) return port;
  throw new Error("no free port between 3000 and 3099; pass --port");
}

function startChild(name: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: ["ignore", "inherit", "inherit"] });
  children.push(child);
  child.on("exit", (code, signal) => {
    if (!shuttingDown) {
      say(`${name} exited unexpectedly (${signal ?? `status ${code}`}); stopping everything`);
      void shutdown(1);
    }
  });
  return child;
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the web server did not answer ${url}/api/health within ${timeoutMs / 1000} s`);
}

function runToCompletion(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: ["ignore", "inherit", "inherit"] });
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(" ")} exited with ${code}`))));
  });
}

let shuttingDown = false;
let stopDatabase: () => Promise<void> = async () => {};

async function shutdown(code: number): Promise<never> {
  shuttingDown = true;
  // The agent first: it stops its bpftrace runs and reports them while the server is still up.
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill("SIGTERM");
    await new Promise((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      child.once("exit", () => resolve(clearTimeout(timer)));
    });
  }
  await stopDatabase().catch(() => {});
  process.exit(code);
}

async function main(): Promise<void> {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o711 });
  const database = await ensureDatabase(dataDir, say);
  stopDatabase = database.stop;
  say(database.embedded ? `database: embedded PostgreSQL under ${dataDir}/postgres` : "database: DATABASE_URL");
  const { applied, total } = await applyMigrations(database.url);
  say(`migrations: ${applied.length ? `applied ${applied.join(", ")}` : "up to date"} (${total} in all)`);

  const db = createDbClient(database.url);
  const users = await seedDemoUsers(db, dataDir);

  const keysDir = path.join(dataDir, "keys");
  let signingKeyFile = process.env.WORKBENCH_SIGNING_KEY_FILE;
  let publicKeyFile = process.env.WORKBENCH_PUBLIC_KEY_FILE;
  if (!signingKeyFile && !process.env.WORKBENCH_SIGNING_KEY) {
    signingKeyFile = path.join(keysDir, "signing-key.pem");
    publicKeyFile = path.join(keysDir, "signing-key.pub.pem");
    if (!fs.existsSync(signingKeyFile)) say(`new signing key, id ${generateSigningKeyFiles(keysDir).keyId}`);
  }

  const port = await choosePort();
  const url = `http://localhost:${port}`;
  const serverEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: flags.dev ? "development" : "production",
    DATABASE_URL: database.url,
    NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET ?? readOrCreateSecret(path.join(dataDir, "nextauth-secret")),
    // Encrypts the signing keys an admin creates by rotating (lib/server/signing/keyring.ts).
    WORKBENCH_KEYRING_SECRET: process.env.WORKBENCH_KEYRING_SECRET ?? readOrCreateSecret(path.join(dataDir, "keyring-secret")),
    NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? url,
    PORT: String(port),
    ...(signingKeyFile ? { WORKBENCH_SIGNING_KEY_FILE: signingKeyFile } : {}),
  };
  startChild("web server", ["--import", "./scripts/node/register.mjs", "server.ts", ...(flags.dev ? ["--dev"] : [])], serverEnv);
  await waitForHealth(url, 120_000);

  let agentLine = "local agent: not started (--no-agent)";
  if (!flags["no-agent"]) {
    if (process.getuid?.() !== 0) {
      agentLine = "local agent: not started (bpftrace needs root; run as root or start the agent yourself)";
    } else if (!publicKeyFile) {
      agentLine = "local agent: not started (set WORKBENCH_PUBLIC_KEY_FILE beside WORKBENCH_SIGNING_KEY(_FILE))";
    } else {
      const hostName = flags["agent-host"] ?? os.hostname();
      const credentialFile = path.join(dataDir, "agent", `${hostName}.credential`);
      const known = fs.existsSync(credentialFile) && (await findHostByCredentialHash(db, hashSecret(fs.readFileSync(credentialFile, "utf8").trim())));
      if (!known) {
        // Enroll the way an operator would: an admin's one-time token, redeemed by the agent over HTTP.
        const admin = await findActorByEmail(db, users.find((u) => u.roles.includes("ADMIN"))!.email);
        if (!admin) throw new Error("the demo admin is missing");
        const { token } = await createEnrollmentToken(db, admin, { ttlMinutes: 10 });
        await runToCompletion(
          ["agent/bin/workbench-agent.js", "enroll", "--server", url, "--token", token, "--host", hostName, "--credential-file", credentialFile, "--force"],
          process.env,
        );
      }
      // The quick start's agent keeps its configuration under the data directory, its stop switch too.
      const stopFile = path.join(dataDir, "agent", `${hostName}.stop`);
      startChild(
        "agent",
        [
          "agent/bin/workbench-agent.js",
          "run",
          "--server",
          url,
          "--credential-file",
          credentialFile,
          "--public-key",
          publicKeyFile,
          "--host",
          hostName,
          "--state-dir",
          path.join(dataDir, "agent", `${hostName}.state`),
          "--stop-file",
          stopFile,
        ],
        { ...process.env, WORKBENCH_DATA_DIR: dataDir },
      );
      agentLine = `local agent: enrolled as "${hostName}" (its local stop switch: touch ${stopFile})`;
    }
  }
  await db.$disconnect();

  say("");
  say(`the workbench is up at ${url}`);
  say(agentLine);
  say(`demo users (role, email, password):\n${formatDemoUsers(users)}`);
  say("Ctrl-C stops everything.");
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
}

main().catch(async (error: unknown) => {
  say(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
});
