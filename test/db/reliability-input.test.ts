/**
 * Input that could hurt, on a real PostgreSQL: object names holding quotes, semicolons and SQL (generated
 * by fast-check, and real objects created under such names), and gap views whose status words or dates
 * could turn a real count into a silent zero.
 */
import fc from "fast-check";
import type pg from "pg";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ContractError, InputError } from "../../lambda/errors.js";
import { ReconcileCabinetClaims14d } from "../../lambda/reconcile.js";
import { useTestDatabase } from "../support/db.js";
import { createToySchema, refreshLog, seedToy, TOY_OBJECTS, type ToyLead } from "../support/toy-schema.js";

const AS_OF = "2026-11-10";
const ROLES = Object.keys(TOY_OBJECTS) as Array<keyof typeof TOY_OBJECTS>;

/**
 * Records every DDL command and dropped object, with its schema, and keeps a canary row: proof that no
 * name was ever executed as SQL.
 */
const WATCH = `
CREATE TABLE public.canary (id int);
INSERT INTO public.canary VALUES (1);
CREATE TABLE public.ddl_seen (seq serial, tag text, schema_name text);
CREATE FUNCTION public.note_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM pg_event_trigger_ddl_commands() LOOP
    INSERT INTO public.ddl_seen (tag, schema_name) VALUES (r.command_tag, r.schema_name);
  END LOOP;
END $$;
CREATE FUNCTION public.note_drop() RETURNS event_trigger LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
  FOR r IN SELECT * FROM pg_event_trigger_dropped_objects() LOOP
    INSERT INTO public.ddl_seen (tag, schema_name) VALUES ('DROP ' || r.object_type, r.schema_name);
  END LOOP;
END $$;
CREATE EVENT TRIGGER note_ddl ON ddl_command_end EXECUTE FUNCTION public.note_ddl();
CREATE EVENT TRIGGER note_drop ON sql_drop EXECUTE FUNCTION public.note_drop();
`;

const hostileFragment = fc.constantFrom(
  '"',
  '""',
  "'",
  ";",
  ".",
  " ",
  "--",
  "/*",
  "*/",
  "\\",
  "$$",
  "DROP TABLE public.canary",
  "DROP SCHEMA toy CASCADE",
  "TRUNCATE toy.gap_rows",
  "SELECT pg_sleep(10)",
  "v_gap",
  "toy",
  "é",
  "\u0000",
);
const hostileName = fc.oneof(
  { weight: 4, arbitrary: fc.array(hostileFragment, { minLength: 1, maxLength: 10 }).map((p) => p.join("")) },
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 60 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 201, maxLength: 230 }) },
  { weight: 1, arbitrary: fc.constant("") },
);

