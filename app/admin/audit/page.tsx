import Link from "next/link";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import type { AuditRecord } from "@/lib/server/data/audit-search.ts";
import { auditPageInput, searchAuditTrail } from "@/lib/server/use-cases/search-audit-trail.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { VerifyChainButton } from "./verify-chain-button.tsx";

const FILTER_FIELDS = ["actor", "action", "targetType", "targetId", "from", "to"] as const;
type Query = Partial<Record<(typeof FILTER_FIELDS)[number] | "before" | "limit", string>>;

const when = (date: Date) => date.toISOString().replace("T", " ").slice(0, 19);

function queryString(query: Query, overrides: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...query, ...overrides })) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : "";
}

function change(event: AuditRecord): string {
  if (event.fromState && event.toState) return `${event.fromState} → ${event.toState}`;
  return event.toState ?? event.fromState ?? "";
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { actor, allowed } = await requirePageActor("audit.read", "/admin/audit");
  if (!allowed) return <Forbidden what="read the audit trail" />;
  const raw = await searchParams;
  const query: Query = Object.fromEntries(
    Object.entries(raw)
      .map(([key, value]) => [key, Array.isArray(value) ? value[0] : value])
      .filter(([key, value]) => value && [...FILTER_FIELDS, "before", "limit"].includes(key as string)),
  );
  const parsed = auditPageInput.safeParse(query);
  const filterOnly: Query = Object.fromEntries(FILTER_FIELDS.filter((key) => query[key]).map((key) => [key, query[key]]));
  const result = parsed.success ? await searchAuditTrail(getDb(), actor, parsed.data, { beforeId: parsed.data.before, limit: parsed.data.limit }) : null;

  return (
    <main>
      <h1>Audit trail</h1>
      <p className="muted">
        Every state change, newest first, as a hash chain: each entry carries the hash of the one before it, so an edited or deleted entry shows when the chain is verified (also
        from a shell: <code>npm run audit:verify</code>). Times are UTC.
      </p>
      <VerifyChainButton />

      <form className="panel" method="get" action="/admin/audit" data-testid="audit-filters">
        <div className="grid2">
          <div className="form-row">
            <label htmlFor="actor">Actor</label>
            <input id="actor" name="actor" type="text" defaultValue={query.actor} placeholder="a name, user id, or the email typed at sign-in" />
          </div>
          <div className="form-row">
            <label htmlFor="action">Action starts with</label>
            <input id="action" name="action" type="text" defaultValue={query.action} placeholder="auth., user.roles-change, run.start" />
          </div>
          <div className="form-row">
            <label htmlFor="targetType">Target type</label>
            <input id="targetType" name="targetType" type="text" defaultValue={query.targetType} placeholder="user, revision, run, host, address" />
          </div>
          <div className="form-row">
            <label htmlFor="targetId">Target id</label>
            <input id="targetId" name="targetId" type="text" defaultValue={query.targetId} />
          </div>
          <div className="form-row">
            <label htmlFor="from">From (UTC)</label>
            <input id="from" name="from" type="datetime-local" defaultValue={query.from} />
          </div>
          <div className="form-row">
            <label htmlFor="to">To (UTC)</label>
            <input id="to" name="to" type="datetime-local" defaultValue={query.to} />
          </div>
        </div>
        <div className="actions">
          <button className="primary" type="submit">
            Filter
          </button>
          <Link href="/admin/audit">Clear</Link>
          <span style={{ flex: 1 }} />
          <a href={`/api/audit/export${queryString(filterOnly)}`} download data-testid="audit-export">
            Export these entries as JSON lines
          </a>
        </div>
      </form>

      {!parsed.success && (
        <p className="error" role="alert">
          {parsed.error.issues.map((issue) => issue.message).join(" ")}
        </p>
      )}
      {result && (
        <>
          <table className="list" data-testid="audit-events">
            <thead>
              <tr>
                <th>#</th>
                <th>Time</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Target</th>
                <th>Change</th>
                <th>Reason and details</th>
              </tr>
            </thead>
            <tbody>
              {result.events.map((event) => (
                <tr key={event.id} data-testid="audit-event">
                  <td className="mono" title={`hash ${event.hash}\nafter ${event.prevHash}`}>
                    {event.id}
                  </td>
                  <td className="muted">{when(event.at)}</td>
                  <td>
                    {event.actorName ?? event.actorType}
                    {event.actorType !== "user" && <span className="muted"> ({event.actorType})</span>}
                  </td>
                  <td className="mono">{event.action}</td>
                  <td>
                    <span className="muted">{event.targetType}</span> <span className="mono">{event.targetId}</span>
                  </td>
                  <td>{change(event)}</td>
                  <td>
                    {event.reason}
                    {event.data != null && <div className="mono muted">{JSON.stringify(event.data)}</div>}
                    {event.contentHash && <div className="mono muted">content {event.contentHash.slice(0, 16)}…</div>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {result.events.length === 0 && <p className="notice">No entries match.</p>}
          <div className="actions" style={{ marginTop: 12 }}>
            {query.before && <Link href={`/admin/audit${queryString(filterOnly)}`}>Newest</Link>}
            {result.nextBefore && (
              <Link href={`/admin/audit${queryString(filterOnly, { before: result.nextBefore, limit: query.limit })}`} data-testid="audit-older">
                Older entries
              </Link>
            )}
          </div>
        </>
      )}
    </main>
  );
}
