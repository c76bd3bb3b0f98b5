import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/lib/server/db/client.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { createSession, findUserForSignIn, revokeSession } from "@/lib/server/data/users.ts";
import { decoyHash, verifyPassword } from "./password.ts";

const credentialsInput = z.object({
  email: z.string().trim().toLowerCase().email().max(320),
  password: z.string().min(1).max(1024),
});

/** Email and password accounts stored in the workbench's own database. */
function credentialsProvider() {
  return CredentialsProvider({
    id: "credentials",
    name: "Email and password",
    credentials: {
      email: { label: "Email", type: "email" },
      password: { label: "Password", type: "password" },
    },
    async authorize(raw) {
      const parsed = credentialsInput.safeParse(raw);
      if (!parsed.success) return null;
      const db = getDb();
      const user = await findUserForSignIn(db, parsed.data.email);
      // Hash something either way, so the response time does not tell whether the account exists.
      const valid = await verifyPassword(parsed.data.password, user?.passwordHash ?? (await decoyHash()));
      if (!user || !user.passwordHash || user.disabled || !valid) {
        await db.$transaction((tx) =>
          appendAudit(tx, {
            actor: { type: "anonymous", name: parsed.data.email },
            action: "auth.login-failed",
            target: { type: "user", id: user?.id ?? parsed.data.email },
          }),
        );
        return null;
      }
      return { id: user.id, name: user.name, email: user.email };
    },
  });
}

/**
 * Providers are chosen by WORKBENCH_AUTH_PROVIDERS, so adding single sign-on
 * is a configuration change plus one entry here; every provider ends in the
 * same session row below.
 */
function configuredProviders(names: string[]) {
  return names.map((name) => {
    switch (name) {
      case "credentials":
        return credentialsProvider();
      default:
        throw new Error(`unknown sign-in provider "${name}" in WORKBENCH_AUTH_PROVIDERS`);
    }
  });
}

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
    pages: { signIn: "/login" },
    providers: configuredProviders(env.WORKBENCH_AUTH_PROVIDERS.split(",").map((p) => p.trim())),
    callbacks: {
      async jwt({ token, user }) {
        if (user) {
          const db = getDb();
          token.sid = await createSession(db, user.id, new Date(Date.now() + maxAge * 1000));
          await db.$transaction((tx) =>
            appendAudit(tx, { actor: { type: "user", id: user.id, name: user.name ?? user.id }, action: "auth.login", target: { type: "user", id: user.id } }),
          );
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
        if (typeof token?.sid === "string") await revokeSession(getDb(), token.sid);
      },
    },
  };
  return globalForAuth.workbenchAuthOptions;
}
