import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { can } from "@/lib/server/auth/permissions.ts";
import { AppError } from "@/lib/server/errors.ts";
import { getRunSnapshot } from "@/lib/server/use-cases/watch-run.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { LiveRun } from "@/components/runs/live-run.tsx";

export default async function RunPage({ params }: { params: Promise<{ runId: string }> }) {
  const { runId } = await params;
  const { actor, allowed } = await requirePageActor("run.read", `/runs/${runId}`);
  if (!allowed) return <Forbidden what="watch runs" />;
  const run = await getRunSnapshot(getDb(), actor, runId).catch((error: unknown) => {
    if (error instanceof AppError && (error.code === "NOT_FOUND" || error.code === "BAD_REQUEST")) notFound();
    throw error;
  });
  return (
    <main>
      <h1>
        <Link href={`/programs/${run.programId}`}>{run.programName}</Link> r{run.revisionNumber} on {run.hostName}
      </h1>
      <LiveRun initial={run} canStop={can(actor, "run.stop")} />
    </main>
  );
}
