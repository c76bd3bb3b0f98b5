"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { callApi } from "@/lib/client/api.ts";
import { FormError } from "@/components/ui/form-error.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import { useFormAction } from "@/components/ui/use-form-action.ts";
import { RoleCheckboxes } from "./role-checkboxes.tsx";

export function CreateUserForm({ availableRoles }: { availableRoles: readonly string[] }) {
  const router = useRouter();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [roles, setRoles] = useState<string[]>(["ENGINEER"]);
  const [password, setPassword] = useState("");
  const [created, setCreated] = useState<{ email: string; initialPassword: string | null } | null>(null);
  const { busy, error, run } = useFormAction();

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setCreated(null);
    await run(async () => {
      const result = await callApi<{ email: string; initialPassword: string | null }>("POST", "/api/users", {
        email,
        name,
        roles,
        ...(password ? { password } : {}),
      });
      setCreated(result);
      setEmail("");
      setName("");
      setPassword("");
      router.refresh();
    });
  }

  return (
    <form className="panel" onSubmit={(event) => void submit(event)} data-testid="create-user">
      <div className="grid2">
        <div className="form-row">
          <label htmlFor="new-user-email">Email</label>
          <input id="new-user-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          <span className="hint">Single sign-on users sign in with this email, as their identity provider has verified it.</span>
        </div>
        <div className="form-row">
          <label htmlFor="new-user-name">Name</label>
          <input id="new-user-name" type="text" required value={name} onChange={(e) => setName(e.target.value)} />
        </div>
      </div>
      <div className="form-row">
        <span style={{ fontWeight: 600, fontSize: 13 }}>Roles</span>
        <RoleCheckboxes name="Roles of the new user" availableRoles={availableRoles} selected={roles} onChange={setRoles} />
      </div>
      <div className="form-row">
        <label htmlFor="new-user-password">Initial password</label>
        <input id="new-user-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        <span className="hint">At least 12 characters. Leave it empty and the server makes one up, shown here once.</span>
      </div>
      <SubmitButton busy={busy}>Add user</SubmitButton>
      {created && (
        <div className="form-row" style={{ marginTop: 12 }} role="status">
          <span className="hint">
            Added {created.email}. {created.initialPassword ? "Their initial password, shown once (hand it over in person):" : "They sign in with the password you set."}
          </span>
          {created.initialPassword && (
            <div className="secret" data-testid="initial-password">
              {created.initialPassword}
            </div>
          )}
        </div>
      )}
      <FormError error={error} />
    </form>
  );
}
