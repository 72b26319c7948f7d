/**
 * Ground truth of the deployment profile: what the reconcile job must report for every gap-view row of the
 * window, per claims-view state, under docs/contract.md §4 as revised by §9. Computed from the independent model
 * (`deployment-model.ts`), never from the database.
 *
 * API, for the job-on-deployment tests:
 *
 *   const truth = await generateDeployment(client, { seed, scale, state: "drift" }); // loads and returns it
 *   // or, without a database: deploymentGroundTruth(buildDeploymentDataset({ seed, scale, asOf }))
 *   const s = truth.states.drift;              // or .live: the same rows, the state's expectations
 *   s.rows[i]                                  // one per gap-view row with lead_date >= asOf - daysBack,
 *                                              // in the job's order (lead_date DESC, driver_id,
 *                                              // milestone_value, lead_source_pk), cut to `limit` (default
 *                                              // 1000, the job's; scale 10 has ~1,200 window rows: pass
 *                                              // { limit } to match the run); rows[i].ord = i + 1
 *   truth.windowRows                           // every window row (gaps_found), not cut by the limit
 *   s.rows[i].expected.classification          // first look: INVALID | ALREADY_EXISTS | SHOULD_EXIST
 *   s.rows[i].expected.dryRun                  // { verdict, invalid_reason, diagnosis } of a --dry-run
 *   s.rows[i].expected.afterRefresh            // the same for a real run (upstream plan refreshed)
 *   s.rows[i].expected.duplicate / duplicateOf // repeats the claim key of the row with ord duplicateOf
 *   s.amountAtRisk / s.amountStillMissing      // decimal strings, each claim key counted once
 *   s.gapRowsWithClaim / s.isoTripRowsInWindows// the two run-level warnings' numbers
 *   s.resolvedKeys                             // claim keys a real run resolves (drift: look for them in
 *                                              // ops.mv_yango_cabinet_claims_for_collection afterwards)
 *   s.byVerdict / s.byDiagnosis / s.byInvalidReason // tallies for quick assertions
 *   truth.byMode                               // window rows per planted case ("normal" for the others)
 *
 * The job's upstream plan holds, in both states, materialized views in the claims view's closure (live: the
 * payments chain; drift: the receivable MV and the payments chain); a dry run says WOULD_REFRESH for the
 * SHOULD_EXIST rows of the drivers those views are stale for (`model.staleDrivers`, §10.3) and STILL_MISSING
 * for the others, each carrying the diagnosis of the data as it is.
 */
import { dayOf } from "./days.js";
import {
  DEPLOYMENT_MODES,
  type DeploymentDataset,
  type DeploymentMode,
  deploymentPlantedCount,
} from "./deployment-dataset.js";
import {
  buildDeploymentModel,
  type ClaimsByMoment,
  type DeploymentClaimRow,
  type DeploymentModel,
} from "./deployment-model.js";
import { DEPLOYMENT_STATE_NAMES, type DeploymentState } from "./deployment-schema.js";
import type { Diagnosis, InvalidReason, Verdict } from "./model.js";

export type { Diagnosis, InvalidReason, Verdict };
export type Classification = "INVALID" | "ALREADY_EXISTS" | "SHOULD_EXIST";

export interface ExpectedOutcome {
  verdict: Verdict;
  invalid_reason: InvalidReason | null;
  /** Set for STILL_MISSING and for WOULD_REFRESH (the diagnosis of the data as it is); else null. */
  diagnosis: Diagnosis | null;
}

export interface DeploymentTruthRow {
  /** 1-based position in the job's order. */
  ord: number;
  lead_id: number;
  lead_source_pk: string;
  driver_id: string;
  lead_date: string;
  milestone_value: number;
  claim_status: string;
  expected_amount: string;
  /** The planted case of the row's lead, or "normal". */
  mode: DeploymentMode | "normal";
  expected: {
    classification: Classification;
    dryRun: ExpectedOutcome;
    afterRefresh: ExpectedOutcome;
    /** The row repeats the (driver_id, milestone_value, lead_date) of an earlier row. */
    duplicate: boolean;
    /** `ord` of that earlier row (the job's `duplicate_of`), or null. */
    duplicateOf: number | null;
  };
}

type Tally = Record<string, number>;

