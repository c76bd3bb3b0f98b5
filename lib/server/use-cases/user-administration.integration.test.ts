// Users and roles on the real PostgreSQL: every change audited with before and
// after, sessions ended when an account is disabled, and the workbench never
// left without an admin.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/server/errors.ts";
import { createSession, loadSessionActor } from "@/lib/server/data/users.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, type TestUser } from "@/test/factories.ts";
import { createUserAccount, createUserAccountInput } from "./create-user-account.ts";
import { changeUserRoles, changeUserRolesInput } from "./change-user-roles.ts";
import { disableUser } from "./disable-user.ts";
import { enableUser } from "./enable-user.ts";
import { signInWithPassword } from "./sign-in-with-password.ts";

let t: TestDatabase;
let admin: TestUser;
let engineer: TestUser;

beforeAll(async () => {
  t = await createTestDatabase();
  admin = await createUser(t.db, ["ADMIN"]);
  engineer = await createUser(t.db, ["ENGINEER"]);
});

afterAll(async () => {
  await t?.drop();
});

async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

const signIn = (email: string, password: string) =>
  signInWithPassword(
    t.db,
    { email, password, address: "198.51.100.20" },
    {
      throttle: { maxFailuresPerAccount: 50, maxFailuresPerAddress: 500, windowSec: 60 },
      now: () => new Date(),
    },
  );

const audit = (targetId: string, action: string) =>
  t.db.auditEvent.findMany({ where: { targetId, action }, orderBy: { id: "asc" }, select: { actorName: true, fromState: true, toState: true, reason: true, data: true } });

const input = (raw: unknown) => createUserAccountInput.parse(raw);
const roles = (raw: unknown) => changeUserRolesInput.parse(raw);

describe("creating a user", () => {
  it("makes an account whose generated password, shown once, signs in; audited with its roles", async () => {
    const created = await createUserAccount(t.db, admin, input({ email: " New.Person@Test.Local ", name: "New Person", roles: ["REVIEWER", "ENGINEER"] }));
    expect(created.email).toBe("new.person@test.local");
    expect(created.initialPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await signIn("new.person@test.local", created.initialPassword!)).toMatchObject({ outcome: "signed-in", user: { id: created.id } });
    expect(await audit(created.id, "user.create")).toEqual([
      {
        actorName: admin.name,
        fromState: null,
        toState: "ENGINEER,REVIEWER",
        reason: null,
        data: { email: "new.person@test.local", name: "New Person", passwordSetBy: "generated" },
      },
    ]);
    // The password itself is nowhere in the trail or the user row.
    const row = await t.db.user.findUniqueOrThrow({ where: { id: created.id }, select: { passwordHash: true } });
    expect(row.passwordHash).not.toContain(created.initialPassword!);
    const entries = await t.db.auditEvent.findMany({ where: { targetId: created.id }, select: { data: true, reason: true, toState: true } });
    expect(JSON.stringify(entries)).not.toContain(created.initialPassword!);
  });

  it("takes a password the admin chose, refuses a duplicate email and a non-admin", async () => {
    const chosen = await createUserAccount(t.db, admin, input({ email: "chosen@test.local", name: "Chosen", roles: ["SRE"], password: "correct horse battery" }));
    expect(chosen.initialPassword).toBeNull();
    expect((await signIn("chosen@test.local", "correct horse battery")).outcome).toBe("signed-in");
    expect((await appErrorOf(createUserAccount(t.db, admin, input({ email: "CHOSEN@test.local", name: "Again", roles: ["SRE"] })))).message).toBe(
      "A user with this email already exists.",
    );
    expect((await appErrorOf(createUserAccount(t.db, engineer, input({ email: "sneaky@test.local", name: "S", roles: ["ADMIN"] })))).code).toBe("FORBIDDEN");
    expect(await t.db.user.count({ where: { email: "sneaky@test.local" } })).toBe(0);
  });

  it("explains bad input", () => {
    const result = createUserAccountInput.safeParse({ email: "not-an-email", name: " ", roles: [], password: "short" });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => issue.message)).toEqual([
      "That is not an email address.",
      "A name is needed.",
      "Pick at least one role; to shut someone out, disable the account.",
      "A password has at least 12 characters.",
    ]);
  });
});

