"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { callApi } from "@/lib/client/api.ts";
import { FormError } from "@/components/ui/form-error.tsx";
import { useFormAction } from "@/components/ui/use-form-action.ts";
import { checkParamValue, type RunbookParam } from "@/lib/shared/runbook-params.ts";
import { ParamInput, paramValueOf } from "./param-input.tsx";

type Scope = { selector: string | null; named: string[]; hosts: { id: string; name: string }[] };

/**
 * Launching a runbook: the values (checked here against the signed schema as
 * they are typed, and again by the server and each agent), the hosts out of
 * what the scope resolves to now, a duration and a reason. The server answers
 * anything outside the policy with a sentence, shown as it is.
 */
export function LaunchForm(props: {
  programId: string;
  revisionId: string;
  params: RunbookParam[];
  maxDurationSec: number;
  maxHosts: number;
  scope: Scope;
  incidents: { id: string; title: string }[];
  incidentId: string | null;
}) {
  const router = useRouter();
  const [texts, setTexts] = useState<Record<string, string>>(() => Object.fromEntries(props.params.map((p) => [p.name, String(p.default)])));
  const [chosen, setChosen] = useState<string[]>(() => props.scope.hosts.slice(0, Math.min(1, props.maxHosts)).map((h) => h.id));
  const [durationSec, setDurationSec] = useState(String(Math.min(60, props.maxDurationSec)));
  const [reason, setReason] = useState("");
  const [incidentId, setIncidentId] = useState(props.incidentId ?? "");
  const { busy, error, run } = useFormAction();

  const values = Object.fromEntries(props.params.map((p) => [p.name, paramValueOf(p, texts[p.name] ?? "")]));
  const problems = Object.fromEntries(props.params.map((p) => [p.name, checkParamValue(p, values[p.name])]));
  const duration = Number(durationSec);
  const durationProblem = Number.isInteger(duration) && duration >= 1 && duration <= props.maxDurationSec ? null : `The duration is 1 to ${props.maxDurationSec} seconds.`;
  const hostProblem = chosen.length === 0 ? "Pick at least one host." : chosen.length > props.maxHosts ? `At most ${props.maxHosts} hosts per launch.` : null;
  const ready = !Object.values(problems).some(Boolean) && !durationProblem && !hostProblem && reason.trim().length > 0;
  const scopeText = [props.scope.named.length ? `hosts ${props.scope.named.join(", ")}` : null, props.scope.selector ? `hosts matching ${props.scope.selector}` : null]
    .filter(Boolean)
    .join(" and ");

  function toggle(hostId: string) {
    setChosen((current) => (current.includes(hostId) ? current.filter((id) => id !== hostId) : [...current, hostId]));
  }

  async function launch() {
    await run(
      async () => {
        const outcome = await callApi<{ runIds: string[] }>("POST", `/api/runbooks/${props.programId}/launches`, {
          revisionId: props.revisionId,
          hostIds: chosen,
          values,
          durationSec: duration,
          reason,
          ...(incidentId ? { incidentId } : {}),
        });
        router.push(`/runs/${outcome.runIds[0]}`);
      },
      { staysBusyOnSuccess: true },
    );
  }

  return (
    <form onSubmit={(e) => e.preventDefault()} aria-label="Launch">
      {props.params.map((param) => (
        <ParamInput
          key={param.name}
          param={param}
          value={texts[param.name] ?? ""}
          problem={problems[param.name] ?? null}
          onChange={(text) => setTexts((t) => ({ ...t, [param.name]: text }))}
        />
      ))}
      <fieldset className="form-row">
        <legend>
          Hosts: <span data-testid="scope-count">{props.scope.hosts.length}</span> in scope now ({scopeText}); {chosen.length} picked, at most {props.maxHosts}
        </legend>
        {props.scope.hosts.length === 0 && <p className="notice">No enrolled host is in this runbook&apos;s scope now.</p>}
        {props.scope.hosts.map((host) => (
          <label key={host.id} className="check">
            <input type="checkbox" checked={chosen.includes(host.id)} onChange={() => toggle(host.id)} /> {host.name}
          </label>
        ))}
        {hostProblem && <span className="error">{hostProblem}</span>}
      </fieldset>
      <div className="form-row">
        <label htmlFor="launch-duration">Duration (seconds)</label>
        <input id="launch-duration" type="number" min={1} max={props.maxDurationSec} step={1} value={durationSec} onChange={(e) => setDurationSec(e.target.value)} />
        {durationProblem && <span className="error">{durationProblem}</span>}
      </div>
      <div className="form-row">
        <label htmlFor="launch-reason">Why</label>
        <textarea id="launch-reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} required />
      </div>
      <div className="form-row">
        <label htmlFor="launch-incident">Incident</label>
        <select id="launch-incident" value={incidentId} onChange={(e) => setIncidentId(e.target.value)}>
          <option value="">None</option>
          {props.incidents.map((incident) => (
            <option key={incident.id} value={incident.id}>
              {incident.title}
            </option>
          ))}
        </select>
      </div>
      <FormError error={error} />
      <div className="actions">
        <button className="primary" type="button" disabled={busy || !ready} onClick={() => void launch()}>
          Launch
        </button>
      </div>
    </form>
  );
}
