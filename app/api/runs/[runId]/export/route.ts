import { getDb } from "@/lib/server/db/client.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { runParams } from "@/lib/server/http/params.ts";
import { exportRun, exportRunQuerySchema } from "@/lib/server/use-cases/export-run.ts";

/** A run's frames as a download: `?format=jsonl` (default) or `?format=csv`, streamed as they are read. */
export const GET = defineRoute(
  { access: { kind: "user", action: "run.read" }, params: runParams, query: exportRunQuerySchema },
  async ({ actor, params, query }) => {
    const { fileName, contentType, lines } = await exportRun(getDb(), actor!, params.runId, query.format);
    const encoder = new TextEncoder();
    const iterator = lines[Symbol.asyncIterator]();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // Several lines per chunk: one enqueue per frame would be thousands of tiny writes.
        let chunk = "";
        while (chunk.length < 64 * 1024) {
          const next = await iterator.next();
          if (next.done) {
            if (chunk) controller.enqueue(encoder.encode(chunk));
            controller.close();
            return;
          }
          chunk += next.value;
        }
        controller.enqueue(encoder.encode(chunk));
      },
      async cancel() {
        await iterator.return?.();
      },
    });
    return new Response(body, {
      headers: { "content-type": contentType, "content-disposition": `attachment; filename="${fileName}"`, "cache-control": "no-store" },
    });
  },
);
