"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { ApiError, callApi } from "@/lib/client/api.ts";
import { PROBE_TYPES } from "@/lib/shared/bpftrace/language.ts";
import type { LintPolicy } from "@/lib/shared/policy/policy.ts";

type ReviewRules = { approvalsRequired: number; reviewWindowHours: number; approvalValidHours: number; elevatedNeedSecurityReview: boolean };

function NumberField({ id, label, hint, value, onChange, step = 1 }: { id: string; label: string; hint: string; value: number; onChange(v: number): void; step?: number }) {
  return (
    <div className="form-row">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" step={step} value={value} onChange={(e) => onChange(Number(e.target.value))} />
      <span className="hint">{hint}</span>
    </div>
  );
}

export function SettingsForm({ reviewRules, lintOverrides, effectivePolicy }: { reviewRules: ReviewRules; lintOverrides: Partial<LintPolicy>; effectivePolicy: LintPolicy }) {
  const router = useRouter();
  const [rules, setRules] = useState(reviewRules);
  const [policy, setPolicy] = useState(effectivePolicy);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const selectable = [...new Set(PROBE_TYPES.map((t) => t.name))].filter((name) => !policy.elevatedProbeTypes.includes(name));

  async function save(event: React.FormEvent) {
    event.preventDefault();
    setMessage(null);
    // Only what differs from the effective default is stored, so later default changes still reach untouched fields.
    const changed = Object.fromEntries(
      Object.entries(policy).filter(([key, value]) => key in lintOverrides || JSON.stringify(value) !== JSON.stringify(effectivePolicy[key as keyof LintPolicy])),
    );
    try {
      await callApi("PUT", "/api/settings", { reviewRules: rules, lintPolicy: changed });
      setMessage({ ok: true, text: "Saved." });
      router.refresh();
    } catch (caught) {
      setMessage({ ok: false, text: caught instanceof ApiError ? caught.message : "The server could not be reached." });
    }
  }

  return (
    <form className="panel" onSubmit={(event) => void save(event)} aria-label="Settings">
      <h2>Reviews</h2>
      <div className="grid2">
        <NumberField
          id="approvals"
          label="Approvals required"
          hint="From different reviewers, none of them the author or last editor."
          value={rules.approvalsRequired}
          onChange={(v) => setRules({ ...rules, approvalsRequired: v })}
        />
        <NumberField
          id="window"
          label="Review window (hours)"
          hint="A submitted revision nobody decides by then expires."
          value={rules.reviewWindowHours}
          onChange={(v) => setRules({ ...rules, reviewWindowHours: v })}
        />
        <NumberField
          id="validity"
          label="Approval valid for (hours)"
          step={0.25}
          hint="Its run orders expire then; runs still going are stopped."
          value={rules.approvalValidHours}
          onChange={(v) => setRules({ ...rules, approvalValidHours: v })}
        />
        <div className="form-row">
          <label>
            <input type="checkbox" checked={rules.elevatedNeedSecurityReview} onChange={(e) => setRules({ ...rules, elevatedNeedSecurityReview: e.target.checked })} /> Elevated
            probes need a security reviewer&apos;s approval
          </label>
          <span className="hint">uprobes, kprobes and other types the lint flags, and broad wildcards.</span>
        </div>
      </div>
      <h2>Policy lint</h2>
      <fieldset className="form-row">
        <legend>
          <strong>Probe types any program may use</strong>
        </legend>
        <div className="hosts-choice">
          {selectable.map((name) => (
            <label key={name}>
              <input
                type="checkbox"
                checked={policy.allowedProbeTypes.includes(name)}
                onChange={(e) =>
                  setPolicy({ ...policy, allowedProbeTypes: e.target.checked ? [...policy.allowedProbeTypes, name] : policy.allowedProbeTypes.filter((t) => t !== name) })
                }
              />{" "}
              {name}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="form-row">
        <label>
          <input type="checkbox" checked={policy.allowElevatedProbeTypes} onChange={(e) => setPolicy({ ...policy, allowElevatedProbeTypes: e.target.checked })} /> Allow elevated
          probe types ({policy.elevatedProbeTypes.join(", ")})
        </label>
      </div>
      <div className="grid2">
        <NumberField
          id="per-wildcard"
          label="Probes one wildcard may expand to"
          hint="Counted against the target hosts' probe lists."
          value={policy.maxProbesPerWildcard}
          onChange={(v) => setPolicy({ ...policy, maxProbesPerWildcard: v })}
        />
        <NumberField
          id="total-probes"
          label="Probes per program"
          hint="BEGIN and END included."
          value={policy.maxTotalProbes}
          onChange={(v) => setPolicy({ ...policy, maxTotalProbes: v })}
        />
      </div>
      {message && (
        <p className={message.ok ? "notice" : "error"} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      )}
      <button className="primary" type="submit">
        Save
      </button>
    </form>
  );
}
