import { createHash } from "node:crypto";
import type pg from "pg";
import { MIGRATIONS } from "./schema.generated.js";

export interface Migration {
  readonly name: string;
  readonly sql: string;
}

/**
 * Advisory lock key serialising concurrent applies (any constant; this one spells "refschem"). Sent as a
 * parameter: a hexadecimal literal in the SQL text (`0x7265...`) is PostgreSQL 16+ syntax only.
 */
export const MIGRATION_LOCK_KEY = 0x72656673636865n;

/** sha256 of a migration's text, recorded when it is applied. */
export function checksum(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}

/**
 * Applies the reference schema's numbered migrations (compiled into `schema.generated.ts`) that are not
 * applied yet, recording each in `reference_meta.migrations` with its checksum. Everything runs in one
 * transaction under a transaction-level advisory lock, so two concurrent applies serialise: the second
 * waits, then finds everything applied and changes nothing. A migration whose text changed after it was
 * applied is an error (migrations are append-only). The files themselves are written with IF NOT EXISTS /
 * OR REPLACE, so even re-running them is harmless.
 */
export async function migrate(
  client: pg.ClientBase,
  migrations: ReadonlyArray<Migration> = MIGRATIONS,
): Promise<{ applied: string[] }> {
  const applied: string[] = [];
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [MIGRATION_LOCK_KEY.toString()]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS reference_meta;
      CREATE TABLE IF NOT EXISTS reference_meta.migrations (
        name text PRIMARY KEY,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ name: string; checksum: string }>(
      "SELECT name, checksum FROM reference_meta.migrations",
    );
    const done = new Map(rows.map((r) => [r.name, r.checksum]));
    for (const m of migrations) {
      const sum = checksum(m.sql);
      const previous = done.get(m.name);
      if (previous !== undefined) {
        if (previous !== sum) {
          throw new Error(`reference migration ${m.name} changed after it was applied (checksum mismatch)`);
        }
        continue;
      }
      await client.query(m.sql);
      await client.query("INSERT INTO reference_meta.migrations (name, checksum) VALUES ($1, $2)", [
        m.name,
        sum,
      ]);
      applied.push(m.name);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
  return { applied };
}
