/* test_store.c — src/store against a real SQLite file in a temporary directory: migrations,
 * connection settings, the catalog, every store_ops function for every kind of row, conflicts,
 * transactions, the append-only audit log, exit clocks, the streaming scan, backup and restore.
 * Each test gets a fresh, migrated database with data/catalog.json saved in it. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "app/catalog_file.h"
#include "core/mem.h"
#include "store/migrations.h"
#include "store/sqlite.h"
#include "store/store.h"

#define CATALOG_PATH "data/catalog.json"
#define SCAN_MANY 2000

struct fixture {
    char dir[64];
    char path[128];
    struct store *st;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
};

/* Removes dir and the files in it (the database, its -wal and -shm, backups). */
static void
remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    char path[512];

    if (d == NULL)
        return;
    while ((entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void
fixture_file(const struct fixture *f, const char *name, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/%s", f->dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

static int
setup_bare(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/braid-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    fixture_file(f, "braid.db", f->path, sizeof(f->path));
    assert_int_equal(catalog_file_load(CATALOG_PATH, &f->catalog, &f->policy, &f->err), 0);
    assert_int_equal(store_open(f->path, &f->st, &f->err), 0);
    *state = f;
    return 0;
}

/* A migrated database with the catalog saved. */
static int
setup(void **state)
{
    setup_bare(state);
    struct fixture *f = *state;
    assert_int_equal(f->st->ops->migrate(f->st, &f->err), 0);
    assert_int_equal(f->st->ops->catalog_save(f->st, &f->catalog, &f->policy, &f->err), 0);
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    if (f->st != NULL)
        f->st->ops->close(f->st);
    catalog_cleanup(&f->catalog);
    remove_tree(f->dir);
    free(f);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------------- */

static sqlite3 *
db_of(const struct fixture *f)
{
    return store_sqlite_handle(f->st);
}

/* The single integer a query returns on the store's own connection. */
static int64_t
query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int64_t value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

/* The single text a query returns, copied into buf. */
static void
query_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    const unsigned char *text = sqlite3_column_text(stmt, 0);
    snprintf(buf, size, "%s", text != NULL ? (const char *)text : "(null)");
    sqlite3_finalize(stmt);
}

/* The query plan of the statement the store prepared and cached whose SQL contains needle, one
 * line per step, into plan. */
static void
store_plan(const struct fixture *f, const char *needle, char *plan, size_t size)
{
    const char *found = NULL;
    char sql[1024];
    size_t used = 0;
    sqlite3_stmt *stmt = NULL;

    for (sqlite3_stmt *p = sqlite3_next_stmt(db_of(f), NULL); p != NULL;
         p = sqlite3_next_stmt(db_of(f), p)) {
        if (strstr(sqlite3_sql(p), needle) != NULL)
            found = sqlite3_sql(p);
    }
    assert_non_null(found);
    snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", found);
    assert_int_equal(sqlite3_prepare_v2(db_of(f), sql, -1, &stmt, NULL), SQLITE_OK);
    plan[0] = '\0';
    while (sqlite3_step(stmt) == SQLITE_ROW && used < size) {
        int n =
            snprintf(plan + used, size - used, "%s\n", (const char *)sqlite3_column_text(stmt, 3));
        used += n > 0 ? (size_t)n : 0;
    }
    sqlite3_finalize(stmt);
}

/* The statement the store prepared whose SQL contains needle reads index alone, never its table,
 * and sorts nothing (schema migrations 7 and 8). */
static void
assert_reads_index_alone(const struct fixture *f, const char *needle, const char *index)
{
    char plan[512], expected[128];

    store_plan(f, needle, plan, sizeof(plan));
    snprintf(expected, sizeof(expected), "USING COVERING INDEX %s", index);
    if (strstr(plan, expected) == NULL)
        fail_msg("%s reads its table: %s", needle, plan);
    assert_null(strstr(plan, "TEMP B-TREE"));
}

static int
program(const struct fixture *f, const char *code)
{
    int i = catalog_program_index(&f->catalog, code);
    assert_int_not_equal(i, CATALOG_NOT_FOUND);
    return i;
}

static int
service_code(const struct fixture *f, const char *code)
{
    int i = catalog_service_index(&f->catalog, code);
    assert_int_not_equal(i, CATALOG_NOT_FOUND);
    return i;
}

static struct stored_person
make_person(const char *first, const char *last, const char *birth)
{
    struct stored_person p;
    memset(&p, 0, sizeof(p));
    snprintf(p.facts.first_name, sizeof(p.facts.first_name), "%s", first);
    snprintf(p.facts.last_name, sizeof(p.facts.last_name), "%s", last);
    p.facts.birth_on = birth != NULL ? D(birth) : DATE_NONE;
    return p;
}

static int64_t
add_person(struct fixture *f, const char *first, const char *last, const char *birth)
{
    struct stored_person p = make_person(first, last, birth);
    assert_int_equal(f->st->ops->person_insert(f->st, &p, &f->err), 0);
    assert_true(p.id > 0);
    return p.id;
}

static int64_t
add_enrollment(struct fixture *f, int64_t person_id, const char *prog, const char *on)
{
    struct enrollment e = {0, program(f, prog), D(on), 0};
    assert_int_equal(
        f->st->ops->enrollment_insert(f->st, person_id, &e, &f->catalog, "{}", 0, &f->err), 0);
    assert_true(e.id > 0);
    return e.id;
}

static int64_t
add_service(struct fixture *f, int64_t person_id, const char *prog, const char *code,
            const char *start, const char *end)
{
    struct service s = {0,
                        program(f, prog),
                        service_code(f, code),
                        D(start),
                        end != NULL ? D(end) : DATE_NONE,
                        DATE_NONE, 0};
    assert_int_equal(f->st->ops->service_insert(f->st, person_id, &s, &f->catalog, NULL, &f->err),
                     0);
    assert_true(s.id > 0);
    return s.id;
}

static int64_t
add_gap(struct fixture *f, int64_t person_id, const char *prog, const char *start, const char *end)
{
    struct planned_gap g = {0, program(f, prog), GAP_HEALTH_MEDICAL, D(start), D(end)};
    assert_int_equal(f->st->ops->gap_insert(f->st, person_id, &g, &f->catalog, NULL, &f->err), 0);
    assert_true(g.id > 0);
    return g.id;
}

static int64_t
add_user(struct fixture *f, const char *email, const char *agency)
{
    struct user u;
    memset(&u, 0, sizeof(u));
    snprintf(u.email, sizeof(u.email), "%s", email);
    snprintf(u.name, sizeof(u.name), "Staff %s", email);
    snprintf(u.role, sizeof(u.role), "case_manager");
    snprintf(u.agency, sizeof(u.agency), "%s", agency);
    snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$v=19$stub");
    u.active = true;
    assert_int_equal(f->st->ops->user_insert(f->st, &u, &f->err), 0);
    assert_true(u.id > 0);
    return u.id;
}

static void
assert_facts_equal(const struct person_facts *a, const struct person_facts *b)
{
    assert_string_equal(a->first_name, b->first_name);
    assert_string_equal(a->last_name, b->last_name);
    assert_int_equal(a->birth_on, b->birth_on);
    assert_int_equal(a->sex, b->sex);
    assert_string_equal(a->ssn_last4, b->ssn_last4);
    assert_int_equal(a->authorized_to_work, b->authorized_to_work);
    assert_int_equal(a->selective_service, b->selective_service);
    assert_int_equal(a->veteran, b->veteran);
    assert_int_equal(a->eligible_spouse, b->eligible_spouse);
    assert_int_equal(a->low_income, b->low_income);
    assert_int_equal(a->public_assistance, b->public_assistance);
    assert_int_equal(a->basic_skills_deficient, b->basic_skills_deficient);
    assert_int_equal(a->english_learner, b->english_learner);
    assert_int_equal(a->disability, b->disability);
    assert_int_equal(a->offender, b->offender);
    assert_int_equal(a->homeless, b->homeless);
    assert_int_equal(a->foster_youth, b->foster_youth);
    assert_int_equal(a->pregnant_or_parenting, b->pregnant_or_parenting);
    assert_int_equal(a->attending_school, b->attending_school);
    assert_int_equal(a->has_diploma, b->has_diploma);
    assert_int_equal(a->dw_category, b->dw_category);
    assert_string_equal(a->taa_petition, b->taa_petition);
}

static void
assert_exit_equal(const struct recorded_exit *a, const struct recorded_exit *b)
{
    assert_int_equal(a->person_id, b->person_id);
    assert_int_equal(a->program, b->program);
    assert_int_equal(a->period, b->period);
    assert_int_equal(a->entry_on, b->entry_on);
    assert_int_equal(a->exit_on, b->exit_on);
    assert_int_equal(a->determined_on, b->determined_on);
    assert_int_equal(a->run_id, b->run_id);
    assert_string_equal(a->reason, b->reason);
}

static void
fill_hash(uint8_t hash[STORE_HASH_SIZE], uint8_t seed)
{
    for (size_t i = 0; i < STORE_HASH_SIZE; i++)
        hash[i] = (uint8_t)(seed + i);
}

/* ---- schema -------------------------------------------------------------------------------- */

static void
test_migrate_from_empty(void **state)
{
    struct fixture *f = *state;
    int version = -1;

    assert_int_equal(f->st->ops->schema_version(f->st, &version, &f->err), 0);
    assert_int_equal(version, 0);
    assert_int_equal(f->st->ops->migrate(f->st, &f->err), 0);
    assert_int_equal(f->st->ops->schema_version(f->st, &version, &f->err), 0);
    assert_int_equal(version, STORE_SCHEMA_VERSION);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM schema_migrations"),
                     STORE_SCHEMA_VERSION);
    /* The roles are seeded; every table of the schema exists. */
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM roles"), 6);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM sqlite_master WHERE type = "
                                         "'table' AND name IN ('people', 'services', "
                                         "'exit_clocks', 'audit_log', 'referrals', 'exits')"),
                     6);
    assert_string_equal(f->st->ops->name, "sqlite");

    /* No catalog saved yet: an empty catalog and the default policy, which app_open reports. */
    struct catalog empty;
    struct policy policy, defaults;
    policy_defaults(&defaults);
    assert_int_equal(f->st->ops->catalog_load(f->st, &empty, &policy, &f->err), 0);
    assert_int_equal(empty.n_programs + empty.n_services, 0);
    assert_memory_equal(&policy, &defaults, sizeof(policy));
    catalog_cleanup(&empty);
}

static void
test_migrate_is_idempotent(void **state)
{
    struct fixture *f = *state;
    int version = -1;

    assert_int_equal(f->st->ops->migrate(f->st, &f->err), 0);
    assert_int_equal(f->st->ops->migrate(f->st, &f->err), 0);
    assert_int_equal(f->st->ops->schema_version(f->st, &version, &f->err), 0);
    assert_int_equal(version, STORE_SCHEMA_VERSION);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM schema_migrations"),
                     STORE_SCHEMA_VERSION);

    /* Reopening and migrating again changes nothing either. */
    f->st->ops->close(f->st);
    f->st = NULL;
    assert_int_equal(store_open_current(f->path, &f->st, &f->err), 0);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM schema_migrations"),
                     STORE_SCHEMA_VERSION);
}

static void
test_newer_schema_is_refused(void **state)
{
    struct fixture *f = *state;
    struct store *other = (struct store *)&other;
    char expected[128];

    exec_ok(db_of(f), "INSERT INTO schema_migrations (version) VALUES (99)");
    snprintf(expected, sizeof(expected),
             "database schema version 99 is newer than this braid (%d); upgrade braid",
             STORE_SCHEMA_VERSION);
    br_error_clear(&f->err);
    assert_int_equal(f->st->ops->migrate(f->st, &f->err), BR_ECONFLICT);
    assert_string_equal(f->err.message, expected);

    br_error_clear(&f->err);
    assert_int_equal(store_open_current(f->path, &other, &f->err), BR_ECONFLICT);
    assert_null(other);
    assert_string_equal(f->err.message, expected);
}

