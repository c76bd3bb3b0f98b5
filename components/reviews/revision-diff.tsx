"use client";

import { useState } from "react";
import { ProgramDiffEditor } from "@/components/program-editor/index.tsx";

type Version = { number: number; source: string; durationSec: number; targets: string[]; selector: string | null };

/** "a, b and 40 more": a changed fleet of named hosts stays one line. */
const few = (names: string[]) => (names.length > 6 ? `${names.slice(0, 6).join(", ")} and ${names.length - 6} more` : names.join(", ") || "none");

/** Side by side: any earlier revision against this one, including limits and targets. */
export function RevisionDiff({ current, earlier }: { current: Version; earlier: Version[] }) {
  const [against, setAgainst] = useState(earlier[0]?.number ?? 0);
  const base = earlier.find((v) => v.number === against);
  if (!base) return <p className="notice">This is the first revision; there is nothing to compare with.</p>;
  const changes = [
    base.durationSec !== current.durationSec && `duration ${base.durationSec} s → ${current.durationSec} s`,
    base.targets.join(",") !== current.targets.join(",") && `named hosts ${few(base.targets)} → ${few(current.targets)}`,
    base.selector !== current.selector && `selector ${base.selector ?? "none"} → ${current.selector ?? "none"}`,
  ].filter(Boolean);
  return (
    <div data-testid="revision-diff">
      <div className="actions">
        <label htmlFor="diff-against">Compare revision {current.number} with</label>
        <select id="diff-against" value={against} onChange={(e) => setAgainst(Number(e.target.value))}>
          {earlier.map((v) => (
            <option key={v.number} value={v.number}>
              revision {v.number}
            </option>
          ))}
        </select>
        <span className="muted">{changes.length ? changes.join("; ") : "same limits and targets"}</span>
      </div>
      <ProgramDiffEditor original={base.source} modified={current.source} height={280} />
    </div>
  );
}
