import { ProgramFormPage } from "./pages/program-form.ts";
import { expect, foreignRequests, signIn, test } from "./fixtures/workbench.ts";

test("a reviewer cannot approve a program they wrote, in the page or through the API", async ({ page }) => {
  const programName = `own work ${Date.now()}`;
  await signIn(page, "lead"); // both engineer and reviewer
  await page.goto("/programs/new");
  await new ProgramFormPage(page).fill({ name: programName, source: "interval:s:1 { @ticks = count(); }", host: "e2e-host", durationSec: 5 });
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.getByRole("heading", { name: programName })).toBeVisible();

  await page.getByRole("link", { name: "review it" }).click();
  await expect(page.getByTestId("own-revision")).toHaveText("You wrote this revision, so someone else has to review it.");
  await expect(page.getByRole("button", { name: "Approve and sign" })).toHaveCount(0);

  // The server refuses it too; the UI is not the guard.
  const revisionId = page.url().split("/").at(-1)!;
  const response = await page.request.post(`/api/revisions/${revisionId}/reviews`, { data: { decision: "approve", reason: "trust me" } });
  expect(response.status()).toBe(422);
  expect((await response.json()).error.message).toBe("You wrote this revision; someone else has to review it.");
  await page.reload();
  await expect(page.getByTestId("revision-status")).toHaveText("pending");
});

test("a signed-out visitor sees no program", async ({ browser }) => {
  const author = await browser.newPage();
  await signIn(author, "engineer");
  await author.goto("/programs/new");
  const secret = `secret-marker-${Date.now()}`;
  await new ProgramFormPage(author).fill({ name: "private", source: `// ${secret}\ninterval:s:1 { exit(); }`, host: "e2e-host", durationSec: 5 });
  await author.getByRole("button", { name: "Submit for review" }).click();
  await expect(author.getByRole("heading", { name: "private" })).toBeVisible();
  const programPath = new URL(author.url()).pathname;
  const programId = programPath.split("/").at(-1)!;

  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(programPath);
  await expect(visitor).toHaveURL(/\/login\?callbackUrl=/);
  await expect(visitor.locator("body")).not.toContainText(secret);
  for (const api of [`/api/programs/${programId}`, "/api/programs", "/api/runs"]) {
    const response = await visitor.request.get(api);
    expect(response.status(), api).toBe(401);
    expect(await response.text()).not.toContain(secret);
  }
});

// A sign-in link that names another site must not send the person there after
// they typed their password (the browser reads "/\evil.example" and
// "/<TAB>/evil.example" as "//evil.example"). They land on the workbench.
for (const callbackUrl of ["/%5Cevil.example", "/%09/evil.example", "/%5C%5Cevil.example/programs"]) {
  test(`signing in from /login?callbackUrl=${callbackUrl} lands on the workbench, never on another site`, async ({ page, credentials }) => {
    const foreign = foreignRequests(page);
    const { email, password } = credentials("engineer");
    await page.goto(`/login?callbackUrl=${callbackUrl}`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByTestId("signed-in-as")).toBeVisible();
    expect(new URL(page.url()).origin).toBe(new URL(test.info().project.use.baseURL!).origin);
    expect(foreign).toEqual([]);
  });
}