export interface DeploymentStateTruth {
  state: DeploymentState;
  rows: DeploymentTruthRow[];
  byVerdict: { dryRun: Tally; afterRefresh: Tally };
  byInvalidReason: Tally;
  /** Diagnoses of the real run (STILL_MISSING rows). */
  byDiagnosis: Tally;
  /** Diagnoses carried by the dry run's WOULD_REFRESH rows. */
  byDryRunDiagnosis: Tally;
  /** Dry run: WOULD_REFRESH + STILL_MISSING rows, distinct claim keys (decimal string). */
  amountAtRisk: string;
  /** Real run: STILL_MISSING rows, distinct claim keys (decimal string). */
  amountStillMissing: string;
  /** Real run: amount of STILL_MISSING + WOULD_REFRESH rows (no WOULD_REFRESH there): amount_at_risk. */
  amountAtRiskAfterRefresh: string;
  /** Rows whose claim the claims view already has on the first look (run-level warning). */
  gapRowsWithClaim: number;
  /** Trip rows of the analysed drivers written YYYY-MM-DD inside one of their windows (run-level warning). */
  isoTripRowsInWindows: number;
  /** Rows flagged duplicate. */
  duplicates: number;
  /** Claim keys the real run resolves (RESOLVED rows, distinct). */
  resolvedKeys: Array<{ driver_id: string; milestone_value: number; lead_date: string }>;
}

export interface DeploymentGroundTruth {
  asOf: string;
  daysBack: number;
  /** Rows per raw table (summary_daily includes the late rows; *_late count them apart). */
  counts: Record<string, number>;
  /** Gap-view rows in the window, all of them (the job's gaps_found; both states: the gap view reads no MV). */
  windowRows: number;
  /** The job's --limit the rows were cut to (default 1000, the job's default). */
  limit: number;
  /** Gap-view rows overall. */
  gapRows: number;
  byMode: Tally;
  /** Leads planted per case (a re-upload counts twice). */
  plantedLeads: Tally;
  /** Planted inflated drivers whose achieved view says M5 with 2 real trips. */
  inflatedM5Drivers: string[];
  /** Claims whose paid_flag changes when the payments MVs are refreshed (stale payments MVs). */
  stalePaidFlags: number;
  states: Record<DeploymentState, DeploymentStateTruth>;
}

export const DEFAULT_DEPLOYMENT_DAYS_BACK = 21;
/** The job's default --limit: the ground truth describes the rows a default run analyses. */
export const DEFAULT_DEPLOYMENT_LIMIT = 1000;

