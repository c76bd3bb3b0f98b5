"use client";
// What to show: the map (and key), whole run or current interval, the unit,
// and the moment (pause and resume live; a slider and play when recorded).
import type { HistogramUnit } from "@/lib/shared/histogram.ts";
import { PlaybackBar } from "./playback-bar.tsx";
import type { RunWorkspaceModel } from "./use-run-workspace.ts";
import { ALL_KEYS, keyLabel, unitOf, type Selection } from "./view-model.ts";

const UNITS: { value: HistogramUnit | "auto"; label: string }[] = [
  { value: "auto", label: "from the map name" },
  { value: "ns", label: "ns" },
  { value: "us", label: "µs" },
  { value: "ms", label: "ms" },
  { value: "s", label: "s" },
  { value: "none", label: "plain numbers" },
];

export function WorkspaceControls({ model }: { model: RunWorkspaceModel }) {
  const { selection, setSelection, options, option, shown, recorded, view, playback, binMs } = model;
  return (
    <section className="panel controls" aria-label="What to show">
      <label>
        Histogram map{" "}
        <select value={shown.map ?? ""} onChange={(event) => setSelection({ ...selection, map: event.target.value, key: ALL_KEYS })} disabled={options.length === 0}>
          {options.length === 0 && <option value="">none yet</option>}
          {options.map((o) => (
            <option key={o.map} value={o.map}>
              {o.map}
            </option>
          ))}
        </select>
      </label>
      {option?.keyed && (
        <label>
          Key{" "}
          <select value={shown.key ?? ""} onChange={(event) => setSelection({ ...selection, key: event.target.value })} data-testid="key-picker">
            <option value={ALL_KEYS}>all keys, summed</option>
            {option.keys.slice(0, 50).map(({ key, count }) => (
              <option key={String(key)} value={key ?? ""}>
                {keyLabel(key)} ({count.toLocaleString("en-US")})
              </option>
            ))}
          </select>
        </label>
      )}
      <span className="segmented" role="group" aria-label="Histogram of">
        <button type="button" aria-pressed={shown.mode === "whole"} onClick={() => setSelection({ ...selection, mode: "whole" })}>
          Whole run
        </button>
        <button type="button" aria-pressed={shown.mode === "interval"} onClick={() => setSelection({ ...selection, mode: "interval" })}>
          Current interval
        </button>
      </span>
      <label>
        Unit{" "}
        <select value={selection.unit} onChange={(event) => setSelection({ ...selection, unit: event.target.value as Selection["unit"] })}>
          {UNITS.map((u) => (
            <option key={u.value} value={u.value}>
              {u.value === "auto" && shown.map ? `${u.label} (${unitOf({ ...shown, unit: "auto" })})` : u.label}
            </option>
          ))}
        </select>
      </label>
      <span style={{ flex: 1 }} />
      <PlaybackBar recorded={recorded} range={view.range} playback={playback} binMs={binMs} />
    </section>
  );
}