describe("changing roles", () => {
  it("replaces the roles and audits before, after and the reason; an unchanged set writes nothing", async () => {
    const user = await createUser(t.db, ["ENGINEER"]);
    expect(await changeUserRoles(t.db, admin, user.id, roles({ roles: ["SRE", "ENGINEER"], reason: "on call this quarter" }))).toEqual({
      roles: ["ENGINEER", "SRE"],
      changed: true,
    });
    expect(await changeUserRoles(t.db, admin, user.id, roles({ roles: ["ENGINEER", "SRE"] }))).toEqual({ roles: ["ENGINEER", "SRE"], changed: false });
    expect(await audit(user.id, "user.roles-change")).toEqual([
      { actorName: admin.name, fromState: "ENGINEER", toState: "ENGINEER,SRE", reason: "on call this quarter", data: { email: user.email, name: user.name } },
    ]);
    expect((await t.db.user.findUniqueOrThrow({ where: { id: user.id }, select: { roles: true } })).roles).toEqual(["ENGINEER", "SRE"]);
  });

  it("refuses an admin removing their own admin role, and an unknown user", async () => {
    const error = await appErrorOf(changeUserRoles(t.db, admin, admin.id, roles({ roles: ["ENGINEER"] })));
    expect(error).toMatchObject({ code: "UNPROCESSABLE", message: "You cannot remove your own admin role; another admin has to." });
    expect((await t.db.user.findUniqueOrThrow({ where: { id: admin.id }, select: { roles: true } })).roles).toEqual(["ADMIN"]);
    expect((await appErrorOf(changeUserRoles(t.db, admin, "no-such-user", roles({ roles: ["SRE"] })))).code).toBe("NOT_FOUND");
  });

  it("refuses an admin giving their own account a role that approves; another admin can, and the audit entry names both", async () => {
    const first = await createUser(t.db, ["ADMIN"]);
    const second = await createUser(t.db, ["ADMIN"]);
    const reviewerSelf = await appErrorOf(changeUserRoles(t.db, first, first.id, roles({ roles: ["ADMIN", "REVIEWER"] })));
    expect(reviewerSelf).toMatchObject({
      code: "UNPROCESSABLE",
      message: "You cannot give yourself the reviewer role: a role that approves programs has to come from another admin.",
    });
    const securitySelf = await appErrorOf(changeUserRoles(t.db, first, first.id, roles({ roles: ["ADMIN", "ENGINEER", "SECURITY_REVIEWER"] })));
    expect(securitySelf.message).toBe("You cannot give yourself the security reviewer role: a role that approves programs has to come from another admin.");
    expect((await t.db.user.findUniqueOrThrow({ where: { id: first.id }, select: { roles: true } })).roles).toEqual(["ADMIN"]);
    expect(await audit(first.id, "user.roles-change")).toEqual([]);

    // Roles that do not approve are still the admin's own business.
    expect(await changeUserRoles(t.db, first, first.id, roles({ roles: ["ADMIN", "SRE"] }))).toMatchObject({ changed: true });

    // Another admin grants it; the entry shows who granted it and to whom.
    expect(await changeUserRoles(t.db, second, first.id, roles({ roles: ["ADMIN", "SRE", "SECURITY_REVIEWER"], reason: "second pair of eyes" }))).toMatchObject({ changed: true });
    const granted = await t.db.auditEvent.findFirstOrThrow({
      where: { targetId: first.id, action: "user.roles-change", toState: { contains: "SECURITY_REVIEWER" } },
      select: { actorId: true, actorName: true, targetType: true, targetId: true, fromState: true, toState: true, reason: true, data: true },
    });
    expect(granted).toEqual({
      actorId: second.id,
      actorName: second.name,
      targetType: "user",
      targetId: first.id,
      fromState: "SRE,ADMIN",
      toState: "SRE,ADMIN,SECURITY_REVIEWER",
      reason: "second pair of eyes",
      data: { email: first.email, name: first.name },
    });

    // A role already held is not a grant: the admin keeps it through other changes, and may drop it.
    expect(await changeUserRoles(t.db, first, first.id, roles({ roles: ["ADMIN", "SECURITY_REVIEWER"] }))).toMatchObject({ changed: true });
    expect(await changeUserRoles(t.db, first, first.id, roles({ roles: ["ADMIN"] }))).toMatchObject({ changed: true });
  });

  it("two admins demoting each other at once leave one admin standing", async () => {
    const first = await createUser(t.db, ["ADMIN"]);
    const second = await createUser(t.db, ["ADMIN"]);
    const results = await Promise.allSettled([
      changeUserRoles(t.db, first, second.id, roles({ roles: ["ENGINEER"] })),
      changeUserRoles(t.db, second, first.id, roles({ roles: ["ENGINEER"] })),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: "FORBIDDEN", message: "You are no longer an admin." });
    const stillAdmin = await t.db.user.count({ where: { id: { in: [first.id, second.id] }, roles: { has: "ADMIN" } } });
    expect(stillAdmin).toBe(1);
  });
});

