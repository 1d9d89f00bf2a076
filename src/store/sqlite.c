/* sqlite.c — the SQLite backend of store.h.
 *
 * One connection per struct store.  Every statement is fixed text with bound parameters (never
 * SQL built from data), prepared on first use and kept for the life of the connection, and reset
 * as soon as its rows are read so that no statement holds a read snapshot longer than it needs.
 * An op made of several statements runs in its own transaction when the caller has none, so a
 * failed op leaves nothing behind (op_begin / op_end).  Inside the caller's transaction it adds
 * nothing: the caller rolls back on failure, or brackets what it may undo with a savepoint.
 *
 * Programs and service codes are stored by code and become catalog indexes on load.  The ops that
 * are given no catalog (exit clocks, recorded exits) map an index through programs.position, which
 * catalog_save writes as the index and catalog_load reads back in that order. */
#include "store/sqlite.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "core/date.h"
#include "core/mem.h"
#include "store/migrations.h"
#include "store/sqlite_read_log.h"
#include "store/sqlite_writer.h"

/* Online backup copies this many pages per step, letting writers in between steps. */
#define STORE_SQLITE_BACKUP_PAGES 256
/* The page cache of the process's write connection (write_connection), in KiB. */
#define STORE_SQLITE_WRITE_CACHE_KB "16384"
#define STORE_SQLITE_BACKUP_PAUSE_MS 20
#define STORE_SQLITE_BACKUP_RETRIES (STORE_SQLITE_BUSY_TIMEOUT_MS / STORE_SQLITE_BACKUP_PAUSE_MS)
/* The people a change names that are told to the writer one by one; a change naming more
 * touches everyone (sqlite_writer_touch). */
#define STORE_SQLITE_TOUCHED_MAX 16
/* exit_clocks.group_key of the common exit group (RULES.md §4); other groups use the program. */
#define STORE_SQLITE_GROUP_COMMON "COMMON"
#define STORE_SQLITE_NUMBER_SIZE 24

enum stmt_id {
    STMT_BEGIN,
    STMT_BEGIN_READ,
    STMT_COMMIT,
    STMT_ROLLBACK,
    STMT_SAVEPOINT,
    STMT_RELEASE,
    STMT_ROLLBACK_TO,
    STMT_CHANGE_SAVEPOINT,
    STMT_CHANGE_RELEASE,
    STMT_CHANGE_ROLLBACK_TO,
    STMT_MIGRATIONS_TABLE,
    STMT_SCHEMA_VERSION,
    STMT_MIGRATION_RECORD,
    STMT_PROGRAMS_MARK,
    STMT_PROGRAM_PUT,
    STMT_PROGRAMS_PRUNE,
    STMT_SERVICE_CODES_MARK,
    STMT_SERVICE_CODE_PUT,
    STMT_SERVICE_CODES_PRUNE,
    STMT_SETTING_PUT,
    STMT_PROGRAMS_COUNT,
    STMT_PROGRAMS_LOAD,
    STMT_SERVICE_CODES_COUNT,
    STMT_SERVICE_CODES_LOAD,
    STMT_SETTINGS_LOAD,
    STMT_PROGRAM_AT,
    STMT_PERSON_INSERT,
    STMT_PERSON_GET,
    STMT_PERSON_EXISTS,
    STMT_PERSON_BY_EXTERNAL_ID,
    STMT_PERSON_DUPLICATES,
    STMT_IDENTITY_PUT,
    STMT_ENROLLMENTS_OF,
    STMT_SERVICES_OF,
    STMT_GAPS_OF,
    STMT_ENROLLMENT_INSERT,
    STMT_SERVICE_INSERT,
    STMT_FUNDING_INSERT,
    STMT_SERVICE_UPDATE,
    STMT_GAP_INSERT,
    STMT_NOTE_INSERT,
    STMT_CONTACT_INSERT,
    STMT_AUDIT_APPEND,
    STMT_READ_LOG_APPEND,
    STMT_CLOCK_GROUPS,
    STMT_CLOCK_DELETE,
    STMT_CLOCK_PUT,
    STMT_CLOCKS_GET,
    STMT_CLOCKS_DUE,
    STMT_EXIT_RUN_BEGIN,
    STMT_EXIT_RUN_FINISH,
    STMT_EXIT_PUT,
    STMT_EXIT_GET,
    STMT_EXITS_GET,
    STMT_EXIT_DELETE,
    STMT_SCAN_PEOPLE,
    STMT_SCAN_PEOPLE_HEADS,
    STMT_SCAN_ENROLLMENTS,
    STMT_SCAN_SERVICES,
    STMT_SCAN_GAPS,
    STMT_SCAN_CLOCKS,
    STMT_SCAN_EXITS,
    STMT_PEOPLE_ID_BOUNDS,
    STMT_AGENCY_INSERT,
    STMT_AGENCY_BY_CODE,
    STMT_USER_INSERT,
    STMT_USER_BY_EMAIL,
    STMT_TOKEN_INSERT,
    STMT_TOKEN_USER,
    STMT_NOTES_OF,
    STMT_NOTE_HEADS_OF,
    STMT_CONTACTS_OF,
    STMT_SESSION_INSERT,
    STMT_SESSION_GET,
    STMT_SESSION_DELETE,
    STMT_SESSIONS_PRUNE,
    STMT_USER_BY_ID,
    STMT_PEOPLE_BY_NAME,
    STMT_PEOPLE_BY_NAME_COUNT,
    STMT_PEOPLE_BY_LAST4,
    STMT_PEOPLE_BY_LAST4_COUNT,
    STMT_PEOPLE_BY_BIRTH,
    STMT_PEOPLE_BY_BIRTH_COUNT,
    STMT_PEOPLE_ALL,
    STMT_PEOPLE_ALL_COUNT,
    STMT_PERSON_UPDATE,
    STMT_IDEMPOTENCY_RESERVE,
    STMT_IDEMPOTENCY_GET,
    STMT_IDEMPOTENCY_COMPLETE,
    STMT_IDEMPOTENCY_RELEASE,
    STMT_IDEMPOTENCY_PRUNE,
    STMT_PERSON_SERVED_BY,
    STMT_AGENCY_PEOPLE,
    STMT_STAFF_PEOPLE,
    STMT_DECLINE_INSERT,
    STMT_DECLINES_OF,
    STMT_IDENTITY_GET,
    STMT_CONSENT_INSERT,
    STMT_CONSENT_REVOKE,
    STMT_CONSENT_EXISTS,
    STMT_CONSENTS_OF,
    STMT_ASSESSMENT_INSERT,
    STMT_ASSESSMENTS_OF,
    STMT_PLAN_INSERT,
    STMT_PLAN_UPDATE,
    STMT_PLANS_OF,
    STMT_GOAL_INSERT,
    STMT_GOAL_UPDATE,
    STMT_GOALS_OF,
    STMT_PLAN_REVIEW_INSERT,
    STMT_PLAN_REVIEWS_OF,
    STMT_OUTCOME_INSERT,
    STMT_OUTCOMES_OF,
    STMT_USERS_PAGE,
    STMT_USERS_COUNT,
    STMT_AGENCIES_PAGE,
    STMT_AGENCIES_COUNT,
    STMT_ROLES_ALL,
    STMT_AUDIT_NEWEST_ALL,
    STMT_READS_NEWEST_ALL,
    STMT_AUDIT_COUNT_ALL,
    STMT_AUDIT_NEWEST_OF,
    STMT_READS_NEWEST_OF,
    STMT_AUDIT_COUNT_OF,
    STMT_SERVICE_CORRECT,
    STMT_SERVICE_EXISTS,
    STMT_ENROLLMENT_CORRECT,
    STMT_ENROLLMENT_EXISTS,
    STMT_COUNT
};

/* The columns a person, an enrollment, a service and a gap are read from, in order: record_load
 * and people_scan share the readers (the scan puts person_id first).  The indexes by person of
 * enrollments and services hold every column read here (schema migration 7), so that a record
 * is read from them without its tables: a column added here belongs in them too (test_store
 * test_record_reads_its_indexes_alone). */
#define PERSON_COLUMNS "external_id, first_name, last_name, birth_date, sex, facts, version"
#define ENROLLMENT_COLUMNS "id, program, eligibility_date, version"
#define SERVICE_COLUMNS "id, program, code, start_date, end_date, projected_end_date, version"
#define GAP_COLUMNS "id, program, reason, start_date, planned_end_date"
/* A note without its body: the notes' index by person holds these (schema migration 8). */
#define NOTE_COLUMNS "id, service_id, agency_id, author_id, written_on, confidential"
/* The people a scan reads: ids ?1 to ?2. */
#define SCAN_RANGE(column) column " BETWEEN ?1 AND ?2"
/* An exit clock (c) with its program's position (p), and a recorded exit (e) likewise. */
#define CLOCK_COLUMNS                                                                              \
    "c.group_key, p.position, c.period, c.status, c.last_service_date, c.soft_exit_date, "        \
    "c.held_by, c.review_on, c.computed_on"
#define EXIT_COLUMNS                                                                               \
    "p.position, e.period, e.entry_date, e.exit_date, e.determined_on, e.run_id, e.reason"

/* The filters of a name search (STMT_PEOPLE_BY_NAME): last-name range, then optional first-name
 * range, birth date and SSN last four. */
#define PEOPLE_BY_NAME_WHERE                                                                       \
    "WHERE last_name COLLATE NOCASE >= ?1 AND last_name COLLATE NOCASE < ?2 "                      \
    "AND (?3 IS NULL OR (first_name COLLATE NOCASE >= ?3 AND first_name COLLATE NOCASE < ?4)) "    \
    "AND (?5 IS NULL OR birth_date = ?5) "                                                         \
    "AND (?6 IS NULL OR id IN (SELECT person_id FROM identities WHERE ssn_last4 = ?6))"
#define PERSON_COLUMNS_OF_P                                                                        \
    "p.external_id, p.first_name, p.last_name, p.birth_date, p.sex, p.facts, p.version"

