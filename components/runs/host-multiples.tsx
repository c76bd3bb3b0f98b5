"use client";
// The hosts of a multi-host run side by side: one small histogram per host
// of the same selection and moment, badged when a host stopped reporting or ended.
import { useMemo } from "react";
import { exportFileName } from "@/lib/views/run-export.ts";
import { HistogramPanel } from "./histogram-panel.tsx";
import type { RunWorkspaceModel } from "./use-run-workspace.ts";
import { histogramAt } from "./view-model.ts";

export function HostMultiples({ model }: { model: RunWorkspaceModel }) {
  const { view, shown, time, binMs, unit, hosts, labels } = model;
  const perHost = useMemo(() => view.runs.map((run) => ({ run, buckets: histogramAt([run.timeline], view.axes, shown, time, binMs) })), [view, shown, time, binMs]);
  return (
    <section className="panel">
      <h2>Hosts side by side</h2>
      <div className="multiples" data-testid="host-multiples">
        {perHost.map(({ run, buckets }) => {
          const host = hosts.find((h) => h.runId === run.snapshot.id)!;
          return (
            <HistogramPanel
              key={run.snapshot.id}
              compact
              testId="host-histogram"
              title={run.snapshot.hostName}
              subtitle={labels.mode}
              badge={host.notReporting ? <span className="badge FAILED">not reporting</span> : host.state === "ENDED" ? <span className="badge ENDED">ended</span> : undefined}
              buckets={buckets}
              unit={unit}
              fileName={exportFileName(run.snapshot.id, `${labels.fileBase} ${run.snapshot.hostName}`, "png")}
            />
          );
        })}
      </div>
    </section>
  );
}
