/**
 * A row's detail in the page's language. The JSON and the log keep the job's English `detail`; the page words
 * the same facts from the row's typed `detail_facts` and its own fields (milestone, lead date, amount), so no
 * English sentence reaches a Spanish page. Codes, names, numbers and dates stay as they are.
 */
import { addDays, WINDOW_DAYS } from "../core/dates.js";
import type { DataDetailFacts, DetailFacts, LookDetailFacts } from "../core/types.js";
import { HTML_MESSAGES, type HtmlMessages } from "../i18n/html-messages.js";
import type { Lang } from "../i18n/lang.js";
import type { HtmlRow } from "./html-collect.js";

const windowOf = (lead: string) => `[${lead}, ${addDays(lead, WINDOW_DAYS)})`;

/**
 * The detail of `row` in `lang`; `money` formats an amount. A row of an older library without `detail_facts`
 * gets what its fields allow: its code's short meaning, never the English sentence (except on an English
 * page, where that sentence is the detail).
 */
export function rowDetail(row: HtmlRow, lang: Lang, money: (amount: string) => string): string {
  const t = HTML_MESSAGES[lang];
  const d = t.detail;
  // A milestone NULL reaches no diagnosis (it is UNKNOWN_MILESTONE above); 0 only satisfies the types.
  const m = row.milestone_value ?? 0;
  const lead = row.lead_date ?? "";
  // The reasons of contract revision 3 are worded from the row's own fields, whoever produced the row.
  const reason = row.invalid_reason as string | null;
  if (reason === "ZERO_AMOUNT_RULE") return d.ZERO_AMOUNT_RULE(m, lead, money(row.amount ?? "0"));
  if (reason === "UNKNOWN_MILESTONE") return d.UNKNOWN_MILESTONE(m === null ? "NULL" : String(m));
  const facts = row.detail_facts;
  if (facts) return worded(facts, row, t);
  if (row.detail === null) return "";
  if (reason === "NO_DRIVER") return d.NO_DRIVER;
  if (reason === "NO_LEAD_DATE") return d.NO_LEAD_DATE;
  if (row.diagnosis === "NO_PAYMENT_CALCULATION") return d.NO_PAYMENT_CALCULATION(m, lead);
  if (lang === "en") return row.detail;
  if (row.diagnosis) return t.groupShort[row.diagnosis];
  if (reason && reason in t.invalidReason)
    return t.invalidReason[reason as keyof HtmlMessages["invalidReason"]];
  return "";
}

function worded(facts: DetailFacts, row: HtmlRow, t: HtmlMessages): string {
  switch (facts.code) {
    case "REFRESH_FAILED":
      return t.detail.REFRESH_FAILED(facts.view, `${codeOf(facts.data)}: ${wordedData(facts.data, row, t)}`);
    case "RESOLVED":
      return t.detail.RESOLVED(wordedLook(facts.before, row, t));
    case "NO_DRIVER":
    case "NO_LEAD_DATE":
    case "UNKNOWN_MILESTONE":
    case "ZERO_AMOUNT_RULE":
    case "NOT_ACHIEVED":
    case "ACHIEVED_OUTSIDE_WINDOW":
      return wordedLook(facts, row, t);
    default:
      return wordedData(facts, row, t);
  }
}

const codeOf = (facts: DataDetailFacts) => facts.code;

function wordedLook(facts: LookDetailFacts, row: HtmlRow, t: HtmlMessages): string {
  const d = t.detail;
  switch (facts.code) {
    case "NO_DRIVER":
      return d.NO_DRIVER;
    case "NO_LEAD_DATE":
      return d.NO_LEAD_DATE;
    case "UNKNOWN_MILESTONE":
      return d.UNKNOWN_MILESTONE(row.milestone_value === null ? "NULL" : String(row.milestone_value));
    case "ZERO_AMOUNT_RULE":
      return d.ZERO_AMOUNT_RULE(row.milestone_value ?? 0, row.lead_date ?? "", facts.amount);
    case "NOT_ACHIEVED":
      return d.NOT_ACHIEVED(row.milestone_value ?? 0, facts.achieved_flag);
    case "ACHIEVED_OUTSIDE_WINDOW":
      return d.ACHIEVED_OUTSIDE_WINDOW(facts.achieved_date, windowOf(row.lead_date ?? ""));
  }
}

function wordedData(facts: DataDetailFacts, row: HtmlRow, t: HtmlMessages): string {
  const d = t.detail;
  // A milestone NULL reaches no diagnosis (it is UNKNOWN_MILESTONE above); 0 only satisfies the types.
  const m = row.milestone_value ?? 0;
  const lead = row.lead_date ?? "";
  switch (facts.code) {
    case "CLAIM_ON_OTHER_LEAD_DATE":
      return d.CLAIM_ON_OTHER_LEAD_DATE(facts.other_lead_date, lead);
    case "NO_PAYMENT_CALCULATION":
      return d.NO_PAYMENT_CALCULATION(m, lead);
    case "PAYMENT_CALCULATION_NOT_ACHIEVED":
      return d.PAYMENT_CALCULATION_NOT_ACHIEVED(
        m,
        facts.achieved_date,
        facts.trips_in_window,
        windowOf(lead),
      );
    case "TRIPS_OUTSIDE_WINDOW":
      return d.TRIPS_OUTSIDE_WINDOW(facts.trips_in_window, m, windowOf(lead));
    case "CLAIMS_VIEW_MISSING":
      return d.CLAIMS_VIEW_MISSING(facts.achieved_date, facts.trips_in_window);
  }
}