static void
test_open_current_migrates_a_new_file(void **state)
{
    struct fixture *f = *state;
    char path[256];
    struct store *st = NULL;
    int version = -1;

    fixture_file(f, "current.db", path, sizeof(path));
    assert_int_equal(store_open_current(path, &st, &f->err), 0);
    assert_int_equal(st->ops->schema_version(st, &version, &f->err), 0);
    assert_int_equal(version, STORE_SCHEMA_VERSION);
    st->ops->close(st);
}

static void
test_postgres_is_refused(void **state)
{
    struct fixture *f = *state;
    struct store *st = (struct store *)&st;

    br_error_clear(&f->err);
    assert_int_equal(store_open("postgres://db.example/braid", &st, &f->err), BR_EINVAL);
    assert_null(st);
    assert_string_equal(f->err.message, "PostgreSQL is not supported by this build yet");
    assert_int_equal(store_open_current("postgresql://db.example/braid", &st, &f->err), BR_EINVAL);
    assert_int_equal(store_restore("postgresql://db.example/braid", f->path, &f->err), BR_EINVAL);
    assert_int_equal(store_open("", &st, &f->err), BR_EINVAL);
}

static void
test_connection_settings(void **state)
{
    struct fixture *f = *state;
    char mode[16];

    query_text(db_of(f), "PRAGMA journal_mode", mode, sizeof(mode));
    assert_string_equal(mode, "wal");
    assert_int_equal(query_int(db_of(f), "PRAGMA foreign_keys"), 1);
    assert_int_equal(query_int(db_of(f), "PRAGMA synchronous"), 2); /* FULL */
    assert_int_equal(query_int(db_of(f), "PRAGMA busy_timeout"), 5000);
}

/* ---- catalog ------------------------------------------------------------------------------- */

static void
test_catalog_round_trip(void **state)
{
    struct fixture *f = *state;
    struct catalog loaded;
    struct policy policy;

    assert_int_equal(f->st->ops->catalog_load(f->st, &loaded, &policy, &f->err), 0);
    assert_int_equal(loaded.n_programs, f->catalog.n_programs);
    assert_int_equal(loaded.n_services, f->catalog.n_services);
    for (size_t i = 0; i < loaded.n_programs; i++) {
        const struct program *a = &f->catalog.programs[i], *b = &loaded.programs[i];
        assert_string_equal(a->code, b->code);
        assert_string_equal(a->title, b->title);
        assert_string_equal(a->agency, b->agency);
        assert_string_equal(a->kind, b->kind);
        assert_int_equal(a->common_exit, b->common_exit);
        assert_int_equal(a->job_center, b->job_center);
    }
    for (size_t i = 0; i < loaded.n_services; i++) {
        const struct service_code *a = &f->catalog.services[i], *b = &loaded.services[i];
        assert_string_equal(a->code, b->code);
        assert_string_equal(a->title, b->title);
        assert_int_equal(a->category, b->category);
        assert_int_equal(a->triggers_participation, b->triggers_participation);
        assert_int_equal(a->prevents_exit, b->prevents_exit);
    }
    assert_memory_equal(&policy, &f->policy, sizeof(policy));
    catalog_cleanup(&loaded);

    /* Settings are replaced by name; a reordered catalog loads in its new order. */
    struct policy changed = f->policy;
    changed.exit_after_days = 120;
    changed.open_service_past_projected_end = OPEN_SERVICE_STAYS_OPEN;
    struct program first = f->catalog.programs[0];
    f->catalog.programs[0] = f->catalog.programs[1];
    f->catalog.programs[1] = first;
    assert_int_equal(f->st->ops->catalog_save(f->st, &f->catalog, &changed, &f->err), 0);
    assert_int_equal(f->st->ops->catalog_load(f->st, &loaded, &policy, &f->err), 0);
    assert_string_equal(loaded.programs[0].code, f->catalog.programs[0].code);
    assert_string_equal(loaded.programs[1].code, first.code);
    assert_int_equal(policy.exit_after_days, 120);
    assert_int_equal(policy.open_service_past_projected_end, OPEN_SERVICE_STAYS_OPEN);
    /* Eleven policy numbers (assessment_current_days among them) and the open-service policy. */
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM settings"), 12);
    catalog_cleanup(&loaded);
}

static void
test_catalog_save_keeps_programs_in_use(void **state)
{
    struct fixture *f = *state;
    int64_t person = add_person(f, "Ann", "Lee", "1990-01-01");
    add_enrollment(f, person, "REFUGEE", "2026-01-05");

    /* A catalog without REFUGEE would orphan the enrollment: refused, and nothing changes. */
    size_t n = f->catalog.n_programs;
    int refugee = program(f, "REFUGEE");
    f->catalog.programs[refugee] = f->catalog.programs[n - 1];
    f->catalog.n_programs = n - 1;
    br_error_clear(&f->err);
    assert_int_equal(f->st->ops->catalog_save(f->st, &f->catalog, &f->policy, &f->err),
                     BR_ECONFLICT);
    f->catalog.n_programs = n;
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM programs"), (int64_t)n);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM programs WHERE position < 0"), 0);

    /* Dropping a program nobody uses is fine. */
    int wp = program(f, "WP");
    struct program *copy = xcalloc(n, sizeof(*copy));
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if ((int)i != wp)
            copy[m++] = f->catalog.programs[i];
    }
    struct catalog smaller = {.programs = copy,
                              .n_programs = m,
                              .services = f->catalog.services,
                              .n_services = f->catalog.n_services};
    assert_int_equal(f->st->ops->catalog_save(f->st, &smaller, &f->policy, &f->err), 0);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM programs"), (int64_t)m);
    free(copy);
}

/* ---- people -------------------------------------------------------------------------------- */

static void
test_person_insert_and_get(void **state)
{
    struct fixture *f = *state;
    struct stored_person p = make_person("María", "O'Brien", "1984-02-29");
    struct stored_person got;

    snprintf(p.external_id, sizeof(p.external_id), "MIS-000042");
    p.facts.sex = SEX_FEMALE;
    snprintf(p.facts.ssn_last4, sizeof(p.facts.ssn_last4), "6789");
    p.facts.authorized_to_work = FACT_YES;
    p.facts.veteran = FACT_NO;
    p.facts.low_income = FACT_YES;
    p.facts.offender = FACT_NO;
    p.facts.has_diploma = FACT_YES;
    p.facts.dw_category = DW_PLANT_CLOSURE;
    snprintf(p.facts.taa_petition, sizeof(p.facts.taa_petition), "TA-W-98765");

    assert_int_equal(f->st->ops->person_insert(f->st, &p, &f->err), 0);
    assert_true(p.id > 0);
    assert_int_equal(p.version, 1);
    memset(&got, 0xA5, sizeof(got));
    assert_int_equal(f->st->ops->person_get(f->st, p.id, &got, &f->err), 0);
    assert_int_equal(got.id, p.id);
    assert_int_equal(got.version, 1);
    assert_string_equal(got.external_id, "MIS-000042");
    assert_facts_equal(&got.facts, &p.facts);

    /* A person with nothing but a name: unknown stays unknown. */
    struct stored_person bare = make_person("Bo", "Tran", NULL);
    assert_int_equal(f->st->ops->person_insert(f->st, &bare, &f->err), 0);
    assert_int_equal(f->st->ops->person_get(f->st, bare.id, &got, &f->err), 0);
    assert_facts_equal(&got.facts, &bare.facts);
    assert_string_equal(got.external_id, "");
    assert_int_equal(got.facts.birth_on, DATE_NONE);

    /* The facts column holds JSON, with names for what was asked and nothing for unknowns. */
    char facts[512];
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT facts FROM people WHERE id = %lld", (long long)bare.id);
    query_text(db_of(f), sql, facts, sizeof(facts));
    assert_string_equal(facts, "{}");
}

static void
test_person_not_found(void **state)
{
    struct fixture *f = *state;
    struct stored_person got;
    int64_t id = 0;

    br_error_clear(&f->err);
    assert_int_equal(f->st->ops->person_get(f->st, 4242, &got, &f->err), BR_ENOTFOUND);
    assert_string_equal(f->err.message, "no person with id 4242");
    assert_int_equal(f->st->ops->person_by_external_id(f->st, "nobody", &id, &f->err),
                     BR_ENOTFOUND);
}

static void
test_person_external_id(void **state)
{
    struct fixture *f = *state;
    struct stored_person a = make_person("Ann", "Lee", "1990-01-01");
    struct stored_person b = make_person("Bob", "Ray", "1991-01-01");
    int64_t id = 0;

    snprintf(a.external_id, sizeof(a.external_id), "EXT-1");
    snprintf(b.external_id, sizeof(b.external_id), "EXT-1");
    assert_int_equal(f->st->ops->person_insert(f->st, &a, &f->err), 0);
    br_error_clear(&f->err);
    assert_int_equal(f->st->ops->person_insert(f->st, &b, &f->err), BR_ECONFLICT);
    assert_non_null(strstr(f->err.message, "EXT-1"));
    assert_int_equal(f->st->ops->person_by_external_id(f->st, "EXT-1", &id, &f->err), 0);
    assert_int_equal(id, a.id);

    /* People born here have no external id, and any number of them may exist. */
    add_person(f, "Cy", "Doe", NULL);
    add_person(f, "Di", "Doe", NULL);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM people WHERE external_id IS NULL"),
                     2);
}

static void
test_person_duplicates(void **state)
{
    struct fixture *f = *state;
    uint8_t h1[STORE_HASH_SIZE], h2[STORE_HASH_SIZE];
    const uint8_t sealed[] = {1, 2, 3, 4, 5};
    int64_t ids[8];
    size_t n = 99;

    fill_hash(h1, 1);
    fill_hash(h2, 2);
    int64_t ann = add_person(f, "Ann", "Lee", "1990-01-01");
    int64_t bob = add_person(f, "Bob", "Ray", "1970-05-05");
    int64_t ann2 = add_person(f, "Ann", "Lee", "1990-01-01");
    add_person(f, "Ann", "Lee", "1991-01-01");
    assert_int_equal(f->st->ops->identity_put(f->st, ann, h1, sealed, sizeof(sealed), &f->err), 0);
    assert_int_equal(f->st->ops->identity_put(f->st, bob, h1, sealed, sizeof(sealed), &f->err), 0);

    struct stored_person probe = make_person("Ann", "Lee", "1990-01-01");
    assert_int_equal(f->st->ops->person_duplicates(f->st, &probe.facts, h1, ids, 8, &n, &f->err),
                     0);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], ann);
    assert_int_equal(ids[1], bob);
    assert_int_equal(ids[2], ann2);

    /* Name and birth date alone. */
    assert_int_equal(f->st->ops->person_duplicates(f->st, &probe.facts, NULL, ids, 8, &n, &f->err),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], ann);
    assert_int_equal(ids[1], ann2);

    /* SSN alone. */
    struct stored_person other = make_person("Zed", "Zed", "2000-01-01");
    assert_int_equal(f->st->ops->person_duplicates(f->st, &other.facts, h1, ids, 8, &n, &f->err),
                     0);
    assert_int_equal(n, 2);
    assert_int_equal(f->st->ops->person_duplicates(f->st, &other.facts, h2, ids, 8, &n, &f->err),
                     0);
    assert_int_equal(n, 0);

    /* Never more than max. */
    assert_int_equal(f->st->ops->person_duplicates(f->st, &probe.facts, h1, ids, 1, &n, &f->err),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], ann);
}

