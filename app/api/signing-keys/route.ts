import { getDb } from "@/lib/server/db/client.ts";
import { signingKeyListAnswer } from "@/lib/server/http/answers/admin.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { listSigningKeysFor } from "@/lib/server/use-cases/read-signing-keys.ts";

export const GET = defineRoute({ access: { kind: "user", action: "signing-key.rotate" }, answer: signingKeyListAnswer }, async ({ actor }) => ({
  keys: await listSigningKeysFor(getDb(), actor!),
}));
