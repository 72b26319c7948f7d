import { defineConfig } from "vitest/config";

// Tiers: `unit` needs no network and no database; `db` runs on a real PostgreSQL (embedded, or the server
// in DATABASE_URL); `infra` synthesizes the CDK stack offline. Timeouts for slow work (a synthesis, a
// scale-1 dataset) sit where that work runs, sized for a loaded 2-core machine.
export default defineConfig({
  test: {
    projects: [
      {
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node" },
      },
      {
        test: {
          name: "db",
          include: ["test/db/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Headless Chromium (Debian's chromium, driven by playwright-core) on pages from real runs; slow to
        // start on a busy machine, hence the generous timeouts. Skips only when no Chromium can be found.
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 240_000,
        },
      },
      {
        test: {
          name: "infra",
          include: ["test/infra/**/*.test.ts"],
          environment: "node",
        },
      },
    ],
  },
});
