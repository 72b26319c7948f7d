import { describe, expect, it } from "vitest";
import type { Dataset } from "../../reference/dataset.js";
import { dayOf, isoOf } from "../../reference/days.js";
import { singleLeadDataset, type TripSpec } from "../../reference/fixtures.js";
import { buildDataset, groundTruthOf } from "../../reference/generator.js";
import { buildModel, parseDateFile } from "../../reference/model.js";

function oneLead(asOf: string, leadOffset: number, trips: TripSpec[]): Dataset {
  return singleLeadDataset({ asOf, leadOffset, trips });
}

// Building and modelling scale-1 datasets is pure CPU: 1-2 s idle, 7-15 s seen on a loaded 2-core machine.
describe("reference model", { timeout: 120_000 }, () => {
  it("parses DD-MM-YYYY and YYYY-MM-DD, and gives null for impossible or foreign dates", () => {
    expect(parseDateFile("05-03-2025")).toEqual({ day: dayOf("2025-03-05"), dmy: true });
    expect(parseDateFile("2025-03-05")).toEqual({ day: dayOf("2025-03-05"), dmy: false });
    expect(parseDateFile("29-02-2024")?.day).toBe(dayOf("2024-02-29"));
    for (const bad of [
      "31-02-2025",
      "29-02-2025",
      "31-04-2025",
      "00-01-2025",
      "5-3-2025",
      "2025/03/05",
      "",
    ]) {
      expect(parseDateFile(bad)).toBeNull();
    }
  });

  it("counts a trip on day 13 and not one on day 14 (half-open window)", () => {
    // Prepare: four trips on days 1-4, the fifth on day 13 (lead A) or day 14 (lead B)
    const day13 = oneLead("2025-06-30", -20, [
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [13, 1],
    ]);
    const day14 = oneLead("2025-06-30", -20, [
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
      [14, 1],
    ]);
    // Act
    const a = buildModel(day13);
    const b = buildModel(day14);
    // Assess
    const m5 = (rows: ReturnType<typeof buildModel>["before"]["gap"]) =>
      rows.find((r) => r.milestone_value === 5);
    expect(m5(a.before.gap)).toMatchObject({ trips_14d: 5, claim_status: "OK", gap_reason: null });
    expect(a.achieved.find((r) => r.milestone_value === 5)?.achieved_date).toBe("2025-06-23");
    expect(m5(b.before.gap)).toMatchObject({
      trips_14d: 4,
      claim_status: "NOT_EXPECTED",
      gap_reason: "INSUFFICIENT_TRIPS",
    });
    expect(b.achieved.find((r) => r.milestone_value === 5)?.achieved_flag).toBe(false);
  });

  it("ignores impossible dates and lets the gap view, not the payment calculation, count YYYY-MM-DD rows", () => {
    const ds = oneLead("2025-06-30", -20, [
      [1, 1],
      [2, 1],
      [3, 1],
      [0, 50, "31-02-2025"],
      [4, 2, isoOf(dayOf("2025-06-10") + 4)],
    ]);
    const model = buildModel(ds);
    expect(model.before.gap.find((r) => r.milestone_value === 5)).toMatchObject({
      trips_14d: 5,
      claim_status: "MISSING",
    });
    expect(model.achieved.find((r) => r.milestone_value === 5)?.achieved_flag).toBe(false);
  });

  it("builds the same dataset from the same seed, a different one from another seed", () => {
    const a = buildDataset({ seed: 7, scale: 0.05, asOf: "2025-06-15" });
    const b = buildDataset({ seed: 7, scale: 0.05, asOf: "2025-06-15" });
    const c = buildDataset({ seed: 8, scale: 0.05, asOf: "2025-06-15" });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it("plants every outcome the job can reach, in numbers that do not depend on seed or date (scale 1)", () => {
    for (const [seed, asOf] of [
      [1, "2025-06-15"],
      [42, "2024-03-01"],
    ] as const) {
      const t = groundTruthOf(buildDataset({ seed, scale: 1, asOf }), { seed, scale: 1 });
      expect(t.byDiagnosis).toEqual({
        CLAIMS_VIEW_MISSING: 3,
        CLAIM_ON_OTHER_LEAD_DATE: 12,
        NO_PAYMENT_CALCULATION: 5,
        PAYMENT_CALCULATION_NOT_ACHIEVED: 3,
        TRIPS_OUTSIDE_WINDOW: 4,
      });
      expect(t.byVerdict.afterRefresh.RESOLVED).toBe(6);
      expect(t.byVerdict.afterRefresh.STILL_MISSING).toBe(27);
      // WOULD_REFRESH only for the rows a stale claims MV can change (§10.3): the stale-MV gaps.
      expect(t.byVerdict.dryRun.WOULD_REFRESH).toBe(6);
      expect(t.byVerdict.dryRun.STILL_MISSING).toBe(27);
      expect(t.staleMvGaps).toBe(6);
      expect(t.byInvalidReason.NO_DRIVER).toBe(21);
      expect(t.byInvalidReason.ACHIEVED_OUTSIDE_WINDOW).toBe(8);
      expect(t.byInvalidReason.NOT_ACHIEVED).toBeGreaterThan(100);
      expect(t.byVerdict.afterRefresh.ALREADY_EXISTS).toBeGreaterThan(100);
      // Only planted leads produce gaps or diagnoses; normal leads are either claimed or not achieved.
      for (const r of t.windowRows.filter((w) => w.mode === "normal")) {
        expect(["ALREADY_EXISTS", "INVALID"]).toContain(r.expected.afterRefresh);
      }
      for (const r of t.windowRows.filter((w) => w.mode === "stale_mv" && w.claim_status === "MISSING")) {
        expect(r.expected).toMatchObject({ dryRun: "WOULD_REFRESH", afterRefresh: "RESOLVED" });
      }
    }
  });

  it("pins seed 1, scale 1, as of 2025-06-15: gap rows per claim_status and gap_reason", () => {
    const t = groundTruthOf(buildDataset({ seed: 1, scale: 1, asOf: "2025-06-15" }), { seed: 1, scale: 1 });
    expect(t.windowRows).toHaveLength(PINNED.rows);
    expect(t.byStatus).toEqual(PINNED.byStatus);
    expect(t.byReason).toEqual(PINNED.byReason);
  });
});

const PINNED = {
  rows: 489,
  byStatus: { MISSING: 33, NOT_EXPECTED: 286, OK: 170 },
  byReason: { CLAIM_NOT_GENERATED: 33, INSUFFICIENT_TRIPS: 265, NO_DRIVER: 9, NO_IDENTITY: 12, NULL: 170 },
};
