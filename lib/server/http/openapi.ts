import "server-only";
import { z } from "zod";
import { APP_ERROR_STATUS } from "@/lib/server/errors.ts";
import { SESSION_COOKIE_NAMES } from "@/lib/server/auth/session-token.ts";
import type { RouteAccess, RouteSpec } from "./route.ts";

// The OpenAPI 3.1 document of the HTTP API, built from the zod schemas each
// route parses its input with and describes its answer with (defineRoute
// keeps them on the handler), so the document cannot drift from what the
// server accepts and sends (answer-check.ts holds the answers to it). Served at
// /api/openapi.json and rendered by the /api-reference page.

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

type JsonSchema = Record<string, unknown>;

export type OpenApiParameter = { name: string; in: "path" | "query"; required: boolean; schema: JsonSchema; description?: string };

export type OpenApiOperation = {
  operationId: string;
  summary: string;
  description?: string;
  "x-workbench-action"?: string;
  "x-workbench-public"?: string;
  security: Record<string, string[]>[];
  parameters: OpenApiParameter[];
  requestBody?: { required: true; content: { "application/json": { schema: JsonSchema } }; description: string };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
};

export type OpenApiDocument = {
  openapi: "3.1.0";
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  paths: Record<string, Partial<Record<Lowercase<(typeof HTTP_METHODS)[number]>, OpenApiOperation>>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
};

/** A route module's exports that carry a spec: what defineRoute returns. */
type DescribedHandler = { access: RouteAccess; spec: RouteSpec };

const UNREPRESENTABLE_NOTE =
  "Part of this schema (a transform or custom type) cannot be written in JSON Schema and is shown as accepting anything; the server's validation is stricter.";

/**
 * A request schema as JSON Schema (its input side: what a client sends). A
 * schema JSON Schema cannot express is converted with that part left open,
 * and says so in its description.
 */
export function requestJsonSchema(schema: z.ZodType): JsonSchema {
  try {
    return z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as JsonSchema;
  } catch {
    const open = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }) as JsonSchema;
    return { ...open, description: [open.description, UNREPRESENTABLE_NOTE].filter(Boolean).join(" ") };
  }
}

/** An answer schema as JSON Schema (its output side: what the server sends). */
export function answerJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: "output", target: "draft-2020-12" }) as JsonSchema;
}

function successResponse(spec: RouteSpec): OpenApiOperation["responses"][string] {
  if (spec.answerMedia) {
    return {
      description: spec.answerMedia.description,
      content: Object.fromEntries(spec.answerMedia.contentTypes.map((type) => [type, { schema: { type: "string" } }])),
    };
  }
  if (!spec.answer) throw new Error("a route built with defineRoute has neither an answer schema nor answerMedia");
  return { description: "Success.", content: { "application/json": { schema: answerJsonSchema(spec.answer) } } };
}

/** `runs/[runId]/frames` → `/api/runs/{runId}/frames`; a catch-all `[...nextauth]` → `{nextauth}`. */
export function openApiPath(template: string): string {
  return `/api/${template}`.replace(/\[(?:\.\.\.)?([^\]]+)\]/g, "{$1}");
}

/** An object schema's properties as parameters; anything else (never used for params or query) as one opaque parameter. */
function parametersOf(schema: z.ZodType | undefined, where: "path" | "query"): OpenApiParameter[] {
  if (!schema) return [];
  const json = requestJsonSchema(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    // OpenAPI requires every path parameter; the template has it in any case.
    required: where === "path" || required.has(name),
    schema: property,
    ...(typeof property.description === "string" ? { description: property.description } : {}),
  }));
}

const errorRef = { $ref: "#/components/schemas/Error" };

function errorResponses(handler: DescribedHandler): OpenApiOperation["responses"] {
  const { spec, access } = handler;
  const responses: OpenApiOperation["responses"] = {};
  const add = (code: keyof typeof APP_ERROR_STATUS, description: string) => {
    responses[String(APP_ERROR_STATUS[code])] = { description, content: { "application/json": { schema: errorRef } } };
  };
  add("BAD_REQUEST", "The input failed validation (the message names the field), or the body is not JSON.");
  if (access.kind === "user") {
    add("UNAUTHENTICATED", "No session cookie or API token, or it expired, was revoked or is malformed.");
    add("FORBIDDEN", "The caller's roles (or the token's scopes) do not allow the action, or the request came from another site.");
  } else {
    add("FORBIDDEN", "The request came from another site.");
  }
  if (spec.params) add("NOT_FOUND", "Nothing has the id in the path (or the caller may not see it).");
  if (spec.body) {
    add("CONFLICT", "The state changed underneath the request (already decided, already running, ...).");
    add("UNPROCESSABLE", "Well-formed, but it breaks a rule of the workbench (the message says which).");
    add("PAYLOAD_TOO_LARGE", `The body is larger than ${spec.maxBodyBytes} bytes.`);
  }
  add("TOO_MANY_REQUESTS", "Too many requests from this caller; try again later.");
  return responses;
}

