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
import { reviewRevision, type ReviewDeps } from "@/lib/server/use-cases/review-revision.ts";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";

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

/**
 * A program written by `engineer` for these hosts (no canary, 60 s) and
 * approved by `reviewer`: the id of each host's queued run, in host order.
 */
export async function approvedRunsOn(db: Db, people: { engineer: Actor; reviewer: Actor }, hostIds: readonly string[], name = `program ${unique()}`): Promise<string[]> {
  const { revisionId } = await createProgram(
    db,
    people.engineer,
    { name, source: "interval:s:1 { @x = count(); }", durationSec: 60, targetHostIds: [...hostIds], canary: { periodSec: 0 } },
    { maxDurationSec: 600 },
  );
  await reviewRevision(db, people.reviewer, revisionId, { decision: "approve", reason: "ok" }, reviewDeps(testSigningKey()));
  const runs = await db.run.findMany({ where: { revisionId }, select: { id: true, hostId: true } });
  return hostIds.map((hostId) => runs.find((run) => run.hostId === hostId)!.id);
}
