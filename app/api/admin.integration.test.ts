// The admin pages' API over real HTTP against the production server: role
// changes apply to the user's very next request, a disabled user's session
// stops at once, admins cannot lock themselves out, and the audit trail can
// be browsed, filtered, exported as JSON lines and verified.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_GENESIS_HASH, auditRowHash } from "@/lib/server/data/audit.ts";
import type { CanonicalValue } from "@/lib/shared/canonical-json.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, type TestUser } from "@/test/factories.ts";
import { signInCookie, startWebServer, type WebServer } from "@/test/web-server.ts";

let t: TestDatabase;
let web: WebServer;
let admin: TestUser;
let adminCookie: string;

beforeAll(async () => {
  t = await createTestDatabase();
  admin = await createUser(t.db, ["ADMIN"]);
  web = await startWebServer(t.url);
  adminCookie = await signInCookie(web.url, admin.email, admin.password);
}, 180_000);

afterAll(async () => {
  await web?.stop();
  await t?.drop();
});

type Answer = { status: number; json: Record<string, unknown> & { error?: { code: string; message: string } } };

/** A page's HTML without the markers React puts between adjacent text parts. */
async function pageText(path: string, cookie: string): Promise<string> {
  return (await (await fetch(`${web.url}${path}`, { headers: { cookie } })).text()).replaceAll("<!-- -->", "");
}

async function call(cookie: string | null, method: "GET" | "POST", path: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { origin: web.url };
  if (cookie) headers.cookie = cookie;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${web.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, json: (await response.json().catch(() => ({}))) as Answer["json"] };
}

describe("users and roles", () => {
  it("a role change applies to the user's next request, with the session they already have, and is audited", async () => {
    const user = await createUser(t.db, ["ENGINEER"]);
    const cookie = await signInCookie(web.url, user.email, user.password);
    expect((await call(cookie, "GET", "/api/audit")).status).toBe(403);

    expect(await call(adminCookie, "POST", `/api/users/${user.id}/roles`, { roles: ["ENGINEER", "ADMIN"], reason: "covering for Ada" })).toMatchObject({
      status: 200,
      json: { roles: ["ENGINEER", "ADMIN"], changed: true },
    });
    expect((await call(cookie, "GET", "/api/audit")).status).toBe(200);

    await call(adminCookie, "POST", `/api/users/${user.id}/roles`, { roles: ["ENGINEER"] });
    expect((await call(cookie, "GET", "/api/audit")).status).toBe(403);

    const changes = await t.db.auditEvent.findMany({
      where: { action: "user.roles-change", targetId: user.id },
      orderBy: { id: "asc" },
      select: { actorName: true, fromState: true, toState: true, reason: true },
    });
    expect(changes).toEqual([
      { actorName: admin.name, fromState: "ENGINEER", toState: "ENGINEER,ADMIN", reason: "covering for Ada" },
      { actorName: admin.name, fromState: "ENGINEER,ADMIN", toState: "ENGINEER", reason: null },
    ]);
  });

  it("a disabled user's open session stops working at once, and they cannot sign in again", async () => {
    const user = await createUser(t.db, ["SRE"]);
    const cookie = await signInCookie(web.url, user.email, user.password);
    expect((await call(cookie, "GET", "/api/runs")).status).toBe(200);

    expect(await call(adminCookie, "POST", `/api/users/${user.id}/disable`, { reason: "laptop stolen" })).toMatchObject({ status: 200, json: { sessionsEnded: 1 } });
    expect((await call(cookie, "GET", "/api/runs")).status).toBe(401);
    await expect(signInCookie(web.url, user.email, user.password)).rejects.toThrow(/sign-in failed/);
    expect(await t.db.auditEvent.findFirst({ where: { action: "user.disable", targetId: user.id }, select: { reason: true, toState: true } })).toEqual({
      reason: "laptop stolen",
      toState: "DISABLED",
    });
  });

  it("an admin cannot remove their own admin role or disable themselves", async () => {
    expect(await call(adminCookie, "POST", `/api/users/${admin.id}/roles`, { roles: ["ENGINEER"] })).toMatchObject({
      status: 422,
      json: { error: { message: "You cannot remove your own admin role; another admin has to." } },
    });
    expect(await call(adminCookie, "POST", `/api/users/${admin.id}/disable`, {})).toMatchObject({
      status: 422,
      json: { error: { message: "You cannot disable your own account; another admin has to." } },
    });
    expect((await call(adminCookie, "GET", "/api/users")).status).toBe(200);
  });

  it("creates a user whose initial password is shown once and works; the list never carries a password hash", async () => {
    const email = `created-${Date.now()}@test.local`;
    const created = await call(adminCookie, "POST", "/api/users", { email, name: "Created Over HTTP", roles: ["REVIEWER"] });
    expect(created.status).toBe(201);
    const password = created.json.initialPassword as string;
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const cookie = await signInCookie(web.url, email, password);
    expect((await call(cookie, "GET", "/api/programs")).status).toBe(200);

    const list = await call(adminCookie, "GET", "/api/users");
    expect(list.json.users).toEqual(expect.arrayContaining([expect.objectContaining({ email, roles: ["REVIEWER"], disabledAt: null })]));
    expect(JSON.stringify(list.json)).not.toMatch(/scrypt|passwordHash/);
    expect((await call(adminCookie, "POST", "/api/users", { email, name: "Again", roles: ["SRE"] })).status).toBe(409);
    const bad = await call(adminCookie, "POST", "/api/users", { email: "x@test.local", name: "X", roles: ["ROOT"] });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.message).toMatch(/roles\.0: A role is one of: engineer, reviewer, sre, admin, security_reviewer\./);
  });

  it("the admin pages answer admins only", async () => {
    const engineer = await createUser(t.db, ["ENGINEER"]);
    const cookie = await signInCookie(web.url, engineer.email, engineer.password);
    for (const [path, what] of [
      ["/admin/users", "manage users"],
      ["/admin/audit", "read the audit trail"],
    ] as const) {
      expect(await pageText(path, cookie)).toContain(`Your roles do not allow you to ${what}.`);
      expect(await pageText(path, adminCookie)).not.toContain("Your roles do not allow you");
    }
    expect(await pageText("/admin/users", adminCookie)).toContain(engineer.email);
    const auditPage = await pageText("/admin/audit?action=user.roles", adminCookie);
    expect(auditPage).toContain("ENGINEER → ENGINEER,ADMIN");
    expect(auditPage).toContain('href="/api/audit/export?action=user.roles"');
    expect(await pageText("/admin/audit?from=not-a-date", adminCookie)).toContain("The start is not a date and time");
    // The top bar shows admins their pages, and nobody else.
    expect(await pageText("/programs", adminCookie)).toMatch(/href="\/admin\/users">Users<\/a><a href="\/admin\/audit">Audit<\/a>/);
    expect(await pageText("/programs", cookie)).not.toContain('href="/admin/');
  });
});

