import { getDb } from "@/lib/server/db/client.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { clientAddress } from "@/lib/server/http/client-address.ts";

import { defineRoute } from "@/lib/server/http/route.ts";
import { scrapeMetrics } from "@/lib/server/use-cases/scrape-metrics.ts";

// Prometheus scrapes /metrics (its default path) with a bearer token instead
// of a session; the route lives outside /api because it is not the web
// API and no user session applies. Documented in docs/metrics.md.
export const dynamic = "force-dynamic";

export const GET = defineRoute(
  {
    access: {
      kind: "public",
      why: "Prometheus authenticates with WORKBENCH_METRICS_TOKEN or an API token with metrics:read (checked in scrapeMetrics), not a session",
    },
    answerMedia: { contentTypes: ["text/plain; version=0.0.4; charset=utf-8"], description: "The Prometheus text exposition (docs/metrics.md)." },
  },
  async ({ request }) => {
    const env = loadServerEnv();
    const address = clientAddress(Object.fromEntries(request.headers), { trustProxy: env.WORKBENCH_TRUST_PROXY });
    const { contentType, body } = await scrapeMetrics(getDb(), request.headers.get("authorization"), env.WORKBENCH_METRICS_TOKEN, address);
    return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
  },
);
