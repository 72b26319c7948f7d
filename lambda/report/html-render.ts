/**
 * The report a person reads: one self-contained HTML page per run, written from the finished report and
 * the rows gathered while they streamed. Money first (at risk, still missing, resolved, 15+ days overdue),
 * then where it is (inline SVG charts), what to do per diagnosis, every analysed row (a table that sorts
 * and filters with a small inline script and is complete without it), the refresh plan and results, and
 * the run's parameters. Warnings sit at the top, where they cannot be missed.
 *
 * Escaping is ghtml's: every `${value}` in an `html` template is escaped (`& < > " ' =`); `!${...}` inserts
 * markup, and is used only for the output of another `html` template or for the page's own constant style
 * and script. The page is yielded in chunks (a few hundred rows each), so a writer can honour backpressure.
 */
import { html } from "ghtml";
import {
  COLLECT_NOW_DAYS,
  COLLECT_NOW_MIN_DAYS_BACK,
  coversCollectNow,
  OVERDUE_BUCKETS,
} from "../core/aging.js";
import { isFailure } from "../core/refresh-plan.js";
import type { RefreshResult, RefreshStep, Report } from "../core/types.js";
import { formatCount, formatMoney } from "../i18n/format.js";
import { type ActionGroup, HTML_MESSAGES, type HtmlMessages, type RowColumn } from "../i18n/html-messages.js";
import type { Lang } from "../i18n/lang.js";
import { reportWarnings } from "../i18n/warning-messages.js";
import { CONTENT_SECURITY_POLICY, SCRIPT, STYLE } from "./html-assets.js";
import {
  compareAmounts,
  type HtmlReportCollector,
  type HtmlRow,
  type PageTotals,
  pageTotals,
  reportLedger,
} from "./html-collect.js";
import { rowDetail } from "./html-detail.js";

/** Rows per chunk of the row table (one table each; see `allRows`). */
const CHUNK_ROWS = 250;
/** Rows listed under each diagnosis (most overdue first); the full table holds the rest. */
const GROUP_ROWS = 100;
/**
 * A group table of this many rows or more fills its scroll box (80vh at 22 px a row on a 1,100 px screen), so
 * it is laid out only when it nears the screen, at the box's own height (`long`, see the style sheet): the
 * four tables of 100 rows otherwise double the first layout, the one that shows the headline (figures in
 * docs/benchmark.md, "The HTML page of 10,000 rows").
 */
const LONG_GROUP_ROWS = 40;

export interface HtmlRenderOptions {
  lang: Lang;
}

interface Context {
  readonly report: Report;
  readonly lang: Lang;
  readonly t: HtmlMessages;
  readonly totals: PageTotals;
  readonly money: (amount: string) => string;
  readonly count: (n: number) => string;
}

export function* renderHtmlReport(
  report: Report,
  collected: HtmlReportCollector,
  options: HtmlRenderOptions,
): Generator<string, void, undefined> {
  const t = HTML_MESSAGES[options.lang];
  const c: Context = {
    report,
    lang: options.lang,
    t,
    totals: pageTotals(report),
    money: (amount) => formatMoney(amount, options.lang),
    count: (n) => formatCount(n, options.lang),
  };
  yield head(c);
  yield html`<main>!${banners(c)}!${warnings(c)}`;
  if (report.status !== "skipped") {
    yield headline(c);
    yield ledger(c);
    yield charts(c);
    yield* groups(c, collected);
    yield* allRows(c, collected);
  }
  yield refresh(c);
  yield parameters(c);
  yield html`</main><footer><p>${t.footer}</p></footer><script>!${SCRIPT}</script></body></html>\n`;
}

function head(c: Context): string {
  const { report, t } = c;
  return html`<!doctype html>
<html lang="${c.lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${t.title} · ${report.as_of ?? ""}</title>
<style>!${STYLE}</style>
</head>
<body>
<header>
<h1>${t.title}</h1>
<p class="meta">${t.asOf} <strong data-field="as_of">${report.as_of ?? ""}</strong> · ${t.run} <code data-field="run_id">${report.run_id}</code> · <span data-field="status" data-value="${report.status}">${t.status[report.status]}</span> · ${t.startedFinished}: ${report.started_at} / ${report.finished_at}</p>
</header>
`;
}

