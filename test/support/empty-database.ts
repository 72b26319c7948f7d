import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { withClient } from "../../reference/with-client.js";

/** A database created from `template0` (nothing of the reference schema in it), and how to drop it. */
export interface EmptyDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** For what must start from nothing (`reference load` into a new database); the caller drops it. */
export async function createEmptyDatabase(prefix = "reconcile_empty"): Promise<EmptyDatabase> {
  const admin = inject("pgAdminUrl");
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  await withClient(admin, (c) => c.query(`CREATE DATABASE ${c.escapeIdentifier(name)} TEMPLATE template0`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () =>
      withClient(admin, (c) =>
        c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`),
      ).then(() => undefined),
  };
}
