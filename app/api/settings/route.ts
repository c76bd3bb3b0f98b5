import { getDb } from "@/lib/server/db/client.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { getSettings, updateSettings, updateSettingsInput } from "@/lib/server/use-cases/update-settings.ts";

export const GET = defineRoute({ access: { kind: "user", action: "settings.read" } }, async ({ actor }) => ({
  settings: await getSettings(getDb(), actor!),
}));

export const PUT = defineRoute({ access: { kind: "user", action: "settings.update" }, body: updateSettingsInput }, async ({ actor, body }) => ({
  settings: await updateSettings(getDb(), actor!, body),
}));
