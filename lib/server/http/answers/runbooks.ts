import { z } from "zod";
import { RevisionStatus, RunEndReason, RunStatus } from "@/lib/server/db/generated/enums.ts";
import { paramValuesSchema } from "@/lib/shared/runbook-params.ts";
import { isoDateTime, nullableDateTime } from "./common.ts";
import { runbookPolicyAnswer } from "./revisions.ts";

// Answers of /api/runbooks, /api/runbooks/[programId] and /api/runbooks/[programId]/launches:
// the runbooks, one runbook with its scope and launches, and what a launch answers.

const runbookItem = z.object({
  programId: z.string(),
  name: z.string(),
  revisionId: z.string().describe("The revision launches use now (the newest approved or revoked one), or else the newest one."),
  revisionNumber: z.number().int(),
  status: z.enum(RevisionStatus),
  policy: runbookPolicyAnswer,
  durationSec: z.number().int().describe("The longest a launch may last."),
  targetSelector: z.string().nullable(),
  targetNames: z.array(z.string()).describe("The hosts the revision names, sorted."),
  validUntil: nullableDateTime.describe("Until when the approval lasts (the earliest valid approval's end); null when not approved."),
  launches: z.number().int().describe("Launches of this revision."),
  lastLaunchAt: nullableDateTime,
});

export const runbookListAnswer = z.object({ runbooks: z.array(runbookItem).describe("By name.") });

export const runbookAnswer = z.object({
  runbook: runbookItem,
  scopeHosts: z.array(z.object({ id: z.string(), name: z.string() })).describe("The hosts its scope resolves to now (enrolled, not revoked), by name."),
  launches: z
    .array(
      z.object({
        id: z.string(),
        revisionNumber: z.number().int(),
        launchedBy: z.string(),
        reason: z.string(),
        values: paramValuesSchema.describe("The launch's parameter values, by name."),
        durationSec: z.number().int(),
        incidentId: z.string().nullable(),
        createdAt: isoDateTime,
        endsAt: isoDateTime,
        runs: z
          .array(
            z.object({
              id: z.string(),
              hostName: z.string().nullable(),
              status: z.enum(RunStatus),
              endReason: z.enum(RunEndReason).nullable(),
            }),
          )
          .describe("Its runs, at most 50."),
      }),
    )
    .describe("The program's newest launches, at most 20."),
  canLaunch: z.boolean().describe("Whether the caller may launch it now: approved, valid, and one of the policy's roles."),
});

export const runbookLaunchAnswer = z.object({
  launchId: z.string(),
  revisionId: z.string(),
  runIds: z.array(z.string()).describe("One run per host, each with its signed order."),
  endsAt: isoDateTime.describe("When the launch's orders expire: its duration plus a start grace after the launch."),
});
