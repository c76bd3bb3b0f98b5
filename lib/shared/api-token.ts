import { z } from "zod";

// What an API token may do, named the way a person choosing them reads them.
// Shared by the server (which maps each scope to the actions it allows, in
// lib/server/auth/token-scopes.ts), the account page and the `workbench`
// terminal client. A token never does more than its user's roles allow; a
// scope only narrows them.
export const TOKEN_SCOPES = {
  "runs:read": "Read runs, their frames and exports, programs, hosts and incidents; watch live runs.",
  "programs:submit": "Submit programs and new revisions, and have hosts dry-run them.",
  "replays:upload": "Upload recorded bpftrace captures as replay runs.",
  "runbooks:launch": "Launch approved runbooks within their signed policy (and list them, with the hosts in their scope).",
  "metrics:read": "Scrape /metrics (Prometheus).",
} as const;

export type TokenScope = keyof typeof TOKEN_SCOPES;
export const TOKEN_SCOPE_NAMES = Object.keys(TOKEN_SCOPES) as [TokenScope, ...TokenScope[]];

export const tokenScopeSchema = z.enum(TOKEN_SCOPE_NAMES, {
  error: (issue) => `Unknown scope ${JSON.stringify(issue.input)}; the scopes are ${TOKEN_SCOPE_NAMES.join(", ")}.`,
});

/** `wbt_` and 32 random bytes in base64url (43 characters): anything else is no token this server issued. */
export const API_TOKEN_PATTERN = /^wbt_[A-Za-z0-9_-]{43}$/;

/** The most days an admin may let a token live (WORKBENCH_MAX_TOKEN_DAYS is at most this). */
export const MAX_TOKEN_DAYS_CEILING = 366;
