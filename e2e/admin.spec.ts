import type { Page } from "@playwright/test";
import { UsersAdminPage } from "./pages/users-admin.ts";
import { expect, saveScreenshot, signIn, test } from "./fixtures/workbench.ts";

// What an admin does with people and the audit trail, in the browser: add a
// user, change their roles (they see it on their next click), disable them
// (their session ends), and find each step in the verified audit trail.

async function signInAs(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

test("an admin adds a user, changes their roles, disables them, and reads it all in the audit trail", async ({ page, browser }) => {
  const email = `e2e-person-${Date.now()}@workbench.local`;
  await signIn(page, "admin");
  await page.getByRole("link", { name: "Users" }).click();
  const users = new UsersAdminPage(page);
  const password = await users.addUser({ email, name: "Pat Person", roles: ["engineer"] });

  const person = await (await browser.newContext()).newPage();
  await signInAs(person, email, password);
  await expect(person.getByTestId("signed-in-as")).toHaveText("Pat Person · engineer");

  await users.setRoles(email, ["engineer", "sre"], "joins the on-call rota");
  await person.reload();
  await expect(person.getByTestId("signed-in-as")).toHaveText("Pat Person · engineer, sre");

  // An admin's own admin role and account are out of their reach.
  const self = users.row("admin@workbench.local");
  await expect(self.getByRole("checkbox", { name: "admin", exact: true })).toBeDisabled();
  await expect(self.getByRole("button", { name: "Disable" })).toBeDisabled();
  // Nor can they give themselves a role that approves programs; another admin has to.
  await expect(self.getByRole("checkbox", { name: "reviewer", exact: true })).toBeDisabled();
  await expect(self.getByRole("checkbox", { name: "security reviewer", exact: true })).toBeDisabled();

  await users.disable(email, "left the team");
  await person.goto("/programs");
  await expect(person).toHaveURL(/\/login\?callbackUrl=/);

  await page.getByRole("link", { name: "Audit", exact: true }).click();
  await page.getByLabel("Action starts with").fill("user.");
  await page.getByRole("button", { name: "Filter" }).click();
  const entries = page.getByTestId("audit-event").filter({ hasText: email });
  await expect(entries).toHaveCount(3);
  await expect(entries.nth(0)).toContainText("user.disable");
  await expect(entries.nth(0)).toContainText("ACTIVE → DISABLED");
  await expect(entries.nth(0)).toContainText("left the team");
  await expect(entries.nth(1)).toContainText("ENGINEER → ENGINEER,SRE");
  await expect(entries.nth(2)).toContainText("user.create");
  await expect(page.getByTestId("audit-export")).toHaveAttribute("href", "/api/audit/export?action=user.");

  await page.getByRole("button", { name: "Verify the chain" }).click();
  await expect(page.getByTestId("audit-verification").getByRole("status")).toContainText("intact");
  await saveScreenshot(page, "audit-trail");
});

test("the login form says when to come back after too many failures, whether or not the account exists", async ({ page }) => {
  const nobody = `nobody-${Date.now()}@workbench.local`;
  await page.goto("/login");
  // Five failures within the window (WORKBENCH_LOGIN_MAX_FAILURES_PER_ACCOUNT) lock the account: the
  // fifth answer already says when to come back, and so does every attempt after it.
  // Each attempt waits for the server's answer: the alert of the attempt before
  // still reads the same, and the form clears its fields when an attempt ends.
  const attempt = async (password: string) => {
    await page.getByLabel("Email").fill(nobody);
    await page.getByLabel("Password").fill(password);
    const answered = page.waitForResponse((response) => response.url().includes("/api/auth/callback/credentials"));
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await answered;
    await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeEnabled();
  };
  for (let i = 0; i < 4; i++) {
    await attempt(`guess ${i}`);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Wrong email or password.");
  }
  for (const guess of ["guess 4", "guess 5"]) {
    await attempt(guess);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Too many failed sign-ins. Try again in 15 minutes.");
  }
});