static const char *const stmt_sql[STMT_COUNT] = {
    [STMT_BEGIN] = "BEGIN IMMEDIATE",
    [STMT_BEGIN_READ] = "BEGIN",
    [STMT_COMMIT] = "COMMIT",
    [STMT_ROLLBACK] = "ROLLBACK",
    [STMT_SAVEPOINT] = "SAVEPOINT store_op",
    [STMT_RELEASE] = "RELEASE store_op",
    [STMT_ROLLBACK_TO] = "ROLLBACK TO store_op",
    [STMT_CHANGE_SAVEPOINT] = "SAVEPOINT change",
    [STMT_CHANGE_RELEASE] = "RELEASE change",
    [STMT_CHANGE_ROLLBACK_TO] = "ROLLBACK TO change",
    [STMT_MIGRATIONS_TABLE] =
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
    [STMT_SCHEMA_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_migrations",
    [STMT_MIGRATION_RECORD] = "INSERT INTO schema_migrations (version) VALUES (?)",

    /* catalog_save: mark every row, upsert the catalog's (which unmarks them), drop the rest. */
    [STMT_PROGRAMS_MARK] = "UPDATE programs SET position = -1 - position",
    [STMT_PROGRAM_PUT] =
        "INSERT INTO programs (code, title, agency, kind, common_exit, job_center, position) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET title = excluded.title, "
        "agency = excluded.agency, kind = excluded.kind, common_exit = excluded.common_exit, "
        "job_center = excluded.job_center, position = excluded.position",
    [STMT_PROGRAMS_PRUNE] = "DELETE FROM programs WHERE position < 0",
    [STMT_SERVICE_CODES_MARK] = "UPDATE service_codes SET position = -1 - position",
    [STMT_SERVICE_CODE_PUT] =
        "INSERT INTO service_codes (code, title, category, triggers_participation, "
        "prevents_exit, position) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET "
        "title = excluded.title, category = excluded.category, "
        "triggers_participation = excluded.triggers_participation, "
        "prevents_exit = excluded.prevents_exit, position = excluded.position",
    [STMT_SERVICE_CODES_PRUNE] = "DELETE FROM service_codes WHERE position < 0",
    [STMT_SETTING_PUT] = "INSERT INTO settings (name, value) VALUES (?, ?) "
                         "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    [STMT_PROGRAMS_COUNT] = "SELECT count(*) FROM programs",
    [STMT_PROGRAMS_LOAD] = "SELECT code, title, agency, kind, common_exit, job_center, position "
                           "FROM programs ORDER BY position",
    [STMT_SERVICE_CODES_COUNT] = "SELECT count(*) FROM service_codes",
    [STMT_SERVICE_CODES_LOAD] = "SELECT code, title, category, triggers_participation, "
                                "prevents_exit, position FROM service_codes ORDER BY position",
    [STMT_SETTINGS_LOAD] = "SELECT name, value FROM settings",
    [STMT_PROGRAM_AT] = "SELECT code FROM programs WHERE position = ?",

    [STMT_PERSON_INSERT] = "INSERT INTO people (external_id, first_name, last_name, birth_date, "
                           "sex, facts) VALUES (?, ?, ?, ?, ?, ?)",
    [STMT_PERSON_GET] = "SELECT " PERSON_COLUMNS " FROM people WHERE id = ?",
    [STMT_PERSON_EXISTS] = "SELECT 1 FROM people WHERE id = ?",
    [STMT_PERSON_BY_EXTERNAL_ID] = "SELECT id FROM people WHERE external_id = ?",
    [STMT_PERSON_DUPLICATES] =
        "SELECT person_id FROM identities WHERE ssn_hash = ? "
        "UNION SELECT id FROM people WHERE last_name = ? AND first_name = ? AND birth_date = ? "
        "ORDER BY 1 LIMIT ?",
    [STMT_IDENTITY_PUT] =
        "INSERT INTO identities (person_id, ssn_hash, ssn_sealed, ssn_last4) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (person_id) DO UPDATE SET ssn_hash = excluded.ssn_hash, "
        "ssn_sealed = excluded.ssn_sealed, ssn_last4 = excluded.ssn_last4",

    [STMT_ENROLLMENTS_OF] = "SELECT " ENROLLMENT_COLUMNS " FROM enrollments WHERE person_id = ? "
                            "ORDER BY eligibility_date, id",
    [STMT_SERVICES_OF] = "SELECT " SERVICE_COLUMNS " FROM services WHERE person_id = ? "
                         "ORDER BY start_date, id",
    [STMT_GAPS_OF] = "SELECT " GAP_COLUMNS " FROM planned_gaps WHERE person_id = ? "
                     "ORDER BY start_date, id",
    [STMT_ENROLLMENT_INSERT] = "INSERT INTO enrollments (person_id, program, eligibility_date, "
                               "eligibility_facts, decided_by) VALUES (?, ?, ?, ?, ?)",
    [STMT_SERVICE_INSERT] =
        "INSERT INTO services (person_id, program, code, start_date, end_date, "
        "projected_end_date, provider, staff_id, cost_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [STMT_FUNDING_INSERT] = "INSERT INTO service_funding (service_id, person_id, stream, percent) "
                            "VALUES (?, ?, ?, ?)",
    /* Corrections: the version in the WHERE clause makes a stale write fail (If-Match). */
    [STMT_SERVICE_CORRECT] =
        "UPDATE services SET code = ?, start_date = ?, end_date = ?, projected_end_date = ?, "
        "provider = coalesce(?, provider), version = version + 1 "
        "WHERE id = ? AND person_id = ? AND version = ?",
    [STMT_SERVICE_EXISTS] = "SELECT 1 FROM services WHERE id = ? AND person_id = ?",
    [STMT_ENROLLMENT_CORRECT] = "UPDATE enrollments SET eligibility_date = ?, version = version + 1 "
                                "WHERE id = ? AND person_id = ? AND version = ?",
    [STMT_ENROLLMENT_EXISTS] = "SELECT 1 FROM enrollments WHERE id = ? AND person_id = ?",
    [STMT_SERVICE_UPDATE] =
        "UPDATE services SET start_date = ?, end_date = ?, projected_end_date = ?, "
        "version = version + 1 WHERE id = ? AND person_id = ?",
    [STMT_GAP_INSERT] = "INSERT INTO planned_gaps (person_id, program, start_date, "
                        "planned_end_date, reason, services_after) VALUES (?, ?, ?, ?, ?, ?)",
    [STMT_NOTE_INSERT] = "INSERT INTO case_notes (person_id, service_id, agency_id, author_id, "
                         "written_on, confidential, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
    [STMT_CONTACT_INSERT] = "INSERT INTO contacts (person_id, staff_id, contacted_on, method, "
                            "responded, outcome) VALUES (?, ?, ?, ?, ?, ?)",
    [STMT_AUDIT_APPEND] = "INSERT INTO audit_log (user_id, person_id, action, entity, entity_id, "
                          "reason, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    /* The log of reads of an in-memory database (a file's is written by sqlite_read_log.c). */
    [STMT_READ_LOG_APPEND] = "INSERT INTO reads.read_log (user_id, person_id, action, entity, "
                             "entity_id, reason, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",

    [STMT_CLOCK_GROUPS] = "SELECT group_key FROM exit_clocks WHERE person_id = ?",
    [STMT_CLOCK_DELETE] = "DELETE FROM exit_clocks WHERE person_id = ? AND group_key = ?",
    /* A clock kept as it was is not written at all, and one that changed is updated in place:
     * its row keeps its place, and the primary key's index is left alone. */
    [STMT_CLOCK_PUT] =
        "INSERT INTO exit_clocks (person_id, group_key, period, status, last_service_date, "
        "soft_exit_date, held_by, review_on, computed_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (person_id, group_key) DO UPDATE SET period = excluded.period, "
        "status = excluded.status, last_service_date = excluded.last_service_date, "
        "soft_exit_date = excluded.soft_exit_date, held_by = excluded.held_by, "
        "review_on = excluded.review_on, computed_on = excluded.computed_on "
        "WHERE (period, status, last_service_date, soft_exit_date, held_by, review_on, "
        "computed_on) IS NOT (excluded.period, excluded.status, excluded.last_service_date, "
        "excluded.soft_exit_date, excluded.held_by, excluded.review_on, excluded.computed_on)",
    [STMT_CLOCKS_GET] = "SELECT " CLOCK_COLUMNS " FROM exit_clocks c "
                        "LEFT JOIN programs p ON p.code = c.group_key WHERE c.person_id = ? "
                        "ORDER BY coalesce(p.position, -1)",
    /* Without statistics the planner would walk the primary key to spare the sort, reading every
     * clock; the due range is a small slice, so the review index is named.  It holds only the
     * clocks with a review day (migration 9), which `review_on <= ?` implies.  The sort gathers
     * every due person before the first is returned, so the callback may rewrite clocks. */
    [STMT_CLOCKS_DUE] = "SELECT DISTINCT person_id FROM exit_clocks INDEXED BY exit_clocks_review "
                        "WHERE review_on <= ? ORDER BY person_id",

    [STMT_EXIT_RUN_BEGIN] = "INSERT INTO exit_runs (as_of) VALUES (?)",
    [STMT_EXIT_RUN_FINISH] = "UPDATE exit_runs SET finished_at = CURRENT_TIMESTAMP, "
                             "examined = ?, recorded = ?, reopened = ? WHERE id = ?",
    [STMT_EXIT_PUT] =
        "INSERT INTO exits (person_id, program, period, entry_date, exit_date, determined_on, "
        "run_id, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (person_id, program, period) DO NOTHING",
    [STMT_EXIT_GET] = "SELECT entry_date, exit_date FROM exits "
                      "WHERE person_id = ? AND program = ? AND period = ?",
    [STMT_EXITS_GET] = "SELECT " EXIT_COLUMNS " FROM exits e JOIN programs p ON p.code = e.program "
                       "WHERE e.person_id = ? ORDER BY p.position, e.period",
    [STMT_EXIT_DELETE] = "DELETE FROM exits WHERE person_id = ? AND program = ? AND period = ?",

    /* people_scan: cursors in person_id order, merged in step.  Each ORDER BY matches an index
     * (rowid is the index's last column, the primary keys for clocks and exits), so none of them
     * sorts; a person's clocks and exits are put in clocks_get's and exits_get's order in memory. */
    [STMT_SCAN_PEOPLE] = "SELECT id, " PERSON_COLUMNS " FROM people WHERE " SCAN_RANGE("id")
                         " ORDER BY id",
    [STMT_SCAN_PEOPLE_HEADS] = "SELECT id, external_id FROM people WHERE " SCAN_RANGE("id")
                               " ORDER BY id",
    [STMT_SCAN_ENROLLMENTS] = "SELECT person_id, " ENROLLMENT_COLUMNS " FROM enrollments "
                              "WHERE " SCAN_RANGE("person_id")
                              " ORDER BY person_id, eligibility_date, id",
    [STMT_SCAN_SERVICES] = "SELECT person_id, " SERVICE_COLUMNS " FROM services "
                           "WHERE " SCAN_RANGE("person_id") " ORDER BY person_id, start_date, id",
    [STMT_SCAN_GAPS] = "SELECT person_id, " GAP_COLUMNS " FROM planned_gaps "
                       "WHERE " SCAN_RANGE("person_id") " ORDER BY person_id, start_date, id",
    [STMT_SCAN_CLOCKS] = "SELECT c.person_id, " CLOCK_COLUMNS " FROM exit_clocks c "
                         "LEFT JOIN programs p ON p.code = c.group_key "
                         "WHERE " SCAN_RANGE("c.person_id") " ORDER BY c.person_id, c.group_key",
    [STMT_SCAN_EXITS] = "SELECT e.person_id, " EXIT_COLUMNS " FROM exits e "
                        "JOIN programs p ON p.code = e.program "
                        "WHERE " SCAN_RANGE("e.person_id")
                        " ORDER BY e.person_id, e.program, e.period",
    [STMT_PEOPLE_ID_BOUNDS] = "SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM people",

    [STMT_AGENCY_INSERT] = "INSERT INTO agencies (code, name) VALUES (?, ?)",
    [STMT_AGENCY_BY_CODE] = "SELECT id FROM agencies WHERE code = ?",
    [STMT_USER_INSERT] = "INSERT INTO users (email, name, role, agency_id, password_hash, active) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
    [STMT_USER_BY_EMAIL] =
        "SELECT u.id, u.email, u.name, u.role, coalesce(a.code, ''), u.password_hash, u.active "
        "FROM users u LEFT JOIN agencies a ON a.id = u.agency_id WHERE u.email = ?",
    [STMT_TOKEN_INSERT] = "INSERT INTO api_tokens (user_id, token_hash, label) VALUES (?, ?, ?)",
    [STMT_TOKEN_USER] = "SELECT t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id "
                        "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.active = 1",
    /* notes_load, contacts_load: one person's, oldest first (the person indexes). */
    [STMT_NOTES_OF] = "SELECT " NOTE_COLUMNS ", body FROM case_notes WHERE person_id = ? "
                      "ORDER BY written_on, id",
    [STMT_NOTE_HEADS_OF] = "SELECT " NOTE_COLUMNS " FROM case_notes WHERE person_id = ? "
                           "ORDER BY written_on, id",
    [STMT_CONTACTS_OF] = "SELECT id, staff_id, contacted_on, method, responded, outcome "
                         "FROM contacts WHERE person_id = ? ORDER BY contacted_on, id",

    /* The HTTP API.  Session expiry is UTC text (CURRENT_TIMESTAMP's form), read back as Unix
     * seconds. */
    [STMT_SESSION_INSERT] = "INSERT INTO sessions (user_id, token_hash, csrf_token, expires_at) "
                            "VALUES (?, ?, ?, ?)",
    [STMT_SESSION_GET] =
        "SELECT s.user_id, s.csrf_token, CAST(strftime('%s', s.expires_at) AS INTEGER) "
        "FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = ? AND s.expires_at > ? AND u.active = 1",
    [STMT_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?",
    [STMT_SESSIONS_PRUNE] = "DELETE FROM sessions WHERE expires_at <= ?",
    [STMT_USER_BY_ID] =
        "SELECT u.id, u.email, u.name, u.role, coalesce(a.code, ''), u.password_hash, u.active, "
        "coalesce(u.agency_id, 0) FROM users u LEFT JOIN agencies a ON a.id = u.agency_id "
        "WHERE u.id = ?",
    /* person_search: one statement per leading filter, each walking its index in the order it
     * returns rows (no sort); the other filters are checked on the rows the index yields.  A name
     * prefix is the range [prefix, prefix || U+10FFFF) under NOCASE (people_name_nocase). */
    [STMT_PEOPLE_BY_NAME] =
        "SELECT id, " PERSON_COLUMNS " FROM people " PEOPLE_BY_NAME_WHERE
        " ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, birth_date, id "
        "LIMIT ?7 OFFSET ?8",
    [STMT_PEOPLE_BY_NAME_COUNT] = "SELECT count(*) FROM people " PEOPLE_BY_NAME_WHERE,
    [STMT_PEOPLE_BY_LAST4] =
        "SELECT p.id, " PERSON_COLUMNS_OF_P " FROM identities i JOIN people p ON p.id = "
        "i.person_id WHERE i.ssn_last4 = ?1 AND (?2 IS NULL OR p.birth_date = ?2) "
        "ORDER BY i.person_id LIMIT ?3 OFFSET ?4",
    [STMT_PEOPLE_BY_LAST4_COUNT] =
        "SELECT count(*) FROM identities i JOIN people p ON p.id = i.person_id "
        "WHERE i.ssn_last4 = ?1 AND (?2 IS NULL OR p.birth_date = ?2)",
    [STMT_PEOPLE_BY_BIRTH] = "SELECT id, " PERSON_COLUMNS " FROM people WHERE birth_date = ?1 "
                             "ORDER BY id LIMIT ?2 OFFSET ?3",
    [STMT_PEOPLE_BY_BIRTH_COUNT] = "SELECT count(*) FROM people WHERE birth_date = ?1",
    [STMT_PEOPLE_ALL] = "SELECT id, " PERSON_COLUMNS " FROM people ORDER BY id LIMIT ?1 OFFSET ?2",
    [STMT_PEOPLE_ALL_COUNT] = "SELECT count(*) FROM people",
    /* The version in the WHERE clause is what makes a stale write fail instead of winning. */
    [STMT_PERSON_UPDATE] =
        "UPDATE people SET first_name = ?, last_name = ?, birth_date = ?, sex = ?, facts = ?, "
        "version = version + 1, updated_at = CURRENT_TIMESTAMP WHERE id = ? AND version = ?",
    [STMT_IDEMPOTENCY_RESERVE] =
        "INSERT INTO idempotency_keys (user_id, key, fingerprint) VALUES (?, ?, ?) "
        "ON CONFLICT (user_id, key) DO NOTHING",
    [STMT_IDEMPOTENCY_GET] =
        "SELECT fingerprint, status, body, location, etag FROM idempotency_keys "
        "WHERE user_id = ? AND key = ?",
    [STMT_IDEMPOTENCY_COMPLETE] = "UPDATE idempotency_keys SET status = ?, body = ?, location = ?, "
                                  "etag = ? WHERE user_id = ? AND key = ?",
    [STMT_IDEMPOTENCY_RELEASE] =
        "DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND status = 0",
    [STMT_IDEMPOTENCY_PRUNE] = "DELETE FROM idempotency_keys WHERE created_at < ?",
    /* Case work (records.h).  An agency serves a person when it registered them, or one of its
     * users determined an enrollment or provided a service (RULES.md §11, access.h). */
    /* The rows of serving_agencies, kept by the triggers of schema migration 6. */
    [STMT_PERSON_SERVED_BY] = "SELECT EXISTS (SELECT 1 FROM serving_agencies "
                              "WHERE person_id = ?1 AND agency_id = ?2)",
    [STMT_AGENCY_PEOPLE] =
        "SELECT person_id FROM serving_agencies WHERE agency_id = ?1 ORDER BY person_id",
    /* One user's people (a caseload): each branch reads one staff index, (staff, person). */
    [STMT_STAFF_PEOPLE] = "SELECT person_id FROM services WHERE staff_id = ?1 "
                          "UNION SELECT person_id FROM enrollments WHERE decided_by = ?1 "
                          "UNION SELECT person_id FROM contacts WHERE staff_id = ?1 ORDER BY 1",
    [STMT_DECLINE_INSERT] = "INSERT INTO coenrollment_declines (person_id, rule, declined_on, "
                            "note, recorded_by) VALUES (?, ?, ?, ?, ?)",
    [STMT_DECLINES_OF] = "SELECT id, rule, declined_on, coalesce(note, ''), recorded_by "
                         "FROM coenrollment_declines WHERE person_id = ? ORDER BY rule",
    [STMT_IDENTITY_GET] = "SELECT ssn_sealed FROM identities WHERE person_id = ?",
    [STMT_CONSENT_INSERT] = "INSERT INTO consents (person_id, agency_id, purposes, from_date, "
                            "until_date, revoked_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
    [STMT_CONSENT_REVOKE] = "UPDATE consents SET revoked_at = ? "
                            "WHERE id = ? AND person_id = ? AND revoked_at IS NULL",
    [STMT_CONSENT_EXISTS] = "SELECT 1 FROM consents WHERE id = ? AND person_id = ?",
    [STMT_CONSENTS_OF] = "SELECT id, agency_id, purposes, from_date, until_date, revoked_at, "
                         "recorded_by FROM consents WHERE person_id = ? ORDER BY id",
    [STMT_ASSESSMENT_INSERT] = "INSERT INTO assessments (person_id, type, assessed_on, scores, "
                               "barriers, agency_id, author_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
    [STMT_ASSESSMENTS_OF] = "SELECT id, type, assessed_on, scores, barriers, agency_id, "
                            "author_id FROM assessments WHERE person_id = ? "
                            "ORDER BY assessed_on, id",
    [STMT_PLAN_INSERT] = "INSERT INTO plans (person_id, kind, created_on, signed_on, copy_given, "
                         "closed_on, agency_id, author_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    [STMT_PLAN_UPDATE] = "UPDATE plans SET signed_on = ?, copy_given = ?, closed_on = ? "
                         "WHERE id = ? AND person_id = ?",
    [STMT_PLANS_OF] = "SELECT id, kind, created_on, signed_on, copy_given, closed_on, agency_id, "
                      "author_id FROM plans WHERE person_id = ? ORDER BY created_on, id",
    [STMT_GOAL_INSERT] = "INSERT INTO goals (person_id, plan_id, type, description, target_date, "
                         "status, closed_on) VALUES (?, ?, ?, ?, ?, ?, ?)",
    [STMT_GOAL_UPDATE] = "UPDATE goals SET status = ?, closed_on = ? "
                         "WHERE id = ? AND person_id = ?",
    [STMT_GOALS_OF] = "SELECT id, plan_id, type, description, target_date, status, closed_on "
                      "FROM goals WHERE person_id = ? ORDER BY plan_id, id",
    [STMT_PLAN_REVIEW_INSERT] = "INSERT INTO plan_reviews (person_id, plan_id, reviewed_on, note, "
                                "reviewer_id) VALUES (?, ?, ?, ?, ?)",
    [STMT_PLAN_REVIEWS_OF] = "SELECT id, plan_id, reviewed_on, note, reviewer_id "
                             "FROM plan_reviews WHERE person_id = ? "
                             "ORDER BY plan_id, reviewed_on, id",
    [STMT_OUTCOME_INSERT] = "INSERT INTO outcomes (person_id, kind, outcome_date, quarter, "
                            "earnings_cents, employer_id, detail_type, source) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    [STMT_OUTCOMES_OF] = "SELECT id, kind, outcome_date, quarter, earnings_cents, employer_id, "
                         "detail_type, source FROM outcomes WHERE person_id = ? "
                         "ORDER BY outcome_date, id",
    /* Administration: pages are LIMIT ? OFFSET ? after any filter parameter. */
    [STMT_USERS_PAGE] = "SELECT u.id, u.email, u.name, u.role, coalesce(a.code, ''), u.active "
                        "FROM users u LEFT JOIN agencies a ON a.id = u.agency_id "
                        "ORDER BY u.id LIMIT ? OFFSET ?",
    [STMT_USERS_COUNT] = "SELECT count(*) FROM users",
    [STMT_AGENCIES_PAGE] = "SELECT id, code, name FROM agencies ORDER BY id LIMIT ? OFFSET ?",
    [STMT_AGENCIES_COUNT] = "SELECT count(*) FROM agencies",
    [STMT_ROLES_ALL] = "SELECT code, title FROM roles ORDER BY code",
    /* The audit log is two: the changes' entries in the database (audit_log) and the reads' in
     * the log of reads (sqlite_read_log.h).  Each is read newest first, in the order of its ids,
     * and the two are merged by time (audit_merge).  Two statements each rather than
     * "person_id = ? OR ? = 0", so the person's index serves one. */
#define AUDIT_COLUMNS "SELECT id, coalesce(person_id, 0), at, coalesce(user_id, 0), action, " \
                      "entity, coalesce(entity_id, 0), reason, after "
    /* A person's reads, chunk by chunk (SQLITE_READ_LOG_CHUNK): every chunk's number, newest
     * first, and the person's entries in each. */
#define READS_CHUNKS                                                                              \
    "WITH RECURSIVE chunk(c) AS (SELECT coalesce((SELECT max(id) FROM reads.read_log), 0) >> "    \
    SQLITE_READ_LOG_CHUNK_BITS " UNION ALL SELECT c - 1 FROM chunk WHERE c > 0) "
#define READS_OF                                                                                  \
    "FROM chunk, reads.read_log WHERE " SQLITE_READ_LOG_CHUNK " = chunk.c AND person_id = ?1"
    [STMT_AUDIT_NEWEST_ALL] = AUDIT_COLUMNS "FROM audit_log ORDER BY id DESC LIMIT ?",
    [STMT_READS_NEWEST_ALL] = AUDIT_COLUMNS "FROM reads.read_log ORDER BY id DESC LIMIT ?",
    /* Both logs are append-only (their triggers refuse updates and deletes), and SQLite gives
     * each entry the id one past the largest: their entries are numbered 1 to the largest id,
     * which counts them in one lookup where count(*) reads every entry (seconds, for the tens of
     * millions of a state's log). */
    [STMT_AUDIT_COUNT_ALL] = "SELECT coalesce((SELECT max(id) FROM audit_log), 0) + "
                             "coalesce((SELECT max(id) FROM reads.read_log), 0)",
    [STMT_AUDIT_NEWEST_OF] =
        AUDIT_COLUMNS "FROM audit_log WHERE person_id = ?1 ORDER BY id DESC LIMIT ?2",
    [STMT_READS_NEWEST_OF] = READS_CHUNKS AUDIT_COLUMNS READS_OF " ORDER BY id DESC LIMIT ?2",
    [STMT_AUDIT_COUNT_OF] = "SELECT (SELECT count(*) FROM audit_log WHERE person_id = ?1) + "
                            "(" READS_CHUNKS "SELECT count(*) " READS_OF ")",
#undef AUDIT_COLUMNS
#undef READS_CHUNKS
#undef READS_OF
};

/* A connection to the database and the statements prepared on it (stmt_get). */
struct connection {
    sqlite3 *db;
    sqlite3_stmt *stmts[STMT_COUNT];
};

struct sqlite_store {
    struct store base; /* first, so a struct store * is a struct sqlite_store * */
    /* The connection in use: the store's own, or in a write transaction on a file, the one the
     * process writes that file through (write_begin). */
    struct connection *conn;
    struct connection own;
    /* Shared with this process's other connections to the file (sqlite_writer.h); NULL for an
     * in-memory database. */
    struct sqlite_writer *writer;
    bool holds_write_lock;
    bool joined; /* its change is in a transaction left open by another (sqlite_writer.h) */
    bool durability_deferred; /* store.h durability_deferred */
    uint64_t durable_pending;
    /* In a read transaction (begin_read), or in a change's reads (change_reads), whose audit
     * entries wait here until it commits. */
    bool reading;
    bool change_reads;
    struct audit_entry *queued;
    size_t n_queued, cap_queued;
    /* The people the change under way names in its audit entries (sqlite_writer_touch), at most
     * STORE_SQLITE_TOUCHED_MAX of them; past that, or with an entry that names no one, all. */
    int64_t touched[STORE_SQLITE_TOUCHED_MAX];
    size_t n_touched;
    bool touched_all;
};

/* Policy settings by their struct policy field name, as catalog_file.c reads them. */
struct policy_field {
    const char *name;
    size_t offset; /* of an int field */
};

static const struct policy_field policy_fields[] = {
    {"exit_after_days", offsetof(struct policy, exit_after_days)},
    {"gap_min_days", offsetof(struct policy, gap_min_days)},
    {"gap_max_days", offsetof(struct policy, gap_max_days)},
    {"gap_review_count", offsetof(struct policy, gap_review_count)},
    {"late_note_business_days", offsetof(struct policy, late_note_business_days)},
    {"exit_countdown_days", offsetof(struct policy, exit_countdown_days)},
    {"disengaged_days", offsetof(struct policy, disengaged_days)},
    {"plan_review_days", offsetof(struct policy, plan_review_days)},
    {"follow_up_months", offsetof(struct policy, follow_up_months)},
    {"follow_up_interval_months", offsetof(struct policy, follow_up_interval_months)},
    {"assessment_current_days", offsetof(struct policy, assessment_current_days)},
};

#define POLICY_FIELD_COUNT (sizeof(policy_fields) / sizeof(policy_fields[0]))
#define POLICY_OPEN_SERVICE "open_service_past_projected_end"

/* The person_facts fields kept in people.facts (JSON): absent means FACT_UNKNOWN. */
struct facts_field {
    const char *name;
    size_t offset; /* of an enum tristate */
};

static const struct facts_field facts_tristates[] = {
    {"authorized_to_work", offsetof(struct person_facts, authorized_to_work)},
    {"selective_service", offsetof(struct person_facts, selective_service)},
    {"veteran", offsetof(struct person_facts, veteran)},
    {"eligible_spouse", offsetof(struct person_facts, eligible_spouse)},
    {"low_income", offsetof(struct person_facts, low_income)},
    {"public_assistance", offsetof(struct person_facts, public_assistance)},
    {"basic_skills_deficient", offsetof(struct person_facts, basic_skills_deficient)},
    {"english_learner", offsetof(struct person_facts, english_learner)},
    {"disability", offsetof(struct person_facts, disability)},
    {"offender", offsetof(struct person_facts, offender)},
    {"homeless", offsetof(struct person_facts, homeless)},
    {"foster_youth", offsetof(struct person_facts, foster_youth)},
    {"pregnant_or_parenting", offsetof(struct person_facts, pregnant_or_parenting)},
    {"attending_school", offsetof(struct person_facts, attending_school)},
    {"has_diploma", offsetof(struct person_facts, has_diploma)},
    {"needs_additional_assistance", offsetof(struct person_facts, needs_additional_assistance)},
};

#define FACTS_TRISTATE_COUNT (sizeof(facts_tristates) / sizeof(facts_tristates[0]))

static const char *const dw_category_names[] = {
    [DW_NONE] = NULL,
    [DW_LAID_OFF] = "laid_off",
    [DW_PLANT_CLOSURE] = "plant_closure",
    [DW_SELF_EMPLOYED] = "self_employed",
    [DW_DISPLACED_HOMEMAKER] = "displaced_homemaker",
    [DW_MILITARY_SPOUSE] = "military_spouse",
    [DW_SEPARATING_SERVICE_MEMBER] = "separating_service_member",
};

#define DW_CATEGORY_COUNT (sizeof(dw_category_names) / sizeof(dw_category_names[0]))

/* people.sex; SEX_UNKNOWN is NULL. */
static const char *const sex_names[] = {
    [SEX_UNKNOWN] = NULL,
    [SEX_FEMALE] = "female",
    [SEX_MALE] = "male",
    [SEX_OTHER] = "other",
};

#define SEX_COUNT (sizeof(sex_names) / sizeof(sex_names[0]))

/* contacts.method, indexed by enum contact_method. */
static const char *const contact_method_names[] = {
    [CONTACT_PHONE] = "phone",         [CONTACT_LETTER] = "letter",
    [CONTACT_EMAIL] = "email",         [CONTACT_HOME_VISIT] = "home_visit",
    [CONTACT_IN_PERSON] = "in_person", [CONTACT_OTHER_AGENCY] = "other_agency",
    [CONTACT_OTHER] = "other",
};

#define CONTACT_METHOD_COUNT (sizeof(contact_method_names) / sizeof(contact_method_names[0]))

static struct sqlite_store *
sqlite_of(struct store *st)
{
    return (struct sqlite_store *)st;
}

/* Maps a failed SQLite call to a braid error that names the operation ("add the user"), never
 * the SQL: constraint failures become what they mean to the caller. */
static int
fail(int rc, const char *what, struct br_error *err)
{
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return br_error_set(err, BR_ECONFLICT, "cannot %s: it already exists", what);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        return br_error_set(err, BR_ENOTFOUND,
                            "cannot %s: it refers to something that does not exist", what);
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
        return br_error_set(err, BR_EINVAL, "cannot %s: a value is missing or out of range", what);
    default:
        return br_error_set(err, BR_EIO, "cannot %s: %s", what, sqlite3_errstr(rc));
    }
}

/* The cached statement id, prepared on first use; on reuse its last run and bindings are
 * cleared. */
static int
stmt_get(struct sqlite_store *s, enum stmt_id id, sqlite3_stmt **out, const char *what,
         struct br_error *err)
{
    sqlite3_stmt *stmt = s->conn->stmts[id];

    if (stmt != NULL) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    } else {
        int rc =
            sqlite3_prepare_v3(s->conn->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
        if (rc != SQLITE_OK)
            return fail(rc, what, err);
        s->conn->stmts[id] = stmt;
    }
    /* A read writes nothing (store.h begin_read).  (Not PRAGMA query_only: setting it expires
     * every prepared statement of the connection, and each read would prepare them again.) */
    if (s->reading && !sqlite3_stmt_readonly(stmt))
        return br_error_set(err, BR_EINVAL, "cannot %s inside a read", what);
    *out = stmt;
    return 0;
}

/* Steps a statement that returns no rows (or whose rows do not matter) and resets it. */
static int
stmt_run(sqlite3_stmt *stmt, const char *what, struct br_error *err)
{
    int rc = sqlite3_step(stmt);

    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return fail(rc, what, err);
    return 0;
}

static int
exec_stmt(struct sqlite_store *s, enum stmt_id id, const char *what, struct br_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(s, id, &stmt, what, err);

    if (rc != 0)
        return rc;
    return stmt_run(stmt, what, err);
}

/* Steps a statement expected to return one row: BR_ENOTFOUND (with message) when it returns
 * none.  The statement is left on its row for the caller to read and reset. */
static int
stmt_row(sqlite3_stmt *stmt, const char *what, const char *missing, struct br_error *err)
{
    int rc = sqlite3_step(stmt);

    if (rc == SQLITE_ROW)
        return 0;
    sqlite3_reset(stmt);
    if (rc == SQLITE_DONE)
        return br_error_set(err, BR_ENOTFOUND, "%s", missing);
    return fail(rc, what, err);
}

/* Parameters are bound in order; the first failure is kept and reported by bind_check. */
struct binder {
    sqlite3_stmt *stmt;
    int next;            /* the next parameter, from 1 */
    int rc;              /* the first SQLite failure, or SQLITE_OK */
    const char *invalid; /* the first value braid cannot store, or NULL */
};

static struct binder
bind_start(sqlite3_stmt *stmt)
{
    struct binder b = {stmt, 1, SQLITE_OK, NULL};
    return b;
}

static void
bind_result(struct binder *b, int rc)
{
    if (b->rc == SQLITE_OK)
        b->rc = rc;
    b->next++;
}

static void
bind_null(struct binder *b)
{
    bind_result(b, sqlite3_bind_null(b->stmt, b->next));
}

static void
bind_int64(struct binder *b, int64_t value)
{
    bind_result(b, sqlite3_bind_int64(b->stmt, b->next, value));
}

static void
bind_bool(struct binder *b, bool value)
{
    bind_int64(b, value ? 1 : 0);
}

/* Ids of users, agencies and services are 0 when unknown, and NULL in the database. */
static void
bind_id(struct binder *b, int64_t id)
{
    if (id == 0)
        bind_null(b);
    else
        bind_int64(b, id);
}

static void
bind_text(struct binder *b, const char *text)
{
    if (text == NULL)
        bind_null(b);
    else
        bind_result(b, sqlite3_bind_text(b->stmt, b->next, text, -1, SQLITE_TRANSIENT));
}

static void
bind_text_or_null(struct binder *b, const char *text)
{
    bind_text(b, text != NULL && text[0] != '\0' ? text : NULL);
}

static void
bind_date(struct binder *b, int32_t day)
{
    char text[DATE_TEXT_SIZE];
    int year, month, mday;

    if (day == DATE_NONE) {
        bind_null(b);
        return;
    }
    /* Only what date_parse reads back may be stored. */
    date_to_ymd(day, &year, &month, &mday);
    if (!date_valid(year, month, mday)) {
        if (b->invalid == NULL)
            b->invalid = "a date outside the years 1900 to 9999";
        bind_null(b);
        return;
    }
    bind_text(b, date_format(day, text));
}

static void
bind_blob(struct binder *b, const void *data, size_t len)
{
    if (data == NULL) {
        bind_null(b);
        return;
    }
    if (len > INT_MAX) {
        bind_result(b, SQLITE_TOOBIG);
        return;
    }
    bind_result(b, sqlite3_bind_blob(b->stmt, b->next, data, (int)len, SQLITE_TRANSIENT));
}

static int
bind_check(const struct binder *b, const char *what, struct br_error *err)
{
    if (b->invalid != NULL)
        return br_error_set(err, BR_EINVAL, "cannot %s: %s", what, b->invalid);
    if (b->rc != SQLITE_OK)
        return fail(b->rc, what, err);
    return 0;
}

/* Columns are read in order; the first value that is not what braid stores is kept in bad. */
struct row {
    sqlite3_stmt *stmt;
    int col;         /* the next column */
    const char *bad; /* the first problem, or NULL */
};

static void
row_problem(struct row *r, const char *problem)
{
    if (r->bad == NULL)
        r->bad = problem;
}

static int64_t
row_int64(struct row *r)
{
    return sqlite3_column_int64(r->stmt, r->col++);
}

static int
row_int(struct row *r)
{
    int64_t value = row_int64(r);

    if (value < INT_MIN || value > INT_MAX) {
        row_problem(r, "a number out of range");
        return 0;
    }
    return (int)value;
}

static bool
row_bool(struct row *r)
{
    return row_int64(r) != 0;
}

static bool
row_is_null(const struct row *r)
{
    return sqlite3_column_type(r->stmt, r->col) == SQLITE_NULL;
}

/* The text of the next column; "" for NULL.  Valid until the statement moves on. */
static const char *
row_text(struct row *r)
{
    const unsigned char *text = sqlite3_column_text(r->stmt, r->col++);
    return text != NULL ? (const char *)text : "";
}

/* Copies the next column into buf; text too long for it is a problem, not silently cut. */
static void
row_copy(struct row *r, char *buf, size_t size)
{
    const char *text = row_text(r);
    size_t len = strlen(text);

    if (len >= size) {
        row_problem(r, "a text longer than braid keeps");
        len = 0;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
}

static int32_t
row_date(struct row *r)
{
    const unsigned char *text = sqlite3_column_text(r->stmt, r->col++);
    int32_t day = DATE_NONE;

    if (text == NULL)
        return DATE_NONE;
    if (date_parse((const char *)text, &day) != 0) {
        row_problem(r, "a malformed date");
        return DATE_NONE;
    }
    return day;
}

static int
row_program(struct row *r, const struct catalog *catalog)
{
    int program = catalog_program_index(catalog, row_text(r));

    if (program == CATALOG_NOT_FOUND)
        row_problem(r, "a program that is not in the catalog");
    return program;
}

static int
row_service_code(struct row *r, const struct catalog *catalog)
{
    int code = catalog_service_index(catalog, row_text(r));

    if (code == CATALOG_NOT_FOUND)
        row_problem(r, "a service code that is not in the catalog");
    return code;
}

/* Index of name in names[count] (NULL entries never match), or -1. */
static int
name_index(const char *const *names, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (names[i] != NULL && strcmp(names[i], name) == 0)
            return (int)i;
    }
    return -1;
}

/* ---- person facts as JSON ---------------------------------------------------------------- */

static enum tristate *
facts_tristate(struct person_facts *facts, size_t i)
{
    return (enum tristate *)(void *)((char *)facts + facts_tristates[i].offset);
}

static enum tristate
facts_tristate_value(const struct person_facts *facts, size_t i)
{
    return *(const enum tristate *)(const void *)((const char *)facts + facts_tristates[i].offset);
}

/* Sets key to a string; jansson refuses text that is not UTF-8, and so does braid. */
static int
facts_set_text(json_t *object, const char *key, const char *text)
{
    json_t *value = json_string(text);

    if (value == NULL)
        return BR_EINVAL;
    return json_object_set_new(object, key, value) == 0 ? 0 : BR_EINVAL;
}

/* Encodes every field of facts that has no column of its own into *text (free() it).  Unknown
 * yes/no facts are left out, so an absent key always means "not asked yet".  Returns 0 or
 * BR_EINVAL (text that is not UTF-8, or an enum value out of range). */
static int
facts_encode(const struct person_facts *facts, char **text)
{
    int rc = 0;
    json_t *object = json_object();

    *text = NULL;
    if (facts->ssn_last4[0] != '\0' && facts_set_text(object, "ssn_last4", facts->ssn_last4) != 0) {
        rc = BR_EINVAL;
        goto out;
    }
    for (size_t i = 0; i < FACTS_TRISTATE_COUNT; i++) {
        enum tristate value = facts_tristate_value(facts, i);
        if (value == FACT_UNKNOWN)
            continue;
        if (value != FACT_YES && value != FACT_NO) {
            rc = BR_EINVAL;
            goto out;
        }
        json_object_set_new(object, facts_tristates[i].name, json_boolean(value == FACT_YES));
    }
    if ((size_t)facts->dw_category >= DW_CATEGORY_COUNT) {
        rc = BR_EINVAL;
        goto out;
    }
    if (facts->dw_category != DW_NONE &&
        facts_set_text(object, "dw_category", dw_category_names[facts->dw_category]) != 0) {
        rc = BR_EINVAL;
        goto out;
    }
    if (facts->taa_petition[0] != '\0' &&
        facts_set_text(object, "taa_petition", facts->taa_petition) != 0) {
        rc = BR_EINVAL;
        goto out;
    }
    *text = json_dumps(object, JSON_COMPACT | JSON_SORT_KEYS);
    if (*text == NULL)
        rc = BR_EINVAL;
out:
    json_decref(object);
    return rc;
}

/* Copies a JSON string into dst (size bytes); false when it is not a string or does not fit. */
static bool
facts_copy_text(json_t *value, char *dst, size_t size)
{
    if (!json_is_string(value) || json_string_length(value) >= size)
        return false;
    memcpy(dst, json_string_value(value), json_string_length(value) + 1);
    return true;
}

/* Reads what facts_encode wrote into the fields of facts it covers.  Keys braid does not know
 * are ignored, so a newer braid's extra facts do not make the row unreadable.  Returns 0 or
 * BR_EIO when the text is not what facts_encode writes. */
static int
facts_decode(const char *text, struct person_facts *facts)
{
    int rc = 0;
    json_t *object = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    json_t *value;

    if (!json_is_object(object)) {
        rc = BR_EIO;
        goto out;
    }
    value = json_object_get(object, "ssn_last4");
    if (value != NULL && !facts_copy_text(value, facts->ssn_last4, sizeof(facts->ssn_last4))) {
        rc = BR_EIO;
        goto out;
    }
    for (size_t i = 0; i < FACTS_TRISTATE_COUNT; i++) {
        value = json_object_get(object, facts_tristates[i].name);
        if (value == NULL)
            continue;
        if (!json_is_boolean(value)) {
            rc = BR_EIO;
            goto out;
        }
        *facts_tristate(facts, i) = json_is_true(value) ? FACT_YES : FACT_NO;
    }
    value = json_object_get(object, "dw_category");
    if (value != NULL) {
        int category = json_is_string(value) ? name_index(dw_category_names, DW_CATEGORY_COUNT,
                                                          json_string_value(value))
                                             : -1;
        if (category < 0) {
            rc = BR_EIO;
            goto out;
        }
        facts->dw_category = (enum dw_category)category;
    }
    value = json_object_get(object, "taa_petition");
    if (value != NULL &&
        !facts_copy_text(value, facts->taa_petition, sizeof(facts->taa_petition))) {
        rc = BR_EIO;
        goto out;
    }
out:
    json_decref(object);
    return rc;
}

/* ---- transactions -------------------------------------------------------------------------- */

static int audit_insert(struct sqlite_store *s, enum stmt_id id, const struct audit_entry *entry,
                        struct br_error *err);

static int write_connection(struct sqlite_store *s, struct connection **out, struct br_error *err);
static void rollback_any(struct sqlite_store *s, const char *what);

/* Gives the write lock back; the connection in use is the store's own again. */
static void
lock_give_back(struct sqlite_store *s)
{
    s->conn = &s->own;
    s->holds_write_lock = false;
    s->joined = false;
    sqlite_writer_unlock(s->writer);
}

/* The lock's holder commits the open transaction — its change and those of the batch left open
 * before it (sqlite_writer.h) — or, when that fails, rolls it back; either way the batch ends and
 * the lock is given back.  Returns 0 with *commit the commit's number, or the failure. */
static int
transaction_commit(struct sqlite_store *s, const char *what, uint64_t *commit,
                   struct br_error *err)
{
    struct br_error ignored;
    int rc;

    if (sqlite3_get_autocommit(s->conn->db)) {
        rc = br_error_set(err, BR_EIO, "cannot %s: the transaction was undone", what);
    } else {
        sqlite_writer_commit_begins(s->writer);
        rc = exec_stmt(s, STMT_COMMIT, what, err);
    }

    br_error_clear(&ignored);
    if (rc != 0 && !sqlite3_get_autocommit(s->conn->db))
        exec_stmt(s, STMT_ROLLBACK, what, &ignored);
    *commit = sqlite_writer_batch_end(s->writer, rc == 0 ? NULL : err);
    if (rc == 0)
        sqlite_writer_checkpoint_finish(s->writer, s->conn->db);
    lock_give_back(s);
    return rc;
}

/* Returns once commit is on disk — or at once, leaving the wait to the caller, when durability
 * is deferred (store.h durability_deferred). */
static int
durable(struct sqlite_store *s, uint64_t commit, struct br_error *err)
{
    if (!s->durability_deferred)
        return sqlite_writer_sync(s->writer, commit, err);
    if (commit > s->durable_pending)
        s->durable_pending = commit;
    return 0;
}

/* Waits for the end of the batch the caller's change was left in, then for its sync.  Should
 * the batch stay open past SQLITE_WRITER_BATCH_WAIT_MS (the writer it was left for gave up
 * waiting for the lock), the caller commits it. */
static int
batch_wait(struct sqlite_store *s, struct sqlite_batch *batch, struct br_error *err)
{
    uint64_t commit = 0;
    int rc = 0;

    while (!sqlite_writer_batch_wait(s->writer, batch, SQLITE_WRITER_BATCH_WAIT_MS, &rc, &commit,
                                     err)) {
        struct br_error ignored;
        br_error_clear(&ignored);
        if (sqlite_writer_lock(s->writer, STORE_SQLITE_BUSY_TIMEOUT_MS, &ignored) != 0)
            continue;
        s->holds_write_lock = true;
        if (sqlite_writer_batch_is_open(s->writer, batch) &&
            write_connection(s, &s->conn, &ignored) == 0) {
            uint64_t ignored_commit;
            transaction_commit(s, "commit the transaction", &ignored_commit, &ignored);
        } else {
            lock_give_back(s);
        }
    }
    if (rc != 0)
        return rc;
    return durable(s, commit, err);
}

static int connection_setup(sqlite3 *db, const char *path, struct sqlite_writer *writer,
                            bool with_read_log, struct br_error *err);
static int open_plain(const char *path, int flags, sqlite3 **out, const char *what,
                      struct br_error *err);

static void
connection_free(void *ptr)
{
    struct connection *c = ptr;

    for (size_t i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(c->stmts[i]);
    sqlite3_close(c->db); /* rolls back a transaction left open */
    free(c);
}

/* The connection this process writes the store's file through, opened by the first writer
 * (under the write lock) and kept by the file's sqlite_writer.  Since it alone commits there, its
 * page cache is never dropped for another connection's commit: a change starts warm, where a
 * connection that reads between changes would start cold after each. */
static int
write_connection(struct sqlite_store *s, struct connection **out, struct br_error *err)
{
    const char *what = "open the database for writing";
    struct connection *c = sqlite_writer_shared(s->writer);
    int rc;

    if (c != NULL) {
        *out = c;
        return 0;
    }
    c = xcalloc(1, sizeof(*c));
    const char *file = sqlite3_db_filename(s->own.db, "main");
    if ((rc = open_plain(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, &c->db, what, err)) !=
            0 ||
        (rc = connection_setup(c->db, file, s->writer, false, err)) != 0) {
        connection_free(c);
        return rc;
    }
    /* Its commits are made durable by write_end's shared WAL syncs (sqlite_writer.h). */
    sqlite3_exec(c->db, "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -"
                        STORE_SQLITE_WRITE_CACHE_KB, NULL, NULL, NULL);
    sqlite_writer_share(s->writer, c, connection_free);
    *out = c;
    return 0;
}

/* Begins a write transaction (IMMEDIATE: it waits for the lock rather than failing later).  On
 * a file, the store first takes the process's write lock of that file, so that its connections
 * queue there in turn, not in SQLite's sleeping busy handler, and then writes through the
 * process's write connection (write_connection), which commits with synchronous = NORMAL:
 * commit_any waits for a WAL sync it may share with others.  When the lock's last holder left
 * its transaction open for the next (sqlite_writer.h), the change joins it, in a savepoint. */
static int
write_begin(struct sqlite_store *s, const char *what, struct br_error *err)
{
    int rc = 0;

    if (!sqlite3_get_autocommit(s->conn->db))
        return br_error_set(err, BR_EINVAL, "cannot %s: a transaction is already open", what);
    s->n_touched = 0;
    s->touched_all = false;
    if (s->writer != NULL) {
        if ((rc = sqlite_writer_lock(s->writer, STORE_SQLITE_BUSY_TIMEOUT_MS, err)) != 0)
            return rc;
        s->holds_write_lock = true;
        rc = write_connection(s, &s->conn, err);
        s->joined = rc == 0 && sqlite_writer_batch_open(s->writer);
    }
    if (rc == 0)
        rc = exec_stmt(s, s->joined ? STMT_CHANGE_SAVEPOINT : STMT_BEGIN, what, err);
    if (rc != 0)
        rollback_any(s, what);
    return rc;
}

/* Commits the open transaction; after write_begin, durably, and maybe with the changes of the
 * writers waiting for the lock (sqlite_writer.h).  On failure nothing of it is kept. */
static int
commit_any(struct sqlite_store *s, const char *what, struct br_error *err)
{
    uint64_t commit = 0;
    int rc;

    if (!s->holds_write_lock) {
        if ((rc = exec_stmt(s, STMT_COMMIT, what, err)) != 0)
            rollback_any(s, what);
        return rc;
    }
    if (s->joined && (rc = exec_stmt(s, STMT_CHANGE_RELEASE, what, err)) != 0) {
        rollback_any(s, what);
        return rc;
    }
    sqlite_writer_touch(s->writer, s->touched, s->touched_all ? 0 : s->n_touched);
    if (sqlite_writer_batch_goes_on(s->writer)) {
        struct sqlite_batch *batch = sqlite_writer_batch_join(s->writer);
        lock_give_back(s);
        return batch_wait(s, batch, err);
    }
    if ((rc = transaction_commit(s, what, &commit, err)) != 0)
        return rc;
    return durable(s, commit, err);
}

/* Undoes the open transaction's change, if any, and gives back the write lock; this function
 * can't fail.  A change in a batch's transaction undoes only its savepoint, then leaves the
 * transaction to the writers waiting, or commits the batch's changes. */
static void
rollback_any(struct sqlite_store *s, const char *what)
{
    struct br_error ignored;
    uint64_t commit;

    br_error_clear(&ignored);
    bool open = !sqlite3_get_autocommit(s->conn->db);
    if (!s->holds_write_lock || !s->joined) {
        if (open)
            exec_stmt(s, STMT_ROLLBACK, what, &ignored);
        if (s->holds_write_lock)
            lock_give_back(s);
        return;
    }
    if (open) {
        exec_stmt(s, STMT_CHANGE_ROLLBACK_TO, what, &ignored);
        exec_stmt(s, STMT_CHANGE_RELEASE, what, &ignored);
    }
    if (sqlite3_get_autocommit(s->conn->db)) {
        /* SQLite undid the whole transaction (a full disk, an I/O error): the batch failed. */
        br_error_set(&ignored, BR_EIO, "cannot commit the transaction: it was undone (%s)",
                     sqlite3_errmsg(s->conn->db));
        sqlite_writer_batch_end(s->writer, &ignored);
        lock_give_back(s);
    } else if (sqlite_writer_batch_goes_on(s->writer)) {
        lock_give_back(s);
    } else {
        transaction_commit(s, what, &commit, &ignored);
    }
}

/* Forgets the audit entries a read queued. */
static void
queue_clear(struct sqlite_store *s)
{
    for (size_t i = 0; i < s->n_queued; i++)
        sqlite_audit_entry_free(&s->queued[i]);
    s->n_queued = 0;
}

/* Keeps a copy of an audit entry of the open read, for read_commit. */
static void
queue_audit(struct sqlite_store *s, const struct audit_entry *entry)
{
    xgrow(&s->queued, &s->cap_queued, s->n_queued + 1, sizeof(*s->queued));
    sqlite_audit_entry_copy(&s->queued[s->n_queued++], entry);
}

/* Hands the audit entries queued (by a read, or by a change's reads) to the log of reads: to its
 * journal on a file; an in-memory database's log is attached to it, so there they are inserted
 * in the transaction open on it. */
static int
queue_hand_over(struct sqlite_store *s, struct br_error *err)
{
    int rc = 0;

    if (s->writer != NULL)
        return sqlite_read_log_append(sqlite_writer_read_log(s->writer), s->queued, s->n_queued,
                                      err);
    for (size_t i = 0; rc == 0 && i < s->n_queued; i++)
        rc = audit_insert(s, STMT_READ_LOG_APPEND, &s->queued[i], err);
    return rc;
}

/* The last commit the read's answer could show a change of: when its audit entries name one
 * person, the last change to them or to no one in particular (every change is audited, naming
 * the people it touched: sqlite_writer_last_commit_of); otherwise the last commit of all. */
static uint64_t
read_seen(const struct sqlite_store *s)
{
    int64_t person_id = s->queued[0].person_id;
    for (size_t i = 1; i < s->n_queued && person_id > 0; i++)
        if (s->queued[i].person_id != person_id)
            person_id = 0;
    if (person_id <= 0)
        return sqlite_writer_last_commit(s->writer);
    return sqlite_writer_last_commit_of(s->writer, person_id);
}

/* Ends a read transaction, then hands the audit entries it queued to the log of reads
 * (sqlite_read_log.h), a file of their own, so that the database's page caches survive reads: a
 * read is answered only after its audit entries are written to the log's journal (a crash of
 * braid cannot lose them), and they are on disk within SQLITE_WRITER_SYNC_DELAY_MS.  Every
 * change the read's answer could show is on disk before it returns (read_seen), so no answer
 * shows a change that could still be lost.  (An in-memory database keeps its log of reads
 * attached in memory.) */
static int
read_commit(struct sqlite_store *s, struct br_error *err)
{
    const char *what = "write the audit log";
    int rc = exec_stmt(s, STMT_COMMIT, "end a read", err);

    if (rc != 0)
        rollback_any(s, "end a read");
    s->reading = false;
    if (rc == 0 && s->n_queued > 0 && s->writer != NULL) {
        uint64_t seen = read_seen(s);
        rc = queue_hand_over(s, err);
        if (rc == 0 && !sqlite_writer_durable(s->writer, seen))
            rc = durable(s, seen, err);
    } else if (rc == 0 && s->n_queued > 0) {
        rc = write_begin(s, what, err);
        if (rc == 0)
            rc = queue_hand_over(s, err);
        if (rc == 0)
            rc = commit_any(s, what, err);
        if (rc != 0)
            rollback_any(s, what);
    }
    queue_clear(s);
    return rc;
}

static int
sqlite_reads_flush(struct store *st, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    /* An in-memory database's log of reads is committed with each read (read_commit). */
    return s->writer != NULL ? sqlite_read_log_flush(sqlite_writer_read_log(s->writer), err) : 0;
}

/* Starts the unit of work of an op made of several statements: a transaction of its own when the
 * caller has none (IMMEDIATE for writes, so it waits for the lock rather than failing later).
 * Inside the caller's transaction it does nothing — no savepoint per op: releasing one costs an
 * allocation proportional to the database's size, which made bulk loads slow down as they grew.
 * *own says which, for op_end. */
static int
op_begin(struct sqlite_store *s, bool write, bool *own, struct br_error *err)
{
    *own = sqlite3_get_autocommit(s->conn->db) != 0;
    if (!*own)
        return 0;
    if (write)
        return write_begin(s, "begin a transaction", err);
    return exec_stmt(s, STMT_BEGIN_READ, "begin a transaction", err);
}

/* Ends what op_begin started: committed when rc is 0, rolled back otherwise.  Inside the caller's
 * transaction it returns rc and leaves undoing to the caller.  Returns rc, or the commit's
 * failure. */
static int
op_end(struct sqlite_store *s, bool own, int rc, struct br_error *err)
{
    if (!own)
        return rc;
    if (rc == 0)
        return commit_any(s, "commit", err);
    rollback_any(s, "roll back");
    return rc;
}

static int
sqlite_savepoint(struct store *st, struct br_error *err)
{
    return exec_stmt(sqlite_of(st), STMT_SAVEPOINT, "begin a savepoint", err);
}

static int
sqlite_savepoint_release(struct store *st, struct br_error *err)
{
    return exec_stmt(sqlite_of(st), STMT_RELEASE, "release a savepoint", err);
}

static void
sqlite_savepoint_rollback(struct store *st)
{
    struct br_error ignored;
    br_error_clear(&ignored);
    exec_stmt(sqlite_of(st), STMT_ROLLBACK_TO, "roll back a savepoint", &ignored);
    exec_stmt(sqlite_of(st), STMT_RELEASE, "release a savepoint", &ignored);
}

static int
sqlite_begin(struct store *st, struct br_error *err)
{
    return write_begin(sqlite_of(st), "begin a transaction", err);
}

/* A deferred transaction in which stmt_get refuses every statement that would write, so the only
 * thing a read leaves behind is the audit entries it queued (sqlite_audit_append). */
static int
sqlite_begin_read(struct store *st, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    int rc = exec_stmt(s, STMT_BEGIN_READ, "begin a read", err);

    if (rc == 0)
        s->reading = true;
    return rc;
}

static void
sqlite_change_reads(struct store *st, bool on)
{
    sqlite_of(st)->change_reads = on;
}

static void
sqlite_durability_deferred(struct store *st, bool on)
{
    sqlite_of(st)->durability_deferred = on;
}

static uint64_t
sqlite_durable_pending(struct store *st)
{
    struct sqlite_store *s = sqlite_of(st);
    uint64_t commit = s->durable_pending;
    s->durable_pending = 0;
    return commit;
}

static int
sqlite_durable_wait(struct store *st, uint64_t commit, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    return s->writer != NULL ? sqlite_writer_sync(s->writer, commit, err) : 0;
}

static int
sqlite_commit(struct store *st, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    int rc = 0;

    if (s->reading)
        return read_commit(s, err);
    /* A change's reads are handed over before it commits: a change whose answer could not be
     * audited is not made.  (Should the commit then fail, the log keeps the decisions on an
     * answer that was not given.) */
    s->change_reads = false;
    if (s->n_queued > 0)
        rc = queue_hand_over(s, err);
    queue_clear(s);
    if (rc != 0) {
        rollback_any(s, "roll back the transaction");
        return rc;
    }
    return commit_any(s, "commit the transaction", err);
}

/* Rolls back the open transaction, if any; this function can't fail. */
static void
sqlite_rollback(struct store *st)
{
    struct sqlite_store *s = sqlite_of(st);

    rollback_any(s, "roll back the transaction");
    s->reading = false;
    s->change_reads = false;
    queue_clear(s);
}

/* ---- schema -------------------------------------------------------------------------------- */

static int
read_version(struct sqlite_store *s, int *version, struct br_error *err)
{
    const char *what = "read the schema version";
    sqlite3_stmt *stmt = NULL;
    int rc;

    *version = 0;
    if ((rc = stmt_get(s, STMT_MIGRATIONS_TABLE, &stmt, what, err)) != 0)
        return rc;
    if ((rc = stmt_row(stmt, what, "no schema", err)) != 0)
        return rc;
    bool exists = sqlite3_column_int64(stmt, 0) > 0;
    sqlite3_reset(stmt);
    if (!exists)
        return 0;
    if ((rc = stmt_get(s, STMT_SCHEMA_VERSION, &stmt, what, err)) != 0)
        return rc;
    if ((rc = stmt_row(stmt, what, "no schema version", err)) != 0)
        return rc;
    int64_t v = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    if (v < 0 || v > INT_MAX)
        return br_error_set(err, BR_EIO, "the database's schema version is not valid");
    *version = (int)v;
    return 0;
}

static int
sqlite_schema_version(struct store *st, int *version, struct br_error *err)
{
    return read_version(sqlite_of(st), version, err);
}

static int
refuse_newer(int version, struct br_error *err)
{
    return br_error_set(err, BR_ECONFLICT,
                        "database schema version %d is newer than this braid (%d); upgrade braid",
                        version, STORE_SCHEMA_VERSION);
}

/* Applies one migration and records it, in one transaction. */
static int
apply_migration(struct sqlite_store *s, const struct migration *m, struct br_error *err)
{
    char what[96];
    sqlite3_stmt *stmt = NULL;
    int current = 0;
    int rc;

    snprintf(what, sizeof(what), "apply schema migration %d (%s)", m->version, m->name);
    if ((rc = write_begin(s, what, err)) != 0)
        return rc;
    /* Another braid may have applied it while this one waited for the write lock. */
    if ((rc = read_version(s, &current, err)) != 0)
        goto out;
    if (current >= m->version)
        goto out;
    rc = sqlite3_exec(s->conn->db, migrations_bootstrap_sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->conn->db, m->sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rc = fail(rc, what, err);
        goto out;
    }
    if ((rc = stmt_get(s, STMT_MIGRATION_RECORD, &stmt, what, err)) != 0)
        goto out;
    struct binder b = bind_start(stmt);
    bind_int64(&b, m->version);
    if ((rc = bind_check(&b, what, err)) != 0)
        goto out;
    rc = stmt_run(stmt, what, err);
out:
    return op_end(s, true, rc, err);
}

static int
sqlite_migrate(struct store *st, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    size_t n;
    const struct migration *list = migrations_list(&n);
    int version;
    int rc;

    /* Each migration commits on its own; inside a caller's transaction it could not. */
    if (!sqlite3_get_autocommit(s->conn->db))
        return br_error_set(err, BR_EINVAL, "cannot migrate inside a transaction");
    if ((rc = read_version(s, &version, err)) != 0)
        return rc;
    if (version > STORE_SCHEMA_VERSION)
        return refuse_newer(version, err);
    for (size_t i = 0; i < n; i++) {
        if (list[i].version <= version)
            continue;
        if ((rc = apply_migration(s, &list[i], err)) != 0)
            return rc;
    }
    return 0;
}

/* ---- catalog ------------------------------------------------------------------------------- */

static int
save_programs(struct sqlite_store *s, const struct catalog *catalog, struct br_error *err)
{
    const char *what = "save the programs";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = exec_stmt(s, STMT_PROGRAMS_MARK, what, err)) != 0)
        return rc;
    for (size_t i = 0; i < catalog->n_programs; i++) {
        const struct program *p = &catalog->programs[i];
        if ((rc = stmt_get(s, STMT_PROGRAM_PUT, &stmt, what, err)) != 0)
            return rc;
        struct binder b = bind_start(stmt);
        bind_text(&b, p->code);
        bind_text(&b, p->title);
        bind_text(&b, p->agency);
        bind_text(&b, p->kind);
        bind_bool(&b, p->common_exit);
        bind_bool(&b, p->job_center);
        bind_int64(&b, (int64_t)i);
        if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
            return rc;
    }
    if ((rc = stmt_get(s, STMT_PROGRAMS_PRUNE, &stmt, what, err)) != 0)
        return rc;
    rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return br_error_set(err, BR_ECONFLICT,
                            "cannot save the catalog: it leaves out a program that stored "
                            "records still use");
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    return 0;
}

