import "server-only";
import { z } from "zod";
import { TOKEN_SCOPE_NAMES, tokenScopeSchema, type TokenScope } from "@/lib/shared/api-token.ts";
import type { Db } from "@/lib/server/db/client.ts";
import { authorize, can, type Actor } from "@/lib/server/auth/permissions.ts";
import { hashSecret, newSecret } from "@/lib/server/auth/secrets.ts";
import { SCOPE_GATE } from "@/lib/server/auth/token-scopes.ts";
import { appendAudit } from "@/lib/server/data/audit.ts";
import { insertApiToken } from "@/lib/server/data/api-tokens.ts";
import { AppError } from "@/lib/server/errors.ts";
import { parseInput } from "@/lib/server/parse-input.ts";

export const createApiTokenInput = z.object({
  name: z
    .string({ error: "A token needs a name (what it is for: a laptop, a CI job)." })
    .trim()
    .min(1, "A token needs a name (what it is for: a laptop, a CI job).")
    .max(80, "A token's name is at most 80 characters.")
    .regex(/^[^\p{Cc}]*$/u, "A token's name has no control characters."),
  expiresInDays: z.number({ error: "The expiry is a number of days." }).int("The expiry is a whole number of days.").min(1, "A token lives at least a day."),
  scopes: z
    .array(tokenScopeSchema, { error: `The scopes are a list of: ${TOKEN_SCOPE_NAMES.join(", ")}.` })
    .min(1, "Pick at least one scope.")
    .max(TOKEN_SCOPE_NAMES.length)
    .transform((scopes) => [...new Set(scopes)].sort() as TokenScope[]),
});

export type CreateApiTokenInput = z.input<typeof createApiTokenInput>;

export type CreatedApiToken = { id: string; name: string; token: string; scopes: TokenScope[]; createdAt: Date; expiresAt: Date };

/**
 * A personal access token for the caller: shown once (only its SHA-256 is
 * kept), living at most `maxDays` (WORKBENCH_MAX_TOKEN_DAYS), with scopes the
 * caller's roles allow. Only a signed-in session creates one: no scope
 * allows `token.manage`, so a token cannot mint another.
 */
export async function createApiToken(db: Db, actor: Actor, rawInput: CreateApiTokenInput, options: { maxDays: number; now?: Date }): Promise<CreatedApiToken> {
  authorize(actor, "token.manage");
  const input = parseInput(createApiTokenInput, rawInput);
  if (input.expiresInDays > options.maxDays) {
    throw new AppError("BAD_REQUEST", `A token lives at most ${options.maxDays} days here (WORKBENCH_MAX_TOKEN_DAYS).`);
  }
  const beyond = input.scopes.filter((scope) => !can(actor, SCOPE_GATE[scope]));
  if (beyond.length) {
    throw new AppError("FORBIDDEN", `Your roles do not allow the scope ${beyond.join(", ")}; a token can only do what you can.`);
  }
  const now = options.now ?? new Date();
  const token = newSecret("wbt");
  const expiresAt = new Date(now.getTime() + input.expiresInDays * 86_400_000);
  return db.$transaction(async (tx) => {
    const created = await insertApiToken(tx, { userId: actor.id, name: input.name, tokenHash: hashSecret(token), scopes: input.scopes, expiresAt });
    await appendAudit(tx, {
      actor: { type: "user", id: actor.id, name: actor.name },
      action: "api-token.create",
      target: { type: "api-token", id: created.id },
      toState: "ACTIVE",
      data: { name: input.name, scopes: input.scopes, expiresAt: expiresAt.toISOString() },
    });
    return { id: created.id, name: input.name, token, scopes: input.scopes, createdAt: created.createdAt, expiresAt };
  });
}
