"use client";
import { useEffect, useState, type RefObject } from "react";

export type CanvasSize = { width: number; pixelRatio: number };

/** The element's CSS width and the screen's pixel density, kept current. */
export function useCanvasWidth(element: RefObject<HTMLElement | null>): CanvasSize | null {
  const [size, setSize] = useState<CanvasSize | null>(null);
  useEffect(() => {
    const target = element.current;
    if (!target) return;
    const measure = () => {
      const width = Math.floor(target.getBoundingClientRect().width);
      const pixelRatio = window.devicePixelRatio || 1;
      setSize((previous) => (previous?.width === width && previous.pixelRatio === pixelRatio ? previous : { width, pixelRatio }));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(target);
    return () => observer.disconnect();
  }, [element]);
  return size;
}
