"use client";

import type { RunbookParam } from "@/lib/shared/runbook-params.ts";
import { describeParam } from "./runbook-policy-view.tsx";

/** One input per parameter type, with the signed bounds as the browser's own constraints. */
export function ParamInput({ param, value, problem, onChange }: { param: RunbookParam; value: string; problem: string | null; onChange: (text: string) => void }) {
  const id = `param-${param.name}`;
  const common = { id, name: param.name, value, "aria-invalid": problem !== null, onChange: (e: { target: { value: string } }) => onChange(e.target.value) };
  return (
    <div className="form-row">
      <label htmlFor={id}>{param.name}</label>
      {param.type === "integer" ? (
        <input {...common} type="number" step={1} min={param.min} max={param.max} />
      ) : param.type === "duration" ? (
        <input {...common} type="number" step={1} min={param.minSec} max={param.maxSec} />
      ) : param.type === "choice" ? (
        <select {...common}>
          {param.choices.map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
      ) : (
        <input {...common} type="text" maxLength={param.maxLength} />
      )}
      <span className="hint">
        {param.description} ({describeParam(param)}
        {param.type === "duration" ? ", seconds" : ""})
      </span>
      {problem && (
        <span className="error" data-testid={`param-problem-${param.name}`}>
          {problem}
        </span>
      )}
    </div>
  );
}

/** A form's text as the value the API takes: numbers for integers and durations (NaN stays text, so the check names it). */
export function paramValueOf(param: RunbookParam, text: string): string | number {
  if (param.type !== "integer" && param.type !== "duration") return text;
  return text.trim() !== "" && /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
}
