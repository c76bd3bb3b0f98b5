// The HTTP API over real HTTP against the production server: who may call
// what (compared with the permission table), and bad input answered with a
// 4xx and a sentence, never a 500, with nothing half-written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Role } from "@/lib/server/db/generated/enums.ts";
import { PERMISSIONS, type Action } from "@/lib/server/auth/permissions.ts";
import { createProgram } from "@/lib/server/use-cases/create-program.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, enrollTestHost, type TestUser } from "@/test/factories.ts";
import { signInCookie, startWebServer, type WebServer } from "@/test/web-server.ts";

type Caller = "anonymous" | Lowercase<Role>;
const ROLES: Role[] = ["ENGINEER", "REVIEWER", "SRE", "ADMIN"];
const SOURCE = "interval:s:1 { @ticks = count(); }";

let t: TestDatabase;
let web: WebServer;
const users = {} as Record<Lowercase<Role>, TestUser>;
const cookies = {} as Record<Caller, string | null>;
let hostId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  for (const role of ROLES) users[role.toLowerCase() as Lowercase<Role>] = await createUser(t.db, [role]);
  ({ hostId } = await enrollTestHost(t.db, users.admin));
  web = await startWebServer(t.url);
  cookies.anonymous = null;
  for (const role of ROLES) {
    const user = users[role.toLowerCase() as Lowercase<Role>];
    cookies[role.toLowerCase() as Lowercase<Role>] = await signInCookie(web.url, user.email, user.password);
  }
}, 180_000);

afterAll(async () => {
  await web?.stop();
  await t?.drop();
});

