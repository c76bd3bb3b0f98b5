// Single sign-on through a real OpenID provider (oidc-provider, started by
// playwright.config.ts; e2e/fixtures/oidc-test-provider.ts), in the browser:
// the code flow with PKCE, state and nonce; groups mapped to roles by
// WORKBENCH_OIDC_GROUP_ROLES; the session rules of every sign-in; and each
// way a sign-in must fail, refused with a sentence that says why.
import { randomBytes } from "node:crypto";
import type { APIRequestContext, Browser, Page, Request } from "@playwright/test";
import { E2E_OIDC, E2E_PORT } from "../playwright.config.ts";
import { UsersAdminPage } from "./pages/users-admin.ts";
import { expect, signIn, test } from "./fixtures/workbench.ts";

const CALLBACK = `http://localhost:${E2E_PORT}/api/auth/callback/oidc`;
const SESSION_MAX_AGE_SEC = 8 * 3600; // WORKBENCH_SESSION_MAX_AGE_SEC's default, which the e2e server keeps

const SIGN_IN_NOT_VERIFIED =
  "Single sign-on was refused: the identity provider's answer did not match this sign-in (its state or nonce) or had expired. Nothing was signed in; start again from this page.";

type ProviderAccount = { id: string; email: string; emailVerified: boolean; name: string; groups: string[]; disabled?: boolean; codeTtlSec?: number };

/** Defines an account in the provider's directory. */
async function defineAccount(request: APIRequestContext, account: ProviderAccount): Promise<void> {
  const response = await request.post(`${E2E_OIDC.issuer}/test/accounts`, { data: account });
  expect(response.status()).toBe(204);
}

/** A workbench user an admin adds on the Users page, and the provider account that carries its email. */
async function personWithAccount(
  browser: Browser,
  request: APIRequestContext,
  roles: string[],
  account: Partial<ProviderAccount> = {},
): Promise<ProviderAccount & { workbenchName: string }> {
  const suffix = randomBytes(4).toString("hex");
  const email = `sso-${suffix}@example.test`;
  const context = await browser.newContext();
  const admin = await context.newPage();
  await signIn(admin, "admin");
  await admin.goto("/admin/users");
  const workbenchName = `SSO person ${suffix}`;
  await new UsersAdminPage(admin).addUser({ email, name: workbenchName, roles });
  await context.close();
  const full = { id: `idp-${suffix}`, email, emailVerified: true, name: `IdP name ${suffix}`, groups: ["wb-engineers"], ...account };
  await defineAccount(request, full);
  return { ...full, workbenchName };
}

/** From the workbench's sign-in page through the provider's form and back. */
async function signInAtProvider(page: Page, accountId: string): Promise<void> {
  await page.goto("/login");
  await page.getByRole("button", { name: "Sign in with Test IdP" }).click();
  await expect(page.getByRole("heading", { name: "Test IdP sign-in" })).toBeVisible();
  await page.getByLabel("Account").fill(accountId);
  await page.getByRole("button", { name: "Continue" }).click();
}

/** The provider's authorization endpoint, where the browser is sent with the request's parameters. */
const isAuthorizationRequest = (url: URL) => url.origin === E2E_OIDC.issuer && url.pathname === "/auth";

/**
 * Lets the test change the provider's redirect back to the workbench before
 * the browser follows it. Playwright routes only a navigation's first
 * request, not the redirects after it, so the route takes the provider's
 * sign-in form submission and follows its redirects itself (with the
 * context's cookies) up to the one that goes to the workbench.
 */
async function onTheWayBack(page: Page, change: (callback: URL) => Promise<void> | void): Promise<void> {
  await page.route(
    (url) => url.origin === E2E_OIDC.issuer && url.pathname.startsWith("/interaction/"),
    async (route) => {
      if (route.request().method() !== "POST") return route.continue();
      let location = (await route.fetch({ maxRedirects: 0 })).headers()["location"];
      while (location && !location.startsWith(`${CALLBACK}?`)) {
        location = (await page.context().request.get(new URL(location, E2E_OIDC.issuer).href, { maxRedirects: 0 })).headers()["location"];
      }
      const callback = new URL(location!);
      await change(callback);
      await route.fulfill({ status: 303, headers: { location: callback.href } });
    },
  );
}

async function expectSignedOut(page: Page): Promise<void> {
  await page.goto("/programs");
  await expect(page).toHaveURL(/\/login\?callbackUrl=/);
}