function banners(c: Context): string {
  const { report, t } = c;
  const notes: string[] = [];
  if (report.status === "skipped") notes.push(t.skippedBanner);
  if (report.status === "partial") notes.push(t.partialBanner);
  if (report.parameters.dryRun) notes.push(t.dryRunBanner);
  return notes.map((note) => html`<p class="banner">${note}</p>`).join("");
}

/** The warnings in the page's language; `data-code` names each for a reader that wants the code. */
function warnings(c: Context): string {
  const { report } = c;
  const list = reportWarnings(report, c.lang);
  if (list.length === 0) return "";
  const codes = report.warning_details?.length === list.length ? report.warning_details : undefined;
  const items = list.map((w, i) => html`<li data-code="${codes?.[i]?.code ?? ""}">${w}</li>`);
  return html`<section class="warnings" role="alert" id="warnings"><h2>⚠ ${c.t.warnings(list.length)}</h2><ul>!${items}</ul></section>`;
}

function card(
  kind: string,
  name: string,
  label: string,
  amount: string,
  count: number,
  note: string,
  c: Context,
  /** Markup of extra attributes, from an `html` template. */
  attributes = "",
): string {
  return html`<div class="card ${kind}" data-metric="${name}" data-value="${amount}" data-count="${count}"!${attributes}><div class="label">${label}</div><div class="value">${c.money(amount)}</div><div class="sub">${c.t.claims(c.count(count))}${note ? ` · ${note}` : ""}</div></div>`;
}

/**
 * The 15+ card. A window shorter than 29 days cannot hold a claim 15 days overdue, so its zero would
 * reassure falsely: the card then says the window does not cover it, and how far the window reaches
 * (`data-covered="false"`, `data-reach`), instead of an amount.
 */
function collectNowCard(c: Context): string {
  const { report, t, totals } = c;
  const m = report.metrics;
  const reach = m.aging_reach_days;
  if (coversCollectNow(reach)) {
    return card(
      "now",
      "amount_at_risk_15_plus",
      t.collectNow,
      m.amount_at_risk_15_plus,
      totals.collectNowCount,
      t.collectNowNote,
      c,
      html` data-covered="true" data-reach="${reach}"`,
    );
  }
  return html`<div class="card now uncovered" data-metric="amount_at_risk_15_plus" data-covered="false" data-reach="${reach}"><div class="label">${t.collectNow}</div><div class="value">${t.notCovered}</div><div class="sub">${t.notCoveredNote(reach, COLLECT_NOW_MIN_DAYS_BACK)}</div></div>`;
}

function headline(c: Context): string {
  const { report, t, totals } = c;
  const m = report.metrics;
  // The run's own metrics, so the page and the JSON can never disagree.
  return html`<section id="headline" aria-labelledby="h-headline"><h2 id="h-headline">${t.headline}</h2><div class="cards">!${[
    card("risk", "amount_at_risk", t.atRisk, m.amount_at_risk, totals.atRiskCount, t.atRiskNote, c),
    card("", "amount_still_missing", t.stillMissing, m.amount_still_missing, m.still_missing, "", c),
    card("ok", "resolved_after_refresh", t.resolved, totals.resolved.amount, m.resolved_after_refresh, "", c),
    collectNowCard(c),
  ]}</div></section>`;
}

/**
 * What the run recorded in the claims ledger (contract 10.2), when recording was on: the outcome in words,
 * the claims and money recorded (or that a dry run would record), and the gap view's window before and after:
 * the runbook's first validation query, which must go down after a run that recorded.
 */
