"use client";
import { useCallback, useEffect, useRef, useState } from "react";

// The moment a view shows. Live: the newest frame (Infinity), or frozen at
// the moment "Pause" was pressed, while frames keep arriving underneath.
// Recorded: a position on the run's time line that a slider sets and
// "play" moves at 1x, 10x, or one interval per animation frame ("max").

export type Speed = 1 | 10 | "max";
export type Playback = {
  /** ms since the epoch, or Infinity for the live edge. */
  time: number;
  paused: boolean;
  playing: boolean;
  speed: Speed;
  pause(at: number): void;
  resume(): void;
  seek(time: number): void;
  play(speed: Speed): void;
  stop(): void;
};

export function usePlayback(range: { start: number; end: number } | null, binMs: number): Playback {
  const [time, setTime] = useState(Infinity);
  const [paused, setPaused] = useState(false);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<Speed>(10);
  const rangeRef = useRef(range);
  rangeRef.current = range;

  const timeRef = useRef(time);
  timeRef.current = time;

  useEffect(() => {
    if (!playing) return;
    let last = performance.now();
    let position = timeRef.current;
    let frame = requestAnimationFrame(function step(now) {
      const current = rangeRef.current;
      if (!current) return;
      const from = position === Infinity ? current.start : position;
      position = speed === "max" ? from + binMs : from + (now - last) * speed;
      last = now;
      if (position >= current.end) {
        setTime(current.end);
        setPlaying(false);
        return;
      }
      setTime(position);
      frame = requestAnimationFrame(step);
    });
    return () => cancelAnimationFrame(frame);
  }, [playing, speed, binMs]);

  return {
    time,
    paused,
    playing,
    speed,
    pause: useCallback((at: number) => {
      setPaused(true);
      setTime(at);
    }, []),
    resume: useCallback(() => {
      setPaused(false);
      setPlaying(false);
      setTime(Infinity);
    }, []),
    seek: useCallback((at: number) => {
      setPlaying(false);
      setTime(at);
    }, []),
    play: useCallback((nextSpeed: Speed) => {
      setSpeed(nextSpeed);
      // From the start when at the end (or at the live edge of a finished run).
      setTime((previous) => (previous === Infinity || (rangeRef.current && previous >= rangeRef.current.end) ? (rangeRef.current?.start ?? previous) : previous));
      setPlaying(true);
    }, []),
    stop: useCallback(() => setPlaying(false), []),
  };
}
