import { defineConfig } from "@playwright/test";

// The browser tests drive Debian's Chromium against the workbench started
// exactly as the README's quick start starts it (scripts/up.sh), with its own
// data directory and embedded database, and the local agent running real
// bpftrace.
export const E2E_PORT = 3210;
export const E2E_DATA_DIR = ".data/e2e";
/** The real OpenID provider the single sign-on tests sign in through (e2e/fixtures/oidc-test-provider.ts). */
export const E2E_OIDC_PORT = 3212;
export const E2E_OIDC = {
  issuer: `http://127.0.0.1:${E2E_OIDC_PORT}`,
  clientId: "workbench-e2e",
  // A test-only secret shared by the two processes below; nothing else trusts it.
  clientSecret: "e2e-client-secret-not-used-anywhere-else",
  /** WORKBENCH_OIDC_GROUP_ROLES of the e2e server (README, "Single sign-on"). */
  groupRoles: "wb-engineers=ENGINEER,wb-reviewers=REVIEWER,wb-sre=SRE",
};

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  timeout: 120_000,
  expect: { timeout: 15_000 },
  workers: 1,
  fullyParallel: false,
  reporter: [["list"], ["html", { outputFolder: "playwright-report", open: "never" }]],
  use: {
    baseURL: `http://localhost:${E2E_PORT}`,
    browserName: "chromium",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  // In this order: the workbench reads the provider's discovery document when a sign-in starts.
  webServer: [
    {
      command: "node --import ./scripts/node/register.mjs e2e/fixtures/oidc-test-provider.ts",
      url: `${E2E_OIDC.issuer}/.well-known/openid-configuration`,
      timeout: 60_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      env: {
        E2E_OIDC_PORT: String(E2E_OIDC_PORT),
        E2E_OIDC_CLIENT_ID: E2E_OIDC.clientId,
        E2E_OIDC_CLIENT_SECRET: E2E_OIDC.clientSecret,
        E2E_OIDC_REDIRECT_URI: `http://localhost:${E2E_PORT}/api/auth/callback/oidc`,
      },
    },
    {
      command: `rm -rf ${E2E_DATA_DIR} && bash scripts/up.sh --port ${E2E_PORT} --agent-host e2e-host`,
      url: `http://localhost:${E2E_PORT}/api/health`,
      timeout: 600_000,
      reuseExistingServer: false,
      stdout: "pipe",
      stderr: "pipe",
      gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
      env: {
        WORKBENCH_DATA_DIR: E2E_DATA_DIR,
        // Each JSON answer is checked against its documented schema (lib/server/http/answer-check.ts).
        WORKBENCH_CHECK_ANSWERS: "1",
        // The browser, the server and PostgreSQL share this host's two cores with the runs, and they
        // sleep often: at the default 1% of a CPU, a clock_nanosleep program was once stopped over its
        // budget (0.05 s of BPF time in 4.6 s) mid-test. The overhead stop itself is tested in
        // agent/src/agent-limits.integration.test.ts.
        WORKBENCH_CPU_BUDGET_PERCENT: "5",
        WORKBENCH_EMBEDDED_PG_PORT: "54339",
        DATABASE_URL: "",
        WORKBENCH_AUTH_PROVIDERS: "credentials,oidc",
        WORKBENCH_OIDC_ISSUER: E2E_OIDC.issuer,
        WORKBENCH_OIDC_CLIENT_ID: E2E_OIDC.clientId,
        WORKBENCH_OIDC_CLIENT_SECRET: E2E_OIDC.clientSecret,
        WORKBENCH_OIDC_NAME: "Test IdP",
        WORKBENCH_OIDC_SCOPES: "openid email profile groups",
        WORKBENCH_OIDC_GROUP_ROLES: E2E_OIDC.groupRoles,
      },
    },
  ],
});