describe("disabling a user", () => {
  it("ends every open session at once, refuses sign-in, and audits it; enabling lets them sign in again", async () => {
    const user = await createUser(t.db, ["ENGINEER"]);
    const later = new Date(Date.now() + 3600_000);
    const sessions = [await createSession(t.db, user.id, later), await createSession(t.db, user.id, later)];
    expect(await loadSessionActor(t.db, sessions[0]!)).not.toBeNull();

    expect(await disableUser(t.db, admin, user.id, { reason: "left the company" })).toMatchObject({ sessionsEnded: 2 });
    for (const sid of sessions) expect(await loadSessionActor(t.db, sid)).toBeNull();
    expect(await t.db.session.count({ where: { userId: user.id, revokedAt: null } })).toBe(0);
    expect(await signIn(user.email, user.password)).toEqual({ outcome: "refused" });
    expect(await audit(user.id, "user.disable")).toEqual([
      { actorName: admin.name, fromState: "ACTIVE", toState: "DISABLED", reason: "left the company", data: { email: user.email, sessionsEnded: 2 } },
    ]);
    expect((await appErrorOf(disableUser(t.db, admin, user.id, { reason: null }))).code).toBe("CONFLICT");

    await enableUser(t.db, admin, user.id, { reason: "came back" });
    expect((await signIn(user.email, user.password)).outcome).toBe("signed-in");
    expect(await loadSessionActor(t.db, sessions[0]!)).toBeNull(); // ended sessions stay ended
    expect(await audit(user.id, "user.enable")).toMatchObject([{ fromState: "DISABLED", toState: "ACTIVE", reason: "came back" }]);
  });

  it("refuses an admin disabling themselves, and a disabled admin's stale session object", async () => {
    expect(await appErrorOf(disableUser(t.db, admin, admin.id, { reason: null }))).toMatchObject({
      code: "UNPROCESSABLE",
      message: "You cannot disable your own account; another admin has to.",
    });
    const other = await createUser(t.db, ["ADMIN"]);
    await disableUser(t.db, admin, other.id, { reason: null });
    // `other` as loaded before the change: the use case checks the database, not the object.
    expect((await appErrorOf(changeUserRoles(t.db, other, engineer.id, roles({ roles: ["ADMIN"] })))).code).toBe("FORBIDDEN");
    expect((await t.db.user.findUniqueOrThrow({ where: { id: engineer.id }, select: { roles: true } })).roles).toEqual(["ENGINEER"]);
  });
});
