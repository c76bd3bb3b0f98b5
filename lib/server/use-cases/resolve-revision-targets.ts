import "server-only";
import { selectHosts, storedSelector } from "@/lib/shared/host-selector.ts";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import { findActiveHosts, listActiveLabelledHosts, type LabelledHost } from "@/lib/server/data/hosts.ts";

export type RevisionTargets = {
  /** Each host once, by name (code-point order). */
  hosts: LabelledHost[];
  /** How many of them the revision names, and how many its selector matches (a host can be both). */
  named: number;
  matched: number;
};

/**
 * The hosts a revision runs on if it is approved now: the hosts it names that
 * are still enrolled and not revoked, and every enrolled, not revoked host its
 * label selector matches at this moment. Used at submission (the cap, the
 * lint's probe catalog), on the review page (what the selector resolves to
 * now), at approval (exactly the hosts that get an order) and for dry runs.
 */
export async function resolveRevisionTargets(db: Db | Tx, revision: { targets: { id: string }[]; targetSelector: string | null }): Promise<RevisionTargets> {
  const named = revision.targets.length
    ? await findActiveHosts(
        db,
        revision.targets.map((host) => host.id),
      )
    : [];
  const matched = revision.targetSelector ? selectHosts(storedSelector(revision.targetSelector), await listActiveLabelledHosts(db)) : [];
  const byId = new Map<string, LabelledHost>();
  for (const host of [...named, ...matched]) byId.set(host.id, host);
  const hosts = [...byId.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { hosts, named: named.length, matched: matched.length };
}
