import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { waitFor } from "./processes.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export type WebServer = {
  url: string;
  port: number;
  /** The server process (node running server.ts), for benchmarks that read its CPU time. */
  pid: number;
  output(): string;
  stop(): Promise<void>;
  /** Kills the process outright (a crash: nothing of it runs afterwards), and resolves once it is gone. */
  kill(): Promise<void>;
};

/** The real production server (server.ts: Next + socket.io) on a test database. Needs `npm run build` first. */
export async function startWebServer(databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<WebServer> {
  if (!fs.existsSync(path.join(ROOT, ".next/BUILD_ID"))) {
    throw new Error("the web app is not built: run `npm run build` (scripts/test.sh does) before these tests");
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-web-"));
  const keyFile = path.join(dir, "signing-key.pem");
  fs.writeFileSync(keyFile, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ["--import", "./scripts/node/register.mjs", "server.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: databaseUrl,
      NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      WORKBENCH_SIGNING_KEY_FILE: keyFile,
      WORKBENCH_MAX_DURATION_SEC: "600",
      PORT: String(port),
      HOST: "127.0.0.1",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    "the web server to answer",
    async () => {
      if (child.exitCode !== null) throw new Error(`the web server exited: ${output}`);
      return fetch(`${url}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
    },
    60_000,
  );
  const end = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  return { url, port, pid: child.pid!, output: () => output, stop: () => end("SIGTERM"), kill: () => end("SIGKILL") };
}

/** Signs in through next-auth's own credentials endpoint, as the login form does; returns the session cookie. */
export async function signInCookie(baseUrl: string, email: string, password: string): Promise<string> {
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookie = csrf.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  const session = response.headers.getSetCookie().find((c) => c.includes("next-auth.session-token="));
  if (!session) throw new Error(`sign-in failed for ${email} (status ${response.status})`);
  return session.split(";")[0]!;
}
