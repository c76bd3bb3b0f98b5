import { describe, expect, it } from "vitest";
import { z } from "zod";
import { openApiPath, requestJsonSchema } from "./openapi.ts";

describe("requestJsonSchema", () => {
  it("describes what a client sends: a field with a default is optional", () => {
    const json = requestJsonSchema(z.object({ name: z.string().min(1), limit: z.number().int().default(50) }));
    expect(json).toMatchObject({ type: "object", required: ["name"], properties: { name: { type: "string", minLength: 1 } } });
  });

  it("leaves a part JSON Schema cannot express open and says the server is stricter", () => {
    const json = requestJsonSchema(z.object({ name: z.string(), when: z.date() }));
    expect(json.properties).toMatchObject({ name: { type: "string" }, when: {} });
    expect(json.description).toMatch(/cannot be written in JSON Schema.*stricter/);
  });
});

describe("openApiPath", () => {
  it("turns the app's [segments] into OpenAPI's {parameters}", () => {
    expect(openApiPath("incidents/[incidentId]/runs/[runId]")).toBe("/api/incidents/{incidentId}/runs/{runId}");
    expect(openApiPath("auth/[...nextauth]")).toBe("/api/auth/{nextauth}");
  });
});
