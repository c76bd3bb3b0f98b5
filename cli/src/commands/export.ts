import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { WorkbenchApi } from "../api.ts";
import type { Output } from "../output.ts";

/** A run's frames as JSON lines (default) or CSV, streamed to stdout as the server reads them (docs/http-api.md). */
export async function exportCommand(api: WorkbenchApi, options: { runId: string; format: "jsonl" | "csv" }, out: Output): Promise<void> {
  const response = await api.send("GET", `/api/runs/${options.runId}/export?format=${options.format}`, undefined, AbortSignal.timeout(30 * 60_000));
  if (!response.body) return;
  await pipeline(Readable.fromWeb(response.body as WebReadableStream), out.stdout, { end: false });
}
