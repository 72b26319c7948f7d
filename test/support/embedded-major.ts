/**
 * A throw-away embedded server of one PostgreSQL major, for a test that must see behaviour that differs by
 * version (e.g. the refresh-permission check: ownership before 17, `MAINTAIN` from 17) whatever server the
 * rest of the suite runs on. Starting one takes a few seconds on a busy machine: give the test a timeout.
 */
import { type PostgresMajor, startEmbeddedPostgres } from "../../reference/embedded.js";

export { POSTGRES_MAJORS } from "../../reference/embedded.js";
export type { PostgresMajor };

/** Starting a server, running a little and stopping it, on a loaded 2-core machine. */
export const EMBEDDED_MAJOR_TIMEOUT_MS = 120_000;

/**
 * Starts an embedded PostgreSQL `major`, calls `fn` with the superuser URL of its `postgres` database and
 * the server's `server_version_num`, and stops the server (deleting its data) whatever `fn` does.
 */
export async function withEmbeddedMajor<T>(
  major: PostgresMajor,
  fn: (url: string, versionNum: number) => Promise<T>,
): Promise<T> {
  const server = await startEmbeddedPostgres({ major });
  try {
    return await fn(server.url, server.versionNum);
  } finally {
    await server.stop();
  }
}
