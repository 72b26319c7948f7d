/**
 * Bundles the CLI (`lambda/cli/bin.ts`) into plain JavaScript under `dist/cli/`: `cli.js` holds the command
 * definitions (enough for `--help` and usage errors), and the run and `reference load` are chunks loaded
 * when chosen. Every dependency is inside, so the packed package runs with nothing installed beside it.
 * Run by `prepare` (so `npm ci` and `npm pack` build it) and by `npm run build:cli`.
 *
 *   npx tsx scripts/build-cli.ts [--outdir DIR]
 */
import { rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { ESM_REQUIRE_BANNER, EXTERNAL_MODULES, outputBytes } from "../infra/bundling.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const CLI_OUTDIR = join(ROOT, "dist/cli");

const HELP = `Usage: npx tsx scripts/build-cli.ts [--outdir DIR]

Bundles the CLI into DIR (default dist/cli/): cli.js and its chunks, every dependency included.
`;

/** Builds the CLI bundle into a clean `outdir`; returns the bytes written (JavaScript files). */
export async function buildCli(outdir: string = CLI_OUTDIR): Promise<number> {
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { cli: join(ROOT, "lambda/cli/bin.ts") },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    // The oldest Node the package supports (`engines`).
    target: "node20",
    outExtension: { ".js": ".js" },
    chunkNames: "chunks/[name]-[hash]",
    banner: { js: ESM_REQUIRE_BANNER },
    external: EXTERNAL_MODULES,
    // Smaller files parse faster; names are kept so that `--verbose` stack traces stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: "linked",
    metafile: true,
    logLevel: "warning",
  });
  return outputBytes(result);
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { outdir: { type: "string" }, help: { type: "boolean" } },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const outdir = values.outdir ? resolve(values.outdir) : CLI_OUTDIR;
  const bytes = await buildCli(outdir);
  process.stdout.write(`${join(outdir, "cli.js")} and chunks: ${(bytes / 1024).toFixed(0)} KiB\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`build-cli: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
