"use client";
// The Runs page's stop switch: a banner for every switch engaged now (with
// release for admins), and for SREs and admins the form that stops every run,
// or one program's, label's or host's, with a reason. The server decides who
// may and answers refusals with a sentence.
import { useState } from "react";
import { useRouter } from "next/navigation";
import { callApi } from "@/lib/client/api.ts";
import { FormError } from "@/components/ui/form-error.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import { useFormAction } from "@/components/ui/use-form-action.ts";

export type EngagedSwitch = { id: string; scopeName: string; reason: string; engagedBy: string; engagedAt: string; endedQueued: number; stoppedRunning: number };
type Choice = { id: string; name: string };
type ScopeKind = "all" | "program" | "label" | "host";

export function StopSwitchPanel(props: { engaged: EngagedSwitch[]; canEngage: boolean; canRelease: boolean; programs: Choice[]; hosts: Choice[] }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<ScopeKind>("all");
  const [target, setTarget] = useState("");
  const [reason, setReason] = useState("");
  const { busy, error, run } = useFormAction();

  const scope = () => {
    switch (kind) {
      case "all":
        return { kind };
      case "program":
        return { kind, programId: target };
      case "label":
        return { kind, label: target };
      case "host":
        return { kind, hostId: target };
    }
  };

  async function act(call: () => Promise<unknown>) {
    await run(async () => {
      await call();
      setOpen(false);
      setReason("");
      router.refresh();
    });
  }

  return (
    <section>
      {props.engaged.map((engaged) => (
        <StopSwitchBanner
          key={engaged.id}
          engaged={engaged}
          canRelease={props.canRelease}
          busy={busy}
          onRelease={(why) => act(() => callApi("POST", `/api/stop-switches/${engaged.id}/release`, { reason: why }))}
        />
      ))}
      {props.canEngage && !open && (
        <div className="actions">
          <button className="danger" type="button" onClick={() => setOpen(true)}>
            Stop switch…
          </button>
        </div>
      )}
      {props.canEngage && open && (
        <form
          className="panel"
          aria-label="Stop switch"
          onSubmit={(event) => {
            event.preventDefault();
            void act(() => callApi("POST", "/api/stop-switches", { scope: scope(), reason }));
          }}
        >
          <p>Stops every run in the scope now (queued ones never start) and refuses approvals there until an admin releases the switch.</p>
          <div className="form-row">
            <label htmlFor="stop-scope">Scope</label>
            <select id="stop-scope" value={kind} onChange={(e) => (setKind(e.target.value as ScopeKind), setTarget(""))}>
              <option value="all">Every run</option>
              <option value="program">One program</option>
              <option value="label">Hosts with a label</option>
              <option value="host">One host</option>
            </select>
          </div>
          {(kind === "program" || kind === "host") && (
            <div className="form-row">
              <label htmlFor="stop-target">{kind === "program" ? "Program" : "Host"}</label>
              <select id="stop-target" value={target} onChange={(e) => setTarget(e.target.value)} required>
                <option value="">Choose…</option>
                {(kind === "program" ? props.programs : props.hosts).map((choice) => (
                  <option key={choice.id} value={choice.id}>
                    {choice.name}
                  </option>
                ))}
              </select>
            </div>
          )}
          {kind === "label" && (
            <div className="form-row">
              <label htmlFor="stop-label">Label</label>
              <input id="stop-label" type="text" placeholder="role=db" value={target} onChange={(e) => setTarget(e.target.value)} required />
            </div>
          )}
          <div className="form-row">
            <label htmlFor="stop-reason">Reason</label>
            <input id="stop-reason" type="text" value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={2000} />
          </div>
          <FormError error={error} />
          <div className="actions">
            <SubmitButton className="danger" busy={busy} busyLabel="Stopping…">
              Stop runs in this scope
            </SubmitButton>
            <button type="button" onClick={() => setOpen(false)} disabled={busy}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {!open && <FormError error={error} />}
    </section>
  );
}

function StopSwitchBanner(props: { engaged: EngagedSwitch; canRelease: boolean; busy: boolean; onRelease(reason: string): Promise<void> }) {
  const { engaged } = props;
  const [reason, setReason] = useState("");
  return (
    <div className="error" role="status" data-testid="stop-switch-banner">
      <strong>Stop switch engaged for {engaged.scopeName}</strong> by {engaged.engagedBy} at {engaged.engagedAt.replace("T", " ").slice(0, 19)} UTC: {engaged.reason}.{" "}
      {engaged.endedQueued} queued run(s) ended, {engaged.stoppedRunning} running run(s) stopped; approvals in this scope are refused until an admin releases it.
      {props.canRelease && (
        <form
          className="actions"
          aria-label="Release the stop switch"
          onSubmit={(event) => {
            event.preventDefault();
            void props.onRelease(reason);
          }}
        >
          <input
            aria-label="Reason for releasing"
            type="text"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            required
            maxLength={2000}
            placeholder="Why it is safe again"
          />
          <button type="submit" disabled={props.busy}>
            Release
          </button>
        </form>
      )}
    </div>
  );
}
