import { getDb } from "@/lib/server/db/client.ts";
import { requirePageActor } from "@/lib/server/auth/session.ts";
import { getSettings } from "@/lib/server/use-cases/update-settings.ts";
import { effectiveLintPolicy } from "@/lib/server/settings/effective-lint-policy.ts";
import { Forbidden } from "@/components/layout/forbidden.tsx";
import { SettingsForm } from "./settings-form.tsx";

export default async function SettingsPage() {
  const { actor, allowed } = await requirePageActor("settings.update", "/admin/settings");
  if (!allowed) return <Forbidden what="change the review rules" />;
  const settings = await getSettings(getDb(), actor);
  return (
    <main>
      <h1>Review rules and policy</h1>
      <p className="muted">
        {settings.updatedAt ? `Last changed by ${settings.updatedBy ?? "?"} on ${settings.updatedAt.toISOString().replace("T", " ").slice(0, 16)} UTC.` : "The defaults apply."}{" "}
        Changes apply to revisions submitted from now on; nobody can ever approve their own revision.
      </p>
      <SettingsForm reviewRules={settings.reviewRules} lintOverrides={settings.lintPolicy} effectivePolicy={effectiveLintPolicy(settings)} />
    </main>
  );
}
