"use client";
import { useEffect, useState } from "react";

/** The browser's clock, re-read every second while `active` (a host's silence grows with it). */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}
