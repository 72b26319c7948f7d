/**
 * The HTML page's figures and words without a browser (the browser tests open the page itself): its money
 * is the finished report's, the 15+ card says when the window cannot reach 15 days overdue, warnings are
 * in the page's language, and the style sheet aligns the row table's numeric columns where they are.
 */
import { describe, expect, it } from "vitest";
import { MetricsAccumulator } from "../../lambda/core/metrics.js";
import type { Report, RunWarning } from "../../lambda/core/types.js";
import { warningText } from "../../lambda/core/warnings.js";
import { DUPLICATE_ROW_CELL, NUMERIC_ROW_CELLS } from "../../lambda/report/html-assets.js";
import { pageTotals } from "../../lambda/report/html-collect.js";
import { numericRowCells } from "../../lambda/report/html-render.js";
import { htmlReport } from "../../lambda/report/html-sink.js";
import { LARGE_DAYS_BACK, largeRow } from "../support/large-report.js";
import { ledgerReport, sampleHead, sampleReport, sampleRow } from "../support/report-fixtures.js";

/** A report of `n` large rows with its figures summed by the run's accumulator, rows kept. */
function reportOf(n: number, over: Partial<Report> = {}): Report {
  const metrics = new MetricsAccumulator();
  const rows = Array.from({ length: n }, (_, i) => largeRow(i + 1));
  for (const row of rows) metrics.add(row);
  const head = sampleHead({ parameters: { ...sampleHead().parameters, daysBack: LARGE_DAYS_BACK } });
  return sampleReport(head, n, {
    metrics: metrics.metrics(n, [], 1, LARGE_DAYS_BACK),
    at_risk_by_bucket: metrics.atRiskByBucket(),
    breakdown: metrics.breakdown(),
    rows,
    ...over,
  });
}

describe("the page's figures are the report's", () => {
  it("per diagnosis, resolved and 15+, from the breakdown and the buckets, never re-counted", () => {
    const report = reportOf(400);
    const totals = pageTotals(report);
    const atRisk = report.breakdown.filter((b) => b.verdict === "STILL_MISSING");
    expect(totals.atRiskCount).toBe(atRisk.reduce((s, b) => s + b.count, 0));
    expect(totals.groups.map((g) => [g.group, g.count, g.amount]).sort()).toEqual(
      atRisk.map((b) => [b.reason, b.count, b.amount]).sort(),
    );
    const resolved = report.breakdown.find((b) => b.verdict === "RESOLVED");
    expect(totals.resolved).toEqual({ count: resolved?.count, amount: resolved?.amount });
    const fifteen = report.at_risk_by_bucket.filter((b) => ["15_30", "31_60", "60_plus"].includes(b.bucket));
    expect(totals.collectNowCount).toBe(fifteen.reduce((s, b) => s + b.count, 0));
    expect(totals.collectNowCount).toBeGreaterThan(0);

    const page = htmlReport(report, { lang: "en" });
    expect(page).toContain(
      `data-metric="amount_at_risk_15_plus" data-value="${report.metrics.amount_at_risk_15_plus}"`,
    );
    expect(page).toContain('data-covered="true"');
  });

  it("says the 15+ money is not covered by a 21-day window, in English and Spanish", () => {
    const report = sampleReport(sampleHead(), 2, { rows: [sampleRow(1), sampleRow(2)] });
    expect(report.metrics.aging_reach_days).toBe(7);
    const en = htmlReport(report, { lang: "en" });
    expect(en).toContain('data-covered="false" data-reach="7"');
    expect(en).toContain("this window reaches 7 days overdue at most; run with --days-back 29 or more");
    const es = htmlReport(report, { lang: "es" });
    expect(es).toContain(
      "esta ventana llega a 7 días de atraso como máximo; ejecute con --days-back 29 o más",
    );
  });

  it("says warnings in the page's language, each with its code", () => {
    const warning: RunWarning = { code: "looks_like_gap", status: "LATE", count: 5 };
    const report = sampleReport(sampleHead(), 1, {
      rows: [sampleRow(1)],
      warnings: [warningText(warning)],
      warning_details: [warning],
    });
    const es = htmlReport(report, { lang: "es" });
    expect(es).toContain('<li data-code="looks_like_gap">5 filas con claim_status ');
    expect(es).toContain("(no es un estado de brecha) no tienen reclamo");
    expect(es).not.toContain("have no claim although");
    expect(htmlReport(report, { lang: "en" })).toContain("(not a gap status) have no claim although");
  });

  it("shows the claims ledger only when recording was on, its outcome in the page's language", () => {
    expect(htmlReport(sampleReport(sampleHead(), 1, { rows: [sampleRow(1)] }), { lang: "es" })).not.toContain(
      'id="ledger"',
    );
    const recorded = htmlReport(ledgerReport(), { lang: "es" });
    expect(recorded).toContain('<section id="ledger" aria-labelledby="h-ledger" data-outcome="recorded">');
    expect(recorded).toContain("12 antes de la ejecución, 4 después");
    const refused = htmlReport(ledgerReport({ outcome: "not_permitted" }), { lang: "en" });
    expect(refused).toContain(
      '<p class="banner" id="ledger-outcome">NOT RECORDED: the job&#39;s role may not INSERT into the ledger.',
    );
    expect(refused).toContain("12 before; not counted again");
    expect(refused).toContain("not recorded: no person_key");
  });

  it("words each detail from its facts in the page's language; a row without facts gets no English on a Spanish page", () => {
    const facts = sampleRow(1, {
      detail: "claim exists under lead_date 2026-10-30, gap row has 2026-11-01",
      diagnosis: "CLAIM_ON_OTHER_LEAD_DATE",
      detail_facts: {
        code: "REFRESH_FAILED",
        view: "ops.mv_x",
        data: { code: "CLAIM_ON_OTHER_LEAD_DATE", other_lead_date: "2026-10-30" },
      },
    });
    const older = sampleRow(2, {
      diagnosis: "CLAIMS_VIEW_MISSING",
      detail: "achieved 2026-11-05, claims view has no row",
    });
    const report = sampleReport(sampleHead(), 2, { rows: [facts, older] });
    const es = htmlReport(report, { lang: "es" });
    expect(es).toContain(
      "falló el refresco de ops.mv_x (vea Refresco); los datos tal como están: CLAIM_ON_OTHER_LEAD_DATE: el reclamo existe con fecha de lead 2026-10-30; esta fila tiene 2026-11-01",
    );
    expect(es).toContain("todas las fuentes coinciden; falta en la vista de reclamos");
    expect(es).not.toContain("claims view has no row");
    const en = htmlReport(report, { lang: "en" });
    expect(en).toContain("the claim exists under lead date 2026-10-30; this row has 2026-11-01");
    expect(en).toContain("achieved 2026-11-05, claims view has no row");
  });

  it("right-aligns exactly the numeric columns of the row table", () => {
    expect(numericRowCells(false)).toEqual([...NUMERIC_ROW_CELLS]);
    expect(numericRowCells(true)).toEqual([...NUMERIC_ROW_CELLS, DUPLICATE_ROW_CELL]);
  });
});
