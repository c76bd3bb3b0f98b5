"use client";

import { useDeferredValue, useEffect, useMemo, useState } from "react";
import { lintProgram, type LintResult } from "@/lib/shared/policy/lint-program.ts";
import type { LintPolicy } from "@/lib/shared/policy/policy.ts";
import type { EditorMarker } from "@/components/program-editor/index.tsx";

/**
 * The probes the chosen hosts reported; refetched when the choice changes.
 * Until the new choice's catalog arrives the lint runs without one (no
 * probe is flagged as missing), never with another choice's catalog.
 */
export function useProbeCatalog(hostIds: string[]): string[] | undefined {
  const [loaded, setLoaded] = useState<{ key: string; probes: string[] | undefined } | null>(null);
  const key = [...hostIds].sort().join(",");
  useEffect(() => {
    if (!key) return;
    const controller = new AbortController();
    fetch(`/api/hosts/probes?hostIds=${encodeURIComponent(key)}`, { signal: controller.signal })
      .then((response) => (response.ok ? (response.json() as Promise<{ probes: string[] | null }>) : { probes: null }))
      .then((body) => setLoaded({ key, probes: body.probes ?? undefined }))
      .catch(() => {});
    return () => controller.abort();
  }, [key]);
  return key && loaded?.key === key ? loaded.probes : undefined;
}

/**
 * The same lint the server runs at submission, run in the browser as the
 * engineer types (it takes well under a millisecond per KiB), with the
 * server's policy and the chosen hosts' probes.
 */
export function useProgramLint(source: string, policy: LintPolicy, catalog: string[] | undefined): { result: LintResult; markers: EditorMarker[] } {
  const deferred = useDeferredValue(source);
  return useMemo(() => {
    const result = lintProgram(deferred, policy, catalog);
    const markers = result.findings.map((f) => ({
      line: f.line,
      column: f.column,
      endLine: f.endLine,
      endColumn: f.endColumn,
      severity: f.severity,
      code: f.code,
      message: f.message,
    }));
    return { result, markers };
  }, [deferred, policy, catalog]);
}
