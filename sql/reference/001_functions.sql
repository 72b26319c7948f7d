-- Schemas and the safe parser for summary_daily.date_file.
--
-- Deployed views parse date_file with to_date(date_file, 'DD-MM-YYYY'): rows in another format are dropped
-- and an impossible date that matches the pattern ('31-02-2025') raises and aborts every query over the view.
-- The reference schema instead parses with ops.parse_date_file, an IMMUTABLE, inlinable SQL function that
-- accepts 'DD-MM-YYYY' and 'YYYY-MM-DD' and returns NULL for anything else, impossible dates included. A
-- NULL day matches no window, so such a row is ignored everywhere and never fails a query. Being IMMUTABLE,
-- it can back the expression index that serves date ranges on summary_daily (see 002).

CREATE SCHEMA IF NOT EXISTS ops;

-- make_date(y, m, d) when the parts form a real calendar day, else NULL (never raises). Nested CASE because
-- CASE is the only construct whose evaluation order PostgreSQL guarantees.
CREATE OR REPLACE FUNCTION ops.date_from_parts(y integer, m integer, d integer)
RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE WHEN y BETWEEN 1 AND 9999 AND m BETWEEN 1 AND 12 AND d BETWEEN 1 AND 31 THEN
    CASE WHEN d <= CASE WHEN m = 2 THEN CASE WHEN y % 4 = 0 AND (y % 100 <> 0 OR y % 400 = 0) THEN 29 ELSE 28 END
                        WHEN m IN (4, 6, 9, 11) THEN 30
                        ELSE 31 END
         THEN make_date(y, m, d) END
  END
$$;

-- 'DD-MM-YYYY' (deployed) or 'YYYY-MM-DD' (some uploads) to a date; NULL for any other text or an
-- impossible day.
CREATE OR REPLACE FUNCTION ops.parse_date_file(date_file text)
RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN date_file ~ '^[0-9]{2}-[0-9]{2}-[0-9]{4}$' THEN
      ops.date_from_parts(substr(date_file, 7, 4)::integer, substr(date_file, 4, 2)::integer,
                          substr(date_file, 1, 2)::integer)
    WHEN date_file ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN
      ops.date_from_parts(substr(date_file, 1, 4)::integer, substr(date_file, 6, 2)::integer,
                          substr(date_file, 9, 2)::integer)
  END
$$;
