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

// --- The cold path as a user pays it: import, then the first invocation up to its first SQL statement.

/**
 * Runs in a fresh `node`: imports the bundle and invokes it once with the schedule's input. The first SQL
 * statement is seen where it leaves the process: the first socket write that starts with a PostgreSQL
 * `Query` ('Q') or `Parse` ('P') message (the startup message starts with a length, the password messages
 * with 'p'), so the bundle itself is not changed. Wall time and this process's CPU time are both taken:
 * on a busy machine the CPU time is the steadier measure of the same work.
 */
const COLD_PATH_CHILD = `
import net from "node:net";
const now = () => [performance.now(), process.cpuUsage()];
const [t0, c0] = now();
let imported;
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (chunk, ...rest) {
  if (Buffer.isBuffer(chunk) && (chunk[0] === 0x51 || chunk[0] === 0x50)) {
    net.Socket.prototype.write = write;
    const [t, c] = now();
    const cpu = (u) => (u.user + u.system - c0.user - c0.system) / 1000;
    process.stderr.write("\\nCOLD " + JSON.stringify({
      importMs: imported[0] - t0, importCpuMs: cpu(imported[1]), totalMs: t - t0, totalCpuMs: cpu(c),
    }) + "\\n", () => process.exit(0));
  }
  return write.call(this, chunk, ...rest);
};
const { handler } = await import(process.env.BUNDLE_URL);
imported = now();
const context = { functionName: "reconcile", awsRequestId: "cold-path", getRemainingTimeInMillis: () => 600000 };
await handler({ daysBack: 21, limit: 1000 }, context).catch(() => {});
`;

export interface ColdPathSample {
  /** `import()` of the entry file (the init phase). */
  importMs: number;
  importCpuMs: number;
  /** From the start of the import to the first SQL statement of the first invocation. */
  totalMs: number;
  totalCpuMs: number;
}

/**
 * One cold path of `entryFile` in a fresh `node`: the handler, configured as the stack configures it but
 * with `DATABASE_URL` (no Secrets Manager call) and no bucket, on a real server; the process ends as its
 * first statement is sent.
 */
export async function measureColdPath(entryFile: string, databaseUrl: string): Promise<ColdPathSample> {
  const { execFile } = await import("node:child_process");
  const { pathToFileURL } = await import("node:url");
  const stderr = await new Promise<string>((resolve, reject) => {
    // COLD_PATH_REALTIME=1 (as root) runs the child under SCHED_FIFO, so that on a machine busy with other
    // work its wall time is close to an idle core's, as in Lambda; the child lives under a second.
    const args = ["--input-type=module", "-e", COLD_PATH_CHILD];
    const realtime = process.env.COLD_PATH_REALTIME === "1";
    execFile(
      realtime ? "chrt" : process.execPath,
      realtime ? ["-f", "1", process.execPath, ...args] : args,
      {
        env: {
          PATH: process.env.PATH,
          BUNDLE_URL: pathToFileURL(entryFile).href,
          DATABASE_URL: databaseUrl,
          DB_SSL_MODE: "disable",
          AWS_REGION: "us-east-1",
          AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
          POWERTOOLS_SERVICE_NAME: "reconcile-cold-path",
          POWERTOOLS_METRICS_NAMESPACE: "Bench/ColdPath",
          NODE_OPTIONS: "--enable-source-maps",
        },
        timeout: 60_000,
      },
      (error, _stdout, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(err)),
    );
  });
  const line = stderr.split("\n").find((l) => l.startsWith("COLD "));
  if (!line) throw new Error(`the first invocation sent no SQL statement: ${stderr}`);
  return JSON.parse(line.slice("COLD ".length)) as ColdPathSample;
}

/** The bundles compared for issue 13: today's split one, and one file built the standard way. */
async function compareBundles(runs: number): Promise<void> {
  const { build } = await import("esbuild");
  const { startEmbeddedPostgres } = await import("../reference/embedded.js");
  const { handlerBuildOptions } = await import("../infra/bundling.js");
  const dir = await mkdtemp(join(tmpdir(), "bench-cold-path-"));
  const variants = [
    { name: "split, zod rewrite (deployed today)", splitting: true, rewrite: true },
    { name: "split, no rewrite", splitting: true, rewrite: false },
    { name: "one file, zod rewrite", splitting: false, rewrite: true },
    { name: "one file, no rewrite (NodejsFunction's way)", splitting: false, rewrite: false },
  ];
  const built = [];
  for (const [i, v] of variants.entries()) {
    const outdir = join(dir, String(i));
    const base = handlerBuildOptions(outdir);
    const result = await build({ ...base, splitting: v.splitting, plugins: v.rewrite ? base.plugins : [] });
    const bytes = Object.entries(result.metafile?.outputs ?? {})
      .filter(([f]) => f.endsWith(".mjs"))
      .reduce((sum, [, o]) => sum + o.bytes, 0);
    built.push({ ...v, entry: join(outdir, "index.mjs"), bytes, samples: [] as ColdPathSample[] });
  }
  const server = await startEmbeddedPostgres();
  try {
    for (const b of built) await measureColdPath(b.entry, server.url); // warm the file cache
    for (let r = 0; r < runs; r++) {
      for (const b of built) b.samples.push(await measureColdPath(b.entry, server.url));
    }
  } finally {
    await server.stop();
  }
  for (const b of built) {
    const m = (key: keyof ColdPathSample) => Math.round(median(b.samples.map((s) => s[key])));
    process.stdout.write(
      `${JSON.stringify({
        bundle: b.name,
        kib: Math.round(b.bytes / 1024),
        importMs: m("importMs"),
        importCpuMs: m("importCpuMs"),
        totalMs: m("totalMs"),
        totalCpuMs: m("totalCpuMs"),
        totalCpuSamples: b.samples.map((s) => Math.round(s.totalCpuMs)),
        totalSamples: b.samples.map((s) => Math.round(s.totalMs)),
      })}\n`,
    );
  }
}

/**
 * `npx tsx bench/cold-start.ts [runs]`: the import table alone, without a database.
 * `npx tsx bench/cold-start.ts compare [runs]`: the cold path of each bundle variant, on an embedded server.
 */
if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === "compare") {
    await compareBundles(Number(process.argv[3] ?? 9));
  } else {
    const cs = await measureColdStart(Number(process.argv[2] ?? 9));
    process.stdout.write(`${JSON.stringify(cs, null, 2)}\n`);
  }
}
