import { z } from "zod";
import { getDb } from "@/lib/server/db/client.ts";
import { revokedHostAnswer } from "@/lib/server/http/answers/hosts.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { revokeHost } from "@/lib/server/use-cases/revoke-host.ts";

const params = z.object({ hostId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "hostId is not a valid id") });

export const POST = defineRoute({ access: { kind: "user", action: "host.revoke" }, params, answer: revokedHostAnswer }, async ({ actor, params }) =>
  revokeHost(getDb(), actor!, params.hostId),
);
