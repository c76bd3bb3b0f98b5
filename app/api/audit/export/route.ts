import { getDb } from "@/lib/server/db/client.ts";

import { defineRoute } from "@/lib/server/http/route.ts";
import { logError } from "@/lib/server/log.ts";
import { auditFilterInput } from "@/lib/server/use-cases/search-audit-trail.ts";
import { exportAuditTrail } from "@/lib/server/use-cases/export-audit-trail.ts";

// Streamed as it is read from the database, so an export of the whole trail
// never sits in memory. A failure midway cuts the download short (the status
// line has gone out by then); the error is in the server's log.
export const GET = defineRoute(
  {
    access: { kind: "user", action: "audit.read" },
    query: auditFilterInput,
    answerMedia: {
      contentTypes: ["application/x-ndjson; charset=utf-8"],
      description: "The matching audit entries as JSON Lines (one entry per line, oldest first), streamed as a download.",
    },
  },
  async ({ actor, query }) => {
    const lines = exportAuditTrail(getDb(), actor!, query)[Symbol.asyncIterator]();
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await lines.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (error) {
          logError("audit export failed midway", error);
          controller.error(error);
        }
      },
      async cancel() {
        await lines.return?.(undefined);
      },
    });
    const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, "");
    return new Response(body, {
      headers: {
        "content-type": "application/x-ndjson; charset=utf-8",
        "content-disposition": `attachment; filename="workbench-audit-${stamp}Z.jsonl"`,
        "cache-control": "no-store",
      },
    });
  },
);
