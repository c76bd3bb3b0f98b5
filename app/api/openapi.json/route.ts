import { openApiDocumentAnswer } from "@/lib/server/http/answers/service.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { openApiDocument } from "./document.ts";

// GET /api/openapi.json: the HTTP API's OpenAPI 3.1 document, for anyone
// signed in or holding an API token of any scope.
export const GET = defineRoute({ access: { kind: "user", action: "api.read" }, answer: openApiDocumentAnswer }, async () => openApiDocument());
