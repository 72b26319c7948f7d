/**
 * `npm run html:shot -- --json out/report.json --out page.png [--lang es] [--width 1366] [--height 900]
 * [--full] [--at all-rows] [--html page.html]`: the page of a finished JSON report (rows included, as the JSON
 * sink writes it) rendered in a language and photographed in headless Chromium, at a screen width, as an
 * operator sees it. How `docs/report-es.png` and `docs/report-deployment-es.png` are made (see
 * docs/report.md), and how to look at a page of another shape without a database.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { Report } from "../lambda/core/types.js";
import { parseLang } from "../lambda/i18n/lang.js";
import { htmlReport } from "../lambda/report/html-sink.js";
import { CHROMIUM, launchChromium, NO_CHROMIUM } from "../test/browser/chromium.js";

const USAGE =
  "usage: npm run html:shot -- --json REPORT.json --out PAGE.png [--lang es|en] [--width 1366] [--height 900]\n" +
  "       [--full] [--at SECTION_ID] [--html PAGE.html]\n" +
  "Renders the report's page in the language and photographs it: the first screen, the whole page (--full),\n" +
  "or the screen that starts at a section (--at all-rows). --html also keeps the page.\n";

const { values: args } = parseArgs({
  options: {
    json: { type: "string" },
    out: { type: "string" },
    lang: { type: "string", default: "es" },
    width: { type: "string", default: "1366" },
    height: { type: "string", default: "900" },
    full: { type: "boolean", default: false },
    at: { type: "string" },
    html: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
const lang = parseLang(args.lang);
const width = Number(args.width);
const height = Number(args.height);
if (args.help || !args.json || !args.out || !lang || !(width > 0) || !(height > 0)) {
  (args.help ? process.stdout : process.stderr).write(USAGE);
  process.exit(args.help ? 0 : 2);
}
if (!CHROMIUM) {
  process.stderr.write(`${NO_CHROMIUM}\n`);
  process.exit(2);
}

const report = JSON.parse(await readFile(args.json, "utf8")) as Report;
const page = htmlReport(report, { lang });
const dir = await mkdtemp(join(tmpdir(), "html-shot-"));
const browser = await launchChromium();
try {
  const path = args.html ? resolve(args.html) : join(dir, "page.html");
  await writeFile(path, page);
  const context = await browser.newContext({ viewport: { width, height } });
  const tab = await context.newPage();
  await tab.goto(pathToFileURL(path).href, { waitUntil: "load" });
  if (args.at) await tab.locator(`#${args.at}`).evaluate((el) => el.scrollIntoView());
  await tab.screenshot({ path: args.out, fullPage: args.full });
  process.stdout.write(`${args.out}: ${width}x${height}${args.full ? " full page" : ""}, ${lang}\n`);
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}
