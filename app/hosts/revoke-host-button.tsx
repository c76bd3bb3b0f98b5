"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { ApiError, callApi } from "@/lib/client/api.ts";

/** Ends a host's credential: its agent is disconnected, stops its runs and says why. */
export function RevokeHostButton({ hostId, hostName }: { hostId: string; hostName: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);

  async function revoke() {
    if (!window.confirm(`Revoke the credential of ${hostName}? Its agent stops every run and must be enrolled again.`)) return;
    setError(null);
    try {
      await callApi("POST", `/api/hosts/${hostId}/revoke`);
      router.refresh();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "The server could not be reached.");
    }
  }

  return (
    <>
      <button type="button" className="danger" onClick={() => void revoke()}>
        Revoke
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