static int
save_service_codes(struct sqlite_store *s, const struct catalog *catalog, struct br_error *err)
{
    const char *what = "save the service codes";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = exec_stmt(s, STMT_SERVICE_CODES_MARK, what, err)) != 0)
        return rc;
    for (size_t i = 0; i < catalog->n_services; i++) {
        const struct service_code *c = &catalog->services[i];
        if ((rc = stmt_get(s, STMT_SERVICE_CODE_PUT, &stmt, what, err)) != 0)
            return rc;
        struct binder b = bind_start(stmt);
        bind_text(&b, c->code);
        bind_text(&b, c->title);
        bind_text(&b, service_category_name(c->category));
        bind_bool(&b, c->triggers_participation);
        bind_bool(&b, c->prevents_exit);
        bind_int64(&b, (int64_t)i);
        if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
            return rc;
    }
    if ((rc = stmt_get(s, STMT_SERVICE_CODES_PRUNE, &stmt, what, err)) != 0)
        return rc;
    rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return br_error_set(err, BR_ECONFLICT,
                            "cannot save the catalog: it leaves out a service code that stored "
                            "records still use");
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    return 0;
}

static int
save_setting(struct sqlite_store *s, const char *name, const char *value, struct br_error *err)
{
    const char *what = "save the policy settings";
    sqlite3_stmt *stmt = NULL;
    int rc = stmt_get(s, STMT_SETTING_PUT, &stmt, what, err);

    if (rc != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_text(&b, name);
    bind_text(&b, value);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    return stmt_run(stmt, what, err);
}

static int
sqlite_catalog_save(struct store *st, const struct catalog *catalog, const struct policy *policy,
                    struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    char value[STORE_SQLITE_NUMBER_SIZE];
    bool own;
    int rc;

    if ((rc = op_begin(s, true, &own, err)) != 0)
        return rc;
    if ((rc = save_programs(s, catalog, err)) != 0 ||
        (rc = save_service_codes(s, catalog, err)) != 0)
        goto out;
    for (size_t i = 0; i < POLICY_FIELD_COUNT; i++) {
        const int *field =
            (const int *)(const void *)((const char *)policy + policy_fields[i].offset);
        snprintf(value, sizeof(value), "%d", *field);
        if ((rc = save_setting(s, policy_fields[i].name, value, err)) != 0)
            goto out;
    }
    rc = save_setting(s, POLICY_OPEN_SERVICE,
                      open_service_policy_name(policy->open_service_past_projected_end), err);
out:
    return op_end(s, own, rc, err);
}

/* The number of rows a count(*) statement returns. */
static int
count_rows(struct sqlite_store *s, enum stmt_id id, size_t *n, const char *what,
           struct br_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, id, &stmt, what, err)) != 0)
        return rc;
    if ((rc = stmt_row(stmt, what, "no count", err)) != 0)
        return rc;
    int64_t count = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    if (count < 0 || count > INT_MAX)
        return br_error_set(err, BR_EIO, "cannot %s: too many rows", what);
    *n = (size_t)count;
    return 0;
}

