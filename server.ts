// The workbench server: Next.js and socket.io on one port. Start it with
// `npm start` (production, after `npm run build`) or `npm run dev`.
import { createServer } from "node:http";
import { parse } from "node:url";
import next from "next";
import { EnvError, loadServerEnv } from "@/lib/server/env.ts";
import { getDb } from "@/lib/server/db/client.ts";
import { getSigningKey } from "@/lib/server/signing/signing-key.ts";
import { createRealtime } from "@/lib/server/realtime/create-realtime.ts";
import { logError, logInfo } from "@/lib/server/log.ts";
import { stampClientAddress } from "@/lib/server/http/client-address.ts";
import { refuseRequestTarget, requestTargetProblem } from "@/lib/server/http/request-target.ts";
import { API_HEADERS } from "@/lib/server/http/security-headers.ts";
import { SOCKET_PATH } from "@/lib/shared/sockets.ts";
import { isClusterPrimary, runClusterPrimary } from "@/lib/server/process-cluster.ts";

async function main(): Promise<void> {
  const env = loadServerEnv();
  const signingKey = getSigningKey(); // fail now, not at the first approval
  if (env.WORKBENCH_PROCESSES > 1 && isClusterPrimary()) return runClusterPrimary(env.WORKBENCH_PROCESSES);
  const dev = process.argv.includes("--dev");
  const app = next({ dev, dir: import.meta.dirname, hostname: env.HOST, port: env.PORT });
  await app.prepare();
  const handle = app.getRequestHandler();
  const upgrade = app.getUpgradeHandler();

  const httpServer = createServer((req, res) => {
    stampClientAddress(req);
    const target = req.url ?? "/";
    // A malformed %-escape or a NUL in the path or query: a 400 here, before Next.js answers it with a 500.
    const problem = requestTargetProblem(target);
    if (problem) return refuseRequestTarget(res, target, problem);
    handle(req, res, parse(target, true)).catch((error: unknown) => {
      logError("request failed", error, { url: req.url });
      if (!res.headersSent) res.writeHead(500, API_HEADERS);
      res.end();
    });
  });
  httpServer.on("upgrade", (req, socket, head) => {
    // socket.io answers its own path; everything else (Next's dev reload socket) goes to Next.
    if (!req.url?.startsWith(SOCKET_PATH)) void upgrade(req, socket, head);
  });

  const db = getDb();
  const realtime = await createRealtime(httpServer, {
    db,
    databaseUrl: env.DATABASE_URL,
    frameRetentionDays: env.WORKBENCH_FRAME_RETENTION_DAYS,
    redisUrl: env.WORKBENCH_REDIS_URL,
    redisChannelPrefix: env.WORKBENCH_REDIS_CHANNEL_PREFIX,
    hotPathPoolSize: env.WORKBENCH_HOT_PATH_POOL_SIZE,
    relayWindowMs: env.WORKBENCH_RELAY_WINDOW_MS,
  });
  await new Promise<void>((resolve) => httpServer.listen(env.PORT, env.HOST, resolve));
  const address = httpServer.address();
  const port = typeof address === "object" && address ? address.port : env.PORT;
  logInfo("workbench listening", { url: `http://localhost:${port}`, mode: dev ? "development" : "production", signingKeyId: signingKey.keyId });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logInfo("stopping", { signal });
    // If an orderly stop hangs (a stuck connection), leave anyway.
    setTimeout(() => process.exit(1), 10_000).unref();
    await realtime.dispose();
    await app.close();
    await db.$disconnect();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  if (error instanceof EnvError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    logError("the workbench could not start", error);
  }
  process.exit(1);
});
