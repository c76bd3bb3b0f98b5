import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { API_TOKEN_PATTERN } from "@/lib/shared/api-token.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize } from "@/lib/server/auth/permissions.ts";
import { AppError } from "@/lib/server/errors.ts";
import { getMetrics } from "@/lib/server/metrics/registry.ts";
import { authenticateApiToken } from "./authenticate-api-token.ts";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * The Prometheus exposition of the server's metrics, for a scraper that
 * presents the configured token or a user's API token with the metrics:read
 * scope (`Authorization: Bearer TOKEN`). An API token (wbt_...) is judged
 * like on any route: revoked, expired or without the scope is refused with
 * its reason. Otherwise, without a configured token the endpoint does not
 * exist; with a wrong one it answers 401 and says nothing else.
 */
export async function scrapeMetrics(
  db: Db,
  authorization: string | null,
  token: string | undefined,
  address: string | null = null,
): Promise<{ contentType: string; body: string }> {
  const presented = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
  if (presented !== undefined && API_TOKEN_PATTERN.test(presented)) {
    authorize(await authenticateApiToken(db, presented, address), "metrics.read");
    return exposition();
  }
  if (!token) throw new AppError("NOT_FOUND", "Metrics are off; set WORKBENCH_METRICS_TOKEN to turn them on, or scrape with an API token that has the scope metrics:read.");
  // Compare digests: equal length, constant time, whatever was presented.
  if (!presented || !timingSafeEqual(digest(presented), digest(token))) {
    throw new AppError("UNAUTHENTICATED", "Send the metrics token as `Authorization: Bearer TOKEN`.");
  }
  return exposition();
}

async function exposition(): Promise<{ contentType: string; body: string }> {
  const { registry } = getMetrics();
  return { contentType: registry.contentType, body: await registry.metrics() };
}
