// Signing in and out over real HTTP against the production server: sign-out
// and expiry end the session server-side, failed sign-ins are throttled per
// email and per client address (X-Forwarded-For trusted only behind a proxy
// the operator declares), and single sign-on through a MOCK OpenID Connect
// issuer maps a verified email to an existing user or is refused and audited.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_GENESIS_HASH } from "@/lib/server/data/audit.ts";
import { createTestDatabase, type TestDatabase } from "@/test/test-database.ts";
import { createUser, type TestUser } from "@/test/factories.ts";
import { signInCookie, startWebServer, type WebServer } from "@/test/web-server.ts";
import { startMockOidcIssuer, type MockOidcIssuer } from "@/test/mock-oidc-issuer.ts";

const ACCOUNT_LIMIT = 3;
const ADDRESS_LIMIT = 10;
const THROTTLE_ENV = {
  WORKBENCH_LOGIN_MAX_FAILURES_PER_ACCOUNT: String(ACCOUNT_LIMIT),
  WORKBENCH_LOGIN_MAX_FAILURES_PER_ADDRESS: String(ADDRESS_LIMIT),
  WORKBENCH_LOGIN_THROTTLE_WINDOW_SEC: "900",
};

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
}, 60_000);

afterAll(async () => {
  await t?.drop();
});

/** A tiny cookie jar: name=value pairs, updated from Set-Cookie headers. */
class Cookies {
  private readonly jar = new Map<string, string>();
  take(response: Response): this {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const index = pair!.indexOf("=");
      this.jar.set(pair!.slice(0, index), pair!.slice(index + 1));
    }
    return this;
  }
  get(name: string): string | undefined {
    return this.jar.get(name) || undefined;
  }
  header(): string {
    return [...this.jar]
      .filter(([, value]) => value)
      .map(([name, value]) => `${name}=${value}`)
      .join("; ");
  }
}

/** The login form's request (next-auth's credentials callback, JSON mode): the status, the `error` it reports, and the session cookie if any. */
async function tryPassword(baseUrl: string, email: string, password: string, headers: Record<string, string> = {}) {
  const jar = new Cookies();
  const csrf = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  jar.take(csrf);
  const response = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header(), ...headers },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  const { url } = (await response.json()) as { url: string };
  jar.take(response);
  return { status: response.status, error: new URL(url).searchParams.get("error"), session: jar.get("next-auth.session-token") ?? null };
}

async function getWithCookie(baseUrl: string, path: string, cookie: string) {
  return (await fetch(`${baseUrl}${path}`, { headers: { cookie } })).status;
}

