import { getDb } from "@/lib/server/db/client.ts";
import { dbShares } from "@/lib/server/db/db-share.ts";
import { runExportMedia } from "@/lib/server/http/answers/runs.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { runParams } from "@/lib/server/http/params.ts";
import { exportRun, exportRunQuerySchema } from "@/lib/server/use-cases/export-run.ts";

/** A run's frames as a download: `?format=jsonl` (default) or `?format=csv`, streamed as they are read. */
export const GET = defineRoute(
  { access: { kind: "user", action: "run.read" }, params: runParams, query: exportRunQuerySchema, answerMedia: runExportMedia },
  async ({ actor, params, query }) => {
    // The export holds one of the bulk-read slots until its last line is sent, or the download is cancelled.
    const release = await dbShares().bulkReads.acquire();
    let exported;
    try {
      exported = await exportRun(getDb(), actor!, params.runId, query.format);
    } catch (error) {
      release();
      throw error;
    }
    const { fileName, contentType, lines } = exported;
    const encoder = new TextEncoder();
    const iterator = lines[Symbol.asyncIterator]();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // Several lines per chunk: one enqueue per frame would be thousands of tiny writes.
        let chunk = "";
        try {
          while (chunk.length < 64 * 1024) {
            const next = await iterator.next();
            if (next.done) {
              if (chunk) controller.enqueue(encoder.encode(chunk));
              controller.close();
              release();
              return;
            }
            chunk += next.value;
          }
        } catch (error) {
          release();
          throw error;
        }
        controller.enqueue(encoder.encode(chunk));
      },
      async cancel() {
        release();
        await iterator.return?.();
      },
    });
    return new Response(body, {
      headers: { "content-type": contentType, "content-disposition": `attachment; filename="${fileName}"`, "cache-control": "no-store" },
    });
  },
);
