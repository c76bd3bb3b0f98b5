// API tokens over real HTTP against the production server: created with a
// session, shown once and stored hashed; `Authorization: Bearer` acts as the
// user narrowed to the token's scopes on the HTTP API, the live socket and
// /metrics; malformed, unknown, expired, revoked and wrong-scope tokens are
// refused with a sentence; a disabled user's tokens stop at once; creation,
// use from a new address and revocation are audited with the token's id,
// never the token.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io } from "socket.io-client";
import { LIVE_NAMESPACE, SOCKET_PATH } from "@/lib/shared/sockets.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, type TestUser } from "@/test/factories.ts";
import { signInCookie, startWebServer, type WebServer } from "@/test/web-server.ts";

let t: TestDatabase;
let web: WebServer;
let admin: TestUser;
let adminCookie: string;
let engineer: TestUser;
let engineerCookie: string;

beforeAll(async () => {
  t = await createTestDatabase();
  admin = await createUser(t.db, ["ADMIN"]);
  engineer = await createUser(t.db, ["ENGINEER"]);
  web = await startWebServer(t.url, { WORKBENCH_MAX_TOKEN_DAYS: "30" });
  adminCookie = await signInCookie(web.url, admin.email, admin.password);
  engineerCookie = await signInCookie(web.url, engineer.email, engineer.password);
}, 180_000);

afterAll(async () => {
  await web?.stop();
  await t?.drop();
});

type Answer = { status: number; json: Record<string, unknown> & { error?: { code: string; message: string } } };

async function call(auth: { cookie?: string; bearer?: string; authorization?: string }, method: "GET" | "POST", path: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { origin: web.url };
  if (auth.cookie) headers.cookie = auth.cookie;
  if (auth.bearer) headers.authorization = `Bearer ${auth.bearer}`;
  if (auth.authorization) headers.authorization = auth.authorization;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${web.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, json: (await response.json().catch(() => ({}))) as Answer["json"] };
}

async function createToken(cookie: string, scopes: string[], name = "laptop"): Promise<{ id: string; token: string }> {
  const answer = await call({ cookie }, "POST", "/api/tokens", { name, expiresInDays: 7, scopes });
  expect(answer.status, JSON.stringify(answer.json)).toBe(201);
  return answer.json as { id: string; token: string };
}

describe("creating and listing", () => {
  it("shows the token once, keeps only its hash, lists it without it, and audits the creation by id", async () => {
    const created = await call({ cookie: engineerCookie }, "POST", "/api/tokens", { name: "ci job", expiresInDays: 7, scopes: ["runs:read", "programs:submit"] });
    expect(created.status).toBe(201);
    const { id, token } = created.json as { id: string; token: string };
    expect(token).toMatch(/^wbt_[A-Za-z0-9_-]{43}$/);

    const listed = await call({ cookie: engineerCookie }, "GET", "/api/tokens");
    expect(listed.json).toMatchObject({ maxDays: 30, tokens: [{ id, name: "ci job", scopes: ["programs:submit", "runs:read"], revokedAt: null, lastUsedAt: null }] });
    expect(JSON.stringify(listed.json)).not.toContain(token);

    const row = await t.db.apiToken.findUniqueOrThrow({ where: { id } });
    expect(JSON.stringify(row)).not.toContain(token.slice(4));
    const audit = await t.db.auditEvent.findMany({ where: { targetType: "api-token", targetId: id }, select: { action: true, actorId: true, data: true } });
    expect(audit).toEqual([{ action: "api-token.create", actorId: engineer.id, data: expect.objectContaining({ name: "ci job", scopes: ["programs:submit", "runs:read"] }) }]);
  });

  it("refuses scopes beyond the user's roles, expiries beyond the admin's cap, and unknown scopes, with a sentence", async () => {
    expect(await call({ cookie: engineerCookie }, "POST", "/api/tokens", { name: "x", expiresInDays: 7, scopes: ["metrics:read"] })).toMatchObject({
      status: 403,
      json: { error: { message: "Your roles do not allow the scope metrics:read; a token can only do what you can." } },
    });
    expect(await call({ cookie: engineerCookie }, "POST", "/api/tokens", { name: "x", expiresInDays: 31, scopes: ["runs:read"] })).toMatchObject({
      status: 400,
      json: { error: { message: "A token lives at most 30 days here (WORKBENCH_MAX_TOKEN_DAYS)." } },
    });
    const unknown = await call({ cookie: engineerCookie }, "POST", "/api/tokens", { name: "x", expiresInDays: 7, scopes: ["root"] });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error?.message).toContain('Unknown scope "root"');
  });

  it("a token cannot mint another token", async () => {
    const { token } = await createToken(engineerCookie, ["runs:read", "programs:submit"]);
    expect(await call({ bearer: token }, "POST", "/api/tokens", { name: "child", expiresInDays: 1, scopes: ["runs:read"] })).toMatchObject({
      status: 403,
      json: { error: { message: "No API token may do this; sign in to the workbench in a browser." } },
    });
  });
});

