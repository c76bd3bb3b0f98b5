"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ApiError, callApi } from "@/lib/client/api.ts";

export function CreateIncidentForm() {
  const router = useRouter();
  const [title, setTitle] = useState("");
  const [summary, setSummary] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { incidentId } = await callApi<{ incidentId: string }>("POST", "/api/incidents", { title, summary });
      router.push(`/incidents/${incidentId}`);
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : "The server could not be reached.");
      setBusy(false);
    }
  }
  return (
    <form className="panel" onSubmit={(event) => void submit(event)}>
      <div className="form-row">
        <label htmlFor="incident-title">Title</label>
        <input id="incident-title" type="text" value={title} onChange={(event) => setTitle(event.target.value)} placeholder="p99 read latency on db hosts" required />
      </div>
      <div className="form-row">
        <label htmlFor="incident-summary">Summary</label>
        <textarea id="incident-summary" value={summary} onChange={(event) => setSummary(event.target.value)} placeholder="What was seen, since when, who is on it." />
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button className="primary" type="submit" disabled={busy}>
        Open incident
      </button>
    </form>
  );
}
