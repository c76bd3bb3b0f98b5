"use client";

import { useState } from "react";
import { callApi } from "@/lib/client/api.ts";
import { FormError } from "@/components/ui/form-error.tsx";
import { useFormAction } from "@/components/ui/use-form-action.ts";

type Verification = {
  ok: boolean;
  checked: number;
  head: { id: string; hash: string } | null;
  firstBroken: { problem: string; entryId: string | null; at: string | null; action: string | null; message: string } | null;
};

/** Walks the whole chain on the server (the same check as `npm run audit:verify`); on request, as it reads every entry. */
export function VerifyChainButton() {
  const [result, setResult] = useState<Verification | null>(null);
  const { busy, error, run } = useFormAction();

  async function verify() {
    await run(async () => {
      setResult((await callApi<{ verification: Verification }>("GET", "/api/audit/verification")).verification);
    });
  }

  return (
    <div className="panel" data-testid="audit-verification">
      <div className="actions">
        <button type="button" onClick={() => void verify()} disabled={busy}>
          {busy ? "Verifying…" : "Verify the chain"}
        </button>
        {result?.ok && (
          <span role="status">
            <span className="badge APPROVED">intact</span> {result.checked} entries check out
            {result.head && result.checked > 0 && (
              <>
                ; the newest is #{result.head.id}, hash <code>{result.head.hash}</code>
              </>
            )}
          </span>
        )}
      </div>
      {result && !result.ok && result.firstBroken && (
        <p className="error" role="alert">
          <strong>Broken</strong>
          {result.firstBroken.entryId && (
            <>
              {" "}
              at <a href={`/admin/audit?before=${BigInt(result.firstBroken.entryId) + 1n}`}>entry #{result.firstBroken.entryId}</a>
            </>
          )}
          : {result.firstBroken.message} ({result.checked} entries before it check out.)
        </p>
      )}
      <FormError error={error} />
    </div>
  );
}
