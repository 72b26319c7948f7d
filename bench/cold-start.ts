/**
 * Cold start, measured two ways, each in fresh `node` processes with runs interleaved so that machine noise
 * hits every variant alike:
 *
 * - the import of the bundle (the init phase) against a minimal handler bundled the same way (middy, the
 *   Powertools logger and metrics, nothing else);
 * - the cold path a scheduled run pays: that import, then the first invocation up to its first SQL
 *   statement (configuration, event parsing, the modules a run loads, the pool connecting), on a real
 *   PostgreSQL. A cost moved from the import to the first invocation shows up here, not in the first.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmbeddedPostgres } from "../reference/embedded.js";
import { bundleHandler, measureImport } from "../scripts/bundle-handler.js";
import { median } from "./stats.js";

export interface ColdStart {
  handlerBytes: number;
  minimalBytes: number;
  handlerImportMs: number;
  minimalImportMs: number;
  /** Import, then the first invocation up to its first SQL statement (`measureColdPath`). */
  handlerColdPathMs: number;
  runs: number;
}

export async function measureColdStart(runs = 9): Promise<ColdStart> {
  const dir = await mkdtemp(join(tmpdir(), "bench-bundle-"));
  const handler = await bundleHandler(join(dir, "handler"));
  const minimal = await bundleHandler(
    join(dir, "minimal"),
    fileURLToPath(new URL("./minimal-handler.ts", import.meta.url)),
  );
  const server = await startEmbeddedPostgres();
  try {
    measureImport(handler.outfile, 1); // warm the OS file cache for both
    measureImport(minimal.outfile, 1);
    const h: number[] = [];
    const m: number[] = [];
    const path: number[] = [];
    for (let i = 0; i < runs; i++) {
      h.push(...measureImport(handler.outfile, 1));
      m.push(...measureImport(minimal.outfile, 1));
      path.push((await measureColdPath(handler.outfile, server.url)).totalMs);
    }
    return {
      handlerBytes: handler.bytes,
      minimalBytes: minimal.bytes,
      handlerImportMs: median(h),
      minimalImportMs: median(m),
      handlerColdPathMs: median(path),
      runs,
    };
  } finally {
    await server.stop();
  }
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

/**
 * The choice behind `infra/bundling.ts` (bench/RESULTS.md, "Cold path"): the deployed bundle against the
 * same code split into an entry and chunks loaded on first use, each with and without the zod rewrite.
 */
async function compareBundles(runs: number): Promise<void> {
  const { build } = await import("esbuild");
  const { handlerBuildOptions, outputBytes } = await import("../infra/bundling.js");
  const dir = await mkdtemp(join(tmpdir(), "bench-cold-path-"));
  const variants = [
    { name: "one file, zod rewrite (deployed)", splitting: false, rewrite: true },
    { name: "one file, no rewrite (NodejsFunction's way)", splitting: false, rewrite: false },
    { name: "split, zod rewrite", splitting: true, rewrite: true },
    { name: "split, no rewrite", splitting: true, rewrite: false },
  ];
  const built = [];
  for (const [i, v] of variants.entries()) {
    const outdir = join(dir, String(i));
    const base = handlerBuildOptions(outdir);
    const result = await build({
      ...base,
      ...(v.splitting ? { splitting: true, chunkNames: "chunks/[name]-[hash]" } : {}),
      plugins: v.rewrite ? base.plugins : [],
    });
    const bytes = outputBytes(result, ".mjs");
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
 * `npx tsx bench/cold-start.ts [runs]`: the cold-start table of `npm run bench` alone.
 * `npx tsx bench/cold-start.ts compare [runs]`: the cold path of each bundle variant (add
 * `COLD_PATH_REALTIME=1` as root on a busy machine).
 */
if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === "compare") {
    await compareBundles(Number(process.argv[3] ?? 9));
  } else {
    const cs = await measureColdStart(Number(process.argv[2] ?? 9));
    process.stdout.write(`${JSON.stringify(cs, null, 2)}\n`);
  }
}
