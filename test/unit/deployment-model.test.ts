import { describe, expect, it } from "vitest";
import { dayOf, dmyOf, isoOf, timestampOf } from "../../reference/days.js";
import type { ClaimStatus, DeploymentDataset, PhysicalClaimRow } from "../../reference/deployment-dataset.js";
import { buildDeploymentDataset, deploymentRules } from "../../reference/deployment-generator.js";
import { buildDeploymentModel } from "../../reference/deployment-model.js";
import { deploymentGroundTruth } from "../../reference/deployment-truth.js";

const ASOF = "2026-03-18";
const D = dayOf(ASOF);

/** [day offset from the lead, trips, "iso" to write the row YYYY-MM-DD, or a literal date_file]. */
type Trip = readonly [number, number, string?];

/** One cabinet lead with person and driver, the generator's rules, and trips by offset from the lead day. */
function oneLead(opts: {
  leadOffset: number;
  trips?: readonly Trip[];
  lateTrips?: readonly Trip[];
  scoutingOffset?: number;
  ingested?: boolean;
  /** Ledger rows for the lead's milestones. */
  ledger?: Array<[milestone: number, status: ClaimStatus]>;
}): DeploymentDataset {
  const lead = D + opts.leadOffset;
  const rules = deploymentRules(ASOF);
  const dateFile = (t: Trip) =>
    t[2] === "iso" ? isoOf(lead + t[0]) : t[2] !== undefined ? t[2] : dmyOf(lead + t[0]);
  const row = (t: Trip) => ({ driver_id: "drv", date_file: dateFile(t), count_orders_completed: t[1] });
  const events = [];
  if (opts.ingested !== false)
    events.push({
      id: 1,
      person_key: "p",
      origin_tag: "cabinet",
      source: "cabinet_lead",
      event_date: isoOf(lead),
    });
  if (opts.scoutingOffset !== undefined)
    events.push({
      id: 2,
      person_key: "p",
      origin_tag: "cabinet",
      source: "scouting",
      event_date: isoOf(lead + opts.scoutingOffset),
    });
  return {
    asOf: ASOF,
    drivers: [{ driver_id: "drv", full_name: "Ana Torres Flores X1" }],
    leads: [{ id: 100001, external_id: null, lead_created_at: timestampOf(lead, 10 * 3600) }],
    lead_person: [
      { lead_source_pk: "100001", person_key: "p", linked_at: timestampOf(lead, 10 * 3600 + 60) },
    ],
    person_driver: [{ person_key: "p", driver_id: "drv", linked_at: timestampOf(lead, 11 * 3600) }],
    lead_events: events,
    summary_daily: (opts.trips ?? []).map(row),
    late_summary_daily: (opts.lateTrips ?? []).map(row),
    partner_rules: rules.partner,
    scout_rules: rules.scout,
    claims: (opts.ledger ?? []).map(([milestone, status], i) => ledgerRow(i + 1, lead, milestone, status)),
    payments: [],
    ledger: [],
    late_payments: [],
    late_ledger: [],
    modes: {},
    plantedDrivers: {},
    plantedLeadIds: {},
  };
}

function ledgerRow(claim_id: number, lead: number, milestone: number, status: ClaimStatus): PhysicalClaimRow {
  const at = `${timestampOf(lead + 3, 9 * 3600)}+00`;
  return {
    claim_id,
    person_key: "p",
    driver_id: "drv",
    lead_source_pk: "100001",
    lead_date: isoOf(lead),
    milestone,
    amount_expected: "25.00",
    status,
    expected_at: at,
    generated_at: null,
    paid_at: null,
    reason: status === "rejected" ? "rejected: duplicate lead upload" : null,
    created_at: at,
    updated_at: at,
  };
}

const milestones = (rows: Array<{ milestone_value: number }>) =>
  rows.map((r) => r.milestone_value).sort((a, b) => a - b);

