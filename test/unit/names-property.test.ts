/**
 * Object names are data: whatever text an operator or an event gives as a view name (quotes, dots,
 * semicolons, SQL, unicode), parsing never throws, and a quoted identifier always parses back to exactly
 * the schema and name it quotes. Quoting is the driver's (`pg.escapeIdentifier`).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseQualifiedName, quoteQualified } from "../../lambda/db/names.js";

const RUNS = 2_000;

/** Identifier text, biased towards the characters that break naive quoting. */
const identifier = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }),
  fc
    .array(fc.constantFrom('"', "'", ".", ";", " ", "\\", "--", "/*", "DROP TABLE x", "$$", "a", "Z", "é"), {
      minLength: 1,
      maxLength: 8,
    })
    .map((parts) => parts.join("")),
);

describe("object names (fast-check)", () => {
  it(`parses ${RUNS} arbitrary texts without throwing, into a schema and a name`, () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const parsed = parseQualifiedName(text);
        expect(typeof parsed.schema).toBe("string");
        expect(typeof parsed.name).toBe("string");
      }),
      { numRuns: RUNS },
    );
  });

  it(`round-trips ${RUNS} quoted identifiers exactly, whatever they hold`, () => {
    fc.assert(
      fc.property(identifier, identifier, (schema, name) => {
        const quoted = quoteQualified({ schema, name });
        expect(parseQualifiedName(quoted)).toEqual({ schema, name });
      }),
      { numRuns: RUNS },
    );
  });

  it("folds unquoted names to lower case and trims them, as PostgreSQL reads them", () => {
    expect(parseQualifiedName(" Ops . V_Gap ")).toEqual({ schema: "ops", name: "v_gap" });
    expect(parseQualifiedName("V_Gap")).toEqual({ schema: "public", name: "v_gap" });
    expect(parseQualifiedName('"Ops"."V Gap"')).toEqual({ schema: "Ops", name: "V Gap" });
    expect(parseQualifiedName('" ops"."v"')).toEqual({ schema: " ops", name: "v" });
  });
});
