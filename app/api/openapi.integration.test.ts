// The OpenAPI document against the routes on disk: every route file and each
// HTTP method it exports is in the document, the document's request schemas
// agree with what the route's zod schemas accept and refuse, each answer is
// the schema the route is held to (answers-walk.integration.test.ts then
// validates real answers against the served document), and
// docs/http-api.md lists every method and path the document has.
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { RouteHandler } from "@/lib/server/http/route.ts";
import { answerJsonSchema, type OpenApiDocument, type OpenApiOperation } from "@/lib/server/http/openapi.ts";
import { API_DIR, HTTP_METHODS } from "@/test/app-routes.ts";

type JsonSchema = Record<string, unknown>;
type DiskRoute = { method: (typeof HTTP_METHODS)[number]; template: string; handler: unknown };

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [full] : [];
  });
}

let document: OpenApiDocument;
let routeModules: Record<string, Record<string, unknown>>;
let diskRoutes: DiskRoute[];

beforeAll(async () => {
  diskRoutes = [];
  for (const file of routeFiles(API_DIR)) {
    const template = path.relative(API_DIR, path.dirname(file)).split(path.sep).join("/");
    const exports = (await import(file)) as Record<string, unknown>;
    for (const method of HTTP_METHODS) if (exports[method]) diskRoutes.push({ method, template, handler: exports[method] });
  }
  ({ API_ROUTE_MODULES: routeModules } = await import("@/app/api/openapi.json/route-modules.ts"));
  document = (await import("@/app/api/openapi.json/document.ts")).openApiDocument();
}, 60_000);

const docPath = (template: string) => `/api/${template}`.replace(/\[(?:\.\.\.)?([^\]]+)\]/g, "{$1}");
const operationOf = (route: DiskRoute): OpenApiOperation | undefined => document.paths[docPath(route.template)]?.[route.method.toLowerCase() as Lowercase<DiskRoute["method"]>];
const specOf = (route: DiskRoute) => (route.handler as Partial<RouteHandler>).spec;

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with the error shape and both ways to authenticate", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.components.securitySchemes.sessionCookie).toMatchObject({ type: "apiKey", in: "cookie", name: "next-auth.session-token" });
    expect(document.components.securitySchemes.bearerToken).toMatchObject({ type: "http", scheme: "bearer" });
    expect(document.components.schemas.Error).toMatchObject({ required: ["error"], properties: { error: { required: ["code", "message"] } } });
  });

  it("lists every route module on disk, so the document built inside Next leaves none out", () => {
    const onDisk = [...new Set(diskRoutes.map((route) => route.template))].sort();
    expect(Object.keys(routeModules).sort()).toEqual(onDisk);
  });

  it("has every route file's every HTTP method, with the action it needs", () => {
    expect(diskRoutes.length).toBeGreaterThan(50);
    const missing = diskRoutes.filter((route) => !operationOf(route)).map((route) => `${route.method} ${docPath(route.template)}`);
    expect(missing, "routes missing from /api/openapi.json").toEqual([]);
    for (const route of diskRoutes) {
      const access = (route.handler as Partial<RouteHandler>).access;
      const operation = operationOf(route)!;
      if (access?.kind === "user") {
        expect(operation["x-workbench-action"], `${route.method} ${route.template}`).toBe(access.action);
        expect(operation.security).toEqual([{ sessionCookie: [] }, { bearerToken: [] }]);
        expect(operation.responses["401"]?.content?.["application/json"]?.schema).toEqual({ $ref: "#/components/schemas/Error" });
      } else {
        expect(operation.security).toEqual([]);
      }
      expect(operation.responses["400"] ?? operation.responses["200"]).toBeDefined();
    }
    // The document describes itself too, readable by anyone signed in.
    expect(document.paths["/api/openapi.json"]?.get?.["x-workbench-action"]).toBe("api.read");
  });

  it("has a path parameter for each [segment] of each path, and a request body exactly where the route reads one", () => {
    for (const route of diskRoutes) {
      const operation = operationOf(route)!;
      const segments = [...route.template.matchAll(/\[(?:\.\.\.)?([^\]]+)\]/g)].map((match) => match[1]);
      const pathParams = operation.parameters.filter((parameter) => parameter.in === "path").map((parameter) => parameter.name);
      expect(pathParams.sort(), `${route.method} ${route.template}`).toEqual(segments.sort());
      const spec = specOf(route);
      if (spec) expect(Boolean(operation.requestBody), `${route.method} ${route.template} body`).toBe(Boolean(spec.body));
    }
  });
});

