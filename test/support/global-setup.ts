import { randomBytes } from "node:crypto";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { migrateDeployment } from "../../reference/deployment-schema.js";
import { type EmbeddedServer, startEmbeddedPostgres } from "../../reference/embedded.js";
import { migrate } from "../../reference/migrate.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin connection string (a database other than the template) on the test server. */
    pgAdminUrl: string;
    /** Name of the database holding the migrated reference schema, to clone per test file. */
    pgTemplate: string;
    /** Name of the database holding the migrated deployment profile (`sql/deployment/`), live state. */
    pgTemplateDeployment: string;
  }
}

/**
 * Starts one PostgreSQL for the whole run (embedded, or the server in DATABASE_URL when set, so the suite
 * can run against another PostgreSQL version), migrates the reference schema once into a template
 * database (and the deployment profile into a second one), and hands their names to the test files, which
 * each clone one (see `db.ts`).
 */
export default async function setup(project: TestProject) {
  const server: EmbeddedServer | undefined = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres();
  const adminUrl = process.env.DATABASE_URL ?? (server as EmbeddedServer).url;
  const suffix = randomBytes(4).toString("hex");
  const template = `reconcile_template_${suffix}`;
  const deploymentTemplate = `reconcile_template_deployment_${suffix}`;
  const templates: Array<[string, (client: pg.Client) => Promise<unknown>]> = [
    [template, migrate],
    [deploymentTemplate, migrateDeployment],
  ];
  for (const [name, apply] of templates) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    } finally {
      await admin.end();
    }
    const target = new URL(adminUrl);
    target.pathname = `/${name}`;
    const client = new pg.Client({ connectionString: target.toString() });
    await client.connect();
    try {
      await apply(client);
    } finally {
      await client.end();
    }
  }
  project.provide("pgAdminUrl", adminUrl);
  project.provide("pgTemplate", template);
  project.provide("pgTemplateDeployment", deploymentTemplate);

  return async () => {
    const cleanup = new pg.Client({ connectionString: adminUrl });
    await cleanup.connect();
    try {
      for (const [name] of templates) {
        await cleanup.query(`DROP DATABASE IF EXISTS ${cleanup.escapeIdentifier(name)} WITH (FORCE)`);
      }
    } finally {
      await cleanup.end();
    }
    await server?.stop();
  };
}
