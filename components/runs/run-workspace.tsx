"use client";
// The view an SRE keeps open during an incident: one run, or one run of a
// program on a few hosts (the runs one approval signed), live while it runs
// and replayable once it ended, from the same frames and the same code.
// A fleet (more hosts than fit side by side) has its own view: fleet/fleet-view.tsx.
import type { RunSnapshotWithOrigin } from "@/lib/views/run-origin.ts";
import { HostMultiples } from "./host-multiples.tsx";
import { TopKeys } from "./top-keys.tsx";
import { useRunStop } from "./use-run-stop.ts";
import { useRunWorkspace } from "./use-run-workspace.ts";
import { WorkspaceCharts } from "./workspace-charts.tsx";
import { WorkspaceControls } from "./workspace-controls.tsx";
import { WorkspaceHeader } from "./workspace-header.tsx";
import "./sre-views.css";

export function RunWorkspace({ initial, canStop }: { initial: RunSnapshotWithOrigin[]; canStop: boolean }) {
  const model = useRunWorkspace(initial);
  const runStop = useRunStop();
  const { view, recorded, playback, multiHost, shown } = model;
  const primary = view.runs[0]!.snapshot;
  const allPruned = view.runs.every((run) => run.snapshot.framesPrunedAt !== null);

  return (
    <div className="workspace" data-testid="run-workspace" data-hosts={view.runs.length} data-mode={recorded ? "recorded" : playback.paused ? "paused" : "live"}>
      {primary.origin.kind === "replay" && (
        <p className="replay-banner" data-testid="replay-banner">
          Replay: “{primary.origin.name}”, uploaded by {primary.origin.uploadedBy}
          {primary.origin.sourceHost ? `, recorded on ${primary.origin.sourceHost}` : ""}. This is a recorded capture, not live data from an enrolled host, and its program was not
          reviewed here.
        </p>
      )}
      <WorkspaceHeader model={model} canStop={canStop} runStop={runStop} />
      <WorkspaceControls model={model} />
      {shown.map === null ? (
        <p className="notice">
          {allPruned ? "No histogram to show: the frames were deleted." : recorded ? "The run printed no histogram." : "No histogram yet: waiting for bpftrace to print one."}
        </p>
      ) : (
        <>
          <WorkspaceCharts model={model} />
          {multiHost && <HostMultiples model={model} />}
          <TopKeys model={model} />
        </>
      )}
    </div>
  );
}
