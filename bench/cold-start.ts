/**
 * Cold start: the deployed handler bundle against a minimal handler bundled the same way (same esbuild
 * settings, same middy + Powertools logger and metrics), each imported in fresh `node` processes,
 * interleaved so that machine noise hits both alike.
 *
 * The handler's bundle is split: the init phase imports `index.mjs` only, and the first invocation loads
 * the chunks of the handler's three dynamic imports (configuration, event parsing, the run modules) with
 * their static dependencies. Both are measured: the first against the target, the second so that the
 * work moved out of the init phase stays in view. (Not included: the SDK's credential-provider chunk the
 * first S3 or Secrets Manager call loads.)
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleHandler, measureImport } from "../scripts/bundle-handler.js";
import { median } from "./stats.js";

export interface ColdStart {
  handlerEntryBytes: number;
  handlerBytes: number;
  minimalBytes: number;
  handlerImportMs: number;
  /** Entry, then the chunks the first invocation imports: init plus the first invocation's module loading. */
  handlerFirstInvocationMs: number;
  minimalImportMs: number;
  runs: number;
}

export async function measureColdStart(runs = 9): Promise<ColdStart> {
  const dir = await mkdtemp(join(tmpdir(), "bench-bundle-"));
  const handler = await bundleHandler(join(dir, "handler"));
  const minimal = await bundleHandler(
    join(dir, "minimal"),
    fileURLToPath(new URL("./minimal-handler.ts", import.meta.url)),
  );
  // The handler's `import("./config.js")`, `import("./input.js")` and `import("./run-modules.js")`.
  const firstUse = handler.chunks.filter((c) => /[\\/](config|input|run-modules)-[A-Z0-9]+\.mjs$/.test(c));
  if (firstUse.length !== 3) throw new Error(`expected 3 first-invocation chunks, found ${firstUse.length}`);
  const everything = [handler.outfile, ...firstUse];
  measureImport(everything, 1); // warm the OS file cache for both
  measureImport(minimal.outfile, 1);
  const h: number[] = [];
  const all: number[] = [];
  const m: number[] = [];
  for (let i = 0; i < runs; i++) {
    h.push(...measureImport(handler.outfile, 1));
    m.push(...measureImport(minimal.outfile, 1));
    all.push(...measureImport(everything, 1));
  }
  return {
    handlerEntryBytes: handler.entryBytes,
    handlerBytes: handler.bytes,
    minimalBytes: minimal.bytes,
    handlerImportMs: median(h),
    handlerFirstInvocationMs: median(all),
    minimalImportMs: median(m),
    runs,
  };
}

/** `npx tsx bench/cold-start.ts [runs]`: the cold-start table alone, without a database. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const cs = await measureColdStart(Number(process.argv[2] ?? 9));
  process.stdout.write(`${JSON.stringify(cs, null, 2)}\n`);
}
