/**
 * The branches of the refresh that revision 2 of the contract added (docs/contract.md §9.2-9.6), each on
 * the contract-shaped toy schema: an empty plan, a role that may not refresh, a failing dependent.
 */
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../lambda/cli/main.js";
import type { Report, ReportRow } from "../../lambda/core/types.js";
import { ReconcileCabinetClaims14d } from "../../lambda/reconcile.js";
import { useTestDatabase } from "../support/db.js";
import { createLoginRole, type LoginRole } from "../support/login-role.js";
import {
  createToySchema,
  refreshLog,
  seedToy,
  TOY_CLI_OBJECTS,
  TOY_OBJECTS,
  TOY_SITUATIONS,
  type ToyLead,
} from "../support/toy-schema.js";
import { advisoryLocks } from "./reliability-support.js";

const AS_OF = "2026-11-10";
// Situations of the verdict tests: a stale claim, a claim under another lead date, no payment calculation,
// and a claim already there.
const LEADS: ToyLead[] = TOY_SITUATIONS.filter((l) =>
  ["stale", "other-lead", "no-calc", "exists"].includes(l.driver_id ?? ""),
);
const CLI_OBJECTS = TOY_CLI_OBJECTS;

const byDriver = (report: Report) => new Map((report.rows ?? []).map((r) => [r.driver_id ?? "(null)", r]));
const pick = (r: ReportRow | undefined) => r && [r.verdict, r.diagnosis, r.detail];

describe("an empty refresh plan: no materialized view under the claims or achieved view", () => {
  const db = useTestDatabase();
  const client = () => db().pool as unknown as pg.ClientBase;

  beforeEach(async () => {
    await createToySchema(client());
    await seedToy(client(), LEADS);
    // The claims view reads the claim source directly, as the deployment's live claims view reads live views.
    await db().pool.query("DROP MATERIALIZED VIEW toy.mv_for_collection");
    await db().pool.query(
      "CREATE OR REPLACE VIEW toy.v_claims AS SELECT driver_id, milestone_value, lead_date, expected_amount, false AS paid_flag FROM toy.claim_source",
    );
  });

  for (const dryRun of [false, true]) {
    it(`diagnoses every row from its facts (${dryRun ? "dry run" : "real run"}), never WOULD_REFRESH`, async () => {
      const report = await new ReconcileCabinetClaims14d(db().pool, { objects: TOY_OBJECTS }).runReconcile({
        asOf: AS_OF,
        dryRun,
      });
      const rows = byDriver(report);
      // "stale" is in the claim source, hence already in the live claims view.
      expect(rows.get("stale")?.verdict).toBe("ALREADY_EXISTS");
      expect(pick(rows.get("other-lead"))).toEqual([
        "STILL_MISSING",
        "CLAIM_ON_OTHER_LEAD_DATE",
        "claim exists under lead_date 2026-10-20, gap row has 2026-11-01",
      ]);
      expect(pick(rows.get("no-calc"))).toEqual([
        "STILL_MISSING",
        "NO_PAYMENT_CALCULATION",
        "no cabinet/partner payment calculation for M5 at lead_date 2026-11-01",
      ]);
      expect(report.refresh_plan).toEqual([]);
      expect(report.refreshed_views).toEqual([]);
      expect(report.refresh_skipped).toBe(
        dryRun ? "dry-run" : "no materialized view in the dependency closure",
      );
      expect(report.metrics).toMatchObject({
        still_missing: 2,
        amount_at_risk: "70.00",
        refresh_failures: 0,
      });
      expect(await refreshLog(client())).toEqual([]);
    });
  }
});

