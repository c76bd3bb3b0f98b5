import { getDb } from "@/lib/server/db/client.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { createEnrollmentToken, createEnrollmentTokenInput } from "@/lib/server/use-cases/create-enrollment-token.ts";
import { listEnrollmentTokensFor } from "@/lib/server/use-cases/read-hosts.ts";

export const GET = defineRoute({ access: { kind: "user", action: "host.enroll-token.create" } }, async ({ actor }) => ({
  tokens: await listEnrollmentTokensFor(getDb(), actor!),
}));

export const POST = defineRoute({ access: { kind: "user", action: "host.enroll-token.create" }, body: createEnrollmentTokenInput, successStatus: 201 }, async ({ actor, body }) =>
  createEnrollmentToken(getDb(), actor!, body),
);
