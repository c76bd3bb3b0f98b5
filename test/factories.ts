import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { Db } from "@/lib/server/db/client.ts";
import type { Role } from "@/lib/server/db/generated/enums.ts";
import type { Actor } from "@/lib/server/auth/permissions.ts";
import { hashPassword } from "@/lib/server/auth/password.ts";
import { upsertUser } from "@/lib/server/data/users.ts";
import { keyIdOf, signEnvelope, type SigningKey } from "@/lib/protocol/dsse.ts";
import { createEnrollmentToken } from "@/lib/server/use-cases/create-enrollment-token.ts";
import { enrollHost } from "@/lib/server/use-cases/enroll-host.ts";
import { RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder } from "@/lib/protocol/run-order.ts";
import type { ReviewDeps } from "@/lib/server/use-cases/review-revision.ts";

// Factories make unique users and hosts, so tests never depend on each other's data.

const unique = () => randomBytes(4).toString("hex");

export type TestUser = Actor & { password: string };

export async function createUser(db: Db, roles: Role[], name = roles.join("+").toLowerCase()): Promise<TestUser> {
  const password = `pw-${unique()}-${unique()}`;
  const email = `${name}-${unique()}@test.local`;
  const passwordHash = await hashPassword(password);
  const { id } = await upsertUser(db, { email, name: `${name} ${unique()}`, roles, passwordHash });
  const user = await db.user.findUniqueOrThrow({ where: { id }, select: { name: true } });
  return { id, email, name: user.name, roles, password };
}

export async function enrollTestHost(db: Db, admin: Actor, hostName = `host-${unique()}`): Promise<{ hostId: string; hostName: string; credential: string }> {
  const { token } = await createEnrollmentToken(db, admin, { ttlMinutes: 5 });
  const { hostId, credential } = await enrollHost(db, { token, hostName, labels: [] });
  return { hostId, hostName, credential };
}

export function testSigningKey(): SigningKey & { publicKey: ReturnType<typeof generateKeyPairSync>["publicKey"] } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

export function reviewDeps(key: SigningKey, overrides: Partial<ReviewDeps> = {}): ReviewDeps {
  return {
    signRunOrder: (order) => signEnvelope(RUN_ORDER_PAYLOAD_TYPE, encodeRunOrder(order), key),
    now: () => new Date(),
    ...overrides,
  };
}