describe("deployment model", () => {
  it("gap view: the fifth trip on day 13 counts, on day 14 it does not (half-open window)", () => {
    // Prepare
    const four: Trip[] = [
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
    ];
    // Act
    const day13 = buildDeploymentModel(oneLead({ leadOffset: -20, trips: [...four, [13, 1], [14, 20]] }));
    const day14 = buildDeploymentModel(oneLead({ leadOffset: -20, trips: [...four, [14, 1]] }));
    // Assess
    expect(milestones(day13.gap)).toEqual([1, 5]);
    expect(day13.gap[0]?.trips_14d).toBe(5);
    expect(milestones(day14.gap)).toEqual([1]);
    expect(day14.gap[0]?.trips_14d).toBe(4);
  });

  it("claims view: its inclusive day 14 never adds a claim, the calculation's window is half-open", () => {
    // Prepare: a scouting registration the day before the lead is the calculation's lead date, so the lead's
    // day 13 is the scouting date's day 14
    const ds = oneLead({ leadOffset: -20, scoutingOffset: -1, trips: [[13, 1]] });
    // Act
    const model = buildDeploymentModel(ds);
    const truth = deploymentGroundTruth(ds);
    // Assess: the gap view counts the trip (M1 row); no rule achieves it, so no claim and NOT_ACHIEVED
    expect(milestones(model.gap)).toEqual([1]);
    expect(model.paymentCalculation.some((p) => p.milestone_achieved)).toBe(false);
    expect(model.claims.live.now).toEqual([]);
    expect(truth.states.live.rows.map((r) => r.expected.afterRefresh.invalid_reason)).toEqual([
      "NOT_ACHIEVED",
    ]);
  });

  it("payment calculation: the running total counts each trip day once per covering rule (2 trips look like M5)", () => {
    // Prepare: lead 5 days ago: partner v2b (M1, M5, M25) and scout (M1, M5) cover it: 5 rules
    const ds = oneLead({
      leadOffset: -5,
      trips: [
        [1, 1],
        [2, 1],
      ],
    });
    // Act
    const model = buildDeploymentModel(ds);
    // Assess
    const a = new Map(model.achieved.map((r) => [r.milestone_value, r]));
    expect(a.get(5)).toEqual({
      driver_id: "drv",
      milestone_value: 5,
      achieved_flag: true,
      achieved_date: isoOf(D - 4),
    });
    expect(a.get(25)?.achieved_flag).toBe(false);
    expect(model.paymentCalculation).toHaveLength(5);
    expect(milestones(model.claims.live.now)).toEqual([1, 5]);
    expect(milestones(model.gap)).toEqual([1]);
  });

  it("payment calculation: a scout rule only counts its 7-day window, a partner rule 14 days", () => {
    // Prepare: the only trip on day 8
    const ds = oneLead({ leadOffset: -20, trips: [[8, 1]] });
    // Act
    const calc = buildDeploymentModel(ds).paymentCalculation;
    // Assess
    const m1 = calc.filter((p) => p.milestone_trips === 1).map((p) => [p.rule_scope, p.milestone_achieved]);
    expect(m1.sort()).toEqual([
      ["partner", true],
      ["scout", false],
    ]);
  });

  it("achieved view mixes scopes: with no partner rule covering the lead date, scout rules say achieved", () => {
    // Prepare: 17 days ago no partner rule is valid
    const ds = oneLead({
      leadOffset: -17,
      trips: [
        [1, 2],
        [2, 2],
      ],
    });
    // Act
    const model = buildDeploymentModel(ds);
    // Assess
    expect(new Set(model.paymentCalculation.map((p) => p.rule_scope))).toEqual(new Set(["scout"]));
    expect(model.achieved.filter((a) => a.achieved_flag).map((a) => a.milestone_value)).toEqual([1, 5]);
    expect(model.claims.live.now).toEqual([]);
  });

  it("drift state: the receivable MV drops partner rules paying 0 and is stale for late trips", () => {
    // Prepare: lead on a promo day (M1 pays 0); and a lead whose trips all arrive after the snapshot
    const promo = buildDeploymentModel(oneLead({ leadOffset: -12, trips: [[1, 2]] }));
    const late = buildDeploymentModel(oneLead({ leadOffset: -6, lateTrips: [[4, 2]] }));
    // Assess
    expect(milestones(promo.claims.live.now)).toEqual([1, 5]);
    expect(milestones(promo.claims.drift.now)).toEqual([5]);
    expect(milestones(promo.claims.drift.refreshed)).toEqual([5]);
    expect(milestones(late.claims.live.now)).toEqual([1, 5]);
    expect(late.claims.drift.now).toEqual([]);
    expect(milestones(late.claims.drift.refreshed)).toEqual([1, 5]);
  });

  it("counts YYYY-MM-DD trips for the job only; the deployed views skip them", () => {
    // Prepare
    const ds = oneLead({
      leadOffset: -10,
      trips: [
        [1, 1],
        [2, 1, "iso"],
        [3, 1, "iso"],
      ],
    });
    // Act
    const model = buildDeploymentModel(ds);
    // Assess
    expect(model.gap.map((g) => g.trips_14d)).toEqual([1]);
    expect(model.jobTripsInWindow("drv", isoOf(D - 10))).toBe(3);
    expect(model.isoTripRows("drv")).toHaveLength(2);
  });

  it("raises on an impossible DD-MM-YYYY date as to_date does", () => {
    const ds = oneLead({ leadOffset: -10, trips: [[1, 1, "31-02-2026"]] });
    expect(() => buildDeploymentModel(ds)).toThrow(/out of range/);
  });

  it("leads never ingested have no calculation: the first look says NOT_ACHIEVED", () => {
    // Prepare
    const ds = oneLead({ leadOffset: -10, ingested: false, trips: [[1, 3]] });
    // Act
    const truth = deploymentGroundTruth(ds);
    // Assess
    expect(truth.states.live.rows.map((r) => r.expected.dryRun)).toEqual([
      { verdict: "INVALID", invalid_reason: "NOT_ACHIEVED", diagnosis: null },
    ]);
  });
});

