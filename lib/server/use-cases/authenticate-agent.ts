import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { hashSecret } from "@/lib/server/auth/secrets.ts";
import { findHostByCredentialHash, type AgentIdentity } from "@/lib/server/data/hosts.ts";
import { AppError } from "@/lib/server/errors.ts";

export async function authenticateAgent(db: Db, credential: unknown): Promise<AgentIdentity> {
  if (typeof credential !== "string" || !credential.startsWith("wba_") || credential.length > 200) {
    throw new AppError("UNAUTHENTICATED", "Missing or malformed agent credential.");
  }
  const host = await findHostByCredentialHash(db, hashSecret(credential));
  if (!host) throw new AppError("UNAUTHENTICATED", "Unknown or revoked agent credential.");
  return host;
}
