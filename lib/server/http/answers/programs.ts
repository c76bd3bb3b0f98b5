import { z } from "zod";
import { RevisionStatus } from "@/lib/server/db/generated/enums.ts";
import { auditEntrySummary } from "./audit.ts";
import { isoDateTime } from "./common.ts";
import { revisionView } from "./revisions.ts";

// Answers of /api/programs, /api/programs/[programId] and /api/programs/[programId]/revisions:
// the programs, one program with every revision and its history, and what creating and revising answer.

export const programListAnswer = z.object({
  programs: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      authorName: z.string(),
      latestRevision: z.number().int().describe("The number of the newest revision."),
      status: z.enum(RevisionStatus).nullable().describe("The newest revision's status."),
      updatedAt: isoDateTime.describe("When the newest revision was submitted."),
    }),
  ),
});

export const programAnswer = z.object({
  program: z.object({
    id: z.string(),
    name: z.string(),
    authorId: z.string(),
    authorName: z.string(),
    createdAt: isoDateTime,
    revisions: z.array(revisionView).describe("Newest first."),
    history: z.array(auditEntrySummary).describe("The audit entries of its revisions, oldest first."),
  }),
});

export const createdProgramAnswer = z.object({ programId: z.string(), revisionId: z.string().describe("Its first revision, submitted for review.") });

export const revisedProgramAnswer = z.object({ revisionId: z.string(), number: z.number().int() });
