-- peer_exit.sql — the SQL peer of `braid exits --as-of D`, for bench/run.
--
-- One query, run by the sqlite3 CLI on the same database file braid reads, that computes for
-- every person the determination of the common-exit group as of D (RULES.md §4):
--
--   qualifying service  a service whose code has prevents_exit = 1, in a program with
--                       common_exit = 1 (partner services never hold the group);
--   started             start_date <= D; a qualifying service starting after D is a future
--                       service and holds the group (held_by 'future_service');
--   open                started and not ended as of D: end_date after D, or no end_date and a
--                       projected end that is absent or not before D (policy
--                       open_service_past_projected_end = ends_at_projected_end: an open service
--                       whose projected end is before D counts as ended on it — a stale service);
--   L                   the latest effective end of the started, ended qualifying services;
--   soft-exit day       the first day on or after L + 91 that no planned gap of the group
--                       covers.  Exact, not approximated: the group's gaps are merged into
--                       "islands" of covered days with window functions (a gap starting on or
--                       before the day after the running latest end of the gaps before it joins
--                       their island), so chained gaps of any length are one island and the day
--                       is island end + 1 when L + 91 falls inside an island.  No recursive CTE.
--   status              active when an open service holds, else when a future service holds,
--                       else exited when soft-exit day <= D, else active (held_by 'planned_gap'
--                       when gaps moved the day, otherwise the plain clock is running).
--
-- What it does NOT compute (so it does strictly less than braid): periods of participation (it
-- judges only the latest period — the same answer, since an earlier period always ends before
-- the latest one starts), entry dates per program and period, the per-program rows, the
-- explanation, stale-service lists, review_on, enrollments and eligibility, and the non-common-exit
-- groups (AEL, VR, ...).  People with no started qualifying service in the group get status
-- 'none' (braid prints them as 'reportable' or not at all).
--
-- Input: temp.peer_params(as_of TEXT 'YYYY-MM-DD'), created by bench/run before this file is
-- read.  Output: one row per person, in person id order:
--   external_id | status | exit_date (L, once exited) | last_service_date (L) | soft_exit_on |
--   held_by
-- Indexes: only the schema's own (services_person, planned_gaps_person, the primary keys of
-- programs and service_codes).  A covering index on services (person_id, program, code,
-- start_date, end_date, projected_end_date) makes it 10-15 % faster (bench/README.md); the
-- figures do without it.
WITH
params AS (
    SELECT as_of AS d, unixepoch(as_of) / 86400 AS dn FROM temp.peer_params
),
-- The catalog, as small sets: the planner builds each once and probes it per service row.
common_programs AS (SELECT code FROM programs WHERE common_exit = 1),
qualifying_codes AS (SELECT code FROM service_codes WHERE prevents_exit = 1),
-- One aggregate per person over the group's qualifying services (the scan walks services_person
-- in person order, so the GROUP BY needs no sort).  Materialized: every later step reads it once.
clock AS MATERIALIZED (
    SELECT s.person_id,
           max(CASE WHEN s.start_date > p.d THEN 0
                    WHEN s.end_date IS NOT NULL THEN s.end_date > p.d
                    ELSE s.projected_end_date IS NULL OR s.projected_end_date >= p.d
               END) AS has_open,
           max(s.start_date > p.d) AS has_future,
           max(s.start_date <= p.d) AS has_started,
           max(CASE WHEN s.start_date > p.d THEN NULL
                    WHEN s.end_date <= p.d THEN s.end_date
                    WHEN s.end_date IS NULL AND s.projected_end_date < p.d
                        THEN s.projected_end_date
               END) AS last_service_date
    FROM services s, params p
    WHERE s.program IN common_programs AND s.code IN qualifying_codes
    GROUP BY s.person_id
),
-- The group's planned gaps as day numbers, each with the latest end of the gaps before it
-- (same person, start order): a window function, no self-join.
gap_days AS (
    SELECT g.person_id,
           unixepoch(g.start_date) / 86400 AS gs,
           unixepoch(g.planned_end_date) / 86400 AS ge,
           max(unixepoch(g.planned_end_date) / 86400) OVER (
               PARTITION BY g.person_id ORDER BY g.start_date, g.id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
    FROM planned_gaps g
    WHERE g.program IN common_programs
),
-- Gaps and islands: a new island starts where a gap leaves a day uncovered after the ones
-- before it; an island's days are all covered, so a day inside one moves to its end + 1.
gap_islands AS (
    SELECT person_id, gs, ge,
           sum(CASE WHEN prev_end IS NULL OR gs > prev_end + 1 THEN 1 ELSE 0 END) OVER (
               PARTITION BY person_id ORDER BY gs, ge ROWS UNBOUNDED PRECEDING) AS island
    FROM gap_days
),
islands AS MATERIALIZED (
    SELECT person_id, min(gs) AS island_start, max(ge) AS island_end
    FROM gap_islands GROUP BY person_id, island
),
-- Groups the clock alone decides: no open and no future service, at least one that started.
-- plain_day = L + 91 (policy exit_after_days + 1); soft_day = plain_day moved past the island
-- that covers it (islands of one person never overlap, so at most one matches).
soft AS MATERIALIZED (
    SELECT c.person_id, c.plain_day, coalesce(i.island_end + 1, c.plain_day) AS soft_day
    FROM (SELECT person_id, unixepoch(last_service_date) / 86400 + 91 AS plain_day
          FROM clock WHERE has_open = 0 AND has_future = 0 AND has_started = 1) c
    LEFT JOIN islands i ON i.person_id = c.person_id
                       AND i.island_start <= c.plain_day AND c.plain_day <= i.island_end
)
SELECT pe.external_id,
       CASE WHEN c.has_started IS NULL OR c.has_started = 0 THEN 'none'
            WHEN c.has_open OR c.has_future THEN 'active'
            WHEN s.soft_day <= p.dn THEN 'exited'
            ELSE 'active' END AS status,
       CASE WHEN s.soft_day <= p.dn THEN c.last_service_date END AS exit_date,
       CASE WHEN c.has_started THEN c.last_service_date END AS last_service_date,
       date(s.soft_day * 86400, 'unixepoch') AS soft_exit_on,
       CASE WHEN c.has_started IS NULL OR c.has_started = 0 THEN NULL
            WHEN c.has_open THEN 'open_service'
            WHEN c.has_future THEN 'future_service'
            WHEN s.soft_day > p.dn AND s.soft_day <> s.plain_day THEN 'planned_gap'
       END AS held_by
FROM people pe
CROSS JOIN params p
LEFT JOIN clock c ON c.person_id = pe.id
LEFT JOIN soft s ON s.person_id = pe.id
ORDER BY pe.id;
