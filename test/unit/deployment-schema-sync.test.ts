import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { DEPLOYMENT_MIGRATIONS, DEPLOYMENT_STATES } from "../../reference/deployment-schema.generated.js";
import {
  DEPLOYMENT_OUTPUT,
  DEPLOYMENT_PREFIX,
  readDeployment,
  renderDeployment,
} from "../../scripts/compile-sql.js";

describe("deployment schema module", () => {
  it("is in sync with sql/deployment/**/*.sql (run `npm run build:sql` after editing SQL)", async () => {
    // Prepare
    const files = await readDeployment();
    // Act
    const generated = await readFile(DEPLOYMENT_OUTPUT, "utf8");
    // Assess
    expect(DEPLOYMENT_MIGRATIONS).toEqual(files.migrations);
    expect(DEPLOYMENT_STATES).toEqual(files.states);
    expect(generated).toBe(renderDeployment(files));
  });

  it("prefixes every migration name and numbers them without gaps from 001", () => {
    for (const m of DEPLOYMENT_MIGRATIONS) expect(m.name.startsWith(DEPLOYMENT_PREFIX)).toBe(true);
    const numbers = DEPLOYMENT_MIGRATIONS.map((m) =>
      Number(m.name.slice(DEPLOYMENT_PREFIX.length, DEPLOYMENT_PREFIX.length + 3)),
    );
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });

  it("creates the claims view in the live state (the migration holds states/live.sql verbatim)", () => {
    const claims = DEPLOYMENT_MIGRATIONS.find((m) => m.name.endsWith("_claims"));
    expect(Object.keys(DEPLOYMENT_STATES).sort()).toEqual(["drift", "live"]);
    expect(claims?.sql).toContain(DEPLOYMENT_STATES.live);
    expect(claims?.sql).not.toContain(DEPLOYMENT_STATES.drift);
  });

  it("never wraps a migration in its own transaction (migrate() owns it)", () => {
    for (const m of DEPLOYMENT_MIGRATIONS) expect(m.sql).not.toMatch(/^\s*(BEGIN|COMMIT)\b/im);
  });
});
