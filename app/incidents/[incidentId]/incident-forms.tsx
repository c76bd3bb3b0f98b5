"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { callApi } from "@/lib/client/api.ts";
import { FormError } from "@/components/ui/form-error.tsx";
import { useFormAction } from "@/components/ui/use-form-action.ts";

function useAction() {
  const router = useRouter();
  const form = useFormAction();
  const run = (action: () => Promise<unknown>, after?: () => void) =>
    form.run(async () => {
      await action();
      after?.();
      router.refresh();
    });
  return { error: form.error, busy: form.busy, run };
}

/** Attach runs (one host's run, or every host of one approval at once) as evidence or baseline. */
export function AttachRunsForm({ incidentId, choices }: { incidentId: string; choices: { value: string; label: string }[] }) {
  const [value, setValue] = useState("");
  const [role, setRole] = useState<"INCIDENT" | "BASELINE">("INCIDENT");
  const { error, busy, run } = useAction();
  return (
    <form
      className="actions"
      onSubmit={(event) => {
        event.preventDefault();
        void run(
          async () => {
            for (const runId of value.split(",")) await callApi("POST", `/api/incidents/${incidentId}/runs`, { runId, role });
          },
          () => setValue(""),
        );
      }}
    >
      <label>
        Run{" "}
        <select value={value} onChange={(event) => setValue(event.target.value)} required aria-label="Run to attach">
          <option value="">choose a run…</option>
          {choices.map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        as{" "}
        <select value={role} onChange={(event) => setRole(event.target.value as "INCIDENT" | "BASELINE")} aria-label="Role">
          <option value="INCIDENT">incident evidence</option>
          <option value="BASELINE">baseline</option>
        </select>
      </label>
      <button type="submit" className="primary" disabled={busy || !value}>
        Attach
      </button>
      <FormError error={error} />
    </form>
  );
}

export function DetachRunButton({ incidentId, runId }: { incidentId: string; runId: string }) {
  const { error, busy, run } = useAction();
  return (
    <>
      <button type="button" className="small" disabled={busy} onClick={() => void run(() => callApi("DELETE", `/api/incidents/${incidentId}/runs/${runId}`))}>
        Detach
      </button>
      <FormError error={error} />
    </>
  );
}

export function NoteForm({ incidentId }: { incidentId: string }) {
  const [body, setBody] = useState("");
  const { error, busy, run } = useAction();
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void run(
          () => callApi("POST", `/api/incidents/${incidentId}/notes`, { body }),
          () => setBody(""),
        );
      }}
    >
      <div className="form-row">
        <label htmlFor="incident-note">Add a note</label>
        <textarea id="incident-note" value={body} onChange={(event) => setBody(event.target.value)} placeholder="What you saw, what you tried, what it means." />
      </div>
      <button type="submit" disabled={busy || body.trim() === ""}>
        Add note
      </button>
      <FormError error={error} />
    </form>
  );
}

export function StatusButton({ incidentId, status }: { incidentId: string; status: "OPEN" | "RESOLVED" }) {
  const { error, busy, run } = useAction();
  const next = status === "OPEN" ? "RESOLVED" : "OPEN";
  return (
    <>
      <button type="button" disabled={busy} onClick={() => void run(() => callApi("PATCH", `/api/incidents/${incidentId}`, { status: next }))}>
        {next === "RESOLVED" ? "Mark resolved" : "Reopen"}
      </button>
      <FormError error={error} />
    </>
  );
}
