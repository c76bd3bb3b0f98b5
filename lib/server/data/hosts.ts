import "server-only";
import type { Db, Tx } from "@/lib/server/db/client.ts";

export type HostSummary = {
  id: string;
  name: string;
  labels: string[];
  enrolledAt: Date;
  lastSeenAt: Date | null;
  revoked: boolean;
  bpftraceVersion: string | null;
  kernelRelease: string | null;
  /** The agent's local stop switch, while an operator on the host has it engaged. */
  localStop: HostLocalStop | null;
};

/** The host's agent stops its runs and refuses every order since `since` (the host's word), for `reason`. */
export type HostLocalStop = { since: Date; reason: string | null };

function factString(facts: unknown, key: string): string | null {
  if (typeof facts !== "object" || facts === null) return null;
  const value = (facts as Record<string, unknown>)[key];
  return typeof value === "string" ? value : null;
}

export async function listHosts(db: Db, options: { includeRevoked: boolean }): Promise<HostSummary[]> {
  const hosts = await db.host.findMany({
    where: options.includeRevoked ? {} : { revokedAt: null },
    orderBy: { name: "asc" },
    select: { id: true, name: true, labels: true, enrolledAt: true, lastSeenAt: true, revokedAt: true, facts: true, localStopSince: true, localStopReason: true },
  });
  return hosts.map((host) => ({
    id: host.id,
    name: host.name,
    labels: host.labels,
    enrolledAt: host.enrolledAt,
    lastSeenAt: host.lastSeenAt,
    revoked: !!host.revokedAt,
    bpftraceVersion: factString(host.facts, "bpftraceVersion"),
    kernelRelease: factString(host.facts, "kernelRelease"),
    localStop: host.localStopSince ? { since: host.localStopSince, reason: host.localStopReason } : null,
  }));
}

/** Active (not revoked) hosts among the given ids. */
export async function findActiveHosts(db: Db | Tx, ids: string[]): Promise<{ id: string; name: string; labels: string[] }[]> {
  return db.host.findMany({ where: { id: { in: ids }, revokedAt: null }, select: { id: true, name: true, labels: true } });
}

export type LabelledHost = { id: string; name: string; labels: string[] };

/**
 * Every enrolled, not revoked host with its labels, by name: what a selector
 * is matched against (lib/shared/host-selector.ts). Matching in the server
 * rather than in SQL keeps one matcher for the editor, the server and the
 * tests; a fleet of tens of thousands of hosts is a few MB read once per
 * approval.
 */
export async function listActiveLabelledHosts(db: Db | Tx): Promise<LabelledHost[]> {
  const hosts = await db.host.findMany({ where: { revokedAt: null }, select: { id: true, name: true, labels: true } });
  // Code-point order, as the orders and the audit list them; the same in every process.
  return hosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export type AgentIdentity = { hostId: string; hostName: string };

export async function findHostByCredentialHash(db: Db, credentialHash: string): Promise<AgentIdentity | null> {
  const host = await db.host.findUnique({
    where: { credentialHash },
    select: { id: true, name: true, revokedAt: true },
  });
  if (!host || host.revokedAt) return null;
  return { hostId: host.id, hostName: host.name };
}

export async function findHostByName(db: Db | Tx, name: string): Promise<{ id: string; labels: string[] } | null> {
  return db.host.findUnique({ where: { name }, select: { id: true, labels: true } });
}

/** Creates the host, or gives an existing one (same name) a new credential and labels: re-enrolling a reinstalled host. */
export async function enrollHostRecord(tx: Tx, host: { existingId: string | null; name: string; labels: string[]; credentialHash: string }): Promise<{ id: string }> {
  if (host.existingId) {
    await tx.host.update({
      where: { id: host.existingId },
      data: { labels: host.labels, credentialHash: host.credentialHash, revokedAt: null, enrolledAt: new Date() },
    });
    return { id: host.existingId };
  }
  return tx.host.create({ data: { name: host.name, labels: host.labels, credentialHash: host.credentialHash }, select: { id: true } });
}

/** The host's labels, locked until the transaction ends so two edits take turns; null for no such host. */
export async function lockHostLabels(tx: Tx, hostId: string): Promise<{ name: string; labels: string[] } | null> {
  const [host] = await tx.$queryRaw<{ name: string; labels: string[] }[]>`SELECT "name", "labels" FROM "Host" WHERE "id" = ${hostId} FOR UPDATE`;
  return host ?? null;
}

export async function setHostLabels(tx: Tx, hostId: string, labels: string[]): Promise<void> {
  await tx.host.update({ where: { id: hostId }, data: { labels }, select: { id: true } });
}

export async function recordHostSeen(db: Db, hostId: string, facts?: Record<string, unknown>): Promise<void> {
  await db.host.update({
    where: { id: hostId },
    data: { lastSeenAt: new Date(), ...(facts ? { facts: facts as object } : {}) },
  });
}

/** Marks a host's credential revoked (its agent can no longer connect); false if it already was. */
export async function revokeHostRecord(tx: Tx, hostId: string, at: Date): Promise<boolean> {
  const { count } = await tx.host.updateMany({ where: { id: hostId, revokedAt: null }, data: { revokedAt: at } });
  return count === 1;
}

export async function findHost(db: Db | Tx, hostId: string): Promise<{ id: string; name: string; revoked: boolean; lastSeenAt: Date | null } | null> {
  const host = await db.host.findUnique({ where: { id: hostId }, select: { id: true, name: true, revokedAt: true, lastSeenAt: true } });
  return host && { id: host.id, name: host.name, revoked: !!host.revokedAt, lastSeenAt: host.lastSeenAt };
}

export async function findHostLocalStop(tx: Tx, hostId: string): Promise<HostLocalStop | null> {
  const host = await tx.host.findUnique({ where: { id: hostId }, select: { localStopSince: true, localStopReason: true } });
  return host?.localStopSince ? { since: host.localStopSince, reason: host.localStopReason } : null;
}

export async function setHostLocalStop(tx: Tx, hostId: string, stop: HostLocalStop | null): Promise<void> {
  await tx.host.update({ where: { id: hostId }, data: { localStopSince: stop?.since ?? null, localStopReason: stop?.reason ?? null } });
}
