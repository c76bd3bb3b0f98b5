// What bench:fleet runs against (its database comes from ../bench-database.ts):
// the built workbench server
// (server.ts: Next and socket.io on one port) started as `npm start` starts
// it, through the same helper the integration tests use.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { startWebServer, type WebServer } from "../../../test/web-server.ts";

/**
 * What every server of the bench run shares: the database, the session
 * secret (cookies stay valid from one load's server to the next) and the
 * signing key, in a directory of its own.
 */
export function serverEnvironment(): { env: Record<string, string>; dispose(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wb-bench-fleet-"));
  const keyFile = path.join(dir, "signing-key.pem");
  fs.writeFileSync(keyFile, generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  return {
    env: {
      NEXTAUTH_SECRET: randomBytes(32).toString("hex"),
      WORKBENCH_SIGNING_KEY_FILE: keyFile,
      WORKBENCH_MAX_DURATION_SEC: "7200",
    },
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** The server processes of one load; clients spread over `urls` round robin. */
export type ServerFleet = { urls: string[]; pids: number[]; output(): string[]; stop(): Promise<void> };

/**
 * Starts `count` server processes on the same database, each on its own
 * port. More than one share rooms and frames through Redis (the Redis
 * adapter, README "Scaling out"): at BENCH_REDIS_URL, default
 * redis://127.0.0.1:6379, under a channel prefix of this load's own.
 */
export async function startServerFleet(count: number, database: string, extraEnv: Record<string, string>): Promise<ServerFleet> {
  const env =
    count > 1
      ? {
          ...extraEnv,
          WORKBENCH_REDIS_URL: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379",
          WORKBENCH_REDIS_CHANNEL_PREFIX: `bench-fleet-${randomBytes(4).toString("hex")}`,
        }
      : extraEnv;
  const servers: WebServer[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startWebServer(database, env));
  } catch (error) {
    await Promise.all(servers.map((server) => stopServer(server)));
    throw error;
  }
  return {
    urls: servers.map((server) => server.url),
    pids: servers.map((server) => server.pid),
    output: () => servers.map((server) => server.output()),
    stop: async () => void (await Promise.all(servers.map((server) => stopServer(server)))),
  };
}

/** SIGTERM (the server's orderly stop, which gives up after 10 s), then SIGKILL if it is still there. */
async function stopServer(server: WebServer): Promise<void> {
  const kill = setTimeout(() => {
    try {
      process.kill(server.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, 15_000);
  await server.stop();
  clearTimeout(kill);
}
