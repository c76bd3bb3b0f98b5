import type { Locator, Page } from "@playwright/test";
import { RunPage } from "./run-page.ts";

/** The run page of a fleet (components/runs/fleet/fleet-view.tsx). */
export class FleetPage {
  constructor(readonly page: Page) {}

  get view(): Locator {
    return this.page.getByTestId("fleet-view");
  }

  /** Hosts in a state, as the counts at the top say. */
  async count(state: "all" | "reporting" | "silent" | "starting" | "queued" | "ended"): Promise<number> {
    const locator = this.page.getByTestId(`fleet-count-${state}`);
    return (await locator.count()) === 0 ? 0 : Number(await locator.getAttribute("data-count"));
  }

  async counts(): Promise<Record<"all" | "reporting" | "silent" | "queued" | "ended", number>> {
    return {
      all: await this.count("all"),
      reporting: await this.count("reporting"),
      silent: await this.count("silent"),
      queued: await this.count("queued"),
      ended: await this.count("ended"),
    };
  }

  get histogram(): Locator {
    return this.page.getByTestId("fleet-histogram");
  }

  /** The merged histogram's buckets and total, read in one go. */
  async readHistogram() {
    return new RunPage(this.page).readPanel(this.histogram);
  }

  get rows(): Locator {
    return this.page.getByTestId("fleet-host-row");
  }

  hostRow(host: string): Locator {
    return this.page.locator(`[data-testid="fleet-host-row"][data-host="${host}"]`);
  }

  async pageInfo(): Promise<{ page: number; pages: number; matching: number }> {
    const info = this.page.getByTestId("fleet-page");
    return { page: Number(await info.getAttribute("data-page")), pages: Number(await info.getAttribute("data-pages")), matching: Number(await info.getAttribute("data-matching")) };
  }

  async hostNames(): Promise<string[]> {
    return this.rows.evaluateAll((rows) => rows.map((row) => (row as HTMLElement).dataset.host ?? ""));
  }
}
