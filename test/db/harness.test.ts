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
