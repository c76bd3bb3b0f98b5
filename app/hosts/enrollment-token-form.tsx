"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { ApiError, callApi } from "@/lib/client/api.ts";
import { normalizeLabels, splitLabelText } from "@/lib/shared/host-labels.ts";

export function EnrollmentTokenForm() {
  const router = useRouter();
  const [ttlMinutes, setTtlMinutes] = useState("60");
  const [labelText, setLabelText] = useState("");
  const [allowAgentLabels, setAllowAgentLabels] = useState(false);
  const [issued, setIssued] = useState<{ token: string; expiresAt: string; labels: string[] } | null>(null);
  const labels = normalizeLabels(splitLabelText(labelText));
  const [error, setError] = useState<string | null>(null);

  async function create(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      if (!labels.ok) return;
      setIssued(
        await callApi<{ token: string; expiresAt: string; labels: string[] }>("POST", "/api/enrollment-tokens", {
          ttlMinutes: Number(ttlMinutes),
          labels: labels.labels,
          allowAgentLabels,
        }),
      );
      router.refresh();
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "The server could not be reached.");
    }
  }

  return (
    <form className="panel" onSubmit={(event) => void create(event)}>
      <p className="muted">
        A one-time token lets one agent enroll and receive its own credential. On the host, as root:
        <br />
        <code>
          workbench-agent enroll --server {typeof window === "undefined" ? "URL" : window.location.origin} --token TOKEN --credential-file /etc/workbench-agent/credential
        </code>
      </p>
      <div className="form-row">
        <label htmlFor="token-labels">Labels the host gets</label>
        <input id="token-labels" type="text" value={labelText} onChange={(e) => setLabelText(e.target.value)} placeholder="role=db zone=eu-1 canary" spellCheck={false} />
        <span className={labels.ok ? "hint" : "error"}>
          {labels.ok ? "key=value or key, separated by spaces or commas. Programs target hosts by these labels; you can change them later." : labels.error}
        </span>
        <label style={{ fontWeight: "normal" }}>
          <input type="checkbox" checked={allowAgentLabels} onChange={(e) => setAllowAgentLabels(e.target.checked)} /> Let the agent add labels of its own (<code>--label k=v</code>
          ); these labels win on the same key
        </label>
      </div>
      <div className="actions">
        <label htmlFor="ttl">Valid for (minutes)</label>
        <input id="ttl" type="number" min={1} max={10080} value={ttlMinutes} onChange={(e) => setTtlMinutes(e.target.value)} />
        <button className="primary" type="submit" disabled={!labels.ok}>
          Create enrollment token
        </button>
      </div>
      {issued && (
        <div className="form-row" style={{ marginTop: 12 }}>
          <span className="hint">
            Shown once; valid until {issued.expiresAt.replace("T", " ").slice(0, 16)} UTC
            {issued.labels.length > 0 && `; the host gets the labels ${issued.labels.join(", ")}`}.
          </span>
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
