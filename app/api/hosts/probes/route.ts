import { z } from "zod";
import { getDb } from "@/lib/server/db/client.ts";
import { probeCatalogAnswer } from "@/lib/server/http/answers/hosts.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { readProbeCatalog } from "@/lib/server/use-cases/read-probe-catalog.ts";

export const GET = defineRoute(
  {
    access: { kind: "user", action: "host.read" },
    query: z.object({
      hostIds: z
        .string()
        .max(64 * 65)
        .transform((ids) => ids.split(",").filter(Boolean))
        .pipe(z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "not a host id")).max(64)),
    }),
    answer: probeCatalogAnswer,
  },
  async ({ actor, query }) => ({ probes: await readProbeCatalog(getDb(), actor!, query.hostIds) }),
);
