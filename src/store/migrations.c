/* migrations.c — braid's schema, one migration per version (migrations.h).
 *
 * Conventions, so the PostgreSQL DDL can mirror this one table for table: ids are INTEGER
 * (INTEGER PRIMARY KEY is SQLite's rowid alias), dates are TEXT 'YYYY-MM-DD', times are
 * CURRENT_TIMESTAMP text, flags are INTEGER 0/1, JSON is TEXT.  Every person-owned table carries
 * person_id with an index that starts with it, so a distributed PostgreSQL can keep one person's
 * rows on one shard (ARCHITECTURE.md, "Scale").  An id of a user, agency or service that is
 * unknown is NULL, never 0, so foreign keys hold. */
#include "store/migrations.h"

#include "store/store.h"

const char migrations_bootstrap_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations (\n"
                                        "    version INTEGER PRIMARY KEY,\n"
                                        "    applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP\n"
                                        ");\n";

/* Version 1: the whole schema of ARCHITECTURE.md "The data". */
static const char migration_1_sql[] =
    /* Who works in braid. */
    "CREATE TABLE agencies (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    code TEXT NOT NULL UNIQUE,\n"
    "    name TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE roles (\n"
    "    code TEXT PRIMARY KEY,\n"
    "    title TEXT NOT NULL\n"
    ");\n"
    "INSERT INTO roles (code, title) VALUES\n"
    "    ('case_manager', 'Case manager'),\n"
    "    ('supervisor', 'Supervisor'),\n"
    "    ('partner_staff', 'Partner agency staff'),\n"
    "    ('analyst', 'State or board analyst'),\n"
    "    ('auditor', 'Auditor'),\n"
    "    ('admin', 'Administrator');\n"
    "CREATE TABLE users (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    email TEXT NOT NULL UNIQUE,\n"
    "    name TEXT NOT NULL,\n"
    "    role TEXT NOT NULL REFERENCES roles (code),\n"
    "    agency_id INTEGER REFERENCES agencies (id),\n"
    "    password_hash TEXT NOT NULL,\n"
    "    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),\n"
    "    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP\n"
    ");\n"
    "CREATE INDEX users_agency ON users (agency_id);\n"
    "CREATE TABLE sessions (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    user_id INTEGER NOT NULL REFERENCES users (id),\n"
    "    token_hash BLOB NOT NULL UNIQUE,\n"
    "    csrf_token TEXT NOT NULL,\n"
    "    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
    "    expires_at TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX sessions_user ON sessions (user_id);\n"
    "CREATE INDEX sessions_expires ON sessions (expires_at);\n"
    "CREATE TABLE api_tokens (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    user_id INTEGER NOT NULL REFERENCES users (id),\n"
    "    token_hash BLOB NOT NULL UNIQUE,\n"
    "    label TEXT NOT NULL,\n"
    "    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
    "    revoked_at TEXT\n"
    ");\n"
    "CREATE INDEX api_tokens_user ON api_tokens (user_id);\n"

    /* Catalogs and policy settings (RULES.md §1-2): position is the catalog index. */
    "CREATE TABLE programs (\n"
    "    code TEXT PRIMARY KEY,\n"
    "    title TEXT NOT NULL,\n"
    "    agency TEXT NOT NULL,\n"
    "    kind TEXT NOT NULL,\n"
    "    common_exit INTEGER NOT NULL CHECK (common_exit IN (0, 1)),\n"
    "    job_center INTEGER NOT NULL CHECK (job_center IN (0, 1)),\n"
    "    position INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE service_codes (\n"
    "    code TEXT PRIMARY KEY,\n"
    "    title TEXT NOT NULL,\n"
    "    category TEXT NOT NULL,\n"
    "    triggers_participation INTEGER NOT NULL CHECK (triggers_participation IN (0, 1)),\n"
    "    prevents_exit INTEGER NOT NULL CHECK (prevents_exit IN (0, 1)),\n"
    "    position INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE funding_streams (\n"
    "    code TEXT PRIMARY KEY,\n"
    "    title TEXT NOT NULL,\n"
    "    program TEXT REFERENCES programs (code)\n"
    ");\n"
    "CREATE TABLE settings (\n"
    "    name TEXT PRIMARY KEY,\n"
    "    value TEXT NOT NULL\n"
    ");\n"

    /* One person, one record. */
    "CREATE TABLE people (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    external_id TEXT UNIQUE,\n"
    "    first_name TEXT NOT NULL,\n"
    "    last_name TEXT NOT NULL,\n"
    "    birth_date TEXT,\n"
    "    sex TEXT CHECK (sex IN ('female', 'male', 'other')),\n"
    "    facts TEXT NOT NULL DEFAULT '{}',\n"
    "    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
    "    updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
    "    version INTEGER NOT NULL DEFAULT 1\n"
    ");\n"
    "CREATE INDEX people_name ON people (last_name, first_name, birth_date);\n"
    "CREATE TABLE identities (\n"
    "    person_id INTEGER PRIMARY KEY REFERENCES people (id),\n"
    "    ssn_hash BLOB NOT NULL,\n"
    "    ssn_sealed BLOB NOT NULL,\n"
    "    ssn_last4 TEXT\n"
    ");\n"
    "CREATE INDEX identities_ssn_hash ON identities (ssn_hash);\n"

    /* The history the rules read: enrollments, services, planned gaps. */
    "CREATE TABLE enrollments (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    program TEXT NOT NULL REFERENCES programs (code),\n"
    "    eligibility_date TEXT NOT NULL,\n"
    "    eligibility_facts TEXT,\n"
    "    decided_by INTEGER REFERENCES users (id),\n"
    "    decided_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
    "    version INTEGER NOT NULL DEFAULT 1\n"
    ");\n"
    "CREATE INDEX enrollments_person ON enrollments (person_id, eligibility_date);\n"
    "CREATE TABLE services (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    program TEXT NOT NULL REFERENCES programs (code),\n"
    "    code TEXT NOT NULL REFERENCES service_codes (code),\n"
    "    start_date TEXT NOT NULL,\n"
    "    end_date TEXT,\n"
    "    projected_end_date TEXT,\n"
    "    provider TEXT NOT NULL DEFAULT '',\n"
    "    staff_id INTEGER REFERENCES users (id),\n"
    "    cost_cents INTEGER NOT NULL DEFAULT 0 CHECK (cost_cents >= 0),\n"
    "    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
    "    version INTEGER NOT NULL DEFAULT 1\n"
    ");\n"
    "CREATE INDEX services_person ON services (person_id, start_date);\n"
    "CREATE TABLE service_funding (\n"
    "    service_id INTEGER NOT NULL REFERENCES services (id),\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    stream TEXT NOT NULL,\n"
    "    percent INTEGER NOT NULL CHECK (percent BETWEEN 1 AND 100),\n"
    "    PRIMARY KEY (service_id, stream)\n"
    ");\n"
    "CREATE INDEX service_funding_person ON service_funding (person_id, service_id);\n"
    "CREATE TABLE planned_gaps (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    program TEXT NOT NULL REFERENCES programs (code),\n"
    "    start_date TEXT NOT NULL,\n"
    "    planned_end_date TEXT NOT NULL,\n"
    "    reason TEXT NOT NULL CHECK (reason IN ('TRAINING_DELAY', 'HEALTH_MEDICAL', "
    "'FAMILY_CARE', 'TEMPORARY_MOVE')),\n"
    "    services_after TEXT,\n"
    "    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP\n"
    ");\n"
    "CREATE INDEX planned_gaps_person ON planned_gaps (person_id, start_date);\n"

    /* Case work: notes, plans, goals, reviews, assessments, contacts. */
    "CREATE TABLE case_notes (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    service_id INTEGER REFERENCES services (id),\n"
    "    agency_id INTEGER REFERENCES agencies (id),\n"
    "    author_id INTEGER REFERENCES users (id),\n"
    "    written_on TEXT NOT NULL,\n"
    "    confidential INTEGER NOT NULL DEFAULT 0 CHECK (confidential IN (0, 1)),\n"
    "    body TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX case_notes_person ON case_notes (person_id, written_on);\n"
    "CREATE INDEX case_notes_service ON case_notes (service_id);\n"
    "CREATE TABLE plans (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    kind TEXT NOT NULL CHECK (kind IN ('IEP', 'ISS')),\n"
    "    created_on TEXT NOT NULL,\n"
    "    signed_on TEXT,\n"
    "    copy_given INTEGER NOT NULL DEFAULT 0 CHECK (copy_given IN (0, 1)),\n"
    "    closed_on TEXT,\n"
    "    agency_id INTEGER REFERENCES agencies (id),\n"
    "    author_id INTEGER REFERENCES users (id)\n"
    ");\n"
    "CREATE INDEX plans_person ON plans (person_id, created_on);\n"
    "CREATE TABLE goals (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    plan_id INTEGER NOT NULL REFERENCES plans (id),\n"
    "    type TEXT NOT NULL,\n"
    "    description TEXT NOT NULL,\n"
    "    target_date TEXT,\n"
    "    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'attained', "
    "'not_attained')),\n"
    "    closed_on TEXT\n"
    ");\n"
    "CREATE INDEX goals_person ON goals (person_id, plan_id);\n"
    "CREATE TABLE plan_reviews (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    plan_id INTEGER NOT NULL REFERENCES plans (id),\n"
    "    reviewed_on TEXT NOT NULL,\n"
    "    note TEXT,\n"
    "    reviewer_id INTEGER REFERENCES users (id)\n"
    ");\n"
    "CREATE INDEX plan_reviews_person ON plan_reviews (person_id, plan_id, reviewed_on);\n"
    "CREATE TABLE assessments (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    type TEXT NOT NULL,\n"
    "    assessed_on TEXT NOT NULL,\n"
    "    scores TEXT,\n"
    "    barriers TEXT,\n"
    "    agency_id INTEGER REFERENCES agencies (id),\n"
    "    author_id INTEGER REFERENCES users (id)\n"
    ");\n"
    "CREATE INDEX assessments_person ON assessments (person_id, assessed_on);\n"
    "CREATE TABLE contacts (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    staff_id INTEGER REFERENCES users (id),\n"
    "    contacted_on TEXT NOT NULL,\n"
    "    method TEXT NOT NULL CHECK (method IN ('phone', 'letter', 'email', 'home_visit', "
    "'in_person', 'other_agency', 'other')),\n"
    "    responded INTEGER NOT NULL DEFAULT 0 CHECK (responded IN (0, 1)),\n"
    "    outcome TEXT NOT NULL DEFAULT ''\n"
    ");\n"
    "CREATE INDEX contacts_person ON contacts (person_id, contacted_on);\n"

    /* Referrals between partners, and classes with open seats. */
    "CREATE TABLE offerings (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    title TEXT NOT NULL,\n"
    "    provider TEXT NOT NULL,\n"
    "    program TEXT REFERENCES programs (code),\n"
    "    starts_on TEXT,\n"
    "    ends_on TEXT,\n"
    "    capacity INTEGER NOT NULL CHECK (capacity >= 0),\n"
    "    seats_taken INTEGER NOT NULL DEFAULT 0 CHECK (seats_taken BETWEEN 0 AND capacity),\n"
    "    waitlist INTEGER NOT NULL DEFAULT 0 CHECK (waitlist >= 0)\n"
    ");\n"
    "CREATE TABLE referrals (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    from_agency_id INTEGER REFERENCES agencies (id),\n"
    "    from_program TEXT REFERENCES programs (code),\n"
    "    to_agency_id INTEGER REFERENCES agencies (id),\n"
    "    to_program TEXT REFERENCES programs (code),\n"
    "    offering_id INTEGER REFERENCES offerings (id),\n"
    "    status TEXT NOT NULL DEFAULT 'SENT' CHECK (status IN ('SENT', 'ACCEPTED', "
    "'DECLINED', 'ENROLLED', 'NO_SHOW', 'WITHDRAWN')),\n"
    "    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
    "    created_by INTEGER REFERENCES users (id),\n"
    "    version INTEGER NOT NULL DEFAULT 1\n"
    ");\n"
    "CREATE INDEX referrals_person ON referrals (person_id);\n"
    "CREATE INDEX referrals_to ON referrals (to_agency_id, status);\n"
    "CREATE TABLE referral_transitions (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    referral_id INTEGER NOT NULL REFERENCES referrals (id),\n"
    "    from_status TEXT,\n"
    "    to_status TEXT NOT NULL,\n"
    "    at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
    "    by_user INTEGER REFERENCES users (id),\n"
    "    reason TEXT\n"
    ");\n"
    "CREATE INDEX referral_transitions_person ON referral_transitions (person_id, referral_id);\n"

    /* What came of it, and who may see it. */
    "CREATE TABLE outcomes (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    kind TEXT NOT NULL CHECK (kind IN ('employment', 'credential', 'skill_gain', "
    "'education')),\n"
    "    outcome_date TEXT,\n"
    "    quarter INTEGER,\n"
    "    earnings_cents INTEGER,\n"
    "    employer_id TEXT,\n"
    "    detail_type TEXT,\n"
    "    source TEXT\n"
    ");\n"
    "CREATE INDEX outcomes_person ON outcomes (person_id, outcome_date);\n"
    "CREATE TABLE consents (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    agency_id INTEGER NOT NULL REFERENCES agencies (id),\n"
    "    purposes TEXT NOT NULL,\n"
    "    from_date TEXT NOT NULL,\n"
    "    until_date TEXT,\n"
    "    revoked_at TEXT,\n"
    "    recorded_by INTEGER REFERENCES users (id)\n"
    ");\n"
    "CREATE INDEX consents_person ON consents (person_id, agency_id);\n"

    /* The audit log is append-only: the schema itself refuses to change or remove an entry,
     * so not even a bug in braid can rewrite history (RULES.md §11). */
    "CREATE TABLE audit_log (\n" MIGRATIONS_AUDIT_COLUMNS ");\n"
    "CREATE INDEX audit_log_person ON audit_log (person_id, id);\n"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log\n"
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;\n"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log\n"
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;\n"

    /* The exit clock of each exit group, and the soft exits the nightly run recorded. */
    "CREATE TABLE exit_clocks (\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    group_key TEXT NOT NULL,\n"
    "    period INTEGER NOT NULL,\n"
    "    status TEXT NOT NULL CHECK (status IN ('reportable', 'active', 'exited')),\n"
    "    last_service_date TEXT,\n"
    "    soft_exit_date TEXT,\n"
    "    held_by TEXT CHECK (held_by IN ('open_service', 'future_service', 'planned_gap')),\n"
    "    review_on TEXT,\n"
    "    computed_on TEXT,\n"
    "    PRIMARY KEY (person_id, group_key)\n"
    ");\n"
    "CREATE INDEX exit_clocks_review ON exit_clocks (review_on);\n"
    "CREATE TABLE exit_runs (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    as_of TEXT NOT NULL,\n"
    "    started_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
    "    finished_at TEXT,\n"
    "    examined INTEGER NOT NULL DEFAULT 0,\n"
    "    recorded INTEGER NOT NULL DEFAULT 0,\n"
    "    reopened INTEGER NOT NULL DEFAULT 0\n"
    ");\n"
    "CREATE TABLE exits (\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    program TEXT NOT NULL REFERENCES programs (code),\n"
    "    period INTEGER NOT NULL,\n"
    "    entry_date TEXT NOT NULL,\n"
    "    exit_date TEXT NOT NULL,\n"
    "    determined_on TEXT NOT NULL,\n"
    "    run_id INTEGER REFERENCES exit_runs (id),\n"
    "    PRIMARY KEY (person_id, program, period)\n"
    ");\n"
    "CREATE INDEX exits_run ON exits (run_id);\n";

/* Version 2: what the HTTP API needs.  Idempotency keys remember the first response to a create
 * so that a retried POST returns it instead of creating again (per user, pruned after a day).
 * The search indexes serve GET /api/v1/people: names as case-insensitive prefixes, birth date,
 * and the SSN's last four digits. */
static const char migration_2_sql[] =
    "CREATE TABLE idempotency_keys (\n"
    "    user_id INTEGER NOT NULL REFERENCES users (id),\n"
    "    key TEXT NOT NULL,\n"
    "    fingerprint BLOB NOT NULL,\n"
    "    status INTEGER NOT NULL DEFAULT 0,\n"
    "    body TEXT,\n"
    "    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
    "    PRIMARY KEY (user_id, key)\n"
    ");\n"
    "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);\n"
    "CREATE INDEX people_name_nocase ON people (last_name COLLATE NOCASE, "
    "first_name COLLATE NOCASE, birth_date);\n"
    "CREATE INDEX people_birth ON people (birth_date);\n"
    "CREATE INDEX identities_last4 ON identities (ssn_last4);\n";

/* Version 3: a retried create is answered with the Location and ETag headers of the first
 * response, not only its status and body. */
static const char migration_3_sql[] = "ALTER TABLE idempotency_keys ADD COLUMN location TEXT;\n"
                                      "ALTER TABLE idempotency_keys ADD COLUMN etag TEXT;\n";

/* Version 4: a manual exit keeps its reason (RULES.md §4 "Manual exit"); a person's recorded
 * declines of a co-enrollment the rules let them decline (RULES.md §6 TAA_REQUIRES_DW), one per
 * rule; and the staff indexes a case manager's caseload is read from (app/alerts_app.h). */
static const char migration_4_sql[] =
    "ALTER TABLE exits ADD COLUMN reason TEXT;\n"
    "CREATE TABLE coenrollment_declines (\n"
    "    id INTEGER PRIMARY KEY,\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    rule TEXT NOT NULL,\n"
    "    declined_on TEXT NOT NULL,\n"
    "    note TEXT,\n"
    "    recorded_by INTEGER REFERENCES users (id),\n"
    "    recorded_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
    "    UNIQUE (person_id, rule)\n"
    ");\n"
    "CREATE INDEX services_staff ON services (staff_id, person_id);\n"
    "CREATE INDEX enrollments_decided_by ON enrollments (decided_by, person_id);\n"
    "CREATE INDEX contacts_staff ON contacts (staff_id, person_id);\n";

/* Version 5: who registered a person, one index row each, for the access check of every read
 * (sqlite.c STMT_PERSON_SERVED_BY): without it the check walked all of the person's audit
 * entries, one more with every read, so reading a person slowed down the more they were read. */
static const char migration_5_sql[] =
    "CREATE INDEX audit_log_registered ON audit_log (person_id, user_id) "
    "WHERE action = 'person.register';\n";

/* Version 6: the agencies serving each person (store.h person_served_by: one of their users
 * registered the person, determined an enrollment or provided a service), one row per person and
 * agency, kept by triggers on the three tables that say so.  Before, the access check of every
 * read asked the three of them, joined to users, row by row: for a person the agency does not
 * serve, every enrollment and service of theirs (a sixth of a person view's time).  A user's
 * agency never changes, so a row, once there, stays true; services and enrollments are corrected,
 * never deleted, and the audit log only grows. */
static const char migration_6_sql[] =
    "CREATE TABLE serving_agencies (\n"
    "    person_id INTEGER NOT NULL REFERENCES people (id),\n"
    "    agency_id INTEGER NOT NULL REFERENCES agencies (id),\n"
    "    PRIMARY KEY (person_id, agency_id)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX serving_agencies_agency ON serving_agencies (agency_id, person_id);\n"
    "INSERT OR IGNORE INTO serving_agencies (person_id, agency_id)\n"
    "    SELECT a.person_id, u.agency_id FROM audit_log a JOIN users u ON u.id = a.user_id\n"
    "    WHERE a.action = 'person.register' AND a.person_id IS NOT NULL\n"
    "      AND u.agency_id IS NOT NULL\n"
    "    UNION SELECT e.person_id, u.agency_id FROM enrollments e\n"
    "    JOIN users u ON u.id = e.decided_by WHERE u.agency_id IS NOT NULL\n"
    "    UNION SELECT s.person_id, u.agency_id FROM services s\n"
    "    JOIN users u ON u.id = s.staff_id WHERE u.agency_id IS NOT NULL;\n"
    "CREATE TRIGGER serving_agencies_register AFTER INSERT ON audit_log\n"
    "WHEN NEW.action = 'person.register' AND NEW.person_id IS NOT NULL BEGIN\n"
    "    INSERT OR IGNORE INTO serving_agencies (person_id, agency_id)\n"
    "        SELECT NEW.person_id, agency_id FROM users\n"
    "        WHERE id = NEW.user_id AND agency_id IS NOT NULL;\n"
    "END;\n"
    "CREATE TRIGGER serving_agencies_enrollment AFTER INSERT ON enrollments BEGIN\n"
    "    INSERT OR IGNORE INTO serving_agencies (person_id, agency_id)\n"
    "        SELECT NEW.person_id, agency_id FROM users\n"
    "        WHERE id = NEW.decided_by AND agency_id IS NOT NULL;\n"
    "END;\n"
    "CREATE TRIGGER serving_agencies_service AFTER INSERT ON services BEGIN\n"
    "    INSERT OR IGNORE INTO serving_agencies (person_id, agency_id)\n"
    "        SELECT NEW.person_id, agency_id FROM users\n"
    "        WHERE id = NEW.staff_id AND agency_id IS NOT NULL;\n"
    "END;\n";

/* Version 7: a person's enrollments and services are read from their indexes by person alone
 * (sqlite.c ENROLLMENT_COLUMNS, SERVICE_COLUMNS: record_load and the scans of the exit runs).
 * The indexes held the person and the date only, so each row read was then sought in its table:
 * one more B-tree descent a row, and one more page a row wherever a person's rows lie apart —
 * as they do in a real state's records, which accrue over years across everyone.  An exit
 * clock at 100,000 people so laid out took 206-214 µs of the server's CPU and now 115-120
 * (bench/README.md, "The ninth pass"). */
static const char migration_7_sql[] =
    "DROP INDEX enrollments_person;\n"
    "CREATE INDEX enrollments_person ON enrollments (person_id, eligibility_date, id, program, "
    "version);\n"
    "DROP INDEX services_person;\n"
    "CREATE INDEX services_person ON services (person_id, start_date, id, program, code, "
    "end_date, projected_end_date, version);\n";

/* Version 8: the alerts read a person's notes from the notes' index by person alone (sqlite.c
 * STMT_NOTE_HEADS_OF, store.h note_heads_load): they count notes and never read a body, and the
 * bodies kept the notes' rows apart in their table, a page a note wherever a person's notes lie
 * apart.  The caseloads' evaluation and every change's answer read them.  On a 100,000-person
 * copy laid out in the order of the dates, a supervisor's last page took 6.4-6.9 s and now
 * 2.4-2.5, and service writes went 976-1,132 → 1,413-1,664/s (bench/README.md, "The ninth
 * pass"). */
static const char migration_8_sql[] =
    "DROP INDEX case_notes_person;\n"
    "CREATE INDEX case_notes_person ON case_notes (person_id, written_on, id, service_id, "
    "agency_id, author_id, confidential);\n";

/* Version 9: the review index holds only the clocks with a review day (sqlite.c
 * STMT_CLOCKS_DUE, the nightly run's only use of it).  Two clocks in three have none: their
 * group has exited, or the person is a reportable individual only.  Each person the nightly
 * run exits used to move their clock's entry to the head of the index, among the others
 * without a day, at a place of its own: one more leaf page a person, written to the WAL and
 * again by the checkpoint.  At 1,000,000 people the nightly run of 2026-11-24 wrote 5,876
 * pages and now writes 4,970 (bench/README.md, "The eleventh pass"). */
static const char migration_9_sql[] =
    "DROP INDEX exit_clocks_review;\n"
    "CREATE INDEX exit_clocks_review ON exit_clocks (review_on) WHERE review_on IS NOT NULL;\n";

static const struct migration migrations[] = {
    {1, "initial schema", migration_1_sql},
    {2, "HTTP API: idempotency keys, search indexes", migration_2_sql},
    {3, "HTTP API: idempotency keys keep Location and ETag", migration_3_sql},
    {4, "manual exit reasons, co-enrollment declines, staff indexes", migration_4_sql},
    {5, "who registered a person, indexed for the access check", migration_5_sql},
    {6, "the agencies serving each person, for the access check", migration_6_sql},
    {7, "a person's enrollments and services read from their indexes alone", migration_7_sql},
    {8, "a person's notes, without their bodies, read from their index alone", migration_8_sql},
    {9, "the review index holds only the clocks with a review day", migration_9_sql},
};

#define MIGRATION_COUNT (sizeof(migrations) / sizeof(migrations[0]))

_Static_assert(MIGRATION_COUNT == STORE_SCHEMA_VERSION,
               "STORE_SCHEMA_VERSION must name the last migration");

const struct migration *
migrations_list(size_t *n)
{
    *n = MIGRATION_COUNT;
    return migrations;
}