describe("using a token", () => {
  it("acts as its user within its scopes on the HTTP API, and says which scope is missing", async () => {
    const { token } = await createToken(engineerCookie, ["runs:read"]);
    expect((await call({ bearer: token }, "GET", "/api/runs")).status).toBe(200);
    expect(await call({ bearer: token }, "POST", "/api/programs", { name: "p", source: "BEGIN { exit(); }", durationSec: 10, hosts: ["h"] })).toMatchObject({
      status: 403,
      json: { error: { message: "This API token's scopes (runs:read) do not allow this; it needs the scope programs:submit." } },
    });
    // Roles still bound it: an engineer's token reads no audit trail, whatever its scopes.
    expect((await call({ bearer: token }, "GET", "/api/audit")).status).toBe(403);
  });

  it("refuses malformed, unknown, expired and revoked tokens with 401 and a sentence each", async () => {
    const sentence = async (authorization: string) => {
      const answer = await call({ authorization }, "GET", "/api/runs");
      expect(answer.status, authorization).toBe(401);
      return answer.json.error!.message;
    };
    expect(await sentence("Bearer not-a-token")).toMatch(/^The bearer token is malformed/);
    expect(await sentence("Basic dXNlcjpwdw==")).toMatch(/^The Authorization header is not `Bearer TOKEN`/);
    expect(await sentence(`Bearer wbt_${"A".repeat(43)}`)).toMatch(/^This API token is not known here/);

    const expiring = await createToken(engineerCookie, ["runs:read"]);
    await t.db.apiToken.update({ where: { id: expiring.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await sentence(`Bearer ${expiring.token}`)).toMatch(/^This API token expired on \d{4}-\d\d-\d\dT.*; create a new one on your account page\.$/);

    const revoking = await createToken(engineerCookie, ["runs:read"]);
    expect((await call({ bearer: revoking.token }, "GET", "/api/runs")).status).toBe(200);
    expect((await call({ cookie: engineerCookie }, "POST", `/api/tokens/${revoking.id}/revoke`)).status).toBe(200);
    expect(await sentence(`Bearer ${revoking.token}`)).toMatch(/^This API token was revoked on /);
    expect((await call({ cookie: engineerCookie }, "POST", `/api/tokens/${revoking.id}/revoke`)).status).toBe(409);
    const actions = await t.db.auditEvent.findMany({ where: { targetId: revoking.id }, orderBy: { id: "asc" }, select: { action: true } });
    expect(actions.map((a) => a.action)).toEqual(["api-token.create", "api-token.use-from-new-address", "api-token.revoke"]);
  });

  it("someone else's token is no such token to a non-admin; an admin may revoke it", async () => {
    const { id } = await createToken(engineerCookie, ["runs:read"]);
    const other = await createUser(t.db, ["ENGINEER"]);
    const otherCookie = await signInCookie(web.url, other.email, other.password);
    expect(await call({ cookie: otherCookie }, "POST", `/api/tokens/${id}/revoke`)).toMatchObject({ status: 404, json: { error: { message: "No such token." } } });
    expect((await call({ cookie: adminCookie }, "POST", `/api/tokens/${id}/revoke`)).status).toBe(200);
  });

  it("stops at once when its user is disabled", async () => {
    const user = await createUser(t.db, ["SRE"]);
    const cookie = await signInCookie(web.url, user.email, user.password);
    const { token } = await createToken(cookie, ["runs:read"]);
    expect((await call({ bearer: token }, "GET", "/api/runs")).status).toBe(200);
    expect((await call({ cookie: adminCookie }, "POST", `/api/users/${user.id}/disable`, { reason: "left the team" })).status).toBe(200);
    expect(await call({ bearer: token }, "GET", "/api/runs")).toMatchObject({
      status: 401,
      json: { error: { message: "The account this API token belongs to is disabled." } },
    });
  });

  it("records the last use, audits the first use from an address once, and never writes the token to the log or the audit trail", async () => {
    const { id, token } = await createToken(engineerCookie, ["runs:read"]);
    for (let i = 0; i < 3; i += 1) expect((await call({ bearer: token }, "GET", "/api/runs")).status).toBe(200);
    const listed = (await call({ cookie: engineerCookie }, "GET", "/api/tokens")).json.tokens as { id: string; lastUsedAt: string | null; lastUsedFrom: string | null }[];
    expect(listed.find((row) => row.id === id)).toMatchObject({ lastUsedAt: expect.any(String), lastUsedFrom: "127.0.0.1" });
    const uses = await t.db.auditEvent.findMany({ where: { targetId: id, action: "api-token.use-from-new-address" }, select: { data: true } });
    expect(uses).toEqual([{ data: { address: "127.0.0.1", name: "laptop" } }]);

    const everything = JSON.stringify(await t.db.auditEvent.findMany({ select: { data: true, reason: true, actorName: true } }));
    expect(everything).not.toContain(token.slice(4));
    expect(web.output()).not.toContain(token.slice(4));
  });
});

describe("the live socket and /metrics", () => {
  const connect = (apiToken: unknown) =>
    new Promise<string>((resolve) => {
      const socket = io(`${web.url}${LIVE_NAMESPACE}`, { path: SOCKET_PATH, transports: ["websocket"], reconnection: false, forceNew: true, auth: { apiToken } });
      socket.once("connect", () => {
        socket.disconnect();
        resolve("connected");
      });
      socket.once("connect_error", (error) => resolve(error.message));
    });

  it("admits a token with runs:read, and refuses the others with their reason", async () => {
    const reader = await createToken(engineerCookie, ["runs:read"]);
    const submitter = await createToken(engineerCookie, ["programs:submit"]);
    expect(await connect(reader.token)).toBe("connected");
    expect(await connect(submitter.token)).toBe("This API token cannot watch runs; it needs the scope runs:read.");
    expect(await connect("wbt_short")).toMatch(/^The bearer token is malformed/);
    expect(await connect(42)).toBe("auth.apiToken is an API token (a string).");
    await call({ cookie: engineerCookie }, "POST", `/api/tokens/${reader.id}/revoke`);
    expect(await connect(reader.token)).toMatch(/^This API token was revoked on /);
  });

  it("/metrics answers a token with metrics:read, and refuses one without it", async () => {
    const sre = await createUser(t.db, ["SRE"]);
    const cookie = await signInCookie(web.url, sre.email, sre.password);
    const scraper = await createToken(cookie, ["metrics:read"], "prometheus");
    const reader = await createToken(cookie, ["runs:read"]);
    const scrape = (token: string) => fetch(`${web.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const ok = await scrape(scraper.token);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("# TYPE");
    const refused = await scrape(reader.token);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      "This API token's scopes (runs:read) do not allow this; it needs the scope metrics:read.",
    );
  });
});

describe("the account page", () => {
  it("lists the user's tokens with their state and last use, and only the scopes their roles allow", async () => {
    const user = await createUser(t.db, ["ENGINEER"]);
    const cookie = await signInCookie(web.url, user.email, user.password);
    await createToken(cookie, ["runs:read"], "my laptop");
    const html = (await (await fetch(`${web.url}/account`, { headers: { cookie } })).text()).replaceAll("<!-- -->", "");
    expect(html).toContain("my laptop");
    expect(html).toContain("never");
    expect(html).toContain("programs:submit");
    expect(html).not.toContain("metrics:read");
  });
});
