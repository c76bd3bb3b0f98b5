"use client";

import { useRouter } from "next/navigation";
import { callApi } from "@/lib/client/api.ts";
import { FormError } from "@/components/ui/form-error.tsx";
import { useFormAction } from "@/components/ui/use-form-action.ts";

function useAction() {
  const router = useRouter();
  const form = useFormAction();
  const run = (path: string) =>
    form.run(async () => {
      await callApi("POST", path);
      router.refresh();
    });
  return { busy: form.busy, error: form.error, run };
}

export function RotateKeyButton() {
  const { busy, error, run } = useAction();
  return (
    <div className="panel">
      <div className="actions">
        <button
          className="primary"
          type="button"
          disabled={busy}
          onClick={() => {
            if (window.confirm("Create a new signing key and sign with it from now on?")) void run("/api/signing-keys/rotate");
          }}
        >
          {busy ? "Rotating…" : "Rotate signing key"}
        </button>
      </div>
      <FormError error={error} />
    </div>
  );
}

export function RetireKeyButton({ keyId }: { keyId: string }) {
  const { busy, error, run } = useAction();
  return (
    <>
      <button
        className="danger"
        type="button"
        disabled={busy}
        onClick={() => {
          if (window.confirm("Retire this key? Agents will refuse every order it signed, queued ones included.")) {
            void run(`/api/signing-keys/${keyId}/retire`);
          }
        }}
      >
        {busy ? "Retiring…" : "Retire"}
      </button>
      {error && (
        <span className="error" role="alert">
          {" "}
          {error}
        </span>
      )}
    </>
  );
}
