import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  agingOf,
  agingReachDays,
  bucketOf,
  COLLECT_NOW_DAYS,
  COLLECT_NOW_MIN_DAYS_BACK,
  coversCollectNow,
  OVERDUE_BUCKETS,
} from "../../lambda/core/aging.js";
import { addDays } from "../../lambda/core/dates.js";
import { amountAtRisk, MetricsAccumulator } from "../../lambda/core/metrics.js";
import type { ReportRow, Verdict } from "../../lambda/core/types.js";
import { sampleRow } from "../support/report-fixtures.js";

const AS_OF = "2026-11-24";
/** The lead date `n` days before as-of. */
const leadDaysBefore = (n: number) => addDays(AS_OF, -n);

describe("aging of one claim", () => {
  it.each([
    // [days before as-of, due date, days overdue, bucket]
    [0, "2026-12-08", 0, "0_not_due"],
    [13, "2026-11-25", 0, "0_not_due"],
    [14, "2026-11-24", 0, "0_not_due"], // due today: not overdue yet
    [15, "2026-11-23", 1, "1_7"],
    [21, "2026-11-17", 7, "1_7"],
    [22, "2026-11-16", 8, "8_14"],
    [28, "2026-11-10", 14, "8_14"],
    [29, "2026-11-09", 15, "15_30"], // collect now
    [44, "2026-10-25", 30, "15_30"],
    [45, "2026-10-24", 31, "31_60"],
    [74, "2026-09-25", 60, "31_60"],
    [75, "2026-09-24", 61, "60_plus"],
  ] as const)(
    "a lead %i days before as-of: due %s, %i days overdue, bucket %s",
    (before, due, days, bucket) => {
      expect(agingOf(leadDaysBefore(before), AS_OF)).toEqual({
        due_date: due,
        days_overdue: days,
        overdue_bucket: bucket,
      });
    },
  );

  it("no lead date, no due date", () => {
    expect(agingOf(null, AS_OF)).toEqual({ due_date: null, days_overdue: null, overdue_bucket: null });
  });

  it("counts calendar days across a month end and a leap day, with no time zone shift", () => {
    expect(agingOf("2028-02-15", "2028-03-01")).toEqual({
      due_date: "2028-02-29",
      days_overdue: 1,
      overdue_bucket: "1_7",
    });
  });

  it("days overdue is never negative and grows by one a day once due; buckets are ordered", () => {
    fc.assert(
      fc.property(fc.integer({ min: -30, max: 400 }), (before) => {
        const today = agingOf(leadDaysBefore(before), AS_OF);
        const tomorrow = agingOf(leadDaysBefore(before), addDays(AS_OF, 1));
        expect(today.days_overdue).toBe(Math.max(0, before - 14));
        expect(tomorrow.days_overdue).toBe(Math.max(0, before - 13));
        const order = (b: string | null) => OVERDUE_BUCKETS.indexOf(b as (typeof OVERDUE_BUCKETS)[number]);
        expect(order(tomorrow.overdue_bucket)).toBeGreaterThanOrEqual(order(today.overdue_bucket));
      }),
    );
  });

  it("collect now starts at the first day of the 15_30 bucket", () => {
    expect(bucketOf(COLLECT_NOW_DAYS - 1)).toBe("8_14");
    expect(bucketOf(COLLECT_NOW_DAYS)).toBe("15_30");
  });
});

describe("money at risk by bucket (the run's MetricsAccumulator, the one place money is summed)", () => {
  it("sums exactly, once per claim, only at-risk verdicts, every bucket present", () => {
    const metrics = new MetricsAccumulator();
    const row = (
      ord: number,
      verdict: Verdict,
      amount: string,
      lead: string | null,
      duplicate_of: number | null = null,
    ): ReportRow => {
      const base = { verdict, amount, duplicate_of };
      return sampleRow(ord, {
        ...base,
        lead_date: lead,
        diagnosis: verdict === "STILL_MISSING" ? "CLAIMS_VIEW_MISSING" : null,
        amount_at_risk: amountAtRisk(base),
        ...agingOf(lead, AS_OF),
      });
    };
    const rows = [
      row(1, "STILL_MISSING", "0.10", leadDaysBefore(29)),
      row(2, "STILL_MISSING", "0.20", leadDaysBefore(30)),
      // Same claim key as the first row (a lead uploaded twice): counted as a row, not as money.
      row(3, "STILL_MISSING", "0.10", leadDaysBefore(29), 1),
      row(4, "WOULD_REFRESH", "100.00", leadDaysBefore(80)),
      row(5, "STILL_MISSING", "35.00", leadDaysBefore(3)),
      row(6, "RESOLVED", "25.00", leadDaysBefore(40)),
      row(7, "ALREADY_EXISTS", "25.00", leadDaysBefore(40)),
      row(8, "INVALID", "25.00", null),
    ];
    expect(rows[0]).toMatchObject({ due_date: "2026-11-09", days_overdue: 15, overdue_bucket: "15_30" });
    expect(rows[7]).toMatchObject({ due_date: null, days_overdue: null, overdue_bucket: null });
    for (const r of rows) metrics.add(r);

    expect(metrics.atRiskByBucket()).toEqual([
      { bucket: "0_not_due", count: 1, amount: "35.00" },
      { bucket: "1_7", count: 0, amount: "0.00" },
      { bucket: "8_14", count: 0, amount: "0.00" },
      { bucket: "15_30", count: 3, amount: "0.30" }, // 0.1 + 0.2, exactly
      { bucket: "31_60", count: 0, amount: "0.00" },
      { bucket: "60_plus", count: 1, amount: "100.00" },
    ]);
    const m = metrics.metrics(rows.length, [], 1, 90);
    expect(m.amount_at_risk_15_plus).toBe("100.30");
    expect(m.amount_at_risk).toBe("135.30");
  });
});

describe("how far back a window reaches", () => {
  it("reaches days_back - 14 days overdue, never negative, and covers collect-now from 29 days back", () => {
    expect([0, 14, 21, 28, 29, 60].map(agingReachDays)).toEqual([0, 0, 7, 14, 15, 46]);
    expect(coversCollectNow(agingReachDays(28))).toBe(false);
    expect(coversCollectNow(agingReachDays(29))).toBe(true);
    expect(COLLECT_NOW_MIN_DAYS_BACK).toBe(29);
    // The oldest lead of a 29-day window is due 15 days before as-of: it lands in 15_30, the first 15+ bucket.
    expect(agingOf(addDays(AS_OF, -29), AS_OF).overdue_bucket).toBe("15_30");
  });
});
