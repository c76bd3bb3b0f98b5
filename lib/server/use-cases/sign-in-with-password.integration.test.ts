// Password sign-in throttling on the real PostgreSQL, with a clock the test
// moves: per email typed, per client address, what a lockout tells (nothing
// about which accounts exist), what is audited, and that the lock lifts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, type TestUser } from "@/test/factories.ts";
import { signInWithPassword, type LoginThrottle, type PasswordSignInResult } from "./sign-in-with-password.ts";

const THROTTLE: LoginThrottle = { maxFailuresPerAccount: 3, maxFailuresPerAddress: 5, windowSec: 15 * 60 };
const MINUTE = 60_000;

let t: TestDatabase;
let clock: Date;
let addressCounter = 0;

beforeAll(async () => {
  t = await createTestDatabase();
  clock = new Date("2026-11-27T09:00:00Z");
});

afterAll(async () => {
  await t?.drop();
});

const freshAddress = () => `192.0.2.${++addressCounter}`;
const tick = (ms: number) => (clock = new Date(clock.getTime() + ms));

function attempt(email: string, password: string, address: string | null): Promise<PasswordSignInResult> {
  return signInWithPassword(t.db, { email, password, address }, { throttle: THROTTLE, now: () => clock });
}

const outcomes = (results: PasswordSignInResult[]) => results.map((r) => r.outcome);

async function auditFor(targetId: string) {
  return t.db.auditEvent.findMany({ where: { targetId }, orderBy: { id: "asc" }, select: { action: true, reason: true, data: true } });
}

describe("throttling per account", () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await createUser(t.db, ["ENGINEER"]);
  });

  it("locks after 3 failures, refuses even the right password, and says the same for an email no account has", async () => {
    const address = freshAddress();
    const known: PasswordSignInResult[] = [];
    const unknown: PasswordSignInResult[] = [];
    for (let i = 0; i < 3; i++) {
      known.push(await attempt(user.email, "wrong password", address));
      unknown.push(await attempt("nobody-here@test.local", "wrong password", address));
      tick(MINUTE);
    }
    known.push(await attempt(user.email, user.password, address));
    unknown.push(await attempt("nobody-here@test.local", user.password, address));
    expect(outcomes(known)).toEqual(["refused", "refused", "throttled", "throttled"]);
    expect(outcomes(unknown)).toEqual(outcomes(known));
    // Locked until the first of the three failures leaves the 15-minute window.
    expect(known[3]).toEqual({ outcome: "throttled", retryAt: new Date(clock.getTime() - 3 * MINUTE + 15 * MINUTE) });

    const audit = await auditFor(user.id);
    expect(audit.map((e) => e.action)).toEqual(["auth.login-failed", "auth.login-failed", "auth.login-failed", "auth.login-locked"]);
    expect(audit[0]).toMatchObject({ reason: "wrong password", data: { provider: "credentials", address } });
    expect(audit[3]).toMatchObject({ reason: "3 failed sign-ins for this email within 15 minutes", data: { scope: "account", address } });
    expect((await auditFor("nobody-here@test.local")).map((e) => e.reason)).toContain("no account has this email");
  });

  it("lifts once the window has passed, without renewing while locked, and a success forgives earlier failures", async () => {
    const address = freshAddress();
    const other = await createUser(t.db, ["SRE"]);
    for (let i = 0; i < 3; i++) await attempt(other.email, "nope", address);
    // Retrying during the lockout does not push it further out.
    for (let i = 0; i < 14; i++) {
      tick(MINUTE);
      expect((await attempt(other.email, other.password, address)).outcome).toBe("throttled");
    }
    tick(MINUTE + 1);
    expect(await attempt(other.email, other.password, address)).toEqual({ outcome: "signed-in", user: { id: other.id, name: other.name, email: other.email } });
    // The success cleared the account's count: two more mistakes are just mistakes.
    expect(outcomes([await attempt(other.email, "typo", address), await attempt(other.email, "typo", address)])).toEqual(["refused", "refused"]);
    expect((await auditFor(other.id)).filter((e) => e.action === "auth.login-locked")).toHaveLength(1);
  });

  it("counts concurrent guesses: a burst gets no more password checks than the limit", async () => {
    const target = await createUser(t.db, ["REVIEWER"]);
    const failures = async () => (await auditFor(target.id)).filter((e) => e.action === "auth.login-failed").length;
    // Attempts in flight count against each other (each is recorded before its
    // password is checked), so a burst may be refused whole; it never gets more checks.
    const burst = await Promise.all(Array.from({ length: 8 }, () => attempt(target.email, "burst guess", freshAddress())));
    expect(burst.filter((r) => r.outcome !== "throttled").length).toBeLessThanOrEqual(THROTTLE.maxFailuresPerAccount);
    expect(await failures()).toBeLessThanOrEqual(THROTTLE.maxFailuresPerAccount);
    // Guessing on, one at a time: the account locks after exactly the limit, burst included.
    for (let i = 0; i < 5 && (await attempt(target.email, "another guess", freshAddress())).outcome !== "throttled"; i++);
    expect(await failures()).toBe(THROTTLE.maxFailuresPerAccount);
    expect((await attempt(target.email, target.password, freshAddress())).outcome).toBe("throttled");
  });

  it("refuses a disabled account with the same answer as a wrong password, and audits why", async () => {
    const disabled = await createUser(t.db, ["ENGINEER"]);
    await t.db.user.update({ where: { id: disabled.id }, data: { disabledAt: clock } });
    expect(await attempt(disabled.email, disabled.password, freshAddress())).toEqual({ outcome: "refused" });
    expect((await auditFor(disabled.id))[0]).toMatchObject({ action: "auth.login-failed", reason: "the account is disabled" });
  });
});

describe("throttling per client address", () => {
  it("locks an address after 5 failures across different emails, for every account, but not other addresses", async () => {
    const attacker = freshAddress();
    const victim = await createUser(t.db, ["ENGINEER"]);
    const results: PasswordSignInResult[] = [];
    for (let i = 0; i < 5; i++) results.push(await attempt(`guess-${i}-${attacker}@test.local`, "123456", attacker));
    expect(outcomes(results)).toEqual(["refused", "refused", "refused", "refused", "throttled"]);
    expect((await attempt(victim.email, victim.password, attacker)).outcome).toBe("throttled");
    expect((await attempt(victim.email, victim.password, freshAddress())).outcome).toBe("signed-in");

    const locks = await t.db.auditEvent.findMany({ where: { action: "auth.login-locked", targetId: attacker }, select: { targetType: true, data: true } });
    expect(locks).toEqual([{ targetType: "address", data: expect.objectContaining({ scope: "address", address: attacker }) }]);

    tick(15 * MINUTE + 1);
    expect((await attempt(victim.email, victim.password, attacker)).outcome).toBe("signed-in");
  });

  it("without a known address, still throttles per account", async () => {
    const user = await createUser(t.db, ["ENGINEER"]);
    for (let i = 0; i < 3; i++) await attempt(user.email, "wrong", null);
    expect((await attempt(user.email, user.password, null)).outcome).toBe("throttled");
  });
});