async function call(caller: Caller, method: string, path: string, body?: unknown, rawBody?: string) {
  const headers: Record<string, string> = { origin: web.url };
  if (cookies[caller]) headers.cookie = cookies[caller]!;
  if (body !== undefined || rawBody !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${web.url}${path}`, { method, headers, body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)) });
  const json = (await response.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  return { status: response.status, json };
}

async function freshRevision() {
  return createProgram(t.db, users.engineer, { name: "walk", source: SOURCE, durationSec: 5, targetHostIds: [hostId] }, { maxDurationSec: 600 });
}

/** Every mutating route, with a valid request for it, and the action it must check. */
const MUTATING_ROUTES: { name: string; action: Action; request: () => Promise<[string, string, unknown?]> }[] = [
  { name: "create a program", action: "program.create", request: async () => ["POST", "/api/programs", { name: "n", source: SOURCE, durationSec: 5, targetHostIds: [hostId] }] },
  {
    name: "revise a program",
    action: "program.revise",
    request: async () => ["POST", `/api/programs/${(await freshRevision()).programId}/revisions`, { source: SOURCE, durationSec: 6, targetHostIds: [hostId], baseRevision: 1 }],
  },
  {
    name: "review a revision",
    action: "revision.review",
    request: async () => ["POST", `/api/revisions/${(await freshRevision()).revisionId}/reviews`, { decision: "reject", reason: "walk" }],
  },
  {
    name: "stop a run",
    action: "run.stop",
    request: async () => {
      const { revisionId } = await freshRevision();
      const reviewer = cookies.reviewer!;
      const approved = await fetch(`${web.url}/api/revisions/${revisionId}/reviews`, {
        method: "POST",
        headers: { cookie: reviewer, "content-type": "application/json", origin: web.url },
        body: JSON.stringify({ decision: "approve", reason: "walk" }),
      });
      const { runIds } = (await approved.json()) as { runIds: string[] };
      return ["POST", `/api/runs/${runIds[0]}/stop`];
    },
  },
  { name: "create an enrollment token", action: "host.enroll-token.create", request: async () => ["POST", "/api/enrollment-tokens", { ttlMinutes: 5, labels: ["role=db"] }] },
  { name: "change a host's labels", action: "host.label", request: async () => ["PUT", `/api/hosts/${hostId}/labels`, { labels: ["role=db", "zone=eu-1"], reason: "walk" }] },
  {
    name: "create a user",
    action: "user.manage",
    request: async () => ["POST", "/api/users", { email: `walk-${Math.random().toString(36).slice(2)}@test.local`, name: "Walk", roles: ["ENGINEER"] }],
  },
  { name: "change a user's roles", action: "user.manage", request: async () => ["POST", `/api/users/${(await createUser(t.db, ["ENGINEER"])).id}/roles`, { roles: ["SRE"] }] },
  { name: "disable a user", action: "user.manage", request: async () => ["POST", `/api/users/${(await createUser(t.db, ["ENGINEER"])).id}/disable`, { reason: "walk" }] },
  {
    name: "enable a user",
    action: "user.manage",
    request: async () => {
      const user = await createUser(t.db, ["ENGINEER"]);
      await t.db.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
      return ["POST", `/api/users/${user.id}/enable`, {}];
    },
  },
];

/** Admin-only reads: the users list and the audit trail (browse, verify, export). */
const ADMIN_READ_ROUTES = ["/api/users", "/api/audit", "/api/audit/verification", "/api/audit/export"];

const READ_ROUTES = ["/api/programs", "/api/runs", "/api/hosts", "/api/enrollment-tokens", "/api/hosts/matches?selector=role%3Ddb"];

describe("authorization of every mutating route, by role", () => {
  for (const route of MUTATING_ROUTES) {
    for (const caller of ["anonymous", "engineer", "reviewer", "sre", "admin"] as Caller[]) {
      const allowed = caller !== "anonymous" && (PERMISSIONS[route.action] as readonly Role[]).includes(caller.toUpperCase() as Role);
      it(`${route.name} as ${caller}: ${allowed ? "allowed" : "refused"}`, async () => {
        const [method, path, body] = await route.request();
        const { status, json } = await call(caller, method, path, body);
        if (caller === "anonymous") {
          expect(status).toBe(401);
          expect(json?.error?.message).toBe("Sign in first.");
        } else if (!allowed) {
          expect(status).toBe(403);
          expect(json?.error?.message).toMatch(/^This needs one of the roles: /);
        } else {
          expect([200, 201], JSON.stringify(json)).toContain(status);
        }
      });
    }
  }

  it("refused requests write nothing", async () => {
    const count = async () => ({
      programs: await t.db.program.count(),
      revisions: await t.db.revision.count(),
      reviews: await t.db.review.count(),
      tokens: await t.db.enrollmentToken.count(),
    });
    const { programId, revisionId } = await freshRevision();
    const before = await count();
    await call("sre", "POST", "/api/programs", { name: "n", source: SOURCE, durationSec: 5, targetHostIds: [hostId] });
    await call("reviewer", "POST", `/api/programs/${programId}/revisions`, { source: SOURCE, durationSec: 6, targetHostIds: [hostId], baseRevision: 1 });
    await call("engineer", "POST", `/api/revisions/${revisionId}/reviews`, { decision: "approve", reason: "x" });
    await call("engineer", "POST", "/api/enrollment-tokens", { ttlMinutes: 5 });
    expect(await count()).toEqual(before);
  });

  it("read routes need a session", async () => {
    for (const path of READ_ROUTES) expect((await call("anonymous", "GET", path)).status, path).toBe(401);
    expect((await call("engineer", "GET", "/api/enrollment-tokens")).status).toBe(403);
    expect((await call("admin", "GET", "/api/enrollment-tokens")).status).toBe(200);
  });

  it("only admins read users and the audit trail", async () => {
    for (const path of ADMIN_READ_ROUTES) {
      expect((await call("anonymous", "GET", path)).status, path).toBe(401);
      for (const caller of ["engineer", "reviewer", "sre"] as Caller[]) expect((await call(caller, "GET", path)).status, `${caller} ${path}`).toBe(403);
      expect((await call("admin", "GET", path)).status, path).toBe(200);
    }
  });

  it("no route edits or deletes an audit entry", async () => {
    for (const path of ["/api/audit", "/api/audit/export", "/api/audit/verification"]) {
      for (const method of ["POST", "PUT", "PATCH", "DELETE"])
        expect((await fetch(`${web.url}${path}`, { method, headers: { cookie: cookies.admin!, origin: web.url } })).status, `${method} ${path}`).toBe(405);
    }
  });

  it("a state-changing request from another site is refused even with a session", async () => {
    const response = await fetch(`${web.url}/api/enrollment-tokens`, {
      method: "POST",
      headers: { cookie: cookies.admin!, "content-type": "application/json", origin: "https://evil.example" },
      body: JSON.stringify({ ttlMinutes: 5 }),
    });
    expect(response.status).toBe(403);
  });
});

describe("bad input gets a clear 4xx and changes nothing", () => {
  it("malformed JSON, an empty body, wrong types", async () => {
    expect(await call("engineer", "POST", "/api/programs", undefined, "{not json")).toMatchObject({
      status: 400,
      json: { error: { message: "The request body is not valid JSON." } },
    });
    expect(await call("engineer", "POST", "/api/programs", undefined, "")).toMatchObject({
      status: 400,
      json: { error: { message: "The request body is empty; send a JSON object." } },
    });
    const wrongType = await call("engineer", "POST", "/api/programs", { name: "n", source: SOURCE, durationSec: "five", targetHostIds: [hostId] });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json?.error?.message).toMatch(/durationSec: The duration limit must be a number of seconds/);
  });

  it("an empty or oversized program", async () => {
    const empty = await call("engineer", "POST", "/api/programs", { name: "n", source: "   \n", durationSec: 5, targetHostIds: [hostId] });
    expect(empty).toMatchObject({ status: 400 });
    expect(empty.json?.error?.message).toMatch(/source: The program is empty\./);
    const huge = await call("engineer", "POST", "/api/programs", { name: "n", source: "x".repeat(70 * 1024), durationSec: 5, targetHostIds: [hostId] });
    expect(huge.status).toBe(400);
    expect(huge.json?.error?.message).toMatch(/longer than 64 KiB/);
    const tooLarge = await call("engineer", "POST", "/api/programs", { name: "n", source: "x".repeat(300 * 1024), durationSec: 5, targetHostIds: [hostId] });
    expect(tooLarge.status).toBe(413);
  });

  it("unknown and malformed ids", async () => {
    expect(await call("reviewer", "POST", "/api/revisions/doesnotexist/reviews", { decision: "approve", reason: "x" })).toMatchObject({
      status: 404,
      json: { error: { message: "No such revision." } },
    });
    expect(await call("sre", "POST", "/api/runs/doesnotexist/stop")).toMatchObject({ status: 404, json: { error: { message: "No such run." } } });
    const malformed = await call("engineer", "GET", "/api/programs/bad%20id!");
    expect(malformed.status).toBe(400);
    expect(malformed.json?.error?.message).toMatch(/programId is not a valid id/);
  });

  it("a decision without a reason, and an unknown decision", async () => {
    const { revisionId } = await freshRevision();
    const noReason = await call("reviewer", "POST", `/api/revisions/${revisionId}/reviews`, { decision: "approve", reason: "  " });
    expect(noReason.status).toBe(400);
    expect(noReason.json?.error?.message).toMatch(/A decision needs a written reason/);
    expect((await call("reviewer", "POST", `/api/revisions/${revisionId}/reviews`, { decision: "maybe", reason: "x" })).status).toBe(400);
    expect(await t.db.review.count({ where: { revisionId } })).toBe(0);
  });

  it("enrollment with a bad token, and a token used twice", async () => {
    const bad = await call("anonymous", "POST", "/api/agent/enroll", { token: "wbe_not-a-real-token", hostName: "h1" });
    expect(bad).toMatchObject({ status: 401, json: { error: { message: "The enrollment token is unknown, used or expired." } } });
    const { json } = await call("admin", "POST", "/api/enrollment-tokens", { ttlMinutes: 5 });
    const token = (json as unknown as { token: string }).token;
    expect((await call("anonymous", "POST", "/api/agent/enroll", { token, hostName: "h2" })).status).toBe(201);
    expect((await call("anonymous", "POST", "/api/agent/enroll", { token, hostName: "h3" })).status).toBe(401);
    expect(await t.db.host.count({ where: { name: { in: ["h1", "h3"] } } })).toBe(0);
  });

  it("labels and selectors that do not parse, and agent labels the token does not allow", async () => {
    const badSelector = await call("engineer", "POST", "/api/programs", { name: "n", source: SOURCE, durationSec: 5, targetSelector: "role==db" });
    expect(badSelector.status).toBe(400);
    expect(badSelector.json?.error?.message).toMatch(/targetSelector: The selector's term 1 \("role==db"\) has "=="/);
    const noTarget = await call("engineer", "POST", "/api/programs", { name: "n", source: SOURCE, durationSec: 5, targetHostIds: [] });
    expect(noTarget.status).toBe(400);
    expect(noTarget.json?.error?.message).toMatch(/Choose at least one target host, or a label selector/);
    const badQuery = await call("engineer", "GET", `/api/hosts/matches?selector=${encodeURIComponent("role=db,,x")}`);
    expect(badQuery.status).toBe(400);
    expect(badQuery.json?.error?.message).toMatch(/term 2 is empty/);
    expect((await call("engineer", "GET", "/api/hosts/matches")).status).toBe(400);

    const badLabels = await call("admin", "PUT", `/api/hosts/${hostId}/labels`, { labels: ["Role=db"] });
    expect(badLabels.status).toBe(400);
    expect(badLabels.json?.error?.message).toMatch(/labels: The label "Role=db" has a bad key/);
    expect((await call("admin", "PUT", "/api/hosts/no-such-host/labels", { labels: [] })).status).toBe(404);
    const badToken = await call("admin", "POST", "/api/enrollment-tokens", { ttlMinutes: 5, labels: ["role=db", "role=web"] });
    expect(badToken.status).toBe(400);

    const { json } = await call("admin", "POST", "/api/enrollment-tokens", { ttlMinutes: 5, labels: ["role=db"] });
    const token = (json as unknown as { token: string }).token;
    const proposed = await call("anonymous", "POST", "/api/agent/enroll", { token, hostName: "h-labels", labels: ["role=web"] });
    expect(proposed.status).toBe(422);
    expect(proposed.json?.error?.message).toMatch(/does not let the agent choose labels/);
    const enrolled = await call("anonymous", "POST", "/api/agent/enroll", { token, hostName: "h-labels" });
    expect(enrolled).toMatchObject({ status: 201, json: { labels: ["role=db"] } });
    const matches = await call("engineer", "GET", "/api/hosts/matches?selector=role%3Ddb&limit=5");
    expect(matches).toMatchObject({ status: 200, json: { selector: "role=db", truncated: false } });
    expect((matches.json as unknown as { hosts: { name: string }[] }).hosts.map((h) => h.name)).toContain("h-labels");
  });

  it("the server logged no unhandled error", () => {
    expect(web.output()).not.toMatch(/unhandled error/);
  });
});
