// The headers the production server sends: every page runs scripts only with
// that response's nonce, nothing is cacheable that carries data, and the
// browser features the workbench never uses are denied. API answers under
// hostile input are checked in app/api/hostile-input-walk.integration.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser } from "@/test/factories.ts";
import { signInCookie, startWebServer, type WebServer } from "@/test/web-server.ts";
import { discoverPages } from "@/test/app-routes.ts";

const METRICS_TOKEN = "metrics-token-for-the-header-test-0123";

let t: TestDatabase;
let web: WebServer;
let admin: string;

beforeAll(async () => {
  t = await createTestDatabase();
  web = await startWebServer(t.url, { WORKBENCH_METRICS_TOKEN: METRICS_TOKEN });
  const user = await createUser(t.db, ["ADMIN", "ENGINEER", "REVIEWER", "SRE"]);
  admin = await signInCookie(web.url, user.email, user.password);
}, 180_000);

afterAll(async () => {
  await web?.stop();
  await t?.drop();
});

const directives = (policy: string) =>
  new Map(
    policy
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name!, values]),
  );

function expectSecurityHeaders(headers: Headers, what: string): void {
  expect(headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(headers.get("x-frame-options"), what).toBe("DENY");
  expect(headers.get("referrer-policy"), what).toBe("same-origin");
  expect(headers.get("cross-origin-opener-policy"), what).toBe("same-origin");
  const permissions = headers.get("permissions-policy") ?? "";
  for (const feature of ["camera", "microphone", "geolocation", "payment", "usb"]) expect(permissions, what).toContain(`${feature}=()`);
}

/** The nonce of a page's policy, after checking that scripts need it. */
function scriptNonce(policy: string, what: string): string {
  const scriptSrc = directives(policy).get("script-src") ?? [];
  expect(scriptSrc, what).not.toContain("'unsafe-inline'");
  expect(scriptSrc, what).not.toContain("'unsafe-eval'");
  expect(scriptSrc, what).toContain("'strict-dynamic'");
  const nonces = scriptSrc.filter((source) => source.startsWith("'nonce-"));
  expect(nonces, what).toHaveLength(1);
  return nonces[0]!.slice("'nonce-".length, -1);
}

describe("pages", () => {
  const pages = discoverPages().map((template) => `/${template.replace(/\[[^\]]+\]/g, "walk0id")}`);

  it("every page runs scripts only with its own response's nonce, and every script tag carries it", async () => {
    expect(pages.length).toBeGreaterThan(10);
    for (const path of [...pages, "/login", "/no-such-page"]) {
      const response = await fetch(`${web.url}${path}`, { headers: { cookie: admin }, redirect: "manual" });
      const html = await response.text();
      const policy = response.headers.get("content-security-policy") ?? "";
      expectSecurityHeaders(response.headers, path);
      const nonce = scriptNonce(policy, path);
      expect(nonce.length, path).toBeGreaterThanOrEqual(22); // 128 bits in base64
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((match) => match[0]);
      if (response.status !== 307) expect(scripts.length, path).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag, `${path}: ${tag}`).toContain(`nonce="${nonce}"`);
      expect(directives(policy).get("object-src"), path).toEqual(["'none'"]);
      expect(directives(policy).get("frame-ancestors"), path).toEqual(["'none'"]);
    }
  });

  it("each page view gets a fresh nonce", async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${web.url}/login`);
      await response.arrayBuffer();
      nonces.add(scriptNonce(response.headers.get("content-security-policy") ?? "", "/login"));
    }
    expect(nonces.size).toBe(5);
  });

  it("the build's static files are served with nosniff and no nonce", async () => {
    const html = await (await fetch(`${web.url}/login`)).text();
    const script = /src="(\/_next\/static\/[^"]+\.js)"/.exec(html)![1]!;
    const response = await fetch(`${web.url}${script}`);
    await response.arrayBuffer();
    expect(response.status).toBe(200);
    expectSecurityHeaders(response.headers, script);
    expect(response.headers.get("content-security-policy")).toBeNull();
  });
});

describe("answers that are data", () => {
  it("a new user's initial password is never stored by a browser or a proxy", async () => {
    const response = await fetch(`${web.url}/api/users`, {
      method: "POST",
      headers: { cookie: admin, origin: web.url, "content-type": "application/json" },
      body: JSON.stringify({ email: "fresh.person@test.local", name: "Fresh Person", roles: ["ENGINEER"] }),
    });
    const body = (await response.json()) as { initialPassword?: string };
    expect(response.status).toBe(201);
    expect(body.initialPassword).toBeTruthy();
    expect(response.headers.get("cache-control")).toBe("no-store");
    expectSecurityHeaders(response.headers, "POST /api/users");
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  });

  it("reads, exports, errors and /metrics are no-store too", async () => {
    const answers: [string, Response][] = [
      ["GET /api/programs", await fetch(`${web.url}/api/programs`, { headers: { cookie: admin } })],
      ["GET /api/audit/export", await fetch(`${web.url}/api/audit/export`, { headers: { cookie: admin } })],
      ["GET /api/programs signed out", await fetch(`${web.url}/api/programs`)],
      ["GET /api/programs/walk0id", await fetch(`${web.url}/api/programs/walk0id`, { headers: { cookie: admin } })],
      ["GET /metrics", await fetch(`${web.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })],
      ["DELETE /api/audit (no such method)", await fetch(`${web.url}/api/audit`, { method: "DELETE", headers: { cookie: admin, origin: web.url } })],
      ["GET /api/health", await fetch(`${web.url}/api/health`)],
    ];
    for (const [what, response] of answers) {
      await response.arrayBuffer();
      expect(response.headers.get("cache-control"), what).toBe("no-store");
      expectSecurityHeaders(response.headers, what);
    }
    expect(answers.map(([, response]) => response.status)).toEqual([200, 200, 401, 404, 200, 405, 200]);
  });

  it("next-auth's own endpoints and an unknown API path are not cacheable either", async () => {
    for (const path of ["/api/auth/session", "/api/auth/csrf", "/api/auth/providers", "/api/no-such-route"]) {
      const response = await fetch(`${web.url}${path}`, { headers: { cookie: admin } });
      await response.arrayBuffer();
      // Next.js and next-auth write their own Cache-Control here; each includes no-store.
      const cacheControl = (response.headers.get("cache-control") ?? "").split(",").map((d) => d.trim());
      expect(cacheControl, path).toContain("no-store");
      expectSecurityHeaders(response.headers, path);
    }
  });
});
