import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { HOST_NAME_PATTERN, MAX_PROGRAM_BYTES } from "@/lib/shared/input-limits.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { appendAudit, userActor } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { insertReplayRun } from "@/lib/server/data/runs.ts";

/** How long an upload may take before the replay counts as abandoned (it is shown as such; see docs/sre-views.md). */
const UPLOAD_WINDOW_MS = 24 * 3600 * 1000;

export const createReplaySchema = z
  .object({
    name: z.string().trim().min(1, "Give the replay a name, e.g. the capture's file name.").max(200, "The name is longer than 200 characters."),
    sourceHost: z.string().trim().regex(HOST_NAME_PATTERN, "The source host is a host name: letters, digits, dots, dashes and underscores, up to 63 characters.").optional(),
    program: z
      .string()
      .refine((text) => Buffer.byteLength(text, "utf8") <= MAX_PROGRAM_BYTES, `The program is longer than ${MAX_PROGRAM_BYTES / 1024} KiB.`)
      .optional(),
    /** When the capture started, ms since the epoch (the replay's frames carry their own times). */
    startedAt: z.number().int().min(0).max(8.64e15),
  })
  .strict();
export type CreateReplayInput = z.infer<typeof createReplaySchema>;

/**
 * A replay: a recorded `bpftrace -f json` capture uploaded as a run, so it can
 * be watched and compared like one. It has no host, revision or approval, and
 * every view shows it as a replay; its program text, if given, was never reviewed.
 */
export async function createReplay(db: Db, actor: Actor, input: CreateReplayInput, now = new Date()): Promise<{ runId: string }> {
  authorize(actor, "replay.create");
  const runId = randomUUID();
  await db.$transaction(async (tx) => {
    await insertReplayRun(tx, {
      id: runId,
      uploadedById: actor.id,
      name: input.name,
      sourceHost: input.sourceHost ?? null,
      program: input.program ?? null,
      startedAt: new Date(input.startedAt),
      expiresAt: new Date(now.getTime() + UPLOAD_WINDOW_MS),
    });
    await appendAudit(tx, {
      actor: userActor(actor),
      action: "replay.create",
      target: { type: "run", id: runId },
      toState: "RUNNING",
      data: { name: input.name, sourceHost: input.sourceHost ?? null },
    });
    await notifyAfterCommit(tx, { type: "run.changed", runId });
  });
  return { runId };
}
