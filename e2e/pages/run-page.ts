import type { Locator, Page } from "@playwright/test";

/** What a histogram panel shows, read in one go so a live redraw cannot fall between its parts. */
export type PanelReading = {
  buckets: [number | string | null, number | string | null, number | string][];
  percentiles: Record<"p50" | "p90" | "p99" | "max", number | null>;
  legend: Record<"p50" | "p90" | "p99" | "max", string>;
  unit: string;
  total: number;
};

/** The run page (components/runs/run-workspace.tsx). */
export class RunPage {
  constructor(readonly page: Page) {}

  get heatmap(): Locator {
    return this.page.getByTestId("heatmap");
  }

  async heatmapColumns(): Promise<number> {
    return Number(await this.heatmap.getAttribute("data-columns"));
  }

  panel(testId = "histogram-panel"): Locator {
    return this.page.getByTestId(testId).first();
  }

  async readPanel(panel: Locator): Promise<PanelReading> {
    return panel.evaluate((element) => {
      const data = (element as HTMLElement).dataset;
      const legend = Object.fromEntries(["p50", "p90", "p99", "max"].map((name) => [name, element.querySelector(`[data-testid="percentile-${name}"] b`)?.textContent ?? ""]));
      return {
        buckets: JSON.parse(data.buckets ?? "[]"),
        percentiles: JSON.parse(data.percentiles ?? "{}"),
        legend,
        unit: data.unit ?? "none",
        total: Number(element.querySelector('[data-testid="histogram"]')?.getAttribute("data-total") ?? "0"),
      } as PanelReading;
    });
  }

  async chooseMap(map: string): Promise<void> {
    await this.page.getByLabel("Histogram map").selectOption(map);
  }

  hostRow(host: string): Locator {
    return this.page.locator(`[data-testid="host-row"][data-host="${host}"]`);
  }
}
