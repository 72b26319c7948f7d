/**
 * Idempotence on realistic data: the reference schema with generated data (every failure mode planted).
 * Running the job twice gives the same verdict, reason and detail for every row the first run could not
 * resolve; what the first run resolved, the second finds already there; a third run changes nothing more.
 */
import { describe, expect, it } from "vitest";
import type { Report } from "../../lambda/core/types.js";
import { ReconcileCabinetClaims14d } from "../../lambda/reconcile.js";
import { generate } from "../../reference/generator.js";
import { useTestDatabase } from "../support/db.js";

const AS_OF = "2026-11-24";

const key = (r: {
  driver_id: string | null;
  lead_date: string | null;
  milestone_value: number | null;
  lead_source_pk?: string | null;
}) => `${r.lead_source_pk ?? "-"}|${r.driver_id ?? "-"}|${r.lead_date ?? "-"}|M${r.milestone_value}`;

/** Every analysed row by its key: verdict, reason and the numbers that prove it. */
function decisions(report: Report): Map<string, string> {
  return new Map(
    (report.rows ?? []).map((r) => [
      key(r),
      `${r.verdict} ${r.invalid_reason ?? r.diagnosis ?? ""} ${r.detail ?? ""} ${r.amount}`.trim(),
    ]),
  );
}

describe("idempotence on the reference schema", () => {
  const db = useTestDatabase();

  it("twice: unresolved rows decided the same, resolved ones found already there, then nothing changes", async () => {
    // Prepare
    const client = await db().pool.connect();
    try {
      await generate(client, { seed: 5, scale: 0.1, asOf: AS_OF });
    } finally {
      client.release();
    }
    const job = new ReconcileCabinetClaims14d(db().pool, { timeZone: "America/Lima" });
    const run = () => job.runReconcile({ asOf: AS_OF, limit: 100_000 });

    // Act
    const first = await run();
    const second = await run();
    const third = await run();

    // Assess
    expect(first.metrics.resolved_after_refresh).toBeGreaterThan(0);
    expect(first.metrics.still_missing).toBeGreaterThan(0);
    const [a, b, c] = [decisions(first), decisions(second), decisions(third)];
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, decided] of a) {
      if (decided.startsWith("RESOLVED")) expect(b.get(k), k).toMatch(/^ALREADY_EXISTS/);
      else expect(b.get(k), k).toBe(decided);
    }
    expect(second.metrics).toMatchObject({
      resolved_after_refresh: 0,
      still_missing: first.metrics.still_missing,
      amount_still_missing: first.metrics.amount_still_missing,
      invalid_conditions: first.metrics.invalid_conditions,
      claims_already_exist: first.metrics.claims_already_exist + first.metrics.resolved_after_refresh,
      gaps_found: first.metrics.gaps_found,
    });
    expect(c).toEqual(b);
  });
});
