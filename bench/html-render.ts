/**
 * `npm run bench:html -- [--rows 10000] [--runs 7] [--warmup 2] [--lang es]`: how fast the HTML report of a
 * large run opens in headless Chromium (the browser tests' Chromium and flags). Writes the page of `rows`
 * rows to a temporary directory (never a tracked file), opens it `warmup + runs` times, each in a fresh
 * browser context, and prints the median and range of the measured runs:
 *
 * - load: navigation start to the end of the `load` event (the whole page parsed, its script run);
 * - first contentful paint: when the headline first shows;
 * - laid out: the first animation frame after `load`, i.e. the page, the row table included, laid out
 *   and ready to scroll (off-screen chunks of rows are laid out as they near the screen);
 * - table on screen: from then, scrolling the row table into view and two frames to paint it.
 *
 * Prints the page's bytes and the machine's load average beside them: on a shared machine the figures
 * move with the load, so a comparison is fair only at a similar load.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { CHROMIUM, launchChromium, NO_CHROMIUM } from "../test/browser/chromium.js";
import { writeLargeReport } from "../test/support/large-report.js";
import { median, table } from "./stats.js";

const USAGE =
  "usage: npm run bench:html -- [--rows 10000] [--runs 7] [--warmup 2] [--lang es|en] [--keep] [--trace]\n" +
  "Writes the HTML report of a run of --rows rows to a temporary directory, opens it in headless Chromium\n" +
  "--warmup times unmeasured then --runs times, and prints the median and range of: navigation start to the\n" +
  "load event, to first contentful paint, to the first frame after load (laid out), and the time to scroll\n" +
  "the row table into view and paint it; with the page's size and the load average. --keep keeps the page\n" +
  "and prints its path. --trace opens it once more under Chromium's tracing and prints the renderer main\n" +
  "thread's CPU time per kind of work (parse, layout, style, paint): unlike the wall times above, these\n" +
  "barely move with the machine's load. Writes no tracked file.\n";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "10000" },
    runs: { type: "string", default: "7" },
    warmup: { type: "string", default: "2" },
    lang: { type: "string", default: "es" },
    keep: { type: "boolean", default: false },
    trace: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const rows = Number(args.rows);
const runs = Number(args.runs);
const warmup = Number(args.warmup);
const lang = args.lang === "en" ? "en" : "es";
if (![rows, runs, warmup].every((n) => Number.isInteger(n) && n >= 0) || runs < 1) {
  process.stderr.write(USAGE);
  process.exit(2);
}
if (!CHROMIUM) {
  process.stderr.write(`${NO_CHROMIUM}\n`);
  process.exit(2);
}

interface Figures {
  load: number;
  fcp: number;
  laidOut: number;
  tableShown: number;
}

/**
 * Runs in the page before its own script (Chromium's init scripts are not the page's, so its
 * Content-Security-Policy does not apply): notes the first frame after `load`.
 */
const RECORD_FIRST_FRAME = `
addEventListener("load", () => {
  requestAnimationFrame(() => { window.__laidOut = performance.now(); });
});
`;

/** Runs in the page after `load`: the timings so far, then scrolls the row table into view and paints it. */
const MEASURE = `(async () => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const started = performance.now();
  document.getElementById("rows").scrollIntoView();
  await frame();
  await frame();
  void document.body.offsetHeight;
  return {
    load: nav.loadEventEnd,
    fcp: paint ? paint.startTime : Number.NaN,
    laidOut: window.__laidOut,
    tableShown: performance.now() - started,
  };
})()`;

async function openOnce(browser: Awaited<ReturnType<typeof launchChromium>>, url: string): Promise<Figures> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  try {
    const page = await context.newPage();
    await page.addInitScript({ content: RECORD_FIRST_FRAME });
    await page.goto(url, { waitUntil: "load" });
    await page.waitForFunction("window.__laidOut !== undefined");
    // A string, not a function: tsx compiles this file with esbuild's keepNames, whose `__name` helper a
    // serialized function would call in the page, where it does not exist.
    return (await page.evaluate(MEASURE)) as Figures;
  } finally {
    await context.close();
  }
}

