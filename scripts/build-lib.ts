/**
 * Builds the library the package exports (`import { ReconcileCabinetClaims14d } from
 * "reconcile-cabinet-claims-14d"`) into `dist/lib/`: `index.js`, one ESM bundle of `lambda/index.ts`, and
 * the type declarations (`index.d.ts` and the files it names, from `tsconfig.lib.json`). Everything but `pg`
 * is inside the bundle: `pg` is the user's own (a peer dependency), because the user creates the pool the
 * library runs on, and one copy of `pg` is what its types and its pool expect. Run by `prepare` (so
 * `npm ci` and `npm pack` build it) and by `npm run build:lib`.
 *
 *   npx tsx scripts/build-lib.ts
 */
import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { ESM_REQUIRE_BANNER, EXTERNAL_MODULES, outputBytes } from "../infra/bundling.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const LIB_OUTDIR = join(ROOT, "dist/lib");

/** Bundles the library and writes its declarations into a clean `dist/lib/`; returns the bundle's bytes. */
export async function buildLib(): Promise<number> {
  await rm(LIB_OUTDIR, { recursive: true, force: true });
  const [bytes] = await Promise.all([bundle(), declarations()]);
  return bytes;
}

async function bundle(): Promise<number> {
  const result = await build({
    entryPoints: { index: join(ROOT, "lambda/index.ts") },
    outdir: LIB_OUTDIR,
    bundle: true,
    format: "esm",
    platform: "node",
    // The oldest Node the package supports (`engines`).
    target: "node20",
    banner: { js: ESM_REQUIRE_BANNER },
    // `pg` and its subpaths (pg-cursor reads `pg/lib/result.js`) resolve to the user's copy.
    external: [...EXTERNAL_MODULES, "pg"],
    // Not minified: a library's stack traces and code are read in the user's project.
    keepNames: true,
    legalComments: "linked",
    metafile: true,
    logLevel: "warning",
  });
  return outputBytes(result);
}

async function declarations(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  await promisify(execFile)(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.lib.json")], { cwd: ROOT });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  buildLib()
    .then((bytes) => {
      process.stdout.write(
        `${join(LIB_OUTDIR, "index.js")} and declarations: ${(bytes / 1024).toFixed(0)} KiB\n`,
      );
    })
    .catch((error: unknown) => {
      const out = (error as { stdout?: string }).stdout ?? "";
      process.stderr.write(`build-lib: ${error instanceof Error ? error.message : String(error)}\n${out}`);
      process.exitCode = 1;
    });
}