function operationFor(method: string, template: string, handler: DescribedHandler): OpenApiOperation {
  const { spec, access } = handler;
  const operation: OpenApiOperation = {
    operationId: `${method.toLowerCase()}_${template.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_|_$/g, "")}`,
    summary: `${method} ${openApiPath(template)}`,
    security: access.kind === "user" ? [{ sessionCookie: [] }, { bearerToken: [] }] : [],
    parameters: [...parametersOf(spec.params, "path"), ...parametersOf(spec.query, "query")],
    responses: {
      [String(spec.successStatus)]: successResponse(spec),
      ...errorResponses(handler),
    },
  };
  if (access.kind === "user") operation["x-workbench-action"] = access.action;
  else operation["x-workbench-public"] = access.why;
  if (spec.body) {
    operation.requestBody = {
      required: true,
      description: `A JSON object of at most ${spec.maxBodyBytes} bytes.`,
      content: { "application/json": { schema: requestJsonSchema(spec.body) } },
    };
  }
  return operation;
}

/** next-auth's own endpoints (sign-in, sign-out, CSRF token, session) are not built with defineRoute: described by hand. */
function nextAuthOperation(method: string): OpenApiOperation {
  return {
    operationId: `${method.toLowerCase()}_auth_nextauth`,
    summary: `${method} /api/auth/{nextauth}`,
    description: "next-auth's own endpoints (signin, signout, csrf, session, callback/...), not built from a zod schema. Browsers use them; scripts use an API token instead.",
    "x-workbench-public": "next-auth's sign-in flow",
    security: [],
    parameters: [{ name: "nextauth", in: "path", required: true, schema: { type: "string" }, description: "The next-auth endpoint, e.g. session or csrf." }],
    responses: { "200": { description: "next-auth's answer (JSON or a redirect); no schema in this document." } },
  };
}

const isDescribed = (value: unknown): value is DescribedHandler =>
  typeof value === "function" && "spec" in value && "access" in value && typeof (value as DescribedHandler).spec === "object";

/** The document for `modules`: route modules by path template (`runs/[runId]`), as app/api/openapi.json/route-modules.ts lists them. */
export function buildOpenApiDocument(modules: Record<string, Record<string, unknown>>): OpenApiDocument {
  const paths: OpenApiDocument["paths"] = {};
  for (const template of Object.keys(modules).sort()) {
    const exports = modules[template]!;
    for (const method of HTTP_METHODS) {
      const handler = exports[method];
      if (handler === undefined) continue;
      const path = openApiPath(template);
      const operation = isDescribed(handler) ? operationFor(method, template, handler) : nextAuthOperation(method);
      (paths[path] ??= {})[method.toLowerCase() as Lowercase<typeof method>] = operation;
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "bpftrace workbench HTTP API",
      version: "1",
      description:
        "Generated from the zod schemas the routes validate with. Every request is authorized on the server: x-workbench-action names the action a route needs (docs/http-api.md has the role and token-scope tables). Errors answer with { error: { code, message, details? } }.",
    },
    servers: [{ url: "/" }],
    paths,
    components: {
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: {
                code: { type: "string", enum: [...Object.keys(APP_ERROR_STATUS), "INTERNAL"] },
                message: { type: "string", description: "A sentence for a person." },
                details: { type: "object", description: "Structured detail where the route has some (e.g. lint findings)." },
              },
            },
          },
        },
      },
      securitySchemes: {
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: "next-auth.session-token",
          description: `The browser's session, set by signing in: ${SESSION_COOKIE_NAMES.join(" over HTTPS, ")} over plain HTTP. State-changing requests must come from the same site.`,
        },
        bearerToken: {
          type: "http",
          scheme: "bearer",
          description: "A personal API token (wbt_...), created on the account page; it acts as its user narrowed to its scopes.",
        },
      },
    },
  };
}
