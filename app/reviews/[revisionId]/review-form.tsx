"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { callApi } from "@/lib/client/api.ts";
import { FormError } from "@/components/ui/form-error.tsx";
import { useFormAction } from "@/components/ui/use-form-action.ts";

export function ReviewForm({ revisionId, programId }: { revisionId: string; programId: string }) {
  const router = useRouter();
  const [reason, setReason] = useState("");
  const { busy, error, run } = useFormAction();

  async function decide(decision: "approve" | "reject" | "request-changes") {
    await run(
      async () => {
        const outcome = await callApi<{ status: string }>("POST", `/api/revisions/${revisionId}/reviews`, { decision, reason });
        // An approval that still waits for others keeps the reviewer here, where the progress shows.
        if (outcome.status === "PENDING") router.refresh();
        else router.push(`/programs/${programId}`);
        router.refresh();
      },
      { staysBusyOnSuccess: true },
    );
  }

  return (
    <form className="panel" onSubmit={(e) => e.preventDefault()} aria-label="Decision">
      <div className="form-row">
        <label htmlFor="reason">Reason</label>
        <textarea id="reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} required />
        <span className="hint">Every decision needs a reason; the author sees it.</span>
      </div>
      <FormError error={error} />
      <div className="actions">
        <button className="primary" type="button" disabled={busy || !reason.trim()} onClick={() => void decide("approve")}>
          Approve and sign
        </button>
        <button type="button" disabled={busy || !reason.trim()} onClick={() => void decide("request-changes")}>
          Request changes
        </button>
        <button className="danger" type="button" disabled={busy || !reason.trim()} onClick={() => void decide("reject")}>
          Reject
        </button>
      </div>
    </form>
  );
}