describe("the audit trail over HTTP", () => {
  it("filters by action and target, pages newest first, and explains a bad filter", async () => {
    const user = await createUser(t.db, ["ENGINEER"]);
    for (const roles of [["SRE"], ["ENGINEER"], ["REVIEWER"]]) await call(adminCookie, "POST", `/api/users/${user.id}/roles`, { roles });
    const first = await call(adminCookie, "GET", `/api/audit?action=user.roles&targetType=user&targetId=${user.id}&limit=2`);
    expect(first.status).toBe(200);
    const events = first.json.events as { id: string; toState: string; actorName: string }[];
    expect(events.map((e) => e.toState)).toEqual(["REVIEWER", "ENGINEER"]);
    const older = await call(adminCookie, "GET", `/api/audit?action=user.roles&targetId=${user.id}&limit=2&before=${first.json.nextBefore}`);
    expect((older.json.events as { toState: string }[]).map((e) => e.toState)).toEqual(["SRE"]);
    expect(older.json.nextBefore).toBeNull();

    const byActor = await call(adminCookie, "GET", `/api/audit?actor=${encodeURIComponent(admin.name)}&targetId=${user.id}`);
    expect((byActor.json.events as unknown[]).length).toBe(3);
    const future = await call(adminCookie, "GET", `/api/audit?targetId=${user.id}&from=2999-01-01T00:00`);
    expect(future.json.events).toEqual([]);

    const backwards = await call(adminCookie, "GET", "/api/audit?from=2026-11-28T00:00&to=2026-11-27T00:00");
    expect(backwards).toMatchObject({ status: 400, json: { error: { message: "Invalid query: to: The time range ends before it starts." } } });
    expect((await call(adminCookie, "GET", "/api/audit?from=yesterday")).json.error?.message).toMatch(/The start is not a date and time/);
  });

  it("exports the filtered trail as streamed JSON lines, and the whole trail verifies offline", async () => {
    const user = await createUser(t.db, ["ENGINEER"]);
    await call(adminCookie, "POST", `/api/users/${user.id}/roles`, { roles: ["SRE"] });
    await call(adminCookie, "POST", `/api/users/${user.id}/disable`, {});

    const filtered = await fetch(`${web.url}/api/audit/export?targetId=${user.id}`, { headers: { cookie: adminCookie } });
    expect(filtered.status).toBe(200);
    expect(filtered.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    expect(filtered.headers.get("content-disposition")).toMatch(/^attachment; filename="workbench-audit-\d{8}T\d{6}Z\.jsonl"$/);
    const lines = (await filtered.text())
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { action: string; id: string });
    expect(lines.map((line) => line.action)).toEqual(["user.roles-change", "user.disable"]);

    const whole = await fetch(`${web.url}/api/audit/export`, { headers: { cookie: adminCookie } });
    const records = (await whole.text())
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown> & { prevHash: string; hash: string; at: string });
    expect(records.length).toBeGreaterThan(10);
    let previous = AUDIT_GENESIS_HASH;
    for (const record of records) {
      expect(record.prevHash).toBe(previous);
      const fields = record as unknown as Parameters<typeof auditRowHash>[0];
      const recomputed = auditRowHash({ ...fields, at: new Date(record.at), data: (record.data as Record<string, CanonicalValue> | null) ?? null });
      expect(recomputed).toBe(record.hash);
      previous = record.hash;
    }
  });

  it("verifies the chain for the admin page", async () => {
    const verified = await call(adminCookie, "GET", "/api/audit/verification");
    expect(verified.status).toBe(200);
    const head = await t.db.auditChainHead.findUniqueOrThrow({ where: { id: 1 }, select: { lastId: true } });
    expect(verified.json.verification).toMatchObject({ ok: true, firstBroken: null });
    // Appends may have happened between the two reads; the head the check saw is at most the current one.
    expect(BigInt((verified.json.verification as { head: { id: string } }).head.id)).toBeLessThanOrEqual(head.lastId);
  });

  it("the server logged no unhandled error", () => {
    expect(web.output()).not.toMatch(/unhandled error/);
  });
});