test("signs in through the provider with PKCE, state and nonce; groups give the roles; signing out ends the session on the server", async ({ browser, request }) => {
  const account = await personWithAccount(browser, request, ["engineer"], { groups: ["wb-reviewers", "wb-sre", "not-mapped"] });
  const context = await browser.newContext();
  const page = await context.newPage();
  const authorization: Request[] = [];
  page.on("request", (r) => {
    if (isAuthorizationRequest(new URL(r.url()))) authorization.push(r);
  });
  await signInAtProvider(page, account.id);
  // Roles come from the groups (wb-reviewers=REVIEWER, wb-sre=SRE), replacing the engineer role the admin gave.
  await expect(page.getByTestId("signed-in-as")).toHaveText(`${account.workbenchName} · reviewer, sre`);

  const params = new URL(authorization[0]!.url()).searchParams;
  expect(params.get("response_type")).toBe("code");
  expect(params.get("code_challenge_method")).toBe("S256");
  expect(params.get("code_challenge")).toMatch(/^[\w-]{43}$/);
  expect(params.get("state")).toBeTruthy();
  expect(params.get("nonce")).toBeTruthy();
  expect(params.get("scope")).toBe("openid email profile groups");

  // The same session as a password sign-in: a cookie that lives WORKBENCH_SESSION_MAX_AGE_SEC ...
  const cookie = (await context.cookies()).find((c) => c.name === "next-auth.session-token")!;
  expect(Math.abs(cookie.expires - (Date.now() / 1000 + SESSION_MAX_AGE_SEC))).toBeLessThan(120);
  // ... and a row on the server that signing out revokes: the copied cookie stops working.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  const replay = await browser.newContext();
  await replay.addCookies([cookie]);
  await expectSignedOut(await replay.newPage());
  expect((await replay.request.get("/api/programs")).status()).toBe(401);
  await replay.close();
  await context.close();
});

test.describe("refused sign-ins", () => {
  let account: ProviderAccount;
  test.beforeAll(async ({ browser, playwright }) => {
    const request = await playwright.request.newContext();
    account = await personWithAccount(browser, request, ["engineer"]);
    await request.dispose();
  });

  test("a tampered state", async ({ page }) => {
    await onTheWayBack(page, (callback) => callback.searchParams.set("state", `${callback.searchParams.get("state")}x`));
    await signInAtProvider(page, account.id);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText(SIGN_IN_NOT_VERIFIED);
    await expectSignedOut(page);
  });

  test("an ID token with another nonce than the one this sign-in sent", async ({ page }) => {
    await page.route(isAuthorizationRequest, (route) => {
      const url = new URL(route.request().url());
      url.searchParams.set("nonce", randomBytes(16).toString("base64url"));
      return route.continue({ url: url.href });
    });
    await signInAtProvider(page, account.id);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText(SIGN_IN_NOT_VERIFIED);
    await expectSignedOut(page);
  });

  test("an authorization code that expired before the workbench redeemed it", async ({ page, request }) => {
    const slow = { ...account, id: `${account.id}-slow`, codeTtlSec: 1 };
    await defineAccount(request, slow);
    // The browser is held on its way back until the provider's 1 s code lifetime has passed.
    await onTheWayBack(page, () => new Promise((resolve) => setTimeout(resolve, 2_500)));
    await signInAtProvider(page, slow.id);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText(SIGN_IN_NOT_VERIFIED);
    await expectSignedOut(page);
  });

  test("an email the provider has not verified", async ({ page, request }) => {
    await defineAccount(request, { ...account, id: `${account.id}-unverified`, emailVerified: false });
    await signInAtProvider(page, `${account.id}-unverified`);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText(
      "Your identity provider has not verified the email on your account, so the workbench cannot tell who you are. Verify it there, then sign in again.",
    );
    await expectSignedOut(page);
  });

  test("an account the provider has disabled", async ({ page, request }) => {
    await defineAccount(request, { ...account, id: `${account.id}-disabled`, disabled: true });
    await signInAtProvider(page, `${account.id}-disabled`);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Your identity provider refused to sign you in (your account there may be disabled). Ask whoever runs it.");
    await expectSignedOut(page);
  });

  test("groups that give no role here", async ({ page, request }) => {
    await defineAccount(request, { ...account, id: `${account.id}-no-groups`, groups: ["marketing"] });
    await signInAtProvider(page, `${account.id}-no-groups`);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText(
      "None of your groups at the identity provider gives a role in the workbench. Ask an admin which group you need.",
    );
    await expectSignedOut(page);
  });

  test("the same account signs in when nothing is tampered with", async ({ page }) => {
    await signInAtProvider(page, account.id);
    await expect(page.getByTestId("signed-in-as")).toContainText("· engineer");
  });
});
