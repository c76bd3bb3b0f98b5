import { z } from "zod";
import { IncidentRunRole, IncidentStatus } from "@/lib/server/db/generated/enums.ts";
import { auditEntrySummary } from "./audit.ts";
import { isoDateTime, nullableDateTime } from "./common.ts";
import { runComparison, runSnapshot } from "./runs.ts";

// Answers of /api/incidents/*: incidents, their notes, the runs attached as
// evidence or baseline, and the comparison of the two.

export const incidentListAnswer = z.object({
  incidents: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      status: z.enum(IncidentStatus),
      createdAt: isoDateTime,
      createdBy: z.string().describe("The name of the user who opened it."),
      incidentRuns: z.number().int().describe("Runs attached as evidence."),
      baselineRuns: z.number().int().describe("Runs attached as what normal looks like."),
      notes: z.number().int(),
    }),
  ),
});

export const createdIncidentAnswer = z.object({ incidentId: z.string() });

const incidentRun = z.object({
  role: z.enum(IncidentRunRole).describe("INCIDENT: evidence; BASELINE: what normal looks like."),
  addedAt: isoDateTime,
  addedBy: z.string().describe("The name of the user who attached it."),
  run: runSnapshot,
  approval: z
    .object({
      programId: z.string(),
      revisionId: z.string(),
      revisionNumber: z.number().int(),
      contentHash: z.string().describe("The SHA-256 of the approved revision's content."),
      approvedBy: z.string().describe("The name of the reviewer who approved it."),
    })
    .nullable()
    .describe("What produced the run: the approved revision; null for a replay."),
});

export const incidentAnswer = z.object({
  incident: z.object({
    id: z.string(),
    title: z.string(),
    summary: z.string(),
    status: z.enum(IncidentStatus),
    createdAt: isoDateTime,
    resolvedAt: nullableDateTime,
    createdBy: z.object({ id: z.string(), name: z.string() }),
    notes: z.array(z.object({ id: z.string(), body: z.string(), createdAt: isoDateTime, author: z.string() })).describe("Oldest first."),
    activity: z.array(auditEntrySummary).describe("Who did what to this incident, oldest first (its audit trail entries)."),
    runs: z.array(incidentRun).describe("The attached runs, oldest attachment first."),
  }),
});

export const incidentStatusAnswer = z.object({ status: z.enum(IncidentStatus) });

export const incidentComparisonAnswer = z.object({
  comparison: runComparison.nullable().describe("Baseline runs merged (a) against incident runs merged (b); null until both kinds are attached."),
});

export const createdIncidentNoteAnswer = z.object({ noteId: z.string() });

export const attachedIncidentRunAnswer = z.object({
  role: z.enum(IncidentRunRole),
  previousRole: z.enum(IncidentRunRole).nullable().describe("The role it had before; null when it was not attached."),
});

export const detachedIncidentRunAnswer = z.object({ detached: z.literal(true) });
