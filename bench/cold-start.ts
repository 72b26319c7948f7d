/**
 * Cold start: the deployed handler bundle against a minimal handler bundled the same way (same esbuild
 * settings, same middy + Powertools logger and metrics), each imported in fresh `node` processes,
 * interleaved so that machine noise hits both alike.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleHandler, measureImport } from "../scripts/bundle-handler.js";
import { median } from "./stats.js";

export interface ColdStart {
  handlerBytes: number;
  minimalBytes: number;
  handlerImportMs: number;
  minimalImportMs: number;
  runs: number;
}

export async function measureColdStart(runs = 9): Promise<ColdStart> {
  const dir = await mkdtemp(join(tmpdir(), "bench-bundle-"));
  const handler = await bundleHandler(join(dir, "handler/index.mjs"));
  const minimal = await bundleHandler(
    join(dir, "minimal/index.mjs"),
    fileURLToPath(new URL("./minimal-handler.ts", import.meta.url)),
  );
  measureImport(handler.outfile, 1); // warm the OS file cache for both
  measureImport(minimal.outfile, 1);
  const h: number[] = [];
  const m: number[] = [];
  for (let i = 0; i < runs; i++) {
    h.push(...measureImport(handler.outfile, 1));
    m.push(...measureImport(minimal.outfile, 1));
  }
  return {
    handlerBytes: handler.bytes,
    minimalBytes: minimal.bytes,
    handlerImportMs: median(h),
    minimalImportMs: median(m),
    runs,
  };
}