function ledger(c: Context): string {
  const summary = reportLedger(c.report);
  if (!summary) return "";
  const t = c.t.ledger;
  const failed = ["not_permitted", "over_max_record", "write_failed"].includes(summary.outcome);
  const dry = summary.outcome === "would_record";
  const count = dry ? summary.to_record : summary.recorded;
  const before = summary.gaps_before === null ? "" : c.count(summary.gaps_before);
  const after = summary.gaps_after === null ? null : c.count(summary.gaps_after);
  const gaps =
    summary.gaps_before === null
      ? ""
      : html`<div class="card" data-metric="gaps_after" data-before="${summary.gaps_before}" data-after="${summary.gaps_after ?? ""}"><div class="label">${t.gapsBeforeAfter}</div><div class="value">${before} → ${after ?? "–"}</div><div class="sub">${t.gapsNote(before, after)}</div></div>`;
  return html`<section id="ledger" aria-labelledby="h-ledger" data-outcome="${summary.outcome}"><h2 id="h-ledger">${t.title} · <code>${summary.table}</code></h2><p class="${failed ? "banner" : "meta"}" id="ledger-outcome">${t.outcome[summary.outcome]} ${t.toRecord(c.count(summary.to_record), c.count(summary.max_record))}</p><div class="cards">!${card(
    failed ? "risk" : "ok",
    "amount_recorded",
    dry ? t.wouldRecord : t.recorded,
    summary.amount_recorded,
    count,
    "",
    c,
  )}!${gaps}</div></section>`;
}

interface Bar {
  readonly label: string;
  readonly note: string;
  readonly amount: string;
  readonly count: number;
  readonly hot?: boolean;
}

/**
 * A horizontal bar chart as inline SVG: labels, bars and figures are all markup, so it reads the same
 * with scripting off, in print and to a screen reader (a `title` and a `desc` name it).
 */
function barChart(id: string, caption: string, bars: readonly Bar[], c: Context): string {
  const labelWidth = 250;
  const barWidth = 260;
  const rowHeight = 34;
  const width = labelWidth + barWidth + 150;
  const height = Math.max(1, bars.length) * rowHeight + 8;
  const max = Math.max(0, ...bars.map((b) => Number(b.amount)));
  const rows = bars.map((b, i) => {
    const y = 4 + i * rowHeight;
    // Drawing only: a bar's length needs a float; the figures printed beside it are the exact strings.
    const w =
      max > 0 ? Math.max(Number(b.amount) > 0 ? 2 : 0, Math.round((Number(b.amount) / max) * barWidth)) : 0;
    return html`<g><text x="0" y="${y + 13}">${b.label}</text><text x="0" y="${y + 27}" fill="#57606a" font-size="11">${b.note}</text><rect x="${labelWidth}" y="${y + 4}" width="${w}" height="20" rx="2" fill="${b.hot ? "#b42318" : "#2f6fb0"}"></rect><text x="${labelWidth + w + 6}" y="${y + 19}">${c.money(b.amount)} · ${c.count(b.count)}</text></g>`;
  });
  return html`<figure><figcaption id="${id}-t">${caption}</figcaption><svg id="${id}" role="img" aria-labelledby="${id}-t" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title>${caption}</title><desc>${bars.map((b) => `${b.label}: ${c.money(b.amount)} (${b.count})`).join("; ")}</desc>!${rows}</svg></figure>`;
}

function charts(c: Context): string {
  const { report, t, totals } = c;
  if (totals.atRiskCount === 0)
    return html`<section id="charts"><h2>${t.charts}</h2><p>${t.noMoneyAtRisk}</p></section>`;
  const byGroup = totals.groups.map((g) => ({
    label: g.group,
    note: "",
    amount: g.amount,
    count: g.count,
  }));
  const byBucket = report.at_risk_by_bucket.map((b) => ({
    label: b.bucket,
    note: t.bucket[b.bucket],
    amount: b.amount,
    count: b.count,
    hot: OVERDUE_BUCKETS.indexOf(b.bucket) >= OVERDUE_BUCKETS.indexOf("15_30"),
  }));
  return html`<section id="charts"><h2>${t.charts}</h2><div class="charts">!${barChart("chart-diagnosis", t.byDiagnosis, byGroup, c)}!${barChart("chart-bucket", t.byBucket, byBucket, c)}</div></section>`;
}

