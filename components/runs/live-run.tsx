"use client";

import { useEffect, useMemo, useState } from "react";
import type { RunSnapshot } from "@/lib/shared/socket-events.ts";
import type { Frame } from "@/lib/shared/frame.ts";
import type { HistRecord } from "@/lib/shared/bpftrace/records.ts";
import { inferUnit } from "@/lib/shared/histogram.ts";
import { HistogramChart } from "@/components/histogram-chart/histogram-chart.tsx";
import { ApiError, callApi } from "@/lib/client/api.ts";
import { describeRunEnd } from "./describe-run-end.ts";
import { useRunStream } from "./use-run-stream.ts";

function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

/** The newest histogram of each map: bpftrace prints cumulative maps, so the last print is the current state. */
function latestHistograms(frames: Frame[]): HistRecord[] {
  const byMap = new Map<string, HistRecord>();
  for (const frame of frames) if (frame.record.type === "hist") byMap.set(frame.record.map, frame.record);
  return [...byMap.values()];
}

function RemainingTime({ run, now }: { run: RunSnapshot; now: number }) {
  if (run.status !== "RUNNING" || !run.startedAt) return null;
  const deadline = Math.min(Date.parse(run.startedAt) + run.durationSec * 1000, Date.parse(run.expiresAt));
  const left = Math.max(0, Math.round((deadline - now) / 1000));
  return <span data-testid="time-left">{left} s left</span>;
}

export function LiveRun({ initial, canStop }: { initial: RunSnapshot; canStop: boolean }) {
  const { run, frames, connected, error } = useRunStream(initial);
  const now = useNow(run.status === "RUNNING");
  const histograms = useMemo(() => latestHistograms(frames), [frames]);
  const [stopError, setStopError] = useState<string | null>(null);
  const [stopping, setStopping] = useState(false);

  async function stop() {
    setStopping(true);
    setStopError(null);
    try {
      await callApi("POST", `/api/runs/${run.id}/stop`);
    } catch (caught) {
      setStopError(caught instanceof ApiError ? caught.message : "The server could not be reached.");
      setStopping(false);
    }
  }

  return (
    <div>
      <section className="panel">
        <div className="actions">
          <span className={`badge ${run.status}`} data-testid="run-status">
            {run.status.toLowerCase()}
          </span>
          <RemainingTime run={run} now={now} />
          <span className="muted" data-testid="frame-count">
            {frames.length} frames
          </span>
          <span className="muted">{connected ? "live" : "connecting…"}</span>
          <span style={{ flex: 1 }} />
          {canStop && run.status !== "ENDED" && (
            <button className="danger" type="button" onClick={() => void stop()} disabled={stopping || !!run.stopRequestedAt}>
              {run.stopRequestedAt ? "Stopping…" : "Stop run"}
            </button>
          )}
        </div>
        {run.status === "QUEUED" && <p className="notice">Signed and waiting for the agent on {run.hostName}.</p>}
        {run.status === "ENDED" && (
          <p className={run.endReason === "FAILED" || run.endReason === "REFUSED" ? "error" : "notice"} data-testid="end-reason">
            {describeRunEnd(run.endReason, run.endDetail, run.durationSec)}
          </p>
        )}
        {(error || stopError) && (
          <p className="error" role="alert">
            {error ?? stopError}
          </p>
        )}
      </section>
      {histograms.length === 0 ? (
        <p className="notice">{run.status === "ENDED" ? "The run printed no histogram." : "No histogram yet: waiting for bpftrace to print one."}</p>
      ) : (
        histograms.flatMap((hist) =>
          hist.series.map((series) => (
            <section className="panel" key={`${hist.map}/${series.key ?? ""}`}>
              <HistogramChart
                title={series.key === null ? hist.map : `${hist.map}[${series.key}]`}
                buckets={series.buckets}
                unit={inferUnit(hist.map)}
              />
            </section>
          )),
        )
      )}
    </div>
  );
}