static void
test_identity_put(void **state)
{
    struct fixture *f = *state;
    struct stored_person p = make_person("Ann", "Lee", "1990-01-01");
    uint8_t h1[STORE_HASH_SIZE], h2[STORE_HASH_SIZE];
    const uint8_t sealed[] = {9, 8, 7};
    char text[32];

    fill_hash(h1, 10);
    fill_hash(h2, 20);
    snprintf(p.facts.ssn_last4, sizeof(p.facts.ssn_last4), "1234");
    assert_int_equal(f->st->ops->person_insert(f->st, &p, &f->err), 0);
    assert_int_equal(f->st->ops->identity_put(f->st, p.id, h1, sealed, sizeof(sealed), &f->err), 0);
    /* A corrected SSN replaces the row. */
    assert_int_equal(f->st->ops->identity_put(f->st, p.id, h2, sealed, sizeof(sealed), &f->err), 0);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM identities"), 1);
    assert_int_equal(query_int(db_of(f), "SELECT length(ssn_sealed) FROM identities"), 3);
    char hex[2 * STORE_HASH_SIZE + 1];
    query_text(db_of(f), "SELECT hex(ssn_hash) FROM identities", hex, sizeof(hex));
    assert_string_equal(hex, "1415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F30313233");
    query_text(db_of(f), "SELECT ssn_last4 FROM identities", text, sizeof(text));
    assert_string_equal(text, "1234");

    assert_int_equal(f->st->ops->identity_put(f->st, 4242, h1, sealed, sizeof(sealed), &f->err),
                     BR_ENOTFOUND);
    assert_int_equal(f->st->ops->identity_put(f->st, p.id, h1, NULL, 0, &f->err), BR_EINVAL);
}

/* ---- records ------------------------------------------------------------------------------- */

static void
test_record_load(void **state)
{
    struct fixture *f = *state;
    struct person_record record;
    int64_t person = add_person(f, "Ann", "Lee", "1990-01-01");
    int64_t other = add_person(f, "Bob", "Ray", "1970-05-05");

    int64_t e_adult = add_enrollment(f, person, "ADULT", "2026-01-05");
    int64_t e_wp = add_enrollment(f, person, "WP", "2025-12-01");
    int64_t s2 = add_service(f, person, "ADULT", "CASE_MANAGEMENT", "2026-02-01", NULL);
    int64_t s1 = add_service(f, person, "WP", "STAFF_JOB_SEARCH", "2026-01-10", "2026-01-10");
    struct service projected = {
        0,         program(f, "ADULT"), service_code(f, "OCCUPATIONAL_TRAINING"), D("2026-03-01"),
        DATE_NONE, D("2026-08-31"), 0};
    struct service_detail detail;
    memset(&detail, 0, sizeof(detail));
    snprintf(detail.provider, sizeof(detail.provider), "Metro Community College");
    detail.cost_cents = 450000;
    assert_int_equal(
        f->st->ops->service_insert(f->st, person, &projected, &f->catalog, &detail, &f->err), 0);
    int64_t g1 = add_gap(f, person, "ADULT", "2026-09-01", "2026-12-15");
    add_service(f, other, "WP", "STAFF_JOB_SEARCH", "2026-01-01", "2026-01-01");

    person_record_init(&record);
    assert_int_equal(f->st->ops->record_load(f->st, &f->catalog, person, &record, &f->err), 0);
    assert_int_equal(record.n_enrollments, 2);
    assert_int_equal(record.enrollments[0].id, e_wp); /* eligibility date order */
    assert_int_equal(record.enrollments[0].program, program(f, "WP"));
    assert_int_equal(record.enrollments[0].eligibility_on, D("2025-12-01"));
    assert_int_equal(record.enrollments[1].id, e_adult);

    assert_int_equal(record.n_services, 3); /* start date order, not insertion order */
    assert_int_equal(record.services[0].id, s1);
    assert_int_equal(record.services[0].program, program(f, "WP"));
    assert_int_equal(record.services[0].code, service_code(f, "STAFF_JOB_SEARCH"));
    assert_int_equal(record.services[0].start_on, D("2026-01-10"));
    assert_int_equal(record.services[0].end_on, D("2026-01-10"));
    assert_int_equal(record.services[0].projected_end_on, DATE_NONE);
    assert_int_equal(record.services[1].id, s2);
    assert_int_equal(record.services[1].code, service_code(f, "CASE_MANAGEMENT"));
    assert_int_equal(record.services[1].end_on, DATE_NONE);
    assert_int_equal(record.services[2].id, projected.id);
    assert_int_equal(record.services[2].projected_end_on, D("2026-08-31"));

    assert_int_equal(record.n_gaps, 1);
    assert_int_equal(record.gaps[0].id, g1);
    assert_int_equal(record.gaps[0].program, program(f, "ADULT"));
    assert_int_equal(record.gaps[0].reason, GAP_HEALTH_MEDICAL);
    assert_int_equal(record.gaps[0].start_on, D("2026-09-01"));
    assert_int_equal(record.gaps[0].planned_end_on, D("2026-12-15"));

    /* The record is replaced, not appended to; a person without rows has an empty record. */
    int64_t empty = add_person(f, "Cy", "Doe", NULL);
    assert_int_equal(f->st->ops->record_load(f->st, &f->catalog, empty, &record, &f->err), 0);
    assert_int_equal(record.n_enrollments + record.n_services + record.n_gaps, 0);
    assert_int_equal(f->st->ops->record_load(f->st, &f->catalog, 4242, &record, &f->err),
                     BR_ENOTFOUND);
    person_record_cleanup(&record);

    char provider[64];
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT provider || ':' || cost_cents FROM services WHERE id = %lld",
             (long long)projected.id);
    query_text(db_of(f), sql, provider, sizeof(provider));
    assert_string_equal(provider, "Metro Community College:450000");
}

/* people_scan's callback for test_record_reads_its_indexes_alone: counts the services seen. */
static int
count_services(void *ctx, const struct stored_person *person, const struct person_record *record,
               const struct stored_exit_state *exit_state)
{
    (void)person;
    (void)exit_state;
    *(size_t *)ctx += record->n_services;
    return 0;
}

/* A person's enrollments and services are read from their indexes by person, never from their
 * tables (schema migration 7): by record_load, and by the scans of the exit runs.  Asked of
 * SQLite for the very statements the store prepared. */
static void
test_record_reads_its_indexes_alone(void **state)
{
    struct fixture *f = *state;
    struct person_record record;
    size_t scanned = 0;
    int64_t person = add_person(f, "Ann", "Lee", "1990-01-01");
    add_enrollment(f, person, "ADULT", "2026-01-05");
    add_service(f, person, "ADULT", "CASE_MANAGEMENT", "2026-02-01", NULL);
    add_service(f, person, "ADULT", "CASE_MANAGEMENT", "2026-01-10", "2026-01-20");

    person_record_init(&record);
    assert_int_equal(f->st->ops->record_load(f->st, &f->catalog, person, &record, &f->err), 0);
    assert_int_equal(record.n_services, 2);
    person_record_cleanup(&record);
    struct store_scan no_facts = {0};
    assert_int_equal(f->st->ops->people_scan(f->st, &f->catalog, &no_facts, count_services,
                                             &scanned, &f->err),
                     0);
    assert_int_equal(scanned, 2);

    assert_reads_index_alone(f, "FROM enrollments WHERE person_id = ?", "enrollments_person");
    assert_reads_index_alone(f, "FROM services WHERE person_id = ?", "services_person");
    assert_reads_index_alone(f, "FROM enrollments WHERE person_id BETWEEN", "enrollments_person");
    assert_reads_index_alone(f, "FROM services WHERE person_id BETWEEN", "services_person");
}

static void
test_invalid_catalog_index(void **state)
{
    struct fixture *f = *state;
    int64_t person = add_person(f, "Ann", "Lee", NULL);
    struct enrollment e = {0, 999, D("2026-01-01"), 0};
    struct service s = {0, 0, 999, D("2026-01-01"), DATE_NONE, DATE_NONE, 0};
    struct planned_gap g = {0, -5, GAP_FAMILY_CARE, D("2026-01-01"), D("2026-05-01")};

    assert_int_equal(
        f->st->ops->enrollment_insert(f->st, person, &e, &f->catalog, NULL, 0, &f->err), BR_EINVAL);
    assert_int_equal(f->st->ops->service_insert(f->st, person, &s, &f->catalog, NULL, &f->err),
                     BR_EINVAL);
    assert_int_equal(f->st->ops->gap_insert(f->st, person, &g, &f->catalog, NULL, &f->err),
                     BR_EINVAL);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM enrollments"), 0);
}

static void
test_service_update(void **state)
{
    struct fixture *f = *state;
    struct person_record record;
    int64_t person = add_person(f, "Ann", "Lee", NULL);
    int64_t other = add_person(f, "Bob", "Ray", NULL);
    int64_t id = add_service(f, person, "WP", "CASE_MANAGEMENT", "2026-01-10", NULL);

    struct service closed = {id,
                             program(f, "WP"),
                             service_code(f, "CASE_MANAGEMENT"),
                             D("2026-01-10"),
                             D("2026-03-31"),
                             D("2026-04-30"), 0};
    assert_int_equal(f->st->ops->service_update(f->st, person, &closed, &f->err), 0);
    person_record_init(&record);
    assert_int_equal(f->st->ops->record_load(f->st, &f->catalog, person, &record, &f->err), 0);
    assert_int_equal(record.services[0].end_on, D("2026-03-31"));
    assert_int_equal(record.services[0].projected_end_on, D("2026-04-30"));
    person_record_cleanup(&record);
    assert_int_equal(query_int(db_of(f), "SELECT version FROM services"), 2);

    /* Another person's service, or none at all, is not found. */
    assert_int_equal(f->st->ops->service_update(f->st, other, &closed, &f->err), BR_ENOTFOUND);
    closed.id = 4242;
    assert_int_equal(f->st->ops->service_update(f->st, person, &closed, &f->err), BR_ENOTFOUND);
}

static void
test_service_funding(void **state)
{
    struct fixture *f = *state;
    int64_t person = add_person(f, "Ann", "Lee", NULL);
    struct service s = {
        0, program(f, "ADULT"), service_code(f, "OJT"), D("2026-01-10"), DATE_NONE, DATE_NONE, 0};
    struct service_detail detail;

    memset(&detail, 0, sizeof(detail));
    detail.n_funding = 2;
    snprintf(detail.funding[0].stream, sizeof(detail.funding[0].stream), "ADULT_FORMULA");
    detail.funding[0].percent = 60;
    snprintf(detail.funding[1].stream, sizeof(detail.funding[1].stream), "TANF_BLOCK");
    detail.funding[1].percent = 40;
    assert_int_equal(f->st->ops->service_insert(f->st, person, &s, &f->catalog, &detail, &f->err),
                     0);
    assert_int_equal(query_int(db_of(f), "SELECT sum(percent) FROM service_funding"), 100);
    assert_int_equal(query_int(db_of(f), "SELECT count(DISTINCT person_id) FROM service_funding"),
                     1);

    /* A duplicate stream fails the whole service: neither it nor its first stream is kept. */
    struct service again = s;
    again.id = 0;
    snprintf(detail.funding[1].stream, sizeof(detail.funding[1].stream), "ADULT_FORMULA");
    assert_int_equal(
        f->st->ops->service_insert(f->st, person, &again, &f->catalog, &detail, &f->err),
        BR_ECONFLICT);
    assert_int_equal(again.id, 0);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM services"), 1);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM service_funding"), 2);

    detail.n_funding = 5;
    assert_int_equal(
        f->st->ops->service_insert(f->st, person, &again, &f->catalog, &detail, &f->err),
        BR_EINVAL);
}

