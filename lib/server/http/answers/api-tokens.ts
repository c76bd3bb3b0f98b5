import { z } from "zod";
import { tokenScopeSchema } from "@/lib/shared/api-token.ts";
import { isoDateTime, nullableDateTime } from "./common.ts";

// Answers of /api/tokens: the caller's own API tokens.

const tokenSummary = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  createdAt: isoDateTime,
  expiresAt: isoDateTime,
  revokedAt: nullableDateTime,
  lastUsedAt: nullableDateTime,
  lastUsedFrom: z.string().nullable().describe("The address the token was last used from."),
});

export const apiTokenListAnswer = z.object({
  tokens: z.array(tokenSummary),
  maxDays: z.number().int().describe("The longest expiry, in days, this server allows a new token (WORKBENCH_MAX_TOKEN_DAYS)."),
});

export const createdApiTokenAnswer = z.object({
  id: z.string(),
  name: z.string(),
  token: z.string().describe("The token itself (wbt_...), shown this once: only its SHA-256 is kept."),
  scopes: z.array(tokenScopeSchema),
  createdAt: isoDateTime,
  expiresAt: isoDateTime,
});

export const revokedApiTokenAnswer = z.object({ revokedAt: isoDateTime });
