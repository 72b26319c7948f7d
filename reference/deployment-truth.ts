/**
 * Ground truth of the deployment profile: what the reconcile job must report for every gap-view row of the
 * window, per claims-view state, under docs/contract.md §4 as revised by §9 and §10.1-10.2 (the rule's money,
 * recording proven claims in the claims ledger). Computed from the independent model (`deployment-model.ts`)
 * and the generated ledger rows, never from the database.
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
 * Issue 21 (§10.1, §10.2), kept apart from the verdict fields above:
 *
 *   s.rows[i].person_key                       // the gap row's person (the ledger key's first part)
 *   s.rows[i].expected.amount                  // decimal string: the partner rule's amount in force (the
 *                                              // highest when several), else the gap view's, else 25/35/100
 *   s.rows[i].expected.amount_source           // "rule" | "gap_view" | "milestone"
 *   s.rows[i].expected.amount_conflict         // "35.00, 40.00" when rules in force differ, else null
 *       rule amounts of a row: distinct `amount` of v_payment_calculation rows with origin_tag 'cabinet',
 *       rule_scope 'partner', the row's driver_id, milestone_trips = milestone_value and lead_date = the row's
 *       lead_date. Highest 0 -> INVALID "ZERO_AMOUNT_RULE" in both runs (checked right after NO_DRIVER,
 *       before ALREADY_EXISTS; classification INVALID too), whatever the claims view holds.
 *   s.rows[i].expected.ledger.dryRun / .real   // { ledger, ledger_status, ledger_why } of a recordClaims run
 *       (recordClaims off: all three null on every row). First match: the ledger holds the row's key
 *       (person_key, lead_date, milestone) in any status -> "present" + its status; final verdict not
 *       ALREADY_EXISTS/RESOLVED -> not_recorded NOT_PROVEN; no person_key -> NO_PERSON_KEY; amount_source
 *       not "rule" -> NO_RULE_AMOUNT; amount_conflict -> AMOUNT_CONFLICT; no lead_source_pk -> MISSING_VALUE;
 *       else "recorded" (real) / "would_record" (dry). Decided on the lowest-ord row of the key; every row of
 *       the key gets the same state.
 *   s.recording.real / s.recording.dryRun      // per run with recordClaims on:
 *       .toRecord, .amountToRecord             // keys (would) be inserted and their money, once per key
 *       .claimsRecorded, .amountRecorded       // the metrics: real = toRecord / amountToRecord; dry 0, "0.00"
 *       .recordedKeys                          // { person_key, lead_date, milestone, amount, driver_id,
 *                                              //   lead_source_pk, ord }: the values of the key's lowest-ord
 *                                              // row; the job inserts them status 'generated', reason
 *                                              // recordedReason(run_id) ("reconcile-cabinet-claims-14d run ID")
 *       .gapsBefore / .gapsAfter               // the gap view's window rows (all, not cut by the limit)
 *                                              // before, and after the real run (null for a dry run): the
 *                                              // window rows whose key was recorded are gone
 *       .byLedger / .byLedgerWhy               // tallies of the rows' ledger states and reasons
 *   s.warnings.real / s.warnings.dryRun        // rows counted by the run-level warnings:
 *       .gapAmountDiffers                      // the gap view's expected_amount differs from the rule amount
 *       .zeroRuleWithClaim                     // ZERO_AMOUNT_RULE rows whose claim (own lead date) the claims
 *                                              // view holds (first look for a dry run, after refresh for real)
 *       .ledgerDecidedWithClaim                // the ledger holds the key rejected/expired while the claims
 *                                              // view holds the claim (the final verdict ALREADY_EXISTS or
 *                                              // RESOLVED)
 *       .amountConflicts                       // rows with amount_conflict
 *   s.amountAtRisk etc. count each row's `expected.amount` (the rule's money), once per claim key.
 *   truth.ledgerByStatus                       // ledger rows per status, as loaded
 *
 * The job's upstream plan holds, in both states, materialized views in the claims view's closure (live: the
 * payments chain; drift: the receivable MV and the payments chain); a dry run says WOULD_REFRESH for the
 * SHOULD_EXIST rows of the drivers those views are stale for (`model.staleDrivers`, §10.3) and STILL_MISSING
 * for the others, each carrying the diagnosis of the data as it is.
 */
