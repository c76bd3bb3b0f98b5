import "server-only";
import { z } from "zod";
import { isWellFormedFrame } from "@/lib/shared/frame.ts";
import { CSV_HEADER, exportFileName, frameToCsvRows, frameToJsonLine, malformedCsvRow } from "@/lib/views/run-export.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, type Actor } from "@/lib/server/auth/permissions.ts";
import { streamRunFrames } from "@/lib/server/frames/frame-history.ts";
import { getRunView } from "@/lib/server/data/runs.ts";
import { AppError } from "@/lib/server/errors.ts";
import { toRunSnapshot } from "@/lib/server/data/run-snapshots.ts";

export const exportRunQuerySchema = z.object({
  format: z.enum(["jsonl", "csv"], { error: 'format must be "jsonl" (JSON lines) or "csv"' }).default("jsonl"),
});

export type RunExport = { fileName: string; contentType: string; lines: AsyncIterable<string> };

/**
 * A run's stored frames as JSON lines or CSV (formats in lib/views/run-export.ts),
 * produced as they are read so a long run never sits in memory whole.
 */
export async function exportRun(db: Db, actor: Actor, runId: string, format: "jsonl" | "csv"): Promise<RunExport> {
  authorize(actor, "run.read");
  const run = await getRunView(db, runId);
  if (!run) throw new AppError("NOT_FOUND", "No such run.");
  const snapshot = toRunSnapshot(run);
  const label = run.kind === "REPLAY" ? `replay ${run.replay.name}` : `${run.program.name} ${run.hostName}`;
  async function* lines(): AsyncGenerator<string> {
    if (format === "jsonl") {
      // The first line says what the frames are, so the file stands on its own (a replay says so).
      yield `${JSON.stringify({ run: snapshot })}\n`;
      for await (const frame of streamRunFrames(db, runId)) yield frameToJsonLine(frame);
    } else {
      yield CSV_HEADER;
      const host = run!.kind === "REPLAY" ? `${run!.hostName} (replay)` : run!.hostName;
      // A frame stored malformed (before frames were validated in full) is one row saying so, never a broken file.
      for await (const frame of streamRunFrames(db, runId)) yield isWellFormedFrame(frame) ? frameToCsvRows(frame, host) : malformedCsvRow(frame, host);
    }
  }
  return {
    fileName: exportFileName(runId, label, format),
    contentType: format === "jsonl" ? "application/x-ndjson; charset=utf-8" : "text/csv; charset=utf-8",
    lines: lines(),
  };
}
