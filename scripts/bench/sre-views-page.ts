// The browser half of the SRE views benchmark (bundled by sre-views.ts with
// esbuild and run in Chromium): the view model plus the real canvas drawing
// of the run page, 50 host histograms, the merged histogram and the heatmap,
// at the sizes the page gives them.
import { buildHistogramModel } from "@/components/histogram-chart/histogram-model.ts";
import { drawHistogram } from "@/components/histogram-chart/draw-histogram.ts";
import { drawHeatmap } from "@/components/charts/draw-heatmap.ts";
import { summarizeHistogram } from "@/lib/shared/histogram.ts";
import { createWorkspace, percentile, viewSecond } from "./sre-views-workload.ts";

const COLORS = { text: "#1c2330", bar: "#2563eb", marker: "#dc2626", muted: "#6b7280" };
const HEAT = { text: "#1c2330", muted: "#6b7280", empty: "#f7f8fa", low: [255, 237, 196] as [number, number, number], high: [178, 24, 43] as [number, number, number] };

function canvas(): HTMLCanvasElement {
  const element = document.createElement("canvas");
  document.body.append(element);
  return element;
}

function markersOf(buckets: Parameters<typeof summarizeHistogram>[0]) {
  const summary = summarizeHistogram(buckets);
  return (["p50", "p90", "p99", "max"] as const).flatMap((label) => (summary[label] === null ? [] : [{ label, value: summary[label]! }]));
}

(window as unknown as { runBench: unknown }).runBench = (hosts: number, history: number, measured: number) => {
  const workspace = createWorkspace(hosts, Date.UTC(2026, 0, 1));
  for (let second = 1; second <= history; second += 1) viewSecond(workspace, second);
  const hostCanvases = Array.from({ length: hosts }, canvas);
  const mergedCanvas = canvas();
  const heatCanvas = canvas();
  const model: number[] = [];
  const draw: number[] = [];
  for (let second = history + 1; second <= history + measured; second += 1) {
    const t0 = performance.now();
    const view = viewSecond(workspace, second);
    const t1 = performance.now();
    view.perHost.forEach((buckets, i) => drawHistogram(hostCanvases[i]!, buildHistogramModel(buckets, "us"), markersOf(buckets), { width: 340, pixelRatio: 1 }, COLORS));
    drawHistogram(mergedCanvas, buildHistogramModel(view.merged, "us"), markersOf(view.merged), { width: 560, pixelRatio: 1 }, COLORS);
    drawHeatmap(heatCanvas, view.heatmap, workspace.axes.of("@usecs"), "us", { width: 560, pixelRatio: 1 }, HEAT);
    const t2 = performance.now();
    model.push(t1 - t0);
    draw.push(t2 - t1);
  }
  model.sort((a, b) => a - b);
  draw.sort((a, b) => a - b);
  return {
    modelP50: percentile(model, 50),
    modelP99: percentile(model, 99),
    drawP50: percentile(draw, 50),
    drawP99: percentile(draw, 99),
    columns: workspace.runs[0]!.series("@usecs", null)!.columns.length,
  };
};
