"use client";
// The run page of a fleet: one run of a program on more hosts than fit side
// by side (MAX_HOSTS_SIDE_BY_SIDE and why: fleet-threshold.ts). It draws two charts
// and one page of a host table, however many hosts report: the hosts by state,
// every host merged (histogram and heatmap), and each host's row linking to
// its own run page, where its history is.
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import { useRunStop } from "../use-run-stop.ts";
import { FleetCharts } from "./fleet-charts.tsx";
import { FleetControls } from "./fleet-controls.tsx";
import { FleetHostTable } from "./fleet-host-table.tsx";
import { FleetSummary } from "./fleet-summary.tsx";
import { useFleetView } from "./use-fleet-view.ts";
import "../sre-views.css";

export function FleetView({ batchId, initial, canStop }: { batchId: string; initial: RunSnapshotWithOrigin[]; canStop: boolean }) {
  const model = useFleetView(batchId, initial);
  const runStop = useRunStop();
  return (
    <div className="workspace" data-testid="fleet-view" data-hosts={model.view.hosts.length}>
      <FleetSummary model={model} canStop={canStop} runStop={runStop} />
      <FleetControls model={model} />
      <FleetCharts model={model} batchKey={batchId} />
      <FleetHostTable model={model} canStop={canStop} runStop={runStop} />
    </div>
  );
}
