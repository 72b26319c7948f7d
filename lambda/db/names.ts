import pg from "pg";

/**
 * A relation's schema and name exactly as the catalog spells them. Configured names are never parsed
 * here: PostgreSQL reads them (`parse_ident()`, `to_regclass()`, see `contract.ts`), and whatever text they
 * held only ever reaches SQL as a bound value or, once found in the catalog, as a quoted identifier.
 */
export interface QualifiedName {
  readonly schema: string;
  readonly name: string;
}

/** `"schema"."name"`, quoted with the driver's escaping. */
export function quoteQualified(name: QualifiedName): string {
  return `${pg.escapeIdentifier(name.schema)}.${pg.escapeIdentifier(name.name)}`;
}

export function displayName(name: QualifiedName): string {
  return `${name.schema}.${name.name}`;
}