static void
test_notes_and_contacts(void **state)
{
    struct fixture *f = *state;
    int64_t agency = 0;
    assert_int_equal(
        f->st->ops->agency_insert(f->st, "WDB_METRO", "Metro Workforce Board", &agency, &f->err),
        0);
    int64_t author = add_user(f, "cm@metro.example", "WDB_METRO");
    int64_t person = add_person(f, "Ann", "Lee", NULL);
    int64_t service = add_service(f, person, "WP", "CASE_MANAGEMENT", "2026-01-10", NULL);
    char body[] = "Discussed training options; will apply to the CDL program.";
    struct case_note note = {0, person, service, agency, author, D("2026-01-12"), true, body};
    char text[128];

    assert_int_equal(f->st->ops->note_insert(f->st, &note, &f->err), 0);
    assert_true(note.id > 0);
    query_text(db_of(f), "SELECT body FROM case_notes", text, sizeof(text));
    assert_string_equal(text, body);
    query_text(db_of(f), "SELECT written_on || confidential FROM case_notes", text, sizeof(text));
    assert_string_equal(text, "2026-01-121");

    /* A status note has no service; a note on a service that does not exist is refused. */
    struct case_note status = {0, person, 0, agency, author, D("2026-01-13"), false, body};
    assert_int_equal(f->st->ops->note_insert(f->st, &status, &f->err), 0);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM case_notes WHERE service_id IS "
                                         "NULL"),
                     1);
    struct case_note orphan = {0, person, 4242, agency, author, D("2026-01-13"), false, body};
    assert_int_equal(f->st->ops->note_insert(f->st, &orphan, &f->err), BR_ENOTFOUND);
    struct case_note empty = {0, person, 0, 0, 0, D("2026-01-13"), false, NULL};
    assert_int_equal(f->st->ops->note_insert(f->st, &empty, &f->err), BR_EINVAL);

    /* Loaded with their bodies, and without them (for the alerts) from the notes' index by
     * person alone (schema migration 8): the same notes, in the same order. */
    struct case_note *full = NULL, *heads = NULL;
    size_t n_full = 0, cap_full = 0, n_heads = 0, cap_heads = 0;
    assert_int_equal(f->st->ops->notes_load(f->st, person, &full, &n_full, &cap_full, &f->err), 0);
    assert_int_equal(
        f->st->ops->note_heads_load(f->st, person, &heads, &n_heads, &cap_heads, &f->err), 0);
    assert_int_equal(n_full, 2);
    assert_int_equal(n_heads, 2);
    for (size_t i = 0; i < n_full; i++) {
        assert_string_equal(full[i].body, body);
        assert_null(heads[i].body);
        assert_int_equal(heads[i].id, full[i].id);
        assert_int_equal(heads[i].person_id, full[i].person_id);
        assert_int_equal(heads[i].service_id, full[i].service_id);
        assert_int_equal(heads[i].agency_id, full[i].agency_id);
        assert_int_equal(heads[i].author_id, full[i].author_id);
        assert_int_equal(heads[i].written_on, full[i].written_on);
        assert_int_equal(heads[i].confidential, full[i].confidential);
        free(full[i].body);
    }
    assert_int_equal(full[0].id, note.id);
    assert_int_equal(full[0].service_id, service);
    assert_true(full[0].confidential);
    assert_int_equal(full[1].service_id, 0);
    free(full);
    free(heads);
    assert_reads_index_alone(f, "confidential FROM case_notes WHERE person_id = ?",
                             "case_notes_person");

    struct contact contact = {0, person, author, D("2026-02-01"), CONTACT_LETTER, false, ""};
    snprintf(contact.outcome, sizeof(contact.outcome), "no response");
    assert_int_equal(f->st->ops->contact_insert(f->st, &contact, &f->err), 0);
    assert_true(contact.id > 0);
    query_text(db_of(f), "SELECT method || ':' || responded || ':' || outcome FROM contacts", text,
               sizeof(text));
    assert_string_equal(text, "letter:0:no response");
    contact.method = (enum contact_method)99;
    assert_int_equal(f->st->ops->contact_insert(f->st, &contact, &f->err), BR_EINVAL);
}

static void
test_audit_log_is_append_only(void **state)
{
    struct fixture *f = *state;
    int64_t person = add_person(f, "Ann", "Lee", NULL);
    struct audit_entry entry = {0,    person, "person.register",         "person", person,
                                NULL, NULL,   "{\"first_name\":\"Ann\"}"};

    assert_int_equal(f->st->ops->audit_append(f->st, &entry, &f->err), 0);
    entry.action = "service.record";
    entry.reason = "walk-in";
    assert_int_equal(f->st->ops->audit_append(f->st, &entry, &f->err), 0);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM audit_log"), 2);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM audit_log WHERE user_id IS NULL"),
                     2);

    assert_int_not_equal(
        sqlite3_exec(db_of(f), "UPDATE audit_log SET action = 'x'", NULL, NULL, NULL), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db_of(f), "DELETE FROM audit_log", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM audit_log WHERE action = 'x'"), 0);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM audit_log"), 2);

    entry.action = NULL;
    assert_int_equal(f->st->ops->audit_append(f->st, &entry, &f->err), BR_EINVAL);
}

/* Whether agency serves person, as the access check asks it (store.h person_served_by). */
static bool
served_by(struct fixture *f, int64_t person, int64_t agency)
{
    bool serves = true;
    assert_int_equal(f->st->ops->person_served_by(f->st, person, agency, &serves, &f->err), 0);
    return serves;
}

/* An agency serves a person once one of its users registered them, determined an enrollment or
 * provided a service — nothing else of theirs counts — and every person it serves is on its
 * list; a user of no agency serves for none (migration 6's triggers keep serving_agencies). */
static void
test_serving_agencies(void **state)
{
    struct fixture *f = *state;
    int64_t a = 0, b = 0, c = 0;
    assert_int_equal(f->st->ops->agency_insert(f->st, "AGENCY_A", "A", &a, &f->err), 0);
    assert_int_equal(f->st->ops->agency_insert(f->st, "AGENCY_B", "B", &b, &f->err), 0);
    assert_int_equal(f->st->ops->agency_insert(f->st, "AGENCY_C", "C", &c, &f->err), 0);
    int64_t ana = add_user(f, "ana@a.example", "AGENCY_A");
    int64_t ben = add_user(f, "ben@b.example", "AGENCY_B");
    int64_t cy = add_user(f, "cy@c.example", "AGENCY_C");
    int64_t root = add_user(f, "root@braid.example", "");
    int64_t registered = add_person(f, "Reg", "Istered", NULL);
    int64_t enrolled = add_person(f, "En", "Rolled", NULL);
    int64_t served = add_person(f, "Ser", "Ved", NULL);

    struct audit_entry entry = {ana, registered, "person.register", "person", registered,
                                NULL, NULL, NULL};
    assert_int_equal(f->st->ops->audit_append(f->st, &entry, &f->err), 0);
    /* Another action of ana's on a person is no service by her agency. */
    entry.person_id = served;
    entry.action = "person.update";
    assert_int_equal(f->st->ops->audit_append(f->st, &entry, &f->err), 0);
    struct enrollment e = {0, program(f, "ADULT"), D("2026-03-01"), 0};
    assert_int_equal(
        f->st->ops->enrollment_insert(f->st, enrolled, &e, &f->catalog, "{}", ben, &f->err), 0);
    struct service_detail detail;
    memset(&detail, 0, sizeof(detail));
    detail.staff_id = cy;
    for (int i = 0; i < 2; i++) {
        struct service s = {0, program(f, "ADULT"), service_code(f, "CASE_MANAGEMENT"),
                            D("2026-03-02"), DATE_NONE, DATE_NONE, 0};
        assert_int_equal(
            f->st->ops->service_insert(f->st, served, &s, &f->catalog, &detail, &f->err), 0);
    }
    struct service by_root = {0, program(f, "ADULT"), service_code(f, "CASE_MANAGEMENT"),
                              D("2026-03-03"), DATE_NONE, DATE_NONE, 0};
    detail.staff_id = root;
    assert_int_equal(
        f->st->ops->service_insert(f->st, registered, &by_root, &f->catalog, &detail, &f->err), 0);

    assert_true(served_by(f, registered, a));
    assert_false(served_by(f, registered, b));
    assert_true(served_by(f, enrolled, b));
    assert_false(served_by(f, enrolled, a));
    assert_true(served_by(f, served, c));
    assert_false(served_by(f, served, a));
    assert_false(served_by(f, served, 0));
    /* One row a person and agency, however many services; none for a user of no agency. */
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM serving_agencies"), 3);

    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    assert_int_equal(f->st->ops->agency_people(f->st, b, &ids, &n, &cap, &f->err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], enrolled);
    /* A second person served by A comes in id order. */
    entry.person_id = served;
    entry.action = "person.register";
    assert_int_equal(f->st->ops->audit_append(f->st, &entry, &f->err), 0);
    assert_int_equal(f->st->ops->agency_people(f->st, a, &ids, &n, &cap, &f->err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], registered);
    assert_int_equal(ids[1], served);
    free(ids);
}

/* ---- transactions -------------------------------------------------------------------------- */

static void
test_rollback_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    struct stored_person got;

    assert_int_equal(f->st->ops->begin(f->st, &f->err), 0);
    int64_t person = add_person(f, "Ann", "Lee", NULL);
    add_enrollment(f, person, "ADULT", "2026-01-05");
    add_service(f, person, "ADULT", "CASE_MANAGEMENT", "2026-01-10", NULL);
    struct stored_clock clock = {EXIT_GROUP_COMMON,  1,
                                 EXIT_STATUS_ACTIVE, D("2026-01-10"),
                                 D("2026-04-11"),    EXIT_HOLD_OPEN_SERVICE,
                                 D("2026-04-11"),    D("2026-01-10")};
    assert_int_equal(f->st->ops->clocks_put(f->st, person, &clock, 1, &f->err), 0);
    f->st->ops->rollback(f->st);

    assert_int_equal(f->st->ops->person_get(f->st, person, &got, &f->err), BR_ENOTFOUND);
    assert_int_equal(query_int(db_of(f), "SELECT (SELECT count(*) FROM people) + (SELECT "
                                         "count(*) FROM services) + (SELECT count(*) FROM "
                                         "enrollments) + (SELECT count(*) FROM exit_clocks)"),
                     0);
    /* A rollback with no transaction open is harmless. */
    f->st->ops->rollback(f->st);

    /* And a committed one is kept. */
    assert_int_equal(f->st->ops->begin(f->st, &f->err), 0);
    person = add_person(f, "Bob", "Ray", NULL);
    assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);
    assert_int_equal(f->st->ops->person_get(f->st, person, &got, &f->err), 0);
    assert_int_not_equal(f->st->ops->commit(f->st, &f->err), 0); /* none open */
}

static void
test_failed_op_inside_transaction_leaves_the_rest(void **state)
{
    struct fixture *f = *state;
    struct service_detail detail;

    /* A caller that goes on past a failing op brackets it with a savepoint: rolling back to it
     * undoes only that op (its service row written before the funding failed), not the person. */
    memset(&detail, 0, sizeof(detail));
    detail.n_funding = 2;
    snprintf(detail.funding[0].stream, sizeof(detail.funding[0].stream), "A");
    detail.funding[0].percent = 50;
    snprintf(detail.funding[1].stream, sizeof(detail.funding[1].stream), "A");
    detail.funding[1].percent = 50;
    assert_int_equal(f->st->ops->begin(f->st, &f->err), 0);
    int64_t person = add_person(f, "Ann", "Lee", NULL);
    struct service s = {0,         program(f, "WP"), service_code(f, "OJT"), D("2026-01-10"),
                        DATE_NONE, DATE_NONE, 0};
    assert_int_equal(f->st->ops->savepoint(f->st, &f->err), 0);
    assert_int_equal(f->st->ops->service_insert(f->st, person, &s, &f->catalog, &detail, &f->err),
                     BR_ECONFLICT);
    f->st->ops->savepoint_rollback(f->st);
    assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM people"), 1);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM services"), 0);

    /* Outside a transaction the op is its own transaction and leaves nothing behind. */
    br_error_clear(&f->err);
    assert_int_equal(f->st->ops->service_insert(f->st, person, &s, &f->catalog, &detail, &f->err),
                     BR_ECONFLICT);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM services"), 0);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM service_funding"), 0);
}

static void
test_foreign_key_violation_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct service s = {0,         program(f, "WP"), service_code(f, "OJT"), D("2026-01-10"),
                        DATE_NONE, DATE_NONE, 0};
    struct enrollment e = {0, program(f, "WP"), D("2026-01-01"), 0};
    struct stored_clock clock = {EXIT_GROUP_COMMON,  1,
                                 EXIT_STATUS_ACTIVE, D("2026-01-10"),
                                 D("2026-04-11"),    EXIT_HOLD_NONE,
                                 D("2026-04-11"),    D("2026-01-10")};

    br_error_clear(&f->err);
    assert_int_equal(f->st->ops->service_insert(f->st, 4242, &s, &f->catalog, NULL, &f->err),
                     BR_ENOTFOUND);
    assert_int_equal(s.id, 0);
    assert_null(strstr(f->err.message, "INSERT"));
    assert_non_null(strstr(f->err.message, "record the service"));
    assert_int_equal(f->st->ops->enrollment_insert(f->st, 4242, &e, &f->catalog, NULL, 0, &f->err),
                     BR_ENOTFOUND);
    assert_int_equal(f->st->ops->clocks_put(f->st, 4242, &clock, 1, &f->err), BR_ENOTFOUND);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM services"), 0);
    /* The connection is still usable. */
    add_person(f, "Ann", "Lee", NULL);
}

