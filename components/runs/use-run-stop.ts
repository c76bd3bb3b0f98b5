"use client";
// Stopping runs from a run page: one POST /api/runs/{id}/stop per run (the
// server decides who may, and answers with a sentence when it refuses).
// A fleet asks a few at a time, so stopping 2,000 hosts neither queues 2,000
// requests at once nor waits for each in turn.
import { useCallback, useState } from "react";
import { ApiError, callApi } from "@/lib/client/api.ts";

const CONCURRENT_STOPS = 4;

export type RunStop = {
  /** Runs asked to stop from this page whose request has not failed. */
  stopping: ReadonlySet<string>;
  stopError: string | null;
  stop(runIds: readonly string[]): Promise<void>;
};

export function useRunStop(): RunStop {
  const [stopping, setStopping] = useState<ReadonlySet<string>>(() => new Set());
  const [stopError, setStopError] = useState<string | null>(null);

  const stop = useCallback(async (runIds: readonly string[]) => {
    setStopError(null);
    setStopping((current) => new Set([...current, ...runIds]));
    const queue = [...runIds];
    const worker = async () => {
      for (let runId = queue.shift(); runId !== undefined; runId = queue.shift()) {
        try {
          await callApi("POST", `/api/runs/${encodeURIComponent(runId)}/stop`);
        } catch (caught) {
          setStopError(caught instanceof ApiError ? caught.message : "The server could not be reached.");
          const failed = runId;
          setStopping((current) => new Set([...current].filter((id) => id !== failed)));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_STOPS, runIds.length) }, worker));
  }, []);

  return { stopping, stopError, stop };
}
