/**
 * Money and counts formatted for a language with `Intl.NumberFormat`. Amounts stay decimal strings to the
 * end: `format` is given the string itself, which Intl formats exactly (no trip through a float).
 */
import { type Lang, LOCALE } from "./lang.js";

/** The job's amounts are soles (PEN), the platform's currency for the cabinet milestones. */
export const SOL_SIGN = "S/";

const money = new Map<Lang, Intl.NumberFormat>();
const counts = new Map<Lang, Intl.NumberFormat>();

function cached(cache: Map<Lang, Intl.NumberFormat>, lang: Lang, options: Intl.NumberFormatOptions) {
  let format = cache.get(lang);
  if (!format) {
    format = new Intl.NumberFormat(LOCALE[lang], options);
    cache.set(lang, format);
  }
  return format;
}

/**
 * `S/ 1,295.00`: the sol's own sign in both languages (Intl's English writes `PEN 1,295.00`, which nobody in
 * Lima writes), then the number with the locale's grouping and two decimals. A plain space after the sign,
 * so a line of the CLI summary greps the same in both languages.
 */
export function formatMoney(amount: string, lang: Lang): string {
  const format = cached(money, lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  // Intl accepts decimal strings and formats them exactly; the typings predate that (ES2023).
  return `${SOL_SIGN} ${format.format(amount as unknown as number)}`;
}

/** Whole counts with the locale's grouping: `10,000`. */
export function formatCount(n: number, lang: Lang): string {
  return cached(counts, lang, { maximumFractionDigits: 0 }).format(n);
}
