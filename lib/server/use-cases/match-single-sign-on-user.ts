import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { findUserForSignIn } from "@/lib/server/data/users.ts";

export type SingleSignOnClaims = { sub?: unknown; email?: unknown; email_verified?: unknown };

/**
 * The workbench user an identity provider vouches for: matched by the email
 * the provider says it has verified. Accounts and roles stay managed here;
 * the provider never creates a user or grants a role. A refusal (no verified
 * email, no account with it, a disabled account) is audited and returns null.
 */
export async function matchSingleSignOnUser(
  db: Db,
  provider: { id: string; issuer: string },
  claims: SingleSignOnClaims,
): Promise<{ id: string; name: string; email: string } | null> {
  const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : null;
  const subject = typeof claims.sub === "string" ? claims.sub : "unknown";
  // OIDC Core 1.0 §5.1: email_verified is a JSON boolean; anything else is not a yes.
  const verified = claims.email_verified === true;
  const user = email && verified ? await findUserForSignIn(db, email) : null;
  if (user && !user.disabled) return { id: user.id, name: user.name, email: user.email };

  const reason = !email
    ? "the identity provider sent no email"
    : !verified
      ? "the identity provider has not verified this email"
      : !user
        ? "no account has this email"
        : "the account is disabled";
  await db.$transaction((tx) =>
    appendAudit(tx, {
      actor: { type: "anonymous", name: email ?? `${provider.id}:${subject}` },
      action: "auth.login-failed",
      target: { type: "user", id: user?.id ?? email ?? subject },
      reason,
      data: { provider: provider.id, issuer: provider.issuer, subject },
    }),
  );
  return null;
}
