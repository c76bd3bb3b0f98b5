"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { ApiError, callApi } from "@/lib/client/api.ts";

export type TokenRow = {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
  lastUsedFrom: string | null;
};

const when = (iso: string) => iso.replace("T", " ").slice(0, 16) + " UTC";

function stateOf(token: TokenRow, now: number): string {
  if (token.revokedAt) return `revoked ${when(token.revokedAt)}`;
  if (Date.parse(token.expiresAt) <= now) return `expired ${when(token.expiresAt)}`;
  return `active until ${when(token.expiresAt)}`;
}

export function TokenTable({ tokens }: { tokens: TokenRow[] }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  // The page is rendered per request, so its time is close enough to say what has expired.
  const [now] = useState(() => Date.now());

  async function revoke(token: TokenRow) {
    setError(null);
    try {
      await callApi("POST", `/api/tokens/${token.id}/revoke`, undefined);
      router.refresh();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "The server could not be reached.");
    }
  }

  if (tokens.length === 0) return <p className="muted">You have no API tokens.</p>;
  return (
    <>
      <table data-testid="token-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Scopes</th>
            <th>State</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={token.id} data-token-id={token.id}>
              <td>{token.name}</td>
              <td>{token.scopes.join(", ")}</td>
              <td>{stateOf(token, now)}</td>
              <td>{token.lastUsedAt ? `${when(token.lastUsedAt)}${token.lastUsedFrom ? ` from ${token.lastUsedFrom}` : ""}` : "never"}</td>
              <td>
                {!token.revokedAt && (
                  <button type="button" onClick={() => void revoke(token)}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
