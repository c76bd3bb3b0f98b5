import { getDb } from "@/lib/server/db/client.ts";
import { loadServerEnv } from "@/lib/server/env.ts";
import { apiTokenListAnswer, createdApiTokenAnswer } from "@/lib/server/http/answers/api-tokens.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { createApiToken, createApiTokenInput } from "@/lib/server/use-cases/create-api-token.ts";
import { listApiTokens } from "@/lib/server/use-cases/list-api-tokens.ts";

// The caller's own API tokens (docs/http-api.md, "API tokens").
export const GET = defineRoute({ access: { kind: "user", action: "token.manage" }, answer: apiTokenListAnswer }, async ({ actor }) => ({
  tokens: await listApiTokens(getDb(), actor!),
  maxDays: loadServerEnv().WORKBENCH_MAX_TOKEN_DAYS,
}));

export const POST = defineRoute(
  { access: { kind: "user", action: "token.manage" }, body: createApiTokenInput, successStatus: 201, answer: createdApiTokenAnswer },
  async ({ actor, body }) => createApiToken(getDb(), actor!, body, { maxDays: loadServerEnv().WORKBENCH_MAX_TOKEN_DAYS }),
);
