import Link from "next/link";
import type { RevisionTargetsNow } from "@/lib/server/use-cases/read-programs.ts";

/**
 * Where a revision would run if it were approved now: the selector, the count
 * of hosts it and the named hosts resolve to, and the first of them by name
 * (a 2,000-host fleet is a count and a link, not a 2,000-row page).
 */
export function TargetResolution({
  selector,
  namedCount,
  now,
  maxHostsPerApproval,
}: {
  selector: string | null;
  namedCount: number;
  now: RevisionTargetsNow;
  maxHostsPerApproval: number;
}) {
  const hosts = (n: number) => `${n.toLocaleString("en-US")} host${n === 1 ? "" : "s"}`;
  return (
    <div data-testid="target-resolution">
      <p>
        {selector ? (
          <>
            The selector <code>{selector}</code> matches <strong data-testid="selector-match-count">{hosts(now.matched)}</strong> enrolled now
            {namedCount > 0 && <>; the revision also names {hosts(namedCount)}</>}.
          </>
        ) : (
          <>The revision names {hosts(namedCount)}.</>
        )}{" "}
        Approved now, it would sign <strong data-testid="resolved-host-count">{hosts(now.count)}</strong>: one order per host, each naming its host.
      </p>
      {now.count > maxHostsPerApproval && (
        <p className="error" role="alert">
          That is more than the {maxHostsPerApproval.toLocaleString("en-US")} hosts one approval may sign for; approving it is refused until the selector is narrowed.
        </p>
      )}
      {now.count === 0 && (
        <p className="error" role="alert">
          No enrolled host matches now, so approving it is refused until one does.
        </p>
      )}
      {selector && (
        <p className="muted">
          The selector is resolved again at approval: hosts enrolled, relabelled or revoked before then change the list, and hosts enrolled after it get no order. The approval
          records the hosts it chose.
        </p>
      )}
      {now.hosts.length > 0 && (
        <table className="list" data-testid="resolved-hosts">
          <thead>
            <tr>
              <th>Host</th>
              <th>Labels</th>
              <th>Chosen by</th>
            </tr>
          </thead>
          <tbody>
            {now.hosts.map((host) => (
              <tr key={host.id} data-testid="resolved-host">
                <td>{host.name}</td>
                <td className="mono">{host.labels.join(", ")}</td>
                <td className="muted">{host.named ? "name" : "selector"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {now.truncated && (
        <p className="muted" data-testid="resolved-hosts-more">
          The first {now.hosts.length} of {hosts(now.count)} by name.{" "}
          {selector && <Link href={`/hosts?selector=${encodeURIComponent(selector)}`}>Every host the selector matches</Link>}
        </p>
      )}
    </div>
  );
}
