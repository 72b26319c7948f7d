import { describe, expect, it } from "vitest";
import { generate } from "../../reference/generator.js";
import { useTestDatabase } from "../support/db.js";

/** Fixed seed and fixed as-of: the exact gap-view counts the generator produces are pinned here. */
describe("generated data, seed 1, scale 1, as of 2025-06-15 (pinned counts)", () => {
  const db = useTestDatabase();

  it("has exactly these gap rows per claim_status and gap_reason in the 21-day window", async () => {
    // Prepare
    const client = await db().pool.connect();
    try {
      await generate(client, { seed: 1, scale: 1, asOf: "2025-06-15" });
    } finally {
      client.release();
    }
    // Act
    const count = async (column: string) => {
      const { rows } = await db().pool.query<{ k: string | null; n: number }>(
        `SELECT ${column} AS k, count(*)::int AS n FROM ops.v_cabinet_claims_gap_14d
          WHERE lead_date >= DATE '2025-06-15' - 21 GROUP BY 1`,
      );
      return Object.fromEntries(rows.map((r) => [r.k ?? "NULL", r.n]));
    };
    // Assess
    expect(await count("claim_status")).toEqual({ MISSING: 33, NOT_EXPECTED: 286, OK: 170 });
    expect(await count("gap_reason")).toEqual({
      CLAIM_NOT_GENERATED: 33,
      INSUFFICIENT_TRIPS: 265,
      NO_DRIVER: 9,
      NO_IDENTITY: 12,
      NULL: 170,
    });
  });
});