/* Reads a catalog row's columns before its position into item. */
typedef void (*catalog_row_fn)(struct row *r, void *item);

/* Loads a catalog table into *items (allocated here, the caller's to free even on failure): n
 * rows of size bytes, each read by read_row and followed by its position, which is its index in
 * the array — the index records use, 0..n-1 without a hole (catalog_save). */
static int
load_positioned(struct sqlite_store *s, enum stmt_id count_id, enum stmt_id load_id,
                const char *what, size_t size, catalog_row_fn read_row, void **items, size_t *n,
                struct br_error *err)
{
    sqlite3_stmt *stmt = NULL;
    size_t count = 0, i = 0;
    int rc;

    if ((rc = count_rows(s, count_id, &count, what, err)) != 0)
        return rc;
    *items = xcalloc(count, size);
    if ((rc = stmt_get(s, load_id, &stmt, what, err)) != 0)
        return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct row r = {stmt, 0, NULL};
        if (i >= count) {
            rc = br_error_set(err, BR_EIO, "cannot %s: the table changed while read", what);
            goto out;
        }
        read_row(&r, (char *)*items + i * size);
        if (row_int64(&r) != (int64_t)i)
            row_problem(&r, "positions that are not 0, 1, 2, ...");
        if (r.bad != NULL) {
            rc = br_error_set(err, BR_EIO, "cannot %s: the table has %s", what, r.bad);
            goto out;
        }
        i++;
    }
    if (rc != SQLITE_DONE) {
        rc = fail(rc, what, err);
        goto out;
    }
    *n = i;
    rc = 0;
out:
    sqlite3_reset(stmt);
    return rc;
}

static void
read_program(struct row *r, void *item)
{
    struct program *p = item;
    row_copy(r, p->code, sizeof(p->code));
    row_copy(r, p->title, sizeof(p->title));
    row_copy(r, p->agency, sizeof(p->agency));
    row_copy(r, p->kind, sizeof(p->kind));
    p->common_exit = row_bool(r);
    p->job_center = row_bool(r);
}

static void
read_service_code(struct row *r, void *item)
{
    struct service_code *c = item;
    row_copy(r, c->code, sizeof(c->code));
    row_copy(r, c->title, sizeof(c->title));
    if (service_category_parse(row_text(r), &c->category) != 0)
        row_problem(r, "an unknown category");
    c->triggers_participation = row_bool(r);
    c->prevents_exit = row_bool(r);
}

static int
load_programs(struct sqlite_store *s, struct catalog *catalog, struct br_error *err)
{
    void *items = NULL;
    int rc = load_positioned(s, STMT_PROGRAMS_COUNT, STMT_PROGRAMS_LOAD, "load the programs",
                             sizeof(struct program), read_program, &items, &catalog->n_programs,
                             err);
    catalog->programs = items;
    return rc;
}

static int
load_service_codes(struct sqlite_store *s, struct catalog *catalog, struct br_error *err)
{
    void *items = NULL;
    int rc = load_positioned(s, STMT_SERVICE_CODES_COUNT, STMT_SERVICE_CODES_LOAD,
                             "load the service codes", sizeof(struct service_code),
                             read_service_code, &items, &catalog->n_services, err);
    catalog->services = items;
    return rc;
}

/* Parses a whole decimal int; no atoi, which cannot tell "12x" or overflow from a number. */
static bool
parse_int(const char *text, int *out)
{
    char *end;

    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < INT_MIN || value > INT_MAX)
        return false;
    *out = (int)value;
    return true;
}

/* Reads the policy settings over the defaults; names braid does not know are left alone (the
 * settings table holds more than policy). */
static int
load_policy(struct sqlite_store *s, struct policy *policy, struct br_error *err)
{
    const char *what = "load the policy settings";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_SETTINGS_LOAD, &stmt, what, err)) != 0)
        return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct row r = {stmt, 0, NULL};
        const char *name = row_text(&r);
        const char *value = row_text(&r);
        bool ok = true;

        if (strcmp(name, POLICY_OPEN_SERVICE) == 0)
            ok = open_service_policy_parse(value, &policy->open_service_past_projected_end) == 0;
        for (size_t i = 0; i < POLICY_FIELD_COUNT; i++) {
            if (strcmp(name, policy_fields[i].name) == 0)
                ok = parse_int(value, (int *)(void *)((char *)policy + policy_fields[i].offset));
        }
        if (!ok) {
            rc = br_error_set(err, BR_EIO, "cannot %s: setting %s is not valid", what, name);
            goto out;
        }
    }
    if (rc != SQLITE_DONE) {
        rc = fail(rc, what, err);
        goto out;
    }
    rc = 0;
out:
    sqlite3_reset(stmt);
    return rc;
}

static int
sqlite_catalog_load(struct store *st, struct catalog *catalog, struct policy *policy,
                    struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    bool own;
    int rc;

    memset(catalog, 0, sizeof(*catalog));
    policy_defaults(policy);
    /* One snapshot: the counts and the rows must agree. */
    if ((rc = op_begin(s, false, &own, err)) != 0)
        return rc;
    if ((rc = load_programs(s, catalog, err)) != 0 ||
        (rc = load_service_codes(s, catalog, err)) != 0)
        goto out;
    catalog_index_codes(catalog);
    rc = load_policy(s, policy, err);
out:
    rc = op_end(s, own, rc, err);
    if (rc != 0) {
        catalog_cleanup(catalog);
        policy_defaults(policy);
    }
    return rc;
}

/* The code of the stored program at a catalog index, for the ops given no catalog. */
static int
program_at(struct sqlite_store *s, int program, char *code, size_t size, const char *what,
           struct br_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_PROGRAM_AT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, program);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        struct row r = {stmt, 0, NULL};
        row_copy(&r, code, size);
        rc = r.bad != NULL
                 ? br_error_set(err, BR_EIO, "cannot %s: a stored program has %s", what, r.bad)
                 : 0;
    } else if (rc == SQLITE_DONE) {
        rc = br_error_set(err, BR_EINVAL, "cannot %s: program %d is not in the stored catalog",
                          what, program);
    } else {
        rc = fail(rc, what, err);
    }
    sqlite3_reset(stmt);
    return rc;
}

/* The catalog's code for a program index, or NULL when the index is out of range. */
static const char *
catalog_program_code(const struct catalog *catalog, int program)
{
    if (program < 0 || (size_t)program >= catalog->n_programs)
        return NULL;
    return catalog->programs[program].code;
}

static const char *
catalog_service_code(const struct catalog *catalog, int code)
{
    if (code < 0 || (size_t)code >= catalog->n_services)
        return NULL;
    return catalog->services[code].code;
}

/* ---- people -------------------------------------------------------------------------------- */

/* Reads PERSON_COLUMNS from col on into person (not its id). */
static const char *
read_person(sqlite3_stmt *stmt, int col, struct stored_person *person)
{
    struct row r = {stmt, col, NULL};
    struct person_facts *f = &person->facts;

    memset(f, 0, sizeof(*f));
    row_copy(&r, person->external_id, sizeof(person->external_id));
    row_copy(&r, f->first_name, sizeof(f->first_name));
    row_copy(&r, f->last_name, sizeof(f->last_name));
    f->birth_on = row_date(&r);
    if (!row_is_null(&r)) {
        int sex = name_index(sex_names, SEX_COUNT, row_text(&r));
        if (sex < 0)
            row_problem(&r, "an unknown sex");
        else
            f->sex = (enum sex)sex;
    } else {
        r.col++;
    }
    if (facts_decode(row_text(&r), f) != 0)
        row_problem(&r, "malformed facts");
    person->version = row_int64(&r);
    return r.bad;
}

static int
sqlite_person_insert(struct store *st, struct stored_person *person, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "register the person";
    const struct person_facts *f = &person->facts;
    sqlite3_stmt *stmt = NULL;
    char *facts = NULL;
    int rc;

    if ((size_t)f->sex >= SEX_COUNT || facts_encode(f, &facts) != 0) {
        rc = br_error_set(err, BR_EINVAL, "cannot %s: a fact is out of range or not UTF-8", what);
        goto out;
    }
    if ((rc = stmt_get(s, STMT_PERSON_INSERT, &stmt, what, err)) != 0)
        goto out;
    struct binder b = bind_start(stmt);
    bind_text_or_null(&b, person->external_id);
    bind_text(&b, f->first_name);
    bind_text(&b, f->last_name);
    bind_date(&b, f->birth_on);
    bind_text(&b, sex_names[f->sex]);
    bind_text(&b, facts);
    if ((rc = bind_check(&b, what, err)) != 0)
        goto out;
    rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        rc = br_error_set(err, BR_ECONFLICT, "a person with external id %s already exists",
                          person->external_id);
        goto out;
    }
    if (rc != SQLITE_DONE) {
        rc = fail(rc, what, err);
        goto out;
    }
    person->id = sqlite3_last_insert_rowid(s->conn->db);
    person->version = 1;
    rc = 0;
out:
    free(facts);
    return rc;
}

static int
sqlite_person_get(struct store *st, int64_t id, struct stored_person *person, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "load the person";
    char missing[64];
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_PERSON_GET, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, id);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    snprintf(missing, sizeof(missing), "no person with id %" PRId64, id);
    if ((rc = stmt_row(stmt, what, missing, err)) != 0)
        return rc;
    const char *bad = read_person(stmt, 0, person);
    sqlite3_reset(stmt);
    if (bad != NULL)
        return br_error_set(err, BR_EIO, "cannot %s: person %" PRId64 " has %s", what, id, bad);
    person->id = id;
    return 0;
}

static int
sqlite_person_by_external_id(struct store *st, const char *external_id, int64_t *id,
                             struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "find the person by external id";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_PERSON_BY_EXTERNAL_ID, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_text(&b, external_id);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    if ((rc = stmt_row(stmt, what, "no person with that external id", err)) != 0)
        return rc;
    *id = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    return 0;
}

