import pg from "pg";

/** A relation name split into schema and name, exactly as PostgreSQL stores them in the catalog. */
export interface QualifiedName {
  readonly schema: string;
  readonly name: string;
}

/**
 * Parses `schema.name`, `name` (schema `public`) or quoted parts (`"My Schema"."View"`). Unquoted parts
 * fold to lower case as PostgreSQL does; whitespace outside quotes is ignored, inside quotes kept.
 * Whatever the text holds (quotes, semicolons, SQL), it only ever becomes a catalog lookup value or a
 * quoted identifier: never SQL.
 */
export function parseQualifiedName(text: string): QualifiedName {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (/\s/.test(ch)) {
      // Whitespace outside quotes is not part of a name (and quoted whitespace is kept as it is).
    } else if (ch === "." && parts.length === 0) {
      parts.push(wasQuoted ? current : current.toLowerCase());
      current = "";
      wasQuoted = false;
    } else current += ch;
  }
  parts.push(wasQuoted ? current : current.toLowerCase());
  if (parts.length === 1) return { schema: "public", name: parts[0] as string };
  return { schema: parts[0] as string, name: parts[1] as string };
}

/** `"schema"."name"`, quoted with the driver's escaping. */
export function quoteQualified(name: QualifiedName): string {
  return `${pg.escapeIdentifier(name.schema)}.${pg.escapeIdentifier(name.name)}`;
}

export function displayName(name: QualifiedName): string {
  return `${name.schema}.${name.name}`;
}
