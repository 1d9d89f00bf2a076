-- peer_compare.sql — does the SQL peer (peer_exit.sql) agree with braid? For bench/run.
--
-- Input, in temp tables bench/run fills before reading this file:
--   temp.braid_lines(line)  `braid exits --db DB --as-of D`, one JSON object per line
--   temp.peer(external_id, status, exit_date, last_service_date, soft_exit_on, held_by)
--                           the peer's rows
-- braid prints one entry per program and period; the common-exit group's determination is the
-- latest period (highest "period") of any common-exit program, which every program of the
-- group shares.  People braid gives no common-exit period (reportable only, or not involved)
-- count as 'none', the peer's word for them.
CREATE TEMP TABLE braid_common AS
WITH entries AS (
    SELECT json_extract(b.line, '$.id') AS external_id, j.value AS entry,
           json_extract(j.value, '$.period') AS period
    FROM temp.braid_lines b, json_each(b.line, '$.periods') j
    WHERE json_extract(j.value, '$.program') IN (SELECT code FROM programs WHERE common_exit = 1)
      AND json_extract(j.value, '$.period') > 0
),
latest AS (
    SELECT external_id, entry,
           row_number() OVER (PARTITION BY external_id ORDER BY period DESC) AS rn
    FROM entries
)
SELECT external_id,
       json_extract(entry, '$.status') AS status,
       json_extract(entry, '$.exit_date') AS exit_date,
       json_extract(entry, '$.last_service_date') AS last_service_date,
       json_extract(entry, '$.soft_exit_on') AS soft_exit_on,
       json_extract(entry, '$.held_by') AS held_by
FROM latest WHERE rn = 1;

CREATE TEMP TABLE agreement AS
SELECT p.external_id,
       coalesce(b.status, 'none') AS braid_status, p.status AS peer_status,
       b.exit_date AS braid_exit, nullif(p.exit_date, '') AS peer_exit,
       b.soft_exit_on AS braid_soft, nullif(p.soft_exit_on, '') AS peer_soft,
       b.held_by AS braid_held, nullif(p.held_by, '') AS peer_held
FROM temp.peer p LEFT JOIN braid_common b ON b.external_id = p.external_id;

-- One line of figures: people, people braid determines (active or exited) for the group,
-- braid's and the peer's exited and active counts, agreement on status, and agreement on every
-- compared field (status, exit date, soft-exit day, held_by).
SELECT count(*) AS people,
       sum(braid_status IN ('active', 'exited')) AS determined,
       sum(braid_status = 'exited') AS braid_exited,
       sum(peer_status = 'exited') AS peer_exited,
       sum(braid_status = 'active') AS braid_active,
       sum(peer_status = 'active') AS peer_active,
       sum(braid_status = peer_status) AS status_agree,
       sum(braid_status = peer_status AND braid_exit IS peer_exit AND braid_soft IS peer_soft
           AND braid_held IS peer_held) AS all_agree
FROM agreement;

-- The first disagreements, for the report (none when they agree).
SELECT 'differs', external_id, braid_status, peer_status, braid_exit, peer_exit, braid_soft,
       peer_soft, braid_held, peer_held
FROM agreement
WHERE NOT (braid_status = peer_status AND braid_exit IS peer_exit AND braid_soft IS peer_soft
           AND braid_held IS peer_held)
ORDER BY external_id LIMIT 10;