static int
sqlite_person_duplicates(struct store *st, const struct person_facts *facts,
                         const uint8_t *ssn_hash, int64_t *ids, size_t max, size_t *n,
                         struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "look for duplicate people";
    sqlite3_stmt *stmt = NULL;
    int rc;

    *n = 0;
    if (max == 0)
        return 0;
    if ((rc = stmt_get(s, STMT_PERSON_DUPLICATES, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_blob(&b, ssn_hash, STORE_HASH_SIZE);
    bind_text(&b, facts->last_name);
    bind_text(&b, facts->first_name);
    bind_date(&b, facts->birth_on);
    bind_int64(&b, max > INT64_MAX ? INT64_MAX : (int64_t)max);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && *n < max)
        ids[(*n)++] = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail(rc, what, err);
    return 0;
}

static int
sqlite_identity_put(struct store *st, int64_t person_id, const uint8_t ssn_hash[STORE_HASH_SIZE],
                    const uint8_t *sealed, size_t sealed_len, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "record the person's SSN";
    struct stored_person person;
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (ssn_hash == NULL || sealed == NULL || sealed_len == 0)
        return br_error_set(err, BR_EINVAL, "cannot %s: the hash and the sealed SSN are required",
                            what);
    /* The last four digits are a fact of the person (person_facts); identities keeps a copy so
     * the row stands on its own. */
    if ((rc = sqlite_person_get(st, person_id, &person, err)) != 0)
        return rc;
    if ((rc = stmt_get(s, STMT_IDENTITY_PUT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    bind_blob(&b, ssn_hash, STORE_HASH_SIZE);
    bind_blob(&b, sealed, sealed_len);
    bind_text_or_null(&b, person.facts.ssn_last4);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    return stmt_run(stmt, what, err);
}

/* ---- records: enrollments, services, gaps -------------------------------------------------- */

static const char *
read_enrollment(sqlite3_stmt *stmt, int col, const struct catalog *catalog, struct enrollment *e)
{
    struct row r = {stmt, col, NULL};

    e->id = row_int64(&r);
    e->program = row_program(&r, catalog);
    e->eligibility_on = row_date(&r);
    e->version = row_int64(&r);
    return r.bad;
}

static const char *
read_service(sqlite3_stmt *stmt, int col, const struct catalog *catalog, struct service *sv)
{
    struct row r = {stmt, col, NULL};

    sv->id = row_int64(&r);
    sv->program = row_program(&r, catalog);
    sv->code = row_service_code(&r, catalog);
    sv->start_on = row_date(&r);
    sv->end_on = row_date(&r);
    sv->projected_end_on = row_date(&r);
    sv->version = row_int64(&r);
    if (sv->start_on == DATE_NONE)
        row_problem(&r, "no start date");
    return r.bad;
}

static const char *
read_gap(sqlite3_stmt *stmt, int col, const struct catalog *catalog, struct planned_gap *g)
{
    struct row r = {stmt, col, NULL};

    g->id = row_int64(&r);
    g->program = row_program(&r, catalog);
    if (gap_reason_parse(row_text(&r), &g->reason) != 0)
        row_problem(&r, "an unknown reason");
    g->start_on = row_date(&r);
    g->planned_end_on = row_date(&r);
    if (g->start_on == DATE_NONE || g->planned_end_on == DATE_NONE)
        row_problem(&r, "a missing date");
    return r.bad;
}

/* The tables of a person's record, read for one person (record_load) and for everyone in step
 * (people_scan). */
enum record_table {
    RECORD_ENROLLMENTS,
    RECORD_SERVICES,
    RECORD_GAPS,
};

/* Reads a row of table from col on and adds it to record: NULL, or what is wrong with the row. */
static const char *
add_record_row(enum record_table table, sqlite3_stmt *stmt, int col,
               const struct catalog *catalog, struct person_record *record)
{
    const char *bad = NULL;

    switch (table) {
    case RECORD_ENROLLMENTS: {
        struct enrollment e;
        if ((bad = read_enrollment(stmt, col, catalog, &e)) == NULL)
            person_record_add_enrollment(record, &e);
        break;
    }
    case RECORD_SERVICES: {
        struct service sv;
        if ((bad = read_service(stmt, col, catalog, &sv)) == NULL)
            person_record_add_service(record, &sv);
        break;
    }
    case RECORD_GAPS: {
        struct planned_gap g;
        if ((bad = read_gap(stmt, col, catalog, &g)) == NULL)
            person_record_add_gap(record, &g);
        break;
    }
    }
    return bad;
}

/* Runs the *_OF statement of table for a person and adds each row to record. */
static int
load_rows(struct sqlite_store *s, enum record_table table, const struct catalog *catalog,
          int64_t person_id, struct person_record *record, struct br_error *err)
{
    static const enum stmt_id statements[] = {
        [RECORD_ENROLLMENTS] = STMT_ENROLLMENTS_OF,
        [RECORD_SERVICES] = STMT_SERVICES_OF,
        [RECORD_GAPS] = STMT_GAPS_OF,
    };
    static const char *const kinds[] = {
        [RECORD_ENROLLMENTS] = "an enrollment",
        [RECORD_SERVICES] = "a service",
        [RECORD_GAPS] = "a planned gap",
    };
    const char *what = "load the person's record";
    sqlite3_stmt *stmt = NULL;
    const char *bad = NULL;
    int rc;

    if ((rc = stmt_get(s, statements[table], &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    while (bad == NULL && (rc = sqlite3_step(stmt)) == SQLITE_ROW)
        bad = add_record_row(table, stmt, 0, catalog, record);
    sqlite3_reset(stmt);
    if (bad != NULL)
        return br_error_set(err, BR_EIO, "cannot %s: %s of person %" PRId64 " has %s", what,
                            kinds[table], person_id, bad);
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    return 0;
}

static int
person_exists(struct sqlite_store *s, int64_t person_id, const char *what, struct br_error *err)
{
    char missing[64];
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_PERSON_EXISTS, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    snprintf(missing, sizeof(missing), "no person with id %" PRId64, person_id);
    if ((rc = stmt_row(stmt, what, missing, err)) != 0)
        return rc;
    sqlite3_reset(stmt);
    return 0;
}

static int
sqlite_record_load(struct store *st, const struct catalog *catalog, int64_t person_id,
                   struct person_record *record, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    bool own;
    int rc;

    person_record_reset(record);
    if ((rc = op_begin(s, false, &own, err)) != 0)
        return rc;
    if ((rc = person_exists(s, person_id, "load the person's record", err)) != 0 ||
        (rc = load_rows(s, RECORD_ENROLLMENTS, catalog, person_id, record, err)) != 0 ||
        (rc = load_rows(s, RECORD_SERVICES, catalog, person_id, record, err)) != 0)
        goto out;
    rc = load_rows(s, RECORD_GAPS, catalog, person_id, record, err);
out:
    rc = op_end(s, own, rc, err);
    if (rc != 0)
        person_record_reset(record);
    return rc;
}

static int
sqlite_enrollment_insert(struct store *st, int64_t person_id, struct enrollment *enrollment,
                         const struct catalog *catalog, const char *facts_json, int64_t decided_by,
                         struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "record the enrollment";
    const char *program = catalog_program_code(catalog, enrollment->program);
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (program == NULL)
        return br_error_set(err, BR_EINVAL, "cannot %s: program %d is not in the catalog", what,
                            enrollment->program);
    if ((rc = stmt_get(s, STMT_ENROLLMENT_INSERT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    bind_text(&b, program);
    bind_date(&b, enrollment->eligibility_on);
    bind_text(&b, facts_json);
    bind_id(&b, decided_by);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    enrollment->id = sqlite3_last_insert_rowid(s->conn->db);
    enrollment->version = 1;
    return 0;
}

static int
insert_funding(struct sqlite_store *s, int64_t person_id, int64_t service_id,
               const struct service_detail *detail, struct br_error *err)
{
    const char *what = "record the service's funding";
    sqlite3_stmt *stmt = NULL;
    int rc;

    for (size_t i = 0; i < detail->n_funding; i++) {
        if ((rc = stmt_get(s, STMT_FUNDING_INSERT, &stmt, what, err)) != 0)
            return rc;
        struct binder b = bind_start(stmt);
        bind_int64(&b, service_id);
        bind_int64(&b, person_id);
        bind_text(&b, detail->funding[i].stream);
        bind_int64(&b, detail->funding[i].percent);
        if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
            return rc;
    }
    return 0;
}

static int
sqlite_service_insert(struct store *st, int64_t person_id, struct service *service,
                      const struct catalog *catalog, const struct service_detail *detail,
                      struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "record the service";
    const char *program = catalog_program_code(catalog, service->program);
    const char *code = catalog_service_code(catalog, service->code);
    static const struct service_detail no_detail;
    sqlite3_stmt *stmt = NULL;
    int64_t id = 0;
    bool own;
    int rc;

    if (detail == NULL)
        detail = &no_detail;
    if (program == NULL || code == NULL)
        return br_error_set(err, BR_EINVAL, "cannot %s: its program or code is not in the catalog",
                            what);
    if (detail->n_funding > sizeof(detail->funding) / sizeof(detail->funding[0]))
        return br_error_set(err, BR_EINVAL, "cannot %s: more than %zu funding streams", what,
                            sizeof(detail->funding) / sizeof(detail->funding[0]));
    if ((rc = op_begin(s, true, &own, err)) != 0)
        return rc;
    if ((rc = stmt_get(s, STMT_SERVICE_INSERT, &stmt, what, err)) != 0)
        goto out;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    bind_text(&b, program);
    bind_text(&b, code);
    bind_date(&b, service->start_on);
    bind_date(&b, service->end_on);
    bind_date(&b, service->projected_end_on);
    bind_text(&b, detail->provider);
    bind_id(&b, detail->staff_id);
    bind_int64(&b, detail->cost_cents);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        goto out;
    id = sqlite3_last_insert_rowid(s->conn->db);
    rc = insert_funding(s, person_id, id, detail, err);
out:
    rc = op_end(s, own, rc, err);
    if (rc == 0) {
        service->id = id;
        service->version = 1;
    }
    return rc;
}

static int
sqlite_service_update(struct store *st, int64_t person_id, const struct service *service,
                      struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "update the service";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_SERVICE_UPDATE, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_date(&b, service->start_on);
    bind_date(&b, service->end_on);
    bind_date(&b, service->projected_end_on);
    bind_int64(&b, service->id);
    bind_int64(&b, person_id);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    if (sqlite3_changes(s->conn->db) == 0)
        return br_error_set(err, BR_ENOTFOUND, "person %" PRId64 " has no service %" PRId64,
                            person_id, service->id);
    return 0;
}

/* After a versioned UPDATE changed no row: BR_ENOTFOUND when the row is not the person's,
 * else BR_ESTALE (someone changed it since expected_version was read). */
static int
stale_or_missing(struct sqlite_store *s, enum stmt_id exists, const char *kind, int64_t person_id,
                 int64_t id, int64_t expected_version, const char *what, struct br_error *err)
{
    char missing[96];
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, exists, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, id);
    bind_int64(&b, person_id);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    snprintf(missing, sizeof(missing), "person %" PRId64 " has no %s %" PRId64, person_id, kind,
             id);
    if ((rc = stmt_row(stmt, what, missing, err)) != 0)
        return rc;
    sqlite3_reset(stmt);
    return br_error_set(err, BR_ESTALE,
                        "%s %" PRId64 " was changed by someone else (version %" PRId64
                        " is no longer current)",
                        kind, id, expected_version);
}

static int
sqlite_service_correct(struct store *st, int64_t person_id, struct service *service,
                       const struct catalog *catalog, const char *provider,
                       int64_t expected_version, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "correct the service";
    const char *code = catalog_service_code(catalog, service->code);
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (code == NULL)
        return br_error_set(err, BR_EINVAL, "cannot %s: its code is not in the catalog", what);
    if ((rc = stmt_get(s, STMT_SERVICE_CORRECT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_text(&b, code);
    bind_date(&b, service->start_on);
    bind_date(&b, service->end_on);
    bind_date(&b, service->projected_end_on);
    bind_text(&b, provider);
    bind_int64(&b, service->id);
    bind_int64(&b, person_id);
    bind_int64(&b, expected_version);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    if (sqlite3_changes(s->conn->db) == 0)
        return stale_or_missing(s, STMT_SERVICE_EXISTS, "service", person_id, service->id,
                                expected_version, what, err);
    service->version = expected_version + 1;
    return 0;
}

static int
sqlite_enrollment_correct(struct store *st, int64_t person_id, struct enrollment *enrollment,
                          int64_t expected_version, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "correct the enrollment";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_ENROLLMENT_CORRECT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_date(&b, enrollment->eligibility_on);
    bind_int64(&b, enrollment->id);
    bind_int64(&b, person_id);
    bind_int64(&b, expected_version);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    if (sqlite3_changes(s->conn->db) == 0)
        return stale_or_missing(s, STMT_ENROLLMENT_EXISTS, "enrollment", person_id,
                                enrollment->id, expected_version, what, err);
    enrollment->version = expected_version + 1;
    return 0;
}

static int
sqlite_gap_insert(struct store *st, int64_t person_id, struct planned_gap *gap,
                  const struct catalog *catalog, const char *services_after, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "record the planned gap";
    const char *program = catalog_program_code(catalog, gap->program);
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (program == NULL)
        return br_error_set(err, BR_EINVAL, "cannot %s: program %d is not in the catalog", what,
                            gap->program);
    if ((rc = stmt_get(s, STMT_GAP_INSERT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    bind_text(&b, program);
    bind_date(&b, gap->start_on);
    bind_date(&b, gap->planned_end_on);
    bind_text(&b, gap_reason_name(gap->reason));
    bind_text(&b, services_after);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    gap->id = sqlite3_last_insert_rowid(s->conn->db);
    return 0;
}

static int
sqlite_note_insert(struct store *st, struct case_note *note, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "record the case note";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if (note->body == NULL)
        return br_error_set(err, BR_EINVAL, "cannot %s: it has no text", what);
    if ((rc = stmt_get(s, STMT_NOTE_INSERT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, note->person_id);
    bind_id(&b, note->service_id);
    bind_id(&b, note->agency_id);
    bind_id(&b, note->author_id);
    bind_date(&b, note->written_on);
    bind_bool(&b, note->confidential);
    bind_text(&b, note->body);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    note->id = sqlite3_last_insert_rowid(s->conn->db);
    return 0;
}

static int
sqlite_contact_insert(struct store *st, struct contact *contact, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "record the contact";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((size_t)contact->method >= CONTACT_METHOD_COUNT)
        return br_error_set(err, BR_EINVAL, "cannot %s: unknown contact method", what);
    if ((rc = stmt_get(s, STMT_CONTACT_INSERT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, contact->person_id);
    bind_id(&b, contact->staff_id);
    bind_date(&b, contact->contacted_on);
    bind_text(&b, contact_method_names[contact->method]);
    bind_bool(&b, contact->responded);
    bind_text(&b, contact->outcome);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    contact->id = sqlite3_last_insert_rowid(s->conn->db);
    return 0;
}

/* Notes that the change under way names person_id (0: no one) in an audit entry. */
static void
note_touched(struct sqlite_store *s, int64_t person_id)
{
    if (s->touched_all || (s->n_touched > 0 && s->touched[s->n_touched - 1] == person_id))
        return;
    if (person_id <= 0 || s->n_touched == STORE_SQLITE_TOUCHED_MAX)
        s->touched_all = true;
    else
        s->touched[s->n_touched++] = person_id;
}

static int
sqlite_audit_append(struct store *st, const struct audit_entry *entry, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);

    if (entry->action == NULL)
        return br_error_set(err, BR_EINVAL, "cannot write the audit log: the entry names no action");
    /* A read writes nothing while it runs: its entries are written when it commits. */
    if (s->reading || s->change_reads) {
        queue_audit(s, entry);
        return 0;
    }
    note_touched(s, entry->person_id);
    return audit_insert(s, STMT_AUDIT_APPEND, entry, err);
}

/* Inserts an entry by statement id: STMT_AUDIT_APPEND (a change's) or STMT_READ_LOG_APPEND. */
static int
audit_insert(struct sqlite_store *s, enum stmt_id id, const struct audit_entry *entry,
             struct br_error *err)
{
    const char *what = "write the audit log";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, id, &stmt, what, err)) != 0)
        return rc;
    if ((rc = sqlite_audit_entry_bind(stmt, entry)) != SQLITE_OK)
        return fail(rc, what, err);
    return stmt_run(stmt, what, err);
}

/* ---- exit clocks and recorded exits -------------------------------------------------------- */

/* The stored name of a clock's group: its program's code, or STORE_SQLITE_GROUP_COMMON. */
static int
clock_group(struct sqlite_store *s, const struct stored_clock *clock, char group[CATALOG_CODE_SIZE],
            const char *what, struct br_error *err)
{
    if (clock->group_key != EXIT_GROUP_COMMON)
        return program_at(s, clock->group_key, group, CATALOG_CODE_SIZE, what, err);
    snprintf(group, CATALOG_CODE_SIZE, "%s", STORE_SQLITE_GROUP_COMMON);
    return 0;
}

static int
put_clock(struct sqlite_store *s, int64_t person_id, const char *group,
          const struct stored_clock *clock, struct br_error *err)
{
    const char *what = "save the exit clock";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_CLOCK_PUT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    bind_text(&b, group);
    bind_int64(&b, clock->period);
    bind_text(&b, exit_status_name(clock->status)); /* "unknown" fails the CHECK */
    bind_date(&b, clock->last_service_on);
    bind_date(&b, clock->soft_exit_on);
    bind_text(&b, exit_hold_name(clock->held_by));
    bind_date(&b, clock->review_on);
    bind_date(&b, clock->computed_on);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    return stmt_run(stmt, what, err);
}

/* Deletes the person's stored clocks whose group is none of groups[0..n). */
static int
delete_other_clocks(struct sqlite_store *s, int64_t person_id,
                    const char (*groups)[CATALOG_CODE_SIZE], size_t n, struct br_error *err)
{
    const char *what = "save the exit clocks";
    char (*stale)[CATALOG_CODE_SIZE] = NULL;
    size_t n_stale = 0, cap_stale = 0;
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_CLOCK_GROUPS, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *stored = (const char *)sqlite3_column_text(stmt, 0);
        bool kept = false;
        for (size_t i = 0; i < n && !kept; i++)
            kept = stored != NULL && strcmp(stored, groups[i]) == 0;
        if (kept || stored == NULL)
            continue;
        xgrow(&stale, &cap_stale, n_stale + 1, sizeof(*stale));
        snprintf(stale[n_stale++], CATALOG_CODE_SIZE, "%s", stored);
    }
    rc = rc == SQLITE_DONE ? 0 : fail(rc, what, err);
    sqlite3_reset(stmt);
    for (size_t i = 0; rc == 0 && i < n_stale; i++) {
        if ((rc = stmt_get(s, STMT_CLOCK_DELETE, &stmt, what, err)) != 0)
            break;
        b = bind_start(stmt);
        bind_int64(&b, person_id);
        bind_text(&b, stale[i]);
        if ((rc = bind_check(&b, what, err)) == 0)
            rc = stmt_run(stmt, what, err);
    }
    free(stale);
    return rc;
}

/* Writes only what changed (STMT_CLOCK_PUT): a change rewrites one or two clocks of a person,
 * and each page a commit leaves dirty is written twice more (to the WAL, then by a checkpoint). */
static int
sqlite_clocks_put(struct store *st, int64_t person_id, const struct stored_clock *clocks, size_t n,
                  struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "save the exit clocks";
    char (*groups)[CATALOG_CODE_SIZE] = xcalloc(n + 1, sizeof(*groups));
    bool own;
    int rc;

    if ((rc = op_begin(s, true, &own, err)) != 0)
        goto out;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = clock_group(s, &clocks[i], groups[i], what, err);
    if (rc == 0)
        rc = delete_other_clocks(s, person_id, (const char (*)[CATALOG_CODE_SIZE])groups, n, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = put_clock(s, person_id, groups[i], &clocks[i], err);
    rc = op_end(s, own, rc, err);
out:
    free(groups);
    return rc;
}

static int
parse_status(const char *name, enum exit_status *out)
{
    static const enum exit_status all[] = {EXIT_STATUS_REPORTABLE, EXIT_STATUS_ACTIVE,
                                           EXIT_STATUS_EXITED};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(exit_status_name(all[i]), name) == 0) {
            *out = all[i];
            return 0;
        }
    }
    return BR_EINVAL;
}

static int
parse_hold(const char *name, enum exit_hold *out)
{
    static const enum exit_hold all[] = {EXIT_HOLD_OPEN_SERVICE, EXIT_HOLD_FUTURE_SERVICE,
                                         EXIT_HOLD_PLANNED_GAP};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(exit_hold_name(all[i]), name) == 0) {
            *out = all[i];
            return 0;
        }
    }
    return BR_EINVAL;
}

/* Reads CLOCK_COLUMNS from col on. */
static const char *
read_clock(sqlite3_stmt *stmt, int col, struct stored_clock *clock)
{
    struct row r = {stmt, col, NULL};
    bool common = strcmp(row_text(&r), STORE_SQLITE_GROUP_COMMON) == 0;

    if (row_is_null(&r)) {
        r.col++;
        clock->group_key = EXIT_GROUP_COMMON;
        if (!common)
            row_problem(&r, "a group that is not in the catalog");
    } else {
        clock->group_key = row_int(&r);
    }
    clock->period = row_int(&r);
    if (parse_status(row_text(&r), &clock->status) != 0)
        row_problem(&r, "an unknown status");
    clock->last_service_on = row_date(&r);
    clock->soft_exit_on = row_date(&r);
    clock->held_by = EXIT_HOLD_NONE;
    if (row_is_null(&r))
        r.col++;
    else if (parse_hold(row_text(&r), &clock->held_by) != 0)
        row_problem(&r, "an unknown hold");
    clock->review_on = row_date(&r);
    clock->computed_on = row_date(&r);
    return r.bad;
}

static int
sqlite_clocks_get(struct store *st, int64_t person_id, struct stored_clock *clocks, size_t max,
                  size_t *n, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "load the exit clocks";
    const char *bad = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc;

    *n = 0;
    if ((rc = stmt_get(s, STMT_CLOCKS_GET, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && *n < max) {
        if ((bad = read_clock(stmt, 0, &clocks[*n])) != NULL)
            break;
        (*n)++;
    }
    sqlite3_reset(stmt);
    if (bad != NULL)
        return br_error_set(err, BR_EIO, "cannot %s: a clock of person %" PRId64 " has %s", what,
                            person_id, bad);
    if (rc == SQLITE_ROW)
        return br_error_set(err, BR_ETOOBIG, "cannot %s: person %" PRId64 " has more than %zu",
                            what, person_id, max);
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    return 0;
}

static int
sqlite_clocks_due(struct store *st, int32_t day, store_id_fn fn, void *ctx, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "list the exit clocks due";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_CLOCKS_DUE, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_date(&b, day);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        int stop = fn(ctx, sqlite3_column_int64(stmt, 0));
        if (stop != 0) {
            sqlite3_reset(stmt);
            return stop;
        }
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    return 0;
}

static int
sqlite_exit_run_begin(struct store *st, int32_t as_of, int64_t *run_id, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "start the exit run";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_EXIT_RUN_BEGIN, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_date(&b, as_of);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    *run_id = sqlite3_last_insert_rowid(s->conn->db);
    return 0;
}

static int
sqlite_exit_run_finish(struct store *st, int64_t run_id, long examined, long recorded,
                       long reopened, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "finish the exit run";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_EXIT_RUN_FINISH, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, examined);
    bind_int64(&b, recorded);
    bind_int64(&b, reopened);
    bind_int64(&b, run_id);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    if (sqlite3_changes(s->conn->db) == 0)
        return br_error_set(err, BR_ENOTFOUND, "no exit run with id %" PRId64, run_id);
    return 0;
}

static int
sqlite_exit_put(struct store *st, const struct recorded_exit *recorded, bool *inserted,
                struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "record the exit";
    char program[CATALOG_CODE_SIZE];
    sqlite3_stmt *stmt = NULL;
    int rc;

    *inserted = false;
    if ((rc = program_at(s, recorded->program, program, sizeof(program), what, err)) != 0)
        return rc;
    if ((rc = stmt_get(s, STMT_EXIT_PUT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, recorded->person_id);
    bind_text(&b, program);
    bind_int64(&b, recorded->period);
    bind_date(&b, recorded->entry_on);
    bind_date(&b, recorded->exit_on);
    bind_date(&b, recorded->determined_on);
    bind_id(&b, recorded->run_id);
    bind_text_or_null(&b, recorded->reason[0] != '\0' ? recorded->reason : NULL);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    if (sqlite3_changes(s->conn->db) > 0) {
        *inserted = true;
        return 0;
    }

    /* Already recorded: idempotent only when it is the same exit.  A different one means a late
     * service reopened the period and exit_delete was not called first. */
    if ((rc = stmt_get(s, STMT_EXIT_GET, &stmt, what, err)) != 0)
        return rc;
    b = bind_start(stmt);
    bind_int64(&b, recorded->person_id);
    bind_text(&b, program);
    bind_int64(&b, recorded->period);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    if ((rc = stmt_row(stmt, what, "the exit vanished while recorded", err)) != 0)
        return rc;
    struct row r = {stmt, 0, NULL};
    int32_t entry_on = row_date(&r);
    int32_t exit_on = row_date(&r);
    sqlite3_reset(stmt);
    if (entry_on != recorded->entry_on || exit_on != recorded->exit_on)
        return br_error_set(err, BR_ECONFLICT,
                            "person %" PRId64 " already has a different exit recorded for %s "
                            "period %d",
                            recorded->person_id, program, recorded->period);
    return 0;
}

/* Reads EXIT_COLUMNS from col on. */
static const char *
read_exit(sqlite3_stmt *stmt, int col, int64_t person_id, struct recorded_exit *e)
{
    struct row r = {stmt, col, NULL};

    e->person_id = person_id;
    e->program = row_int(&r);
    e->period = row_int(&r);
    e->entry_on = row_date(&r);
    e->exit_on = row_date(&r);
    e->determined_on = row_date(&r);
    e->run_id = row_int64(&r);
    row_copy(&r, e->reason, sizeof(e->reason));
    return r.bad;
}

static int
sqlite_exits_get(struct store *st, int64_t person_id, struct recorded_exit *exits, size_t max,
                 size_t *n, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "load the recorded exits";
    const char *bad = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc;

    *n = 0;
    if ((rc = stmt_get(s, STMT_EXITS_GET, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && *n < max) {
        if ((bad = read_exit(stmt, 0, person_id, &exits[*n])) != NULL)
            break;
        (*n)++;
    }
    sqlite3_reset(stmt);
    if (bad != NULL)
        return br_error_set(err, BR_EIO, "cannot %s: an exit of person %" PRId64 " has %s", what,
                            person_id, bad);
    if (rc == SQLITE_ROW)
        return br_error_set(err, BR_ETOOBIG, "cannot %s: person %" PRId64 " has more than %zu",
                            what, person_id, max);
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    return 0;
}

static int
sqlite_exit_delete(struct store *st, int64_t person_id, int program, int period,
                   struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "remove the recorded exit";
    char code[CATALOG_CODE_SIZE];
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = program_at(s, program, code, sizeof(code), what, err)) != 0)
        return rc;
    if ((rc = stmt_get(s, STMT_EXIT_DELETE, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    bind_text(&b, code);
    bind_int64(&b, period);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    if (sqlite3_changes(s->conn->db) == 0)
        return br_error_set(err, BR_ENOTFOUND,
                            "person %" PRId64 " has no exit recorded for %s period %d", person_id,
                            code, period);
    return 0;
}

/* ---- the streaming scan -------------------------------------------------------------------- */

/* One of the child tables of people_scan, read in person_id order. */
struct scan_cursor {
    enum stmt_id kind;
    sqlite3_stmt *stmt;
    bool started; /* stepped for the first time, within the people scan's snapshot */
    bool done;
    int64_t person_id; /* of the current row, when not done */
};

/* The stored exit clocks and recorded exits of the person being scanned. */
struct scan_exit_state {
    struct stored_clock *clocks;
    size_t n_clocks, clocks_cap;
    struct recorded_exit *exits;
    size_t n_exits, exits_cap;
};

static int
cursor_next(struct scan_cursor *c, const char *what, struct br_error *err)
{
    int rc = sqlite3_step(c->stmt);

    if (rc == SQLITE_ROW) {
        c->person_id = sqlite3_column_int64(c->stmt, 0);
        return 0;
    }
    c->done = true;
    return rc == SQLITE_DONE ? 0 : fail(rc, what, err);
}

/* Reads the cursor's current row (after its person_id) into record or state, by its kind. */
static const char *
cursor_read(struct scan_cursor *c, const struct catalog *catalog, struct person_record *record,
            struct scan_exit_state *state)
{
    const char *bad = NULL;

    switch (c->kind) {
    case STMT_SCAN_ENROLLMENTS:
        bad = add_record_row(RECORD_ENROLLMENTS, c->stmt, 1, catalog, record);
        break;
    case STMT_SCAN_SERVICES:
        bad = add_record_row(RECORD_SERVICES, c->stmt, 1, catalog, record);
        break;
    case STMT_SCAN_GAPS:
        bad = add_record_row(RECORD_GAPS, c->stmt, 1, catalog, record);
        break;
    case STMT_SCAN_CLOCKS:
        xgrow(&state->clocks, &state->clocks_cap, state->n_clocks + 1, sizeof(*state->clocks));
        if ((bad = read_clock(c->stmt, 1, &state->clocks[state->n_clocks])) == NULL)
            state->n_clocks++;
        break;
    case STMT_SCAN_EXITS:
        xgrow(&state->exits, &state->exits_cap, state->n_exits + 1, sizeof(*state->exits));
        if ((bad = read_exit(c->stmt, 1, c->person_id, &state->exits[state->n_exits])) == NULL)
            state->n_exits++;
        break;
    default:
        bad = "a table the scan does not read";
    }
    return bad;
}

/* Moves the cursor past rows of earlier people (none exist while foreign keys hold) and reads
 * the rows of person_id; what names the reading in an error ("scan the people"). */
static int
cursor_take(struct scan_cursor *c, const struct catalog *catalog, int64_t person_id,
            struct person_record *record, struct scan_exit_state *state, const char *what,
            struct br_error *err)
{
    int rc = 0;

    if (!c->started) {
        c->started = true;
        rc = cursor_next(c, what, err);
    }
    while (!c->done && c->person_id < person_id && rc == 0)
        rc = cursor_next(c, what, err);
    while (rc == 0 && !c->done && c->person_id == person_id) {
        const char *bad = cursor_read(c, catalog, record, state);
        if (bad != NULL)
            return br_error_set(err, BR_EIO, "cannot %s: a row of person %" PRId64 " has %s", what,
                                person_id, bad);
        rc = cursor_next(c, what, err);
    }
    return rc;
}

/* clocks_get's order: the common-exit group first, then by program position. */
static int
compare_clocks(const void *a, const void *b)
{
    const struct stored_clock *x = a, *y = b;
    return (x->group_key > y->group_key) - (x->group_key < y->group_key);
}

/* exits_get's order: by program position, then period. */
static int
compare_exits(const void *a, const void *b)
{
    const struct recorded_exit *x = a, *y = b;
    if (x->program != y->program)
        return (x->program > y->program) - (x->program < y->program);
    return (x->period > y->period) - (x->period < y->period);
}

/* Gets a scan statement with the range of ids bound; what names the reading in an error. */
static int
scan_stmt_get(struct sqlite_store *s, enum stmt_id id, const struct store_scan *scan,
              const char *what, sqlite3_stmt **stmt, struct br_error *err)
{
    int rc;

    if ((rc = stmt_get(s, id, stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(*stmt);
    bind_int64(&b, scan->first_id);
    bind_int64(&b, scan->last_id > 0 ? scan->last_id : INT64_MAX);
    return bind_check(&b, what, err);
}

static int
sqlite_people_scan(struct store *st, const struct catalog *catalog, const struct store_scan *scan,
                   store_person_fn fn, void *ctx, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "scan the people";
    bool facts = (scan->parts & STORE_SCAN_FACTS) != 0;
    bool exit_state = (scan->parts & STORE_SCAN_EXIT_STATE) != 0;
    /* The record's three tables, then the exit state's two when asked for. */
    struct scan_cursor children[] = {
        {.kind = STMT_SCAN_ENROLLMENTS}, {.kind = STMT_SCAN_SERVICES}, {.kind = STMT_SCAN_GAPS},
        {.kind = STMT_SCAN_CLOCKS},      {.kind = STMT_SCAN_EXITS},
    };
    size_t n_children = exit_state ? 5 : 3;
    struct scan_exit_state state = {0};
    sqlite3_stmt *people = NULL;
    struct stored_person person;
    struct person_record record;
    int rc;

    memset(&person, 0, sizeof(person));
    person_record_init(&record);
    if ((rc = scan_stmt_get(s, facts ? STMT_SCAN_PEOPLE : STMT_SCAN_PEOPLE_HEADS, scan, what,
                            &people, err)) != 0)
        goto out;
    for (size_t i = 0; i < n_children; i++) {
        if ((rc = scan_stmt_get(s, children[i].kind, scan, what, &children[i].stmt, err)) != 0)
            goto out;
    }
    /* People is stepped first and stays active until the end, so the children, first stepped
     * later (cursor_take), read within the same implicit read transaction: one snapshot. */
    while ((rc = sqlite3_step(people)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(people, 0);
        const char *bad = NULL;
        if (facts) {
            bad = read_person(people, 1, &person);
        } else {
            struct row r = {people, 1, NULL};
            row_copy(&r, person.external_id, sizeof(person.external_id));
            bad = r.bad;
        }
        if (bad != NULL) {
            rc = br_error_set(err, BR_EIO, "cannot %s: person %" PRId64 " has %s", what, id, bad);
            goto out;
        }
        person.id = id;
        person_record_reset(&record);
        state.n_clocks = state.n_exits = 0;
        for (size_t i = 0; i < n_children; i++) {
            if ((rc = cursor_take(&children[i], catalog, id, &record, &state, what, err)) != 0)
                goto out;
        }
        if (state.n_clocks > 1)
            qsort(state.clocks, state.n_clocks, sizeof(*state.clocks), compare_clocks);
        if (state.n_exits > 1)
            qsort(state.exits, state.n_exits, sizeof(*state.exits), compare_exits);
        struct stored_exit_state found = {state.clocks, state.n_clocks, state.exits,
                                          state.n_exits};
        if ((rc = fn(ctx, &person, &record, exit_state ? &found : NULL)) != 0)
            goto out;
    }
    rc = rc == SQLITE_DONE ? 0 : fail(rc, what, err);
out:
    if (people != NULL)
        sqlite3_reset(people);
    for (size_t i = 0; i < n_children; i++) {
        if (children[i].stmt != NULL)
            sqlite3_reset(children[i].stmt);
    }
    free(state.clocks);
    free(state.exits);
    person_record_cleanup(&record);
    return rc;
}

/* clocks_of_people reads every clock between its first person and its last in one pass when
 * its people are at least one in CLOCKS_PASS_SPREAD of the ids in that range; fewer people are
 * each sought.  At 1M people a row of the pass took 0.4 microseconds and a seek about 2
 * (bench/README.md, "The eighth pass"). */
#define CLOCKS_PASS_SPREAD 4

static int
sqlite_clocks_of_people(struct store *st, const int64_t *ids, size_t n, store_clocks_fn fn,
                        void *ctx, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "load the exit clocks";
    struct scan_cursor clocks = {.kind = STMT_SCAN_CLOCKS};
    struct scan_exit_state state = {0};
    int rc = 0;

    for (size_t i = 1; i < n; i++) {
        if (ids[i] <= ids[i - 1])
            return br_error_set(err, BR_EINVAL,
                                "cannot %s: the people are not in ascending order of id (%" PRId64
                                " after %" PRId64 ")",
                                what, ids[i], ids[i - 1]);
    }
    if (n == 0)
        return 0;
    bool one_pass = (uint64_t)(ids[n - 1] - ids[0]) / CLOCKS_PASS_SPREAD < n;
    struct store_scan range = {.first_id = ids[0], .last_id = ids[n - 1]};
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i == 0 || !one_pass) {
            if (clocks.stmt != NULL)
                sqlite3_reset(clocks.stmt);
            if (!one_pass)
                range.first_id = range.last_id = ids[i];
            if ((rc = scan_stmt_get(s, STMT_SCAN_CLOCKS, &range, what, &clocks.stmt, err)) != 0)
                break;
            clocks.started = clocks.done = false;
        }
        state.n_clocks = 0;
        if ((rc = cursor_take(&clocks, NULL, ids[i], NULL, &state, what, err)) != 0)
            break;
        if (state.n_clocks > 1)
            qsort(state.clocks, state.n_clocks, sizeof(*state.clocks), compare_clocks);
        rc = fn(ctx, ids[i], state.clocks, state.n_clocks);
    }
    if (clocks.stmt != NULL)
        sqlite3_reset(clocks.stmt);
    free(state.clocks);
    return rc;
}

static int
sqlite_people_id_bounds(struct store *st, int64_t *first_id, int64_t *last_id,
                        struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "find the range of person ids";
    sqlite3_stmt *stmt = NULL;
    int rc;

    *first_id = *last_id = 0;
    if ((rc = stmt_get(s, STMT_PEOPLE_ID_BOUNDS, &stmt, what, err)) != 0)
        return rc;
    if ((rc = stmt_row(stmt, what, "no answer", err)) != 0)
        return rc;
    *first_id = sqlite3_column_int64(stmt, 0);
    *last_id = sqlite3_column_int64(stmt, 1);
    sqlite3_reset(stmt);
    return 0;
}

/* ---- agencies, users, tokens --------------------------------------------------------------- */

static int
sqlite_agency_insert(struct store *st, const char *code, const char *name, int64_t *id,
                     struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "add the agency";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_AGENCY_INSERT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_text(&b, code);
    bind_text(&b, name);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return br_error_set(err, BR_ECONFLICT, "an agency with code %s already exists", code);
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    *id = sqlite3_last_insert_rowid(s->conn->db);
    return 0;
}

/* The id of the agency with code, 0 for "" (none); BR_ENOTFOUND for a code not registered
 * (agency_insert), so a typo never creates a partner. */
static int
agency_id(struct sqlite_store *s, const char *code, int64_t *id, const char *what,
          struct br_error *err)
{
    char missing[96];
    sqlite3_stmt *stmt = NULL;
    int rc;

    *id = 0;
    if (code[0] == '\0')
        return 0;
    if ((rc = stmt_get(s, STMT_AGENCY_BY_CODE, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_text(&b, code);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    snprintf(missing, sizeof(missing), "no agency with code %.*s", CATALOG_CODE_SIZE, code);
    if ((rc = stmt_row(stmt, what, missing, err)) != 0)
        return rc;
    *id = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    return 0;
}

static int
sqlite_user_insert(struct store *st, struct user *user, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "add the user";
    sqlite3_stmt *stmt = NULL;
    int64_t agency = 0;
    int rc;

    if ((rc = agency_id(s, user->agency, &agency, what, err)) != 0)
        return rc;
    if ((rc = stmt_get(s, STMT_USER_INSERT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_text(&b, user->email);
    bind_text(&b, user->name);
    bind_text(&b, user->role);
    bind_id(&b, agency);
    bind_text(&b, user->password_hash);
    bind_bool(&b, user->active);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return br_error_set(err, BR_ECONFLICT, "a user with e-mail %s already exists", user->email);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return br_error_set(err, BR_EINVAL, "cannot %s: there is no role %s", what, user->role);
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    user->id = sqlite3_last_insert_rowid(s->conn->db);
    return 0;
}

static int
sqlite_user_by_email(struct store *st, const char *email, struct user *user, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "find the user";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_USER_BY_EMAIL, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_text(&b, email);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    if ((rc = stmt_row(stmt, what, "no user with that e-mail", err)) != 0)
        return rc;
    struct row r = {stmt, 0, NULL};
    user->id = row_int64(&r);
    row_copy(&r, user->email, sizeof(user->email));
    row_copy(&r, user->name, sizeof(user->name));
    row_copy(&r, user->role, sizeof(user->role));
    row_copy(&r, user->agency, sizeof(user->agency));
    row_copy(&r, user->password_hash, sizeof(user->password_hash));
    user->active = row_bool(&r);
    sqlite3_reset(stmt);
    if (r.bad != NULL)
        return br_error_set(err, BR_EIO, "cannot %s: the stored user has %s", what, r.bad);
    return 0;
}

static int
sqlite_token_insert(struct store *st, int64_t user_id, const uint8_t hash[STORE_HASH_SIZE],
                    const char *label, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "add the API token";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_TOKEN_INSERT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, user_id);
    bind_blob(&b, hash, STORE_HASH_SIZE);
    bind_text(&b, label != NULL ? label : "");
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_CONSTRAINT_UNIQUE)
        return br_error_set(err, BR_ECONFLICT, "cannot %s: a token with that hash exists", what);
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    return 0;
}

static int
sqlite_token_user(struct store *st, const uint8_t hash[STORE_HASH_SIZE], int64_t *user_id,
                  struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "look up the API token";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_TOKEN_USER, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_blob(&b, hash, STORE_HASH_SIZE);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    /* One message for unknown, revoked and inactive: a caller learns nothing from the mismatch. */
    if ((rc = stmt_row(stmt, what, "no such active API token", err)) != 0)
        return rc;
    *user_id = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    return 0;
}

/* ---- backup, restore, open, close ---------------------------------------------------------- */

/* Copies database src into dest by the online backup API, a chunk of pages at a time.  Writers on
 * other connections may go on between steps (the copy restarts from a consistent snapshot); a
 * busy source is waited for, up to the busy timeout. */
static int
copy_database(sqlite3 *dest, sqlite3 *src, const char *src_name, const char *what,
              struct br_error *err)
{
    sqlite3_backup *backup = sqlite3_backup_init(dest, "main", src, src_name);
    int busy = 0;
    int rc;

    if (backup == NULL)
        return fail(sqlite3_extended_errcode(dest), what, err);
    do {
        rc = sqlite3_backup_step(backup, STORE_SQLITE_BACKUP_PAGES);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
            if (++busy > STORE_SQLITE_BACKUP_RETRIES)
                break;
            sqlite3_sleep(STORE_SQLITE_BACKUP_PAUSE_MS);
        } else {
            busy = 0;
        }
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    int finish = sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    if (finish != SQLITE_OK)
        return fail(finish, what, err);
    return 0;
}

static int open_plain(const char *path, int flags, sqlite3 **out, const char *what,
                      struct br_error *err);

/* Copies database src_name of src into the file dest_path (created when missing). */
static int
copy_into(const char *dest_path, sqlite3 *src, const char *src_name, const char *what,
          struct br_error *err)
{
    sqlite3 *dest = NULL;
    int rc = open_plain(dest_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &dest, what, err);
    if (rc == 0)
        rc = copy_database(dest, src, src_name, what, err);
    sqlite3_close(dest);
    return rc;
}

/* Opens a plain connection (for backup targets and sources) with the busy timeout set. */
static int
open_plain(const char *path, int flags, sqlite3 **out, const char *what, struct br_error *err)
{
    sqlite3 *db = NULL;
    sqlite_library_setup();
    int rc = sqlite3_open_v2(path, &db, flags, NULL);

    if (rc != SQLITE_OK) {
        rc = br_error_set(err, BR_EIO, "cannot %s: cannot open %s: %s", what, path,
                          sqlite3_errstr(rc));
        sqlite3_close(db);
        return rc;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, STORE_SQLITE_BUSY_TIMEOUT_MS);
    *out = db;
    return 0;
}

static int
sqlite_backup(struct store *st, const char *path, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "back up the database";

    /* With the entries of every read this process has answered. */
    int rc = sqlite_reads_flush(st, err);
    if (rc == 0)
        rc = copy_into(path, s->conn->db, "main", what, err);
    if (rc != 0)
        return rc;
    /* The log of reads goes beside the copy, as it is beside the database. */
    char *log = sqlite_read_log_file(path);
    rc = copy_into(log, s->conn->db, "reads", what, err);
    free(log);
    return rc;
}

/* Checks that db is a braid database this braid can read: it has schema_migrations, at a
 * version not newer than STORE_SCHEMA_VERSION. */
static int
check_braid_database(sqlite3 *db, const char *path, struct br_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int64_t version = -1;
    int rc;

    rc = sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_migrations", -1, &stmt, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        version = sqlite3_column_int64(stmt, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_OK || version < 1)
        return br_error_set(err, BR_EINVAL, "%s is not a braid database", path);
    if (version > STORE_SCHEMA_VERSION)
        return refuse_newer((int)(version > INT_MAX ? INT_MAX : version), err);
    return 0;
}

/* Restores the log of reads beside the backup from, if there is one, beside the database path.
 * A backup without one (made before braid kept reads apart) leaves the database's as it is. */
static int
restore_read_log(const char *path, const char *from, struct br_error *err)
{
    const char *what = "restore the log of reads";
    char *from_log = sqlite_read_log_file(from);
    char *log = sqlite_read_log_file(path);
    sqlite3 *src = NULL;
    int rc = 0;

    if (access(from_log, F_OK) == 0 &&
        (rc = open_plain(from_log, SQLITE_OPEN_READONLY, &src, what, err)) == 0)
        rc = copy_into(log, src, "main", what, err);
    sqlite3_close(src);
    free(from_log);
    free(log);
    return rc;
}

int
store_sqlite_restore(const char *path, const char *from, struct br_error *err)
{
    const char *what = "restore the database";
    sqlite3 *src = NULL;
    int rc;

    if (strcmp(path, from) == 0)
        return br_error_set(err, BR_EINVAL, "cannot %s onto the backup itself", what);
    if ((rc = open_plain(from, SQLITE_OPEN_READONLY, &src, what, err)) == 0 &&
        (rc = check_braid_database(src, from, err)) == 0 &&
        (rc = copy_into(path, src, "main", what, err)) == 0)
        rc = restore_read_log(path, from, err);
    sqlite3_close(src);
    return rc;
}

static void
sqlite_close(struct store *st)
{
    struct sqlite_store *s = sqlite_of(st);

    if (s == NULL)
        return;
    /* A write transaction left open is rolled back before the lock is given up. */
    if (s->holds_write_lock)
        rollback_any(s, "close the database");
    for (size_t i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(s->own.stmts[i]);
    sqlite3_close(s->own.db); /* rolls back a transaction left open */
    sqlite_writer_detach(s->writer);
    queue_clear(s);
    free(s->queued);
    free(s);
}

/* ---- case notes and contacts of a person ---------------------------------------------------- */

/* notes_load, and note_heads_load when bodies is false (each body NULL). */
static int
load_notes(struct sqlite_store *s, int64_t person_id, bool bodies, struct case_note **notes,
           size_t *n, size_t *cap, struct br_error *err)
{
    const char *what = "load the person's case notes";
    const char *bad = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc;

    for (size_t i = 0; i < *n; i++)
        free((*notes)[i].body);
    *n = 0;
    if ((rc = stmt_get(s, bodies ? STMT_NOTES_OF : STMT_NOTE_HEADS_OF, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    while (bad == NULL && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct row r = {stmt, 0, NULL};
        struct case_note note = {.person_id = person_id};
        note.id = row_int64(&r);
        note.service_id = row_int64(&r); /* NULL reads as 0: a note about no service */
        note.agency_id = row_int64(&r);
        note.author_id = row_int64(&r);
        note.written_on = row_date(&r);
        note.confidential = row_bool(&r);
        if (note.written_on == DATE_NONE)
            row_problem(&r, "no date");
        if ((bad = r.bad) != NULL)
            break;
        note.body = bodies ? xstrdup(row_text(&r)) : NULL;
        xgrow(notes, cap, *n + 1, sizeof(**notes));
        (*notes)[(*n)++] = note;
    }
    sqlite3_reset(stmt);
    if (bad != NULL)
        return br_error_set(err, BR_EIO, "cannot %s: a note of person %" PRId64 " has %s", what,
                            person_id, bad);
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    return 0;
}

static int
sqlite_notes_load(struct store *st, int64_t person_id, struct case_note **notes, size_t *n,
                  size_t *cap, struct br_error *err)
{
    return load_notes(sqlite_of(st), person_id, true, notes, n, cap, err);
}

static int
sqlite_note_heads_load(struct store *st, int64_t person_id, struct case_note **notes, size_t *n,
                       size_t *cap, struct br_error *err)
{
    return load_notes(sqlite_of(st), person_id, false, notes, n, cap, err);
}

static int
sqlite_contacts_load(struct store *st, int64_t person_id, struct contact **contacts, size_t *n,
                     size_t *cap, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "load the person's contacts";
    const char *bad = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc;

    *n = 0;
    if ((rc = stmt_get(s, STMT_CONTACTS_OF, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    while (bad == NULL && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct row r = {stmt, 0, NULL};
        struct contact contact = {.person_id = person_id};
        contact.id = row_int64(&r);
        contact.staff_id = row_int64(&r);
        contact.contacted_on = row_date(&r);
        int method = name_index(contact_method_names, CONTACT_METHOD_COUNT, row_text(&r));
        if (method < 0)
            row_problem(&r, "an unknown method");
        else
            contact.method = (enum contact_method)method;
        contact.responded = row_bool(&r);
        row_copy(&r, contact.outcome, sizeof(contact.outcome));
        if (contact.contacted_on == DATE_NONE)
            row_problem(&r, "no date");
        if ((bad = r.bad) != NULL)
            break;
        xgrow(contacts, cap, *n + 1, sizeof(**contacts));
        (*contacts)[(*n)++] = contact;
    }
    sqlite3_reset(stmt);
    if (bad != NULL)
        return br_error_set(err, BR_EIO, "cannot %s: a contact of person %" PRId64 " has %s",
                            what, person_id, bad);
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    return 0;
}

/* ---- the HTTP API: sessions, people search and update, idempotency keys ------------------- */

/* Times the API stores (session expiry, key age) are UTC text as CURRENT_TIMESTAMP writes it,
 * so they compare as text and read as what SQLite's date functions take. */
static void
bind_time(struct binder *b, int64_t unix_seconds)
{
    char text[SQLITE_TIME_TEXT_SIZE];

    if (!sqlite_time_text(unix_seconds, text)) {
        if (b->invalid == NULL)
            b->invalid = "a time out of range";
        bind_null(b);
        return;
    }
    bind_text(b, text);
}

/* Binds a limit or an offset; a negative one (never valid) reads as 0. */
static void
bind_count(struct binder *b, int64_t value)
{
    bind_int64(b, value < 0 ? 0 : value);
}

static int
sqlite_session_insert(struct store *st, const uint8_t hash[STORE_HASH_SIZE],
                      const struct stored_session *session, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "start the session";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_SESSION_INSERT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, session->user_id);
    bind_blob(&b, hash, STORE_HASH_SIZE);
    bind_text(&b, session->csrf_token);
    bind_time(&b, session->expires_at);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    return stmt_run(stmt, what, err);
}

static int
sqlite_session_get(struct store *st, const uint8_t hash[STORE_HASH_SIZE], int64_t now,
                   struct stored_session *session, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "look up the session";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_SESSION_GET, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_blob(&b, hash, STORE_HASH_SIZE);
    bind_time(&b, now);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    if ((rc = stmt_row(stmt, what, "no such live session", err)) != 0)
        return rc;
    struct row r = {stmt, 0, NULL};
    session->user_id = row_int64(&r);
    row_copy(&r, session->csrf_token, sizeof(session->csrf_token));
    session->expires_at = row_int64(&r);
    sqlite3_reset(stmt);
    if (r.bad != NULL)
        return br_error_set(err, BR_EIO, "cannot %s: the stored session has %s", what, r.bad);
    return 0;
}

static int
sqlite_session_delete(struct store *st, const uint8_t hash[STORE_HASH_SIZE], struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "end the session";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_SESSION_DELETE, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_blob(&b, hash, STORE_HASH_SIZE);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    return stmt_run(stmt, what, err);
}

static int
sqlite_sessions_prune(struct store *st, int64_t now, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "remove expired sessions";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_SESSIONS_PRUNE, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_time(&b, now);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    return stmt_run(stmt, what, err);
}

static int
sqlite_user_by_id(struct store *st, int64_t id, struct user *user, int64_t *agency_id,
                  struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "find the user";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_USER_BY_ID, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, id);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    if ((rc = stmt_row(stmt, what, "no user with that id", err)) != 0)
        return rc;
    struct row r = {stmt, 0, NULL};
    user->id = row_int64(&r);
    row_copy(&r, user->email, sizeof(user->email));
    row_copy(&r, user->name, sizeof(user->name));
    row_copy(&r, user->role, sizeof(user->role));
    row_copy(&r, user->agency, sizeof(user->agency));
    row_copy(&r, user->password_hash, sizeof(user->password_hash));
    user->active = row_bool(&r);
    *agency_id = row_int64(&r);
    sqlite3_reset(stmt);
    if (r.bad != NULL)
        return br_error_set(err, BR_EIO, "cannot %s: the stored user has %s", what, r.bad);
    return 0;
}

/* The upper end of a case-insensitive prefix range: the prefix followed by the greatest code
 * point, which sorts after every name that starts with the prefix. */
static void
prefix_end(const char *prefix, char *buf, size_t size)
{
    snprintf(buf, size, "%s\xf4\x8f\xbf\xbf", prefix);
}

/* Binds the parameters of the search statement id (its page form when page, else its count). */
static void
bind_search(struct binder *b, enum stmt_id id, const struct person_query *q, bool page)
{
    char end[PERSON_NAME_SIZE + 8];

    switch (id) {
    case STMT_PEOPLE_BY_NAME:
    case STMT_PEOPLE_BY_NAME_COUNT:
        bind_text(b, q->last_name);
        prefix_end(q->last_name, end, sizeof(end));
        bind_text(b, end);
        bind_text_or_null(b, q->first_name);
        prefix_end(q->first_name, end, sizeof(end));
        bind_text(b, end);
        bind_date(b, q->birth_on);
        bind_text_or_null(b, q->ssn_last4);
        break;
    case STMT_PEOPLE_BY_LAST4:
    case STMT_PEOPLE_BY_LAST4_COUNT:
        bind_text(b, q->ssn_last4);
        bind_date(b, q->birth_on);
        break;
    case STMT_PEOPLE_BY_BIRTH:
    case STMT_PEOPLE_BY_BIRTH_COUNT:
        bind_date(b, q->birth_on);
        break;
    default:
        break;
    }
    if (page) {
        bind_count(b, q->limit);
        bind_count(b, q->offset);
    }
}

static int
sqlite_person_search(struct store *st, const struct person_query *q, struct stored_person *people,
                     size_t max, size_t *n, int64_t *total, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "search the people";
    enum stmt_id page_id, count_id;
    sqlite3_stmt *stmt = NULL;
    const char *bad = NULL;
    bool own;
    int rc;

    *n = 0;
    *total = 0;
    /* The most selective filter given picks the index; the others are checked on its rows. */
    if (q->last_name[0] != '\0') {
        page_id = STMT_PEOPLE_BY_NAME;
        count_id = STMT_PEOPLE_BY_NAME_COUNT;
    } else if (q->ssn_last4[0] != '\0') {
        page_id = STMT_PEOPLE_BY_LAST4;
        count_id = STMT_PEOPLE_BY_LAST4_COUNT;
    } else if (q->birth_on != DATE_NONE) {
        page_id = STMT_PEOPLE_BY_BIRTH;
        count_id = STMT_PEOPLE_BY_BIRTH_COUNT;
    } else {
        page_id = STMT_PEOPLE_ALL;
        count_id = STMT_PEOPLE_ALL_COUNT;
    }
    /* One snapshot: the total and the page must agree. */
    if ((rc = op_begin(s, false, &own, err)) != 0)
        return rc;
    if ((rc = stmt_get(s, count_id, &stmt, what, err)) != 0)
        goto out;
    struct binder b = bind_start(stmt);
    bind_search(&b, count_id, q, false);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_row(stmt, what, "no count", err)) != 0)
        goto out;
    *total = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);

    if ((rc = stmt_get(s, page_id, &stmt, what, err)) != 0)
        goto out;
    b = bind_start(stmt);
    bind_search(&b, page_id, q, true);
    if ((rc = bind_check(&b, what, err)) != 0)
        goto out;
    while (*n < max && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct stored_person *p = &people[*n];
        p->id = sqlite3_column_int64(stmt, 0);
        if ((bad = read_person(stmt, 1, p)) != NULL)
            break;
        (*n)++;
    }
    sqlite3_reset(stmt);
    if (bad != NULL)
        rc = br_error_set(err, BR_EIO, "cannot %s: a person has %s", what, bad);
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        rc = fail(rc, what, err);
    else
        rc = 0;
out:
    return op_end(s, own, rc, err);
}

static int
sqlite_person_update(struct store *st, struct stored_person *person, int64_t expected_version,
                     struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "update the person";
    const struct person_facts *f = &person->facts;
    sqlite3_stmt *stmt = NULL;
    char *facts = NULL;
    int rc;

    if ((size_t)f->sex >= SEX_COUNT || facts_encode(f, &facts) != 0) {
        rc = br_error_set(err, BR_EINVAL, "cannot %s: a fact is out of range or not UTF-8", what);
        goto out;
    }
    if ((rc = stmt_get(s, STMT_PERSON_UPDATE, &stmt, what, err)) != 0)
        goto out;
    struct binder b = bind_start(stmt);
    bind_text(&b, f->first_name);
    bind_text(&b, f->last_name);
    bind_date(&b, f->birth_on);
    bind_text(&b, sex_names[f->sex]);
    bind_text(&b, facts);
    bind_int64(&b, person->id);
    bind_int64(&b, expected_version);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        goto out;
    if (sqlite3_changes(s->conn->db) == 0) {
        /* Either gone or changed by someone else since it was read: tell which. */
        rc = person_exists(s, person->id, what, err);
        if (rc == 0)
            rc = br_error_set(err, BR_ESTALE,
                              "person %" PRId64 " was changed by someone else (version %" PRId64
                              " is no longer current)",
                              person->id, expected_version);
        goto out;
    }
    person->version = expected_version + 1;
out:
    free(facts);
    return rc;
}

static int
sqlite_idempotency_reserve(struct store *st, int64_t user_id, const char *key,
                           const uint8_t fingerprint[STORE_HASH_SIZE], bool *reserved,
                           struct stored_idempotency *existing, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "check the idempotency key";
    sqlite3_stmt *stmt = NULL;
    bool own;
    int rc;

    *reserved = false;
    memset(existing, 0, sizeof(*existing));
    if ((rc = op_begin(s, true, &own, err)) != 0)
        return rc;
    if ((rc = stmt_get(s, STMT_IDEMPOTENCY_RESERVE, &stmt, what, err)) != 0)
        goto out;
    struct binder b = bind_start(stmt);
    bind_int64(&b, user_id);
    bind_text(&b, key);
    bind_blob(&b, fingerprint, STORE_HASH_SIZE);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        goto out;
    if (sqlite3_changes(s->conn->db) > 0) {
        *reserved = true;
        goto out;
    }
    if ((rc = stmt_get(s, STMT_IDEMPOTENCY_GET, &stmt, what, err)) != 0)
        goto out;
    b = bind_start(stmt);
    bind_int64(&b, user_id);
    bind_text(&b, key);
    if ((rc = bind_check(&b, what, err)) != 0 ||
        (rc = stmt_row(stmt, what, "the idempotency key vanished", err)) != 0)
        goto out;
    const void *blob = sqlite3_column_blob(stmt, 0);
    if (blob != NULL && sqlite3_column_bytes(stmt, 0) == STORE_HASH_SIZE)
        memcpy(existing->fingerprint, blob, STORE_HASH_SIZE);
    struct row r = {stmt, 1, NULL};
    existing->status = row_int(&r);
    bool has_body = !row_is_null(&r);
    const char *body = row_text(&r);
    if (has_body)
        existing->body = xstrdup(body);
    row_copy(&r, existing->location, sizeof(existing->location));
    row_copy(&r, existing->etag, sizeof(existing->etag));
    sqlite3_reset(stmt);
out:
    return op_end(s, own, rc, err);
}

static int
sqlite_idempotency_complete(struct store *st, int64_t user_id, const char *key,
                            const struct stored_idempotency *response, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "remember the response";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_IDEMPOTENCY_COMPLETE, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, response->status);
    bind_text(&b, response->body);
    bind_text_or_null(&b, response->location);
    bind_text_or_null(&b, response->etag);
    bind_int64(&b, user_id);
    bind_text(&b, key);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    if (sqlite3_changes(s->conn->db) == 0)
        return br_error_set(err, BR_ENOTFOUND, "cannot %s: the idempotency key is not reserved",
                            what);
    return 0;
}

static int
sqlite_idempotency_release(struct store *st, int64_t user_id, const char *key,
                           struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "release the idempotency key";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_IDEMPOTENCY_RELEASE, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, user_id);
    bind_text(&b, key);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    return stmt_run(stmt, what, err);
}

static int
sqlite_idempotency_prune(struct store *st, int64_t before, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "forget old idempotency keys";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_IDEMPOTENCY_PRUNE, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_time(&b, before);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    return stmt_run(stmt, what, err);
}

/* ---- case work: consents, assessments, plans, goals, reviews, outcomes (records.h) ---------- */

/* Reads one row of a *_OF statement into item (person_id is set by casework_load).  Returns the
 * first problem with the row, or NULL. */
typedef const char *(*casework_row_fn)(sqlite3_stmt *stmt, void *item);

/* Every record casework_load reads starts with its id and then its person_id. */
#define CASEWORK_PERSON_OFFSET offsetof(struct consent, person_id)
_Static_assert(offsetof(struct assessment, person_id) == CASEWORK_PERSON_OFFSET, "layout");
_Static_assert(offsetof(struct case_plan, person_id) == CASEWORK_PERSON_OFFSET, "layout");
_Static_assert(offsetof(struct goal, person_id) == CASEWORK_PERSON_OFFSET, "layout");
_Static_assert(offsetof(struct plan_review, person_id) == CASEWORK_PERSON_OFFSET, "layout");
_Static_assert(offsetof(struct outcome, person_id) == CASEWORK_PERSON_OFFSET, "layout");
_Static_assert(offsetof(struct audit_record, person_id) == CASEWORK_PERSON_OFFSET, "layout");
_Static_assert(offsetof(struct coenroll_decline, person_id) == CASEWORK_PERSON_OFFSET, "layout");

/* Runs a statement that lists one person's rows (its first parameter the person, its second, when
 * limit > 0, a row limit) into the caller's reusable array (store.h, notes_load). */
static int
casework_load(struct sqlite_store *s, enum stmt_id id, int64_t person_id, int64_t limit,
              void *items_ptr, size_t *n, size_t *cap, size_t item_size, casework_row_fn read,
              const char *what, struct br_error *err)
{
    void **items = items_ptr; /* as xgrow sees it */
    const char *bad = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc;

    *n = 0;
    if ((rc = stmt_get(s, id, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    if (limit > 0)
        bind_int64(&b, limit);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        xgrow(items_ptr, cap, *n + 1, item_size);
        void *item = (char *)*items + *n * item_size;
        memset(item, 0, item_size);
        if ((bad = read(stmt, item)) != NULL)
            break;
        (*n)++;
    }
    sqlite3_reset(stmt);
    if (bad != NULL)
        return br_error_set(err, BR_EIO, "cannot %s: a row of person %" PRId64 " has %s", what,
                            person_id, bad);
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    for (size_t i = 0; i < *n; i++)
        memcpy((char *)*items + i * item_size + CASEWORK_PERSON_OFFSET, &person_id,
               sizeof(person_id));
    return 0;
}

static int
sqlite_person_served_by(struct store *st, int64_t person_id, int64_t agency_id, bool *serves,
                        struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "find the agencies serving the person";
    sqlite3_stmt *stmt = NULL;
    int rc;

    *serves = false;
    if (agency_id == 0)
        return 0;
    if ((rc = stmt_get(s, STMT_PERSON_SERVED_BY, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    bind_int64(&b, agency_id);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *serves = sqlite3_column_int64(stmt, 0) != 0;
    sqlite3_reset(stmt);
    if (rc != SQLITE_ROW)
        return fail(rc, what, err);
    return 0;
}

/* Runs a statement of one id parameter that lists person ids, into ids (grown as needed). */
static int
list_people(struct sqlite_store *s, enum stmt_id id, int64_t key, const char *what, int64_t **ids,
            size_t *n, size_t *cap, struct br_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc;

    *n = 0;
    if (key == 0)
        return 0;
    if ((rc = stmt_get(s, id, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, key);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        xgrow(ids, cap, *n + 1, sizeof(**ids));
        (*ids)[(*n)++] = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    return 0;
}

static int
sqlite_agency_people(struct store *st, int64_t agency_id, int64_t **ids, size_t *n, size_t *cap,
                     struct br_error *err)
{
    return list_people(sqlite_of(st), STMT_AGENCY_PEOPLE, agency_id,
                       "list the people the agency serves", ids, n, cap, err);
}

static int
sqlite_staff_people(struct store *st, int64_t user_id, int64_t **ids, size_t *n, size_t *cap,
                    struct br_error *err)
{
    return list_people(sqlite_of(st), STMT_STAFF_PEOPLE, user_id, "list the people the user serves",
                       ids, n, cap, err);
}

static int
sqlite_identity_get(struct store *st, int64_t person_id, uint8_t *sealed, size_t cap, size_t *len,
                    struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "load the person's identity";
    sqlite3_stmt *stmt = NULL;
    int rc;

    *len = 0;
    if ((rc = stmt_get(s, STMT_IDENTITY_GET, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, person_id);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    if ((rc = stmt_row(stmt, what, "no SSN is stored for the person", err)) != 0)
        return rc;
    int size = sqlite3_column_bytes(stmt, 0);
    const void *blob = sqlite3_column_blob(stmt, 0);
    if (blob == NULL || size <= 0 || (size_t)size > cap) {
        sqlite3_reset(stmt);
        return br_error_set(err, BR_EIO, "cannot %s: the sealed SSN has the wrong size", what);
    }
    memcpy(sealed, blob, (size_t)size);
    *len = (size_t)size;
    sqlite3_reset(stmt);
    return 0;
}

/* Consent purposes are stored as a JSON array of their names, in purpose order. */
static char *
purposes_encode(unsigned purposes)
{
    json_t *array = json_array();
    for (int p = 0; p < CONSENT_PURPOSE_COUNT; p++)
        if (purposes & CONSENT_PURPOSE_BIT(p))
            json_array_append_new(array, json_string(consent_purpose_name(p)));
    char *text = json_dumps(array, JSON_COMPACT);
    json_decref(array);
    return text;
}

static bool
purposes_decode(const char *text, unsigned *purposes)
{
    json_t *array = json_loads(text, 0, NULL);
    size_t i;
    json_t *value;
    bool ok = json_is_array(array);

    *purposes = 0;
    json_array_foreach(array, i, value)
    {
        enum consent_purpose p;
        if (!json_is_string(value) || consent_purpose_parse(json_string_value(value), &p) != 0)
            ok = false;
        else
            *purposes |= CONSENT_PURPOSE_BIT(p);
    }
    json_decref(array);
    return ok;
}

static int
sqlite_consent_insert(struct store *st, struct consent *consent, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "record the consent";
    sqlite3_stmt *stmt = NULL;
    char *purposes = purposes_encode(consent->purposes);
    int rc;

    if ((rc = stmt_get(s, STMT_CONSENT_INSERT, &stmt, what, err)) != 0)
        goto out;
    struct binder b = bind_start(stmt);
    bind_int64(&b, consent->person_id);
    bind_int64(&b, consent->agency_id);
    bind_text(&b, purposes);
    bind_date(&b, consent->from_on);
    bind_date(&b, consent->until_on);
    bind_date(&b, consent->revoked_on);
    bind_id(&b, consent->recorded_by);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        goto out;
    consent->id = sqlite3_last_insert_rowid(s->conn->db);
out:
    free(purposes);
    return rc;
}

static int
sqlite_decline_insert(struct store *st, struct coenroll_decline *decline, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "record the co-enrollment decline";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_DECLINE_INSERT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, decline->person_id);
    bind_text(&b, decline->rule);
    bind_date(&b, decline->declined_on);
    bind_text_or_null(&b, decline->note[0] != '\0' ? decline->note : NULL);
    bind_id(&b, decline->recorded_by);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    decline->id = sqlite3_last_insert_rowid(s->conn->db);
    return 0;
}

static const char *
read_decline(sqlite3_stmt *stmt, void *item)
{
    struct coenroll_decline *d = item;
    struct row r = {stmt, 0, NULL};
    d->id = row_int64(&r);
    row_copy(&r, d->rule, sizeof(d->rule));
    d->declined_on = row_date(&r);
    row_copy(&r, d->note, sizeof(d->note));
    d->recorded_by = row_int64(&r);
    if (r.bad == NULL && d->declined_on == DATE_NONE)
        row_problem(&r, "a decline without a date");
    return r.bad;
}

static int
sqlite_declines_load(struct store *st, int64_t person_id, struct coenroll_decline **declines,
                     size_t *n, size_t *cap, struct br_error *err)
{
    return casework_load(sqlite_of(st), STMT_DECLINES_OF, person_id, 0, declines, n, cap,
                         sizeof(**declines), read_decline, "load the person's co-enrollment "
                         "declines", err);
}

static int
sqlite_consent_revoke(struct store *st, int64_t person_id, int64_t consent_id, int32_t on,
                      struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "revoke the consent";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_CONSENT_REVOKE, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_date(&b, on);
    bind_int64(&b, consent_id);
    bind_int64(&b, person_id);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    if (sqlite3_changes(s->conn->db) > 0)
        return 0;
    /* Nothing changed: either there is no such consent of this person, or it was revoked. */
    if ((rc = stmt_get(s, STMT_CONSENT_EXISTS, &stmt, what, err)) != 0)
        return rc;
    b = bind_start(stmt);
    bind_int64(&b, consent_id);
    bind_int64(&b, person_id);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_ROW)
        return br_error_set(err, BR_ECONFLICT, "consent %" PRId64 " is already revoked",
                            consent_id);
    if (rc == SQLITE_DONE)
        return br_error_set(err, BR_ENOTFOUND, "person %" PRId64 " has no consent %" PRId64,
                            person_id, consent_id);
    return fail(rc, what, err);
}

static const char *
read_consent(sqlite3_stmt *stmt, void *item)
{
    struct consent *c = item;
    struct row r = {stmt, 0, NULL};
    c->id = row_int64(&r);
    c->agency_id = row_int64(&r);
    if (!purposes_decode(row_text(&r), &c->purposes))
        row_problem(&r, "malformed consent purposes");
    c->from_on = row_date(&r);
    c->until_on = row_date(&r);
    c->revoked_on = row_date(&r);
    c->recorded_by = row_int64(&r);
    if (c->from_on == DATE_NONE)
        row_problem(&r, "a consent without a start date");
    return r.bad;
}

static int
sqlite_consents_load(struct store *st, int64_t person_id, struct consent **consents, size_t *n,
                     size_t *cap, struct br_error *err)
{
    return casework_load(sqlite_of(st), STMT_CONSENTS_OF, person_id, 0, consents, n, cap,
                         sizeof(**consents), read_consent, "load the person's consents", err);
}

static int
sqlite_assessment_insert(struct store *st, struct assessment *a, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "record the assessment";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((unsigned)a->type >= ASSESSMENT_TYPE_COUNT)
        return br_error_set(err, BR_EINVAL, "cannot %s: unknown assessment type", what);
    if ((rc = stmt_get(s, STMT_ASSESSMENT_INSERT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, a->person_id);
    bind_text(&b, assessment_type_name(a->type));
    bind_date(&b, a->assessed_on);
    bind_text(&b, a->scores);
    bind_text(&b, a->barriers);
    bind_id(&b, a->agency_id);
    bind_id(&b, a->author_id);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    a->id = sqlite3_last_insert_rowid(s->conn->db);
    return 0;
}

static const char *
read_assessment(sqlite3_stmt *stmt, void *item)
{
    struct assessment *a = item;
    struct row r = {stmt, 0, NULL};
    a->id = row_int64(&r);
    if (assessment_type_parse(row_text(&r), &a->type) != 0)
        row_problem(&r, "an unknown assessment type");
    a->assessed_on = row_date(&r);
    row_copy(&r, a->scores, sizeof(a->scores));
    row_copy(&r, a->barriers, sizeof(a->barriers));
    a->agency_id = row_int64(&r);
    a->author_id = row_int64(&r);
    if (a->assessed_on == DATE_NONE)
        row_problem(&r, "an assessment without a date");
    return r.bad;
}

static int
sqlite_assessments_load(struct store *st, int64_t person_id, struct assessment **assessments,
                        size_t *n, size_t *cap, struct br_error *err)
{
    return casework_load(sqlite_of(st), STMT_ASSESSMENTS_OF, person_id, 0, assessments, n, cap,
                         sizeof(**assessments), read_assessment, "load the person's assessments",
                         err);
}

static int
sqlite_plan_insert(struct store *st, struct case_plan *plan, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "create the plan";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_PLAN_INSERT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, plan->person_id);
    bind_text(&b, plan_kind_name(plan->kind));
    bind_date(&b, plan->created_on);
    bind_date(&b, plan->signed_on);
    bind_bool(&b, plan->copy_given);
    bind_date(&b, plan->closed_on);
    bind_id(&b, plan->agency_id);
    bind_id(&b, plan->author_id);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    plan->id = sqlite3_last_insert_rowid(s->conn->db);
    return 0;
}

static int
sqlite_plan_update(struct store *st, const struct case_plan *plan, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "update the plan";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_PLAN_UPDATE, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_date(&b, plan->signed_on);
    bind_bool(&b, plan->copy_given);
    bind_date(&b, plan->closed_on);
    bind_int64(&b, plan->id);
    bind_int64(&b, plan->person_id);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    if (sqlite3_changes(s->conn->db) == 0)
        return br_error_set(err, BR_ENOTFOUND, "person %" PRId64 " has no plan %" PRId64,
                            plan->person_id, plan->id);
    return 0;
}

static const char *
read_plan(sqlite3_stmt *stmt, void *item)
{
    struct case_plan *p = item;
    struct row r = {stmt, 0, NULL};
    p->id = row_int64(&r);
    if (plan_kind_parse(row_text(&r), &p->kind) != 0)
        row_problem(&r, "an unknown plan kind");
    p->created_on = row_date(&r);
    p->signed_on = row_date(&r);
    p->copy_given = row_bool(&r);
    p->closed_on = row_date(&r);
    p->agency_id = row_int64(&r);
    p->author_id = row_int64(&r);
    if (p->created_on == DATE_NONE)
        row_problem(&r, "a plan without a creation date");
    return r.bad;
}

static int
sqlite_plans_load(struct store *st, int64_t person_id, struct case_plan **plans, size_t *n,
                  size_t *cap, struct br_error *err)
{
    return casework_load(sqlite_of(st), STMT_PLANS_OF, person_id, 0, plans, n, cap, sizeof(**plans),
                         read_plan, "load the person's plans", err);
}

static int
sqlite_goal_insert(struct store *st, struct goal *goal, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "add the goal";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_GOAL_INSERT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, goal->person_id);
    bind_int64(&b, goal->plan_id);
    bind_text(&b, goal_type_name(goal->type));
    bind_text(&b, goal->description);
    bind_date(&b, goal->target_on);
    bind_text(&b, goal_status_name(goal->status));
    bind_date(&b, goal->closed_on);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    goal->id = sqlite3_last_insert_rowid(s->conn->db);
    return 0;
}

static int
sqlite_goal_update(struct store *st, const struct goal *goal, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "update the goal";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_GOAL_UPDATE, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_text(&b, goal_status_name(goal->status));
    bind_date(&b, goal->closed_on);
    bind_int64(&b, goal->id);
    bind_int64(&b, goal->person_id);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    if (sqlite3_changes(s->conn->db) == 0)
        return br_error_set(err, BR_ENOTFOUND, "person %" PRId64 " has no goal %" PRId64,
                            goal->person_id, goal->id);
    return 0;
}

static const char *
read_goal(sqlite3_stmt *stmt, void *item)
{
    struct goal *g = item;
    struct row r = {stmt, 0, NULL};
    g->id = row_int64(&r);
    g->plan_id = row_int64(&r);
    if (goal_type_parse(row_text(&r), &g->type) != 0)
        row_problem(&r, "an unknown goal type");
    row_copy(&r, g->description, sizeof(g->description));
    g->target_on = row_date(&r);
    if (goal_status_parse(row_text(&r), &g->status) != 0)
        row_problem(&r, "an unknown goal status");
    g->closed_on = row_date(&r);
    return r.bad;
}

static int
sqlite_goals_load(struct store *st, int64_t person_id, struct goal **goals, size_t *n, size_t *cap,
                  struct br_error *err)
{
    return casework_load(sqlite_of(st), STMT_GOALS_OF, person_id, 0, goals, n, cap, sizeof(**goals),
                         read_goal, "load the person's goals", err);
}

static int
sqlite_plan_review_insert(struct store *st, struct plan_review *review, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "record the plan review";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((rc = stmt_get(s, STMT_PLAN_REVIEW_INSERT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, review->person_id);
    bind_int64(&b, review->plan_id);
    bind_date(&b, review->reviewed_on);
    bind_text(&b, review->note);
    bind_id(&b, review->reviewer_id);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    review->id = sqlite3_last_insert_rowid(s->conn->db);
    return 0;
}

static const char *
read_plan_review(sqlite3_stmt *stmt, void *item)
{
    struct plan_review *v = item;
    struct row r = {stmt, 0, NULL};
    v->id = row_int64(&r);
    v->plan_id = row_int64(&r);
    v->reviewed_on = row_date(&r);
    row_copy(&r, v->note, sizeof(v->note));
    v->reviewer_id = row_int64(&r);
    if (v->reviewed_on == DATE_NONE)
        row_problem(&r, "a review without a date");
    return r.bad;
}

static int
sqlite_plan_reviews_load(struct store *st, int64_t person_id, struct plan_review **reviews,
                         size_t *n, size_t *cap, struct br_error *err)
{
    return casework_load(sqlite_of(st), STMT_PLAN_REVIEWS_OF, person_id, 0, reviews, n, cap,
                         sizeof(**reviews), read_plan_review, "load the person's plan reviews",
                         err);
}

static int
sqlite_outcome_insert(struct store *st, struct outcome *o, struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "record the outcome";
    sqlite3_stmt *stmt = NULL;
    int rc;

    if ((unsigned)o->kind >= OUTCOME_KIND_COUNT)
        return br_error_set(err, BR_EINVAL, "cannot %s: unknown outcome kind", what);
    if ((rc = stmt_get(s, STMT_OUTCOME_INSERT, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    bind_int64(&b, o->person_id);
    bind_text(&b, outcome_kind_name(o->kind));
    bind_date(&b, o->outcome_on);
    if (o->quarter > 0)
        bind_int64(&b, o->quarter);
    else
        bind_null(&b);
    if (o->earnings_cents >= 0)
        bind_int64(&b, o->earnings_cents);
    else
        bind_null(&b);
    bind_text_or_null(&b, o->employer_id);
    bind_text_or_null(&b, o->detail_type);
    bind_text_or_null(&b, o->source);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_run(stmt, what, err)) != 0)
        return rc;
    o->id = sqlite3_last_insert_rowid(s->conn->db);
    return 0;
}

static const char *
read_outcome(sqlite3_stmt *stmt, void *item)
{
    struct outcome *o = item;
    struct row r = {stmt, 0, NULL};
    o->id = row_int64(&r);
    if (outcome_kind_parse(row_text(&r), &o->kind) != 0)
        row_problem(&r, "an unknown outcome kind");
    o->outcome_on = row_date(&r);
    o->quarter = row_int(&r);
    o->earnings_cents = row_is_null(&r) ? (r.col++, OUTCOME_NO_EARNINGS) : row_int64(&r);
    row_copy(&r, o->employer_id, sizeof(o->employer_id));
    row_copy(&r, o->detail_type, sizeof(o->detail_type));
    row_copy(&r, o->source, sizeof(o->source));
    return r.bad;
}

static int
sqlite_outcomes_load(struct store *st, int64_t person_id, struct outcome **outcomes, size_t *n,
                     size_t *cap, struct br_error *err)
{
    return casework_load(sqlite_of(st), STMT_OUTCOMES_OF, person_id, 0, outcomes, n, cap,
                         sizeof(**outcomes), read_outcome, "load the person's outcomes", err);
}

/* Copies the next column into buf, cut to fit: an audit entry is shown, never rewritten. */
static void
row_copy_cut(struct row *r, char *buf, size_t size)
{
    const char *text = row_text(r);
    size_t len = strlen(text);
    if (len >= size)
        len = size - 1;
    memcpy(buf, text, len);
    buf[len] = '\0';
}

/* Merges the newest entries of the changes' audit log and of the log of reads (person_id > 0:
 * that person's), newest first by time — within a second a change is taken to come before a
 * read, so the reads of a second are listed above its changes (and below them oldest first,
 * audit_load) — and in the order of the ids within each log: skips skip
 * of them, then keeps up to limit in *entries. */
static int
audit_merge(struct sqlite_store *s, int64_t person_id, int64_t skip, int64_t limit,
            struct audit_record **entries, size_t *n, size_t *cap, const char *what,
            struct br_error *err)
{
    bool one = person_id > 0;
    enum stmt_id ids[2] = {one ? STMT_AUDIT_NEWEST_OF : STMT_AUDIT_NEWEST_ALL,
                           one ? STMT_READS_NEWEST_OF : STMT_READS_NEWEST_ALL};
    sqlite3_stmt *stmts[2] = {NULL, NULL};
    int steps[2] = {SQLITE_DONE, SQLITE_DONE};
    const char *bad = NULL;
    int rc = 0;

    *n = 0;
    /* Prepared (and reset) both first: stmt_get resets the statement it returns. */
    for (int i = 0; i < 2 && rc == 0; i++)
        rc = stmt_get(s, ids[i], &stmts[i], what, err);
    for (int i = 0; i < 2 && rc == 0; i++) {
        struct binder b = bind_start(stmts[i]);
        if (one)
            bind_int64(&b, person_id);
        bind_int64(&b, skip > INT64_MAX - limit ? INT64_MAX : skip + limit);
        if ((rc = bind_check(&b, what, err)) == 0)
            steps[i] = sqlite3_step(stmts[i]);
    }
    while (rc == 0 && bad == NULL && (int64_t)*n < limit) {
        bool rows[2] = {steps[0] == SQLITE_ROW, steps[1] == SQLITE_ROW};
        if (!rows[0] && !rows[1])
            break;
        /* "YYYY-MM-DD HH:MM:SS" texts sort as the times they are. */
        int from = !rows[0] ? 1
                   : !rows[1] ? 0
                   : strcmp((const char *)sqlite3_column_text(stmts[0], 2),
                            (const char *)sqlite3_column_text(stmts[1], 2)) > 0
                       ? 0
                       : 1;
        if (skip > 0) {
            skip--;
        } else {
            xgrow(entries, cap, *n + 1, sizeof(**entries));
            struct audit_record *a = &(*entries)[*n];
            memset(a, 0, sizeof(*a));
            struct row r = {stmts[from], 0, NULL};
            a->id = row_int64(&r);
            a->person_id = row_int64(&r);
            row_copy_cut(&r, a->at, sizeof(a->at));
            a->user_id = row_int64(&r);
            row_copy_cut(&r, a->action, sizeof(a->action));
            row_copy_cut(&r, a->entity, sizeof(a->entity));
            a->entity_id = row_int64(&r);
            row_copy_cut(&r, a->reason, sizeof(a->reason));
            row_copy_cut(&r, a->after, sizeof(a->after));
            a->read = from == 1;
            if ((bad = r.bad) == NULL)
                (*n)++;
        }
        steps[from] = sqlite3_step(stmts[from]);
    }
    for (int i = 0; i < 2; i++) {
        if (rc == 0 && bad == NULL && steps[i] != SQLITE_ROW && steps[i] != SQLITE_DONE)
            rc = fail(steps[i], what, err);
        if (stmts[i] != NULL)
            sqlite3_reset(stmts[i]);
    }
    if (rc == 0 && bad != NULL)
        rc = br_error_set(err, BR_EIO, "cannot %s: a row has %s", what, bad);
    return rc;
}

static int
sqlite_audit_load(struct store *st, int64_t person_id, size_t max, struct audit_record **entries,
                  size_t *n, size_t *cap, struct br_error *err)
{
    /* Before this transaction's first look at the log of reads, which fixes its view of it. */
    int rc = sqlite_reads_flush(st, err);
    if (rc != 0)
        return rc;
    if (max == 0 || max > (size_t)INT32_MAX)
        max = INT32_MAX;
    rc = audit_merge(sqlite_of(st), person_id, 0, (int64_t)max, entries, n, cap,
                     "load the person's audit log", err);
    /* Oldest first. */
    for (size_t i = 0; rc == 0 && i < *n / 2; i++) {
        struct audit_record swap = (*entries)[i];
        (*entries)[i] = (*entries)[*n - 1 - i];
        (*entries)[*n - 1 - i] = swap;
    }
    return rc;
}

/* ---- administration (store.h users_page ... audit_page) ---------------------------------- */

/* One page of a list: count_id counts the whole list and page_id reads its rows, both with key
 * as their first parameter when key > 0; page_id then takes limit and offset.  The rows go into
 * the caller's reusable array, as casework_load's. */
static int
page_load(struct sqlite_store *s, enum stmt_id page_id, enum stmt_id count_id, int64_t key,
          int64_t limit, int64_t offset, void *items_ptr, size_t *n, size_t *cap, size_t item_size,
          casework_row_fn read, int64_t *total, const char *what, struct br_error *err)
{
    void **items = items_ptr; /* as xgrow sees it */
    const char *bad = NULL;
    sqlite3_stmt *stmt = NULL;
    int rc;

    *n = 0;
    *total = 0;
    if ((rc = stmt_get(s, count_id, &stmt, what, err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    if (key > 0)
        bind_int64(&b, key);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_row(stmt, what, what, err)) != 0)
        return rc;
    *total = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);

    if ((rc = stmt_get(s, page_id, &stmt, what, err)) != 0)
        return rc;
    b = bind_start(stmt);
    if (key > 0)
        bind_int64(&b, key);
    bind_int64(&b, limit);
    bind_int64(&b, offset);
    if ((rc = bind_check(&b, what, err)) != 0)
        return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        xgrow(items_ptr, cap, *n + 1, item_size);
        void *item = (char *)*items + *n * item_size;
        memset(item, 0, item_size);
        if ((bad = read(stmt, item)) != NULL)
            break;
        (*n)++;
    }
    sqlite3_reset(stmt);
    if (bad != NULL)
        return br_error_set(err, BR_EIO, "cannot %s: a row has %s", what, bad);
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    return 0;
}

static const char *
read_user_row(sqlite3_stmt *stmt, void *item)
{
    struct user *u = item;
    struct row r = {stmt, 0, NULL};
    u->id = row_int64(&r);
    row_copy(&r, u->email, sizeof(u->email));
    row_copy(&r, u->name, sizeof(u->name));
    row_copy(&r, u->role, sizeof(u->role));
    row_copy(&r, u->agency, sizeof(u->agency));
    u->active = row_bool(&r);
    return r.bad;
}

static int
sqlite_users_page(struct store *st, int64_t limit, int64_t offset, struct user **users, size_t *n,
                  size_t *cap, int64_t *total, struct br_error *err)
{
    return page_load(sqlite_of(st), STMT_USERS_PAGE, STMT_USERS_COUNT, 0, limit, offset, users, n,
                     cap, sizeof(**users), read_user_row, total, "list the users", err);
}

static const char *
read_agency(sqlite3_stmt *stmt, void *item)
{
    struct agency *a = item;
    struct row r = {stmt, 0, NULL};
    a->id = row_int64(&r);
    row_copy(&r, a->code, sizeof(a->code));
    row_copy(&r, a->name, sizeof(a->name));
    return r.bad;
}

static int
sqlite_agencies_page(struct store *st, int64_t limit, int64_t offset, struct agency **agencies,
                     size_t *n, size_t *cap, int64_t *total, struct br_error *err)
{
    return page_load(sqlite_of(st), STMT_AGENCIES_PAGE, STMT_AGENCIES_COUNT, 0, limit, offset,
                     agencies, n, cap, sizeof(**agencies), read_agency, total, "list the agencies",
                     err);
}

static int
sqlite_roles_load(struct store *st, struct staff_role **roles, size_t *n, size_t *cap,
                  struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "list the roles";
    sqlite3_stmt *stmt = NULL;
    struct row r = {NULL, 0, NULL};
    int rc;

    *n = 0;
    if ((rc = stmt_get(s, STMT_ROLES_ALL, &stmt, what, err)) != 0)
        return rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        xgrow(roles, cap, *n + 1, sizeof(**roles));
        struct staff_role *role = &(*roles)[*n];
        r.stmt = stmt;
        r.col = 0;
        row_copy(&r, role->code, sizeof(role->code));
        row_copy(&r, role->title, sizeof(role->title));
        if (r.bad != NULL)
            break;
        (*n)++;
    }
    sqlite3_reset(stmt);
    if (r.bad != NULL)
        return br_error_set(err, BR_EIO, "cannot %s: a row has %s", what, r.bad);
    if (rc != SQLITE_DONE)
        return fail(rc, what, err);
    return 0;
}

static int
sqlite_audit_page(struct store *st, int64_t person_id, int64_t limit, int64_t offset,
                  struct audit_record **entries, size_t *n, size_t *cap, int64_t *total,
                  struct br_error *err)
{
    struct sqlite_store *s = sqlite_of(st);
    const char *what = "read the audit log";
    sqlite3_stmt *stmt = NULL;
    int rc;

    *n = 0;
    *total = 0;
    /* Before this transaction's first look at the log of reads, which fixes its view of it. */
    if ((rc = sqlite_reads_flush(st, err)) != 0)
        return rc;
    if ((rc = stmt_get(s, person_id > 0 ? STMT_AUDIT_COUNT_OF : STMT_AUDIT_COUNT_ALL, &stmt, what,
                       err)) != 0)
        return rc;
    struct binder b = bind_start(stmt);
    if (person_id > 0)
        bind_int64(&b, person_id);
    if ((rc = bind_check(&b, what, err)) != 0 || (rc = stmt_row(stmt, what, what, err)) != 0)
        return rc;
    *total = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    return audit_merge(s, person_id, offset, limit, entries, n, cap, what, err);
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .begin = sqlite_begin,
    .begin_read = sqlite_begin_read,
    .change_reads = sqlite_change_reads,
    .durability_deferred = sqlite_durability_deferred,
    .durable_pending = sqlite_durable_pending,
    .durable_wait = sqlite_durable_wait,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .savepoint = sqlite_savepoint,
    .savepoint_release = sqlite_savepoint_release,
    .savepoint_rollback = sqlite_savepoint_rollback,
    .schema_version = sqlite_schema_version,
    .migrate = sqlite_migrate,
    .catalog_save = sqlite_catalog_save,
    .catalog_load = sqlite_catalog_load,
    .person_insert = sqlite_person_insert,
    .person_get = sqlite_person_get,
    .person_by_external_id = sqlite_person_by_external_id,
    .person_duplicates = sqlite_person_duplicates,
    .identity_put = sqlite_identity_put,
    .record_load = sqlite_record_load,
    .enrollment_insert = sqlite_enrollment_insert,
    .service_insert = sqlite_service_insert,
    .service_update = sqlite_service_update,
    .gap_insert = sqlite_gap_insert,
    .note_insert = sqlite_note_insert,
    .contact_insert = sqlite_contact_insert,
    .audit_append = sqlite_audit_append,
    .clocks_put = sqlite_clocks_put,
    .clocks_get = sqlite_clocks_get,
    .clocks_due = sqlite_clocks_due,
    .clocks_of_people = sqlite_clocks_of_people,
    .exit_run_begin = sqlite_exit_run_begin,
    .exit_run_finish = sqlite_exit_run_finish,
    .exit_put = sqlite_exit_put,
    .exits_get = sqlite_exits_get,
    .exit_delete = sqlite_exit_delete,
    .people_scan = sqlite_people_scan,
    .people_id_bounds = sqlite_people_id_bounds,
    .agency_insert = sqlite_agency_insert,
    .user_insert = sqlite_user_insert,
    .user_by_email = sqlite_user_by_email,
    .token_insert = sqlite_token_insert,
    .token_user = sqlite_token_user,
    .backup = sqlite_backup,
    .notes_load = sqlite_notes_load,
    .note_heads_load = sqlite_note_heads_load,
    .contacts_load = sqlite_contacts_load,
    .session_insert = sqlite_session_insert,
    .session_get = sqlite_session_get,
    .session_delete = sqlite_session_delete,
    .sessions_prune = sqlite_sessions_prune,
    .user_by_id = sqlite_user_by_id,
    .person_search = sqlite_person_search,
    .person_update = sqlite_person_update,
    .idempotency_reserve = sqlite_idempotency_reserve,
    .idempotency_complete = sqlite_idempotency_complete,
    .idempotency_release = sqlite_idempotency_release,
    .idempotency_prune = sqlite_idempotency_prune,
    .person_served_by = sqlite_person_served_by,
    .agency_people = sqlite_agency_people,
    .staff_people = sqlite_staff_people,
    .decline_insert = sqlite_decline_insert,
    .declines_load = sqlite_declines_load,
    .identity_get = sqlite_identity_get,
    .consent_insert = sqlite_consent_insert,
    .consent_revoke = sqlite_consent_revoke,
    .consents_load = sqlite_consents_load,
    .assessment_insert = sqlite_assessment_insert,
    .assessments_load = sqlite_assessments_load,
    .plan_insert = sqlite_plan_insert,
    .plan_update = sqlite_plan_update,
    .plans_load = sqlite_plans_load,
    .goal_insert = sqlite_goal_insert,
    .goal_update = sqlite_goal_update,
    .goals_load = sqlite_goals_load,
    .plan_review_insert = sqlite_plan_review_insert,
    .plan_reviews_load = sqlite_plan_reviews_load,
    .outcome_insert = sqlite_outcome_insert,
    .outcomes_load = sqlite_outcomes_load,
    .audit_load = sqlite_audit_load,
    .reads_flush = sqlite_reads_flush,
    .users_page = sqlite_users_page,
    .agencies_page = sqlite_agencies_page,
    .roles_load = sqlite_roles_load,
    .audit_page = sqlite_audit_page,
    .service_correct = sqlite_service_correct,
    .enrollment_correct = sqlite_enrollment_correct,
};

/* Sets the connection up as braid needs it.  The journal mode is checked, not assumed: WAL is
 * what lets readers (reports, backups) run beside the writer. */
static int
configure(sqlite3 *db, const char *path, struct br_error *err)
{
    const char *what = "open the database";
    sqlite3_stmt *stmt = NULL;
    int rc;

    rc = sqlite3_exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail(rc, what, err);
    rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(stmt, 0);
        bool memory = strcmp(path, ":memory:") == 0;
        rc = mode != NULL && (strcmp(mode, "wal") == 0 || (memory && strcmp(mode, "memory") == 0))
                 ? SQLITE_OK
                 : SQLITE_CANTOPEN;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_OK)
        return br_error_set(err, BR_EIO, "cannot %s %s: cannot use write-ahead logging: %s", what,
                            path, sqlite3_errstr(rc));
    return 0;
}

/* Attaches the log of reads (sqlite_read_log.h) as "reads", for the audit log's readers: the
 * file beside file, or, for an in-memory database (file NULL), one in memory. */
static int
attach_read_log(sqlite3 *db, const char *file, struct br_error *err)
{
    char *log = file != NULL ? sqlite_read_log_file(file) : NULL;
    char *sql = sqlite3_mprintf("ATTACH DATABASE '%q' AS reads", log != NULL ? log : ":memory:");
    free(log);
    if (sql == NULL)
        return br_error_set(err, BR_EIO, "cannot open the log of reads: out of memory");
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return br_error_set(err, BR_EIO, "cannot open the log of reads: %s", sqlite3_errmsg(db));
    return file != NULL ? 0 : sqlite_read_log_schema(db, "reads", err);
}

/* Sets up a connection to the database at path: configure, then, on a file (writer not NULL),
 * its checkpoints handed to the writer's thread, not to whichever commit fills the WAL; and,
 * with_read_log, the log of reads attached (in memory for an in-memory database).  The
 * connection a process writes a file through (write_connection) goes without: BEGIN IMMEDIATE
 * takes the write lock of every database attached, and would keep the log's thread from loading
 * the log for as long as a change — or a batch of them — is open. */
static int
connection_setup(sqlite3 *db, const char *path, struct sqlite_writer *writer, bool with_read_log,
                 struct br_error *err)
{
    int rc = configure(db, path, err);
    if (rc != 0)
        return rc;
    if (writer != NULL)
        sqlite3_wal_hook(db, sqlite_writer_wal_hook, writer);
    if (!with_read_log)
        return 0;
    return attach_read_log(db, writer != NULL ? sqlite3_db_filename(db, "main") : NULL, err);
}

int
store_sqlite_open(const char *path, struct store **out, struct br_error *err)
{
    struct sqlite_store *s = xcalloc(1, sizeof(*s));
    int rc;

    *out = NULL;
    s->base.ops = &sqlite_ops;
    s->conn = &s->own;
    /* A store is used by one thread at a time (store.h), so the connection goes without
     * SQLite's own per-call locking (a twentieth of a scan's time). */
    if ((rc = open_plain(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                         &s->own.db, "open the database", err)) != 0)
        goto out;
    const char *file = sqlite3_db_filename(s->own.db, "main");
    if (file != NULL && file[0] != '\0' &&
        (rc = sqlite_writer_attach(file, sqlite3_filename_wal(file), &s->writer, err)) != 0)
        goto out;
    if ((rc = connection_setup(s->own.db, path, s->writer, true, err)) != 0)
        goto out;
    *out = &s->base;
    s = NULL;
out:
    if (s != NULL)
        sqlite_close(&s->base);
    return rc;
}

struct sqlite3 *
store_sqlite_handle(struct store *st)
{
    return sqlite_of(st)->conn->db;
}
