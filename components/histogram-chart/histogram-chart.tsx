"use client";
// A bpftrace histogram on a canvas. Live views show dozens of these, each
// updated about once a second, so the chart repaints only when what it shows
// changes (data, markers, size, pixel ratio), at most once per animation
// frame; a re-render with equal data ends at a string comparison.
//
// Tests read `data-total` (sum of counts) and `data-buckets` (non-empty
// buckets) to see the histogram grow; `aria-label` carries the summary.
import { useEffect, useMemo, useRef, useState, type RefObject } from "react";
import type { HistogramBucket, HistogramUnit } from "@/lib/shared/histogram.ts";
import { chartHeight, drawHistogram, type ChartColors } from "./draw-histogram.ts";
import { buildHistogramModel, describeHistogram, markersSignature, type HistogramMarker } from "./histogram-model.ts";

export type { HistogramMarker } from "./histogram-model.ts";

export type HistogramChartProps = {
  buckets: readonly HistogramBucket[];
  unit?: HistogramUnit;
  title?: string;
  /** Lines across the chart at values in the histogram's unit, e.g. `{ label: "p99", value: 950 }`. */
  markers?: readonly HistogramMarker[];
};

type CanvasSize = { width: number; pixelRatio: number };

/** Colours come from CSS so the page's theme applies: `color` and three custom properties. */
function readColors(element: Element): ChartColors {
  const style = getComputedStyle(element);
  const read = (property: string, fallback: string) => style.getPropertyValue(property).trim() || fallback;
  return {
    text: style.color,
    bar: read("--histogram-bar", "#2563eb"),
    marker: read("--histogram-marker", "#dc2626"),
    muted: read("--histogram-muted", "#6b7280"),
  };
}

/**
 * Follows the element's width and the screen's pixel density, which changes
 * without any resize when the window moves to another screen.
 */
function useCanvasSize(element: RefObject<HTMLElement | null>): CanvasSize | null {
  const [size, setSize] = useState<CanvasSize | null>(null);
  useEffect(() => {
    const target = element.current;
    if (!target) return;
    const measure = () => {
      const width = target.getBoundingClientRect().width;
      const pixelRatio = window.devicePixelRatio || 1;
      setSize((previous) => (previous?.width === width && previous.pixelRatio === pixelRatio ? previous : { width, pixelRatio }));
    };
    const observer = new ResizeObserver(measure);
    observer.observe(target);

    // A media query matches the current density only; when it stops
    // matching, measure again and watch the new density.
    let density: MediaQueryList | undefined;
    const onDensityChange = () => {
      measure();
      watchDensity();
    };
    const watchDensity = () => {
      density = window.matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`);
      density.addEventListener("change", onDensityChange, { once: true });
    };
    watchDensity();
    return () => {
      observer.disconnect();
      density?.removeEventListener("change", onDensityChange);
    };
  }, [element]);
  return size;
}

export function HistogramChart({ buckets, unit = "none", title, markers }: HistogramChartProps) {
  const frameRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const drawnSignature = useRef("");
  const size = useCanvasSize(frameRef);
  const model = useMemo(() => buildHistogramModel(buckets, unit), [buckets, unit]);
  const { total, nonEmptyBuckets } = model.summary;

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !size || size.width === 0) return;
    const signature = `${model.signature}#${markersSignature(markers)}#${size.width}@${size.pixelRatio}`;
    if (signature === drawnSignature.current) return;
    const frame = requestAnimationFrame(() => {
      drawHistogram(canvas, model, markers ?? [], size, readColors(canvas));
      drawnSignature.current = signature;
    });
    return () => cancelAnimationFrame(frame);
  }, [model, markers, size]);

  return (
    <div data-testid="histogram" data-total={total.toString()} data-buckets={nonEmptyBuckets} role="img" aria-label={describeHistogram(model, title)}>
      {title !== undefined && <div style={{ fontWeight: 600, fontSize: 13, marginBottom: 4 }}>{title}</div>}
      <div ref={frameRef}>
        <canvas ref={canvasRef} style={{ display: "block", width: "100%", height: chartHeight(model) }} />
      </div>
    </div>
  );
}
