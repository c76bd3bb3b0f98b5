import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { getDb } from "@/lib/server/db/client.ts";
import { loadServerEnv, type ServerEnv } from "@/lib/server/env.ts";
import { clientAddress } from "@/lib/server/http/client-address.ts";
import { passwordSignInInput, signInWithPassword } from "@/lib/server/use-cases/sign-in-with-password.ts";
import { matchSingleSignOnUser, type SingleSignOnClaims, type SingleSignOnRefusal } from "@/lib/server/use-cases/match-single-sign-on-user.ts";
import { startSession } from "@/lib/server/use-cases/start-session.ts";
import { signOut } from "@/lib/server/use-cases/sign-out.ts";
import { sameOriginPath } from "@/lib/shared/same-origin-path.ts";

// The edge between next-auth and the workbench: its providers and callbacks
// only translate, and every decision (password check, single sign-on match,
// session start and end, each audited) is a use case's.

declare module "next-auth" {
  interface User {
    /** Where a password sign-in came from, carried from authorize() to the session's audit entry. */
    signInAddress?: string | null;
    /** The workbench user a single sign-on matched, carried from the signIn callback to jwt (one match, one audit entry). */
    workbenchUser?: { id: string; name: string };
  }
}

/**
 * What the login form gets back when sign-ins are throttled:
 * `TooManyAttempts:<minutes>` (app/login/login-form.tsx reads it). Counted
 * per email typed, so it says the same for an email no account has.
 */
export const THROTTLED_SIGN_IN_ERROR = "TooManyAttempts";

/** Email and password accounts stored in the workbench's own database. */
function credentialsProvider(env: ServerEnv) {
  return CredentialsProvider({
    id: "credentials",
    name: "Email and password",
    credentials: {
      email: { label: "Email", type: "email" },
      password: { label: "Password", type: "password" },
    },
    // next-auth 4 in the App Router hands authorize() the request's headers
    // only (no socket); server.ts stamps the peer address into one.
    async authorize(raw, req) {
      const parsed = passwordSignInInput.safeParse(raw);
      if (!parsed.success) return null;
      const address = clientAddress((req?.headers ?? {}) as Record<string, string>, { trustProxy: env.WORKBENCH_TRUST_PROXY });
      const result = await signInWithPassword(
        getDb(),
        { ...parsed.data, address },
        {
          throttle: {
            maxFailuresPerAccount: env.WORKBENCH_LOGIN_MAX_FAILURES_PER_ACCOUNT,
            maxFailuresPerAddress: env.WORKBENCH_LOGIN_MAX_FAILURES_PER_ADDRESS,
            windowSec: env.WORKBENCH_LOGIN_THROTTLE_WINDOW_SEC,
          },
          now: () => new Date(),
        },
      );
      if (result.outcome === "throttled") {
        // next-auth answers 401 with this message as the `error` the login form reads.
        const minutes = Math.max(1, Math.ceil((result.retryAt.getTime() - Date.now()) / 60_000));
        throw new Error(`${THROTTLED_SIGN_IN_ERROR}:${minutes}`);
      }
      if (result.outcome === "refused") return null;
      return { ...result.user, signInAddress: address };
    },
  });
}

export const OIDC_PROVIDER_ID = "oidc";

type OidcClaims = SingleSignOnClaims & { sub: string; name?: string; email?: string };

/**
 * Any OpenID Connect provider, from its issuer URL (discovery), client id and
 * secret. The authorization code flow with PKCE and state; identity comes from
 * the verified ID token (next-auth checks its signature against the issuer's
 * keys, its issuer, audience and expiry). Who the person is in the workbench
 * is decided by matchSingleSignOnUser in the signIn callback below.
 */
function oidcProvider(env: ServerEnv): OAuthConfig<OidcClaims> {
  const issuer = env.WORKBENCH_OIDC_ISSUER!.replace(/\/+$/, "");
  return {
    id: OIDC_PROVIDER_ID,
    name: env.WORKBENCH_OIDC_NAME,
    type: "oauth",
    wellKnown: `${issuer}/.well-known/openid-configuration`,
    clientId: env.WORKBENCH_OIDC_CLIENT_ID,
    clientSecret: env.WORKBENCH_OIDC_CLIENT_SECRET,
    authorization: { params: { scope: env.WORKBENCH_OIDC_SCOPES } },
    idToken: true,
    // PKCE (RFC 7636) binds the code to this browser's sign-in; state and the
    // ID token's nonce (OIDC Core 1.0 §3.1.2.1) to this very request, each kept
    // in a cookie and checked on the way back.
    checks: ["pkce", "state", "nonce"],
    profile: (claims) => ({ id: claims.sub, name: claims.name ?? claims.email ?? claims.sub, email: claims.email ?? null }),
  };
}

