/**
 * Bundles the Lambda handler exactly as the CDK stack does (`handlerBuildOptions` in `infra/bundling.ts`:
 * ESM split into `index.mjs` and `chunks/`, minified, source maps, class names kept), so the artefact that
 * is deployed can be loaded and invoked locally:
 *
 *   npx tsx scripts/bundle-handler.ts                       # writes dist/handler/, prints the sizes
 *   npx tsx scripts/bundle-handler.ts --outdir DIR          # somewhere else (the stack's asset bundling)
 *   npx tsx scripts/bundle-handler.ts --measure 7           # also: import time in fresh node processes
 *
 * The test `test/db/handler-bundle.test.ts` builds it with `bundleHandler()` and invokes it end to end.
 */
import { execFileSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { median } from "../bench/stats.js";
import { HANDLER_ENTRY, handlerBuildOptions } from "../infra/bundling.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_OUTDIR = join(ROOT, "dist/handler");

export interface BundleResult {
  outdir: string;
  /** `index.mjs`: the file Lambda imports at cold start. */
  outfile: string;
  /** Bytes of `index.mjs` alone. */
  entryBytes: number;
  /** Bytes of every `.mjs` file (entry and chunks; source maps excluded). */
  bytes: number;
  /** The chunk files (absolute paths), loaded on first use. */
  chunks: string[];
  /** Every source file with code in the bundle (paths as esbuild reports them; tree-shaken ones left out). */
  inputs: string[];
  /** The source files in `index.mjs` alone: what the cold start evaluates. */
  entryInputs: string[];
}

/** The inputs of one output file that contribute code to it (esbuild also lists those it tree-shook away). */
function bundled(inputs: Record<string, { bytesInOutput: number }>): string[] {
  return Object.entries(inputs)
    .filter(([, i]) => i.bytesInOutput > 0)
    .map(([path]) => path);
}

/** Bundles `entry` (default: the handler) into a clean `outdir` with the deployed settings. */
export async function bundleHandler(
  outdir: string = DEFAULT_OUTDIR,
  entry: string = HANDLER_ENTRY,
): Promise<BundleResult> {
  await rm(outdir, { recursive: true, force: true });
  const result = await build(handlerBuildOptions(outdir, entry));
  const outputs = Object.entries(result.metafile?.outputs ?? {}).filter(([file]) => file.endsWith(".mjs"));
  const abs = (file: string) => resolve(process.cwd(), file);
  const outfile = join(outdir, "index.mjs");
  const entryOutput = outputs.find(([file]) => abs(file) === outfile);
  if (!entryOutput) throw new Error(`esbuild wrote no ${outfile}`);
  return {
    outdir,
    outfile,
    entryBytes: entryOutput[1].bytes,
    bytes: outputs.reduce((sum, [, o]) => sum + o.bytes, 0),
    chunks: outputs.map(([file]) => abs(file)).filter((file) => file !== outfile),
    inputs: [...new Set(outputs.flatMap(([, o]) => bundled(o.inputs)))],
    entryInputs: bundled(entryOutput[1].inputs),
  };
}

/**
 * Milliseconds to `import()` `files` in order in a fresh `node`, once per process; returns every sample.
 * One file is the cold start's init; the entry followed by every chunk bounds what a first invocation
 * adds (it loads only the chunks it needs).
 */
export function measureImport(files: string | readonly string[], runs: number): number[] {
  const urls = (typeof files === "string" ? [files] : files).map((f) => pathToFileURL(f).href);
  const script = `const t = performance.now(); for (const u of ${JSON.stringify(urls)}) await import(u); process.stdout.write(String(performance.now() - t));`;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { PATH: process.env.PATH, AWS_REGION: "us-east-1" },
      encoding: "utf8",
    });
    samples.push(Number(out));
  }
  return samples;
}

const HELP = `Usage: npm run bundle -- [--outdir DIR] [--measure N]

Bundles the Lambda handler as the CDK stack does into DIR (default dist/handler/) and prints the sizes;
with --measure N, also the import time of the bundle in N fresh node processes (median).
`;

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      outdir: { type: "string" },
      measure: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const runs = values.measure === undefined ? 0 : Number(values.measure);
  const b = await bundleHandler(values.outdir ? resolve(values.outdir) : DEFAULT_OUTDIR);
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  process.stdout.write(
    `${b.outfile}: ${kib(b.entryBytes)}; with its ${b.chunks.length} chunks ${kib(b.bytes)}\n`,
  );
  if (runs > 0) {
    const init = measureImport(b.outfile, runs);
    const all = measureImport([b.outfile, ...b.chunks], runs);
    const fmt = (s: number[]) =>
      `median ${median(s).toFixed(0)} ms (${s.map((x) => x.toFixed(0)).join(", ")})`;
    process.stdout.write(`import index.mjs in a fresh node: ${fmt(init)}\n`);
    process.stdout.write(`import index.mjs and every chunk: ${fmt(all)}\n`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`bundle-handler: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
