/**
 * The HTML report in a real browser (headless Chromium): a real run on the reference schema with its
 * generated history writes the JSON and the HTML side by side; the page must show the JSON's numbers, hold
 * every analysed row, sort and filter, make no network request, speak Spanish when asked, and show hostile
 * text as text.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Big from "big.js";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../lambda/cli/main.js";
import type { Report, ReportRow } from "../../lambda/core/types.js";
import { ReconcileCabinetClaims14d } from "../../lambda/reconcile.js";
import { fileSink } from "../../lambda/report/file-sink.js";
import { singleLeadDataset } from "../../reference/fixtures.js";
import { generate } from "../../reference/generator.js";
import { loadDataset } from "../../reference/load.js";
import { createTestDatabase, type TestDatabase } from "../support/db.js";
import { CHROMIUM, launchChromium, NO_CHROMIUM } from "./chromium.js";

const AS_OF = "2026-11-24";
/**
 * The wide run looks two weeks later over 35 days: the generator plants its gaps inside the job's usual
 * window (up to 21 days before AS_OF), so seen from AS_OF + 14 the oldest of them are 15+ days overdue.
 */
const WIDE_AS_OF = "2026-12-08";
type JsonReport = Report & { rows: Array<ReportRow & { duplicate_of?: number | null }> };

/** Opens a page and records every request it makes and every console error (a CSP violation is one). */
async function open(browser: Browser, path: string, javaScriptEnabled = true) {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  const url = pathToFileURL(path).href;
  await page.goto(url, { waitUntil: "load" });
  return { page, url, requests, errors, close: () => context.close() };
}

