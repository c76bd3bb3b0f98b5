import { expect, type Page } from "@playwright/test";

/** The program form (new program, or a new revision on the program page). */
export class ProgramFormPage {
  constructor(private readonly page: Page) {}

  /**
   * Replaces the editor's text. Monaco auto-closes brackets as you type, so the
   * text is inserted in one go (insertText), the way a paste would.
   */
  async setProgram(source: string): Promise<void> {
    const editor = this.page.getByTestId("program-editor").first();
    await editor.locator(".monaco-editor").waitFor();
    await editor.locator(".view-lines").click();
    await this.page.keyboard.press("Control+A");
    await this.page.keyboard.press("Delete");
    await this.page.keyboard.insertText(source);
  }

  /**
   * Writes a new program for `hosts` and submits it for review; resolves on
   * its program page, whose URL it returns.
   */
  async submitNew(options: { name: string; source: string; hosts: string[]; durationSec: number; canaryPeriodSec?: number }): Promise<string> {
    await this.page.goto("/programs/new");
    await this.fill({ name: options.name, source: options.source, host: options.hosts[0]!, durationSec: options.durationSec });
    for (const host of options.hosts.slice(1)) await this.chooseHost(host);
    if (options.canaryPeriodSec !== undefined) await this.page.getByLabel("Canary period (seconds)").fill(String(options.canaryPeriodSec));
    await this.page.getByRole("button", { name: "Submit for review" }).click();
    await expect(this.page.getByRole("heading", { name: options.name })).toBeVisible();
    return this.page.url();
  }

  async fill(options: { name?: string; source: string; host: string; durationSec: number }): Promise<void> {
    if (options.name !== undefined) await this.page.getByLabel("Name", { exact: true }).fill(options.name);
    await this.setProgram(options.source);
    await this.chooseHost(options.host);
    await this.page.getByLabel("Duration limit (seconds)").fill(String(options.durationSec));
  }

  /** Ticks a target host by name; with many hosts enrolled (a fleet spec ran before), the list is searched first. */
  async chooseHost(name: string): Promise<void> {
    const search = this.page.getByLabel("Find hosts by name or label");
    if (await search.isVisible()) await search.fill(name);
    const host = this.page.getByRole("checkbox", { name, exact: true });
    if (!(await host.isChecked())) await host.check();
  }
}
