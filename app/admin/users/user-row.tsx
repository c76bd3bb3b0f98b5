"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { ApiError, callApi } from "@/lib/client/api.ts";
import { RoleCheckboxes } from "./role-checkboxes.tsx";

type UserSummary = { id: string; name: string; email: string; roles: string[]; disabled: boolean };

const sameRoles = (a: string[], b: string[]) => a.length === b.length && a.every((role) => b.includes(role));

export function UserRow({
  user,
  lastSignIn,
  isSelf,
  availableRoles,
  approvingRoles,
}: {
  user: UserSummary;
  lastSignIn: string;
  isSelf: boolean;
  availableRoles: readonly string[];
  /** Roles that approve programs: an admin cannot give them to themselves (the server refuses too). */
  approvingRoles: readonly string[];
}) {
  const router = useRouter();
  const [roles, setRoles] = useState(user.roles);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: "error" | "notice"; text: string } | null>(null);

  async function act(path: string, body: unknown, done: string) {
    setBusy(true);
    setMessage(null);
    try {
      await callApi("POST", path, body);
      setMessage({ kind: "notice", text: done });
      setReason("");
      router.refresh();
    } catch (caught) {
      setMessage({ kind: "error", text: caught instanceof ApiError ? caught.message : "The server could not be reached." });
    } finally {
      setBusy(false);
    }
  }

  const dirty = !sameRoles(roles, user.roles);
  const locked: Record<string, string> = isSelf
    ? {
        ADMIN: "You cannot remove your own admin role; another admin has to.",
        ...Object.fromEntries(
          approvingRoles.filter((role) => !user.roles.includes(role)).map((role) => [role, "You cannot give yourself a role that approves programs; another admin has to."]),
        ),
      }
    : {};
  return (
    <tr data-testid={`user-${user.email}`}>
      <td>
        <strong>{user.name}</strong>
        {isSelf && <span className="muted"> (you)</span>}
        <br />
        <span className="muted">{user.email}</span>
      </td>
      <td>
        <RoleCheckboxes name={`Roles of ${user.email}`} availableRoles={availableRoles} selected={roles} onChange={setRoles} locked={locked} />
        <div className="actions" style={{ marginTop: 8 }}>
          <input
            type="text"
            aria-label={`Reason for changes to ${user.email}`}
            placeholder="Reason (recorded in the audit trail)"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          <button type="button" className="primary" disabled={!dirty || busy} onClick={() => void act(`/api/users/${user.id}/roles`, { roles, reason }, "Roles saved.")}>
            Save roles
          </button>
        </div>
        {message && (
          <p className={message.kind} role={message.kind === "error" ? "alert" : "status"}>
            {message.text}
          </p>
        )}
      </td>
      <td className="muted">{lastSignIn}</td>
      <td>
        {user.disabled ? <span className="badge REJECTED">disabled</span> : <span className="badge APPROVED">active</span>}
        <div style={{ marginTop: 8 }}>
          {user.disabled ? (
            <button type="button" disabled={busy} onClick={() => void act(`/api/users/${user.id}/enable`, { reason }, "Enabled; they can sign in again.")}>
              Enable
            </button>
          ) : (
            <button
              type="button"
              className="danger"
              disabled={busy || isSelf}
              title={isSelf ? "You cannot disable your own account; another admin has to." : "Ends their sessions at once"}
              onClick={() => void act(`/api/users/${user.id}/disable`, { reason }, "Disabled; their sessions have ended.")}
            >
              Disable
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}
