/**
 * Bundles the Lambda handler the way the CDK stack's NodejsFunction does (ESM, platform node, minified,
 * with a source map, class names kept for Step Functions error matching, `pg-native` external, the
 * `require` shim banner), so the artefact that is deployed can be loaded and invoked locally:
 *
 *   npx tsx scripts/bundle-handler.ts                 # writes dist/handler/index.mjs, prints its size
 *   npx tsx scripts/bundle-handler.ts --measure 7     # also: import time in fresh node processes (median)
 *
 * The test `test/db/handler-bundle.test.ts` builds it with `bundleHandler()` and invokes it end to end.
 */
import { execFileSync } from "node:child_process";
import { stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { BUNDLE_TARGET, ESM_REQUIRE_BANNER, EXTERNAL_MODULES, HANDLER_ENTRY } from "../infra/bundling.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const DEFAULT_OUTFILE = join(ROOT, "dist/handler/index.mjs");

export interface BundleResult {
  outfile: string;
  bytes: number;
}

/** Bundles `entry` (default: the handler) with the deployed settings; the benchmark bundles a minimal one too. */
export async function bundleHandler(
  outfile: string = DEFAULT_OUTFILE,
  entry: string = HANDLER_ENTRY,
): Promise<BundleResult> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: BUNDLE_TARGET,
    mainFields: ["module", "main"],
    minify: true,
    keepNames: true,
    sourcemap: true,
    sourcesContent: false,
    banner: { js: ESM_REQUIRE_BANNER },
    external: EXTERNAL_MODULES,
    logLevel: "warning",
  });
  return { outfile, bytes: (await stat(outfile)).size };
}

/** Milliseconds to `import()` the bundle in a fresh `node`, once per process; returns every sample. */
export function measureImport(outfile: string, runs: number): number[] {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(outfile).href)}); process.stdout.write(String(performance.now() - t));`;
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

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(argv: string[]): Promise<void> {
  const at = argv.indexOf("--measure");
  const runs = at >= 0 ? Number(argv[at + 1] ?? 7) : 0;
  const { outfile, bytes } = await bundleHandler();
  process.stdout.write(`${outfile}: ${(bytes / 1024).toFixed(0)} KiB (${bytes} bytes)\n`);
  if (runs > 0) {
    const samples = measureImport(outfile, runs);
    process.stdout.write(
      `import in a fresh node: median ${median(samples).toFixed(0)} ms over ${runs} runs (${samples.map((s) => s.toFixed(0)).join(", ")})\n`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`bundle-handler: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
