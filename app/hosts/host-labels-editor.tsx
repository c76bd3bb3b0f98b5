"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { callApi } from "@/lib/client/api.ts";
import { FormError } from "@/components/ui/form-error.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import { useFormAction } from "@/components/ui/use-form-action.ts";
import { normalizeLabels, splitLabelText } from "@/lib/shared/host-labels.ts";

/**
 * A host's labels, and for admins an editor: the labels as text (key=value,
 * separated by spaces or commas) and a reason for the audit trail. Checked
 * here with the server's own rules before anything is sent.
 */
export function HostLabelsEditor({ hostId, hostName, labels, canEdit }: { hostId: string; hostName: string; labels: string[]; canEdit: boolean }) {
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(labels.join(" "));
  const [reason, setReason] = useState("");
  const { busy, error, run } = useFormAction();
  const checked = normalizeLabels(splitLabelText(text));

  async function save(event: React.FormEvent) {
    event.preventDefault();
    if (!checked.ok) return;
    const { labels: chosen } = checked;
    await run(async () => {
      await callApi("PUT", `/api/hosts/${hostId}/labels`, { labels: chosen, reason });
      setEditing(false);
      router.refresh();
    });
  }

  if (!editing) {
    return (
      <span data-testid="host-labels">
        <span className="mono">{labels.join(", ")}</span>{" "}
        {canEdit && (
          <button type="button" onClick={() => setEditing(true)} aria-label={`Edit the labels of ${hostName}`}>
            Edit
          </button>
        )}
      </span>
    );
  }
  return (
    <form onSubmit={(event) => void save(event)} className="form-row" aria-label={`Labels of ${hostName}`}>
      <input type="text" aria-label="Labels" value={text} onChange={(e) => setText(e.target.value)} placeholder="role=db zone=eu-1 canary" spellCheck={false} />
      <input
        type="text"
        aria-label="Reason for the change"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        placeholder="why (kept in the audit trail)"
        maxLength={500}
      />
      {!checked.ok && <span className="error">{checked.error}</span>}
      <FormError error={error} inline />
      <div className="actions">
        <SubmitButton busy={busy} disabled={!checked.ok}>
          Save labels
        </SubmitButton>
        <button type="button" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
