import type { Page } from "@playwright/test";
import { ReviewPage } from "./pages/review-page.ts";
import { expect, saveScreenshot, signIn, test } from "./fixtures/workbench.ts";

// A program aimed at a fleet by labels, in the browser: an admin enrolls
// hosts with labels on their tokens and relabels one on the Hosts page, an
// engineer targets a label selector and sees how many hosts it matches, the
// reviewer sees the selector and the hosts it resolves to now, and approving
// signs one order for each of them and no other.

/** Creates a token carrying `labels` on the Hosts page, as an admin does, and redeems it for `hostName` as an agent would. */
async function enrollWithLabels(admin: Page, hostName: string, labels: string): Promise<void> {
  await admin.goto("/hosts");
  await admin.getByLabel("Labels the host gets").fill(labels);
  await admin.getByRole("button", { name: "Create enrollment token" }).click();
  const token = (await admin.getByTestId("enrollment-token").textContent())!.trim();
  const response = await admin.request.post("/api/agent/enroll", { data: { token, hostName } });
  expect(response.status(), await response.text()).toBe(201);
}

test("an engineer targets hosts by label, the reviewer sees what the selector resolves to, and approval signs exactly those", async ({ browser }) => {
  const team = `e2e${Date.now().toString(36)}`;
  const [db1, db2, web] = [`${team}-db1`, `${team}-db2`, `${team}-web`];

  const admin = await browser.newPage();
  await signIn(admin, "admin");
  await enrollWithLabels(admin, db1, `team=${team} role=db`);
  await enrollWithLabels(admin, db2, `team=${team}, role=web`);
  await enrollWithLabels(admin, web, `team=${team} role=web`);
  // db2 was enrolled with the wrong role; the admin fixes it on the Hosts page.
  await admin.goto(`/hosts?selector=${encodeURIComponent(`team=${team}`)}`);
  await expect(admin.getByTestId("hosts-count")).toContainText(`3 hosts match team=${team}`);
  const row = admin.getByTestId("host-row").filter({ hasText: db2 });
  await row.getByRole("button", { name: `Edit the labels of ${db2}` }).click();
  await row.getByLabel("Labels", { exact: true }).fill(`team=${team} role=db zone=eu-1`);
  await row.getByLabel("Reason for the change").fill("it is a database host");
  await row.getByRole("button", { name: "Save labels" }).click();
  await expect(row.getByTestId("host-labels")).toContainText(`role=db, team=${team}, zone=eu-1`);

  // Engineer: a selector instead of hosts by name; the form counts what it matches.
  const engineer = await browser.newPage();
  await signIn(engineer, "engineer");
  const programName = `fleet by label ${team}`;
  await engineer.goto("/programs/new");
  await engineer.getByLabel("Name", { exact: true }).fill(programName);
  await engineer.getByLabel("Label selector").fill(`role==db`);
  await expect(engineer.getByTestId("selector-matches")).toContainText('has "==": equality is a single "="');
  await expect(engineer.getByRole("button", { name: "Submit for review" })).toBeDisabled();
  await engineer.getByLabel("Label selector").fill(`team=${team}, role=db`);
  await expect(engineer.getByTestId("selector-matches")).toContainText("Matches 2 hosts now");
  await expect(engineer.getByTestId("target-total")).toHaveText("Approved now, it would run on 2 hosts.");
  await engineer.getByLabel("Duration limit (seconds)").fill("30");
  await engineer.getByRole("button", { name: "Submit for review" }).click();
  await expect(engineer.getByRole("heading", { name: programName })).toBeVisible();
  await expect(engineer.getByTestId("target-selector")).toHaveText(`role=db,team=${team}`);

  // Reviewer: the selector, the count and the hosts it resolves to now.
  const reviewer = await browser.newPage();
  await signIn(reviewer, "reviewer");
  const review = new ReviewPage(reviewer);
  await review.open(programName);
  await expect(reviewer.getByTestId("target-selector")).toHaveText(`role=db,team=${team}`);
  await expect(reviewer.getByTestId("resolved-host-count")).toHaveText("2 hosts");
  await expect(reviewer.getByTestId("resolved-host")).toHaveText([new RegExp(`^${db1}`), new RegExp(`^${db2}`)]);
  await expect(reviewer.getByTestId("resolved-hosts")).not.toContainText(web);
  await saveScreenshot(reviewer, "review-of-a-label-selector");
  await review.decide("Approve and sign", "Two database hosts, thirty seconds.");
  await expect(reviewer.getByTestId("revision-status").first()).toHaveText("approved");

  // One order per host: the program's runs are one batch of the two database hosts.
  const batch = reviewer.getByTestId("run-row");
  await expect(batch).toHaveCount(1);
  await expect(batch.getByTestId("run-link")).toHaveText([db1, db2]);
  await expect(batch.getByTestId("batch-state")).toHaveText("2 queued of 2");
});
