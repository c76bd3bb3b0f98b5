import { getDb } from "@/lib/server/db/client.ts";
import { AppError } from "@/lib/server/errors.ts";
import { rotatedSigningKeyAnswer } from "@/lib/server/http/answers/admin.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { keyringDepsFromEnv } from "@/lib/server/signing/keyring.ts";
import { rotateSigningKey } from "@/lib/server/use-cases/rotate-signing-key.ts";

export const POST = defineRoute({ access: { kind: "user", action: "signing-key.rotate" }, successStatus: 201, answer: rotatedSigningKeyAnswer }, async ({ actor }) => {
  const keyring = keyringDepsFromEnv();
  if (!keyring) throw new AppError("UNPROCESSABLE", "This server has no signing key configured.");
  return rotateSigningKey(getDb(), actor!, keyring);
});