/** Verdicts first (what each means), then one table per diagnosis of the money at risk. */
function* groups(c: Context, collected: HtmlReportCollector): Generator<string> {
  const { report, t, totals } = c;
  const legend = report.breakdown.map((b) => {
    const reason = b.reason as string | null;
    const explained =
      reason === null
        ? t.verdict[b.verdict]
        : reason in t.invalidReason
          ? t.invalidReason[reason as keyof HtmlMessages["invalidReason"]]
          : (t.group[reason as ActionGroup]?.meaning ?? t.verdict[b.verdict]);
    return html`<tr><td><code>${b.verdict}</code></td><td><code>${reason ?? ""}</code></td><td>${explained}</td><td class="n">${c.count(b.count)}</td><td class="n">${c.money(b.amount)}</td></tr>`;
  });
  yield html`<section id="verdicts"><h2>${t.verdicts}</h2><table><thead><tr><th>${t.columns.verdict}</th><th>${t.columns.reason}</th><th></th><th class="n">n</th><th class="n">${t.columns.amount}</th></tr></thead><tbody>!${legend}</tbody></table></section>`;

  yield html`<section id="actions"><h2>${t.whatToDo}</h2>`;
  if (totals.groups.length === 0) {
    yield html`<p>${t.nothingToDo}</p></section>`;
    return;
  }
  yield html`<p>${t.whatToDoIntro}</p>`;
  const byGroup = new Map<ActionGroup, HtmlRow[]>();
  for (const row of collected.rows) {
    if (row.verdict !== "STILL_MISSING" && row.verdict !== "WOULD_REFRESH") continue;
    const key: ActionGroup = row.diagnosis ?? "WOULD_REFRESH";
    let list = byGroup.get(key);
    if (!list) {
      list = [];
      byGroup.set(key, list);
    }
    list.push(row);
  }
  for (const group of totals.groups) {
    const explained = t.group[group.group];
    const listed = (byGroup.get(group.group) ?? [])
      .slice()
      .sort(
        (a, b) =>
          (b.days_overdue ?? -1) - (a.days_overdue ?? -1) ||
          compareAmounts(b.amount, a.amount) ||
          a.ord - b.ord,
      );
    const shown = listed.slice(0, GROUP_ROWS);
    const more =
      group.count > shown.length
        ? html`<p class="meta">${t.moreRows(c.count(shown.length), c.count(group.count))}</p>`
        : "";
    // Money once per claim (contract 10.5): a duplicate row is listed without an amount, pointing at the
    // row that carries it, so the amounts listed add up to the group's total. `data-amount` marks the money.
    const body = shown.map(
      (row) =>
        html`<tr class="${(row.days_overdue ?? 0) >= COLLECT_NOW_DAYS ? "risk" : ""}"><td class="n">${row.ord}</td><td>${row.driver_id ?? ""}</td><td>${row.lead_date ?? ""}</td><td class="n">${row.milestone_value}</td>!${isDuplicate(row) ? html`<td class="n muted">${c.t.sameClaimAs(row.duplicate_of as number)}</td>` : html`<td class="n" data-amount="${row.amount}">${c.money(row.amount)}</td>`}<td>${row.due_date ?? ""}</td><td class="n">${row.days_overdue ?? ""}</td><td>${row.overdue_bucket ?? ""}</td><td>${rowDetail(row, c.lang, c.money)}</td></tr>`,
    );
    const k = t.columns;
    // Claims once each (contract 10.5): the rows less the duplicates, when the page holds every row.
    const claims =
      collected.total === collected.rows.length ? listed.filter((r) => !isDuplicate(r)).length : null;
    const counted =
      claims === null || claims === group.count
        ? c.t.claims(c.count(group.count))
        : c.t.claimsOfRows(c.count(claims), c.count(group.count));
    yield html`<section class="group" id="group-${group.group}" data-group="${group.group}" data-count="${group.count}" data-claims="${claims ?? ""}" data-value="${group.amount}"><h3><code>${group.group}</code> · ${counted} · ${c.money(group.amount)}</h3><dl class="explain"><dt>${t.meaning}</dt><dd>${explained.meaning}</dd><dt>${t.action}</dt><dd>${explained.action}</dd></dl><div class="scroll!${shown.length >= LONG_GROUP_ROWS ? " long" : ""}"><table><thead><tr><th class="n">${k.ord}</th><th>${k.driver_id}</th><th>${k.lead_date}</th><th class="n">${k.milestone_value}</th><th class="n">${k.amount}</th><th>${k.due_date}</th><th class="n">${k.days_overdue}</th><th>${k.overdue_bucket}</th><th>${k.detail}</th></tr></thead><tbody>!${body}</tbody></table></div>!${more}</section>`;
  }
  yield "</section>";
}

