"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { callApi } from "@/lib/client/api.ts";
import { FormError } from "@/components/ui/form-error.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import { useFormAction } from "@/components/ui/use-form-action.ts";

type ScopeChoice = { scope: string; description: string };

export function CreateTokenForm({ scopes, maxDays }: { scopes: ScopeChoice[]; maxDays: number }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [days, setDays] = useState(Math.min(30, maxDays));
  const [chosen, setChosen] = useState<string[]>(scopes.some((s) => s.scope === "runs:read") ? ["runs:read"] : []);
  const [created, setCreated] = useState<{ name: string; token: string; expiresAt: string } | null>(null);
  const { busy, error, run } = useFormAction();

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setCreated(null);
    await run(async () => {
      const result = await callApi<{ name: string; token: string; expiresAt: string }>("POST", "/api/tokens", { name, expiresInDays: days, scopes: chosen });
      setCreated(result);
      setName("");
      router.refresh();
    });
  }

  const toggle = (scope: string, on: boolean) => setChosen((now) => (on ? [...now, scope] : now.filter((s) => s !== scope)));

  return (
    <form className="panel" onSubmit={(event) => void submit(event)} data-testid="create-token">
      <div className="grid2">
        <div className="form-row">
          <label htmlFor="token-name">Name</label>
          <input id="token-name" type="text" required maxLength={80} value={name} onChange={(e) => setName(e.target.value)} placeholder="laptop, CI job, prometheus" />
        </div>
        <div className="form-row">
          <label htmlFor="token-days">Expires in (days)</label>
          <input id="token-days" type="number" min={1} max={maxDays} required value={days} onChange={(e) => setDays(Number(e.target.value))} />
          <span className="hint">At most {maxDays} days here.</span>
        </div>
      </div>
      <fieldset className="form-row">
        <legend style={{ fontWeight: 600, fontSize: 13 }}>Scopes</legend>
        {scopes.map(({ scope, description }) => (
          <label key={scope} style={{ display: "block" }}>
            <input type="checkbox" checked={chosen.includes(scope)} onChange={(e) => toggle(scope, e.target.checked)} /> <code>{scope}</code>: {description}
          </label>
        ))}
      </fieldset>
      <SubmitButton busy={busy}>Create token</SubmitButton>
      {created && (
        <div className="form-row" style={{ marginTop: 12 }} role="status">
          <span className="hint">
            Token “{created.name}”, valid until {created.expiresAt.slice(0, 10)}. Copy it now: it is shown only this once.
          </span>
          <div className="secret" data-testid="new-token">
            {created.token}
          </div>
        </div>
      )}
      <FormError error={error} />
    </form>
  );
}
