import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { type EmbeddedServer, startEmbeddedPostgres } from "../../reference/embedded.js";
import { migrate } from "../../reference/migrate.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin connection string (a database other than the template) on the test server. */
    pgAdminUrl: string;
    /** Name of the database holding the migrated reference schema, to clone per test file. */
    pgTemplate: string;
  }
}

/**
 * Starts one PostgreSQL for the whole run (embedded, or the server in DATABASE_URL when set, so the suite
 * can run against another PostgreSQL version), migrates the reference schema once into a template
 * database, and hands its name to the test files, which each clone it (see `db.ts`).
 */
export default async function setup(project: TestProject) {
  const server: EmbeddedServer | undefined = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres();
  const adminUrl = process.env.DATABASE_URL ?? (server as EmbeddedServer).url;
  const template = `reconcile_template_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(template)}`);
  } finally {
    await admin.end();
  }
  const target = new URL(adminUrl);
  target.pathname = `/${template}`;
  const client = new pg.Client({ connectionString: target.toString() });
  await client.connect();
  try {
    await migrate(client);
  } finally {
    await client.end();
  }
  project.provide("pgAdminUrl", adminUrl);
  project.provide("pgTemplate", template);

  return async () => {
    const cleanup = new pg.Client({ connectionString: adminUrl });
    await cleanup.connect();
    try {
      await cleanup.query(`DROP DATABASE IF EXISTS ${cleanup.escapeIdentifier(template)} WITH (FORCE)`);
    } finally {
      await cleanup.end();
    }
    await server?.stop();
  };
}
