/* test_app.c — the use cases over a real SQLite database: every change is validated against the
 * whole record, audited, and keeps the stored exit clock current; the nightly run records soft
 * exits once, late services reopen them, and --verify finds a tampered clock. */
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/exit_run.h"
#include "app/users.h"
#include "store/sqlite_writer.h"

struct fixture {
    char dir[64];
    char db[128];
    struct app app;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct br_error err;
    br_error_clear(&err);
    snprintf(f->dir, sizeof(f->dir), "/tmp/braid-app-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/braid.db", f->dir);
    setenv("BRAID_TODAY", "2026-03-01", 1);
    assert_int_equal(app_init_database(f->db, "data/catalog.json", &err), 0);
    assert_int_equal(app_open(&f->app, f->db, &err), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char path[256];
    app_close(&f->app);
    const char *suffixes[] = {"", "-wal", "-shm", ".key", "-reads", "-reads-wal", "-reads-shm"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", f->db, suffixes[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static int64_t
register_person(struct fixture *f, const char *first, const char *last, const char *ssn)
{
    struct stored_person p = {0};
    struct br_error err;
    int64_t dups[4];
    size_t n_dups = 0;
    br_error_clear(&err);
    snprintf(p.facts.first_name, sizeof(p.facts.first_name), "%s", first);
    snprintf(p.facts.last_name, sizeof(p.facts.last_name), "%s", last);
    p.facts.birth_on = D("1990-05-17");
    assert_int_equal(app_register_person(&f->app, &app_system_actor, &p, ssn, dups, 4, &n_dups,
                                         &err),
                     0);
    return p.id;
}

static void
enroll(struct fixture *f, int64_t person, const char *program, const char *on)
{
    struct br_error err;
    br_error_clear(&err);
    struct enrollment e = {.program = catalog_program_index(&f->app.catalog, program),
                           .eligibility_on = D(on)};
    assert_int_equal(app_determine_eligibility(&f->app, &app_system_actor, person, &e, "{}", &err),
                     0);
}

static int
serve(struct fixture *f, int64_t person, const char *program, const char *code, const char *start,
      const char *end, struct br_error *err)
{
    struct service s = {
        .program = catalog_program_index(&f->app.catalog, program),
        .code = catalog_service_index(&f->app.catalog, code),
        .start_on = D(start),
        .end_on = end ? D(end) : DATE_NONE,
        .projected_end_on = DATE_NONE,
    };
    struct service_detail detail = {0};
    br_error_clear(err);
    return app_record_service(&f->app, &app_system_actor, person, &s, &detail, "Met in person.",
                              err);
}

static void
test_register_audits_and_warns_of_duplicates(void **state)
{
    struct fixture *f = *state;
    struct stored_person p = {0};
    struct br_error err;
    int64_t dups[4];
    size_t n_dups = 0;

    int64_t first = register_person(f, "Ana", "Reyes", "123-45-6789");
    assert_true(first > 0);
    assert_int_equal(file_count_with_reads(
                         f->db, "SELECT count(*) FROM audit_log WHERE action = 'person.register'"),
                     1);

    /* Same SSN, different name: registered, with the first person named as a likely duplicate. */
    br_error_clear(&err);
    snprintf(p.facts.first_name, sizeof(p.facts.first_name), "Anna");
    snprintf(p.facts.last_name, sizeof(p.facts.last_name), "Reyes-Diaz");
    assert_int_equal(app_register_person(&f->app, &app_system_actor, &p, "123456789", dups, 4,
                                         &n_dups, &err),
                     0);
    assert_int_equal(n_dups, 1);
    assert_int_equal(dups[0], first);
    assert_string_equal(p.facts.ssn_last4, "6789");
    /* The SSN is never stored in clear. */
    assert_int_equal(
        file_count_with_reads(f->db,
                              "SELECT count(*) FROM identities WHERE CAST(ssn_sealed AS TEXT) "
                              "LIKE '%123456789%' OR hex(ssn_sealed) LIKE '%313233343536373839%'"),
        0);
}

static void
test_register_rejects_bad_input_and_writes_nothing(void **state)
{
    struct fixture *f = *state;
    struct stored_person p = {0};
    struct br_error err;
    int64_t dups[1];
    size_t n_dups;
    br_error_clear(&err);
    snprintf(p.facts.last_name, sizeof(p.facts.last_name), "Nobody");
    assert_int_equal(app_register_person(&f->app, &app_system_actor, &p, "000-12-3456", dups, 1,
                                         &n_dups, &err),
                     BR_EINVAL);
    assert_int_equal(err.n_fields, 2);
    assert_string_equal(err.fields[0].field, "first_name");
    assert_string_equal(err.fields[1].field, "ssn");
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM people"), 0);
    assert_int_equal(file_count_with_reads(f->db, "SELECT (SELECT count(*) FROM audit_log) + "
                                                  "(SELECT count(*) FROM reads.read_log)"),
                     0);
}

static void
test_service_rules_are_enforced_and_nothing_written(void **state)
{
    struct fixture *f = *state;
    struct br_error err;
    int64_t person = register_person(f, "Lee", "Park", NULL);
    enroll(f, person, "ADULT", "2026-01-10");

    /* RULES.md §3: a triggering service before eligibility is refused with the reason. */
    assert_int_equal(serve(f, person, "ADULT", "CASE_MANAGEMENT", "2026-01-05", "2026-01-05",
                           &err),
                     BR_EINVAL);
    assert_int_equal(err.n_fields, 1);
    assert_string_equal(err.fields[0].field, "start_date");
    assert_non_null(strstr(err.fields[0].problem, "eligibility"));

    /* YOUTH: nothing but the objective assessment first (seed 004). */
    enroll(f, person, "YOUTH", "2026-01-10");
    assert_int_equal(serve(f, person, "YOUTH", "TUTORING", "2026-01-12", "2026-01-12", &err),
                     BR_EINVAL);
    assert_string_equal(err.fields[0].field, "code");
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM services"), 0);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM case_notes"), 0);
    assert_int_equal(file_count_with_reads(
                         f->db, "SELECT count(*) FROM audit_log WHERE action = 'service.record'"),
                     0);

    assert_int_equal(serve(f, person, "YOUTH", "OBJECTIVE_ASSESSMENT", "2026-01-12", "2026-01-12",
                           &err),
                     0);
    assert_int_equal(serve(f, person, "YOUTH", "TUTORING", "2026-01-13", "2026-01-20", &err), 0);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM services"), 2);
    assert_int_equal(file_count_with_reads(
                         f->db, "SELECT count(*) FROM case_notes WHERE service_id IS NOT NULL"),
                     2);
    assert_int_equal(file_count_with_reads(
                         f->db, "SELECT count(*) FROM audit_log WHERE action = 'service.record'"),
                     2);
}

static void
test_every_change_keeps_the_clock_current(void **state)
{
    struct fixture *f = *state;
    struct br_error err;
    struct stored_clock clocks[8];
    size_t n = 0;
    int64_t person = register_person(f, "Sam", "Ortiz", NULL);
    enroll(f, person, "ADULT", "2026-01-02");
    enroll(f, person, "WP", "2026-01-02");
    assert_int_equal(serve(f, person, "ADULT", "CASE_MANAGEMENT", "2026-01-05", "2026-01-10",
                           &err),
                     0);
    br_error_clear(&err);
    assert_int_equal(f->app.store->ops->clocks_get(f->app.store, person, clocks, 8, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(clocks[0].group_key, EXIT_GROUP_COMMON);
    assert_int_equal(clocks[0].status, EXIT_STATUS_ACTIVE);
    assert_int_equal(clocks[0].last_service_on, D("2026-01-10"));
    assert_int_equal(clocks[0].soft_exit_on, D("2026-04-11"));
    assert_int_equal(clocks[0].review_on, D("2026-04-11"));

    /* A WP service later moves the common clock (RULES.md §4: any common-exit program). */
    assert_int_equal(serve(f, person, "WP", "STAFF_JOB_SEARCH", "2026-02-20", "2026-02-20", &err),
                     0);
    assert_int_equal(f->app.store->ops->clocks_get(f->app.store, person, clocks, 8, &n, &err), 0);
    assert_int_equal(clocks[0].last_service_on, D("2026-02-20"));
    assert_int_equal(clocks[0].soft_exit_on, D("2026-05-22"));
}

static void
test_planned_gap_is_validated_and_holds_the_clock(void **state)
{
    struct fixture *f = *state;
    struct br_error err;
    struct stored_clock clocks[8];
    size_t n = 0;
    int64_t person = register_person(f, "Rosa", "Diaz", NULL);
    enroll(f, person, "ADULT", "2026-01-02");
    assert_int_equal(serve(f, person, "ADULT", "CASE_MANAGEMENT", "2026-01-05", "2026-01-10",
                           &err),
                     0);
    int adult = catalog_program_index(&f->app.catalog, "ADULT");

    /* RULES.md §5: 90 days is too short; the error names the gap's own field. */
    struct planned_gap short_gap = {.program = adult, .reason = GAP_HEALTH_MEDICAL,
                                    .start_on = D("2026-02-01"), .planned_end_on = D("2026-05-02")};
    br_error_clear(&err);
    assert_int_equal(app_record_gap(&f->app, &app_system_actor, person, &short_gap, "resume OJT",
                                    "Surgery scheduled.", &err),
                     BR_EINVAL);
    assert_int_equal(err.n_fields, 1);
    assert_string_equal(err.fields[0].field, "planned_end_date");
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM planned_gaps"), 0);

    struct planned_gap gap = {.program = adult, .reason = GAP_HEALTH_MEDICAL,
                              .start_on = D("2026-02-01"), .planned_end_on = D("2026-06-30")};
    br_error_clear(&err);
    assert_int_equal(app_record_gap(&f->app, &app_system_actor, person, &gap, "resume OJT",
                                    "Surgery scheduled.", &err),
                     0);
    assert_int_equal(
        file_count_with_reads(f->db, "SELECT count(*) FROM case_notes WHERE service_id IS NULL"),
        1);
    assert_int_equal(
        file_count_with_reads(f->db, "SELECT count(*) FROM audit_log WHERE action = 'gap.record'"),
        1);
    assert_int_equal(f->app.store->ops->clocks_get(f->app.store, person, clocks, 8, &n, &err), 0);
    assert_int_equal(clocks[0].held_by, EXIT_HOLD_PLANNED_GAP);
    assert_int_equal(clocks[0].soft_exit_on, D("2026-07-01"));

    /* A second gap overlapping the first is refused. */
    struct planned_gap overlap = {.program = adult, .reason = GAP_FAMILY_CARE,
                                  .start_on = D("2026-06-01"), .planned_end_on = D("2026-10-01")};
    br_error_clear(&err);
    assert_int_equal(app_record_gap(&f->app, &app_system_actor, person, &overlap, NULL, NULL,
                                    &err),
                     BR_EINVAL);
    assert_string_equal(err.fields[0].field, "start_date");
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM planned_gaps"), 1);
}

static void
test_nightly_run_records_once_and_late_service_reopens(void **state)
{
    struct fixture *f = *state;
    struct br_error err;
    struct exit_run_report report;
    int64_t person = register_person(f, "Kim", "Nguyen", NULL);
    int64_t other = register_person(f, "Joe", "Adams", NULL);
    enroll(f, person, "ADULT", "2026-01-02");
    enroll(f, person, "DW", "2026-01-02");
    enroll(f, other, "ADULT", "2026-01-02");
    assert_int_equal(serve(f, person, "ADULT", "CASE_MANAGEMENT", "2026-01-05", "2026-01-10",
                           &err),
                     0);
    assert_int_equal(serve(f, person, "DW", "OCCUPATIONAL_TRAINING", "2026-01-08", "2026-01-09",
                           &err),
                     0);
    assert_int_equal(serve(f, other, "ADULT", "CASE_MANAGEMENT", "2026-02-25", "2026-02-25", &err),
                     0);

    /* Day 90: nobody is due yet. */
    br_error_clear(&err);
    assert_int_equal(app_exits_apply(&f->app, D("2026-04-10"), 1, &report, NULL, NULL, &err), 0);
    assert_int_equal(report.examined, 0);
    assert_int_equal(report.recorded, 0);

    /* Day 91: both programs exit on one date, retroactive to the last qualifying service.  The
     * run's commits (its start, the batch, its end) are made durable by one sync of the WAL. */
    struct sqlite_writer *w = NULL;
    char wal[160];
    snprintf(wal, sizeof(wal), "%s-wal", f->db);
    assert_int_equal(sqlite_writer_attach(f->db, wal, &w, &err), 0);
    uint64_t commits = sqlite_writer_last_commit(w), syncs = sqlite_writer_syncs(w);
    assert_int_equal(app_exits_apply(&f->app, D("2026-04-11"), 1, &report, NULL, NULL, &err), 0);
    assert_int_equal(report.examined, 1);
    assert_int_equal(report.recorded, 2);
    assert_int_equal(sqlite_writer_last_commit(w), commits + 3);
    assert_true(sqlite_writer_durable(w, commits + 3));
    assert_int_equal(sqlite_writer_syncs(w), syncs + 1);
    sqlite_writer_detach(w);
    assert_int_equal(file_count_with_reads(
                         f->db, "SELECT count(*) FROM exits WHERE exit_date = '2026-01-10' AND "
                                "determined_on = '2026-04-11'"),
                     2);

    /* Idempotent: a second run records nothing new and examines nobody. */
    assert_int_equal(app_exits_apply(&f->app, D("2026-04-11"), 1, &report, NULL, NULL, &err), 0);
    assert_int_equal(report.examined, 0);
    assert_int_equal(report.recorded, 0);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM exits"), 2);
    assert_int_equal(file_count_with_reads(
                         f->db, "SELECT count(*) FROM exit_runs WHERE finished_at IS NOT NULL"),
                     3);

    /* A late-entered service dated day 90 (2026-04-10) reopens the exit: the same period goes on. */
    setenv("BRAID_TODAY", "2026-04-13", 1);
    assert_int_equal(app_today(&f->app.today, &err), 0);
    assert_int_equal(serve(f, person, "ADULT", "CAREER_COUNSELING", "2026-04-10", "2026-04-10",
                           &err),
                     0);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM exits"), 0);
    assert_int_equal(
        file_count_with_reads(f->db, "SELECT count(*) FROM audit_log WHERE action = 'exit.reopen'"),
        2);
    struct exit_result result;
    exit_result_init(&result);
    assert_int_equal(app_person_exits(&f->app, person, D("2026-04-13"), &result, &err), 0);
    assert_int_equal(result.n_periods, 2);
    assert_int_equal(result.periods[0].period, 1);
    assert_int_equal(result.periods[0].status, EXIT_STATUS_ACTIVE);
    assert_int_equal(result.periods[0].last_service_on, D("2026-04-10"));
    exit_result_cleanup(&result);
}

static void
test_verify_finds_a_tampered_clock(void **state)
{
    struct fixture *f = *state;
    struct br_error err;
    struct exit_run_report report;
    int64_t person = register_person(f, "Ada", "Lowe", NULL);
    enroll(f, person, "AEL", "2026-01-02");
    enroll(f, person, "WP", "2026-01-02");
    assert_int_equal(serve(f, person, "AEL", "ADULT_EDUCATION", "2026-01-05", "2026-02-10", &err),
                     0);
    assert_int_equal(serve(f, person, "WP", "STAFF_JOB_SEARCH", "2026-01-06", "2026-01-06", &err),
                     0);
    br_error_clear(&err);
    assert_int_equal(app_exits_verify(&f->app, 1, &report, NULL, NULL, NULL, NULL, &err), 0);
    assert_int_equal(report.examined, 1);
    assert_int_equal(report.mismatched, 0);

    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    exec_ok(db, "UPDATE exit_clocks SET soft_exit_date = '2026-12-31' "
                "WHERE group_key = 'AEL'");
    sqlite3_close(db);
    assert_int_equal(app_exits_verify(&f->app, 1, &report, NULL, NULL, NULL, NULL, &err), 0);
    assert_int_equal(report.mismatched, 1);
}

static void
test_users_and_tokens(void **state)
{
    struct fixture *f = *state;
    struct br_error err;
    struct user user = {0};
    char token[CRYPTO_TOKEN_SIZE];

    br_error_clear(&err);
    int64_t agency = 0;
    assert_int_equal(app_agency_add(&f->app, &app_system_actor, "AJC_NORTH", "North AJC", &agency,
                                    &err),
                     0);
    assert_int_equal(app_agency_add(&f->app, &app_system_actor, "AJC_NORTH", "Again", &agency,
                                    &err),
                     BR_ECONFLICT);
    br_error_clear(&err);
    assert_int_equal(app_agency_add(&f->app, &app_system_actor, "north ajc", "", &agency, &err),
                     BR_EINVAL);
    assert_int_equal(err.n_fields, 2);
    br_error_clear(&err);
    snprintf(user.email, sizeof(user.email), "cm@example.org");
    snprintf(user.name, sizeof(user.name), "Case Manager");
    snprintf(user.role, sizeof(user.role), "case_manager");
    snprintf(user.agency, sizeof(user.agency), "AJC_NORTH");
    assert_int_equal(app_user_add(&f->app, &app_system_actor, &user, "correct horse battery",
                                  &err),
                     0);
    assert_int_equal(app_user_add(&f->app, &app_system_actor, &user, "correct horse battery",
                                  &err),
                     BR_ECONFLICT);

    /* An agency that does not exist is named as the bad field. */
    struct user stray = user;
    br_error_clear(&err);
    snprintf(stray.email, sizeof(stray.email), "other@example.org");
    snprintf(stray.agency, sizeof(stray.agency), "NOWHERE");
    assert_int_equal(app_user_add(&f->app, &app_system_actor, &stray, "correct horse battery",
                                  &err),
                     BR_EINVAL);
    assert_string_equal(err.fields[0].field, "agency");

    struct user bad = {0};
    br_error_clear(&err);
    snprintf(bad.email, sizeof(bad.email), "not-an-email");
    snprintf(bad.role, sizeof(bad.role), "wizard");
    assert_int_equal(app_user_add(&f->app, &app_system_actor, &bad, "short", &err), BR_EINVAL);
    assert_true(err.n_fields >= 4);
    assert_string_equal(err.fields[0].field, "email");

    br_error_clear(&err);
    assert_int_equal(app_token_create(&f->app, &app_system_actor, "cm@example.org", "ci", token,
                                      &err),
                     0);
    assert_int_equal(strncmp(token, "brd_", 4), 0);
    uint8_t hash[CRYPTO_HASH_SIZE];
    int64_t who = 0;
    crypto_token_hash(&f->app.keys, token, hash);
    assert_int_equal(f->app.store->ops->token_user(f->app.store, hash, &who, &err), 0);
    assert_int_equal(who, user.id);
    assert_int_equal(app_token_create(&f->app, &app_system_actor, "nobody@example.org", "", token,
                                      &err),
                     BR_ENOTFOUND);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_audits_and_warns_of_duplicates, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_register_rejects_bad_input_and_writes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_service_rules_are_enforced_and_nothing_written, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_every_change_keeps_the_clock_current, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_planned_gap_is_validated_and_holds_the_clock, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nightly_run_records_once_and_late_service_reopens,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_finds_a_tampered_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users_and_tokens, setup, teardown),
    };
    return cmocka_run_group_tests_name("app", tests, NULL, NULL);
}
