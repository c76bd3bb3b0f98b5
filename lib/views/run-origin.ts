// Where a run's frames come from, carried beside the RunSnapshot of
// lib/views/live-events.ts: a live run an agent ran under a signed
// approval, or a replay of a capture a user uploaded. Every view shows which,
// and a replay never passes for live data from a host.
//
// A replay has no program, revision or host: its snapshot's `programId` is
// "", `revisionNumber` 0, `programName` the replay's name and `hostName` the
// uploader's label for where it was recorded. Read `origin` first.
import { z } from "zod";
import type { RunSnapshot } from "./live-events.ts";

export type RunOrigin =
  /** `batchId`: the approval that signed it; the runs sharing it are one run of the program on several hosts. */
  { kind: "live"; batchId: string } | { kind: "replay"; name: string; uploadedBy: string; sourceHost: string | null };

export type RunSnapshotWithOrigin = RunSnapshot & { origin: RunOrigin };

const iso = z.string().min(1).max(40);

/** For receivers (the browser) that must not trust a snapshot because TypeScript says so. */
export const runSnapshotWithOriginSchema: z.ZodType<RunSnapshotWithOrigin> = z.object({
  id: z.string().min(1).max(64),
  hostName: z.string().max(256),
  programId: z.string().max(64),
  programName: z.string().max(500),
  revisionNumber: z.number().int().nonnegative(),
  status: z.enum(["QUEUED", "RUNNING", "ENDED"]),
  endReason: z.string().max(40).nullable(),
  endDetail: z.string().max(20_000).nullable(),
  durationSec: z.number().int().nonnegative(),
  createdAt: iso,
  startedAt: iso.nullable(),
  endedAt: iso.nullable(),
  expiresAt: iso,
  stopRequestedAt: iso.nullable(),
  stopRequestedBy: z.string().max(500).nullable(),
  lastSeq: z.number().int().nonnegative(),
  framesPrunedAt: iso.nullable(),
  origin: z.discriminatedUnion("kind", [
    z.object({ kind: z.literal("live"), batchId: z.string().min(1).max(64) }),
    z.object({ kind: z.literal("replay"), name: z.string().max(500), uploadedBy: z.string().max(500), sourceHost: z.string().max(256).nullable() }),
  ]),
});

export const isReplay = (run: { origin: RunOrigin }): boolean => run.origin.kind === "replay";
