// What the live run view costs for many hosts: N hosts printing a histogram
// once a second, for a page that already shows 10 minutes of them. Per
// simulated second: the view model (fold the new frames in; merged and
// per-host histograms, the 5-minute heatmap, host statuses), in Node and in
// Chromium, and in Chromium the canvas drawing of everything the page shows
// (N host histograms, the merged one, the heatmap). Prints figures; asserts
// nothing. The page re-renders at most 5 times a second whatever the frame
// rate (components/runs/workspace-store.ts), so one second of updates is one
// to five of these passes.
//
//   npm run bench:sre-views -- [--hosts 50] [--history 600] [--measured 120]
import path from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { chromium } from "@playwright/test";
import { createWorkspace, percentile, viewSecond } from "./sre-views-workload.ts";

const { values } = parseArgs({ options: { hosts: { type: "string" }, history: { type: "string" }, measured: { type: "string" } } });
const HOSTS = Number(values.hosts ?? 50);
const HISTORY = Number(values.history ?? 600);
const MEASURED = Number(values.measured ?? 120);
const ms = (value: number) => `${value.toFixed(2)} ms`;

function nodeModel(): { p50: number; p99: number; warm: number } {
  const workspace = createWorkspace(HOSTS, Date.UTC(2026, 0, 1));
  const warmStart = performance.now();
  for (let second = 1; second <= HISTORY; second += 1) viewSecond(workspace, second);
  const warm = performance.now() - warmStart;
  const times: number[] = [];
  for (let second = HISTORY + 1; second <= HISTORY + MEASURED; second += 1) {
    const t0 = performance.now();
    viewSecond(workspace, second);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), warm };
}

async function browser(): Promise<{ modelP50: number; modelP99: number; drawP50: number; drawP99: number; columns: number }> {
  const root = path.resolve(import.meta.dirname, "../..");
  const bundle = await build({
    entryPoints: [path.join(root, "scripts/bench/sre-views-page.ts")],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    tsconfig: path.join(root, "tsconfig.json"),
    logLevel: "error",
  });
  const chrome = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  try {
    const page = await chrome.newPage();
    await page.setContent("<!doctype html><html><body></body></html>");
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    return await page.evaluate(
      ([hosts, history, measured]) => (window as unknown as { runBench: (h: number, hi: number, m: number) => never }).runBench(hosts!, history!, measured!),
      [HOSTS, HISTORY, MEASURED],
    );
  } finally {
    await chrome.close();
  }
}

const node = nodeModel();
const chrome = await browser();
process.stdout.write(
  [
    `run view: ${HOSTS} hosts at 1 Hz, after ${HISTORY} s of history (${chrome.columns} intervals per host), ${MEASURED} updates measured`,
    `  view model per update, Node:     p50 ${ms(node.p50)}, p99 ${ms(node.p99)} (loading the ${HISTORY} s of history: ${ms(node.warm)})`,
    `  view model per update, Chromium: p50 ${ms(chrome.modelP50)}, p99 ${ms(chrome.modelP99)}`,
    `  canvas drawing per update, Chromium (software, ${HOSTS} host histograms + merged + heatmap): p50 ${ms(chrome.drawP50)}, p99 ${ms(chrome.drawP99)}`,
    `  so ${HOSTS} hosts at 1 Hz cost about ${ms(chrome.modelP50 + chrome.drawP50)} per redraw; at the page's 5 redraws a second at most, ${(((chrome.modelP50 + chrome.drawP50) * 5) / 10).toFixed(1)}% of one core`,
    "",
  ].join("\n"),
);
