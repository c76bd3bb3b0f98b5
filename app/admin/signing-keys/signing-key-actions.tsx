"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { ApiError, callApi } from "@/lib/client/api.ts";

function useAction() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run(path: string) {
    setBusy(true);
    setError(null);
    try {
      await callApi("POST", path);
      router.refresh();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "The server could not be reached.");
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, run };
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
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
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
