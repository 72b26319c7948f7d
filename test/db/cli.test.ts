import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import type pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../lambda/cli/main.js";
import { useTestDatabase } from "../support/db.js";
import { createToySchema, seedToy, TOY_CLI_OBJECTS } from "../support/toy-schema.js";

const OBJECTS = TOY_CLI_OBJECTS;

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe("reconcile-cabinet-claims-14d CLI", () => {
  const db = useTestDatabase();

  beforeAll(async () => {
    const client = db().pool as unknown as pg.ClientBase;
    await createToySchema(client);
    await seedToy(client, [
      {
        driver_id: "stale",
        lead_date: "2026-11-01",
        milestone: 5,
        achieved: "2026-11-02",
        claim: "stale",
        trips: { 1: 5 },
      },
      {
        driver_id: 'few, "quoted"',
        lead_date: "2026-11-01",
        milestone: 5,
        achieved: "2026-11-02",
        trips: { 1: 2 },
      },
    ]);
  });

  it("runs, prints the summary and writes the JSON and CSV reports", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cli-"));
    const json = join(dir, "out", "report.json");
    const csv = join(dir, "out", "report.csv");
    const run = await cli([
      `--database-url=${db().url}`,
      ...OBJECTS,
      "--as-of=2026-11-10",
      "--output-json",
      json,
      "--output-csv",
      csv,
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^reconcile-cabinet-claims-14d {2}COMPLETED {2}as of 2026-11-10/);
    expect(run.stdout).toMatch(/resolved_after_refresh +1\n/);
    expect(run.stdout).toMatch(/STILL_MISSING +TRIPS_OUTSIDE_WINDOW +1 +S\/ 35\.00/);
    expect(run.stdout).toContain("1. toy.mv_lower");
    expect(run.stdout).not.toContain("embedded-test-only");
    const report = JSON.parse(await readFile(json, "utf8"));
    expect(report.metrics).toMatchObject({
      processed: 2,
      resolved_after_refresh: 1,
      still_missing: 1,
      amount_still_missing: "35.00",
    });
    const rows = parse(await readFile(csv, "utf8"), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => [r.driver_id, r.verdict])).toEqual([
      ['few, "quoted"', "STILL_MISSING"],
      ["stale", "RESOLVED"],
    ]);
    expect((await readdir(join(dir, "out"))).sort()).toEqual(["report.csv", "report.json"]);
  });

  it("names the flag in a one-line error and exits 2 on bad input", async () => {
    const run = await cli([`--database-url=${db().url}`, "--days-back", "-3", "--week-start", "2026-11-17"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "reconcile-cabinet-claims-14d: InputError: --days-back must be at least 0; --week-start must be a Monday (the start of an ISO week)\n",
    );
    expect((await cli(["--limit", "ten"])).stderr).toBe(
      "reconcile-cabinet-claims-14d: option '--limit <n>' argument 'ten' is invalid. --limit must be a whole number\n",
    );
    expect((await cli(["--nope"])).stderr).toBe("reconcile-cabinet-claims-14d: unknown option '--nope'\n");
  });

  it("fails with one line, exit 1 and no output file when the contract does not hold", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cli-"));
    const run = await cli([
      `--database-url=${db().url}`,
      "--gap-view=ops.nope",
      "--output-json",
      join(dir, "r.json"),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^reconcile-cabinet-claims-14d: ContractError: contract: ops\.nope does not exist[^\n]*\n$/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it("explains itself with --help", async () => {
    const run = await cli(["--help"]);
    expect(run.code).toBe(0);
    for (const flag of [
      "--days-back",
      "--limit",
      "--only-gaps",
      "--dry-run",
      "--output-json",
      "--output-csv",
      "--as-of",
      "Exit codes",
    ]) {
      expect(run.stdout).toContain(flag);
    }
  });

  it("refuses to run without a database and says how to give one", async () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const run = await cli(["--dry-run"]);
      expect(run).toMatchObject({
        code: 2,
        stderr:
          "reconcile-cabinet-claims-14d: ConfigurationError: no database: pass --database-url or set DATABASE_URL\n",
      });
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });
});
