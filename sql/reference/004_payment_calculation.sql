-- The payment calculation and the canonical "achieved" view. Both are LIVE (plain views over raw tables):
-- only the claims chain (005) is materialized, so a stale claims MV shows up as a milestone that is
-- achieved canonically but has no claim.

-- One row per (person, origin, rule) whose validity covers the person's lead date, reached or not.
-- achieved_date: first day the running trip total reaches milestone_trips inside
-- [lead_date, lead_date + window_days).
--
-- Modelled deployed bugs, kept on purpose (documented in sql/reference/README.md):
--  * only 'DD-MM-YYYY' rows are counted; 'YYYY-MM-DD' rows are silently ignored (failure mode 8);
--  * the running total is split by (origin, scope, milestone) but NOT by rule, so when several active rules
--    of the same scope and milestone cover the lead date, each trip day is counted once per rule and the
--    total is inflated (failure mode 3);
--  * lead_date is the earliest lead event, which can be an earlier scouting registration (failure mode 4).
CREATE OR REPLACE VIEW ops.v_payment_calculation AS
SELECT who.person_key,
       who.driver_id,
       pl.origin_tag,
       r.id AS rule_id,
       r.name AS rule_name,
       r.rule_scope,
       r.window_days,
       r.milestone_trips,
       r.amount,
       pl.lead_date,
       pl.lead_date + r.window_days AS window_end,
       COALESCE(a.trips_counted, 0)::integer AS trips_counted,
       a.achieved_date IS NOT NULL AS milestone_achieved,
       a.achieved_date
  -- Persons with their current driver, and persons without any driver link (driver_id NULL). Driving the
  -- view from the person -> driver link lets a filter on driver_id use identity_person_driver_driver_idx
  -- (and drop the NULL branch) instead of computing every person first.
  FROM (SELECT cd.person_key, cd.driver_id
          FROM ops.v_person_current_driver cd
        UNION ALL
        SELECT DISTINCT e.person_key, NULL::text
          FROM public.lead_events e
         WHERE NOT EXISTS (SELECT 1 FROM public.identity_person_driver pd WHERE pd.person_key = e.person_key)
       ) who
 CROSS JOIN LATERAL (
        SELECT e.origin_tag, min(e.event_at)::date AS lead_date
          FROM public.lead_events e
         WHERE e.person_key = who.person_key
         GROUP BY e.origin_tag) pl
  JOIN public.payment_rules r
    ON r.origin_tag = pl.origin_tag
   AND r.is_active
   AND (r.valid_from IS NULL OR pl.lead_date >= r.valid_from)
   AND (r.valid_to IS NULL OR pl.lead_date <= r.valid_to)
  LEFT JOIN LATERAL (
        SELECT min(x.day) FILTER (WHERE x.running_total >= r.milestone_trips
                                    AND x.day < pl.lead_date + r.window_days) AS achieved_date,
               max(x.running_total) FILTER (WHERE x.day < pl.lead_date + r.window_days) AS trips_counted
          FROM (SELECT t.day, sum(t.n) OVER (ORDER BY t.day) AS running_total
                  FROM public.payment_rules r2
                  JOIN LATERAL (
                        SELECT ops.parse_date_file(s.date_file) AS day, s.count_orders_completed AS n
                          FROM public.summary_daily s
                         WHERE s.driver_id = who.driver_id
                           AND s.date_file LIKE '__-__-____'
                           AND ops.parse_date_file(s.date_file) >= pl.lead_date
                           AND ops.parse_date_file(s.date_file) < pl.lead_date + r2.window_days) t ON true
                 WHERE r2.origin_tag = r.origin_tag
                   AND r2.rule_scope = r.rule_scope
                   AND r2.milestone_trips = r.milestone_trips
                   AND r2.is_active
                   AND (r2.valid_from IS NULL OR pl.lead_date >= r2.valid_from)
                   AND (r2.valid_to IS NULL OR pl.lead_date <= r2.valid_to)) x
       ) a ON true;

-- Canonical "achieved" per (driver, milestone), from every cabinet rule (partner and scout): achieved when
-- any rule is, on the earliest achieved date. Written as one representative link per driver plus a LATERAL
-- aggregate, not as a GROUP BY over the whole calculation: a filter on driver_id, including a semi-join
-- such as `driver_id IN (SELECT ...)`, then reaches the index instead of waiting for every driver.
CREATE OR REPLACE VIEW ops.v_cabinet_milestones_achieved_from_payment_calc AS
SELECT cd.driver_id,
       a.milestone_value,
       a.achieved_flag,
       a.achieved_date,
       a.rule_rows
  FROM ops.v_person_current_driver cd
 CROSS JOIN LATERAL (
        SELECT p.milestone_trips AS milestone_value,
               bool_or(p.milestone_achieved) AS achieved_flag,
               min(p.achieved_date) AS achieved_date,
               count(*)::integer AS rule_rows
          FROM ops.v_payment_calculation p
         WHERE p.driver_id = cd.driver_id
           AND p.origin_tag = 'cabinet'
           AND p.milestone_trips IN (1, 5, 25)
         GROUP BY p.milestone_trips) a
 WHERE NOT EXISTS (
         SELECT 1
           FROM ops.v_person_current_driver o
          WHERE o.driver_id = cd.driver_id
            AND o.person_key < cd.person_key);