import { dayOf } from "./days.js";
import {
  type ClaimStatus,
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
/** The reference profile's reasons plus §10.1's: the rule in force pays 0. */
export type DeploymentInvalidReason = InvalidReason | "ZERO_AMOUNT_RULE";
export type AmountSource = "rule" | "gap_view" | "milestone";
export type LedgerState = "recorded" | "would_record" | "present" | "not_recorded";
/** Why a row is `not_recorded`, as far as the data decides it (the job adds OVER_MAX_RECORD and others). */
export type LedgerWhy =
  | "NOT_PROVEN"
  | "NO_PERSON_KEY"
  | "NO_RULE_AMOUNT"
  | "AMOUNT_CONFLICT"
  | "MISSING_VALUE";

export interface ExpectedLedger {
  ledger: LedgerState;
  /** The ledger row's status when `present`, else null. */
  ledger_status: ClaimStatus | null;
  /** Set when `not_recorded`, else null. */
  ledger_why: LedgerWhy | null;
}

export interface ExpectedOutcome {
  verdict: Verdict;
  invalid_reason: DeploymentInvalidReason | null;
  /** Set for STILL_MISSING and for WOULD_REFRESH (the diagnosis of the data as it is); else null. */
  diagnosis: Diagnosis | null;
}

export interface DeploymentTruthRow {
  /** 1-based position in the job's order. */
  ord: number;
  lead_id: number;
  lead_source_pk: string;
  /** The gap row's person (text holding a uuid). */
  person_key: string;
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
    /** §10.1: the row's money (decimal string, 2 places). */
    amount: string;
    amount_source: AmountSource;
    /** Distinct rule amounts ascending, joined by ", ", when the partner rules in force differ; else null. */
    amount_conflict: string | null;
    /** §10.2: the row's ledger state in a recordClaims run. */
    ledger: { dryRun: ExpectedLedger; real: ExpectedLedger };
  };
}

/** A key the job inserts into the ledger, with the values of its lowest-ord row. */
export interface RecordedKey {
  person_key: string;
  lead_date: string;
  milestone: number;
  /** amount_expected (decimal string). */
  amount: string;
  driver_id: string;
  lead_source_pk: string;
  /** The lowest `ord` among the rows of the key. */
  ord: number;
}

/** What a run with recordClaims on records (real) or would record (dry run). */
export interface RecordingTruth {
  toRecord: number;
  amountToRecord: string;
  /** The `claims_recorded` metric: toRecord in a real run, 0 in a dry run. */
  claimsRecorded: number;
  /** The `amount_recorded` metric: amountToRecord in a real run, "0.00" in a dry run. */
  amountRecorded: string;
  recordedKeys: RecordedKey[];
  /** The gap view's window rows before the run (every row, not cut by the limit). */
  gapsBefore: number;
  /** The same count after a real run that recorded; null for a dry run. */
  gapsAfter: number | null;
  byLedger: Tally;
  byLedgerWhy: Tally;
}

