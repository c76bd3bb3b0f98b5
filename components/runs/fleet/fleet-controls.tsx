"use client";
// What the fleet's charts show: the map (and key), each host's whole run
// or its last interval, the unit, and how far back the heatmap reaches.
import type { HistogramUnit } from "@/lib/shared/histogram.ts";
import { ALL_KEYS, keyLabel } from "../view-model.ts";
import { MAX_WINDOW_BINS } from "./fleet-heatmap.ts";
import { fleetUnit, type FleetSelection } from "./fleet-model.ts";
import type { FleetViewModel } from "./use-fleet-view.ts";

const UNITS: { value: HistogramUnit | "auto"; label: string }[] = [
  { value: "auto", label: "from the map name" },
  { value: "ns", label: "ns" },
  { value: "us", label: "µs" },
  { value: "ms", label: "ms" },
  { value: "s", label: "s" },
  { value: "none", label: "plain numbers" },
];
const WINDOWS = [
  { value: 60, label: "last minute" },
  { value: 300, label: "last 5 minutes" },
  { value: MAX_WINDOW_BINS, label: "last 15 minutes" },
];

export function FleetControls({ model }: { model: FleetViewModel }) {
  const { selection, setSelection, options, option, shown, windowSec, setWindowSec } = model;
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
          Last interval
        </button>
      </span>
      <label>
        Unit{" "}
        <select value={selection.unit} onChange={(event) => setSelection({ ...selection, unit: event.target.value as FleetSelection["unit"] })}>
          {UNITS.map((u) => (
            <option key={u.value} value={u.value}>
              {u.value === "auto" && shown.map ? `${u.label} (${fleetUnit({ ...shown, unit: "auto" })})` : u.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Heatmap window{" "}
        <select value={windowSec} onChange={(event) => setWindowSec(Number(event.target.value))}>
          {WINDOWS.map((w) => (
            <option key={w.value} value={w.value}>
              {w.label}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}
