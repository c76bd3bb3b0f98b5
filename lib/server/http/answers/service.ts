import { z } from "zod";

// Answers of the service routes: /api/health and /api/openapi.json.

export const healthAnswer = z.object({ ok: z.literal(true).describe("The server answers and reaches its database.") });

/** The document itself is OpenAPI 3.1; only its top level is described here (the OpenAPI specification describes the rest). */
export const openApiDocumentAnswer = z.looseObject({
  openapi: z.literal("3.1.0"),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
  components: z.unknown(),
});
