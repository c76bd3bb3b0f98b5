import "server-only";
import type { Action } from "./permissions.ts";
import type { TokenScope } from "@/lib/shared/api-token.ts";

// The actions each API token scope allows, on top of the user's roles. An
// action no scope lists (managing users, tokens, settings, signing keys,
// reviewing) is never done with a token: a leaked token cannot approve a
// program or mint another token.
export const SCOPE_ACTIONS: Record<TokenScope, readonly Action[]> = {
  "runs:read": ["run.read", "program.read", "host.read", "incident.read", "settings.read", "api.read"],
  "programs:submit": ["program.read", "program.create", "program.revise", "revision.dry-run", "host.read", "settings.read", "api.read"],
  "replays:upload": ["replay.create", "api.read"],
  // Reading runbooks (program.read) and hosts is what a launch needs to pick them by name.
  "runbooks:launch": ["runbook.launch", "program.read", "host.read", "api.read"],
  "metrics:read": ["metrics.read", "api.read"],
};

/**
 * The action that decides whether a user may put a scope on a token at all:
 * a user whose roles do not allow it cannot ask for the scope, so a token is
 * never wider than its user (and at use the roles are read again).
 */
export const SCOPE_GATE: Record<TokenScope, Action> = {
  "runs:read": "run.read",
  "programs:submit": "program.create",
  "replays:upload": "replay.create",
  "runbooks:launch": "runbook.launch",
  "metrics:read": "metrics.read",
};

export function scopesAllowing(action: Action): TokenScope[] {
  return (Object.keys(SCOPE_ACTIONS) as TokenScope[]).filter((scope) => SCOPE_ACTIONS[scope].includes(action));
}