const tally = (items: Iterable<string>): Tally => {
  const out: Tally = {};
  for (const k of items) out[k] = (out[k] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
};

const CENTS: Readonly<Record<string, number>> = { "25.00": 2500, "35.00": 3500, "100.00": 10000 };
const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
const keyOf = (r: { driver_id: string; milestone_value: number; lead_date: string }) =>
  `${r.driver_id}|${r.milestone_value}|${r.lead_date}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type Look =
  | { kind: "INVALID"; reason: InvalidReason }
  | { kind: "ALREADY_EXISTS" }
  | { kind: "SHOULD_EXIST" };

function stateTruth(
  model: DeploymentModel,
  state: DeploymentState,
  window: Array<Omit<DeploymentTruthRow, "expected" | "ord"> & { duplicateOf: number | null }>,
): DeploymentStateTruth {
  const claims: ClaimsByMoment = model.claims[state];
  const index = (rows: DeploymentClaimRow[]) => {
    const m = new Map<string, string[]>();
    for (const c of rows) {
      const k = `${c.driver_id}|${c.milestone_value}`;
      m.set(k, [...(m.get(k) ?? []), c.lead_date]);
    }
    return m;
  };
  const before = index(claims.now);
  const after = index(claims.refreshed);
  const achieved = new Map(model.achieved.map((a) => [`${a.driver_id}|${a.milestone_value}`, a]));
  const partner = new Map<string, { rows: number; achievedInWindow: boolean }>();
  for (const p of model.paymentCalculation) {
    if (p.origin_tag !== "cabinet" || p.rule_scope !== "partner") continue;
    const k = `${p.driver_id}|${p.milestone_trips}|${p.lead_date}`;
    const seen = partner.get(k) ?? { rows: 0, achievedInWindow: false };
    seen.rows++;
    if (p.milestone_achieved && p.achieved_date !== null && inside(p.lead_date, p.achieved_date))
      seen.achievedInWindow = true;
    partner.set(k, seen);
  }
  function inside(lead: string, day: string): boolean {
    return dayOf(day) >= dayOf(lead) && dayOf(day) < dayOf(lead) + 14;
  }
  const look = (r: (typeof window)[number], claimsAt: Map<string, string[]>): Look => {
    if (r.driver_id === "") return { kind: "INVALID", reason: "NO_DRIVER" };
    const k = `${r.driver_id}|${r.milestone_value}`;
    if ((claimsAt.get(k) ?? []).includes(r.lead_date)) return { kind: "ALREADY_EXISTS" };
    const a = achieved.get(k);
    if (!a?.achieved_flag || a.achieved_date === null) return { kind: "INVALID", reason: "NOT_ACHIEVED" };
    if (!inside(r.lead_date, a.achieved_date)) return { kind: "INVALID", reason: "ACHIEVED_OUTSIDE_WINDOW" };
    return { kind: "SHOULD_EXIST" };
  };
  const diagnose = (r: (typeof window)[number], claimsAt: Map<string, string[]>): Diagnosis => {
    const others = (claimsAt.get(`${r.driver_id}|${r.milestone_value}`) ?? []).filter(
      (d) => d !== r.lead_date,
    );
    if (others.length > 0) return "CLAIM_ON_OTHER_LEAD_DATE";
    const calc = partner.get(`${r.driver_id}|${r.milestone_value}|${r.lead_date}`);
    if (!calc) return "NO_PAYMENT_CALCULATION";
    if (!calc.achievedInWindow) return "PAYMENT_CALCULATION_NOT_ACHIEVED";
    if (model.jobTripsInWindow(r.driver_id, r.lead_date) < r.milestone_value) return "TRIPS_OUTSIDE_WINDOW";
    return "CLAIMS_VIEW_MISSING";
  };
  const none = { invalid_reason: null, diagnosis: null };
  const rows: DeploymentTruthRow[] = window.map((r, i) => {
    const { duplicateOf, ...rest } = r;
    const first = look(r, before);
    const second = look(r, after);
    const classification: Classification = first.kind;
    const dryRun: ExpectedOutcome =
      first.kind === "INVALID"
        ? { verdict: "INVALID", invalid_reason: first.reason, diagnosis: null }
        : first.kind === "ALREADY_EXISTS"
          ? { verdict: "ALREADY_EXISTS", ...none }
          : {
              // WOULD_REFRESH only where a stale view beneath the claims view can change the row (§10.3).
              verdict: model.staleDrivers[state].has(r.driver_id) ? "WOULD_REFRESH" : "STILL_MISSING",
              invalid_reason: null,
              diagnosis: diagnose(r, before),
            };
    const afterRefresh: ExpectedOutcome =
      second.kind === "INVALID"
        ? { verdict: "INVALID", invalid_reason: second.reason, diagnosis: null }
        : second.kind === "ALREADY_EXISTS"
          ? { verdict: first.kind === "ALREADY_EXISTS" ? "ALREADY_EXISTS" : "RESOLVED", ...none }
          : { verdict: "STILL_MISSING", invalid_reason: null, diagnosis: diagnose(r, after) };
    return {
      ...rest,
      ord: i + 1,
      expected: { classification, dryRun, afterRefresh, duplicate: duplicateOf !== null, duplicateOf },
    };
  });
  const amount = (pick: (r: DeploymentTruthRow) => boolean) => {
    const seen = new Set<string>();
    let cents = 0;
    for (const r of rows) {
      if (!pick(r) || seen.has(keyOf(r))) continue;
      seen.add(keyOf(r));
      cents += CENTS[r.expected_amount] ?? 0;
    }
    return money(cents);
  };
  // Each ISO trip row of an analysed driver counts once if it falls in any of that driver's windows.
  const windowsByDriver = new Map<string, number[]>();
  for (const r of rows)
    windowsByDriver.set(r.driver_id, [...(windowsByDriver.get(r.driver_id) ?? []), dayOf(r.lead_date)]);
  let isoRows = 0;
  for (const [driver, leads] of windowsByDriver) {
    for (const t of model.isoTripRows(driver)) if (leads.some((l) => t.day >= l && t.day < l + 14)) isoRows++;
  }
  const resolved = new Map<string, { driver_id: string; milestone_value: number; lead_date: string }>();
  for (const r of rows) {
    if (r.expected.afterRefresh.verdict === "RESOLVED")
      resolved.set(keyOf(r), {
        driver_id: r.driver_id,
        milestone_value: r.milestone_value,
        lead_date: r.lead_date,
      });
  }
  return {
    state,
    rows,
    byVerdict: {
      dryRun: tally(rows.map((r) => r.expected.dryRun.verdict)),
      afterRefresh: tally(rows.map((r) => r.expected.afterRefresh.verdict)),
    },
    byInvalidReason: tally(
      rows.flatMap((r) =>
        r.expected.afterRefresh.invalid_reason ? [r.expected.afterRefresh.invalid_reason] : [],
      ),
    ),
    byDiagnosis: tally(
      rows.flatMap((r) => (r.expected.afterRefresh.diagnosis ? [r.expected.afterRefresh.diagnosis] : [])),
    ),
    byDryRunDiagnosis: tally(
      rows.flatMap((r) => (r.expected.dryRun.diagnosis ? [r.expected.dryRun.diagnosis] : [])),
    ),
    amountAtRisk: amount(
      (r) => r.expected.dryRun.verdict === "WOULD_REFRESH" || r.expected.dryRun.verdict === "STILL_MISSING",
    ),
    amountStillMissing: amount((r) => r.expected.afterRefresh.verdict === "STILL_MISSING"),
    amountAtRiskAfterRefresh: amount((r) => r.expected.afterRefresh.verdict === "STILL_MISSING"),
    gapRowsWithClaim: rows.filter((r) => r.expected.classification === "ALREADY_EXISTS").length,
    isoTripRowsInWindows: isoRows,
    duplicates: rows.filter((r) => r.expected.duplicate).length,
    resolvedKeys: [...resolved.values()],
  };
}

/** The ground truth of a dataset (generated or hand-made), without touching a database. */
export function deploymentGroundTruth(
  ds: DeploymentDataset,
  opts: { daysBack?: number; limit?: number; model?: DeploymentModel } = {},
): DeploymentGroundTruth {
  const daysBack = opts.daysBack ?? DEFAULT_DEPLOYMENT_DAYS_BACK;
  const limit = opts.limit ?? DEFAULT_DEPLOYMENT_LIMIT;
  const model = opts.model ?? buildDeploymentModel(ds);
  const from = dayOf(ds.asOf) - daysBack;
  // The job's order: lead_date DESC, driver_id, milestone_value, then the lead's key.
  const ordered = model.gap
    .filter((g) => dayOf(g.lead_date) >= from)
    .sort(
      (a, b) =>
        cmp(b.lead_date, a.lead_date) ||
        cmp(a.driver_id, b.driver_id) ||
        a.milestone_value - b.milestone_value ||
        cmp(a.lead_source_pk, b.lead_source_pk),
    );
  const firstOrd = new Map<string, number>();
  // The job analyses the first `limit` rows of that order (gaps_found still counts them all).
  const window = ordered.slice(0, limit).map((g, i) => {
    const k = keyOf(g);
    const earlier = firstOrd.get(k) ?? null;
    if (earlier === null) firstOrd.set(k, i + 1);
    return {
      lead_id: g.lead_id,
      lead_source_pk: g.lead_source_pk,
      driver_id: g.driver_id,
      lead_date: g.lead_date,
      milestone_value: g.milestone_value,
      claim_status: g.claim_status,
      expected_amount: g.expected_amount,
      mode: (ds.modes[g.lead_source_pk] ?? "normal") as DeploymentMode | "normal",
      duplicateOf: earlier,
    };
  });
  const states = Object.fromEntries(
    DEPLOYMENT_STATE_NAMES.map((s) => [s, stateTruth(model, s, window)]),
  ) as Record<DeploymentState, DeploymentStateTruth>;
  const realTrips = (driver: string) =>
    ds.summary_daily.filter((t) => t.driver_id === driver).reduce((s, t) => s + t.count_orders_completed, 0);
  const inflated = (ds.plantedDrivers.inflated_total ?? []).filter(
    (driver) =>
      realTrips(driver) === 2 &&
      model.achieved.some((a) => a.driver_id === driver && a.milestone_value === 5 && a.achieved_flag),
  );
  const paid = (rows: DeploymentClaimRow[]) =>
    new Map(rows.map((c) => [`${c.driver_id}|${c.milestone_value}`, c.paid_flag]));
  const paidBefore = paid(model.claims.live.now);
  const paidAfter = paid(model.claims.live.refreshed);
  const stalePaidFlags = [...paidAfter].filter(
    ([k, v]) => paidBefore.has(k) && paidBefore.get(k) !== v,
  ).length;
  return {
    asOf: ds.asOf,
    daysBack,
    counts: {
      drivers: ds.drivers.length,
      module_ct_cabinet_leads: ds.leads.length,
      identity_lead_person: ds.lead_person.length,
      identity_person_driver: ds.person_driver.length,
      lead_events: ds.lead_events.length,
      summary_daily: ds.summary_daily.length + ds.late_summary_daily.length,
      summary_daily_late: ds.late_summary_daily.length,
      claims_yango_cabinet_14d: ds.claims.length,
      yango_payments_raw: ds.payments.length + ds.late_payments.length,
      yango_payments_raw_late: ds.late_payments.length,
      yango_payments_ledger: ds.ledger.length + ds.late_ledger.length,
      yango_payments_ledger_late: ds.late_ledger.length,
    },
    windowRows: ordered.length,
    limit,
    gapRows: model.gap.length,
    byMode: tally(window.map((r) => r.mode)),
    plantedLeads: tally(Object.values(ds.modes)),
    inflatedM5Drivers: inflated,
    stalePaidFlags,
    states,
  };
}

/** Planted leads per case at a scale (re-uploads count twice), for assertions on `plantedLeads`. */
export function expectedPlantedLeads(scale: number): Tally {
  return tally(
    (Object.keys(DEPLOYMENT_MODES) as DeploymentMode[]).flatMap((m) => {
      const n = deploymentPlantedCount(m, scale) * (m === "reupload_no_external" ? 2 : 1);
      return Array.from({ length: n }, () => m);
    }),
  );
}
