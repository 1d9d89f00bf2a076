/* test_declines.c — co-enrollment declines over a real SQLite database (RULES.md §6:
 * TAA_REQUIRES_DW, "the person may decline, with the decline recorded (no loss of TAA)"): the
 * schema's migration from version 2, the store's ops, and the use case — only a rule the rules
 * let a person decline can be declined, every bad field is named, a failed call writes nothing,
 * the decline is audited, and it satisfies the rule in the person's alerts. */
#include "testutil.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/alerts_app.h"
#include "app/app.h"
#include "app/declines.h"
#include "app/users.h"
#include "store/migrations.h"
#include "store/sqlite.h"

#define TODAY "2026-11-23"

struct fixture {
    char dir[64];
    char db[128];
    struct app app;
    int64_t agency, partner_agency;
    struct actor cm, partner;
    int64_t person; /* a TAA participant eligible for DW (a plant closure), not enrolled in it */
    struct br_error err;
};

static long long
query(sqlite3 *db, const char *fmt, ...)
{
    char sql[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    sqlite3_stmt *stmt = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("cannot run %s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

static void
remove_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- the schema: version 2 to the current one ------------------------------------------------ */

/* A database made by a braid of schema version 2, with an agency, a user, a person, a service by
 * that user and a recorded exit, is migrated: its rows are kept (the exit with no reason), the
 * declines table, the staff indexes and the agencies serving each person appear and work, and
 * the record is read from the indexes by person rebuilt. */
static void
test_migrate_from_version_2(void **state)
{
    char dir[64], path[128];
    struct store *st = NULL;
    struct br_error err;
    size_t n = 0;
    const struct migration *list = migrations_list(&n);
    int version = -1;

    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/braid-declines-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/v2.db", dir);
    br_error_clear(&err);
    assert_int_equal(store_open(path, &st, &err), 0);
    sqlite3 *db = store_sqlite_handle(st);
    assert_true(n >= 4);
    exec_ok(db, migrations_bootstrap_sql);
    exec_ok(db, list[0].sql);
    exec_ok(db, list[1].sql);
    exec_ok(db, "INSERT INTO schema_migrations (version) VALUES (1), (2);"
                "INSERT INTO programs (code, title, agency, kind, common_exit, job_center, "
                "position) VALUES ('ADULT', 'Adult', 'DOL', 'title_i', 1, 1, 0);"
                "INSERT INTO service_codes (code, title, category, triggers_participation, "
                "prevents_exit, position) VALUES ('CASE_MANAGEMENT', 'Case management', "
                "'individualized', 1, 1, 0);"
                "INSERT INTO agencies (id, code, name) VALUES (7, 'AJC', 'AJC');"
                "INSERT INTO users (id, email, name, role, agency_id, password_hash) "
                "VALUES (5, 'cm@ajc.gov', 'CM', 'case_manager', 7, 'x');"
                "INSERT INTO people (id, first_name, last_name) VALUES (3, 'Old', 'Row');"
                "INSERT INTO services (person_id, program, code, start_date, end_date, "
                "staff_id) VALUES (3, 'ADULT', 'CASE_MANAGEMENT', '2026-01-05', '2026-01-10', "
                "5);"
                "INSERT INTO exits (person_id, program, period, entry_date, exit_date, "
                "determined_on) VALUES (3, 'ADULT', 1, '2026-01-05', '2026-01-10', "
                "'2026-04-11');");
    assert_int_equal(st->ops->schema_version(st, &version, &err), 0);
    assert_int_equal(version, 2);

    assert_int_equal(st->ops->migrate(st, &err), 0);
    assert_int_equal(st->ops->schema_version(st, &version, &err), 0);
    assert_int_equal(version, STORE_SCHEMA_VERSION);
    assert_int_equal(query(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
                               "('coenrollment_declines', 'services_staff', "
                               "'enrollments_decided_by', 'contacts_staff')"),
                     4);
    /* The old exit is kept, without a reason (the nightly run's kind). */
    struct recorded_exit exits[4];
    assert_int_equal(st->ops->exits_get(st, 3, exits, 4, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(exits[0].exit_on, D("2026-01-10"));
    assert_string_equal(exits[0].reason, "");
    /* The old service is read from the index migration 7 rebuilt (test_store
     * test_record_reads_its_indexes_alone: the record is read from it alone). */
    struct catalog catalog;
    struct policy policy;
    struct person_record record;
    assert_int_equal(st->ops->catalog_load(st, &catalog, &policy, &err), 0);
    person_record_init(&record);
    assert_int_equal(st->ops->record_load(st, &catalog, 3, &record, &err), 0);
    assert_int_equal(record.n_services, 1);
    assert_int_equal(record.services[0].program, catalog_program_index(&catalog, "ADULT"));
    assert_int_equal(record.services[0].start_on, D("2026-01-05"));
    assert_int_equal(record.services[0].end_on, D("2026-01-10"));
    assert_int_equal(record.services[0].version, 1);
    person_record_cleanup(&record);
    catalog_cleanup(&catalog);
    /* The staff index finds the person by the old service's staff. */
    int64_t *ids = NULL;
    size_t n_ids = 0, cap = 0;
    assert_int_equal(st->ops->staff_people(st, 5, &ids, &n_ids, &cap, &err), 0);
    assert_int_equal(n_ids, 1);
    assert_int_equal(ids[0], 3);
    assert_int_equal(st->ops->staff_people(st, 6, &ids, &n_ids, &cap, &err), 0);
    assert_int_equal(n_ids, 0);
    /* The old service's agency serves the person (serving_agencies, filled by migration 6). */
    bool serves = false;
    assert_int_equal(st->ops->person_served_by(st, 3, 7, &serves, &err), 0);
    assert_true(serves);
    assert_int_equal(st->ops->person_served_by(st, 3, 8, &serves, &err), 0);
    assert_false(serves);
    assert_int_equal(st->ops->agency_people(st, 7, &ids, &n_ids, &cap, &err), 0);
    assert_int_equal(n_ids, 1);
    assert_int_equal(ids[0], 3);
    free(ids);
    /* Declines: one per person and rule. */
    struct coenroll_decline d = {.person_id = 3, .declined_on = D("2026-02-01"), .recorded_by = 5};
    snprintf(d.rule, sizeof(d.rule), "TAA_REQUIRES_DW");
    assert_int_equal(st->ops->decline_insert(st, &d, &err), 0);
    assert_true(d.id > 0);
    struct coenroll_decline again = d;
    assert_int_equal(st->ops->decline_insert(st, &again, &err), BR_ECONFLICT);
    struct coenroll_decline *got = NULL;
    size_t n_got = 0, cap_got = 0;
    assert_int_equal(st->ops->declines_load(st, 3, &got, &n_got, &cap_got, &err), 0);
    assert_int_equal(n_got, 1);
    assert_int_equal(got[0].id, d.id);
    assert_int_equal(got[0].person_id, 3);
    assert_string_equal(got[0].rule, "TAA_REQUIRES_DW");
    assert_int_equal(got[0].declined_on, D("2026-02-01"));
    assert_string_equal(got[0].note, "");
    assert_int_equal(got[0].recorded_by, 5);
    free(got);
    /* Migrating again changes nothing. */
    assert_int_equal(st->ops->migrate(st, &err), 0);
    assert_int_equal(query(db, "SELECT count(*) FROM schema_migrations"), STORE_SCHEMA_VERSION);
    st->ops->close(st);
    remove_dir(dir);
}

/* ---- the use case ---------------------------------------------------------------------------- */

static struct actor
add_user(struct fixture *f, const char *email, const char *role, const char *agency,
         int64_t agency_id)
{
    struct user u = {0};
    snprintf(u.email, sizeof(u.email), "%s", email);
    snprintf(u.name, sizeof(u.name), "%s", email);
    snprintf(u.role, sizeof(u.role), "%s", role);
    snprintf(u.agency, sizeof(u.agency), "%s", agency);
    snprintf(u.password_hash, sizeof(u.password_hash), "not-a-real-hash");
    u.active = true;
    br_error_clear(&f->err);
    assert_int_equal(f->app.store->ops->user_insert(f->app.store, &u, &f->err), 0);
    return (struct actor){.user_id = u.id, .agency_id = agency_id, .role = role};
}

static void
enroll(struct fixture *f, const char *program, const char *on)
{
    struct enrollment e = {.program = catalog_program_index(&f->app.catalog, program),
                           .eligibility_on = D(on)};
    br_error_clear(&f->err);
    assert_int_equal(app_determine_eligibility(&f->app, &f->cm, f->person, &e, "{}", &f->err), 0);
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/braid-declines-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/braid.db", f->dir);
    setenv("BRAID_TODAY", TODAY, 1);
    br_error_clear(&f->err);
    assert_int_equal(app_init_database(f->db, "data/catalog.json", &f->err), 0);
    assert_int_equal(app_open(&f->app, f->db, &f->err), 0);
    assert_int_equal(app_agency_add(&f->app, &app_system_actor, "AJC", "AJC", &f->agency, &f->err),
                     0);
    assert_int_equal(app_agency_add(&f->app, &app_system_actor, "ADULT_ED", "Adult ed",
                                    &f->partner_agency, &f->err),
                     0);
    f->cm = add_user(f, "cm@ajc.gov", "case_manager", "AJC", f->agency);
    f->partner = add_user(f, "staff@adulted.org", "partner_staff", "ADULT_ED", f->partner_agency);

    struct stored_person p = {0};
    int64_t dups[2];
    size_t n_dups = 0;
    snprintf(p.facts.first_name, sizeof(p.facts.first_name), "Tara");
    snprintf(p.facts.last_name, sizeof(p.facts.last_name), "Trade");
    p.facts.birth_on = D("1975-07-07");
    p.facts.dw_category = DW_PLANT_CLOSURE;
    assert_int_equal(app_register_person(&f->app, &f->cm, &p, NULL, dups, 2, &n_dups, &f->err), 0);
    f->person = p.id;
    enroll(f, "WP", "2026-10-01");
    enroll(f, "TAA", "2026-10-01");
    struct service s = {.program = catalog_program_index(&f->app.catalog, "TAA"),
                        .code = catalog_service_index(&f->app.catalog, "CASE_MANAGEMENT"),
                        .start_on = D("2026-10-05"),
                        .end_on = D("2026-10-05"),
                        .projected_end_on = DATE_NONE};
    struct service_detail detail = {.staff_id = f->cm.user_id};
    assert_int_equal(app_record_service(&f->app, &f->cm, f->person, &s, &detail, "Met.", &f->err),
                     0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    app_close(&f->app);
    remove_dir(f->dir);
    free(f);
    return 0;
}

/* On the app's own connection, where the log of reads is attached as "reads". */
static long long
count(struct fixture *f, const char *sql)
{
    reads_flushed(f->app.store);
    return query(store_sqlite_handle(f->app.store), "%s", sql);
}

/* Every audit entry: of changes (audit_log) and of reads (the log of reads). */
#define ALL_ENTRIES                                                                                \
    "SELECT (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM reads.read_log)"

/* The rule ids of the person's COENROLLMENT_MISSING alerts, comma-joined. */
static void
missing_rules(struct fixture *f, char *out, size_t size)
{
    struct alert_list alerts;
    unsigned withheld = 0;
    alert_list_init(&alerts);
    br_error_clear(&f->err);
    assert_int_equal(
        app_person_alerts(&f->app, &f->cm, f->person, D(TODAY), &alerts, &withheld, &f->err), 0);
    out[0] = '\0';
    for (size_t i = 0; i < alerts.n; i++) {
        if (alerts.items[i].kind != ALERT_COENROLLMENT_MISSING)
            continue;
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s", used > 0 ? "," : "", alerts.items[i].rule);
    }
    alert_list_cleanup(&alerts);
}

static bool
has_field(const struct br_error *err, const char *field)
{
    for (size_t i = 0; i < err->n_fields; i++)
        if (strcmp(err->fields[i].field, field) == 0)
            return true;
    return false;
}

static void
test_decline_satisfies_the_rule(void **state)
{
    struct fixture *f = *state;
    struct coenroll_decline d;
    struct decline_input in = {.rule = "TAA_REQUIRES_DW",
                               .declined_on = "2026-11-20",
                               .note = "Wants to keep the TAA training only."};
    char rules[256];

    missing_rules(f, rules, sizeof(rules));
    assert_string_equal(rules, "TAA_REQUIRES_DW");

    br_error_clear(&f->err);
    assert_int_equal(app_record_decline(&f->app, &f->cm, f->person, &in, &d, &f->err), 0);
    assert_true(d.id > 0);
    assert_string_equal(d.rule, "TAA_REQUIRES_DW");
    assert_int_equal(d.declined_on, D("2026-11-20"));
    assert_int_equal(d.recorded_by, f->cm.user_id);
    missing_rules(f, rules, sizeof(rules));
    assert_string_equal(rules, ""); /* no loss of TAA: the person stays enrolled in it */
    assert_int_equal(count(f, "SELECT count(*) FROM enrollments e JOIN programs p ON p.code = "
                              "e.program WHERE p.code = 'TAA'"),
                     1);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = "
                              "'coenrollment.decline' AND entity = 'coenrollment_decline'"),
                     1);

    struct decline_list list = {0};
    assert_int_equal(app_list_declines(&f->app, &f->cm, f->person, &list, &f->err), 0);
    assert_int_equal(list.n, 1);
    assert_string_equal(list.items[0].note, "Wants to keep the TAA training only.");
    free(list.items);

    /* A second decline of the same rule is a conflict, and writes nothing. */
    long long before = count(f, ALL_ENTRIES);
    br_error_clear(&f->err);
    assert_int_equal(app_record_decline(&f->app, &f->cm, f->person, &in, &d, &f->err),
                     BR_ECONFLICT);
    assert_non_null(strstr(f->err.message, "2026-11-20"));
    assert_int_equal(count(f, ALL_ENTRIES), before);
    assert_int_equal(count(f, "SELECT count(*) FROM coenrollment_declines"), 1);
}

/* Only a rule RULES.md §6 lets the person decline; every bad field named; nothing written. */
static void
test_bad_declines_are_refused(void **state)
{
    struct fixture *f = *state;
    struct coenroll_decline d;
    long long before = count(f, "SELECT count(*) FROM audit_log");
    long long reads = count(f, "SELECT count(*) FROM reads.read_log");

    struct decline_input required = {.rule = "WP_FOR_STAFF_ASSISTED"};
    br_error_clear(&f->err);
    assert_int_equal(app_record_decline(&f->app, &f->cm, f->person, &required, &d, &f->err),
                     BR_EINVAL);
    assert_true(has_field(&f->err, "rule"));
    assert_non_null(strstr(f->err.fields[0].problem, "cannot be declined"));
    assert_non_null(strstr(f->err.fields[0].problem, "TAA_REQUIRES_DW"));

    struct decline_input ndwg = {.rule = "NDWG_REQUIRES_DW"};
    br_error_clear(&f->err);
    assert_int_equal(app_record_decline(&f->app, &f->cm, f->person, &ndwg, &d, &f->err), BR_EINVAL);
    assert_true(has_field(&f->err, "rule"));

    char long_note[STORE_NOTE_SIZE + 8];
    memset(long_note, 'x', sizeof(long_note) - 1);
    long_note[sizeof(long_note) - 1] = '\0';
    struct decline_input bad = {
        .rule = "NO_SUCH_RULE", .declined_on = "2026-11-24", .note = long_note};
    br_error_clear(&f->err);
    assert_int_equal(app_record_decline(&f->app, &f->cm, f->person, &bad, &d, &f->err), BR_EINVAL);
    assert_true(has_field(&f->err, "rule"));
    assert_true(has_field(&f->err, "declined_on")); /* after today */
    assert_true(has_field(&f->err, "note"));

    struct decline_input none = {.declined_on = "2026-02-30"};
    br_error_clear(&f->err);
    assert_int_equal(app_record_decline(&f->app, &f->cm, f->person, &none, &d, &f->err), BR_EINVAL);
    assert_true(has_field(&f->err, "rule"));
    assert_true(has_field(&f->err, "declined_on"));

    struct decline_input good = {.rule = "TAA_REQUIRES_DW"};
    br_error_clear(&f->err);
    assert_int_equal(app_record_decline(&f->app, &f->cm, 999999, &good, &d, &f->err), BR_ENOTFOUND);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), before);
    assert_int_equal(count(f, "SELECT count(*) FROM reads.read_log"), reads);

    /* Partner staff with no consent may not change the case file: refused, and that is all
     * that is written (the refusal, on the audit log). */
    br_error_clear(&f->err);
    assert_int_equal(app_record_decline(&f->app, &f->partner, f->person, &good, &d, &f->err),
                     BR_EFORBIDDEN);
    assert_int_equal(count(f, "SELECT count(*) FROM coenrollment_declines"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), before + 1);
    assert_int_equal(count(f, "SELECT count(*) FROM reads.read_log"), reads);
    /* Nor may they read the declines: a read's refusal, in the log of reads. */
    struct decline_list list = {0};
    br_error_clear(&f->err);
    assert_int_equal(app_list_declines(&f->app, &f->partner, f->person, &list, &f->err),
                     BR_EFORBIDDEN);
    assert_int_equal(list.n, 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), before + 1);
    assert_int_equal(count(f, "SELECT count(*) FROM reads.read_log"), reads + 1);
    assert_int_equal(count(f, "SELECT count(*) FROM reads.read_log WHERE id = (SELECT max(id) "
                              "FROM reads.read_log) AND action IN ('access.refuse', "
                              "'disclosure.refuse')"),
                     1);
    free(list.items);

    /* Without a date, the decline is today's. */
    br_error_clear(&f->err);
    assert_int_equal(app_record_decline(&f->app, &f->cm, f->person, &good, &d, &f->err), 0);
    assert_int_equal(d.declined_on, D(TODAY));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_from_version_2),
        T(test_decline_satisfies_the_rule),
        T(test_bad_declines_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
