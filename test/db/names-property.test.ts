/**
 * The one place the job writes a name into SQL is `quoteQualified`, on a schema and name read from the
 * catalog. For any text (quotes, dots, semicolons, SQL, unicode) PostgreSQL must read the quoted form back
 * as exactly that schema and name: checked with PostgreSQL's own `parse_ident()`, 2,000 pairs in one query.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { quoteQualified } from "../../lambda/db/names.js";
import { useTestDatabase } from "../support/db.js";

const PAIRS = 2_000;

/** Identifier text, biased towards what breaks naive quoting (PostgreSQL text holds no NUL). */
const identifier = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 40 }),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }),
    fc
      .array(
        fc.constantFrom('"', "'", ".", ";", " ", "\\", "--", "/*", "DROP TABLE x", "$$", "a", "Z", "é"),
        {
          minLength: 1,
          maxLength: 8,
        },
      )
      .map((parts) => parts.join("")),
  )
  .filter((text) => !text.includes("\0"));

describe("quoted names as PostgreSQL reads them (fast-check)", () => {
  const db = useTestDatabase();

  it(`${PAIRS} arbitrary schema and name pairs round-trip through parse_ident exactly`, async () => {
    const pairs = fc.sample(fc.tuple(identifier, identifier), { numRuns: PAIRS, seed: 20261130 });
    const { rows } = await db().pool.query<{ i: string; parts: string[] }>(
      `SELECT i, parse_ident(q) AS parts FROM unnest($1::text[]) WITH ORDINALITY AS t(q, i) ORDER BY i`,
      [pairs.map(([schema, name]) => quoteQualified({ schema, name }))],
    );
    expect(rows).toHaveLength(PAIRS);
    expect(rows.map((r) => r.parts)).toEqual(pairs.map(([schema, name]) => [schema, name]));
  });
});
