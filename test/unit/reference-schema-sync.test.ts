import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MIGRATIONS } from "../../reference/schema.generated.js";
import { OUTPUT, readMigrations, render, SQL_DIR, staleness } from "../../scripts/compile-sql.js";

describe("reference schema module", () => {
  it("is in sync with sql/reference/*.sql (run `npm run build:sql` after editing SQL)", async () => {
    // Prepare
    const files = await readMigrations();
    // Act
    const generated = await readFile(OUTPUT, "utf8");
    // Assess
    expect(await staleness()).toBeUndefined();
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

describe("the drift check (`npm run check:sql`, the first step of `npm test`)", () => {
  let dir = "";
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A copy of sql/reference and a module generated from it, in a scratch directory. */
  async function scratchCopy(): Promise<{ sqlDir: string; output: string; first: string }> {
    dir = await mkdtemp(join(tmpdir(), "compile-sql-"));
    const sqlDir = join(dir, "sql");
    const output = join(dir, "schema.generated.ts");
    await mkdir(sqlDir);
    const names = (await readdir(SQL_DIR)).filter((f) => f.endsWith(".sql")).sort();
    for (const name of names) await copyFile(join(SQL_DIR, name), join(sqlDir, name));
    await writeFile(output, render(await readMigrations(sqlDir)));
    return { sqlDir, output, first: names[0] as string };
  }

  it("passes on a module generated from the SQL, and fails once a SQL file changes after it", async () => {
    // Prepare
    const { sqlDir, output, first } = await scratchCopy();
    const fresh = await staleness(sqlDir, output);
    // Act: an edit to the SQL that nobody compiled
    await writeFile(join(sqlDir, first), `${await readFile(join(sqlDir, first), "utf8")}\n-- edited\n`);
    // Assess
    expect(fresh).toBeUndefined();
    expect(await staleness(sqlDir, output)).toBe(
      `${output} differs from ${sqlDir}/*.sql: run \`npm run build:sql\` and commit the result`,
    );
  });

  it("fails on a new migration the module lacks, and on a missing module", async () => {
    // Prepare
    const { sqlDir, output } = await scratchCopy();
    // Act
    await writeFile(join(sqlDir, "999_added_later.sql"), "SELECT 1;\n");
    const added = await staleness(sqlDir, output);
    await rm(output);
    const missing = await staleness(sqlDir, output);
    // Assess
    expect(added).toMatch(/differs from .*: run `npm run build:sql`/);
    expect(missing).toMatch(/schema\.generated\.ts is missing: run `npm run build:sql`/);
  });

  it("is what `npm test` runs first, and `npm test` never regenerates the module", async () => {
    // Prepare
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    // Act
    const steps: string[] = pkg.scripts.test.split("&&").map((step: string) => step.trim());
    // Assess
    expect(steps[0]).toBe("npm run check:sql");
    expect(pkg.scripts["check:sql"]).toBe("tsx scripts/compile-sql.ts --check");
    expect(pkg.scripts.test).not.toContain("build:sql");
  });
});
