/**
 * The languages a report is written in. The people who act on it are operations staff in Lima who read
 * Spanish; English is kept for engineers and logs. Codes (verdicts, diagnoses, buckets, metric names) are
 * data and never translated: only the words around them are.
 */
export const LANGS = ["en", "es"] as const;
export type Lang = (typeof LANGS)[number];

/** The one default: English, as the CLI has always printed; deployments set `REPORT_LANG=es`. */
export const DEFAULT_LANG: Lang = "en";

/** Environment variable read by the CLI and the Lambda for the report's language. */
export const REPORT_LANG_ENV = "REPORT_LANG";

/** The locale amounts and counts are formatted in (Peruvian conventions in Spanish: `S/ 1,295.00`). */
export const LOCALE: Readonly<Record<Lang, string>> = { en: "en-US", es: "es-PE" };

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}

/**
 * Reads a language as an operator writes it: `es`, `ES`, `es-PE`, `en_US` all name one of ours. Returns
 * null for anything else, so the caller can say which flag or variable was wrong.
 */
export function parseLang(value: string | null | undefined): Lang | null {
  if (value === null || value === undefined) return null;
  const primary = value.trim().toLowerCase().split(/[-_]/)[0];
  return isLang(primary) ? primary : null;
}
