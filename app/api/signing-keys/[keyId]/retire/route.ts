import { z } from "zod";
import { getDb } from "@/lib/server/db/client.ts";
import { AppError } from "@/lib/server/errors.ts";
import { retiredSigningKeyAnswer } from "@/lib/server/http/answers/admin.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { keyringDepsFromEnv } from "@/lib/server/signing/keyring.ts";
import { retireSigningKey } from "@/lib/server/use-cases/retire-signing-key.ts";

const params = z.object({ keyId: z.string().regex(/^[0-9a-f]{64}$/, "keyId is 64 hex digits") });

export const POST = defineRoute({ access: { kind: "user", action: "signing-key.rotate" }, params, answer: retiredSigningKeyAnswer }, async ({ actor, params }) => {
  const keyring = keyringDepsFromEnv();
  if (!keyring) throw new AppError("UNPROCESSABLE", "This server has no signing key configured.");
  return retireSigningKey(getDb(), actor!, params.keyId, keyring);
});
