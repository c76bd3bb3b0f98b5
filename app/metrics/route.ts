import { loadServerEnv } from "@/lib/server/env.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { scrapeMetrics } from "@/lib/server/use-cases/scrape-metrics.ts";

// Prometheus scrapes /metrics (its default path) with a bearer token instead
// of a session; the route lives outside /api because it is not the web
// API and no user session applies. Documented in docs/metrics.md.
export const dynamic = "force-dynamic";

export const GET = defineRoute(
  { access: { kind: "public", why: "Prometheus authenticates with WORKBENCH_METRICS_TOKEN (checked in scrapeMetrics), not a session" } },
  async ({ request }) => {
    const { contentType, body } = await scrapeMetrics(request.headers.get("authorization"), loadServerEnv().WORKBENCH_METRICS_TOKEN);
    return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
  },
);
