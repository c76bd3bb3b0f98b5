import "server-only";
import type { Role } from "@/lib/server/db/generated/enums.ts";
import { AppError } from "@/lib/server/errors.ts";

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
  "run.read": ["ENGINEER", "REVIEWER", "SECURITY_REVIEWER", "SRE", "ADMIN"],
  "run.stop": ["SRE", "ADMIN"],
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
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof PERMISSIONS;

export type Actor = { id: string; name: string; email: string; roles: Role[] };

export function can(actor: Pick<Actor, "roles">, action: Action): boolean {
  const allowed: readonly Role[] = PERMISSIONS[action];
  return actor.roles.some((role) => allowed.includes(role));
}

export function authorize(actor: Pick<Actor, "roles">, action: Action): void {
  if (!can(actor, action)) {
    const allowed: readonly Role[] = PERMISSIONS[action];
    throw new AppError("FORBIDDEN", `This needs one of the roles: ${allowed.map((r) => r.toLowerCase()).join(", ")}.`);
  }
}
