"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { ApiError, callApi } from "@/lib/client/api.ts";

export function EnrollmentTokenForm() {
  const router = useRouter();
  const [ttlMinutes, setTtlMinutes] = useState("60");
  const [issued, setIssued] = useState<{ token: string; expiresAt: string } | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function create(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      setIssued(await callApi<{ token: string; expiresAt: string }>("POST", "/api/enrollment-tokens", { ttlMinutes: Number(ttlMinutes) }));
      router.refresh();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "The server could not be reached.");
    }
  }

  return (
    <form className="panel" onSubmit={create}>
      <p className="muted">
        A one-time token lets one agent enroll and receive its own credential. On the host, as root:
        <br />
        <code>workbench-agent enroll --server {typeof window === "undefined" ? "URL" : window.location.origin} --token TOKEN --credential-file /etc/workbench-agent/credential</code>
      </p>
      <div className="actions">
        <label htmlFor="ttl">Valid for (minutes)</label>
        <input id="ttl" type="number" min={1} max={10080} value={ttlMinutes} onChange={(e) => setTtlMinutes(e.target.value)} />
        <button className="primary" type="submit">
          Create enrollment token
        </button>
      </div>
      {issued && (
        <div className="form-row" style={{ marginTop: 12 }}>
          <span className="hint">Shown once; valid until {issued.expiresAt.replace("T", " ").slice(0, 16)} UTC.</span>
          <div className="secret" data-testid="enrollment-token">
            {issued.token}
          </div>
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
