import { defineConfig } from "@playwright/test";

// The browser tests drive Debian's Chromium against the workbench started
// exactly as the README's quick start starts it (scripts/up.sh), with its own
// data directory and embedded database, and the local agent running real
// bpftrace.
export const E2E_PORT = 3210;
export const E2E_DATA_DIR = ".data/e2e";

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
  webServer: {
    command: `rm -rf ${E2E_DATA_DIR} && bash scripts/up.sh --port ${E2E_PORT} --agent-host e2e-host`,
    url: `http://localhost:${E2E_PORT}/api/health`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
    env: { WORKBENCH_DATA_DIR: E2E_DATA_DIR, WORKBENCH_EMBEDDED_PG_PORT: "54339", DATABASE_URL: "" },
  },
});
