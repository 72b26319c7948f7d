import { describe, expect, it } from "vitest";
import { decide, diagnose, look, needsRefresh } from "../../lambda/core/decide.js";
import type { DiagnosisFacts, GapRow, LookFacts } from "../../lambda/core/types.js";

const row = (over: Partial<GapRow> = {}): GapRow => ({
  ord: 1,
  driver_id: "d1",
  lead_date: "2026-11-01",
  milestone_value: 5,
  gap_reason: "CLAIM_NOT_GENERATED",
  claim_status: "MISSING",
  ...over,
});
const facts = (over: Partial<LookFacts> = {}): LookFacts => ({
  achieved_flag: true,
  achieved_date: "2026-11-05",
  claim_exists: false,
  ...over,
});
const diag = (over: Partial<DiagnosisFacts> = {}): DiagnosisFacts => ({
  other_lead_date: null,
  payment_calc_rows: 1,
  payment_calc_achieved_date: "2026-11-05",
  trips_in_window: 7,
  ...over,
});
const real = { dryRun: false, refreshed: true, changeable: "all", failedRefresh: [] } as const;

describe("look: canonical conditions", () => {
  it("counts an achievement on day 13 of the window and not on day 14", () => {
    // Prepare: lead on Nov 1; the window is [Nov 1, Nov 15).
    const day13 = look(row(), facts({ achieved_date: "2026-11-14" }));
    const day14 = look(row(), facts({ achieved_date: "2026-11-15" }));
    const day0 = look(row(), facts({ achieved_date: "2026-11-01" }));
    const dayBefore = look(row(), facts({ achieved_date: "2026-10-31" }));
    expect(day13.classification).toBe("SHOULD_EXIST");
    expect(day0.classification).toBe("SHOULD_EXIST");
    expect(day14).toMatchObject({ classification: "INVALID", invalid_reason: "ACHIEVED_OUTSIDE_WINDOW" });
    expect(day14.detail).toContain("2026-11-15");
    expect(dayBefore.invalid_reason).toBe("ACHIEVED_OUTSIDE_WINDOW");
  });

  it("crosses month and year ends in the window arithmetic", () => {
    const lead = row({ lead_date: "2026-12-25" });
    expect(look(lead, facts({ achieved_date: "2027-01-07" })).classification).toBe("SHOULD_EXIST");
    expect(look(lead, facts({ achieved_date: "2027-01-08" })).invalid_reason).toBe("ACHIEVED_OUTSIDE_WINDOW");
  });

  it("checks the driver and the lead date before anything else, including an existing claim", () => {
    expect(look(row({ driver_id: null }), facts({ claim_exists: true })).invalid_reason).toBe("NO_DRIVER");
    expect(look(row({ driver_id: "" }), facts()).invalid_reason).toBe("NO_DRIVER");
    expect(look(row({ lead_date: null }), facts()).invalid_reason).toBe("NO_LEAD_DATE");
  });

  it("treats a missing canonical row and a false flag as not achieved", () => {
    expect(look(row(), facts({ achieved_flag: null, achieved_date: null })).invalid_reason).toBe(
      "NOT_ACHIEVED",
    );
    expect(look(row(), facts({ achieved_flag: false, achieved_date: null })).invalid_reason).toBe(
      "NOT_ACHIEVED",
    );
    expect(look(row(), facts({ achieved_flag: true, achieved_date: null })).invalid_reason).toBe(
      "NOT_ACHIEVED",
    );
  });

  it("reports an existing claim whatever the canonical view says", () => {
    expect(look(row(), facts({ claim_exists: true, achieved_flag: false })).classification).toBe(
      "ALREADY_EXISTS",
    );
  });
});

