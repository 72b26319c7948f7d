-- A materialized view that has nothing to do with the claims: weekly trip statistics over summary_daily. No
-- contract view reads it and it reads none of them, so the reconcile job must never refresh it (neither
-- upstream of the gap, claims and achieved views nor downstream of the claims view).
CREATE MATERIALIZED VIEW IF NOT EXISTS ops.mv_driver_weekly_trip_stats AS
SELECT date_trunc('week', to_date(s.date_file, 'DD-MM-YYYY')::timestamp)::date AS week_start,
       count(DISTINCT s.driver_id)::integer AS drivers,
       sum(s.count_orders_completed)::bigint AS trips
  FROM public.summary_daily s
 WHERE s.date_file ~ '^\d{2}-\d{2}-\d{4}$'
 GROUP BY 1
WITH DATA;
CREATE UNIQUE INDEX IF NOT EXISTS mv_driver_weekly_trip_stats_key ON ops.mv_driver_weekly_trip_stats (week_start);
