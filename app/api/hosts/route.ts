import { getDb } from "@/lib/server/db/client.ts";
import { hostListAnswer } from "@/lib/server/http/answers/hosts.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { listHostsFor } from "@/lib/server/use-cases/read-hosts.ts";

export const GET = defineRoute({ access: { kind: "user", action: "host.read" }, answer: hostListAnswer }, async ({ actor }) => ({
  hosts: await listHostsFor(getDb(), actor!),
}));
