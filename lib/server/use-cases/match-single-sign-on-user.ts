import "server-only";
import type { Db } from "@/lib/server/db/client.ts";
import type { Role } from "@/lib/server/db/generated/enums.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { notifyAfterCommit } from "@/lib/server/data/notify.ts";
import { findUserForSignIn, findUserForAdministration, setUserRoles } from "@/lib/server/data/users.ts";
import { rolesForGroups, type GroupRoles } from "@/lib/server/auth/group-roles.ts";
import { describeRoles } from "./user-administration.ts";

export type SingleSignOnClaims = { sub?: unknown; email?: unknown; email_verified?: unknown } & Record<string, unknown>;

/** Why a single sign-on was refused; the sign-in page explains each (app/login/page.tsx). */
export type SingleSignOnRefusal = "no-email" | "email-unverified" | "no-account" | "account-disabled" | "no-role";

const REFUSAL_REASONS: Record<SingleSignOnRefusal, string> = {
  "no-email": "the identity provider sent no email",
  "email-unverified": "the identity provider has not verified this email",
  "no-account": "no account has this email",
  "account-disabled": "the account is disabled",
  "no-role": "none of the person's groups maps to a role",
};

export type SingleSignOnMatch = { ok: true; user: { id: string; name: string; email: string } } | { ok: false; refusal: SingleSignOnRefusal };

/**
 * The workbench user an identity provider vouches for: matched by the email
 * the provider says it has verified. The provider never creates a user. With
 * `groupRoles` (WORKBENCH_OIDC_GROUP_ROLES) the person's roles become those
 * their groups give, at every sign-in, and a change is audited as any role
 * change is; a person whose groups give none is refused. Without it, roles
 * stay as admins set them. A refusal is audited with the provider's subject.
 */
export async function matchSingleSignOnUser(
  db: Db,
  provider: { id: string; issuer: string; groupRoles?: GroupRoles; groupsClaim?: string },
  claims: SingleSignOnClaims,
): Promise<SingleSignOnMatch> {
  const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : null;
  const subject = typeof claims.sub === "string" ? claims.sub : "unknown";
  // OIDC Core 1.0 §5.1: email_verified is a JSON boolean; anything else is not a yes.
  const verified = claims.email_verified === true;
  const user = email && verified ? await findUserForSignIn(db, email) : null;
  const roles = provider.groupRoles ? rolesForGroups(provider.groupRoles, claims[provider.groupsClaim ?? "groups"]) : null;

  const refusal: SingleSignOnRefusal | null = !email
    ? "no-email"
    : !verified
      ? "email-unverified"
      : !user
        ? "no-account"
        : user.disabled
          ? "account-disabled"
          : roles && roles.length === 0
            ? "no-role"
            : null;
  if (user && !refusal) {
    if (roles) await takeRolesFromGroups(db, user, roles, provider);
    return { ok: true, user: { id: user.id, name: user.name, email: user.email } };
  }
  await db.$transaction((tx) =>
    appendAudit(tx, {
      actor: { type: "anonymous", name: email ?? `${provider.id}:${subject}` },
      action: "auth.login-failed",
      target: { type: "user", id: user?.id ?? email ?? subject },
      reason: REFUSAL_REASONS[refusal!],
      data: { provider: provider.id, issuer: provider.issuer, subject },
    }),
  );
  return { ok: false, refusal: refusal! };
}

/** Sets the roles the person's groups give, audited with the system as actor (the provider's say, applied by the workbench). */
async function takeRolesFromGroups(db: Db, user: { id: string; name: string; email: string }, roles: Role[], provider: { id: string; issuer: string }) {
  await db.$transaction(async (tx) => {
    const current = await findUserForAdministration(tx, user.id);
    if (!current || describeRoles(current.roles) === describeRoles(roles)) return;
    await setUserRoles(tx, user.id, roles);
    await appendAudit(tx, {
      actor: { type: "system" },
      action: "user.roles-change",
      target: { type: "user", id: user.id },
      fromState: describeRoles(current.roles),
      toState: describeRoles(roles),
      reason: "groups at the identity provider (WORKBENCH_OIDC_GROUP_ROLES)",
      data: { email: user.email, name: user.name, provider: provider.id, issuer: provider.issuer },
    });
    // Live sockets that no longer have run.read are cut, as for an admin's change.
    await notifyAfterCommit(tx, { type: "user.access-changed", userId: user.id });
  });
}
