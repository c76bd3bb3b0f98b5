import path from "node:path";
import { defineConfig } from "vitest/config";

// Two projects so the fast unit tests run apart from the ones that need
// PostgreSQL or root with bpftrace (`*.integration.test.ts`).
export default defineConfig({
  resolve: {
    alias: {
      "@": path.resolve(import.meta.dirname),
      // Outside React Server Components the marker package throws on import;
      // tests exercise server modules directly, as the custom server does.
      "server-only": path.resolve(import.meta.dirname, "node_modules/server-only/empty.js"),
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["{lib,agent,cli,app,components,scripts}/**/*.test.ts"],
          exclude: ["**/*.integration.test.ts", "node_modules/**"],
          environment: "node",
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["{lib,agent,cli,app,scripts,runbooks}/**/*.integration.test.ts"],
          environment: "node",
          globalSetup: ["./test/global-setup.ts"],
          // Every JSON answer of a route is checked against its documented schema (lib/server/http/answer-check.ts),
          // in the test process and in the servers the tests start (they inherit the environment).
          env: { WORKBENCH_CHECK_ANSWERS: "1" },
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // bpftrace tests share the host's tracepoints and CPU; one file at a time keeps timings sane.
          fileParallelism: false,
        },
      },
    ],
  },
});
