import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { listSigningKeysFor } from "@/lib/server/use-cases/read-signing-keys.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { RetireKeyButton, RotateKeyButton } from "./signing-key-actions.tsx";

const when = (date: Date | null) => (date ? date.toISOString().replace("T", " ").slice(0, 19) : "—");

const STATUS_LABEL = { ACTIVE: "active (signs)", VERIFY_ONLY: "verify only", RETIRED: "retired" } as const;
const STATUS_BADGE = { ACTIVE: "APPROVED", VERIFY_ONLY: "PENDING", RETIRED: "REJECTED" } as const;

export default async function SigningKeysPage() {
  const { actor, allowed } = await requirePageActor("signing-key.rotate", "/admin/signing-keys");
  if (!allowed) return <Forbidden what="manage signing keys" />;
  const keys = await listSigningKeysFor(getDb(), actor);
  return (
    <main>
      <h1>Signing keys</h1>
      <p className="muted">
        The active key signs every run order. Rotating creates a new key and announces it to the agents in a statement signed by the current key; the old key keeps verifying the
        orders it signed until you retire it. Agents refuse anything signed by a retired key.
      </p>
      <RotateKeyButton />
      <table className="list" data-testid="signing-keys">
        <thead>
          <tr>
            <th>Key id</th>
            <th>Status</th>
            <th>Created (UTC)</th>
            <th>Activated</th>
            <th>Retired</th>
            <th>Created by</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id}>
              <td>
                <code title={key.id}>{key.id.slice(0, 16)}…</code>
              </td>
              <td>
                <span className={`badge ${STATUS_BADGE[key.status]}`}>{STATUS_LABEL[key.status]}</span>
              </td>
              <td className="muted">{when(key.createdAt)}</td>
              <td className="muted">{when(key.activatedAt)}</td>
              <td className="muted">{when(key.retiredAt)}</td>
              <td>{key.createdByName ?? "—"}</td>
              <td>{key.status === "VERIFY_ONLY" && <RetireKeyButton keyId={key.id} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {keys.length === 0 && <p className="notice">No key recorded yet: the server records its configured key when it starts.</p>}
    </main>
  );
}
