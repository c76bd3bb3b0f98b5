import { z } from "zod";
import { Role } from "@/lib/server/db/generated/enums.ts";

// WORKBENCH_OIDC_GROUP_ROLES: which identity-provider groups give which
// workbench roles, written `group=ROLE,group=ROLE` (README, "Single sign-on").
// A group may appear more than once to give several roles; roles are named
// as the Users page names them, in any case (`sre`, `security_reviewer`).

export type GroupRoles = ReadonlyMap<string, readonly Role[]>;

const ROLE_NAMES = Object.values(Role);

function parseEntry(entry: string): { group: string; role: Role } | string {
  const at = entry.lastIndexOf("=");
  if (at <= 0) return `"${entry}" is not group=ROLE`;
  const group = entry.slice(0, at).trim();
  const role = entry
    .slice(at + 1)
    .trim()
    .toUpperCase();
  if (!group) return `"${entry}" names no group`;
  if (!(ROLE_NAMES as string[]).includes(role)) return `"${entry}": the role is one of ${ROLE_NAMES.join(", ")}`;
  return { group, role: role as Role };
}

/** The setting's text, checked in full: every entry `group=ROLE` with a known role. */
export const groupRolesSetting = z
  .string()
  .trim()
  .min(1)
  .transform((text, ctx): GroupRoles => {
    const mapping = new Map<string, Role[]>();
    for (const entry of text
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean)) {
      const parsed = parseEntry(entry);
      if (typeof parsed === "string") {
        ctx.addIssue({ code: "custom", message: parsed });
        continue;
      }
      const roles = mapping.get(parsed.group) ?? [];
      if (!roles.includes(parsed.role)) roles.push(parsed.role);
      mapping.set(parsed.group, roles);
    }
    return mapping;
  });

/**
 * The roles a person's groups give, in the fixed order of the Role enum.
 * `groups` is the claim as the provider sent it: a list of strings (OIDC has
 * no standard claim; Keycloak, Okta, Dex and Entra ID send a JSON array), or
 * a single string; anything else gives no group.
 */
export function rolesForGroups(mapping: GroupRoles, groups: unknown): Role[] {
  const held = Array.isArray(groups) ? groups.filter((g): g is string => typeof g === "string") : typeof groups === "string" ? [groups] : [];
  const granted = new Set(held.flatMap((group) => mapping.get(group) ?? []));
  return ROLE_NAMES.filter((role) => granted.has(role));
}
