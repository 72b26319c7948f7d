/**
 * The benchmark's command line and where its results go. By default every table is written, as it is
 * measured, to `bench/out/RESULTS.md` (untracked: `out/` is ignored); the committed `bench/RESULTS.md` is
 * replaced only with `--write-results`, and only by a run that finished, formatted by Biome so that
 * `npm run lint` passes on it.
 */
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const RESULTS_MD = join(BENCH_DIR, "RESULTS.md");
export const DEFAULT_OUT = join(BENCH_DIR, "out", "RESULTS.md");

export const HELP = `Usage: npm run bench -- [options]

Measures the reconcile job on an embedded PostgreSQL with generated data (several minutes at the
default scales). Tables are printed as they are measured and written to bench/out/RESULTS.md
(untracked); bench/RESULTS.md changes only with --write-results, at the end of a complete run.

Options:
  --scales 1,10            data scales to measure (default 1,10)
  --runs 9                 measured runs per case (default 9)
  --warmup 4               warm-up runs per case (default 4, at least 1)
  --per-row-scale S        scale of the per-row comparison (default: the smallest scale)
  --per-row-plant 4000     extra gap leads planted for the per-row comparison (0: none)
  --per-row-rtt 0.5,1      simulated round trips (ms) for the per-row table ("": none)
  --memory-leads 340000    leads of the memory measurement
  --skip a,b               skip sections: per-row, memory, cold-start, explain
  --out PATH               where the tables are written as they come (default bench/out/RESULTS.md)
  --write-results          at the end, replace bench/RESULTS.md with the results (formatted for lint)
  -h, --help               this help; measures nothing
`;

export interface BenchOptions {
  help: boolean;
  scales: number[];
  runs: number;
  warmup: number;
  perRowScale: number;
  perRowPlant: number;
  perRowRtt: number[];
  memoryLeads: number;
  skip: Set<string>;
  out: string;
  writeResults: boolean;
}

const list = (text: string) => text.split(",").filter(Boolean).map(Number);

/** Parses the benchmark's flags; an unknown flag or a value that is not a number throws. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      help: { type: "boolean", short: "h", default: false },
      scales: { type: "string", default: "1,10" },
      runs: { type: "string", default: "9" },
      warmup: { type: "string", default: "4" },
      "per-row-scale": { type: "string" },
      "per-row-plant": { type: "string", default: "4000" },
      "per-row-rtt": { type: "string", default: "0.5,1" },
      "memory-leads": { type: "string", default: "340000" },
      skip: { type: "string", default: "" },
      out: { type: "string" },
      "write-results": { type: "boolean", default: false },
    },
  });
  const scales = list(values.scales);
  const numbers: Array<[string, number]> = [
    ["--scales", Math.min(...scales)],
    ["--runs", Number(values.runs)],
    ["--warmup", Number(values.warmup)],
    ["--per-row-plant", Number(values["per-row-plant"])],
    ["--memory-leads", Number(values["memory-leads"])],
  ];
  for (const [flag, n] of numbers) {
    if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} must be a number >= 0`);
  }
  return {
    help: values.help,
    scales,
    runs: Number(values.runs),
    warmup: Math.max(1, Number(values.warmup)),
    perRowScale: Number(values["per-row-scale"] ?? Math.min(...scales)),
    perRowPlant: Number(values["per-row-plant"]),
    perRowRtt: list(values["per-row-rtt"]),
    memoryLeads: Number(values["memory-leads"]),
    skip: new Set(values.skip.split(",").filter(Boolean)),
    out: values.out ? resolve(values.out) : DEFAULT_OUT,
    writeResults: values["write-results"],
  };
}

/** Markdown as Biome formats it (tables aligned), so that the committed file passes `npm run lint`. */
export function formatMarkdown(text: string): string {
  const biome = join(BENCH_DIR, "..", "node_modules", ".bin", "biome");
  return execFileSync(biome, ["format", `--stdin-file-path=${RESULTS_MD}`], {
    input: text,
    encoding: "utf8",
  });
}

/** Writes the results so far to `path` (its folder created on first use). */
export async function writeResults(path: string, sections: readonly string[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${sections.join("\n\n")}\n`);
}

/** Replaces `bench/RESULTS.md` (or `target`) with the complete results, formatted. */
export async function publishResults(sections: readonly string[], target = RESULTS_MD): Promise<void> {
  await writeFile(target, formatMarkdown(`${sections.join("\n\n")}\n`));
}
