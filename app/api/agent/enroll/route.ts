import { getDb } from "@/lib/server/db/client.ts";
import { enrolledHostAnswer } from "@/lib/server/http/answers/hosts.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { enrollHost, enrollHostInput } from "@/lib/server/use-cases/enroll-host.ts";

export const POST = defineRoute(
  {
    access: { kind: "public", why: "the one-time enrollment token in the body is the credential" },
    body: enrollHostInput,
    maxBodyBytes: 4096,
    successStatus: 201,
    answer: enrolledHostAnswer,
  },
  async ({ body }) => enrollHost(getDb(), body),
);
