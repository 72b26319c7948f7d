/**
 * `reference load` (docs/reference.md): into an empty database it creates the reference schema and data,
 * a second load changes nothing but the data, a database holding someone else's objects (or the other
 * profile) is refused unless --force, the deployment profile loads too, and the job runs on what was loaded.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../lambda/cli/command.js";
import { main } from "../../lambda/cli/main.js";
import { withClient } from "../../reference/with-client.js";
import { createEmptyDatabase, type EmptyDatabase } from "../support/empty-database.js";
import { createLoginRole } from "../support/login-role.js";

/** Small enough to load in a few seconds on a busy machine; every planted mode is still there. */
const SCALE = "--scale=0.02";
const AS_OF = "2026-11-16";

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const counts = (url: string) =>
  withClient(url, async (c) => {
    const { rows } = await c.query<{ drivers: number; trips: number; migrations: number }>(
      `SELECT (SELECT count(*) FROM public.drivers)::int AS drivers,
              (SELECT count(*) FROM public.summary_daily)::int AS trips,
              (SELECT count(*) FROM reference_meta.migrations)::int AS migrations`,
    );
    return rows[0];
  });

describe("reference load", () => {
  let empty: EmptyDatabase;
  let occupied: EmptyDatabase;

  beforeAll(async () => {
    [empty, occupied] = await Promise.all([createEmptyDatabase(), createEmptyDatabase()]);
    await withClient(occupied.url, (c) => c.query("CREATE TABLE public.their_table (id int)"));
  });
  afterAll(async () => {
    await Promise.all([empty?.drop(), occupied?.drop()]);
  });

  it("loads schema and data into an empty database; a second load applies nothing and gives the same rows", async () => {
    const first = await cli(["reference", "load", `--database-url=${empty.url}`, SCALE, `--as-of=${AS_OF}`]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(EXIT.ok);
    expect(first.stdout).toMatch(
      /^reconcile-cabinet-claims-14d reference load {2}reference {2}into [^\n]+ as of 2026-11-16\n/,
    );
    expect(first.stdout).toMatch(/migrations applied: 001_functions/);
    expect(first.stdout).toContain(`--as-of ${AS_OF} --dry-run`);
    const before = await counts(empty.url);
    expect(before?.drivers).toBeGreaterThan(0);
    expect(before?.trips).toBeGreaterThan(0);

    const again = await cli([
      "reference",
      "load",
      `--database-url=${empty.url}`,
      SCALE,
      `--as-of=${AS_OF}`,
      "--json",
    ]);
    expect(again.code).toBe(EXIT.ok);
    expect(JSON.parse(again.stdout)).toMatchObject({ profile: "reference", asOf: AS_OF, applied: [] });
    expect(await counts(empty.url)).toEqual(before);
  }, 180_000);

  it("the job then runs on it: a dry run completes and finds the planted gaps", async () => {
    const run = await cli([`--database-url=${empty.url}`, `--as-of=${AS_OF}`, "--dry-run", "--json"]);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    const report = JSON.parse(run.stdout);
    expect(report.status).toBe("completed");
    expect(report.metrics.gaps_found).toBeGreaterThan(0);
  }, 120_000);

  it("refuses a database holding other objects (exit 2, naming one), loads beside them with --force", async () => {
    const refused = await cli(["reference", "load", `--database-url=${occupied.url}`, SCALE]);
    expect(refused.code).toBe(EXIT.usage);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(
      /^reconcile-cabinet-claims-14d: ConfigurationError: reference load: [^\n]+ already holds other objects \(public\.their_table\); use an empty database \(createdb\) or pass --force[^\n]*\n$/,
    );
    expect(
      await withClient(occupied.url, (c) => c.query("SELECT to_regclass('public.drivers') AS t")),
    ).toMatchObject({
      rows: [{ t: null }],
    });

    const forced = await cli([
      "reference",
      "load",
      `--database-url=${occupied.url}`,
      SCALE,
      "--force",
      "--quiet",
    ]);
    expect(forced.code, forced.stderr).toBe(EXIT.ok);
    expect(forced.stdout).toBe("");
    expect((await counts(occupied.url))?.drivers).toBeGreaterThan(0);
    expect(
      await withClient(occupied.url, (c) => c.query("SELECT to_regclass('public.their_table') AS t")),
    ).toMatchObject({
      rows: [{ t: "their_table" }],
    });
  }, 180_000);

  it("--profile deployment: loads the deployment's views into their own database, the job dry-runs there; a database of the other profile is refused", async () => {
    const deployment = await createEmptyDatabase("reconcile_deployment");
    try {
      const load = await cli([
        "reference",
        "load",
        `--database-url=${deployment.url}`,
        "--profile=deployment",
        SCALE,
        `--as-of=${AS_OF}`,
        "--json",
      ]);
      expect(load.code, load.stderr).toBe(EXIT.ok);
      const loaded = JSON.parse(load.stdout);
      expect(loaded).toMatchObject({ profile: "deployment", asOf: AS_OF });
      expect(loaded.applied.length).toBeGreaterThan(0);
      const run = await cli([`--database-url=${deployment.url}`, `--as-of=${AS_OF}`, "--dry-run", "--json"]);
      expect(run.code, run.stderr).toBe(EXIT.ok);
      expect(JSON.parse(run.stdout).metrics.gaps_found).toBeGreaterThan(0);

      // The reference profile's database (loaded by the first test) is not the place for this one.
      const refused = await cli([
        "reference",
        "load",
        `--database-url=${empty.url}`,
        "--profile=deployment",
        SCALE,
      ]);
      expect(refused.code).toBe(EXIT.usage);
      expect(refused.stderr).toMatch(
        /^reconcile-cabinet-claims-14d: ConfigurationError: reference load: [^\n]+ holds another profile \(migrations [^)]+\); load --profile deployment into its own empty database\n$/,
      );
    } finally {
      await deployment.drop();
    }
    const bad = await cli(["reference", "load", `--database-url=${occupied.url}`, "--profile=nope"]);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toMatch(/--profile <name>' argument 'nope' is invalid/);
  }, 240_000);

  it("a role that may not create the schema: exit 1, one line naming the phase and the database", async () => {
    const password = "load-test-password";
    const role = await createLoginRole(occupied.url, password);
    try {
      const url = new URL(occupied.url);
      url.username = role.name;
      url.password = password;
      const run = await cli(["reference", "load", `--database-url=${url}`, SCALE, "--force"]);
      expect(run.code).toBe(EXIT.failed);
      expect(run.stderr).toMatch(
        new RegExp(
          `^reconcile-cabinet-claims-14d: ReconcileError: reference load: loading the reference profile into [^ ]+/${occupied.name} failed: permission denied for [^\\n]+\\n$`,
        ),
      );
      expect(run.stderr).not.toContain(password);
    } finally {
      await role.drop();
    }
  });
});
