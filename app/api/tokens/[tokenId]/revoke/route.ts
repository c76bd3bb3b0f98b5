import { getDb } from "@/lib/server/db/client.ts";
import { tokenParams } from "@/lib/server/http/params.ts";
import { revokedApiTokenAnswer } from "@/lib/server/http/answers/api-tokens.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { revokeApiToken } from "@/lib/server/use-cases/revoke-api-token.ts";

export const POST = defineRoute({ access: { kind: "user", action: "token.manage" }, params: tokenParams, answer: revokedApiTokenAnswer }, async ({ actor, params }) =>
  revokeApiToken(getDb(), actor!, params.tokenId),
);