const isDuplicate = (row: HtmlRow) => row.duplicate_of !== undefined && row.duplicate_of !== null;

/** A code that may break after its underscores (`CLAIM_ON_<wbr>OTHER_...`), never inside a word. */
const breakable = (code: string | null) => (code === null ? "" : html`${code}`.replaceAll("_", "_<wbr>"));

interface Column {
  readonly key: RowColumn;
  readonly numeric: boolean;
  /** Offers an exact-match filter over the values present. */
  readonly choice: boolean;
  /** The cell's text: what a filter matches and a choice offers. */
  readonly text: (row: HtmlRow, c: Context) => string | number | null;
  /** The cell's markup when it holds more than its text (escaped by an `html` template). */
  readonly markup?: (row: HtmlRow, c: Context) => string;
}

/** The amount once per claim; a duplicate's is on the row it repeats. Marks money not from the rule. */
function amountCell(row: HtmlRow, c: Context): string {
  if (isDuplicate(row)) return "—";
  const source = row.amount_source && row.amount_source !== "rule" ? c.t.amountSource[row.amount_source] : "";
  const conflict = row.amount_conflict ? c.t.amountConflict(row.amount_conflict) : "";
  const note = [source, conflict].filter(Boolean).join(" · ");
  return html`${c.money(row.amount)}!${note ? html`<small>${note}</small>` : ""}`;
}

function ledgerText(row: HtmlRow, c: Context): string | null {
  if (!row.ledger) return null;
  const state = c.t.ledgerState[row.ledger] ?? row.ledger;
  const why = row.ledger_why ? (c.t.ledgerWhy[row.ledger_why] ?? row.ledger_why) : null;
  const more = why ?? row.ledger_status ?? null;
  return more ? `${state}: ${more}` : state;
}

const COLUMNS: readonly Column[] = [
  { key: "ord", numeric: true, choice: false, text: (row) => row.ord },
  { key: "driver_id", numeric: false, choice: false, text: (row) => row.driver_id },
  { key: "lead_date", numeric: false, choice: false, text: (row) => row.lead_date },
  { key: "milestone_value", numeric: true, choice: true, text: (row) => row.milestone_value },
  {
    key: "amount",
    numeric: true,
    choice: false,
    text: (row, c) => (isDuplicate(row) ? "—" : c.money(row.amount)),
    markup: amountCell,
  },
  {
    key: "verdict",
    numeric: false,
    choice: true,
    text: (row) => row.verdict,
    markup: (row) => breakable(row.verdict),
  },
  {
    key: "reason",
    numeric: false,
    choice: true,
    text: (row) => row.diagnosis ?? row.invalid_reason,
    markup: (row) => breakable(row.diagnosis ?? row.invalid_reason),
  },
  { key: "days_overdue", numeric: true, choice: false, text: (row) => row.days_overdue },
  {
    key: "overdue_bucket",
    numeric: false,
    choice: true,
    text: (row) => row.overdue_bucket,
    markup: (row) => breakable(row.overdue_bucket),
  },
  {
    key: "claim_status",
    numeric: false,
    choice: true,
    text: (row) => row.claim_status,
    markup: (row) => breakable(row.claim_status),
  },
  { key: "duplicate_of", numeric: true, choice: false, text: (row) => row.duplicate_of ?? null },
  { key: "ledger", numeric: false, choice: true, text: ledgerText },
  { key: "detail", numeric: false, choice: false, text: (row, c) => rowDetail(row, c.lang, c.money) },
];

/** The row table's columns for these rows: the duplicate and ledger columns only when the rows carry them. */
function rowColumns(withDuplicateColumn: boolean, withLedgerColumn: boolean): readonly Column[] {
  return COLUMNS.filter(
    (col) =>
      (col.key !== "duplicate_of" || withDuplicateColumn) && (col.key !== "ledger" || withLedgerColumn),
  );
}

