import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../reference/schema.generated.js";
import { OUTPUT, readMigrations, render } from "../../scripts/compile-sql.js";

describe("reference schema module", () => {
  it("is in sync with sql/reference/*.sql (run `npm run build:sql` after editing SQL)", async () => {
    // Prepare
    const files = await readMigrations();
    // Act
    const generated = await readFile(OUTPUT, "utf8");
    // Assess
    expect(MIGRATIONS.map((m) => m.name)).toEqual(files.map((f) => f.name));
    expect(MIGRATIONS).toEqual(files);
    expect(generated).toBe(render(files));
  });

  it("numbers migrations without gaps from 001", () => {
    const numbers = MIGRATIONS.map((m) => Number(m.name.slice(0, 3)));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });

  it("never wraps a migration in its own transaction (migrate() owns it)", () => {
    for (const m of MIGRATIONS) expect(m.sql).not.toMatch(/^\s*(BEGIN|COMMIT)\b/im);
  });
});