/* ---- exit clocks and exits ----------------------------------------------------------------- */

static void
test_clocks_put_and_get(void **state)
{
    struct fixture *f = *state;
    int64_t person = add_person(f, "Ann", "Lee", NULL);
    int ael = program(f, "AEL");
    struct stored_clock clocks[2] = {
        {ael, 2, EXIT_STATUS_EXITED, D("2025-06-30"), D("2025-09-29"), EXIT_HOLD_NONE, DATE_NONE,
         D("2026-02-01")},
        {EXIT_GROUP_COMMON, 1, EXIT_STATUS_ACTIVE, D("2026-01-10"), DATE_NONE,
         EXIT_HOLD_OPEN_SERVICE, D("2026-03-01"), D("2026-02-01")},
    };
    struct stored_clock got[4];
    size_t n = 0;

    assert_int_equal(f->st->ops->clocks_put(f->st, person, clocks, 2, &f->err), 0);
    assert_int_equal(f->st->ops->clocks_get(f->st, person, got, 4, &n, &f->err), 0);
    assert_int_equal(n, 2);
    /* The common group first, then by program. */
    assert_memory_equal(&got[0], &clocks[1], sizeof(got[0]));
    assert_memory_equal(&got[1], &clocks[0], sizeof(got[1]));
    char key[32];
    query_text(db_of(f),
               "SELECT group_concat(group_key) FROM (SELECT group_key FROM exit_clocks "
               "ORDER BY group_key)",
               key, sizeof(key));
    assert_string_equal(key, "AEL,COMMON");

    /* A put replaces every clock of the person: a changed clock is updated where it is (its row
     * keeps its rowid), a clock no longer computed is deleted. */
    const char *common_row = "SELECT rowid FROM exit_clocks WHERE group_key = 'COMMON'";
    int64_t common_rowid = query_int(db_of(f), common_row);
    clocks[1].held_by = EXIT_HOLD_PLANNED_GAP;
    clocks[1].soft_exit_on = D("2026-09-01");
    assert_int_equal(f->st->ops->clocks_put(f->st, person, &clocks[1], 1, &f->err), 0);
    assert_int_equal(f->st->ops->clocks_get(f->st, person, got, 4, &n, &f->err), 0);
    assert_int_equal(n, 1);
    assert_memory_equal(&got[0], &clocks[1], sizeof(got[0]));
    assert_int_equal(query_int(db_of(f), common_row), common_rowid);

    /* The same clocks again write no row. */
    exec_ok(db_of(f), "CREATE TABLE clock_writes (n INTEGER);"
                      "CREATE TRIGGER clock_insert AFTER INSERT ON exit_clocks "
                      "BEGIN INSERT INTO clock_writes VALUES (1); END;"
                      "CREATE TRIGGER clock_update AFTER UPDATE ON exit_clocks "
                      "BEGIN INSERT INTO clock_writes VALUES (1); END;"
                      "CREATE TRIGGER clock_delete AFTER DELETE ON exit_clocks "
                      "BEGIN INSERT INTO clock_writes VALUES (1); END;");
    assert_int_equal(f->st->ops->clocks_put(f->st, person, &clocks[1], 1, &f->err), 0);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM clock_writes"), 0);
    assert_int_equal(f->st->ops->clocks_get(f->st, person, got, 4, &n, &f->err), 0);
    assert_int_equal(n, 1);
    assert_memory_equal(&got[0], &clocks[1], sizeof(got[0]));

    /* Too small a buffer is reported, not silently cut. */
    assert_int_equal(f->st->ops->clocks_put(f->st, person, clocks, 2, &f->err), 0);
    assert_int_equal(f->st->ops->clocks_get(f->st, person, got, 1, &n, &f->err), BR_ETOOBIG);
    assert_int_equal(n, 1);

    /* A person with no clocks has none; a group not in the catalog is refused. */
    int64_t other = add_person(f, "Bob", "Ray", NULL);
    assert_int_equal(f->st->ops->clocks_get(f->st, other, got, 4, &n, &f->err), 0);
    assert_int_equal(n, 0);
    struct stored_clock bad = clocks[0];
    bad.group_key = 999;
    assert_int_equal(f->st->ops->clocks_put(f->st, other, &bad, 1, &f->err), BR_EINVAL);
}

/* What clocks_of_people called back with, person by person. */
struct clocks_seen {
    int64_t ids[8];
    size_t counts[8];
    struct stored_clock first[8];
    size_t n;
    size_t stop_at; /* return 7 at this call (1-based); 0 never */
};

static int
see_clocks(void *ctx, int64_t person_id, const struct stored_clock *clocks, size_t n)
{
    struct clocks_seen *seen = ctx;

    assert_true(seen->n < 8);
    seen->ids[seen->n] = person_id;
    seen->counts[seen->n] = n;
    if (n > 0)
        seen->first[seen->n] = clocks[0];
    seen->n++;
    return seen->n == seen->stop_at ? 7 : 0;
}

static void
test_clocks_of_people(void **state)
{
    struct fixture *f = *state;
    int64_t ann = add_person(f, "Ann", "Lee", NULL);
    int64_t bob = add_person(f, "Bob", "Ray", NULL);
    int64_t cy = add_person(f, "Cy", "Ng", NULL);
    int64_t dee = add_person(f, "Dee", "Fox", NULL);
    struct stored_clock ann_clocks[2] = {
        {program(f, "AEL"), 2, EXIT_STATUS_EXITED, D("2025-06-30"), D("2025-09-29"), EXIT_HOLD_NONE,
         DATE_NONE, D("2026-02-01")},
        {EXIT_GROUP_COMMON, 1, EXIT_STATUS_ACTIVE, D("2026-01-10"), D("2026-04-10"), EXIT_HOLD_NONE,
         D("2026-04-10"), D("2026-02-01")},
    };
    struct stored_clock bob_clock = ann_clocks[1], cy_clock = ann_clocks[1];
    bob_clock.soft_exit_on = D("2026-05-05");
    cy_clock.soft_exit_on = D("2026-06-06");
    assert_int_equal(f->st->ops->clocks_put(f->st, ann, ann_clocks, 2, &f->err), 0);
    assert_int_equal(f->st->ops->clocks_put(f->st, bob, &bob_clock, 1, &f->err), 0);
    assert_int_equal(f->st->ops->clocks_put(f->st, cy, &cy_clock, 1, &f->err), 0);

    /* Most of the range is read in one pass over the clocks: Bob's clock between Ann and Cy is
     * nobody's, and Dee has none.  Few of the range are each sought: none for an id nobody has.
     * Either way Ann's come in clocks_get's order (the common group first). */
    int64_t most[] = {ann, cy, dee}, few[] = {ann, cy, 1000000};
    const int64_t *sets[] = {most, few};
    struct clocks_seen seen;
    for (size_t k = 0; k < 2; k++) {
        memset(&seen, 0, sizeof(seen));
        assert_int_equal(
            f->st->ops->clocks_of_people(f->st, sets[k], 3, see_clocks, &seen, &f->err), 0);
        assert_int_equal(seen.n, 3);
        assert_memory_equal(seen.ids, sets[k], sizeof(most));
        assert_int_equal(seen.counts[0], 2);
        assert_memory_equal(&seen.first[0], &ann_clocks[1], sizeof(seen.first[0]));
        assert_int_equal(seen.counts[1], 1);
        assert_int_equal(seen.first[1].soft_exit_on, cy_clock.soft_exit_on);
        assert_int_equal(seen.counts[2], 0);
    }

    /* What the callback returns stops the reading and is returned. */
    memset(&seen, 0, sizeof(seen));
    seen.stop_at = 2;
    assert_int_equal(f->st->ops->clocks_of_people(f->st, most, 3, see_clocks, &seen, &f->err), 7);
    assert_int_equal(seen.n, 2);

    /* People out of order, or twice, are refused before anyone is read. */
    int64_t unordered[] = {cy, ann}, twice[] = {bob, bob};
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(f->st->ops->clocks_of_people(f->st, unordered, 2, see_clocks, &seen, &f->err),
                     BR_EINVAL);
    assert_non_null(strstr(f->err.message, "ascending"));
    assert_int_equal(f->st->ops->clocks_of_people(f->st, twice, 2, see_clocks, &seen, &f->err),
                     BR_EINVAL);
    assert_int_equal(seen.n, 0);
    assert_int_equal(f->st->ops->clocks_of_people(f->st, most, 0, see_clocks, &seen, &f->err), 0);
    assert_int_equal(seen.n, 0);

    /* A row written by something other than braid fails loudly, in the words of this read. */
    char sql[128], expected[128];
    snprintf(sql, sizeof(sql), "UPDATE exit_clocks SET group_key = 'NOPE' WHERE person_id = %lld",
             (long long)cy);
    exec_ok(db_of(f), sql);
    snprintf(expected, sizeof(expected),
             "cannot load the exit clocks: a row of person %lld has a group that is not in the "
             "catalog",
             (long long)cy);
    for (size_t k = 0; k < 2; k++) {
        assert_int_equal(
            f->st->ops->clocks_of_people(f->st, sets[k], 3, see_clocks, &seen, &f->err), BR_EIO);
        assert_string_equal(f->err.message, expected);
    }
}

struct id_list {
    int64_t ids[16];
    size_t n;
    int stop_after; /* return 7 after this many; 0 never */
};

static int
collect_id(void *ctx, int64_t person_id)
{
    struct id_list *list = ctx;
    assert_true(list->n < 16);
    list->ids[list->n++] = person_id;
    return list->stop_after != 0 && (int)list->n >= list->stop_after ? 7 : 0;
}

static void
put_review(struct fixture *f, int64_t person, const char *review_on, int group)
{
    struct stored_clock clock = {group,
                                 1,
                                 EXIT_STATUS_ACTIVE,
                                 D("2026-01-10"),
                                 D("2026-04-11"),
                                 EXIT_HOLD_NONE,
                                 review_on != NULL ? D(review_on) : DATE_NONE,
                                 D("2026-01-10")};
    assert_int_equal(f->st->ops->clocks_put(f->st, person, &clock, 1, &f->err), 0);
}

