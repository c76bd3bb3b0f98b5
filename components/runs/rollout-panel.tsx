"use client";
// The canary of a run's launch (docs/run-order.md, "Canary"): which hosts
// went first, what they cost, and the decision. Asked again every 2 s while
// the canary runs; a decided rollout never changes.
import { useEffect, useState } from "react";
import { callApi } from "@/lib/client/api.ts";

export type RolloutSummary = {
  state: "CANARY" | "PASSED" | "ABORTED";
  canaryHosts: string[];
  periodSec: number;
  budgetPercent: number;
  decision: string | null;
  decidedAt: string | null;
  canaryCpuPercent: number | null;
  held: number;
};

const POLL_MS = 2_000;

export function RolloutPanel({ runId, initial }: { runId: string; initial: RolloutSummary }) {
  const [rollout, setRollout] = useState(initial);
  const undecided = rollout.state === "CANARY";
  useEffect(() => {
    if (!undecided) return;
    const timer = setInterval(() => {
      callApi<{ rollout: RolloutSummary | null }>("GET", `/api/runs/${encodeURIComponent(runId)}/rollout`)
        .then((answer) => answer.rollout && setRollout(answer.rollout))
        .catch(() => {});
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [runId, undecided]);

  const cost = rollout.canaryCpuPercent === null ? "not measured yet" : `${rollout.canaryCpuPercent.toFixed(2)}% of a CPU at most`;
  return (
    <p className={rollout.state === "ABORTED" ? "error" : "notice"} data-testid="rollout">
      <strong>Canary {rollout.canaryHosts.join(", ")}</strong> ({rollout.periodSec} s, budget {rollout.budgetPercent}% of a CPU, measured {cost}):{" "}
      <span data-testid="rollout-decision">
        {rollout.state === "CANARY" ? `running; ${rollout.held} host(s) wait for it.` : `${rollout.state === "PASSED" ? "passed" : "aborted"}: ${rollout.decision ?? ""}.`}
      </span>
    </p>
  );
}
