"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { callApi } from "@/lib/client/api.ts";
import { FormError } from "@/components/ui/form-error.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import { useFormAction } from "@/components/ui/use-form-action.ts";

export function CreateIncidentForm() {
  const router = useRouter();
  const [title, setTitle] = useState("");
  const [summary, setSummary] = useState("");
  const { busy, error, run } = useFormAction();
  async function submit(event: React.FormEvent) {
    event.preventDefault();
    await run(
      async () => {
        const { incidentId } = await callApi<{ incidentId: string }>("POST", "/api/incidents", { title, summary });
        router.push(`/incidents/${incidentId}`);
      },
      { staysBusyOnSuccess: true },
    );
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
      <FormError error={error} />
      <SubmitButton busy={busy}>Open incident</SubmitButton>
    </form>
  );
}
