/**
 * Bundles the Lambda handler exactly as the CDK stack does (`handlerBuildOptions` in `infra/bundling.ts`:
 * one ESM file `index.mjs`, minified, source maps, class names kept), so the artefact that is deployed can
 * be loaded and invoked locally:
 *
 *   npx tsx scripts/bundle-handler.ts                       # writes dist/handler/, prints the sizes
 *   npx tsx scripts/bundle-handler.ts --outdir DIR          # somewhere else (the stack's asset bundling)
 *   npx tsx scripts/bundle-handler.ts --measure 7           # also: import time in fresh node processes
 *
 * The test `test/db/handler-bundle.test.ts` builds it with `bundleHandler()` and invokes it end to end.
 */
import { execFileSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { median } from "../bench/stats.js";
import { HANDLER_ENTRY, handlerBuildOptions } from "../infra/bundling.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_OUTDIR = join(ROOT, "dist/handler");

export interface BundleResult {
  outdir: string;
  /** `index.mjs`: the file Lambda imports. */
  outfile: string;
  /** Bytes of `index.mjs` (its source map excluded). */
  bytes: number;
  /** Every file esbuild wrote, relative to `outdir`. */
  files: string[];
  /** Every source file with code in the bundle (paths as esbuild reports them; tree-shaken ones left out). */
  inputs: string[];
}

/** Bundles `entry` (default: the handler) into a clean `outdir` with the deployed settings. */
export async function bundleHandler(
  outdir: string = DEFAULT_OUTDIR,
  entry: string = HANDLER_ENTRY,
): Promise<BundleResult> {
  await rm(outdir, { recursive: true, force: true });
  const result = await build(handlerBuildOptions(outdir, entry));
  const outputs = Object.entries(result.metafile?.outputs ?? {});
  const outfile = join(outdir, "index.mjs");
  const entryOutput = outputs.find(([file]) => resolve(process.cwd(), file) === outfile)?.[1];
  if (!entryOutput) throw new Error(`esbuild wrote no ${outfile}`);
  return {
    outdir,
    outfile,
    bytes: entryOutput.bytes,
    files: outputs.map(([file]) => relative(outdir, resolve(process.cwd(), file))).sort(),
    // esbuild also lists the inputs it tree-shook away, with no bytes in the output.
    inputs: Object.entries(entryOutput.inputs)
      .filter(([, i]) => i.bytesInOutput > 0)
      .map(([path]) => path),
  };
}

/**
 * Milliseconds to `import()` `file` in a fresh `node` (the init phase), once per process; returns every
 * sample. The whole cold path (import and first invocation) is `measureColdPath` in `bench/cold-start.ts`.
 */
export function measureImport(file: string, runs: number): number[] {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
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
  process.stdout.write(`${b.outfile}: ${kib(b.bytes)}\n`);
  if (runs > 0) {
    const init = measureImport(b.outfile, runs);
    process.stdout.write(
      `import index.mjs in a fresh node: median ${median(init).toFixed(0)} ms (${init.map((x) => x.toFixed(0)).join(", ")})\n`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`bundle-handler: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