static void
test_clocks_due(void **state)
{
    struct fixture *f = *state;
    struct id_list list;
    int64_t early = add_person(f, "Ann", "Lee", NULL);
    int64_t late = add_person(f, "Bob", "Ray", NULL);
    int64_t never = add_person(f, "Cy", "Doe", NULL);
    int64_t twice = add_person(f, "Di", "Doe", NULL);

    put_review(f, early, "2026-04-11", EXIT_GROUP_COMMON);
    put_review(f, late, "2026-05-01", EXIT_GROUP_COMMON);
    put_review(f, never, NULL, EXIT_GROUP_COMMON);
    struct stored_clock two[2] = {
        {EXIT_GROUP_COMMON, 1, EXIT_STATUS_ACTIVE, D("2026-01-10"), D("2026-04-11"), EXIT_HOLD_NONE,
         D("2026-04-01"), D("2026-01-10")},
        {program(f, "AEL"), 1, EXIT_STATUS_ACTIVE, D("2026-01-10"), D("2026-04-11"), EXIT_HOLD_NONE,
         D("2026-04-02"), D("2026-01-10")},
    };
    assert_int_equal(f->st->ops->clocks_put(f->st, twice, two, 2, &f->err), 0);

    memset(&list, 0, sizeof(list));
    assert_int_equal(f->st->ops->clocks_due(f->st, D("2026-04-10"), collect_id, &list, &f->err), 0);
    assert_int_equal(list.n, 1); /* two clocks due, one person */
    assert_int_equal(list.ids[0], twice);

    memset(&list, 0, sizeof(list));
    assert_int_equal(f->st->ops->clocks_due(f->st, D("2026-04-11"), collect_id, &list, &f->err), 0);
    assert_int_equal(list.n, 2);
    assert_int_equal(list.ids[0], early);
    assert_int_equal(list.ids[1], twice);

    memset(&list, 0, sizeof(list));
    assert_int_equal(f->st->ops->clocks_due(f->st, D("2027-01-01"), collect_id, &list, &f->err), 0);
    assert_int_equal(list.n, 3); /* never: no review day, so never due */

    memset(&list, 0, sizeof(list));
    list.stop_after = 1;
    assert_int_equal(f->st->ops->clocks_due(f->st, D("2027-01-01"), collect_id, &list, &f->err), 7);
    assert_int_equal(list.n, 1);

    /* The review index holds the four clocks with a review day, not never's (schema migration
     * 9): each entry of an index B-tree is one cell of one of its pages. */
    assert_int_equal(
        query_int(db_of(f), "SELECT sum(ncell) FROM dbstat WHERE name = 'exit_clocks_review'"), 4);

    /* The nightly run reads the review index, not the whole table: ask SQLite for the plan of
     * the very statement the store prepared and cached. */
    char plan[1024];
    store_plan(f, "review_on <=", plan, sizeof(plan));
    assert_non_null(strstr(plan, "USING INDEX exit_clocks_review (review_on<?)"));
    assert_null(strstr(plan, "SCAN exit_clocks"));
}

static void
test_exit_runs_and_recorded_exits(void **state)
{
    struct fixture *f = *state;
    int64_t person = add_person(f, "Ann", "Lee", NULL);
    int64_t run = 0;
    bool inserted = false;
    struct recorded_exit got[4];
    size_t n = 0;

    assert_int_equal(f->st->ops->exit_run_begin(f->st, D("2026-11-23"), &run, &f->err), 0);
    assert_true(run > 0);
    struct recorded_exit e = {person,          program(f, "ADULT"), 1,   D("2026-01-10"),
                              D("2026-05-01"), D("2026-11-23"),     run, ""};
    assert_int_equal(f->st->ops->exit_put(f->st, &e, &inserted, &f->err), 0);
    assert_true(inserted);
    /* Again, even from a later run: the same exit is left alone. */
    struct recorded_exit same = e;
    same.determined_on = D("2026-11-24");
    assert_int_equal(f->st->ops->exit_put(f->st, &same, &inserted, &f->err), 0);
    assert_false(inserted);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM exits"), 1);
    /* A different exit for the same period is a conflict, not an overwrite. */
    struct recorded_exit different = e;
    different.exit_on = D("2026-06-01");
    assert_int_equal(f->st->ops->exit_put(f->st, &different, &inserted, &f->err), BR_ECONFLICT);
    assert_false(inserted);

    /* A manual exit (no run) keeps its reason. */
    struct recorded_exit wp = e;
    wp.program = program(f, "WP");
    wp.run_id = 0;
    snprintf(wp.reason, sizeof(wp.reason), "NO_CONTACT");
    assert_int_equal(f->st->ops->exit_put(f->st, &wp, &inserted, &f->err), 0);
    assert_int_equal(f->st->ops->exits_get(f->st, person, got, 4, &n, &f->err), 0);
    assert_int_equal(n, 2);
    assert_exit_equal(&got[0], &wp); /* WP comes first in the catalog */
    assert_exit_equal(&got[1], &e);
    assert_int_equal(f->st->ops->exits_get(f->st, person, got, 1, &n, &f->err), BR_ETOOBIG);

    assert_int_equal(f->st->ops->exit_delete(f->st, person, e.program, 1, &f->err), 0);
    assert_int_equal(f->st->ops->exit_delete(f->st, person, e.program, 1, &f->err), BR_ENOTFOUND);
    assert_int_equal(f->st->ops->exits_get(f->st, person, got, 4, &n, &f->err), 0);
    assert_int_equal(n, 1);
    /* After the delete, a reopened period's new exit can be recorded. */
    assert_int_equal(f->st->ops->exit_put(f->st, &different, &inserted, &f->err), 0);
    assert_true(inserted);

    assert_int_equal(f->st->ops->exit_run_finish(f->st, run, 10, 2, 1, &f->err), 0);
    assert_int_equal(query_int(db_of(f), "SELECT examined * 100 + recorded * 10 + reopened FROM "
                                         "exit_runs WHERE finished_at IS NOT NULL"),
                     1021);
    assert_int_equal(f->st->ops->exit_run_finish(f->st, 4242, 0, 0, 0, &f->err), BR_ENOTFOUND);
    struct recorded_exit bad = e;
    bad.program = 999;
    assert_int_equal(f->st->ops->exit_put(f->st, &bad, &inserted, &f->err), BR_EINVAL);
}

/* ---- the scan ------------------------------------------------------------------------------ */

static const struct store_scan with_facts = {.parts = STORE_SCAN_FACTS};

struct scan_seen {
    const struct fixture *f;
    size_t people;
    int64_t last_id;
    int64_t ids[3];
    size_t enrollments[3], services[3], gaps[3];
    int64_t first_service_id[3];
    int stop_at; /* return 5 at this person (1-based); 0 never */
    bool many;   /* check the pattern add_many wrote */
};

static int
scan_check(void *ctx, const struct stored_person *person, const struct person_record *record,
           const struct stored_exit_state *exit_state)
{
    struct scan_seen *seen = ctx;

    assert_null(exit_state); /* not asked for */
    assert_true(person->id > seen->last_id);
    seen->last_id = person->id;
    if (seen->people < 3) {
        seen->ids[seen->people] = person->id;
        seen->enrollments[seen->people] = record->n_enrollments;
        seen->services[seen->people] = record->n_services;
        seen->gaps[seen->people] = record->n_gaps;
        seen->first_service_id[seen->people] = record->n_services ? record->services[0].id : 0;
    }
    if (seen->many) {
        /* Person i (from 0) has i % 4 services, each starting on day i + k, and a gap when i is
         * a multiple of 5; the first name says i. */
        char *end;
        long i = strtol(person->facts.first_name + 1, &end, 10);
        assert_int_equal(*end, '\0');
        assert_int_equal(record->n_services, (size_t)(i % 4));
        assert_int_equal(record->n_gaps, i % 5 == 0 ? 1u : 0u);
        assert_int_equal(record->n_enrollments, 1);
        for (size_t k = 0; k < record->n_services; k++)
            assert_int_equal(record->services[k].start_on,
                             D("2020-01-01") + (int32_t)i + (int32_t)k);
    }
    seen->people++;
    return seen->stop_at != 0 && (int)seen->people == seen->stop_at ? 5 : 0;
}

static void
test_people_scan_small(void **state)
{
    struct fixture *f = *state;
    struct scan_seen seen;

    /* No people: the callback is never called, and the id bounds are 0. */
    int64_t none_first = -1, none_last = -1;
    assert_int_equal(f->st->ops->people_id_bounds(f->st, &none_first, &none_last, &f->err), 0);
    assert_int_equal(none_first + none_last, 0);
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(f->st->ops->people_scan(f->st, &f->catalog, &with_facts, scan_check, &seen, &f->err), 0);
    assert_int_equal(seen.people, 0);

    /* One with services, one with nothing, one with gaps (and a service before the gap). */
    int64_t a = add_person(f, "Ann", "Lee", NULL);
    add_enrollment(f, a, "ADULT", "2026-01-05");
    int64_t a1 = add_service(f, a, "ADULT", "CASE_MANAGEMENT", "2026-01-10", NULL);
    add_service(f, a, "WP", "STAFF_JOB_SEARCH", "2026-02-10", "2026-02-10");
    int64_t b = add_person(f, "Bob", "Ray", NULL);
    int64_t c = add_person(f, "Cy", "Doe", NULL);
    add_enrollment(f, c, "DW", "2026-01-05");
    int64_t c1 = add_service(f, c, "DW", "OCCUPATIONAL_TRAINING", "2026-01-06", "2026-03-01");
    add_gap(f, c, "DW", "2026-03-02", "2026-06-30");
    add_gap(f, c, "AEL", "2026-03-05", "2026-07-30");

    memset(&seen, 0, sizeof(seen));
    seen.f = f;
    assert_int_equal(f->st->ops->people_scan(f->st, &f->catalog, &with_facts, scan_check, &seen, &f->err), 0);
    assert_int_equal(seen.people, 3);
    assert_int_equal(seen.ids[0], a);
    assert_int_equal(seen.enrollments[0], 1);
    assert_int_equal(seen.services[0], 2);
    assert_int_equal(seen.gaps[0], 0);
    assert_int_equal(seen.first_service_id[0], a1);
    assert_int_equal(seen.ids[1], b);
    assert_int_equal(seen.enrollments[1] + seen.services[1] + seen.gaps[1], 0);
    assert_int_equal(seen.ids[2], c);
    assert_int_equal(seen.enrollments[2], 1);
    assert_int_equal(seen.services[2], 1);
    assert_int_equal(seen.gaps[2], 2);
    assert_int_equal(seen.first_service_id[2], c1);

    /* A range of ids: only those people, each with their own rows (the children's cursors start
     * at the range too); the bounds of the ids divide a scan. */
    int64_t first = 0, last = 0;
    assert_int_equal(f->st->ops->people_id_bounds(f->st, &first, &last, &f->err), 0);
    assert_int_equal(first, a);
    assert_int_equal(last, c);
    struct store_scan from_b = {.parts = STORE_SCAN_FACTS, .first_id = b, .last_id = 0};
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(f->st->ops->people_scan(f->st, &f->catalog, &from_b, scan_check, &seen,
                                             &f->err),
                     0);
    assert_int_equal(seen.people, 2);
    assert_int_equal(seen.ids[0], b);
    assert_int_equal(seen.ids[1], c);
    assert_int_equal(seen.gaps[1], 2);
    struct store_scan only_a = {.parts = STORE_SCAN_FACTS, .first_id = a, .last_id = a};
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(f->st->ops->people_scan(f->st, &f->catalog, &only_a, scan_check, &seen,
                                             &f->err),
                     0);
    assert_int_equal(seen.people, 1);
    assert_int_equal(seen.services[0], 2);

    /* The callback can stop the scan, and its value comes back. */
    memset(&seen, 0, sizeof(seen));
    seen.stop_at = 2;
    assert_int_equal(f->st->ops->people_scan(f->st, &f->catalog, &with_facts, scan_check, &seen, &f->err), 5);
    assert_int_equal(seen.people, 2);
}

struct scan_reentry {
    struct fixture *f;
    size_t people;
};

/* What the nightly verify and apply do from inside a scan: read more, and write in a
 * transaction of their own. */
static int
scan_and_write(void *ctx, const struct stored_person *person, const struct person_record *record,
               const struct stored_exit_state *exit_state)
{
    struct scan_reentry *r = ctx;

    assert_null(exit_state);
    struct fixture *f = r->f;
    struct person_record again;
    struct stored_person got;
    struct stored_clock clocks[4];
    size_t n = 0;

    person_record_init(&again);
    assert_int_equal(f->st->ops->record_load(f->st, &f->catalog, person->id, &again, &f->err), 0);
    assert_int_equal(again.n_services, record->n_services);
    person_record_cleanup(&again);
    assert_int_equal(f->st->ops->person_get(f->st, person->id, &got, &f->err), 0);
    assert_int_equal(f->st->ops->clocks_get(f->st, person->id, clocks, 4, &n, &f->err), 0);

    struct stored_clock clock = {EXIT_GROUP_COMMON,  1,
                                 EXIT_STATUS_ACTIVE, D("2026-01-10"),
                                 D("2026-04-11"),    EXIT_HOLD_NONE,
                                 D("2026-04-11"),    D("2026-01-10")};
    assert_int_equal(f->st->ops->begin(f->st, &f->err), 0);
    assert_int_equal(f->st->ops->clocks_put(f->st, person->id, &clock, 1, &f->err), 0);
    assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);
    r->people++;
    return 0;
}

