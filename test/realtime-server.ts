import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Db } from "@/lib/server/db/client.ts";
import { createRealtime, type Realtime } from "@/lib/server/realtime/create-realtime.ts";
import type { KeyringDeps } from "@/lib/server/signing/keyring.ts";

/**
 * The real socket.io server (agents and viewers) on a free port, without Next
 * in front of it. Pass `port` to start it again where agents expect it (a
 * server restart), `keyring` to sign with a keyring.
 */
export async function startRealtimeServer(
  db: Db,
  databaseUrl: string,
  options: { port?: number; keyring?: KeyringDeps } = {},
): Promise<{ url: string; port: number; realtime: Realtime; close(): Promise<void> }> {
  const httpServer = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const realtime = await createRealtime(httpServer, { db, databaseUrl, relayWindowMs: 50, keyring: options.keyring });
  await new Promise<void>((resolve) => httpServer.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = httpServer.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, realtime, close: () => realtime.dispose() };
}