describe("sessions over HTTP", () => {
  let web: WebServer;
  let user: TestUser;

  beforeAll(async () => {
    web = await startWebServer(t.url, THROTTLE_ENV);
    user = await createUser(t.db, ["ENGINEER"]);
  }, 180_000);

  afterAll(async () => {
    await web?.stop();
  });

  it("signing out ends the session on the server: the old cookie gets 401", async () => {
    const cookie = await signInCookie(web.url, user.email, user.password);
    expect(await getWithCookie(web.url, "/api/programs", cookie)).toBe(200);

    // The sign-out button's request: next-auth's signout endpoint with its CSRF token.
    const jar = new Cookies();
    const csrf = await fetch(`${web.url}/api/auth/csrf`, { headers: { cookie } });
    jar.take(csrf);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const signOut = await fetch(`${web.url}/api/auth/signout`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: `${cookie}; ${jar.header()}` },
      body: new URLSearchParams({ csrfToken, json: "true" }),
    });
    expect(signOut.status).toBe(200);

    // A copy of the cookie kept from before (a stolen one, say) no longer works.
    expect(await getWithCookie(web.url, "/api/programs", cookie)).toBe(401);
    const logout = await t.db.auditEvent.findFirst({ where: { action: "auth.logout", targetId: user.id }, select: { actorName: true } });
    expect(logout).toEqual({ actorName: user.name });
    const login = await t.db.auditEvent.findFirst({ where: { action: "auth.login", targetId: user.id }, select: { data: true } });
    expect(login?.data).toMatchObject({ provider: "credentials", address: "127.0.0.1" });
  });

  it("an expired session stops working even though its cookie is still signed", async () => {
    const cookie = await signInCookie(web.url, user.email, user.password);
    expect(await getWithCookie(web.url, "/api/programs", cookie)).toBe(200);
    await t.db.session.updateMany({ where: { userId: user.id, revokedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await getWithCookie(web.url, "/api/programs", cookie)).toBe(401);
  });

  it("locks an email after 3 failures, even for the right password, and answers the same for an email no account has", async () => {
    const victim = await createUser(t.db, ["REVIEWER"]);
    const known: { status: number; error: string | null }[] = [];
    const unknown: { status: number; error: string | null }[] = [];
    for (let i = 0; i < ACCOUNT_LIMIT; i++) {
      known.push(await tryPassword(web.url, victim.email, `guess ${i}`));
      unknown.push(await tryPassword(web.url, "nobody@test.local", `guess ${i}`));
    }
    const right = await tryPassword(web.url, victim.email, victim.password);
    known.push(right);
    unknown.push(await tryPassword(web.url, "nobody@test.local", victim.password));

    expect(known.map((r) => [r.status, r.error])).toEqual([
      [401, "CredentialsSignin"],
      [401, "CredentialsSignin"],
      [401, "TooManyAttempts:15"],
      [401, "TooManyAttempts:15"],
    ]);
    expect(unknown.map((r) => [r.status, r.error])).toEqual(known.map((r) => [r.status, r.error]));
    expect(right.session).toBeNull();
    const locked = await t.db.auditEvent.findMany({ where: { action: "auth.login-locked", targetId: victim.id }, select: { data: true } });
    expect(locked).toEqual([{ data: expect.objectContaining({ scope: "account", address: "127.0.0.1" }) }]);
  });

  it("locks a client address after too many failures across emails; a forged X-Forwarded-For does not get around it", async () => {
    const bystander = await createUser(t.db, ["SRE"]);
    // The earlier test's failures came from this address too; guess on until it locks.
    let last = { status: 0, error: null as string | null };
    for (let i = 0; i < ADDRESS_LIMIT + 1 && last.error !== `TooManyAttempts:15`; i++) {
      last = await tryPassword(web.url, `spray-${i}@test.local`, "Winter2026!", { "x-forwarded-for": `203.0.113.${i + 1}` });
    }
    expect(last.error).toBe("TooManyAttempts:15");
    const failures = await t.db.auditEvent.count({ where: { action: "auth.login-failed", data: { path: ["address"], equals: "127.0.0.1" } } });
    expect(failures).toBe(ADDRESS_LIMIT);
    expect(await tryPassword(web.url, bystander.email, bystander.password, { "x-forwarded-for": "198.51.100.77" })).toMatchObject({ error: "TooManyAttempts:15", session: null });
    expect(await t.db.auditEvent.count({ where: { action: "auth.login-locked", targetType: "address", targetId: "127.0.0.1" } })).toBe(1);

    // Fifteen minutes later (the attempts aged in the database rather than waited for), the lock has lifted.
    await t.db.$executeRaw`UPDATE "LoginAttempt" SET "at" = "at" - interval '16 minutes'`;
    expect((await tryPassword(web.url, bystander.email, bystander.password)).session).not.toBeNull();
  });
});

