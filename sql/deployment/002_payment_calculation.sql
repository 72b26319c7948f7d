-- Identity, conversion metrics, the payment calculation and the canonical achieved view: all LIVE (plain
-- views). Written with LATERAL look-ups keyed by person or driver instead of whole-table window functions or
-- GROUP BYs, so that the job's `driver_id IN (SELECT ...)` filter reaches the indexes: the job reads these
-- views for ~1,000 drivers, not for everybody.

-- The current driver of each person: the most recent link (linked_at, then driver_id) wins.
CREATE OR REPLACE VIEW ops.v_person_current_driver AS
SELECT pd.person_key, pd.driver_id, pd.linked_at
  FROM canon.identity_person_driver pd
 WHERE NOT EXISTS (
         SELECT 1
           FROM canon.identity_person_driver n
          WHERE n.person_key = pd.person_key
            AND (n.linked_at, n.driver_id) > (pd.linked_at, pd.driver_id));

-- Conversion metrics, one row per person and origin: lead_date is the EARLIEST event of that origin, so a
-- scouting registration days before the cabinet lead moves it earlier, and a lead that was never ingested
-- has no row at all.
CREATE OR REPLACE VIEW ops.v_conversion_metrics AS
SELECT e.person_key, e.origin_tag, min(e.event_date) AS lead_date, count(*)::integer AS events
  FROM observational.lead_events e
 GROUP BY e.person_key, e.origin_tag;

-- Both rule tables as one relation.
CREATE OR REPLACE VIEW ops.v_payment_rules AS
SELECT r.id AS rule_id, r.name AS rule_name, 'partner'::text AS rule_scope, r.origin_tag, r.milestone_trips,
       r.window_days, r.amount, r.valid_from, r.valid_to, r.is_active
  FROM public.partner_payment_rules r
UNION ALL
SELECT r.id, r.name, 'scout'::text, r.origin_tag, r.milestone_trips, r.window_days, r.amount, r.valid_from,
       r.valid_to, r.is_active
  FROM public.scout_payment_rules r;

-- One row per (person, origin, rule) for the active rules whose validity covers the person's lead date,
-- reached or not. achieved_date: the first day with trips on which the running total of daily trips inside
-- [lead_date, lead_date + window_days) reaches milestone_trips.
--
-- The deployed bug, kept on purpose: the running total is partitioned by person, origin and driver but NOT
-- by rule. Its input holds one row per (covering rule, trip day inside that rule's window), so each trip day
-- is counted once per covering rule: with three partner and two scout rules a single trip on day 1 already
-- counts 5. Only 'DD-MM-YYYY' rows are read (to_date raises on an impossible day such as '31-02-2025').
CREATE OR REPLACE VIEW ops.v_payment_calculation AS
SELECT cd.person_key,
       cd.driver_id,
       cm.origin_tag,
       r.rule_id,
       r.rule_name,
       r.rule_scope,
       r.window_days,
       r.milestone_trips,
       r.amount,
       cm.lead_date,
       cm.lead_date + r.window_days AS window_end,
       a.achieved_date IS NOT NULL AS milestone_achieved,
       a.achieved_date
  FROM ops.v_person_current_driver cd
 CROSS JOIN LATERAL (
        SELECT m.origin_tag, m.lead_date
          FROM ops.v_conversion_metrics m
         WHERE m.person_key = cd.person_key) cm
  JOIN ops.v_payment_rules r
    ON r.origin_tag = cm.origin_tag
   AND r.is_active
   AND (r.valid_from IS NULL OR cm.lead_date >= r.valid_from)
   AND (r.valid_to IS NULL OR cm.lead_date <= r.valid_to)
  LEFT JOIN LATERAL (
        SELECT min(x.day) AS achieved_date
          FROM (SELECT t.rule_id, t.day,
                       sum(t.trips) OVER (PARTITION BY t.person_key, t.origin_tag, t.driver_id
                                          ORDER BY t.day) AS running_total
                  FROM (SELECT cd.person_key, cm.origin_tag, s.driver_id, r2.rule_id,
                               to_date(s.date_file, 'DD-MM-YYYY') AS day, s.count_orders_completed AS trips
                          FROM ops.v_payment_rules r2
                          JOIN public.summary_daily s ON s.driver_id = cd.driver_id
                         WHERE r2.origin_tag = cm.origin_tag
                           AND r2.is_active
                           AND (r2.valid_from IS NULL OR cm.lead_date >= r2.valid_from)
                           AND (r2.valid_to IS NULL OR cm.lead_date <= r2.valid_to)
                           AND s.count_orders_completed > 0
                           AND s.date_file ~ '^\d{2}-\d{2}-\d{4}$'
                           AND to_date(s.date_file, 'DD-MM-YYYY') >= cm.lead_date
                           AND to_date(s.date_file, 'DD-MM-YYYY') < cm.lead_date + r2.window_days) t) x
         WHERE x.rule_id = r.rule_id
           AND x.running_total >= r.milestone_trips) a ON true;

-- Canonical "achieved" per (driver, milestone 1/5/25): any cabinet rule of EVERY scope (14-day partner and
-- 7-day scout mixed), earliest achieved date. One representative link per driver plus a LATERAL aggregate,
-- so that a driver filter reaches identity_person_driver_driver_idx.
CREATE OR REPLACE VIEW ops.v_cabinet_milestones_achieved_from_payment_calc AS
SELECT cd.driver_id,
       a.milestone_value,
       a.achieved_flag,
       a.achieved_date
  FROM ops.v_person_current_driver cd
 CROSS JOIN LATERAL (
        SELECT p.milestone_trips AS milestone_value,
               bool_or(p.milestone_achieved) AS achieved_flag,
               min(p.achieved_date) FILTER (WHERE p.milestone_achieved) AS achieved_date
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
