import { generateKeyPairSync, randomBytes } from "node:crypto";
import { encode } from "next-auth/jwt";
import type { Db } from "@/lib/server/db/client.ts";
import { startSession } from "@/lib/server/use-cases/start-session.ts";
import type { TestUser } from "./factories.ts";

/**
 * The environment the server's session code reads (lib/server/env.ts), for
 * tests that run the realtime server without Next: set once, before anything
 * reads it. Returns the session secret.
 */
export function useServerEnvironment(databaseUrl: string): string {
  process.env.DATABASE_URL = databaseUrl;
  process.env.NEXTAUTH_SECRET ??= randomBytes(32).toString("hex");
  process.env.WORKBENCH_SIGNING_KEY ??= generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return process.env.NEXTAUTH_SECRET;
}

/** A real session row for the user and the cookie a browser signed in with it would send (as next-auth writes it). */
export async function liveSessionCookie(db: Db, user: TestUser): Promise<{ cookie: string; sessionId: string }> {
  const sessionId = await startSession(db, { userId: user.id, userName: user.name, provider: "credentials", address: "127.0.0.1" }, { maxAgeSec: 3600, now: new Date() });
  const token = await encode({ token: { sid: sessionId, sub: user.id }, secret: process.env.NEXTAUTH_SECRET! });
  return { cookie: `next-auth.session-token=${token}`, sessionId };
}