describe("object names holding quotes, semicolons or SQL", () => {
  const db = useTestDatabase();
  const client = () => db().pool as unknown as pg.ClientBase;

  beforeAll(async () => {
    await createToySchema(client());
    await seedToy(client(), [
      { driver_id: "stale", lead_date: "2026-11-01", milestone: 1, achieved: "2026-11-02", claim: "stale" },
      { driver_id: "few", lead_date: "2026-11-01", milestone: 5, achieved: "2026-11-03", trips: { 1: 2 } },
    ]);
    await db().pool.query(WATCH);
  });

  /** How PostgreSQL itself reads a name: its parts (folded, unquoted), or null when it is no SQL name. */
  async function partsOf(name: string): Promise<string[] | null> {
    if (name.includes("\0")) return [];
    try {
      const { rows } = await db().pool.query<{ p: string[] }>("SELECT parse_ident($1) AS p", [name]);
      return rows[0]?.p ?? null;
    } catch {
      return null;
    }
  }

  it("500 generated names: each is read by PostgreSQL, not found or refused by name, and nothing is executed", async () => {
    let contract = 0;
    let input = 0;
    let invalid = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROLES), hostileName, async (role, name) => {
        const parts = name.length === 0 || name.length > 200 ? [] : await partsOf(name);
        // Names that happen to be an existing relation (e.g. "toy.v_gap") are not the point here.
        if (parts && parts.length > 0 && parts.length <= 2) {
          const { rows } = await db().pool.query<{ found: boolean }>(
            "SELECT to_regclass(array_to_string(ARRAY(SELECT quote_ident(x) FROM unnest($1::text[]) x), '.')) IS NOT NULL AS found",
            [parts],
          );
          fc.pre(!rows[0]?.found);
        }
        const job = new ReconcileCabinetClaims14d(db().pool, { objects: TOY_OBJECTS });
        const error = await job.runReconcile({ asOf: AS_OF, objects: { [role]: name } }).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (name.length === 0 || name.length > 200) {
          expect(error).toBeInstanceOf(InputError);
          input += 1;
          return;
        }
        expect(error).toBeInstanceOf(ContractError);
        const message = (error as Error).message;
        if (parts === null) {
          // No SQL name (an unterminated quote, "a;b"): refused in one line naming the field and the text.
          expect(message).toContain(`contract: objects.${role} ${JSON.stringify(name)} is not a valid name`);
          expect((error as ContractError).object).toBe(name);
          invalid += 1;
        } else if (parts.length > 2) {
          expect(message).toContain(`has ${parts.length} dotted parts`);
        } else if (parts.length > 0) {
          // Named as PostgreSQL read it (folded, unquoted).
          expect((error as ContractError).object).toBe(parts.join("."));
          expect(message).toBe(
            `contract: ${parts.join(".")} does not exist (or is not visible to this user)`,
          );
        } else {
          // A NUL cannot be in PostgreSQL text: such a name cannot exist.
          expect(message).toMatch(/does not exist/);
        }
        contract += 1;
      }),
      { numRuns: 500 },
    );
    expect(invalid).toBeGreaterThan(50);
    expect(contract).toBeGreaterThan(300);
    expect(input).toBeGreaterThan(0);
    const canary = await db().pool.query("SELECT count(*)::int AS n FROM public.canary");
    expect(canary.rows[0].n).toBe(1);
    expect((await db().pool.query("SELECT tag FROM public.ddl_seen")).rows).toEqual([]);
    expect(await refreshLog(client())).toEqual([]);
  }, 300_000);

  it("real objects under hostile names: the whole run reads and refreshes them, quoted, and nothing else", async () => {
    // Prepare: a schema and every contract object named with quotes, semicolons and SQL, over the toy
    // objects; the claims view reads a materialized view named the same way, so the refresh plan holds it.
    const schema = 'ops"; DROP TABLE public.canary; --';
    const ident = (text: string) => `"${text.replaceAll('"', '""')}"`;
    const q = (name: string) => `${ident(schema)}.${ident(name)}`;
    const names = {
      gapView: `v_gap'; DELETE FROM toy.gap_rows; --`,
      claimsView: `v "claims"; SELECT 1`,
      achievedView: "v achieved /* */",
      paymentCalcView: "v_payment_calc$$",
      tripsTable: "summary daily; TRUNCATE toy.summary_daily",
      mv: `mv "claims"; DROP SCHEMA toy CASCADE; --`,
    };
    await db().pool.query("ALTER EVENT TRIGGER note_ddl DISABLE");
    await db().pool.query("ALTER EVENT TRIGGER note_drop DISABLE");
    await db().pool.query(`CREATE SCHEMA ${ident(schema)}`);
    await db().pool.query(`CREATE MATERIALIZED VIEW ${q(names.mv)} AS SELECT * FROM toy.v_claims`);
    await db().pool.query(`CREATE VIEW ${q(names.claimsView)} AS SELECT * FROM ${q(names.mv)}`);
    await db().pool.query(`CREATE VIEW ${q(names.gapView)} AS SELECT * FROM toy.v_gap`);
    await db().pool.query(`CREATE VIEW ${q(names.achievedView)} AS SELECT * FROM toy.v_achieved`);
    await db().pool.query(`CREATE VIEW ${q(names.paymentCalcView)} AS SELECT * FROM toy.v_payment_calc`);
    await db().pool.query(`CREATE VIEW ${q(names.tripsTable)} AS SELECT * FROM toy.summary_daily`);
    await db().pool.query("TRUNCATE public.ddl_seen");
    await db().pool.query("ALTER EVENT TRIGGER note_ddl ENABLE");
    await db().pool.query("ALTER EVENT TRIGGER note_drop ENABLE");

    // Act
    const report = await new ReconcileCabinetClaims14d(db().pool).runReconcile({
      asOf: AS_OF,
      objects: {
        gapView: q(names.gapView),
        claimsView: q(names.claimsView),
        achievedView: q(names.achievedView),
        paymentCalcView: q(names.paymentCalcView),
        tripsTable: q(names.tripsTable),
      },
    });

    // Assess: a normal run on those objects; the hostile materialized view refreshed by its quoted name.
    expect(report.status).toBe("completed");
    expect(report.metrics).toMatchObject({ processed: 2, resolved_after_refresh: 1, still_missing: 1 });
    expect(report.refreshed_views.map((r) => [r.name, r.ok])).toEqual([
      ["toy.mv_lower", true],
      ["toy.mv_upper", true],
      [`${schema}.${names.mv}`, true],
    ]);
    const canary = await db().pool.query("SELECT count(*)::int AS n FROM public.canary");
    expect(canary.rows[0].n).toBe(1);
    expect((await db().pool.query("SELECT count(*)::int AS n FROM toy.gap_rows")).rows[0].n).toBe(2);
    // The only DDL the run issued outside its own session's temp schema: its three refreshes. (A
    // concurrent refresh and the run's snapshot create and drop temp tables, which vanish with the session.)
    const ddl = await db().pool.query<{ tag: string; schema_name: string | null }>(
      "SELECT tag, schema_name FROM public.ddl_seen ORDER BY seq",
    );
    const lasting = ddl.rows.filter((r) => !/^pg_temp/.test(r.schema_name ?? ""));
    expect(lasting).toEqual([
      { tag: "REFRESH MATERIALIZED VIEW", schema_name: "toy" },
      { tag: "REFRESH MATERIALIZED VIEW", schema_name: "toy" },
      { tag: "REFRESH MATERIALIZED VIEW", schema_name: schema },
    ]);
  });
});

