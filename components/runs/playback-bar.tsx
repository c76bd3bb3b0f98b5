"use client";
import type { Playback, Speed } from "./use-playback.ts";

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const SPEEDS: { speed: Speed; label: string }[] = [
  { speed: 1, label: "1x" },
  { speed: 10, label: "10x" },
  { speed: "max", label: "max" },
];

/**
 * Live: pause (the view freezes; frames keep arriving and nothing is lost)
 * and resume (back to the newest). Recorded: a slider over the run's time
 * and play at 1x, 10x, or as fast as the page draws (one interval per frame).
 */
export function PlaybackBar({ recorded, range, playback, binMs }: { recorded: boolean; range: { start: number; end: number } | null; playback: Playback; binMs: number }) {
  if (!recorded) {
    return playback.paused ? (
      <span className="actions">
        <span className="badge PENDING" data-testid="paused-at">
          paused at {clock(playback.time)} UTC
        </span>
        <button type="button" onClick={playback.resume}>
          Resume
        </button>
      </span>
    ) : (
      <button type="button" onClick={() => range && playback.pause(range.end)} disabled={!range}>
        Pause
      </button>
    );
  }
  if (!range) return null;
  const span = Math.max(1, range.end - range.start);
  const position = playback.time === Infinity ? range.end : Math.min(range.end, Math.max(range.start, playback.time));
  const elapsed = Math.round((position - range.start) / 1000);
  return (
    <span className="actions playback">
      <input
        type="range"
        aria-label="Replay position"
        min={0}
        max={span}
        step={Math.max(1, Math.min(binMs, span / 1000))}
        value={position - range.start}
        onChange={(event) => playback.seek(range.start + Number(event.target.value))}
        data-testid="replay-slider"
      />
      <span className="mono" data-testid="replay-position">
        {clock(position)} (+{elapsed} s of {Math.round(span / 1000)} s)
      </span>
      {playback.playing ? (
        <button type="button" onClick={playback.stop}>
          Stop
        </button>
      ) : (
        SPEEDS.map(({ speed, label }) => (
          <button key={label} type="button" onClick={() => playback.play(speed)}>
            Play {label}
          </button>
        ))
      )}
    </span>
  );
}