describe("deployment ground truth: the rule's money and the claims ledger (contract §10.1, §10.2)", () => {
  /** 13 trips on days 1-2: M1, M5 and M25 in the gap view, all achieved by the calculation. */
  const busy: Trip[] = [
    [1, 13],
    [2, 13],
  ];
  const byMilestone = (ds: DeploymentDataset, state: "live" | "drift" = "live") =>
    new Map(deploymentGroundTruth(ds).states[state].rows.map((r) => [r.milestone_value, r]));

  it("a rule in force that pays 0 makes the row INVALID ZERO_AMOUNT_RULE in both runs, whatever the claims view holds", () => {
    // Prepare: from day -5 on partner tariff v3 pays M25 0.00
    const ds = oneLead({ leadOffset: -4, trips: busy });
    // Act
    const truth = deploymentGroundTruth(ds);
    const live = byMilestone(ds, "live");
    // Assess: the live claims view holds all three claims; drift's receivable MV drops the 0 rule
    expect(milestones(buildDeploymentModel(ds).claims.live.now)).toEqual([1, 5, 25]);
    const m25 = live.get(25);
    expect(m25?.expected).toMatchObject({
      classification: "INVALID",
      dryRun: { verdict: "INVALID", invalid_reason: "ZERO_AMOUNT_RULE", diagnosis: null },
      afterRefresh: { verdict: "INVALID", invalid_reason: "ZERO_AMOUNT_RULE", diagnosis: null },
      amount: "0.00",
      amount_source: "rule",
      amount_conflict: null,
    });
    expect(m25?.expected_amount).toBe("100.00");
    expect(byMilestone(ds, "drift").get(25)?.expected.afterRefresh.invalid_reason).toBe("ZERO_AMOUNT_RULE");
    expect(live.get(5)?.expected).toMatchObject({ classification: "ALREADY_EXISTS", amount: "35.00" });
    // never money at risk, never recorded; the warnings count it
    for (const s of Object.values(truth.states)) {
      expect(s.amountAtRisk).toBe("0.00");
      expect(s.recording.real.recordedKeys.map((k) => k.milestone)).toEqual([1, 5]);
      expect(s.rows.find((r) => r.milestone_value === 25)?.expected.ledger.real).toEqual({
        ledger: "not_recorded",
        ledger_status: null,
        ledger_why: "NOT_PROVEN",
      });
      expect(s.warnings.real.gapAmountDiffers).toBe(1);
    }
    expect(truth.states.live.warnings.real.zeroRuleWithClaim).toBe(1);
    expect(truth.states.drift.warnings.real.zeroRuleWithClaim).toBe(0);
  });

  it("the day before the zero rule, M25 is the rule's 100.00; the promo day's M1 pays 0", () => {
    const before = byMilestone(oneLead({ leadOffset: -6, trips: busy }));
    expect(before.get(25)?.expected).toMatchObject({ classification: "ALREADY_EXISTS", amount: "100.00" });
    const promo = byMilestone(oneLead({ leadOffset: -12, trips: busy }));
    expect(promo.get(1)?.expected.dryRun.invalid_reason).toBe("ZERO_AMOUNT_RULE");
    expect(promo.get(5)?.expected.amount_source).toBe("rule");
  });

  it("overlapping rules with different amounts: amount_conflict, the highest counts, never recorded", () => {
    // Prepare: day -8: v2b and its duplicate (same amounts) and a correction paying M5 40.00
    const rows = byMilestone(oneLead({ leadOffset: -8, trips: busy }));
    // Assess
    expect(rows.get(1)?.expected).toMatchObject({ amount: "25.00", amount_conflict: null });
    expect(rows.get(5)?.expected).toMatchObject({
      classification: "ALREADY_EXISTS",
      amount: "40.00",
      amount_source: "rule",
      amount_conflict: "35.00, 40.00",
      ledger: {
        dryRun: { ledger: "not_recorded", ledger_status: null, ledger_why: "AMOUNT_CONFLICT" },
        real: { ledger: "not_recorded", ledger_status: null, ledger_why: "AMOUNT_CONFLICT" },
      },
    });
    expect(rows.get(1)?.expected.ledger.dryRun.ledger).toBe("would_record");
  });

  it("without a partner rule on the lead date the gap view's amount counts and nothing is recorded", () => {
    const rows = byMilestone(oneLead({ leadOffset: -17, trips: busy }));
    expect(rows.get(1)?.expected).toMatchObject({ amount: "25.00", amount_source: "gap_view" });
    expect(rows.get(1)?.expected.ledger.real.ledger_why).toBe("NOT_PROVEN");
  });

  it("a key the ledger holds rejected is present, stays in the gap view, and is warned about; the rest is recorded once", () => {
    // Prepare: M1 rejected by a person; M5 in no status
    const ds = oneLead({ leadOffset: -10, trips: busy, ledger: [[1, "rejected"]] });
    // Act
    const s = deploymentGroundTruth(ds).states.live;
    const rows = new Map(s.rows.map((r) => [r.milestone_value, r]));
    // Assess
    expect(rows.get(1)?.expected.ledger.real).toEqual({
      ledger: "present",
      ledger_status: "rejected",
      ledger_why: null,
    });
    expect(rows.get(5)?.expected.ledger.real.ledger).toBe("recorded");
    expect(rows.get(5)?.expected.ledger.dryRun.ledger).toBe("would_record");
    expect(s.warnings.real.ledgerDecidedWithClaim).toBe(1);
    expect(s.recording.real).toMatchObject({
      toRecord: 2,
      claimsRecorded: 2,
      amountRecorded: "135.00",
      gapsBefore: 3,
      gapsAfter: 1,
    });
    expect(s.recording.dryRun).toMatchObject({
      toRecord: 2,
      claimsRecorded: 0,
      amountRecorded: "0.00",
      amountToRecord: "135.00",
      gapsAfter: null,
    });
    expect(s.recording.real.recordedKeys[0]).toEqual({
      person_key: "p",
      lead_date: isoOf(D - 10),
      milestone: 5,
      amount: "35.00",
      driver_id: "drv",
      lead_source_pk: "100001",
      ord: 2,
    });
  });
});