/** The trace events of the renderer's main thread that say what it spent its CPU on while loading. */
const TRACED: ReadonlyArray<[string, string]> = [
  ["TextResourceDecoder::Decode", "decode the bytes"],
  ["ParseHTML", "parse the HTML (build the DOM)"],
  ["UpdateLayoutTree", "style"],
  ["Layout", "layout"],
  ["Paint", "paint"],
  ["EvaluateScript", "run the page's script"],
];

interface TraceEvent {
  name: string;
  ph: string;
  tid: number;
  dur?: number;
  /** Thread (CPU) time, microseconds. */
  tdur?: number;
}

/**
 * Opens the page once under tracing and sums the CPU time of the renderer main thread (the thread that
 * parsed the page) per kind of work, up to the end of `load`. Nested events are not double-counted within
 * a kind; an inline script runs inside ParseHTML, so the two overlap by the script's time (a few ms).
 */
async function traceOnce(browser: Awaited<ReturnType<typeof launchChromium>>, url: string, at: string) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  try {
    const page = await context.newPage();
    const file = join(at, "trace.json");
    await browser.startTracing(page, { path: file, categories: ["devtools.timeline", "blink"] });
    await page.goto(url, { waitUntil: "load" });
    await browser.stopTracing();
    const parsed = JSON.parse(await readFile(file, "utf8")) as { traceEvents: TraceEvent[] } | TraceEvent[];
    const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
    const parseTime = new Map<number, number>();
    for (const e of events)
      if (e.name === "ParseHTML" && e.dur) parseTime.set(e.tid, (parseTime.get(e.tid) ?? 0) + e.dur);
    const main = [...parseTime].sort((a, b) => b[1] - a[1])[0]?.[0];
    const cpu = new Map<string, number>();
    for (const e of events)
      if (e.tid === main && e.ph === "X" && e.tdur !== undefined)
        cpu.set(e.name, (cpu.get(e.name) ?? 0) + e.tdur / 1000);
    return TRACED.map(([name, label]) => [label, `${Math.round(cpu.get(name) ?? 0)} ms`]);
  } finally {
    await context.close();
  }
}

const dir = await mkdtemp(join(tmpdir(), "bench-html-"));
const path = join(dir, "report.html");
const browser = await launchChromium();
try {
  const loadBefore = loadavg();
  await writeLargeReport(path, rows, lang);
  const bytes = (await stat(path)).size;
  const url = pathToFileURL(path).href;
  for (let i = 0; i < warmup; i++) await openOnce(browser, url);
  const measured: Figures[] = [];
  for (let i = 0; i < runs; i++) measured.push(await openOnce(browser, url));
  const loadAfter = loadavg();

  const fmt = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} ms` : "-");
  const line = (label: string, pick: (f: Figures) => number) => {
    const values = measured.map(pick);
    return [label, fmt(median(values)), `${fmt(Math.min(...values))} – ${fmt(Math.max(...values))}`];
  };
  const avg = (l: number[]) => l.map((v) => v.toFixed(2)).join(" ");
  process.stdout.write(
    `HTML report, ${rows.toLocaleString("en-US")} rows (${lang}): ${bytes} bytes (${(bytes / 1024 / 1024).toFixed(2)} MiB); ` +
      `${runs} runs after ${warmup} warm-up(s), each in a fresh context\n` +
      `load average (1, 5, 15 min): ${avg(loadBefore)} before, ${avg(loadAfter)} after\n\n` +
      `${table(
        ["from navigation start to", "median", "range"],
        [
          line("first contentful paint", (f) => f.fcp),
          line("load event end", (f) => f.load),
          line("first frame after load (laid out)", (f) => f.laidOut),
          line("+ row table scrolled into view, painted", (f) => f.tableShown),
        ],
      )}\n`,
  );
  if (args.trace)
    process.stdout.write(
      `\nrenderer main thread, CPU time while loading (one traced open):\n\n${table(["work", "CPU"], await traceOnce(browser, url, dir))}\n`,
    );
  if (args.keep) process.stdout.write(`page kept: ${path}\n`);
} finally {
  await browser.close();
  if (!args.keep) await rm(dir, { recursive: true, force: true });
}
