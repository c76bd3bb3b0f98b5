import type { Page } from "@playwright/test";

/** The review page of a revision, reached from the review queue. */
export class ReviewPage {
  constructor(private readonly page: Page) {}

  async open(programName: string): Promise<void> {
    await this.page.goto("/reviews");
    await this.page.getByRole("link", { name: programName }).click();
  }

  async decide(decision: "Approve and sign" | "Reject" | "Request changes", reason: string): Promise<void> {
    await this.page.getByLabel("Reason", { exact: true }).fill(reason);
    await this.page.getByRole("button", { name: decision }).click();
  }
}
