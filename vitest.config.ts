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
        test: {
          name: "infra",
          include: ["test/infra/**/*.test.ts"],
          environment: "node",
        },
      },
    ],
  },
});
