import Link from "next/link";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { can } from "@/lib/server/auth/permissions.ts";
import { listProgramsFor } from "@/lib/server/use-cases/read-programs.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";

export default async function ProgramsPage() {
  const { actor, allowed } = await requirePageActor("program.read", "/programs");
  if (!allowed) return <Forbidden what="read programs" />;
  const programs = await listProgramsFor(getDb(), actor, {});
  return (
    <main>
      <div className="actions">
        <h1>Programs</h1>
        <span style={{ flex: 1 }} />
        {can(actor, "program.create") && (
          <Link href="/programs/new">
            <button className="primary" type="button">
              New program
            </button>
          </Link>
        )}
      </div>
      {programs.length === 0 ? (
        <p className="notice">No programs yet.</p>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Author</th>
              <th>Revision</th>
              <th>Status</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {programs.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link href={`/programs/${p.id}`}>{p.name}</Link>
                </td>
                <td>{p.authorName}</td>
                <td>{p.latestRevision}</td>
                <td>{p.status && <span className={`badge ${p.status}`}>{p.status.toLowerCase()}</span>}</td>
                <td className="muted">{p.updatedAt.toISOString().replace("T", " ").slice(0, 16)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
