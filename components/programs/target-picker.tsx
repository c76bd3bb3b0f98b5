"use client";

import { useState } from "react";
import { labelMap } from "@/lib/shared/host-labels.ts";
import { parseHostSelector, selectorMatchesLabels } from "@/lib/shared/host-selector.ts";
import type { SelectorMatches } from "./use-selector-matches.ts";

export type HostOption = { id: string; name: string; labels: string[] };

/** Up to this many hosts the form lists them all; past it, a filter finds them. */
const LIST_ALL_UP_TO = 30;
const LIST_FILTERED = 100;

const plural = (n: number) => `${n.toLocaleString("en-US")} host${n === 1 ? "" : "s"}`;

/**
 * Where a program runs: hosts picked by name, a label selector, or both. The
 * selector's matches are counted by the server as it is typed; the total adds
 * the named hosts the selector does not already cover.
 */
export function TargetPicker({
  hosts,
  chosen,
  onToggle,
  selector,
  onSelector,
  matches,
  maxHostsPerApproval,
}: {
  hosts: HostOption[];
  chosen: string[];
  onToggle: (hostId: string) => void;
  selector: string;
  onSelector: (text: string) => void;
  matches: SelectorMatches;
  maxHostsPerApproval: number;
}) {
  const [filter, setFilter] = useState("");
  const chosenSet = new Set(chosen);
  const parsed = parseHostSelector(selector);
  const compiled = parsed.ok ? parsed.selector : null;
  const namedOutsideSelector = hosts.filter((host) => chosenSet.has(host.id) && !(compiled && selectorMatchesLabels(compiled, labelMap(host.labels)))).length;
  const total = matches.state === "ok" ? matches.count + namedOutsideSelector : chosen.length;

  const needle = filter.trim().toLowerCase();
  const listed =
    hosts.length <= LIST_ALL_UP_TO
      ? hosts
      : [
          ...hosts.filter((host) => chosenSet.has(host.id)),
          ...hosts
            .filter((host) => !chosenSet.has(host.id) && needle !== "" && (host.name.toLowerCase().includes(needle) || host.labels.some((l) => l.toLowerCase().includes(needle))))
            .slice(0, LIST_FILTERED),
        ];

  return (
    <fieldset className="form-row" data-testid="target-picker">
      <legend>
        <strong>Target hosts</strong>
      </legend>
      <div className="form-row">
        <label htmlFor="target-selector">Label selector</label>
        <input
          id="target-selector"
          type="text"
          value={selector}
          onChange={(e) => onSelector(e.target.value)}
          placeholder="role=db,zone!=eu-1,canary"
          spellCheck={false}
          autoComplete="off"
        />
        <span className={matches.state === "invalid" || matches.state === "failed" ? "error" : "hint"} data-testid="selector-matches">
          {matches.state === "none" && "Optional. key=value, key!=value, key (has it), !key (lacks it); commas mean and. Resolved again when approved."}
          {matches.state === "invalid" && matches.error}
          {matches.state === "loading" && `Counting the hosts ${matches.canonical} matches…`}
          {matches.state === "failed" && matches.error}
          {matches.state === "ok" && (
            <>
              Matches {plural(matches.count)} now
              {matches.hosts.length > 0 &&
                `: ${matches.hosts
                  .slice(0, 5)
                  .map((h) => h.name)
                  .join(", ")}${matches.count > 5 ? ", …" : ""}`}
              . Hosts enrolled before approval count too.
            </>
          )}
        </span>
      </div>
      <div className="form-row">
        <span>
          <strong>By name</strong> <span className="muted">({chosen.length} chosen)</span>
        </span>
        {hosts.length === 0 ? (
          <p className="notice">No host is enrolled yet. An admin enrolls hosts on the Hosts page.</p>
        ) : (
          <>
            {hosts.length > LIST_ALL_UP_TO && (
              <input
                type="text"
                aria-label="Find hosts by name or label"
                placeholder={`Find among ${plural(hosts.length)} by name or label`}
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
              />
            )}
            <div className="hosts-choice">
              {listed.map((host) => (
                <label key={host.id} title={host.labels.join(", ")}>
                  <input type="checkbox" checked={chosenSet.has(host.id)} onChange={() => onToggle(host.id)} /> {host.name}
                </label>
              ))}
            </div>
          </>
        )}
      </div>
      <span className={total > maxHostsPerApproval ? "error" : "hint"} data-testid="target-total">
        {total > maxHostsPerApproval
          ? `${plural(total)}: more than the ${maxHostsPerApproval.toLocaleString("en-US")} one approval may sign for.`
          : `Approved now, it would run on ${plural(total)}.`}
      </span>
    </fieldset>
  );
}
