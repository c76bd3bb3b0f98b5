"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { ApiError, callApi } from "@/lib/client/api.ts";

/** Withdraws an approval: its runs that have not started never will, running ones stop within seconds. */
export function RevokeButton({ reviewId }: { reviewId: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);

  async function revoke() {
    setError(null);
    try {
      await callApi("POST", `/api/reviews/${reviewId}/revoke`, { reason });
      setOpen(false);
      router.refresh();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "The server could not be reached.");
    }
  }

  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Revoke approval
      </button>
    );
  }
  return (
    <span className="actions">
      <input type="text" aria-label="Reason for revoking" placeholder="Why revoke it?" value={reason} onChange={(e) => setReason(e.target.value)} />
      <button className="danger" type="button" disabled={!reason.trim()} onClick={() => void revoke()}>
        Revoke
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
