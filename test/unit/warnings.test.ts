/**
 * The run's warnings as values: one English wording (the JSON report's `warnings` and the log, unchanged),
 * a Spanish one for the page and the CLI, and the journal that records them.
 */
import { describe, expect, it } from "vitest";
import { formatSummary, formatWarnings } from "../../lambda/cli/summary.js";
import { RunJournal } from "../../lambda/core/run-journal.js";
import type { RefreshResult, RunWarning } from "../../lambda/core/types.js";
import {
  claimedGapsWarning,
  looksLikeGapWarnings,
  refreshFailedWarning,
  refusedRefreshWarning,
  tripDateWarnings,
  type WarningCode,
  type WarningOf,
  warningText,
} from "../../lambda/core/warnings.js";
import { WARNING_WORDING, warningIn } from "../../lambda/i18n/warning-messages.js";
import { sampleHead, sampleReport } from "../support/report-fixtures.js";

/**
 * One warning of every code, each with the names and figures that must survive translation. A record over
 * the codes: a new code without a sample here does not compile.
 */
const SAMPLES: { readonly [C in WarningCode]: { warning: WarningOf<C>; kept: readonly string[] } } = {
  window_empty: {
    warning: { code: "window_empty", asOf: "2026-11-24", daysBack: 21 },
    kept: ["2026-11-24", "21"],
  },
  no_gap_status: {
    warning: { code: "no_gap_status", gapStatuses: ["MISSING"], total: 3, byStatus: { OK: 2, LATE: 1 } },
    kept: ["MISSING", "OK=2", "LATE=1", "3"],
  },
  unreadable_trip_dates: {
    warning: { code: "unreadable_trip_dates", count: 4, example: "31-02-2026" },
    kept: ["4", "summary_daily", "date_file", '"31-02-2026"'],
  },
  iso_trip_dates: {
    warning: { code: "iso_trip_dates", count: 12 },
    kept: ["12", "YYYY-MM-DD", "DD-MM-YYYY"],
  },
  refresh_not_permitted: {
    warning: { code: "refresh_not_permitted", role: "job", views: [{ name: "ops.mv_claims", owner: "etl" }] },
    kept: ["job", "ops.mv_claims", "etl", "MAINTAIN"],
  },
  looks_like_gap: { warning: { code: "looks_like_gap", status: "LATE", count: 5 }, kept: ['"LATE"', "5"] },
  limit_cut: { warning: { code: "limit_cut", inWindow: 1200, limit: 1000 }, kept: ["1200", "1000", "200"] },
  claimed_gaps: { warning: { code: "claimed_gaps", count: 7 }, kept: ["7", "ALREADY_EXISTS"] },
  time_budget_exhausted: {
    warning: {
      code: "time_budget_exhausted",
      cause: { kind: "refresh", view: "ops.mv_achieved", how: "not_started" },
    },
    kept: ["ops.mv_achieved"],
  },
  refresh_failed: {
    warning: {
      code: "refresh_failed",
      view: "ops.mv_claims",
      stage: "upstream",
      outcome: { kind: "failed", sqlstate: "55P03", message: "canceling statement due to lock timeout" },
    },
    kept: ["ops.mv_claims", "upstream", "55P03", "canceling statement due to lock timeout"],
  },
  gap_view_priced_otherwise: {
    warning: { code: "gap_view_priced_otherwise", count: 6 },
    kept: ["6", "expected_amount"],
  },
  zero_rule_claims: {
    warning: { code: "zero_rule_claims", count: 4 },
    kept: ["4", "0.00", "ZERO_AMOUNT_RULE"],
  },
  amount_conflicts: { warning: { code: "amount_conflicts", count: 2 }, kept: ["2"] },
  unknown_milestones: { warning: { code: "unknown_milestones", count: 3 }, kept: ["3", "UNKNOWN_MILESTONE"] },
  ledger_decided_against: {
    warning: {
      code: "ledger_decided_against",
      count: 2,
      examples: [{ person_key: "0f0e-uuid", lead_date: "2026-11-02", milestone: 5, status: "rejected" }],
    },
    kept: ["2", "0f0e-uuid", "2026-11-02", "M5", "rejected"],
  },
  ledger_blocked: {
    warning: {
      code: "ledger_blocked",
      table: "canon.claims_yango_cabinet_14d",
      why: "over_max_record",
      toRecord: 12,
      detail: "12 claims to record is more than max-record 10",
      dryRun: false,
    },
    kept: ["12", "canon.claims_yango_cabinet_14d", "12 claims to record is more than max-record 10"],
  },
};
const samples = Object.values(SAMPLES) as Array<{ warning: RunWarning; kept: readonly string[] }>;