describe("each route's answer in the document", () => {
  it("is the schema defineRoute holds the route's answer to, or the media types of what it streams", () => {
    let jsonAnswers = 0;
    for (const route of diskRoutes) {
      const spec = specOf(route);
      if (!spec) continue;
      const where = `${route.method} ${route.template}`;
      expect(Boolean(spec.answer) !== Boolean(spec.answerMedia), `${where} declares exactly one of answer and answerMedia`).toBe(true);
      const successes = Object.entries(operationOf(route)!.responses).filter(([code]) => code.startsWith("2"));
      expect(
        successes.map(([code]) => code),
        where,
      ).toEqual([String(spec.successStatus)]);
      const content = successes[0]![1].content ?? {};
      if (spec.answer) {
        const schema = content["application/json"]?.schema;
        expect(schema, where).toEqual(answerJsonSchema(spec.answer));
        // Every JSON answer is an object with named fields, never an open "anything".
        expect(schema?.type, where).toBe("object");
        expect(Object.keys((schema?.properties ?? {}) as object).length, `${where} names its answer's fields`).toBeGreaterThan(0);
        jsonAnswers++;
      } else {
        expect(Object.keys(content), where).toEqual(spec.answerMedia!.contentTypes);
      }
    }
    expect(jsonAnswers).toBeGreaterThan(50);
    expect(JSON.stringify(document)).not.toContain("No schema for this answer");
  });
});

/** Whether `schema` accepts `value` alone in an object under `key` (how the route sees one field). */
function fieldAccepts(schema: z.ZodObject, key: string, value: unknown): boolean {
  return (schema.shape[key] as z.ZodType).safeParse(value).success;
}

/**
 * The JSON schema's claims about one object field, tried on the zod field:
 * each enum value is accepted and a foreign one refused, integer bounds hold
 * at the bound and fail past it, a string past maxLength is refused.
 * Returns how many claims it checked.
 */
function checkField(where: string, schema: z.ZodObject, key: string, json: JsonSchema): number {
  let checked = 0;
  if (Array.isArray(json.enum)) {
    for (const value of json.enum) expect(fieldAccepts(schema, key, value), `${where}.${key} accepts ${String(value)}`).toBe(true);
    expect(fieldAccepts(schema, key, "not-one-of-the-enum"), `${where}.${key} refuses a value outside its enum`).toBe(false);
    checked++;
  }
  if (json.type === "integer" && typeof json.minimum === "number" && json.minimum > Number.MIN_SAFE_INTEGER) {
    expect(fieldAccepts(schema, key, json.minimum), `${where}.${key} accepts its minimum`).toBe(true);
    expect(fieldAccepts(schema, key, json.minimum - 1), `${where}.${key} refuses below its minimum`).toBe(false);
    checked++;
  }
  if (json.type === "integer" && typeof json.maximum === "number" && json.maximum < Number.MAX_SAFE_INTEGER) {
    expect(fieldAccepts(schema, key, json.maximum), `${where}.${key} accepts its maximum`).toBe(true);
    expect(fieldAccepts(schema, key, json.maximum + 1), `${where}.${key} refuses above its maximum`).toBe(false);
    checked++;
  }
  if (json.type === "string" && typeof json.maxLength === "number" && json.maxLength < 1_000_000) {
    expect(fieldAccepts(schema, key, "a".repeat(json.maxLength + 1)), `${where}.${key} refuses past maxLength`).toBe(false);
    checked++;
  }
  return checked;
}

