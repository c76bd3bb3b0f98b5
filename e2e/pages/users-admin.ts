import { expect, type Locator, type Page } from "@playwright/test";

/** The admin's users page (/admin/users): the add-user form and one row per user. */
export class UsersAdminPage {
  constructor(private readonly page: Page) {}

  row(email: string): Locator {
    return this.page.getByTestId(`user-${email}`);
  }

  /** Adds a user with a server-made password; returns that password, shown once. */
  async addUser(options: { email: string; name: string; roles: string[] }): Promise<string> {
    const form = this.page.getByTestId("create-user");
    await form.getByLabel("Email").fill(options.email);
    await form.getByLabel("Name", { exact: true }).fill(options.name);
    await this.setChecked(form.getByRole("group", { name: "Roles of the new user" }), options.roles);
    await form.getByRole("button", { name: "Add user" }).click();
    const password = form.getByTestId("initial-password");
    await expect(password).toBeVisible();
    await expect(this.row(options.email)).toBeVisible();
    return (await password.textContent())!.trim();
  }

  async setRoles(email: string, roles: string[], reason: string): Promise<void> {
    const row = this.row(email);
    await this.setChecked(row.getByRole("group", { name: `Roles of ${email}` }), roles);
    await row.getByLabel(`Reason for changes to ${email}`).fill(reason);
    await row.getByRole("button", { name: "Save roles" }).click();
    await expect(row.getByRole("status")).toHaveText("Roles saved.");
  }

  async disable(email: string, reason: string): Promise<void> {
    const row = this.row(email);
    await row.getByLabel(`Reason for changes to ${email}`).fill(reason);
    await row.getByRole("button", { name: "Disable" }).click();
    await expect(row.getByText("disabled", { exact: true })).toBeVisible();
  }

  /** Role checkboxes are labelled with the role in lower case ("security reviewer"). */
  private async setChecked(group: Locator, roles: string[]): Promise<void> {
    for (const box of await group.getByRole("checkbox").all()) {
      const label = (await box.locator("xpath=..").textContent())!.trim();
      await box.setChecked(roles.includes(label));
    }
  }
}
