import "server-only";
import { buildOpenApiDocument, type OpenApiDocument } from "@/lib/server/http/openapi.ts";
import { API_ROUTE_MODULES } from "./route-modules.ts";

let built: OpenApiDocument | undefined;

/** The document of every route the app was built with; built once, on first use (the routes do not change while it runs). */
export function openApiDocument(): OpenApiDocument {
  built ??= buildOpenApiDocument(API_ROUTE_MODULES);
  return built;
}