describe("silent zeros", () => {
  const db = useTestDatabase();
  const client = () => db().pool as unknown as pg.ClientBase;

  beforeEach(async () => {
    await createToySchema(client());
  });

  const job = () => new ReconcileCabinetClaims14d(db().pool, { objects: TOY_OBJECTS });

  it("a gap view that emits only CLAIM_NOT_GENERATED (as deployed views do) is counted, under --only-gaps too", async () => {
    const leads: ToyLead[] = Array.from({ length: 5 }, (_, i) => ({
      driver_id: `d${i}`,
      lead_date: "2026-11-01",
      milestone: 5,
      achieved: "2026-11-03",
      trips: { 2: 5 },
      status: "CLAIM_NOT_GENERATED",
    }));
    await seedToy(client(), leads);
    for (const onlyGaps of [false, true]) {
      const report = await job().runReconcile({ asOf: AS_OF, onlyGaps });
      expect(report.metrics).toMatchObject({ gaps_found: 5, processed: 5, still_missing: 5 });
      expect(report.gap_status_counts).toEqual({ CLAIM_NOT_GENERATED: 5 });
      expect(report.warnings).toEqual([]);
    }
  });

  it("300 generated gap views of mixed status words and dates: right counts, and never a quiet zero", async () => {
    const STATUS = fc.oneof(
      fc.constantFrom(
        "MISSING",
        "CLAIM_NOT_GENERATED",
        "OK",
        "NOT_EXPECTED",
        "PENDIENTE",
        "missing",
        " MISSING",
      ),
      // Words that name members of Object.prototype must count like any other.
      fc.constantFrom("__proto__", "constructor", "toString"),
      fc.constant(null),
      fc.string({ maxLength: 12 }),
    );
    const row = fc.record({
      status: STATUS,
      // Days before as-of: 0..21 is inside the default window, beyond is outside.
      age: fc.oneof(fc.integer({ min: 0, max: 21 }), fc.integer({ min: 22, max: 60 })),
      milestone: fc.constantFrom(1, 5, 25),
    });
    const scenario = fc.record({
      rows: fc.array(row, { maxLength: 25 }),
      onlyGaps: fc.boolean(),
      gapStatuses: fc.option(fc.subarray(["MISSING", "CLAIM_NOT_GENERATED", "PENDIENTE"], { minLength: 1 }), {
        nil: undefined,
      }),
      limit: fc.integer({ min: 1, max: 30 }),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ rows, onlyGaps, gapStatuses, limit }) => {
        // Prepare: the gap rows, written straight into the toy gap view's table.
        await db().pool.query("TRUNCATE toy.gap_rows");
        await db().pool.query(
          `INSERT INTO toy.gap_rows (driver_id, lead_date, milestone_value, gap_reason, claim_status)
           SELECT 'd' || i, $1::date - age, m, 'CLAIM_NOT_GENERATED', s
             FROM unnest($2::int[], $3::int[], $4::text[]) WITH ORDINALITY AS r(age, m, s, i)`,
          [AS_OF, rows.map((r) => r.age), rows.map((r) => r.milestone), rows.map((r) => r.status)],
        );
        // Act
        const report = await job().runReconcile({ asOf: AS_OF, dryRun: true, onlyGaps, limit, gapStatuses });
        // Assess: counts equal a model of the window and the status words.
        const words = gapStatuses ?? ["MISSING", "CLAIM_NOT_GENERATED"];
        const inWindow = rows.filter((r) => r.age <= 21);
        const gaps = inWindow.filter((r) => r.status !== null && words.includes(r.status));
        const expected = onlyGaps ? gaps.length : inWindow.length;
        expect(report.metrics.gaps_found).toBe(expected);
        expect(report.metrics.processed).toBe(Math.min(limit, expected));
        const counts = new Map<string, number>();
        for (const r of inWindow)
          counts.set(r.status ?? "(null)", (counts.get(r.status ?? "(null)") ?? 0) + 1);
        expect(new Map(Object.entries(report.gap_status_counts))).toEqual(counts);
        // Never a quiet zero: zero gaps always comes with a warning saying why.
        if (report.metrics.gaps_found === 0) expect(report.warnings.length).toBeGreaterThan(0);
        if (inWindow.length > 0 && gaps.length === 0 && onlyGaps)
          expect(report.warnings.join("\n")).toMatch(/no row in the window has a gap status/);
      }),
      { numRuns: 300 },
    );
    // 300 runs on the database: 15-20 s idle, over 60 s seen on a loaded 2-core machine.
  }, 300_000);
});