/** Money counted the way the contract says, independently of the job's code: once per claim key. */
function sumOnce(rows: JsonReport["rows"], keep: (row: JsonReport["rows"][number]) => boolean): string {
  const seen = new Set<string>();
  let sum = new Big(0);
  for (const row of rows) {
    const key = `${row.driver_id}|${row.milestone_value}|${row.lead_date}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (keep(row)) sum = sum.plus(row.amount);
  }
  return sum.toFixed(2);
}
const daysOverdue = (leadDate: string, asOf = AS_OF) =>
  Math.max(0, (Date.parse(`${asOf}T00:00:00Z`) - Date.parse(`${leadDate}T00:00:00Z`)) / 86_400_000 - 14);
const atRisk = (row: ReportRow) => row.verdict === "STILL_MISSING" || row.verdict === "WOULD_REFRESH";

/** The DOM as these tests read it (the test files compile without the DOM library). */
interface Node {
  textContent: string | null;
  hidden: boolean;
  cells: ArrayLike<Node>;
  closest(selector: string): Node | null;
}
interface Doc {
  querySelectorAll(selector: string): ArrayLike<Node>;
}

/**
 * The texts of one column of the row table (its heading table, then one table per chunk of rows), for the
 * rows shown, in the order shown.
 */
async function columnTexts(page: Page, header: string): Promise<string[]> {
  return page.evaluate((name) => {
    const doc = (globalThis as unknown as { document: Doc }).document;
    const heads = Array.from(doc.querySelectorAll("#rows-head th"));
    const index = heads.findIndex((h) => h.textContent?.trim() === name);
    return Array.from(doc.querySelectorAll("#rows tbody tr"))
      .filter((r) => !r.hidden && !r.closest(".chunk")?.hidden)
      .map((r) => r.cells[index]?.textContent ?? "");
  }, header);
}
const numbers = (texts: string[]) => texts.map((t) => Number.parseFloat(t.replace(/[^0-9.-]/g, "")));

describe.skipIf(!CHROMIUM)("the HTML report in headless Chromium", () => {
  let db: TestDatabase;
  let dir: string;
  let browser: Browser;
  let json: JsonReport;
  let jsonEs: JsonReport;
  let jsonWide: JsonReport;
  let warnedStderr = "";
  let warnedStdout = "";
  const page = { en: "", es: "", wide: "", warned: "" };

  beforeAll(async () => {
    // Prepare: the reference schema with a generated history, and one real run writing JSON and HTML.
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "html-report-"));
    const client = await db.pool.connect();
    try {
      await generate(client, { seed: 7, scale: 0.25, asOf: AS_OF });
    } finally {
      client.release();
    }
    page.en = join(dir, "report.html");
    page.es = join(dir, "report.es.html");
    await new ReconcileCabinetClaims14d(db.pool, { timeZone: "America/Lima" }).runReconcile(
      { asOf: AS_OF },
      {
        sinks: [fileSink(join(dir, "report.json"), "json"), fileSink(page.en, "html", { lang: "en" })],
        collectRows: false,
      },
    );
    json = JSON.parse(await readFile(join(dir, "report.json"), "utf8")) as JsonReport;
    // The Spanish page through the CLI, as an operator asks for it (a dry run: the first run's refresh
    // already happened, and a dry run shows the same money at risk).
    let stdout = "";
    const code = await main(
      [
        "--database-url",
        db.url,
        "--as-of",
        AS_OF,
        "--dry-run",
        "--lang",
        "es",
        "--output-html",
        page.es,
        "--output-json",
        join(dir, "report.es.json"),
      ],
      { stdout: (text) => (stdout += text), stderr: () => undefined },
    );
    expect(code).toBe(0);
    expect(stdout).toContain("dinero en riesgo por días de atraso");
    jsonEs = JSON.parse(await readFile(join(dir, "report.es.json"), "utf8")) as JsonReport;
    // A window of 35 days (reaching 21 days overdue), two weeks later, so the 15+ card has money to show.
    page.wide = join(dir, "report.wide.html");
    await new ReconcileCabinetClaims14d(db.pool, { timeZone: "America/Lima" }).runReconcile(
      { asOf: WIDE_AS_OF, daysBack: 35, dryRun: true },
      {
        sinks: [fileSink(join(dir, "report.wide.json"), "json"), fileSink(page.wide, "html", { lang: "en" })],
        collectRows: false,
      },
    );
    jsonWide = JSON.parse(await readFile(join(dir, "report.wide.json"), "utf8")) as JsonReport;
    // A run that must warn, in Spanish: only gaps, with a gap status no row of the window has.
    page.warned = join(dir, "report.warned.html");
    const warnedCode = await main(
      [
        "--database-url",
        db.url,
        "--as-of",
        AS_OF,
        "--dry-run",
        "--only-gaps",
        "--gap-status",
        "NINGUNO",
        "--lang",
        "es",
        "--output-html",
        page.warned,
        "--output-json",
        join(dir, "report.warned.json"),
      ],
      { stdout: (text) => (warnedStdout += text), stderr: (text) => (warnedStderr += text) },
    );
    expect(warnedCode).toBe(0);
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("shows the JSON report's headline numbers, and the money aged as the contract says", async () => {
    const { page: p, close } = await open(browser, page.en);
    try {
      const card = async (name: string) =>
        p.$eval(`[data-metric="${name}"]`, (el) => ({
          value: el.getAttribute("data-value"),
          count: Number(el.getAttribute("data-count")),
          shown: el.querySelector(".value")?.textContent ?? "",
        }));
      const m = json.metrics;
      const missing = await card("amount_still_missing");
      expect(missing.value).toBe(m.amount_still_missing);
      expect(missing.count).toBe(m.still_missing);
      // The figure a person reads is the same amount, grouped by the browser's own Intl.
      expect(missing.shown).toBe(
        `S/ ${await p.evaluate(
          (a) =>
            new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(
              a as unknown as number,
            ),
          m.amount_still_missing,
        )}`,
      );
      const risk = await card("amount_at_risk");
      expect(risk.value).toBe(m.amount_at_risk);
      expect(m.amount_at_risk).toBe(sumOnce(json.rows, atRisk));
      expect(risk.count).toBe(json.rows.filter(atRisk).length);
      const resolved = await card("resolved_after_refresh");
      expect(resolved.count).toBe(m.resolved_after_refresh);
      expect(resolved.value).toBe(sumOnce(json.rows, (r) => r.verdict === "RESOLVED"));
      // Every JSON row carries its aging, as counted here independently.
      for (const r of json.rows)
        if (r.lead_date !== null) expect(r.days_overdue).toBe(daysOverdue(r.lead_date));
      // The run has money at risk, so the comparisons above are not 0 = 0.
      expect(Number(risk.value)).toBeGreaterThan(0);
      expect(m.still_missing).toBeGreaterThan(0);
    } finally {
      await close();
    }
  });

  it("says a 21-day window does not cover 15+ days overdue instead of showing S/ 0.00", async () => {
    const { page: p, close } = await open(browser, page.en);
    try {
      expect(json.parameters.daysBack).toBe(21);
      expect(json.metrics.aging_reach_days).toBe(7);
      const now = p.locator('[data-metric="amount_at_risk_15_plus"]');
      expect(await now.getAttribute("data-covered")).toBe("false");
      expect(await now.getAttribute("data-reach")).toBe("7");
      expect(await now.getAttribute("data-value")).toBeNull();
      expect(await now.locator(".value").textContent()).toBe("not covered");
      expect(await now.locator(".sub").textContent()).toBe(
        "this window reaches 7 days overdue at most; run with --days-back 29 or more",
      );
      expect(await now.textContent()).not.toContain("S/");
    } finally {
      await close();
    }
  });

  it("shows the 15+ amount, as the contract counts it, when the window reaches it (35 days back, two weeks on)", async () => {
    const { page: p, close } = await open(browser, page.wide);
    try {
      const m = jsonWide.metrics;
      expect(m.aging_reach_days).toBe(21);
      const now = p.locator('[data-metric="amount_at_risk_15_plus"]');
      expect(await now.getAttribute("data-covered")).toBe("true");
      expect(await now.getAttribute("data-value")).toBe(m.amount_at_risk_15_plus);
      const collect = (r: JsonReport["rows"][number]) =>
        atRisk(r) && r.lead_date !== null && daysOverdue(r.lead_date, WIDE_AS_OF) >= 15;
      expect(m.amount_at_risk_15_plus).toBe(sumOnce(jsonWide.rows, collect));
      expect(Number(await now.getAttribute("data-count"))).toBe(jsonWide.rows.filter(collect).length);
      // Some of the money is 15+ days overdue, so the comparison is not 0 = 0.
      expect(Number(m.amount_at_risk_15_plus)).toBeGreaterThan(0);
      expect(await now.locator(".value").textContent()).toMatch(/^S\/\s[\d,]+\.\d{2}$/);
    } finally {
      await close();
    }
  });

  it("says the run's warnings in Spanish with --lang es, on the page and on stderr; the JSON keeps English", async () => {
    const { page: p, close } = await open(browser, page.warned);
    try {
      const items = p.locator("#warnings li");
      expect(await items.count()).toBeGreaterThan(0);
      const codes = await items.evaluateAll((els) => els.map((e) => e.getAttribute("data-code")));
      expect(codes).toContain("no_gap_status");
      const text = await p.textContent('#warnings li[data-code="no_gap_status"]');
      expect(text).toMatch(
        /^ninguna fila de la ventana tiene un estado de brecha \(NINGUNO\), pero hay \d+ filas/,
      );
      expect(await p.textContent("#warnings h2")).toMatch(/advertencia/);
      // The CLI: the same warning, in Spanish, on stderr with the usual prefix; the summary counts it.
      expect(warnedStderr).toContain(
        "reconcile-cabinet-claims-14d: warning: ninguna fila de la ventana tiene un estado de brecha (NINGUNO)",
      );
      expect(warnedStderr).not.toContain("no row in the window has a gap status");
      expect(warnedStdout).toMatch(/ADVERTENCIAS: \d+ \(stderr\)/);
      // The JSON report keeps its English texts, and carries the same warnings as values beside them.
      const report = JSON.parse(await readFile(join(dir, "report.warned.json"), "utf8")) as JsonReport;
      const at = report.warning_details.findIndex((w) => w.code === "no_gap_status");
      expect(report.warnings[at]).toMatch(/^no row in the window has a gap status \(NINGUNO\)/);
      expect(report.warning_details).toHaveLength(report.warnings.length);
    } finally {
      await close();
    }
  });

  it("lists every analysed row, sorts by a column both ways, and filters", async () => {
    const { page: p, close } = await open(browser, page.en);
    try {
      // Assess: one table row per analysed row, in the report's order
      expect(await p.locator("#rows tbody tr").count()).toBe(json.metrics.processed);
      expect(numbers(await columnTexts(p, "#"))).toEqual(json.rows.map((r) => r.ord));

      // Act: sort by amount, ascending then descending
      await p.locator("#rows-head th", { hasText: "Amount" }).click();
      const up = numbers(await columnTexts(p, "Amount"));
      expect(up).toEqual([...up].sort((a, b) => a - b));
      await p.locator("#rows-head th", { hasText: "Amount" }).click();
      const down = numbers(await columnTexts(p, "Amount"));
      expect(down).toEqual([...up].sort((a, b) => b - a));
      expect(new Set(up).size).toBeGreaterThan(1);
      // Dates sort as text (ISO)
      await p.locator("#rows-head th", { hasText: "Lead date" }).click();
      const dates = await columnTexts(p, "Lead date");
      expect(dates).toEqual([...dates].sort());

      // Act: filter by verdict, then narrow by text
      await p.selectOption('#row-controls select[data-col="5"]', "STILL_MISSING");
      const verdicts = await columnTexts(p, "Verdict");
      expect(verdicts).toHaveLength(json.metrics.still_missing);
      expect(new Set(verdicts)).toEqual(new Set(["STILL_MISSING"]));
      expect(await p.textContent("#row-count")).toBe(String(json.metrics.still_missing));
      const driver = json.rows.find((r) => r.verdict === "STILL_MISSING")?.driver_id as string;
      await p.fill("#row-filter", driver);
      const drivers = await columnTexts(p, "Driver");
      expect(drivers.length).toBe(
        json.rows.filter((r) => r.verdict === "STILL_MISSING" && r.driver_id === driver).length,
      );
      expect(new Set(drivers)).toEqual(new Set([driver]));
      await p.fill("#row-filter", "");
      await p.selectOption('#row-controls select[data-col="5"]', "");
      expect(await columnTexts(p, "Verdict")).toHaveLength(json.metrics.processed);
    } finally {
      await close();
    }
  });

  it("loads nothing from anywhere and breaks no rule of its own security policy", async () => {
    const { page: p, url, requests, errors, close } = await open(browser, page.en);
    try {
      await p.locator("#rows-head th", { hasText: "Amount" }).click();
      expect(requests).toEqual([url]);
      expect(errors).toEqual([]);
      const external = await p.$$eval("script[src], link[href], img[src], iframe, object, embed", (els) =>
        els.map((e) => e.outerHTML),
      );
      expect(external).toEqual([]);
    } finally {
      await close();
    }
  });

  it("is complete with scripting off: every row, the charts' figures, the warnings", async () => {
    const { page: p, close } = await open(browser, page.en, false);
    try {
      expect(await p.locator("#rows tbody tr").count()).toBe(json.metrics.processed);
      expect(await p.isVisible("#row-controls")).toBe(false);
      const chart = await p.textContent("#chart-bucket");
      for (const bucket of ["0_not_due", "1_7", "8_14", "15_30", "31_60", "60_plus"])
        expect(chart).toContain(bucket);
      const groups = await p.$$eval("section.group", (els) => els.map((e) => e.getAttribute("data-group")));
      expect(groups.length).toBeGreaterThan(0);
      for (const group of groups) expect(await p.textContent("#chart-diagnosis")).toContain(group);
      if (json.warnings.length > 0)
        expect(await p.locator("#warnings li").count()).toBe(json.warnings.length);
    } finally {
      await close();
    }
  });

  it("speaks Spanish with --lang es: words translated, codes and ISO dates as they are, soles as S/", async () => {
    const { page: p, close } = await open(browser, page.es);
    try {
      expect(await p.getAttribute("html", "lang")).toBe("es");
      expect(await p.textContent("#headline")).toContain("Dinero en riesgo");
      expect(await p.textContent("#all-rows h2")).toBe("Todas las filas analizadas");
      const shown = await p.$eval(
        '[data-metric="amount_still_missing"] .value',
        (el) => el.textContent ?? "",
      );
      expect(shown).toMatch(/^S\/\s[\d,]+\.\d{2}$/);
      expect(await p.getAttribute('[data-metric="amount_still_missing"]', "data-value")).toBe(
        jsonEs.metrics.amount_still_missing,
      );
      expect(numbers([shown])[0]).toBe(Number(jsonEs.metrics.amount_still_missing));
      expect(await p.locator("#rows tbody tr").count()).toBe(jsonEs.metrics.processed);
      expect(await p.textContent(".banner")).toContain("Simulación");
      const verdicts = new Set(await columnTexts(p, "Veredicto"));
      expect([...verdicts].every((v) => /^[A-Z_]+$/.test(v))).toBe(true);
      for (const d of await columnTexts(p, "Fecha del lead")) expect(d).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    } finally {
      await close();
    }
  });
});

describe.skipIf(!CHROMIUM)("hostile text in the HTML report", () => {
  const HOSTILE = `<script>window.__pwned=1</script>"'&amp;<img src=x onerror="window.__pwned=2">`;
  let db: TestDatabase;
  let dir: string;
  let browser: Browser;

  beforeAll(async () => {
    // Prepare: one lead whose driver id is an attack, with a stale claim the run will look at
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "html-hostile-"));
    const client = await db.pool.connect();
    try {
      await loadDataset(
        client,
        singleLeadDataset({
          asOf: AS_OF,
          leadOffset: -20,
          driverId: HOSTILE,
          trips: [[1, 3]],
          lateTrips: [[2, 3]],
        }),
        { vacuum: false },
      );
    } finally {
      client.release();
    }
    await new ReconcileCabinetClaims14d(db.pool, { timeZone: "America/Lima" }).runReconcile(
      { asOf: AS_OF, dryRun: true },
      { sinks: [fileSink(join(dir, "report.html"), "html", { lang: "en" })], collectRows: false },
    );
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("shows a driver id holding <script>, quotes and & as text, and runs none of it", async () => {
    const { page: p, url, requests, close } = await open(browser, join(dir, "report.html"));
    try {
      const drivers = await columnTexts(p, "Driver");
      expect(drivers.length).toBeGreaterThan(0);
      expect(new Set(drivers)).toEqual(new Set([HOSTILE]));
      expect(await p.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await p.locator("#rows img").count()).toBe(0);
      expect(requests).toEqual([url]);
    } finally {
      await close();
    }
  });
});

// Without Chromium the suites above skip; this says why, in the test output, and only then.
if (!CHROMIUM) {
  describe(NO_CHROMIUM, () => {
    it.skip("the browser tests need Chromium", () => undefined);
  });
}
