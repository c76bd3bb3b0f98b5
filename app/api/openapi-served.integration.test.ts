// /api/openapi.json and the /api-reference page from the real built server:
// who may read them, that the document the server built inside Next is the
// one built from the route files here, and that the page lists every route
// without loading anything from another host.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "@/lib/server/use-cases/create-api-token.ts";
import type { OpenApiDocument } from "@/lib/server/http/openapi.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser } from "@/test/factories.ts";
import { signInCookie, startWebServer, type WebServer } from "@/test/web-server.ts";

let t: TestDatabase;
let web: WebServer;
let reviewerCookie: string;
let metricsToken: string;
let expected: OpenApiDocument;

beforeAll(async () => {
  expected = (await import("@/app/api/openapi.json/document.ts")).openApiDocument();
  t = await createTestDatabase();
  web = await startWebServer(t.url);
  const reviewer = await createUser(t.db, ["REVIEWER"]);
  reviewerCookie = await signInCookie(web.url, reviewer.email, reviewer.password);
  // A token whose only scope has nothing to do with the API's description still reads it.
  const sre = await createUser(t.db, ["SRE"]);
  metricsToken = (await createApiToken(t.db, sre, { name: "prometheus", expiresInDays: 1, scopes: ["metrics:read"] }, { maxDays: 1 })).token;
}, 180_000);

afterAll(async () => {
  await web?.stop();
  await t?.drop();
});

describe("GET /api/openapi.json", () => {
  it("refuses a caller who is not signed in, with a sentence", async () => {
    const response = await fetch(`${web.url}/api/openapi.json`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: "UNAUTHENTICATED", message: "Sign in first." } });
  });

  it("answers a signed-in user the document built from the route files on disk", async () => {
    const response = await fetch(`${web.url}/api/openapi.json`, { headers: { cookie: reviewerCookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toContain("no-store");
    const served = (await response.json()) as OpenApiDocument;
    expect(served).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(Object.keys(served.paths).length).toBeGreaterThan(45);
  });

  it("answers an API token of any scope", async () => {
    const response = await fetch(`${web.url}/api/openapi.json`, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as OpenApiDocument).openapi).toBe("3.1.0");
  });
});

describe("the /api-reference page", () => {
  it("sends a signed-out visitor to sign in", async () => {
    const response = await fetch(`${web.url}/api-reference`, { redirect: "manual" });
    expect(response.status).toBeGreaterThanOrEqual(300);
    expect(response.status).toBeLessThan(400);
    expect(response.headers.get("location")).toContain("/login");
  });

  it("lists every method and path of the document with its action, and loads nothing from another host", async () => {
    const response = await fetch(`${web.url}/api-reference`, { headers: { cookie: reviewerCookie } });
    expect(response.status).toBe(200);
    const html = await response.text();
    for (const [path, operations] of Object.entries(expected.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(html, `${method} ${path}`).toContain(`${method.toUpperCase()} ${path}`);
        if (operation["x-workbench-action"]) expect(html).toContain(`<code>${operation["x-workbench-action"]}</code>`);
      }
    }
    // Each operation shows its answer: 60-odd JSON answers with their fields, and the two downloads' media types.
    expect(html.match(/Answer \(20[01], JSON\)/g)?.length ?? 0).toBeGreaterThan(50);
    expect(html).toContain("text/csv; charset=utf-8");
    // A field of the run snapshot's answer, as the reference lists it.
    expect(html).toContain("lastSeq");
    // Every script and stylesheet comes from this server (CSP is nonce-based, proxy.ts).
    const external = [...html.matchAll(/(?:src|href)="(https?:\/\/[^"]*)"/g)].map((match) => match[1]);
    expect(external).toEqual([]);
    expect(response.headers.get("content-security-policy")).toMatch(/script-src[^;]*'nonce-/);
  });
});