describe("a role that may not refresh (no ownership, no MAINTAIN)", () => {
  const db = useTestDatabase();
  let role: LoginRole;
  let roleUrl: string;
  let pool: pg.Pool;

  beforeAll(async () => {
    role = await createLoginRole(db().url, "not-a-secret-pw", { maintain: false });
    const url = new URL(db().url);
    url.username = role.name;
    url.password = "not-a-secret-pw";
    roleUrl = url.toString();
    pool = new pg.Pool({ connectionString: roleUrl, max: 2 });
  });
  afterAll(async () => {
    await pool.end();
    await role.drop();
  });
  beforeEach(async () => {
    const client = db().pool as unknown as pg.ClientBase;
    await createToySchema(client);
    await seedToy(client, LEADS);
    await role.grantRead(["toy"]);
  });

  it("marks the plan and warns in a dry run, refreshing nothing", async () => {
    const report = await new ReconcileCabinetClaims14d(pool, { objects: TOY_OBJECTS }).runReconcile({
      asOf: AS_OF,
      dryRun: true,
    });
    expect(report.refresh_plan.map((s) => [s.name, s.permitted])).toEqual([
      ["toy.mv_lower", false],
      ["toy.mv_upper", false],
      ["toy.mv_for_collection", false],
    ]);
    expect(
      report.warnings.filter((w) => w.includes(`role ${role.name} may not refresh toy.mv_lower`)),
    ).toHaveLength(1);
    expect(byDriver(report).get("stale")?.verdict).toBe("WOULD_REFRESH");
    expect(await refreshLog(db().pool as unknown as pg.ClientBase)).toEqual([]);
  });

  it("records the refusal as a failure, says what the data shows, exits 3, and leaves the lock free", async () => {
    const report = await new ReconcileCabinetClaims14d(pool, { objects: TOY_OBJECTS }).runReconcile({
      asOf: AS_OF,
    });
    expect(report.refreshed_views.map((r) => [r.name, r.stage, r.outcome.kind])).toEqual([
      ["toy.mv_lower", "upstream", "not_permitted"],
      ["toy.mv_upper", "upstream", "skipped"],
      // Nothing changed beneath the claims view, and the copy holds what it shows: fresh (§10.3).
      ["toy.mv_for_collection", "dependent", "fresh"],
    ]);
    expect(report.refreshed_views[0]?.error).toMatch(
      new RegExp(
        `^not permitted: role ${role.name} may not refresh it \\(it needs to own it, owner \\S+, or hold MAINTAIN on PostgreSQL 17\\+\\)$`,
      ),
    );
    expect(report.metrics).toMatchObject({ refresh_failures: 1, refreshed_views: 0, still_missing: 3 });
    const stale = byDriver(report).get("stale");
    expect(stale?.diagnosis).toBe("REFRESH_FAILED");
    expect(stale?.detail).toMatch(
      /^refresh of toy\.mv_lower failed: not permitted: .*; on the data as it is: CLAIMS_VIEW_MISSING \(achieved 2026-11-02\)$/,
    );
    // The refused view is stale for driver "stale" alone: the other rows keep their diagnosis (§10.3).
    expect(pick(byDriver(report).get("other-lead"))).toEqual([
      "STILL_MISSING",
      "CLAIM_ON_OTHER_LEAD_DATE",
      "claim exists under lead_date 2026-10-20, gap row has 2026-11-01",
    ]);
    expect(
      report.warnings.some((w) => w.startsWith("refresh of toy.mv_lower (upstream) failed: not permitted")),
    ).toBe(true);

    let stderr = "";
    const code = await main([`--database-url=${roleUrl}`, ...CLI_OBJECTS, `--as-of=${AS_OF}`], {
      stdout: () => undefined,
      stderr: (t) => (stderr += t),
    });
    expect(code).toBe(3);
    expect(await advisoryLocks(db().pool)).toBe(0);
    expect(await refreshLog(db().pool as unknown as pg.ClientBase)).toEqual([]);
    expect(stderr).not.toContain("not-a-secret-pw");
  });
});

describe("a dependent that fails", () => {
  const db = useTestDatabase();
  const client = () => db().pool as unknown as pg.ClientBase;

  beforeEach(async () => {
    await createToySchema(client());
    await seedToy(client(), LEADS);
  });

  it("changes no verdict, counts as a refresh failure, and is skipped with --no-refresh-dependents", async () => {
    const blocker = new pg.Client({ connectionString: db().url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      // Holds the dependent's ACCESS EXCLUSIVE lock until rollback: its refresh waits past lock_timeout.
      await blocker.query("REFRESH MATERIALIZED VIEW toy.mv_for_collection");
      const job = new ReconcileCabinetClaims14d(db().pool, {
        objects: TOY_OBJECTS,
        refreshLockTimeoutMs: 300,
      });
      const report = await job.runReconcile({ asOf: AS_OF });
      expect(report.refreshed_views.map((r) => [r.name, r.stage, r.ok])).toEqual([
        ["toy.mv_lower", "upstream", true],
        ["toy.mv_upper", "upstream", true],
        ["toy.mv_for_collection", "dependent", false],
      ]);
      expect(pick(byDriver(report).get("stale"))).toEqual(["RESOLVED", null, null]);
      expect(byDriver(report).get("other-lead")?.diagnosis).toBe("CLAIM_ON_OTHER_LEAD_DATE");
      expect(report.metrics).toMatchObject({
        refresh_failures: 1,
        refreshed_views: 2,
        resolved_after_refresh: 1,
      });
      expect(
        report.warnings.some((w) => w.startsWith("refresh of toy.mv_for_collection (dependent) failed")),
      ).toBe(true);
    } finally {
      await blocker.query("ROLLBACK");
      await blocker.end();
    }
    await createToySchema(client());
    await seedToy(client(), LEADS);
    const off = await new ReconcileCabinetClaims14d(db().pool, { objects: TOY_OBJECTS }).runReconcile({
      asOf: AS_OF,
      refreshDependents: false,
    });
    expect(off.refreshed_views.map((r) => r.stage)).toEqual(["upstream", "upstream"]);
    expect(await refreshLog(client())).toEqual(["toy.mv_lower", "toy.mv_upper"]);
  });
});