/** The providers WORKBENCH_AUTH_PROVIDERS names, in its order; every one ends in the same session row. */
export function configuredProviders(env: ServerEnv) {
  const names = env.WORKBENCH_AUTH_PROVIDERS.split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  return names.map((name) => {
    switch (name) {
      case "credentials":
        return credentialsProvider(env);
      case OIDC_PROVIDER_ID:
        return oidcProvider(env);
      default:
        throw new Error(`unknown sign-in provider "${name}" in WORKBENCH_AUTH_PROVIDERS`);
    }
  });
}

/** For the login page: which buttons and forms to show (ids and labels only). */
export function signInChoices(env: ServerEnv = loadServerEnv()): { id: string; name: string; type: "credentials" | "oauth" }[] {
  return configuredProviders(env).map((provider) => {
    // next-auth's provider helpers keep what we passed under `options` and apply it later.
    const { id, name, type } = { ...provider, ...("options" in provider ? provider.options : {}) };
    return { id, name, type: type === "credentials" ? "credentials" : "oauth" };
  });
}

/**
 * next-auth's `redirect` callback: where a sign-in or sign-out ends, from the
 * callbackUrl the browser sent. Only a URL on the workbench's own origin,
 * parsed the way a browser parses it; anything else ends on the start page.
 */
export function redirectWithinSite({ url, baseUrl }: { url: string; baseUrl: string }): string {
  return new URL(sameOriginPath(url, baseUrl), baseUrl).href;
}

const oidcIssuer = (env: ServerEnv) => ({
  id: OIDC_PROVIDER_ID,
  issuer: env.WORKBENCH_OIDC_ISSUER ?? "",
  groupRoles: env.WORKBENCH_OIDC_GROUP_ROLES,
  groupsClaim: env.WORKBENCH_OIDC_GROUPS_CLAIM,
});

/** What the sign-in page gets in ?error= for a refused single sign-on (app/login/page.tsx explains each). */
export const SINGLE_SIGN_ON_ERRORS: Record<SingleSignOnRefusal, string> = {
  "no-email": "SsoNoEmail",
  "email-unverified": "SsoEmailUnverified",
  "no-account": "SsoNoAccount",
  "account-disabled": "SsoAccountDisabled",
  "no-role": "SsoNoRole",
};

const globalForAuth = globalThis as unknown as { workbenchAuthOptions?: NextAuthOptions };

export function getAuthOptions(): NextAuthOptions {
  if (globalForAuth.workbenchAuthOptions) return globalForAuth.workbenchAuthOptions;
  const env = loadServerEnv();
  const maxAge = env.WORKBENCH_SESSION_MAX_AGE_SEC;
  globalForAuth.workbenchAuthOptions = {
    secret: env.NEXTAUTH_SECRET,
    // Credentials sign-in requires JWT sessions in next-auth 4. The JWT only
    // carries a session id; every request checks that row, so signing out
    // (or an admin revoking the session) ends it at once.
    session: { strategy: "jwt", maxAge },
    // Errors (a refused single sign-on, say) come back to the login page, which explains them.
    pages: { signIn: "/login", error: "/login" },
    providers: configuredProviders(env),
    callbacks: {
      redirect: async (params) => redirectWithinSite(params),
      async signIn({ user, account, profile }) {
        // Password sign-ins were decided in authorize(); single sign-on is decided here.
        if (account?.provider !== OIDC_PROVIDER_ID) return true;
        const match = await matchSingleSignOnUser(getDb(), oidcIssuer(env), (profile ?? {}) as SingleSignOnClaims);
        if (!match.ok) return `/login?error=${SINGLE_SIGN_ON_ERRORS[match.refusal]}`;
        // next-auth hands jwt() this same object next.
        user.workbenchUser = match.user;
        return true;
      },
      async jwt({ token, user, account }) {
        if (user && account) {
          const db = getDb();
          const workbenchUser = account.provider === OIDC_PROVIDER_ID ? user.workbenchUser : { id: user.id, name: user.name ?? user.id };
          if (!workbenchUser) throw new Error("AccessDenied");
          token.sid = await startSession(
            db,
            { userId: workbenchUser.id, userName: workbenchUser.name, provider: account.provider, address: user.signInAddress ?? null },
            { maxAgeSec: maxAge, now: new Date() },
          );
          token.sub = workbenchUser.id;
        }
        return { sid: token.sid, sub: token.sub };
      },
      async session({ session }) {
        // The browser learns nothing from the session endpoint but that it is signed in;
        // pages get the user (and roles) from the server.
        return { expires: session.expires };
      },
    },
    events: {
      async signOut({ token }) {
        if (typeof token?.sid === "string") await signOut(getDb(), token.sid);
      },
    },
  };
  return globalForAuth.workbenchAuthOptions;
}