static void
test_people_scan_callback_may_use_the_store(void **state)
{
    struct fixture *f = *state;
    struct scan_reentry r = {f, 0};

    for (int i = 0; i < 5; i++) {
        int64_t id = add_person(f, "Ann", "Lee", NULL);
        if (i % 2 == 0)
            add_service(f, id, "WP", "STAFF_JOB_SEARCH", "2026-01-10", "2026-01-10");
    }
    assert_int_equal(f->st->ops->people_scan(f->st, &f->catalog, &(struct store_scan){0}, scan_and_write, &r, &f->err), 0);
    assert_int_equal(r.people, 5);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM exit_clocks"), 5);
}

static void
test_people_scan_many(void **state)
{
    struct fixture *f = *state;
    struct scan_seen seen;
    char first[16];

    assert_int_equal(f->st->ops->begin(f->st, &f->err), 0);
    for (int i = 0; i < SCAN_MANY; i++) {
        snprintf(first, sizeof(first), "P%d", i);
        struct stored_person p = make_person(first, "Many", NULL);
        assert_int_equal(f->st->ops->person_insert(f->st, &p, &f->err), 0);
        struct enrollment e = {0, program(f, "ADULT"), D("2019-01-01"), 0};
        assert_int_equal(
            f->st->ops->enrollment_insert(f->st, p.id, &e, &f->catalog, NULL, 0, &f->err), 0);
        /* Services in reverse date order, so the scan's ordering is what puts them right. */
        for (int k = i % 4 - 1; k >= 0; k--) {
            struct service s = {0,
                                program(f, "ADULT"),
                                service_code(f, "CASE_MANAGEMENT"),
                                D("2020-01-01") + i + k,
                                DATE_NONE,
                                DATE_NONE, 0};
            assert_int_equal(
                f->st->ops->service_insert(f->st, p.id, &s, &f->catalog, NULL, &f->err), 0);
        }
        if (i % 5 == 0) {
            struct planned_gap g = {0, program(f, "ADULT"), GAP_TRAINING_DELAY, D("2021-01-01"),
                                    D("2021-05-01")};
            assert_int_equal(f->st->ops->gap_insert(f->st, p.id, &g, &f->catalog, NULL, &f->err),
                             0);
        }
    }
    assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);

    memset(&seen, 0, sizeof(seen));
    seen.f = f;
    seen.many = true;
    assert_int_equal(f->st->ops->people_scan(f->st, &f->catalog, &with_facts, scan_check, &seen, &f->err), 0);
    assert_int_equal(seen.people, SCAN_MANY);

    /* Memory independent of the number of people: the four cursors walk indexes in person_id
     * order, and none of them sorts (a sort would gather a whole table first). */
    static const char *const scans[] = {
        "FROM people WHERE id BETWEEN", "FROM enrollments WHERE person_id BETWEEN",
        "FROM services WHERE person_id BETWEEN", "FROM planned_gaps WHERE person_id BETWEEN"};
    /* (The clocks and exits cursors are checked in test_people_scan_exit_state.) */
    char plan[512];
    for (size_t i = 0; i < sizeof(scans) / sizeof(scans[0]); i++) {
        store_plan(f, scans[i], plan, sizeof(plan));
        assert_null(strstr(plan, "TEMP B-TREE"));
        if (i > 0)
            assert_non_null(strstr(plan, "_person"));
    }
}

/* STORE_SCAN_EXIT_STATE: each person's stored clocks and recorded exits, streamed, equal what
 * the point reads (clocks_get, exits_get) return, in their order; without STORE_SCAN_FACTS the
 * facts are not read but the external id is. */
struct exit_state_seen {
    struct fixture *f;
    size_t people, clocks, exits;
};

static int
scan_exit_state_check(void *ctx, const struct stored_person *person,
                      const struct person_record *record, const struct stored_exit_state *state)
{
    struct exit_state_seen *seen = ctx;
    struct fixture *f = seen->f;
    struct stored_clock clocks[8];
    struct recorded_exit exits[8];
    size_t n_clocks = 0, n_exits = 0;

    (void)record;
    assert_non_null(state);
    assert_string_equal(person->facts.first_name, "");
    assert_int_equal(person->external_id[0], 'X');
    assert_int_equal(f->st->ops->clocks_get(f->st, person->id, clocks, 8, &n_clocks, &f->err), 0);
    assert_int_equal(f->st->ops->exits_get(f->st, person->id, exits, 8, &n_exits, &f->err), 0);
    assert_int_equal(state->n_clocks, n_clocks);
    assert_int_equal(state->n_exits, n_exits);
    for (size_t i = 0; i < n_clocks; i++)
        assert_memory_equal(&state->clocks[i], &clocks[i], sizeof(clocks[i]));
    for (size_t i = 0; i < n_exits; i++)
        assert_exit_equal(&state->exits[i], &exits[i]);
    seen->people++;
    seen->clocks += n_clocks;
    seen->exits += n_exits;
    return 0;
}

static void
test_people_scan_exit_state(void **state)
{
    struct fixture *f = *state;
    int64_t run = 0;
    bool inserted = false;
    char external[16];

    assert_int_equal(f->st->ops->exit_run_begin(f->st, D("2026-11-23"), &run, &f->err), 0);
    for (int i = 0; i < 6; i++) {
        struct stored_person p = make_person("Ann", "Lee", NULL);
        snprintf(external, sizeof(external), "X%d", i);
        strcpy(p.external_id, external);
        assert_int_equal(f->st->ops->person_insert(f->st, &p, &f->err), 0);
        /* Clocks keyed so that the table's order (by group key text: "AEL" < "COMMON" < "YOUTH")
         * differs from clocks_get's (the common group first, then catalog positions). */
        struct stored_clock c[3] = {
            {EXIT_GROUP_COMMON, 1, EXIT_STATUS_ACTIVE, D("2026-01-10"), D("2026-04-11"),
             EXIT_HOLD_NONE, D("2026-04-11"), D("2026-01-10")},
            {program(f, "YOUTH"), 2, EXIT_STATUS_EXITED, D("2026-02-10"), D("2026-05-12"),
             EXIT_HOLD_NONE, DATE_NONE, D("2026-11-23")},
            {program(f, "AEL"), 1, EXIT_STATUS_ACTIVE, D("2026-03-10"), D("2026-06-09"),
             EXIT_HOLD_OPEN_SERVICE, D("2026-06-09"), D("2026-11-23")},
        };
        size_t n = (size_t)(i % 4); /* 0 to 3 clocks */
        if (n > 0)
            assert_int_equal(f->st->ops->clocks_put(f->st, p.id, c, n, &f->err), 0);
        /* Exits in two programs and periods, inserted out of order. */
        for (int k = i % 3; k > 0; k--) {
            struct recorded_exit e = {p.id,          program(f, k == 1 ? "WP" : "ADULT"),
                                      k,             D("2025-01-10"),
                                      D("2025-05-01"), D("2026-11-23"),
                                      run,           ""};
            assert_int_equal(f->st->ops->exit_put(f->st, &e, &inserted, &f->err), 0);
            e.period = k + 2;
            assert_int_equal(f->st->ops->exit_put(f->st, &e, &inserted, &f->err), 0);
        }
    }
    struct exit_state_seen seen = {f, 0, 0, 0};
    struct store_scan scan = {.parts = STORE_SCAN_EXIT_STATE};
    assert_int_equal(f->st->ops->people_scan(f->st, &f->catalog, &scan, scan_exit_state_check,
                                             &seen, &f->err),
                     0);
    assert_int_equal(seen.people, 6);
    assert_int_equal(seen.clocks, 0 + 1 + 2 + 3 + 0 + 1);
    assert_int_equal(seen.exits, 2 * (0 + 1 + 2 + 0 + 1 + 2));

    /* Both cursors walk the primary keys in person_id order: no sort of the whole table. */
    static const char *const scans[] = {"ORDER BY c.person_id", "ORDER BY e.person_id"};
    char plan[512];
    for (size_t i = 0; i < sizeof(scans) / sizeof(scans[0]); i++) {
        store_plan(f, scans[i], plan, sizeof(plan));
        assert_null(strstr(plan, "TEMP B-TREE"));
    }
}

/* Rows written by something other than braid (a hand edit, a bad import) fail loudly. */
static void
test_malformed_rows_are_errors(void **state)
{
    struct fixture *f = *state;
    struct stored_person got;
    struct person_record record;
    struct scan_seen seen;
    struct catalog catalog;
    struct policy policy;
    int64_t person = add_person(f, "Ann", "Lee", NULL);
    add_service(f, person, "WP", "STAFF_JOB_SEARCH", "2026-01-10", NULL);

    exec_ok(db_of(f), "UPDATE people SET facts = '{\"veteran\": \"maybe\"}'");
    assert_int_equal(f->st->ops->person_get(f->st, person, &got, &f->err), BR_EIO);
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(f->st->ops->people_scan(f->st, &f->catalog, &with_facts, scan_check, &seen, &f->err),
                     BR_EIO);
    assert_int_equal(seen.people, 0);
    exec_ok(db_of(f), "UPDATE people SET facts = 'not json'");
    assert_int_equal(f->st->ops->person_get(f->st, person, &got, &f->err), BR_EIO);

    exec_ok(db_of(f), "UPDATE services SET start_date = '2026-02-30'");
    person_record_init(&record);
    br_error_clear(&f->err);
    assert_int_equal(f->st->ops->record_load(f->st, &f->catalog, person, &record, &f->err), BR_EIO);
    assert_non_null(strstr(f->err.message, "malformed date"));
    assert_int_equal(record.n_services, 0);
    person_record_cleanup(&record);

    /* A catalog whose code is not in the loaded catalog (an older catalog in memory). */
    exec_ok(db_of(f), "UPDATE services SET start_date = '2026-02-01'");
    struct catalog shorter = f->catalog;
    shorter.n_programs = 0;
    person_record_init(&record);
    assert_int_equal(f->st->ops->record_load(f->st, &shorter, person, &record, &f->err), BR_EIO);
    person_record_cleanup(&record);

    exec_ok(db_of(f), "UPDATE settings SET value = '90x' WHERE name = 'exit_after_days'");
    assert_int_equal(f->st->ops->catalog_load(f->st, &catalog, &policy, &f->err), BR_EIO);
    assert_null(catalog.programs);
    exec_ok(db_of(f), "UPDATE settings SET value = '90' WHERE name = 'exit_after_days'");
    assert_int_equal(f->st->ops->catalog_load(f->st, &catalog, &policy, &f->err), 0);
    catalog_cleanup(&catalog);

    /* A catalog row's position is its index in memory (catalog_save): a hole is refused, in
     * either table, as is a service category braid does not know. */
    exec_ok(db_of(f), "UPDATE programs SET position = position + 100 WHERE position = 1");
    br_error_clear(&f->err);
    assert_int_equal(f->st->ops->catalog_load(f->st, &catalog, &policy, &f->err), BR_EIO);
    assert_non_null(strstr(f->err.message, "load the programs"));
    assert_non_null(strstr(f->err.message, "positions that are not 0, 1, 2"));
    assert_null(catalog.programs);
    exec_ok(db_of(f), "UPDATE programs SET position = position - 100 WHERE position = 101");
    exec_ok(db_of(f), "UPDATE service_codes SET category = 'astrology' WHERE position = 2");
    br_error_clear(&f->err);
    assert_int_equal(f->st->ops->catalog_load(f->st, &catalog, &policy, &f->err), BR_EIO);
    assert_non_null(strstr(f->err.message, "load the service codes"));
    assert_non_null(strstr(f->err.message, "an unknown category"));
    assert_null(catalog.services);
}

/* ---- users and tokens ---------------------------------------------------------------------- */