function* allRows(c: Context, collected: HtmlReportCollector): Generator<string> {
  const { t } = c;
  const columns = rowColumns(collected.hasDuplicateColumn, collected.hasLedgerColumn);
  const choices = columns
    .map((col, index) => ({ col, index }))
    .filter(({ col }) => col.choice)
    .map(({ col, index }) => {
      const values = new Set<string>();
      for (const row of collected.rows) {
        const v = col.text(row, c);
        values.add(v === null ? "" : String(v));
      }
      const sorted = [...values]
        .filter((v) => v !== "")
        .sort((a, b) => (col.numeric ? Number(a) - Number(b) : a < b ? -1 : 1));
      return html`<label>${t.columns[col.key]}<select data-col="${index}"><option value="">${t.any}</option>!${sorted.map((v) => html`<option>${v}</option>`)}</select></label>`;
    });
  const capped =
    collected.total > collected.rows.length
      ? html`<p class="banner" id="rows-capped">${t.rowsCapped(c.count(collected.rows.length), c.count(collected.total))}</p>`
      : "";
  const colgroup = html`<colgroup>!${columns.map((col) => html`<col class="c-${col.key}">`)}</colgroup>`;
  yield html`<section id="all-rows"><h2>${t.allRows}</h2><p class="meta">${t.allRowsIntro}</p>!${capped}<div class="controls" id="row-controls" hidden><label>${t.filter}<input type="search" id="row-filter" placeholder="${t.filterPlaceholder}"></label>!${choices}<span><strong id="row-count">${collected.rows.length}</strong> ${t.shown}</span></div><div class="scroll rows" id="rows" data-total="${collected.total}"><table id="rows-head">!${colgroup}<thead><tr>!${columns.map((col) => html`<th!${col.numeric ? ' class="n" data-type="num"' : ""}>${t.columns[col.key]}</th>`)}</tr></thead></table>`;
  // One table per chunk of rows, each in a box the browser lays out only when it nears the screen
  // (`content-visibility: auto`): one table of every row is laid out at once, in seconds at 10,000 rows;
  // chunks keep the page fast. Fixed layout with shared column widths keeps the chunks' columns under the one heading.
  // The rows are the page's bulk (about 95% of its bytes), so each is written lean: no class on a cell
  // (numbers are right-aligned by position, `NUMERIC_ROW_CELLS`) and no `</td>` or `</tr>`, which HTML
  // implies; the parser builds the same table from a third fewer bytes.
  const table = collected.hasDuplicateColumn ? '<table class="dup">' : "<table>";
  for (let start = 0; start < collected.rows.length; start += CHUNK_ROWS) {
    let chunk = "";
    for (const row of collected.rows.slice(start, start + CHUNK_ROWS)) {
      const risk = row.verdict === "STILL_MISSING" || row.verdict === "WOULD_REFRESH";
      chunk += risk ? '<tr class="risk">' : "<tr>";
      for (const col of columns)
        chunk += col.markup ? `<td>${col.markup(row, c)}` : html`<td>${col.text(row, c)}`;
    }
    yield `<div class="chunk">${table}${colgroup}<tbody>${chunk}</tbody></table></div>\n`;
  }
  yield "</div></section>";
}

/** The positions of the numeric columns of the row table, as the style sheet aligns them. */
export function numericRowCells(withDuplicateColumn: boolean, withLedgerColumn = false): number[] {
  return rowColumns(withDuplicateColumn, withLedgerColumn)
    .map((col, i) => (col.numeric ? i + 1 : 0))
    .filter((n) => n > 0);
}

type OutcomeKind = keyof HtmlMessages["refreshOutcome"];

/** A plan step's outcome: the run's typed one, or `planned` (dry run) / `not_permitted` (seen in the plan). */
function outcome(step: RefreshStep | undefined, result: RefreshResult | undefined): OutcomeKind {
  if (result) return result.outcome.kind;
  return step && !step.permitted ? "not_permitted" : "planned";
}

const stageOf = (stage: RefreshStep["stage"] | undefined, t: HtmlMessages) => (stage ? t.stage[stage] : "");

