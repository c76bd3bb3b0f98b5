import "server-only";
import { z } from "zod";
import { formatLabel, parseLabel } from "@/lib/shared/host-labels.ts";
import type { Db, Tx } from "@/lib/server/db/client.ts";
import type { StopScope } from "@/lib/server/db/generated/enums.ts";
import { listEngagedStopSwitches, lockStopSwitchesShared, type StopSwitchView } from "@/lib/server/data/stop-switches.ts";
import { AppError } from "@/lib/server/errors.ts";

/**
 * What a stop switch covers: every live run, or those of one program, of the
 * hosts carrying one label, or of one host. A runbook scope (once runbooks
 * exist) is one more member here, one more condition in
 * listOpenRunsInScope (lib/server/data/stop-switches.ts) and one more check
 * in switchCovers below; assertNoStopSwitchCovers is what a runbook launch
 * calls before it queues anything.
 */
export const stopScopeInput = z.discriminatedUnion(
  "kind",
  [
    z.object({ kind: z.literal("all") }).strict(),
    z.object({ kind: z.literal("program"), programId: z.string({ error: "Name the program (its id)." }).min(1).max(64) }).strict(),
    z
      .object({
        kind: z.literal("label"),
        label: z
          .string({ error: "Name the label, as key=value or key." })
          .max(200, "A label is at most 127 characters.")
          .transform((text, ctx) => {
            const parsed = parseLabel(text);
            if (parsed.ok) return formatLabel(parsed.label);
            ctx.addIssue({ code: "custom", message: parsed.error });
            return z.NEVER;
          }),
      })
      .strict(),
    z.object({ kind: z.literal("host"), hostId: z.string({ error: "Name the host (its id)." }).min(1).max(64) }).strict(),
  ],
  { error: 'The scope is { kind: "all" }, { kind: "program", programId }, { kind: "label", label } or { kind: "host", hostId }.' },
);

export type StopScopeInput = z.infer<typeof stopScopeInput>;

/** The scope as stored: its kind, its value, and what people call it; NOT_FOUND for a program or host that does not exist. */
export async function resolveStopScope(db: Db | Tx, scope: StopScopeInput): Promise<{ scope: StopScope; value: string | null; name: string }> {
  switch (scope.kind) {
    case "all":
      return { scope: "ALL", value: null, name: "every run" };
    case "program": {
      const program = await db.program.findUnique({ where: { id: scope.programId }, select: { name: true } });
      if (!program) throw new AppError("NOT_FOUND", "No such program.");
      return { scope: "PROGRAM", value: scope.programId, name: `program ${program.name}` };
    }
    case "label":
      return { scope: "LABEL", value: scope.label, name: `hosts labelled ${scope.label}` };
    case "host": {
      const host = await db.host.findUnique({ where: { id: scope.hostId }, select: { name: true } });
      if (!host) throw new AppError("NOT_FOUND", "No such host.");
      return { scope: "HOST", value: scope.hostId, name: `host ${host.name}` };
    }
  }
}

function switchCovers(engaged: StopSwitchView, launch: { programId: string; hosts: readonly { id: string; labels: string[] }[] }): boolean {
  switch (engaged.scope) {
    case "ALL":
      return true;
    case "PROGRAM":
      return engaged.scopeValue === launch.programId;
    case "HOST":
      return launch.hosts.some((host) => host.id === engaged.scopeValue);
    case "LABEL":
      return launch.hosts.some((host) => engaged.scopeValue !== null && host.labels.includes(engaged.scopeValue));
  }
}

/** The sentence a refused approval or launch gets. */
export function describeEngagedSwitch(engaged: StopSwitchView): string {
  return `The stop switch for ${engaged.scopeName} is engaged (by ${engaged.engagedBy} at ${engaged.engagedAt.toISOString()}: ${engaged.reason}); nothing in its scope is signed until an admin releases it.`;
}

/**
 * CONFLICT when an engaged stop switch covers this program or any of these
 * hosts. Takes the switches' shared lock for the rest of the transaction, so
 * a switch engaged meanwhile waits for this transaction and then stops the
 * runs it queued.
 */
export async function assertNoStopSwitchCovers(tx: Tx, launch: { programId: string; hosts: readonly { id: string; labels: string[] }[] }): Promise<void> {
  await lockStopSwitchesShared(tx);
  const covering = (await listEngagedStopSwitches(tx)).find((engaged) => switchCovers(engaged, launch));
  if (covering) throw new AppError("CONFLICT", describeEngagedSwitch(covering));
}