/** Rows counted by the run-level warnings of §10.1 and §10.2. */
export interface LedgerWarningCounts {
  gapAmountDiffers: number;
  zeroRuleWithClaim: number;
  ledgerDecidedWithClaim: number;
  amountConflicts: number;
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
  /** §10.2 with recordClaims on. */
  recording: { dryRun: RecordingTruth; real: RecordingTruth };
  warnings: { dryRun: LedgerWarningCounts; real: LedgerWarningCounts };
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
  /** Claims-ledger rows per status, as loaded. */
  ledgerByStatus: Tally;
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

const MILESTONE_AMOUNT: Readonly<Record<number, string>> = { 1: "25.00", 5: "35.00", 25: "100.00" };
const centsOf = (amount: string) => Math.round(Number(amount) * 100);
const money = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
const ledgerKeyOf = (r: { person_key: string; lead_date: string; milestone: number }) =>
  `${r.person_key}|${r.lead_date}|${r.milestone}`;
const keyOf = (r: { driver_id: string; milestone_value: number; lead_date: string }) =>
  `${r.driver_id}|${r.milestone_value}|${r.lead_date}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type Look =
  | { kind: "INVALID"; reason: DeploymentInvalidReason }
  | { kind: "ALREADY_EXISTS" }
  | { kind: "SHOULD_EXIST" };

/** What the ledger and the rules say about the rows, the same in both states. */
interface Facts {
  /** Ledger status per key (person_key|lead_date|milestone). */
  ledger: Map<string, ClaimStatus>;
  /** Every gap-view window row's ledger key (not cut by the limit): gapsAfter removes the recorded ones. */
  windowKeys: string[];
}

type WindowRow = Omit<DeploymentTruthRow, "expected" | "ord"> & { duplicateOf: number | null };

function stateTruth(
  model: DeploymentModel,
  state: DeploymentState,
  window: WindowRow[],
  facts: Facts,
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
  // §10.1: the partner rules' amounts per (driver, milestone, the calculation's own lead date), reached or not.
  const ruleAmounts = new Map<string, Set<number>>();
  for (const p of model.paymentCalculation) {
    if (p.origin_tag !== "cabinet" || p.rule_scope !== "partner") continue;
    const k = `${p.driver_id}|${p.milestone_trips}|${p.lead_date}`;
    const set = ruleAmounts.get(k) ?? new Set<number>();
    ruleAmounts.set(k, set);
    set.add(centsOf(p.amount));
  }
  const price = (r: WindowRow) => {
    const amounts = [...(ruleAmounts.get(keyOf(r)) ?? [])].sort((a, b) => a - b);
    const highest = amounts[amounts.length - 1];
    if (highest !== undefined)
      return {
        amount: money(highest),
        amount_source: "rule" as const,
        amount_conflict: amounts.length > 1 ? amounts.map(money).join(", ") : null,
        zero: highest === 0,
      };
    const gap = r.expected_amount as string | null;
    if (gap !== null)
      return { amount: gap, amount_source: "gap_view" as const, amount_conflict: null, zero: false };
    return {
      amount: MILESTONE_AMOUNT[r.milestone_value] as string,
      amount_source: "milestone" as const,
      amount_conflict: null,
      zero: false,
    };
  };
  const look = (r: WindowRow, claimsAt: Map<string, string[]>): Look => {
    if (r.driver_id === "") return { kind: "INVALID", reason: "NO_DRIVER" };
    // §10.1: before ALREADY_EXISTS, whatever the claims view holds. (NO_LEAD_DATE and UNKNOWN_MILESTONE never
    // occur here: the gap view's lead date is never null and it writes milestones 1, 5 and 25 only.)
    if (price(r).zero) return { kind: "INVALID", reason: "ZERO_AMOUNT_RULE" };
    const k = `${r.driver_id}|${r.milestone_value}`;
    if ((claimsAt.get(k) ?? []).includes(r.lead_date)) return { kind: "ALREADY_EXISTS" };
    const a = achieved.get(k);
    if (!a?.achieved_flag || a.achieved_date === null) return { kind: "INVALID", reason: "NOT_ACHIEVED" };
    if (!inside(r.lead_date, a.achieved_date)) return { kind: "INVALID", reason: "ACHIEVED_OUTSIDE_WINDOW" };
    return { kind: "SHOULD_EXIST" };
  };
  const diagnose = (r: WindowRow, claimsAt: Map<string, string[]>): Diagnosis => {
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
    const { zero: _zero, ...priced } = price(r);
    const off: ExpectedLedger = { ledger: "not_recorded", ledger_status: null, ledger_why: null };
    return {
      ...rest,
      ord: i + 1,
      expected: {
        classification,
        dryRun,
        afterRefresh,
        duplicate: duplicateOf !== null,
        duplicateOf,
        ...priced,
        // filled in below, once every row of a ledger key is known
        ledger: { dryRun: off, real: off },
      },
    };
  });
  const recording = {
    dryRun: recordLedger(rows, facts, "dryRun"),
    real: recordLedger(rows, facts, "real"),
  };
  const amount = (pick: (r: DeploymentTruthRow) => boolean) => {
    const seen = new Set<string>();
    let cents = 0;
    for (const r of rows) {
      if (!pick(r) || seen.has(keyOf(r))) continue;
      seen.add(keyOf(r));
      cents += centsOf(r.expected.amount);
    }
    return money(cents);
  };
  const holds = (r: DeploymentTruthRow, claimsAt: Map<string, string[]>) =>
    (claimsAt.get(`${r.driver_id}|${r.milestone_value}`) ?? []).includes(r.lead_date);
  const warnings = (phase: "dryRun" | "real"): LedgerWarningCounts => {
    const claimsAt = phase === "dryRun" ? before : after;
    const final = (r: DeploymentTruthRow) =>
      phase === "dryRun" ? r.expected.dryRun.verdict : r.expected.afterRefresh.verdict;
    return {
      gapAmountDiffers: rows.filter(
        (r) =>
          r.expected.amount_source === "rule" && centsOf(r.expected.amount) !== centsOf(r.expected_amount),
      ).length,
      zeroRuleWithClaim: rows.filter(
        (r) => r.expected.afterRefresh.invalid_reason === "ZERO_AMOUNT_RULE" && holds(r, claimsAt),
      ).length,
      ledgerDecidedWithClaim: rows.filter((r) => {
        const status = facts.ledger.get(ledgerKeyOf({ ...r, milestone: r.milestone_value }));
        return (
          (status === "rejected" || status === "expired") &&
          (final(r) === "ALREADY_EXISTS" || final(r) === "RESOLVED")
        );
      }).length,
      amountConflicts: rows.filter((r) => r.expected.amount_conflict !== null).length,
    };
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
    recording,
    warnings: { dryRun: warnings("dryRun"), real: warnings("real") },
  };
}

/**
 * §10.2 for one run: sets every row's `expected.ledger[phase]` and returns what the run records. A key is
 * decided on its lowest-ord row; the other rows of the key take the same state.
 */
function recordLedger(rows: DeploymentTruthRow[], facts: Facts, phase: "dryRun" | "real"): RecordingTruth {
  const byKey = new Map<string, ExpectedLedger>();
  const recorded: RecordedKey[] = [];
  for (const r of rows) {
    const key = ledgerKeyOf({
      person_key: r.person_key,
      lead_date: r.lead_date,
      milestone: r.milestone_value,
    });
    let state = byKey.get(key);
    if (state === undefined) {
      const verdict = phase === "dryRun" ? r.expected.dryRun.verdict : r.expected.afterRefresh.verdict;
      const status = r.person_key === "" ? undefined : facts.ledger.get(key);
      const why: LedgerWhy | null =
        status !== undefined
          ? null
          : verdict !== "ALREADY_EXISTS" && verdict !== "RESOLVED"
            ? "NOT_PROVEN"
            : r.person_key === ""
              ? "NO_PERSON_KEY"
              : r.expected.amount_source !== "rule"
                ? "NO_RULE_AMOUNT"
                : r.expected.amount_conflict !== null
                  ? "AMOUNT_CONFLICT"
                  : r.lead_source_pk === ""
                    ? "MISSING_VALUE"
                    : null;
      if (status !== undefined) state = { ledger: "present", ledger_status: status, ledger_why: null };
      else if (why !== null) state = { ledger: "not_recorded", ledger_status: null, ledger_why: why };
      else {
        state = {
          ledger: phase === "dryRun" ? "would_record" : "recorded",
          ledger_status: null,
          ledger_why: null,
        };
        recorded.push({
          person_key: r.person_key,
          lead_date: r.lead_date,
          milestone: r.milestone_value,
          amount: r.expected.amount,
          driver_id: r.driver_id,
          lead_source_pk: r.lead_source_pk,
          ord: r.ord,
        });
      }
      byKey.set(key, state);
    }
    r.expected.ledger[phase] = state;
  }
  const cents = recorded.reduce((sum, k) => sum + centsOf(k.amount), 0);
  const gone = new Set(recorded.map(ledgerKeyOf));
  const real = phase === "real";
  return {
    toRecord: recorded.length,
    amountToRecord: money(cents),
    claimsRecorded: real ? recorded.length : 0,
    amountRecorded: money(real ? cents : 0),
    recordedKeys: recorded,
    gapsBefore: facts.windowKeys.length,
    gapsAfter: real ? facts.windowKeys.filter((k) => !gone.has(k)).length : null,
    byLedger: tally(rows.map((r) => r.expected.ledger[phase].ledger)),
    byLedgerWhy: tally(
      rows.flatMap((r) =>
        r.expected.ledger[phase].ledger_why ? [r.expected.ledger[phase].ledger_why as string] : [],
      ),
    ),
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
      person_key: g.person_key,
      driver_id: g.driver_id,
      lead_date: g.lead_date,
      milestone_value: g.milestone_value,
      claim_status: g.claim_status,
      expected_amount: g.expected_amount,
      mode: (ds.modes[g.lead_source_pk] ?? "normal") as DeploymentMode | "normal",
      duplicateOf: earlier,
    };
  });
  const facts: Facts = {
    ledger: new Map(ds.claims.map((c) => [ledgerKeyOf(c), c.status])),
    windowKeys: ordered.map((g) =>
      ledgerKeyOf({ person_key: g.person_key, lead_date: g.lead_date, milestone: g.milestone_value }),
    ),
  };
  const states = Object.fromEntries(
    DEPLOYMENT_STATE_NAMES.map((s) => [s, stateTruth(model, s, window, facts)]),
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
    ledgerByStatus: tally(ds.claims.map((c) => c.status)),
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