describe("every warning in both languages", () => {
  it("has an English and a Spanish wording per code, different, keeping names, codes and figures", () => {
    expect(Object.keys(WARNING_WORDING.es).sort()).toEqual(Object.keys(WARNING_WORDING.en).sort());
    expect(samples.map((s) => s.warning.code).sort()).toEqual(Object.keys(WARNING_WORDING.en).sort());
    for (const { warning, kept } of samples) {
      const en = warningIn("en", warning);
      const es = warningIn("es", warning);
      expect(en).toBe(warningText(warning));
      expect(es).not.toBe(en);
      for (const token of kept) {
        expect(en).toContain(token);
        expect(es).toContain(token);
      }
    }
  });

  it("keeps the English text the JSON report and the log have always carried", () => {
    expect(warningText(claimedGapsWarning(7) as RunWarning)).toBe(
      "7 rows with a gap status already have their claim in the claims view (ALREADY_EXISTS): the gap view decides whether a claim exists from another source, so these rows will never leave it",
    );
    expect(
      tripDateWarnings({ unparseable: 2, unparseable_example: "x", iso_in_window: 3 }).map(warningText),
    ).toEqual([
      '2 summary_daily rows of the analysed drivers have a date_file in no accepted format (DD-MM-YYYY, YYYY-MM-DD) or an impossible date (e.g. "x"); their trips are not counted',
      "3 summary_daily rows of the analysed drivers inside their windows are written YYYY-MM-DD: the job counts their trips, but views that parse only DD-MM-YYYY do not, so a milestone can be missing from them before the gap view ever shows it",
    ]);
    expect(looksLikeGapWarnings(new Map([["LATE", 5]])).map(warningText)).toEqual([
      '5 rows with claim_status "LATE" (not a gap status) have no claim although the canonical view says the milestone was achieved inside the window',
    ]);
    const plan = [
      { name: "ops.a", owner: "etl", permitted: false },
      { name: "ops.b", owner: "etl", permitted: true },
    ];
    const refused = refusedRefreshWarning("job", plan as never) as RunWarning;
    expect(warningText(refused)).toBe(
      "role job may not refresh ops.a (owner etl): a real run would record it as failed; refreshing needs ownership, or MAINTAIN on PostgreSQL 17+",
    );
    expect(warningIn("es", refused)).toBe(
      "el rol job no puede refrescar ops.a (dueño etl): una ejecución real la registraría como fallida; para refrescar hay que ser dueño de la vista, o tener MAINTAIN en PostgreSQL 17+",
    );
  });
});

