import Link from "next/link";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { listReviewQueue } from "@/lib/server/use-cases/read-programs.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { HostNames } from "@/components/programs/host-names.tsx";

export default async function ReviewQueuePage() {
  const { actor, allowed } = await requirePageActor("revision.review", "/reviews");
  if (!allowed) return <Forbidden what="review programs" />;
  const queue = await listReviewQueue(getDb(), actor);
  return (
    <main>
      <h1>Waiting for review</h1>
      {queue.length === 0 ? (
        <p className="notice">Nothing waits for review.</p>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th>Program</th>
              <th>Revision</th>
              <th>Author</th>
              <th>Targets</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {queue.map((revision) => (
              <tr key={revision.id}>
                <td>
                  <Link href={`/reviews/${revision.id}`}>{revision.program.name}</Link>
                </td>
                <td>{revision.number}</td>
                <td>
                  {revision.authorName} {revision.authorId === actor.id && <span className="badge">yours</span>}
                </td>
                <td>
                  {revision.targetSelector && <code>{revision.targetSelector}</code>}
                  {revision.targetSelector && revision.targets.length > 0 && " and "}
                  {(revision.targets.length > 0 || !revision.targetSelector) && <HostNames names={revision.targets.map((t) => t.name)} shown={5} />}
                </td>
                <td>{revision.durationSec} s</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
