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
 * A loopback proxy in front of PostgreSQL that notes when the first SQL statement of its first client
 * arrives (the first simple `Query` or extended `Parse` message after the startup and authentication
 * messages), so that a bundle can be timed without changing it. Bytes pass through untouched.
 */
async function firstStatementProxy(target: { port: number }): Promise<{
  port: number;
  /** Epoch milliseconds (high resolution) at which the first statement arrived. */
  firstStatement: Promise<number>;
  close(): void;
}> {
  const { createConnection, createServer } = await import("node:net");
  let resolveFirst: (at: number) => void = () => {};
  const firstStatement = new Promise<number>((resolve) => {
    resolveFirst = resolve;
  });
  const sockets = new Set<import("node:net").Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: "127.0.0.1", port: target.port });
    sockets.add(client).add(upstream);
    upstream.pipe(client);
    let pending = Buffer.alloc(0);
    let startup = true;
    client.on("data", (data: Buffer) => {
      upstream.write(data);
      pending = Buffer.concat([pending, data]);
      for (;;) {
        // The startup message has no type byte; every later one is a type byte then an int32 length.
        const header = startup ? 0 : 1;
        if (pending.length < header + 4) break;
        const length = pending.readInt32BE(header);
        if (pending.length < header + length) break;
        const type = startup ? "" : String.fromCharCode(pending[0] as number);
        pending = pending.subarray(header + length);
        startup = false;
        if (type === "Q" || type === "P") resolveFirst(performance.timeOrigin + performance.now());
      }
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    firstStatement,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** Imports the bundle, prints when the import started and ended, then invokes it once. */
const COLD_PATH_CHILD = `
const started = performance.timeOrigin + performance.now();
const { handler } = await import(process.env.BUNDLE_URL);
const imported = performance.timeOrigin + performance.now();
process.stdout.write("\\nCOLD " + JSON.stringify({ started, imported }) + "\\n");
const context = { functionName: "reconcile", awsRequestId: "cold-path", getRemainingTimeInMillis: () => 600000 };
await handler({ daysBack: 21, limit: 1000 }, context).catch(() => {});
`;

export interface ColdPathSample {
  /** `import()` of the entry file. */
  importMs: number;
  /** From the start of the import to the first SQL statement the first invocation sends. */
  toFirstStatementMs: number;
}

/**
 * One cold path of `entryFile` in a fresh `node`: the handler, configured as the stack configures it but
 * for `DATABASE_URL` (no Secrets Manager call) and no bucket, is invoked once with the schedule's input;
 * the process is killed once its first statement has reached the server.
 */
export async function measureColdPath(
  entryFile: string,
  server: { port: number; url: string },
): Promise<ColdPathSample> {
  const { spawn } = await import("node:child_process");
  const { pathToFileURL } = await import("node:url");
  const proxy = await firstStatementProxy(server);
  const url = new URL(server.url);
  url.port = String(proxy.port);
  const child = spawn(process.execPath, ["--input-type=module", "-e", COLD_PATH_CHILD], {
    env: {
      PATH: process.env.PATH,
      BUNDLE_URL: pathToFileURL(entryFile).href,
      DATABASE_URL: url.href,
      DB_SSL_MODE: "disable",
      AWS_REGION: "us-east-1",
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      POWERTOOLS_SERVICE_NAME: "reconcile-cold-path",
      POWERTOOLS_METRICS_NAMESPACE: "Bench/ColdPath",
      NODE_OPTIONS: "--enable-source-maps",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<never>((_, reject) =>
    child.on("exit", (code) => reject(new Error(`child exited (${code}) before a statement: ${err || out}`))),
  );
  try {
    const first = await Promise.race([proxy.firstStatement, exited]);
    const line = await (async () => {
      for (let i = 0; i < 100; i++) {
        const found = out.split("\n").find((l) => l.startsWith("COLD "));
        if (found) return found;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no COLD line: ${out}`);
    })();
    const { started, imported } = JSON.parse(line.slice(5)) as { started: number; imported: number };
    return { importMs: imported - started, toFirstStatementMs: first - started };
  } finally {
    exited.catch(() => {});
    child.kill("SIGKILL");
    proxy.close();
  }
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
    for (const b of built) await measureColdPath(b.entry, server); // warm the file cache
    for (let r = 0; r < runs; r++) {
      for (const b of built) b.samples.push(await measureColdPath(b.entry, server));
    }
  } finally {
    await server.stop();
  }
  for (const b of built) {
    const total = b.samples.map((s) => s.toFirstStatementMs);
    process.stdout.write(
      `${JSON.stringify({
        bundle: b.name,
        kib: Math.round(b.bytes / 1024),
        importMs: Math.round(median(b.samples.map((s) => s.importMs))),
        toFirstStatementMs: Math.round(median(total)),
        samples: total.map(Math.round),
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