describe("each route's schemas in the document agree with its zod validation", () => {
  it("object schemas: the same fields, the same required ones, and the same bounds and enums", () => {
    let objects = 0;
    let fieldClaims = 0;
    for (const route of diskRoutes) {
      const spec = specOf(route);
      if (!spec) continue;
      const operation = operationOf(route)!;
      const parts: [string, z.ZodType | undefined, JsonSchema | undefined][] = [
        ["body", spec.body, operation.requestBody?.content["application/json"].schema],
        ["query", spec.query, undefined],
        ["path", spec.params, undefined],
      ];
      for (const [part, schema, bodyJson] of parts) {
        if (!(schema instanceof z.ZodObject)) continue;
        const where = `${route.method} ${route.template} ${part}`;
        const zodKeys = Object.keys(schema.shape).sort();
        // A field is required when the route refuses the object without it.
        const zodRequired = zodKeys.filter((key) => !(schema.shape[key] as z.ZodType).safeParse(undefined).success);
        let properties: Record<string, JsonSchema>;
        let required: string[];
        if (bodyJson) {
          properties = (bodyJson.properties ?? {}) as Record<string, JsonSchema>;
          required = ((bodyJson.required ?? []) as string[]).slice().sort();
        } else {
          const parameters = operation.parameters.filter((parameter) => parameter.in === part);
          properties = Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.schema]));
          required = parameters
            .filter((parameter) => parameter.required)
            .map((parameter) => parameter.name)
            .sort();
        }
        expect(Object.keys(properties).sort(), `${where}: fields`).toEqual(zodKeys);
        // Path parameters are required by OpenAPI whatever the schema says; the path has them anyway.
        if (part !== "path") expect(required, `${where}: required fields`).toEqual(zodRequired);
        for (const key of zodKeys) fieldClaims += checkField(where, schema, key, properties[key]!);
        objects++;
      }
    }
    // Most routes read a body, a query or an id: a walk that checked nearly nothing would say so here.
    expect(objects).toBeGreaterThan(40);
    expect(fieldClaims).toBeGreaterThan(20);
  });

  it("other schemas (unions and the like) are in the document in full, never left empty", () => {
    for (const route of diskRoutes) {
      const spec = specOf(route);
      if (!spec?.body || spec.body instanceof z.ZodObject) continue;
      const json = operationOf(route)!.requestBody!.content["application/json"].schema;
      expect(Object.keys(json).filter((key) => key !== "$schema" && key !== "description").length, `${route.method} ${route.template}`).toBeGreaterThan(0);
    }
  });
});

describe("docs/http-api.md", () => {
  it("lists every method and path of the document", () => {
    const markdown = fs.readFileSync(path.resolve(import.meta.dirname, "../../docs/http-api.md"), "utf8");
    // Parameter names differ ({id} in the doc, {runId} in the routes): compare with them blanked.
    const shape = (route: string) => route.replace(/\{[^}]*\}/g, "{}").replace(/\/\*$/, "/{}");
    const listed = new Set<string>();
    for (const match of markdown.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/api\/[^`\s?]*)/g)) listed.add(`${match[1]} ${shape(match[2]!)}`);
    for (const match of markdown.matchAll(/\| (GET|POST|PUT|PATCH|DELETE)\s*\| `(\/api\/[^`\s?]*)`/g)) listed.add(`${match[1]} ${shape(match[2]!)}`);
    const missing: string[] = [];
    for (const [route, operations] of Object.entries(document.paths)) {
      if (route === "/api/auth/{nextauth}") continue; // next-auth's endpoints: described as /api/auth/* in the doc's text
      for (const method of Object.keys(operations)) {
        if (!listed.has(`${method.toUpperCase()} ${shape(route)}`)) missing.push(`${method.toUpperCase()} ${route}`);
      }
    }
    expect(missing, "docs/http-api.md does not list these").toEqual([]);
    expect(markdown).toContain("/api/openapi.json");
  });
});
