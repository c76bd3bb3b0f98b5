// The app's routes and pages, found on disk, so tests that walk them cannot
// leave a new one out.
import fs from "node:fs";
import path from "node:path";
import type { RouteAccess } from "@/lib/server/http/route.ts";

const APP_DIR = path.resolve(import.meta.dirname, "../app");
export const API_DIR = path.join(APP_DIR, "api");
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
/** next-auth's own endpoints (sign-in, sign-out, CSRF token, session): not built with defineRoute. */
export const NEXT_AUTH_ROUTE = "auth/[...nextauth]";

export type ApiRoute = { method: (typeof HTTP_METHODS)[number]; template: string; access: RouteAccess | undefined };

function filesNamed(dir: string, name: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesNamed(full, name);
    return entry.name === name ? [full] : [];
  });
}

/** Every handler under app/api but next-auth's, as `{ method, template: "runs/[runId]/frames", access }`. */
export async function discoverApiRoutes(): Promise<ApiRoute[]> {
  const routes: ApiRoute[] = [];
  for (const file of filesNamed(API_DIR, "route.ts")) {
    const template = path.relative(API_DIR, path.dirname(file));
    if (template === NEXT_AUTH_ROUTE) continue;
    const handlers = (await import(file)) as Record<string, unknown>;
    for (const method of HTTP_METHODS) {
      const handler = handlers[method] as { access?: RouteAccess } | undefined;
      if (handler) routes.push({ method, template, access: handler.access });
    }
  }
  return routes;
}

/** Every page under app, as its URL template: "", "programs/[programId]", ... */
export function discoverPages(): string[] {
  return filesNamed(APP_DIR, "page.tsx").map((file) => path.relative(APP_DIR, path.dirname(file)).split(path.sep).join("/"));
}

/** The template's `[name]` segments. */
export const templateParams = (template: string): string[] => [...template.matchAll(/\[([^\]]+)\]/g)].map((match) => match[1]!);
