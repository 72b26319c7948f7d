import { describe, expect, it } from "vitest";
import { readConfig } from "../../lambda/aws/lambda-config.js";
import { ConfigurationError } from "../../lambda/errors.js";
import { CLI_MESSAGES } from "../../lambda/i18n/cli-messages.js";
import { formatCount, formatMoney } from "../../lambda/i18n/format.js";
import { HTML_MESSAGES } from "../../lambda/i18n/html-messages.js";
import { parseLang } from "../../lambda/i18n/lang.js";

describe("the report's languages", () => {
  it("reads a language as an operator writes it, and nothing else", () => {
    expect(["es", "ES", " es-PE ", "es_PE", "en", "en-US"].map(parseLang)).toEqual([
      "es",
      "es",
      "es",
      "es",
      "en",
      "en",
    ]);
    expect(["fr", "", "spanish", undefined, null].map(parseLang)).toEqual([null, null, null, null, null]);
  });

  it("formats soles for the locale, exactly, from the decimal string", () => {
    expect(formatMoney("1295.00", "es")).toBe("S/ 1,295.00");
    expect(formatMoney("1295.00", "en")).toBe("S/ 1,295.00");
    expect(formatMoney("0.10", "en")).toBe("S/ 0.10");
    // Past a float's precision: formatted from the string, not a number.
    expect(formatMoney("90071992547409931.05", "es")).toBe("S/ 90,071,992,547,409,931.05");
    expect(formatCount(10_000, "es")).toBe("10,000");
  });

  it("has every word in both languages, and different ones", () => {
    for (const table of [HTML_MESSAGES, CLI_MESSAGES]) {
      expect(Object.keys(table.es).sort()).toEqual(Object.keys(table.en).sort());
      expect(table.es).not.toEqual(table.en);
    }
    expect(HTML_MESSAGES.es.group.CLAIMS_VIEW_MISSING.action).not.toBe(
      HTML_MESSAGES.en.group.CLAIMS_VIEW_MISSING.action,
    );
  });

  it("the Lambda reads REPORT_LANG (default en) and names it when wrong", () => {
    const base = { DB_SECRET_ID: "db-secret" };
    expect(readConfig(base).reportLang).toBe("en");
    expect(readConfig({ ...base, REPORT_LANG: "es" }).reportLang).toBe("es");
    expect(() => readConfig({ ...base, REPORT_LANG: "fr" })).toThrow(ConfigurationError);
    expect(() => readConfig({ ...base, REPORT_LANG: "fr" })).toThrow(/REPORT_LANG must be one of en, es/);
  });
});