describe("decide: verdicts", () => {
  const dry = { dryRun: true, refreshed: false, changeable: "all", failedRefresh: [] } as const;

  it("is WOULD_REFRESH in dry-run when conditions hold and the claim is absent, with the diagnosis as it is", () => {
    const d = decide(row(), facts(), facts(), diag({ other_lead_date: "2026-10-20" }), dry);
    expect(d).toMatchObject({
      verdict: "WOULD_REFRESH",
      classification: "SHOULD_EXIST",
      reclassified: false,
      diagnosis: "CLAIM_ON_OTHER_LEAD_DATE",
      detail: "claim exists under lead_date 2026-10-20, gap row has 2026-11-01",
    });
  });

  it("is STILL_MISSING, dry run or not, when no stale planned view can change the row's driver", () => {
    for (const context of [
      { ...dry, changeable: new Set<string>() },
      { ...dry, changeable: new Set(["another-driver"]) },
      { ...real, refreshed: false, changeable: new Set<string>() },
    ]) {
      const d = decide(row(), facts(), facts(), diag({ payment_calc_rows: 0 }), context);
      expect(d).toMatchObject({ verdict: "STILL_MISSING", diagnosis: "NO_PAYMENT_CALCULATION" });
    }
  });

  it("blames a failed refresh and still says what the data shows", () => {
    const d = decide(row(), facts(), facts(), diag({ other_lead_date: "2026-11-09" }), {
      ...real,
      failedRefresh: [
        { name: "ops.mv_other", error: "boom", drivers: new Set(["another-driver"]) },
        { name: "ops.mv_x", error: "canceling statement due to lock timeout", drivers: "all" },
      ],
    });
    expect(d).toMatchObject({ verdict: "STILL_MISSING", diagnosis: "REFRESH_FAILED" });
    expect(d.detail).toBe(
      "refresh of ops.mv_x failed: canceling statement due to lock timeout; on the data as it is: CLAIM_ON_OTHER_LEAD_DATE (2026-11-09)",
    );
    // The same facts as a value, for the page to word in its language.
    expect(d.detail_facts).toEqual({
      code: "REFRESH_FAILED",
      view: "ops.mv_x",
      data: { code: "CLAIM_ON_OTHER_LEAD_DATE", other_lead_date: "2026-11-09" },
    });
  });

  it("keeps the diagnosis of a row no failed view could have changed", () => {
    const d = decide(row(), facts(), facts(), diag({ other_lead_date: "2026-11-09" }), {
      ...real,
      failedRefresh: [{ name: "ops.mv_payments", error: "boom", drivers: new Set(["another-driver"]) }],
    });
    expect(d).toMatchObject({ verdict: "STILL_MISSING", diagnosis: "CLAIM_ON_OTHER_LEAD_DATE" });
  });

  it("is RESOLVED when the claim appears after the refresh", () => {
    const d = decide(row(), facts(), facts({ claim_exists: true }), diag(), real);
    expect(d).toMatchObject({ verdict: "RESOLVED", reclassified: false, diagnosis: null });
    expect(d.detail_facts).toBeNull();
  });

  it("flags a row that looked invalid and is resolved by the refresh as reclassified", () => {
    const d = decide(
      row(),
      facts({ achieved_flag: false, achieved_date: null }),
      facts({ claim_exists: true }),
      diag(),
      real,
    );
    expect(d).toMatchObject({ verdict: "RESOLVED", classification: "INVALID", reclassified: true });
    expect(d.detail).toBe("before refresh: canonical achieved view: achieved_flag false for M5");
    expect(d.detail_facts).toEqual({
      code: "RESOLVED",
      before: { code: "NOT_ACHIEVED", achieved_flag: false },
    });
  });

  it("flags a due row that the refreshed canonical view no longer supports", () => {
    const d = decide(row(), facts(), facts({ achieved_flag: false, achieved_date: null }), diag(), real);
    expect(d).toMatchObject({ verdict: "INVALID", invalid_reason: "NOT_ACHIEVED", reclassified: true });
  });

  it("keeps ALREADY_EXISTS when the claim was there before the refresh", () => {
    const d = decide(row(), facts({ claim_exists: true }), facts({ claim_exists: true }), diag(), real);
    expect(d).toMatchObject({ verdict: "ALREADY_EXISTS", reclassified: false });
  });

  it("ignores the second look when no refresh ran", () => {
    const d = decide(row(), facts(), facts({ claim_exists: true }), diag(), { ...real, refreshed: false });
    expect(d.verdict).toBe("STILL_MISSING");
  });
});

describe("diagnose: first match wins, in the runbook's order", () => {
  const due = row() as GapRow & { lead_date: string };

  it("finds the claim under another lead date", () => {
    const d = diagnose(due, diag({ other_lead_date: "2026-10-20", payment_calc_rows: 0 }));
    expect(d.diagnosis).toBe("CLAIM_ON_OTHER_LEAD_DATE");
    expect(d.detail).toContain("2026-10-20");
  });

  it("reports no payment calculation", () => {
    expect(diagnose(due, diag({ payment_calc_rows: 0 })).diagnosis).toBe("NO_PAYMENT_CALCULATION");
  });

  it("reports a payment calculation not achieved, or achieved on day 14", () => {
    expect(diagnose(due, diag({ payment_calc_achieved_date: null })).diagnosis).toBe(
      "PAYMENT_CALCULATION_NOT_ACHIEVED",
    );
    const late = diagnose(due, diag({ payment_calc_achieved_date: "2026-11-15" }));
    expect(late.diagnosis).toBe("PAYMENT_CALCULATION_NOT_ACHIEVED");
    expect(late.detail).toContain("2026-11-15");
  });

  it("reports too few trips inside the half-open window", () => {
    const d = diagnose(due, diag({ trips_in_window: 4 }));
    expect(d).toEqual({
      diagnosis: "TRIPS_OUTSIDE_WINDOW",
      detail: "trips in window [2026-11-01, 2026-11-15): 4 < 5",
      brief: "4 < 5 trips",
      facts: { code: "TRIPS_OUTSIDE_WINDOW", trips_in_window: 4 },
    });
  });

  it("blames the claims view when every source agrees", () => {
    const d = diagnose(due, diag({ trips_in_window: 5 }));
    expect(d.diagnosis).toBe("CLAIMS_VIEW_MISSING");
    expect(d.detail).toContain("trips in window 5");
  });
});

describe("needsRefresh", () => {
  it("is false only for claimed rows and rows no refresh can fix", () => {
    expect(needsRefresh(look(row(), facts({ claim_exists: true })))).toBe(false);
    expect(needsRefresh(look(row({ driver_id: null }), facts()))).toBe(false);
    expect(needsRefresh(look(row(), facts()))).toBe(true);
    expect(needsRefresh(look(row(), facts({ achieved_flag: false })))).toBe(true);
  });
});