describe("deployment ground truth", () => {
  const ds = buildDeploymentDataset({ seed: 4, scale: 0.05, asOf: ASOF, historyDays: 60 });
  const truth = deploymentGroundTruth(ds);

  it("orders rows as the job does and marks repeated claim keys as duplicates of the first", () => {
    for (const s of Object.values(truth.states)) {
      const seen = new Map<string, number>();
      s.rows.forEach((r, i) => {
        expect(r.ord).toBe(i + 1);
        const key = `${r.driver_id}|${r.milestone_value}|${r.lead_date}`;
        expect(r.expected.duplicateOf).toBe(seen.get(key) ?? null);
        if (!seen.has(key)) seen.set(key, r.ord);
        const prev = s.rows[i - 1];
        if (prev) expect(prev.lead_date >= r.lead_date).toBe(true);
      });
      expect(s.duplicates).toBeGreaterThan(0);
    }
  });

  it("counts money once per claim key, and a WOULD_REFRESH row always carries its diagnosis", () => {
    for (const s of Object.values(truth.states)) {
      const distinct = new Map<string, number>();
      for (const r of s.rows)
        if (r.expected.afterRefresh.verdict === "STILL_MISSING")
          distinct.set(`${r.driver_id}|${r.milestone_value}|${r.lead_date}`, Number(r.expected_amount));
      expect(Number(s.amountStillMissing)).toBe([...distinct.values()].reduce((a, b) => a + b, 0));
      for (const r of s.rows) {
        if (r.expected.dryRun.verdict === "WOULD_REFRESH" || r.expected.dryRun.verdict === "STILL_MISSING")
          expect(r.expected.dryRun.diagnosis).not.toBeNull();
        else expect(r.expected.dryRun.diagnosis).toBeNull();
      }
    }
  });

  it("cuts the rows to the job's limit in the job's order, and still counts every window row", () => {
    // Act
    const cut = deploymentGroundTruth(ds, { limit: 5 });
    // Assess
    expect(cut.windowRows).toBe(truth.windowRows);
    expect(cut.limit).toBe(5);
    expect(cut.states.live.rows).toEqual(truth.states.live.rows.slice(0, 5));
  });

  it("is deterministic from seed and scale", () => {
    const again = buildDeploymentDataset({ seed: 4, scale: 0.05, asOf: ASOF, historyDays: 60 });
    expect(again).toEqual(ds);
    expect(deploymentGroundTruth(again)).toEqual(truth);
  });
});