/** A refresh outcome's particulars in the page's language, from the typed outcome (never its English text). */
function outcomeWords(outcome: RefreshResult["outcome"], t: HtmlMessages): string {
  switch (outcome.kind) {
    case "ok":
      return "";
    case "failed":
      return t.outcomeWords.failed(outcome.message, outcome.sqlstate);
    case "skipped":
      return t.outcomeWords.skipped(outcome.because);
    case "out_of_time":
      return t.outcomeWords.out_of_time;
    case "not_permitted":
      return t.outcomeWords.not_permitted(outcome.role, outcome.owner);
    case "fresh":
      // The label already says it is fresh; how it was decided is in the plan's `stale_how`.
      return "";
  }
}

function refresh(c: Context): string {
  const { report, t } = c;
  const results = new Map(report.refreshed_views.map((r) => [r.name, r]));
  const steps: Array<{ step: RefreshStep | undefined; result: RefreshResult | undefined; name: string }> =
    report.refresh_plan.map((step) => ({ step, result: results.get(step.name), name: step.name }));
  // A refresh the plan does not list (none today) is still shown.
  for (const r of report.refreshed_views)
    if (!report.refresh_plan.some((s) => s.name === r.name))
      steps.push({ step: undefined, result: r, name: r.name });
  const k = t.refreshColumns;
  const rows = steps.map(({ step, result, name }, i) => {
    const kind = outcome(step, result);
    const failed = result ? isFailure(result.outcome) : kind === "not_permitted";
    // The outcome in the run's own words (a failure's message and SQLSTATE, who may not refresh it).
    const words = result
      ? outcomeWords(result.outcome, t)
      : kind === "not_permitted" && step
        ? t.outcomeWords.planned_not_permitted(step.owner)
        : "";
    return html`<tr class="${failed ? "risk" : ""}" data-view="${name}" data-outcome="${kind}"><td class="n">${i + 1}</td><td><code>${name}</code></td><td>${stageOf(result?.stage ?? step?.stage, t)}</td><td>${result?.mode ?? step?.mode ?? ""}</td><td>${step?.mode_reason ? (t.modeReason[step.mode_reason] ?? step.mode_reason) : ""}</td><td><strong>${t.refreshOutcome[kind]}</strong>!${words ? html` <span>${words}</span>` : ""}</td><td class="n">${result ? `${result.duration_ms} ms` : ""}</td></tr>`;
  });
  const notRun = report.refresh_skipped
    ? html`<p class="banner">${t.refreshNotRun}: <code>${report.refresh_skipped}</code></p>`
    : "";
  const table =
    steps.length === 0
      ? html`<p>${t.refreshPlanEmpty}</p>`
      : html`<table><thead><tr><th class="n">${k.step}</th><th>${k.view}</th><th>${k.stage}</th><th>${k.mode}</th><th>${k.why}</th><th>${k.outcome}</th><th class="n">${k.duration}</th></tr></thead><tbody>!${rows}</tbody></table>`;
  return html`<section id="refresh"><h2>${t.refresh}</h2>!${notRun}!${table}</section>`;
}

const shown = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value ?? null));

function parameters(c: Context): string {
  const { report, t } = c;
  const params = Object.entries(report.parameters).map(
    ([name, value]) => html`<dt><code>${name}</code></dt><dd><code>${shown(value)}</code></dd>`,
  );
  const metrics = Object.entries(report.metrics).map(
    ([name, value]) =>
      html`<tr><td><code>${name}</code></td><td class="n" data-metric-raw="${name}">${shown(value)}</td></tr>`,
  );
  const statuses = Object.entries(report.gap_status_counts).map(
    ([status, n]) => html`<tr><td><code>${status}</code></td><td class="n">${n}</td></tr>`,
  );
  const phases = report.phases.map(
    (p) => html`<tr><td>${p.phase}</td><td class="n">${p.duration_ms} ms</td></tr>`,
  );
  return html`<section id="parameters"><h2>${t.parameters}</h2><dl class="params">!${params}</dl><div class="charts"><div><h3>${t.metrics}</h3><table><tbody>!${metrics}</tbody></table></div><div><h3>${t.statusCounts}</h3><table><tbody>!${statuses}</tbody></table><h3>${t.phases}</h3><table><tbody>!${phases}</tbody></table></div></div></section>`;
}
