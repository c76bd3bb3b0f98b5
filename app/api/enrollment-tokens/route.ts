import { getDb } from "@/lib/server/db/client.ts";
import { createdEnrollmentTokenAnswer, enrollmentTokenListAnswer } from "@/lib/server/http/answers/hosts.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { createEnrollmentToken, createEnrollmentTokenInput } from "@/lib/server/use-cases/create-enrollment-token.ts";
import { listEnrollmentTokensFor } from "@/lib/server/use-cases/read-hosts.ts";

export const GET = defineRoute({ access: { kind: "user", action: "host.enroll-token.create" }, answer: enrollmentTokenListAnswer }, async ({ actor }) => ({
  tokens: await listEnrollmentTokensFor(getDb(), actor!),
}));

export const POST = defineRoute(
  { access: { kind: "user", action: "host.enroll-token.create" }, body: createEnrollmentTokenInput, successStatus: 201, answer: createdEnrollmentTokenAnswer },
  async ({ actor, body }) => createEnrollmentToken(getDb(), actor!, body),
);
