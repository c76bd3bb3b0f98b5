import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { can } from "@/lib/server/auth/permissions.ts";
import { parseHostSelector } from "@/lib/shared/host-selector.ts";
import { listEnrollmentTokensFor, listHostsFor } from "@/lib/server/use-cases/read-hosts.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { EnrollmentTokenForm } from "./enrollment-token-form.tsx";
import { HostLabelsEditor } from "./host-labels-editor.tsx";
import { RevokeHostButton } from "./revoke-host-button.tsx";

const when = (date: Date | null) => (date ? date.toISOString().replace("T", " ").slice(0, 19) : "—");
/** A fleet of thousands is found with a selector, not by scrolling. */
const SHOWN = 500;

export default async function HostsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { actor, allowed } = await requirePageActor("host.read", "/hosts");
  if (!allowed) return <Forbidden what="see hosts" />;
  const raw = (await searchParams).selector;
  const selectorText = (Array.isArray(raw) ? raw[0] : raw) ?? "";
  const parsed = parseHostSelector(selectorText);
  const db = getDb();
  const hosts = await listHostsFor(db, actor, { selector: parsed.ok ? (parsed.selector?.canonical ?? null) : null });
  const manage = can(actor, "host.enroll-token.create");
  const revoke = can(actor, "host.revoke");
  const label = can(actor, "host.label");
  const tokens = manage ? await listEnrollmentTokensFor(db, actor) : [];
  return (
    <main>
      <h1>Hosts</h1>
      <form className="actions" method="get" action="/hosts" style={{ marginBottom: 12 }}>
        <label htmlFor="hosts-selector">Label selector</label>
        <input id="hosts-selector" name="selector" type="text" defaultValue={selectorText} placeholder="role=db,zone!=eu-1" spellCheck={false} />
        <button type="submit">Show matching hosts</button>
        <span className={parsed.ok ? "muted" : "error"} data-testid="hosts-count">
          {parsed.ok
            ? `${hosts.length.toLocaleString("en-US")} host${hosts.length === 1 ? "" : "s"}${parsed.selector ? ` match ${parsed.selector.canonical}` : ""}${hosts.length > SHOWN ? `; the first ${SHOWN} by name are listed` : ""}`
            : parsed.error}
        </span>
      </form>
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
          {hosts.slice(0, SHOWN).map((host) => (
            <tr key={host.id} data-testid="host-row">
              <td>
                {host.name} {host.revoked && <span className="badge REJECTED">revoked</span>}
                {host.localStop && (
                  <div className="badge PENDING" data-testid="local-stop">
                    stopped locally since {when(host.localStop.since)} UTC
                    {host.localStop.reason ? `: ${host.localStop.reason}` : ""}
                  </div>
                )}
              </td>
              <td>
                <HostLabelsEditor hostId={host.id} hostName={host.name} labels={host.labels} canEdit={label} />
              </td>
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
                <th>Labels</th>
                <th>Used by</th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((token) => (
                <tr key={token.id}>
                  <td>{token.createdBy}</td>
                  <td className="muted">{when(token.createdAt)}</td>
                  <td className="muted">{when(token.expiresAt)}</td>
                  <td className="mono">
                    {token.labels.join(", ")}
                    {token.allowAgentLabels && <span className="muted"> (+ the agent&apos;s)</span>}
                  </td>
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
