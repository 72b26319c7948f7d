/**
 * Issue 23 (docs/contract.md §10.4), the library and CLI side: each edge a review and a real deployment
 * found, on real PostgreSQL (the toy schema). The Lambda side is in `handler-hardening.test.ts`.
 */
import pg from "pg";
import { beforeEach, describe, expect, it } from "vitest";
import { ReconcileCabinetClaims14d } from "../../lambda/reconcile.js";
import { useTestDatabase } from "../support/db.js";
import { createToySchema, seedToy, TOY_OBJECTS, type ToyLead } from "../support/toy-schema.js";

const AS_OF = "2026-11-10";

const lead = (driver_id: string, lead_date: string, over: Partial<ToyLead> = {}): ToyLead => ({
  driver_id,
  lead_date,
  milestone: 1,
  achieved: lead_date,
  trips: { 1: 1 },
  ...over,
});

describe("hardening (contract §10.4)", () => {
  const db = useTestDatabase();
  const client = () => db().pool as unknown as pg.ClientBase;
  const job = (pool: pg.Pool = db().pool) => new ReconcileCabinetClaims14d(pool, { objects: TOY_OBJECTS });

  beforeEach(async () => {
    await createToySchema(client());
  });

  it("asOf bounds the window on both sides: a lead after the as-of date is not counted and uses no limit", async () => {
    // Prepare: one lead inside the window, two after the as-of date (newer, so first in the job's order).
    await seedToy(client(), [
      lead("inside", "2026-11-01"),
      lead("future1", "2026-11-11"),
      lead("future2", "2026-11-20"),
    ]);
    // Act
    const report = await job().runReconcile({ asOf: AS_OF, limit: 1, dryRun: true });
    // Assess: the window holds the one lead on or before the as-of date, and it is the one analysed.
    expect(report.metrics).toMatchObject({ gaps_found: 1, processed: 1 });
    expect(report.rows?.map((r) => [r.driver_id, r.lead_date])).toEqual([["inside", "2026-11-01"]]);
  });
});