describe("behind a trusted proxy, and single sign-on (mock OIDC issuer)", () => {
  let web: WebServer;
  let idp: MockOidcIssuer;

  beforeAll(async () => {
    idp = await startMockOidcIssuer();
    web = await startWebServer(t.url, {
      ...THROTTLE_ENV,
      WORKBENCH_TRUST_PROXY: "1",
      WORKBENCH_AUTH_PROVIDERS: "credentials,oidc",
      WORKBENCH_OIDC_ISSUER: idp.issuer,
      WORKBENCH_OIDC_CLIENT_ID: idp.clientId,
      WORKBENCH_OIDC_CLIENT_SECRET: idp.clientSecret,
      WORKBENCH_OIDC_NAME: "Mock IdP",
    });
  }, 180_000);

  afterAll(async () => {
    await web?.stop();
    await idp?.close();
  });

  it("takes the address the proxy appended, so one client's lockout is not everyone's", async () => {
    const user = await createUser(t.db, ["ENGINEER"]);
    for (let i = 0; i < ADDRESS_LIMIT; i++) {
      // The client typed its own X-Forwarded-For; the proxy appended the address it saw.
      await tryPassword(web.url, `proxy-spray-${i}@test.local`, "nope", { "x-forwarded-for": `10.9.9.${i}, 192.0.2.66` });
    }
    expect((await tryPassword(web.url, user.email, user.password, { "x-forwarded-for": "192.0.2.66" })).error).toBe("TooManyAttempts:15");
    const other = await tryPassword(web.url, user.email, user.password, { "x-forwarded-for": "10.9.9.1, 192.0.2.67" });
    expect(other.session).not.toBeNull();
    const login = await t.db.auditEvent.findFirst({ where: { action: "auth.login", targetId: user.id }, orderBy: { id: "desc" }, select: { data: true } });
    expect(login?.data).toMatchObject({ address: "192.0.2.67" });
  });

  /** The browser's single sign-on round trip: start, the IdP's redirect back, and the callback. */
  async function signInWithIdp() {
    const jar = new Cookies();
    const csrf = await fetch(`${web.url}/api/auth/csrf`);
    jar.take(csrf);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const start = await fetch(`${web.url}/api/auth/signin/oidc`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.header() },
      body: new URLSearchParams({ csrfToken, callbackUrl: `${web.url}/programs`, json: "true" }),
    });
    jar.take(start);
    const { url: authorizeUrl } = (await start.json()) as { url: string };
    expect(authorizeUrl.startsWith(`${idp.issuer}/authorize?`)).toBe(true);
    const back = await fetch(authorizeUrl, { redirect: "manual" });
    const callback = await fetch(back.headers.get("location")!, { redirect: "manual", headers: { cookie: jar.header() } });
    jar.take(callback);
    return { location: callback.headers.get("location") ?? "", session: jar.get("next-auth.session-token") ?? null };
  }

  it("signs in a user whose verified email the IdP vouches for, into the same kind of session", async () => {
    const engineer = await createUser(t.db, ["ENGINEER"]);
    idp.signInAs({ sub: "idp-user-1", email: engineer.email.toUpperCase(), email_verified: true, name: "From the IdP" });
    const { location, session } = await signInWithIdp();
    expect(location).toBe(`${web.url}/programs`);
    expect(session).not.toBeNull();
    const cookie = `next-auth.session-token=${session}`;
    expect(await getWithCookie(web.url, "/api/programs", cookie)).toBe(200);
    // Roles stay the workbench's: an engineer is no admin, whatever the IdP says.
    expect(await getWithCookie(web.url, "/api/users", cookie)).toBe(403);
    const login = await t.db.auditEvent.findFirst({ where: { action: "auth.login", targetId: engineer.id }, select: { actorName: true, data: true } });
    expect(login).toMatchObject({ actorName: engineer.name, data: { provider: "oidc" } });
    // The session row expires as a password session's does (e2e/sso.spec.ts signs out of one through the real provider).
    await t.db.session.updateMany({ where: { userId: engineer.id, revokedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await getWithCookie(web.url, "/api/programs", cookie)).toBe(401);
  });

  it("refuses and audits an email no workbench user has, and an email the IdP has not verified", async () => {
    idp.signInAs({ sub: "idp-stranger", email: "stranger@elsewhere.example", email_verified: true });
    const stranger = await signInWithIdp();
    expect(stranger.session).toBeNull();
    expect(stranger.location).toBe("/login?error=SsoNoAccount");

    const engineer = await createUser(t.db, ["ENGINEER"]);
    idp.signInAs({ sub: "idp-unverified", email: engineer.email, email_verified: false });
    const unverified = await signInWithIdp();
    expect(unverified.session).toBeNull();
    expect(unverified.location).toBe("/login?error=SsoEmailUnverified");

    const refusals = await t.db.auditEvent.findMany({
      where: { action: "auth.login-failed", data: { path: ["provider"], equals: "oidc" } },
      orderBy: { id: "asc" },
      select: { actorName: true, reason: true, data: true },
    });
    expect(refusals).toEqual([
      { actorName: "stranger@elsewhere.example", reason: "no account has this email", data: expect.objectContaining({ issuer: idp.issuer, subject: "idp-stranger" }) },
      { actorName: engineer.email, reason: "the identity provider has not verified this email", data: expect.objectContaining({ subject: "idp-unverified" }) },
    ]);
  });

  it("the login page offers the configured provider, and explains a refused single sign-on", async () => {
    const page = (await (await fetch(`${web.url}/login?error=AccessDenied`)).text()).replaceAll("<!-- -->", "");
    expect(page).toContain("Sign in with Mock IdP");
    expect(page).toContain("Your single sign-on account has no access to the workbench.");
    expect(page).not.toContain(idp.clientSecret);
  });
});

it("the audit chain stays intact through all of it", async () => {
  const rows = await t.db.auditEvent.findMany({ orderBy: { id: "asc" }, select: { prevHash: true, hash: true } });
  expect(rows.length).toBeGreaterThan(10);
  let previous = AUDIT_GENESIS_HASH;
  for (const row of rows) {
    expect(row.prevHash).toBe(previous);
    previous = row.hash;
  }
});
