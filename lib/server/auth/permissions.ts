import "server-only";
import type { Role } from "@/lib/server/db/generated/enums.ts";
import { AppError } from "@/lib/server/errors.ts";
import type { TokenScope } from "@/lib/shared/api-token.ts";
import { scopesAllowing } from "./token-scopes.ts";

// The single table of who may do what. Every route handler, server-side page
// and socket event names one of these actions; nothing checks roles any other
// way. Ownership rules (any engineer may revise any program, but nobody
// approves a revision they wrote or a program they created) live in the use
// cases, on top of this table.
export const PERMISSIONS = {
  "program.read": ["ENGINEER", "REVIEWER", "SECURITY_REVIEWER", "SRE", "ADMIN"],
  "program.create": ["ENGINEER"],
  "program.revise": ["ENGINEER"],
  "revision.review": ["REVIEWER", "SECURITY_REVIEWER"],
  "revision.comment": ["ENGINEER", "REVIEWER", "SECURITY_REVIEWER", "ADMIN"],
  /**
   * Have a target host's agent compile a revision (bpftrace as root, nothing attached): for those who
   * write or review programs. SREs run what was approved and admins run the workbench; neither needs
   * to make a host compile programs, and each permission a role lacks is one less way to reach a host.
   */
  "revision.dry-run": ["ENGINEER", "REVIEWER", "SECURITY_REVIEWER"],
  "approval.revoke": ["REVIEWER", "SECURITY_REVIEWER", "ADMIN"],
  /**
   * Ask to launch a runbook. Who actually may is the runbook's own signed policy (its launch roles,
   * SRE by default), checked by the use case once it has read the runbook.
   */
  "runbook.launch": ["ENGINEER", "REVIEWER", "SECURITY_REVIEWER", "SRE", "ADMIN"],
  "run.read": ["ENGINEER", "REVIEWER", "SECURITY_REVIEWER", "SRE", "ADMIN"],
  "run.stop": ["SRE", "ADMIN"],
  /** Engage a stop switch: stop every run in a scope and refuse approvals there until it is released. */
  "stop-switch.engage": ["SRE", "ADMIN"],
  /** Release a stop switch: approvals in its scope are signed again. */
  "stop-switch.release": ["ADMIN"],
  /** Upload a recorded bpftrace capture as a replay run (workbench-agent replay). */
  "replay.create": ["ENGINEER", "SRE", "ADMIN"],
  "incident.read": ["ENGINEER", "REVIEWER", "SECURITY_REVIEWER", "SRE", "ADMIN"],
  /** Open and resolve incidents, attach runs, write notes. */
  "incident.manage": ["ENGINEER", "SRE", "ADMIN"],
  "host.read": ["ENGINEER", "REVIEWER", "SECURITY_REVIEWER", "SRE", "ADMIN"],
  "host.enroll-token.create": ["ADMIN"],
  "host.revoke": ["ADMIN"],
  /** Change a host's labels, which decide the selectors that pick it. */
  "host.label": ["ADMIN"],
  "signing-key.rotate": ["ADMIN"],
  "user.manage": ["ADMIN"],
  "audit.read": ["ADMIN"],
  "settings.read": ["ENGINEER", "REVIEWER", "SECURITY_REVIEWER", "SRE", "ADMIN"],
  "settings.update": ["ADMIN"],
  /** Scrape /metrics with an API token (Prometheus); the configured WORKBENCH_METRICS_TOKEN needs no user. */
  "metrics.read": ["SRE", "ADMIN"],
  /** Read the HTTP API's own description (/api/openapi.json, the API reference page): anyone signed in, any token. */
  "api.read": ["ENGINEER", "REVIEWER", "SECURITY_REVIEWER", "SRE", "ADMIN"],
  /** Create, list and revoke one's own API tokens; no token scope allows it, so a token cannot mint tokens. */
  "token.manage": ["ENGINEER", "REVIEWER", "SECURITY_REVIEWER", "SRE", "ADMIN"],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof PERMISSIONS;

/**
 * Who is calling. `token` is set when they came with an API token instead of
 * a session: then an action needs both one of the roles and one of the
 * token's scopes (a scope only narrows what the roles allow).
 */
export type Actor = { id: string; name: string; email: string; roles: Role[]; token?: { id: string; scopes: readonly TokenScope[] } };

function rolesAllow(actor: Pick<Actor, "roles">, action: Action): boolean {
  const allowed: readonly Role[] = PERMISSIONS[action];
  return actor.roles.some((role) => allowed.includes(role));
}

function tokenAllows(actor: Pick<Actor, "token">, action: Action): boolean {
  return !actor.token || scopesAllowing(action).some((scope) => actor.token!.scopes.includes(scope));
}

export function can(actor: Pick<Actor, "roles" | "token">, action: Action): boolean {
  return rolesAllow(actor, action) && tokenAllows(actor, action);
}

export function authorize(actor: Pick<Actor, "roles" | "token">, action: Action): void {
  if (!rolesAllow(actor, action)) {
    const allowed: readonly Role[] = PERMISSIONS[action];
    throw new AppError("FORBIDDEN", `This needs one of the roles: ${allowed.map((r) => r.toLowerCase()).join(", ")}.`);
  }
  if (!tokenAllows(actor, action)) {
    const scopes = scopesAllowing(action);
    const held = actor.token!.scopes.length ? actor.token!.scopes.join(", ") : "none";
    throw new AppError(
      "FORBIDDEN",
      scopes.length
        ? `This API token's scopes (${held}) do not allow this; it needs the scope ${scopes.join(" or ")}.`
        : "No API token may do this; sign in to the workbench in a browser.",
    );
  }
}