describe("the run journal", () => {
  const result = (over: Partial<RefreshResult>): RefreshResult => ({
    name: "ops.mv_claims",
    stage: "upstream",
    mode: "plain",
    duration_ms: 3,
    ok: false,
    error:
      "not permitted: role job may not refresh it (it needs to own it, owner etl, or hold MAINTAIN on PostgreSQL 17+)",
    outcome: { kind: "not_permitted", role: "job", owner: "etl" },
    ...over,
  });

  it("records warnings as values, logs and reports them in English, and says partial once", () => {
    const logged: string[] = [];
    const journal = new RunJournal({ info: () => undefined, warn: (m) => logged.push(m) }, () => 0);
    journal.warn(null);
    journal.warn(claimedGapsWarning(2));
    journal.refreshed(result({}), false);
    journal.refreshed(result({ ok: true, error: null, outcome: { kind: "ok" } }), false);
    journal.refreshed(result({ error: "skipped: not started", outcome: { kind: "out_of_time" } }), true);
    journal.budgetExhausted({ kind: "read", detail: "no time left for the next phase" });
    expect(journal.warnings.map((w) => w.code)).toEqual([
      "claimed_gaps",
      "refresh_failed",
      "time_budget_exhausted",
    ]);
    expect(journal.partial).toBe(true);
    // The refresh failure reads as it always did: the result's own words.
    expect(journal.warningTexts[1]).toBe(`refresh of ops.mv_claims (upstream) failed: ${result({}).error}`);
    expect(journal.warningTexts[2]).toBe(
      "time budget exhausted: refresh of ops.mv_claims not started; the report covers the work done so far",
    );
    // The step the deadline kept from starting is also logged as not attempted (not as a failure).
    expect(logged).toEqual([...journal.warningTexts, "refresh not attempted"]);
    expect(refreshFailedWarning(result({ outcome: { kind: "skipped", because: "ops.x" } }))).toBeNull();
    expect(warningIn("es", journal.warnings[1] as RunWarning)).toMatch(
      /^falló el refresco de ops\.mv_claims \(upstream\): sin permiso: el rol job no puede refrescarla/,
    );
  });
});

describe("the CLI summary and its warnings", () => {
  const head = sampleHead({ parameters: { ...sampleHead().parameters, daysBack: 21 } });
  const warning: RunWarning = { code: "claimed_gaps", count: 2 };
  const base = { warnings: [warningText(warning)], warning_details: [warning] };

  it("prints the warnings on stderr in the operator's language, with the same prefix", () => {
    const report = sampleReport(head, 3, base);
    expect(formatWarnings(report, "reconcile", "en")).toEqual([`reconcile: warning: ${base.warnings[0]}\n`]);
    const es = formatWarnings(report, "reconcile", "es");
    expect(es).toEqual([
      "reconcile: warning: 2 filas con estado de brecha ya tienen su reclamo en la vista de reclamos (ALREADY_EXISTS): la vista de brechas decide si el reclamo existe con otra fuente, así que estas filas nunca saldrán de ella\n",
    ]);
  });

  it("says a 21-day window does not cover 15+ days overdue, instead of a reassuring S/ 0.00", () => {
    const report = sampleReport(head, 3, base);
    expect(report.metrics.aging_reach_days).toBe(7);
    const en = formatSummary(report, [], "en");
    const collect = en.split("\n").find((l) => l.includes("15+ days overdue (collect now)"));
    expect(collect).toBe(
      "  15+ days overdue (collect now): not covered: this window reaches 7 days overdue at most; run with --days-back 29 or more",
    );
    expect(en).toMatch(/amount_at_risk_15_plus\s+not covered/);
    expect(en).not.toMatch(/amount_at_risk_15_plus\s+S\/ 0\.00/);
    const es = formatSummary(report, [], "es");
    expect(es).toContain(
      "vencido hace 15+ días (cobrar ya): sin cobertura: esta ventana llega a 7 días de atraso como máximo; ejecute con --days-back 29 o más",
    );
  });

  it("shows the 15+ amount when the window reaches it", () => {
    const report = sampleReport(head, 3, base);
    const covered = {
      ...report,
      metrics: { ...report.metrics, aging_reach_days: 16, amount_at_risk_15_plus: "70.00" },
    };
    const en = formatSummary(covered, [], "en");
    expect(en).toContain("  15+ days overdue (collect now): S/ 70.00");
    expect(en).toMatch(/amount_at_risk_15_plus\s+S\/ 70\.00/);
    expect(en).not.toContain("not covered");
  });
});