static void
test_users_and_tokens(void **state)
{
    struct fixture *f = *state;
    int64_t agency = 0, again = 0, user_id = 0;
    struct user user;
    uint8_t hash[STORE_HASH_SIZE], other[STORE_HASH_SIZE];

    assert_int_equal(
        f->st->ops->agency_insert(f->st, "VR_STATE", "State VR Agency", &agency, &f->err), 0);
    assert_true(agency > 0);
    assert_int_equal(f->st->ops->agency_insert(f->st, "VR_STATE", "Again", &again, &f->err),
                     BR_ECONFLICT);

    int64_t id = add_user(f, "ana@vr.example", "VR_STATE");
    memset(&user, 0, sizeof(user));
    assert_int_equal(f->st->ops->user_by_email(f->st, "ana@vr.example", &user, &f->err), 0);
    assert_int_equal(user.id, id);
    assert_string_equal(user.email, "ana@vr.example");
    assert_string_equal(user.name, "Staff ana@vr.example");
    assert_string_equal(user.role, "case_manager");
    assert_string_equal(user.agency, "VR_STATE");
    assert_string_equal(user.password_hash, "$argon2id$v=19$stub");
    assert_true(user.active);
    int64_t admin = add_user(f, "root@braid.example", "");
    assert_int_equal(f->st->ops->user_by_email(f->st, "root@braid.example", &user, &f->err), 0);
    assert_int_equal(user.id, admin);
    assert_string_equal(user.agency, "");

    /* Conflicts and unknowns. */
    br_error_clear(&f->err);
    assert_int_equal(f->st->ops->user_insert(f->st, &user, &f->err), BR_ECONFLICT);
    assert_non_null(strstr(f->err.message, "root@braid.example"));
    snprintf(user.email, sizeof(user.email), "new@braid.example");
    snprintf(user.role, sizeof(user.role), "wizard");
    assert_int_equal(f->st->ops->user_insert(f->st, &user, &f->err), BR_EINVAL);
    snprintf(user.role, sizeof(user.role), "admin");
    /* An agency must be registered first (agency_insert): a typo never creates a partner. */
    snprintf(user.agency, sizeof(user.agency), "NO_SUCH");
    br_error_clear(&f->err);
    assert_int_equal(f->st->ops->user_insert(f->st, &user, &f->err), BR_ENOTFOUND);
    assert_string_equal(f->err.message, "no agency with code NO_SUCH");
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM agencies"), 1);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM users"), 2);
    assert_int_equal(f->st->ops->user_by_email(f->st, "nobody@x", &user, &f->err), BR_ENOTFOUND);

    fill_hash(hash, 40);
    fill_hash(other, 41);
    assert_int_equal(f->st->ops->token_insert(f->st, id, hash, "payroll sync", &f->err), 0);
    assert_int_equal(f->st->ops->token_user(f->st, hash, &user_id, &f->err), 0);
    assert_int_equal(user_id, id);
    assert_int_equal(f->st->ops->token_insert(f->st, admin, hash, "again", &f->err), BR_ECONFLICT);
    assert_int_equal(f->st->ops->token_user(f->st, other, &user_id, &f->err), BR_ENOTFOUND);
    assert_int_equal(f->st->ops->token_insert(f->st, 4242, other, "orphan", &f->err), BR_ENOTFOUND);
    /* A revoked token, or one of an inactive user, no longer opens the door. */
    exec_ok(db_of(f), "UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP");
    assert_int_equal(f->st->ops->token_user(f->st, hash, &user_id, &f->err), BR_ENOTFOUND);
}

/* ---- backup and restore -------------------------------------------------------------------- */

static void
test_backup(void **state)
{
    struct fixture *f = *state;
    char path[256];
    struct store *copy = NULL;
    struct stored_person got;
    struct person_record record;

    int64_t person = add_person(f, "Ann", "Lee", "1990-01-01");
    add_enrollment(f, person, "ADULT", "2026-01-05");
    add_service(f, person, "ADULT", "CASE_MANAGEMENT", "2026-01-10", NULL);
    fixture_file(f, "backup.db", path, sizeof(path));

    /* Another connection is in the middle of writing: the copy has what was committed. */
    struct store *writer = NULL;
    assert_int_equal(store_open(f->path, &writer, &f->err), 0);
    assert_int_equal(writer->ops->begin(writer, &f->err), 0);
    struct stored_person pending = make_person("Pat", "Pending", NULL);
    assert_int_equal(writer->ops->person_insert(writer, &pending, &f->err), 0);
    assert_int_equal(f->st->ops->backup(f->st, path, &f->err), 0);
    assert_int_equal(writer->ops->commit(writer, &f->err), 0);
    writer->ops->close(writer);

    /* The source keeps working and changing; the copy is what it was. */
    add_person(f, "Bob", "Ray", NULL);
    assert_int_equal(store_open_current(path, &copy, &f->err), 0);
    assert_int_equal(copy->ops->person_get(copy, person, &got, &f->err), 0);
    assert_string_equal(got.facts.first_name, "Ann");
    person_record_init(&record);
    assert_int_equal(copy->ops->record_load(copy, &f->catalog, person, &record, &f->err), 0);
    assert_int_equal(record.n_services, 1);
    assert_int_equal(record.n_enrollments, 1);
    person_record_cleanup(&record);
    assert_int_equal(query_int(store_sqlite_handle(copy), "SELECT count(*) FROM people"), 1);
    assert_int_equal(query_int(store_sqlite_handle(copy), "SELECT count(*) FROM programs"),
                     (int64_t)f->catalog.n_programs);
    copy->ops->close(copy);
}

static void
test_restore(void **state)
{
    struct fixture *f = *state;
    char backup[256], target[256], junk[256];
    struct store *st = NULL;
    struct stored_person got;

    int64_t ann = add_person(f, "Ann", "Lee", NULL);
    /* A read of Ann, whose audit entry is in the log of reads beside the database. */
    struct audit_entry seen = {.user_id = 7, .person_id = ann, .action = "test.backed_up_read"};
    assert_int_equal(f->st->ops->begin_read(f->st, &f->err), 0);
    assert_int_equal(f->st->ops->audit_append(f->st, &seen, &f->err), 0);
    assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);
    fixture_file(f, "backup.db", backup, sizeof(backup));
    assert_int_equal(f->st->ops->backup(f->st, backup, &f->err), 0);
    char backup_log[300];
    snprintf(backup_log, sizeof(backup_log), "%s-reads", backup);
    assert_int_equal(access(backup_log, F_OK), 0);

    /* Another database, with other people, is replaced by the backup. */
    fixture_file(f, "target.db", target, sizeof(target));
    assert_int_equal(store_open_current(target, &st, &f->err), 0);
    assert_int_equal(st->ops->catalog_save(st, &f->catalog, &f->policy, &f->err), 0);
    struct stored_person bob = make_person("Bob", "Ray", NULL);
    struct stored_person cy = make_person("Cy", "Doe", NULL);
    assert_int_equal(st->ops->person_insert(st, &bob, &f->err), 0);
    assert_int_equal(st->ops->person_insert(st, &cy, &f->err), 0);
    st->ops->close(st);

    assert_int_equal(store_restore(target, backup, &f->err), 0);
    assert_int_equal(store_open_current(target, &st, &f->err), 0);
    assert_int_equal(query_int(store_sqlite_handle(st), "SELECT count(*) FROM people"), 1);
    /* The log of reads came back with the database. */
    assert_int_equal(query_int(store_sqlite_handle(st), "SELECT count(*) FROM reads.read_log "
                                                        "WHERE action = 'test.backed_up_read'"),
                     1);
    assert_int_equal(st->ops->person_get(st, ann, &got, &f->err), 0);
    assert_string_equal(got.facts.first_name, "Ann");
    st->ops->close(st);

    /* Not a braid database: an empty SQLite file, a text file, a missing file. */
    fixture_file(f, "empty.db", junk, sizeof(junk));
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(junk, &db), SQLITE_OK);
    exec_ok(db, "CREATE TABLE t (x)");
    sqlite3_close(db);
    br_error_clear(&f->err);
    assert_int_equal(store_restore(target, junk, &f->err), BR_EINVAL);
    assert_non_null(strstr(f->err.message, "not a braid database"));
    fixture_file(f, "notes.txt", junk, sizeof(junk));
    FILE *text = fopen(junk, "w");
    assert_non_null(text);
    fputs("this is not a database, just some words that go on long enough\n", text);
    fclose(text);
    assert_int_equal(store_restore(target, junk, &f->err), BR_EINVAL);
    fixture_file(f, "missing.db", junk, sizeof(junk));
    assert_int_not_equal(store_restore(target, junk, &f->err), 0);
    assert_int_equal(access(junk, F_OK), -1); /* not created by the attempt */

    /* The target is untouched by the refusals. */
    assert_int_equal(store_open_current(target, &st, &f->err), 0);
    assert_int_equal(query_int(store_sqlite_handle(st), "SELECT count(*) FROM people"), 1);
    st->ops->close(st);
}

/* A database made by a braid of schema version 1 (before the HTTP API) is brought to the current
 * version by migrate: its rows are kept, and the idempotency keys and search indexes appear. */
static void
test_migrate_version_1_to_2(void **state)
{
    struct fixture *f = *state;
    size_t n = 0;
    const struct migration *list = migrations_list(&n);
    int version = -1;

    assert_true(n >= 2);
    assert_int_equal(list[0].version, 1);
    exec_ok(db_of(f), migrations_bootstrap_sql);
    exec_ok(db_of(f), list[0].sql);
    exec_ok(db_of(f), "INSERT INTO schema_migrations (version) VALUES (1);"
                      "INSERT INTO people (first_name, last_name, birth_date) "
                      "VALUES ('Old', 'Row', '1970-01-01');");
    assert_int_equal(f->st->ops->schema_version(f->st, &version, &f->err), 0);
    assert_int_equal(version, 1);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM sqlite_master "
                                         "WHERE name = 'idempotency_keys'"),
                     0);

    assert_int_equal(f->st->ops->migrate(f->st, &f->err), 0);
    assert_int_equal(f->st->ops->schema_version(f->st, &version, &f->err), 0);
    assert_int_equal(version, STORE_SCHEMA_VERSION);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM schema_migrations"),
                     STORE_SCHEMA_VERSION);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM sqlite_master WHERE name IN "
                                         "('idempotency_keys', 'people_name_nocase', "
                                         "'people_birth', 'identities_last4')"),
                     4);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM people WHERE last_name = 'Row'"),
                     1);
    /* Migrating again changes nothing. */
    assert_int_equal(f->st->ops->migrate(f->st, &f->err), 0);
    assert_int_equal(query_int(db_of(f), "SELECT count(*) FROM schema_migrations"),
                     STORE_SCHEMA_VERSION);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
#define T_BARE(name) cmocka_unit_test_setup_teardown(name, setup_bare, teardown)
    const struct CMUnitTest tests[] = {
        T_BARE(test_migrate_from_empty),
        T_BARE(test_migrate_is_idempotent),
        T(test_newer_schema_is_refused),
        T_BARE(test_open_current_migrates_a_new_file),
        T_BARE(test_postgres_is_refused),
        T(test_connection_settings),
        T(test_catalog_round_trip),
        T(test_catalog_save_keeps_programs_in_use),
        T(test_person_insert_and_get),
        T(test_person_not_found),
        T(test_person_external_id),
        T(test_person_duplicates),
        T(test_identity_put),
        T(test_record_load),
        T(test_record_reads_its_indexes_alone),
        T(test_invalid_catalog_index),
        T(test_service_update),
        T(test_service_funding),
        T(test_notes_and_contacts),
        T(test_audit_log_is_append_only),
        T(test_serving_agencies),
        T(test_rollback_leaves_nothing),
        T(test_failed_op_inside_transaction_leaves_the_rest),
        T(test_foreign_key_violation_is_an_error),
        T(test_clocks_put_and_get),
        T(test_clocks_of_people),
        T(test_clocks_due),
        T(test_exit_runs_and_recorded_exits),
        T(test_people_scan_small),
        T(test_people_scan_many),
        T(test_people_scan_callback_may_use_the_store),
        T(test_people_scan_exit_state),
        T(test_malformed_rows_are_errors),
        T(test_users_and_tokens),
        T(test_backup),
        T(test_restore),
        T_BARE(test_migrate_version_1_to_2),
    };
#undef T
#undef T_BARE
    return cmocka_run_group_tests(tests, NULL, NULL);
}
