import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { AppError } from "@/lib/server/errors.ts";
import { getMetrics } from "@/lib/server/metrics/registry.ts";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * The Prometheus exposition of the server's metrics, for a scraper that
 * presents the configured token (`Authorization: Bearer TOKEN`). Without a
 * configured token the endpoint does not exist; with a wrong one it answers
 * 401 and says nothing else.
 */
export async function scrapeMetrics(authorization: string | null, token: string | undefined): Promise<{ contentType: string; body: string }> {
  if (!token) throw new AppError("NOT_FOUND", "Metrics are off; set WORKBENCH_METRICS_TOKEN to turn them on.");
  const presented = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
  // Compare digests: equal length, constant time, whatever was presented.
  if (!presented || !timingSafeEqual(digest(presented), digest(token))) {
    throw new AppError("UNAUTHENTICATED", "Send the metrics token as `Authorization: Bearer TOKEN`.");
  }
  const { registry } = getMetrics();
  return { contentType: registry.contentType, body: await registry.metrics() };
}
