"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { ProgramEditor } from "@/components/program-editor/index.tsx";
import { callApi } from "@/lib/client/api.ts";
import { FormError } from "@/components/ui/form-error.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import { useFormAction } from "@/components/ui/use-form-action.ts";
import type { LintPolicy } from "@/lib/shared/policy/policy.ts";
import { parseCompileErrors } from "@/lib/shared/bpftrace/compile-errors.ts";
import { DEFAULT_CANARY_PERIOD_SEC, MAX_CANARY_PERIOD_SEC } from "@/lib/shared/input-limits.ts";
import { DryRunPanel, type DryRun } from "@/components/reviews/dry-run-panel.tsx";
import { TargetPicker, type HostOption } from "./target-picker.tsx";
import { useProbeCatalog, useProgramLint } from "./use-program-lint.ts";
import { useSelectorMatches } from "./use-selector-matches.ts";

export type { HostOption };

/** The probes endpoint takes at most this many hosts; a fleet's catalog is a sample of it. */
const CATALOG_HOSTS = 64;

type Props = {
  hosts: HostOption[];
  maxDurationSec: number;
  maxHostsPerApproval: number;
  /** The server's lint policy, so the editor flags exactly what submission would refuse. */
  lintPolicy: LintPolicy;
  initial: { name: string; source: string; durationSec: number; targetHostIds: string[]; targetSelector: string | null; canaryPeriodSec?: number | null };
} & (
  | { mode: "create" }
  | {
      mode: "revise";
      programId: string;
      baseRevision: number;
      /** Dry runs of the revision being edited: bpftrace's compile errors are marked in the editor while its text is unchanged. */
      dryRun: { revisionId: string; source: string; hosts: { id: string; name: string }[]; initial: DryRun[]; canRequest: boolean };
    }
);

/** Writing a program, or a new revision of one, and submitting it for review. */
export function ProgramForm(props: Props) {
  const router = useRouter();
  const [name, setName] = useState(props.initial.name);
  const [source, setSource] = useState(props.initial.source);
  const [durationSec, setDurationSec] = useState(String(props.initial.durationSec));
  const [targets, setTargets] = useState<string[]>(props.initial.targetHostIds);
  const [selector, setSelector] = useState(props.initial.targetSelector ?? "");
  const [canaryPeriodSec, setCanaryPeriodSec] = useState(String(props.initial.canaryPeriodSec ?? DEFAULT_CANARY_PERIOD_SEC));
  const { busy, error, run } = useFormAction();

  const matches = useSelectorMatches(selector);
  const catalog = useProbeCatalog([...new Set([...targets, ...(matches.state === "ok" ? matches.hosts.map((h) => h.id) : [])])].slice(0, CATALOG_HOSTS));
  const lint = useProgramLint(source, props.lintPolicy, catalog);
  const [dryRun, setDryRun] = useState<DryRun | undefined>(props.mode === "revise" ? props.dryRun.initial[0] : undefined);
  // bpftrace's errors point into the revision it compiled; once the text changes they would point at the wrong place.
  const compileMarkers =
    props.mode === "revise" && dryRun?.status === "FAILED" && source === props.dryRun.source
      ? parseCompileErrors(dryRun.message ?? "").map((e) => ({ ...e, severity: "error" as const, code: "bpftrace", message: `bpftrace on ${dryRun.hostName}: ${e.message}` }))
      : [];

  const toggle = (id: string) => setTargets((current) => (current.includes(id) ? current.filter((t) => t !== id) : [...current, id]));

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    // A blank selector is sent as none (left out).
    const several = targets.length > 1 || selector.trim() !== "";
    const content = {
      source,
      durationSec: Number(durationSec),
      targetHostIds: targets,
      ...(selector.trim() === "" ? {} : { targetSelector: selector }),
      ...(several ? { canary: { periodSec: Number(canaryPeriodSec) } } : {}),
    };
    await run(
      async () => {
        if (props.mode === "create") {
          const created = await callApi<{ programId: string }>("POST", "/api/programs", { name, ...content });
          router.push(`/programs/${created.programId}`);
        } else {
          await callApi("POST", `/api/programs/${props.programId}/revisions`, { ...content, baseRevision: props.baseRevision });
          router.push(`/programs/${props.programId}`);
        }
        router.refresh();
      },
      { staysBusyOnSuccess: true },
    );
  }

  return (
    <form onSubmit={(event) => void submit(event)} className="panel" aria-label={props.mode === "create" ? "New program" : "New revision"}>
      {props.mode === "create" && (
        <div className="form-row">
          <label htmlFor="program-name">Name</label>
          <input id="program-name" type="text" value={name} onChange={(e) => setName(e.target.value)} maxLength={120} required />
        </div>
      )}
      <div className="form-row">
        <label>Program</label>
        <ProgramEditor value={source} onChange={setSource} ariaLabel="bpftrace program" height={320} markers={[...lint.markers, ...compileMarkers]} probes={catalog} />
        <span className={lint.result.blocked ? "error" : "hint"} data-testid="lint-verdict">
          {lint.result.blocked
            ? `The policy refuses this program: ${lint.result.findings.filter((f) => f.severity === "error").length} problem(s) marked in the editor.`
            : `Risk ${lint.result.summary.risk}: ${lint.result.summary.riskReason}`}
        </span>
      </div>
      {props.mode === "revise" && (
        <details className="form-row" data-testid="editor-dry-run">
          <summary>Dry run revision {props.baseRevision} on a target host (compiles it there; nothing attaches)</summary>
          <DryRunPanel revisionId={props.dryRun.revisionId} hosts={props.dryRun.hosts} initial={props.dryRun.initial} canRequest={props.dryRun.canRequest} onResult={setDryRun} />
        </details>
      )}
      <div className="grid2">
        <TargetPicker
          hosts={props.hosts}
          chosen={targets}
          onToggle={toggle}
          selector={selector}
          onSelector={setSelector}
          matches={matches}
          maxHostsPerApproval={props.maxHostsPerApproval}
        />
        <div className="form-row">
          <label htmlFor="duration">Duration limit (seconds)</label>
          <input id="duration" type="number" min={1} max={props.maxDurationSec} value={durationSec} onChange={(e) => setDurationSec(e.target.value)} required />
          <span className="hint">The agent stops bpftrace after this long. At most {props.maxDurationSec} s on this server.</span>
        </div>
        {(targets.length > 1 || selector.trim() !== "") && (
          <div className="form-row">
            <label htmlFor="canary-period">Canary period (seconds)</label>
            <input id="canary-period" type="number" min={0} max={MAX_CANARY_PERIOD_SEC} value={canaryPeriodSec} onChange={(e) => setCanaryPeriodSec(e.target.value)} required />
            <span className="hint">The first host by name starts first; the others only after it ran this long under its CPU budget without error. 0: every host at once.</span>
          </div>
        )}
      </div>
      <FormError error={error} />
      <div className="actions">
        <SubmitButton busy={busy} busyLabel="Submitting…" disabled={lint.result.blocked || matches.state === "invalid"}>
          {props.mode === "create" ? "Submit for review" : "Submit new revision"}
        </SubmitButton>
      </div>
    </form>
  );
}
