import { getDb } from "@/lib/server/db/client.ts";
import { settingsAnswer } from "@/lib/server/http/answers/admin.ts";
import { defineRoute } from "@/lib/server/http/route.ts";
import { getSettings, updateSettings, updateSettingsInput } from "@/lib/server/use-cases/update-settings.ts";

export const GET = defineRoute({ access: { kind: "user", action: "settings.read" }, answer: settingsAnswer }, async ({ actor }) => ({
  settings: await getSettings(getDb(), actor!),
}));

export const PUT = defineRoute({ access: { kind: "user", action: "settings.update" }, body: updateSettingsInput, answer: settingsAnswer }, async ({ actor, body }) => ({
  settings: await updateSettings(getDb(), actor!, body),
}));
