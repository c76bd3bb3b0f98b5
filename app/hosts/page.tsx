import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { can } from "@/lib/server/auth/permissions.ts";
import { listEnrollmentTokensFor, listHostsFor } from "@/lib/server/use-cases/read-hosts.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { EnrollmentTokenForm } from "./enrollment-token-form.tsx";
import { RevokeHostButton } from "./revoke-host-button.tsx";

const when = (date: Date | null) => (date ? date.toISOString().replace("T", " ").slice(0, 19) : "—");

export default async function HostsPage() {
  const { actor, allowed } = await requirePageActor("host.read", "/hosts");
  if (!allowed) return <Forbidden what="see hosts" />;
  const db = getDb();
  const hosts = await listHostsFor(db, actor);
  const manage = can(actor, "host.enroll-token.create");
  const revoke = can(actor, "host.revoke");
  const tokens = manage ? await listEnrollmentTokensFor(db, actor) : [];
  return (
    <main>
      <h1>Hosts</h1>
      <table className="list" data-testid="hosts">
        <thead>
          <tr>
            <th>Name</th>
            <th>Labels</th>
            <th>bpftrace</th>
            <th>Kernel</th>
            <th>Last seen (UTC)</th>
            {revoke && <th />}
          </tr>
        </thead>
        <tbody>
          {hosts.map((host) => (
            <tr key={host.id}>
              <td>
                {host.name} {host.revoked && <span className="badge REJECTED">revoked</span>}
                {host.localStop && (
                  <div className="badge PENDING" data-testid="local-stop">
                    stopped locally since {when(host.localStop.since)} UTC
                    {host.localStop.reason ? `: ${host.localStop.reason}` : ""}
                  </div>
                )}
              </td>
              <td>{host.labels.join(", ")}</td>
              <td>{host.bpftraceVersion ?? "—"}</td>
              <td>{host.kernelRelease ?? "—"}</td>
              <td className="muted">{when(host.lastSeenAt)}</td>
              {revoke && <td>{!host.revoked && <RevokeHostButton hostId={host.id} hostName={host.name} />}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      {manage && (
        <section>
          <h2>Enroll a host</h2>
          <EnrollmentTokenForm />
          <h2>Recent enrollment tokens</h2>
          <table className="list">
            <thead>
              <tr>
                <th>Created by</th>
                <th>Created</th>
                <th>Expires</th>
                <th>Used by</th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((token) => (
                <tr key={token.id}>
                  <td>{token.createdBy}</td>
                  <td className="muted">{when(token.createdAt)}</td>
                  <td className="muted">{when(token.expiresAt)}</td>
                  <td>{token.usedAt ? `${token.hostName ?? "?"} at ${when(token.usedAt)}` : "unused"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </main>
  );
}
