/* test_exit_manual.c — manual exits as every reader of the exit clock sees them, and the IEP/ISS
 * closed at exit, over a real SQLite database (RULES.md §4 "Manual exit", "At exit the person's
 * IEP/ISS is closed", §9).
 *
 * From the day staff exit a group by hand, the stored clock, the determination (GET .../exit),
 * the alerts, the nightly run and --verify all agree that it exited on L with the reason given —
 * until a qualifying service dated before the soft-exit day reopens it, while one on or after
 * that day starts a new period and leaves it standing.  At a recorded exit of the common-exit
 * group, by hand or by the nightly run, the open plan closes with its goals decided. */
#include "testutil.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/alerts_app.h"
#include "app/app.h"
#include "app/exit_run.h"
#include "app/manual_exit.h"
#include "app/records.h"
#include "app/users.h"
#include "store/sqlite.h"

#define TODAY "2026-11-23"

struct fixture {
    char dir[64];
    char db[128];
    struct app app;
    int64_t agency;
    struct actor cm;
    int64_t person, adult; /* ADULT and WP, served 2026-09-10 to 09-20: L = 2026-09-20 */
    struct br_error err;
};

static struct actor
add_user(struct fixture *f, const char *email, const char *role)
{
    struct user u = {0};
    snprintf(u.email, sizeof(u.email), "%s", email);
    snprintf(u.name, sizeof(u.name), "%s", email);
    snprintf(u.role, sizeof(u.role), "%s", role);
    snprintf(u.agency, sizeof(u.agency), "AJC");
    snprintf(u.password_hash, sizeof(u.password_hash), "not-a-real-hash");
    u.active = true;
    br_error_clear(&f->err);
    assert_int_equal(f->app.store->ops->user_insert(f->app.store, &u, &f->err), 0);
    return (struct actor){.user_id = u.id, .agency_id = f->agency, .role = role};
}

static int64_t
register_person(struct fixture *f, const char *first, const char *last)
{
    struct stored_person p = {0};
    int64_t dups[2];
    size_t n_dups = 0;
    snprintf(p.facts.first_name, sizeof(p.facts.first_name), "%s", first);
    snprintf(p.facts.last_name, sizeof(p.facts.last_name), "%s", last);
    p.facts.birth_on = D("1985-03-03");
    br_error_clear(&f->err);
    assert_int_equal(app_register_person(&f->app, &f->cm, &p, NULL, dups, 2, &n_dups, &f->err), 0);
    return p.id;
}

static int64_t
enroll(struct fixture *f, int64_t person, const char *program, const char *on)
{
    struct enrollment e = {.program = catalog_program_index(&f->app.catalog, program),
                           .eligibility_on = D(on)};
    br_error_clear(&f->err);
    assert_int_equal(app_determine_eligibility(&f->app, &f->cm, person, &e, "{}", &f->err), 0);
    return e.id;
}

static int
serve(struct fixture *f, int64_t person, const char *program, const char *code, const char *from,
      const char *to)
{
    struct service s = {.program = catalog_program_index(&f->app.catalog, program),
                        .code = catalog_service_index(&f->app.catalog, code),
                        .start_on = D(from),
                        .end_on = to != NULL ? D(to) : DATE_NONE,
                        .projected_end_on = DATE_NONE};
    struct service_detail detail = {.staff_id = f->cm.user_id};
    br_error_clear(&f->err);
    return app_record_service(&f->app, &f->cm, person, &s, &detail, NULL, &f->err);
}

/* An IEP created on `on` with an employment and a credential goal; returns the plan's id. */
static int64_t
plan_with_goals(struct fixture *f, int64_t person, const char *on)
{
    struct plan_input plan_in = {.kind = "IEP", .created_on = on};
    struct goal_input job = {
        .type = "EMPLOYMENT", .description = "A warehouse job", .target_date = "2027-03-01"};
    struct goal_input cert = {
        .type = "CREDENTIAL", .description = "Forklift certificate", .target_date = "2027-01-15"};
    struct case_plan plan;
    struct goal goal;
    br_error_clear(&f->err);
    assert_int_equal(app_create_plan(&f->app, &f->cm, person, &plan_in, &plan, &f->err), 0);
    assert_int_equal(app_add_goal(&f->app, &f->cm, person, plan.id, &job, &goal, &f->err), 0);
    assert_int_equal(app_add_goal(&f->app, &f->cm, person, plan.id, &cert, &goal, &f->err), 0);
    return plan.id;
}

static long long
count(struct fixture *f, const char *fmt, ...)
{
    char sql[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    sqlite3_stmt *stmt = NULL;
    sqlite3 *db = store_sqlite_handle(f->app.store);
    long long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("cannot run %s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

/* The person's stored clock of the common-exit group. */
static struct stored_clock
common_clock(struct fixture *f, int64_t person)
{
    struct stored_clock clocks[8];
    size_t n = 0;
    br_error_clear(&f->err);
    assert_int_equal(f->app.store->ops->clocks_get(f->app.store, person, clocks, 8, &n, &f->err),
                     0);
    for (size_t i = 0; i < n; i++)
        if (clocks[i].group_key == EXIT_GROUP_COMMON)
            return clocks[i];
    fail_msg("no common-exit clock");
    return clocks[0];
}

/* The person's determination of program as of a day, as GET .../exit reads it. */
static struct exit_period
period_of(struct fixture *f, int64_t person, const char *program, const char *as_of, int period)
{
    int p = catalog_program_index(&f->app.catalog, program);
    br_error_clear(&f->err);
    assert_int_equal(app_person_exits(&f->app, person, D(as_of), &f->app.exits, &f->err), 0);
    for (size_t i = 0; i < f->app.exits.n_periods; i++)
        if (f->app.exits.periods[i].program == p && f->app.exits.periods[i].period == period)
            return f->app.exits.periods[i];
    fail_msg("no period %d of %s", period, program);
    return f->app.exits.periods[0];
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/braid-manual-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/braid.db", f->dir);
    setenv("BRAID_TODAY", TODAY, 1);
    br_error_clear(&f->err);
    assert_int_equal(app_init_database(f->db, "data/catalog.json", &f->err), 0);
    assert_int_equal(app_open(&f->app, f->db, &f->err), 0);
    assert_int_equal(app_agency_add(&f->app, &app_system_actor, "AJC", "AJC", &f->agency, &f->err),
                     0);
    f->cm = add_user(f, "cm@ajc.gov", "case_manager");
    f->person = register_person(f, "Max", "Manual");
    f->adult = enroll(f, f->person, "ADULT", "2026-09-01");
    enroll(f, f->person, "WP", "2026-09-01");
    assert_int_equal(serve(f, f->person, "WP", "STAFF_JOB_SEARCH", "2026-09-10", "2026-09-10"), 0);
    assert_int_equal(serve(f, f->person, "ADULT", "CASE_MANAGEMENT", "2026-09-10", "2026-09-20"),
                     0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    app_close(&f->app);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void
manual_exit(struct fixture *f, enum manual_exit_reason reason, struct manual_exit *done)
{
    br_error_clear(&f->err);
    assert_int_equal(app_manual_exit(&f->app, &f->cm, f->person, f->adult, reason, done, &f->err),
                     0);
}

/* ---- the clock, the determination, the alerts, the nightly run and --verify agree ---------- */

static void
test_every_reader_sees_the_manual_exit(void **state)
{
    struct fixture *f = *state;
    struct manual_exit done;
    struct exit_run_report report;
    struct alert_list alerts;
    unsigned withheld = 0;

    /* Before: active, soft exit on 2026-12-20 (L + 91), an exit countdown. */
    struct stored_clock c = common_clock(f, f->person);
    assert_int_equal(c.status, EXIT_STATUS_ACTIVE);
    assert_int_equal(c.review_on, D("2026-12-20"));
    alert_list_init(&alerts);
    assert_int_equal(
        app_person_alerts(&f->app, &f->cm, f->person, D(TODAY), &alerts, &withheld, &f->err), 0);
    bool countdown = false;
    for (size_t i = 0; i < alerts.n; i++)
        countdown = countdown || alerts.items[i].kind == ALERT_EXIT_COUNTDOWN;
    assert_true(countdown);

    manual_exit(f, MANUAL_EXIT_NO_CONTACT, &done);
    assert_int_equal(done.exit_on, D("2026-09-20"));

    /* The stored clock: exited, and nothing for the nightly run to do. */
    c = common_clock(f, f->person);
    assert_int_equal(c.status, EXIT_STATUS_EXITED);
    assert_int_equal(c.last_service_on, D("2026-09-20"));
    assert_int_equal(c.review_on, DATE_NONE);
    assert_int_equal(count(f,
                           "SELECT count(*) FROM exits WHERE person_id = %lld AND run_id IS "
                           "NULL AND reason = 'NO_CONTACT'",
                           (long long)f->person),
                     2);

    /* The determination, with the reason in the explanation. */
    struct exit_period p = period_of(f, f->person, "ADULT", TODAY, 1);
    assert_int_equal(p.status, EXIT_STATUS_EXITED);
    assert_int_equal(p.exit_on, D("2026-09-20"));
    assert_true(p.manual);
    assert_int_equal(p.manual_on, D(TODAY));
    assert_string_equal(p.manual_reason, "NO_CONTACT");
    char text[1024];
    exit_explain(&f->app.catalog, &f->app.record, &f->app.exits, &p, text, sizeof(text));
    assert_non_null(strstr(text, "by hand on " TODAY));
    assert_non_null(strstr(text, "NO_CONTACT"));
    assert_int_equal(period_of(f, f->person, "WP", TODAY, 1).status, EXIT_STATUS_EXITED);
    /* As of a day before it was made, the group was still active. */
    p = period_of(f, f->person, "ADULT", "2026-11-22", 1);
    assert_int_equal(p.status, EXIT_STATUS_ACTIVE);
    assert_false(p.manual);

    /* The alerts: no countdown for an exited group. */
    assert_int_equal(
        app_person_alerts(&f->app, &f->cm, f->person, D(TODAY), &alerts, &withheld, &f->err), 0);
    for (size_t i = 0; i < alerts.n; i++)
        assert_int_not_equal(alerts.items[i].kind, ALERT_EXIT_COUNTDOWN);
    alert_list_cleanup(&alerts);

    /* The nightly run, today and past the soft-exit day, finds nothing due and records nothing
     * more; --verify recomputes the same clock. */
    assert_int_equal(app_exits_apply(&f->app, D(TODAY), 1, &report, NULL, NULL, &f->err), 0);
    assert_int_equal(report.examined, 0);
    assert_int_equal(app_exits_apply(&f->app, D("2026-12-21"), 1, &report, NULL, NULL, &f->err), 0);
    assert_int_equal(report.recorded, 0);
    assert_int_equal(
        count(f, "SELECT count(*) FROM exits WHERE person_id = %lld", (long long)f->person), 2);
    assert_int_equal(app_exits_verify(&f->app, 1, &report, NULL, NULL, NULL, NULL, &f->err), 0);
    assert_int_equal(report.mismatched, 0);
}

/* RULES.md §4: a qualifying service dated before the soft-exit day, recorded afterwards, reopens
 * the exit (the same period continues); one on or after it starts a new period. */
static void
test_later_services(void **state)
{
    struct fixture *f = *state;
    struct manual_exit done;
    struct exit_run_report report;

    manual_exit(f, MANUAL_EXIT_NO_FURTHER_SERVICES, &done);
    /* A service that does not qualify changes nothing. */
    assert_int_equal(serve(f, f->person, "WP", "SUPPORTIVE", "2026-11-23", "2026-11-23"), 0);
    assert_int_equal(common_clock(f, f->person).status, EXIT_STATUS_EXITED);

    /* On the soft-exit day (L + 91 = 2026-12-20) or later: a new period; the exit stands. */
    f->app.today = D("2027-01-05");
    assert_int_equal(serve(f, f->person, "ADULT", "CAREER_COUNSELING", "2026-12-20", "2026-12-20"),
                     0);
    struct exit_period first = period_of(f, f->person, "ADULT", "2027-01-05", 1);
    assert_int_equal(first.status, EXIT_STATUS_EXITED);
    assert_true(first.manual);
    assert_string_equal(first.manual_reason, "NO_FURTHER_SERVICES");
    assert_int_equal(period_of(f, f->person, "ADULT", "2027-01-05", 2).status, EXIT_STATUS_ACTIVE);
    struct stored_clock c = common_clock(f, f->person);
    assert_int_equal(c.period, 2);
    assert_int_equal(c.status, EXIT_STATUS_ACTIVE);
    assert_int_equal(
        count(f, "SELECT count(*) FROM exits WHERE person_id = %lld", (long long)f->person), 2);
    assert_int_equal(app_exits_verify(&f->app, 1, &report, NULL, NULL, NULL, NULL, &f->err), 0);
    assert_int_equal(report.mismatched, 0);

    /* Before it: the exit is reopened (deleted, audited) and the period continues. */
    assert_int_equal(serve(f, f->person, "ADULT", "CAREER_COUNSELING", "2026-10-15", "2026-10-15"),
                     0);
    assert_int_equal(
        count(f, "SELECT count(*) FROM exits WHERE person_id = %lld", (long long)f->person), 0);
    assert_int_equal(count(f,
                           "SELECT count(*) FROM audit_log WHERE person_id = %lld AND "
                           "action = 'exit.reopen'",
                           (long long)f->person),
                     2);
    struct exit_period p = period_of(f, f->person, "ADULT", "2027-01-05", 1);
    assert_false(p.manual);
    assert_int_equal(p.status, EXIT_STATUS_ACTIVE); /* L = 2026-12-20 now, one period */
    assert_int_equal(app_exits_verify(&f->app, 1, &report, NULL, NULL, NULL, NULL, &f->err), 0);
    assert_int_equal(report.mismatched, 0);
}

/* ---- the IEP/ISS at exit --------------------------------------------------------------------- */

static void
test_manual_exit_closes_the_plan(void **state)
{
    struct fixture *f = *state;
    struct manual_exit done;
    struct outcome_input cert = {
        .kind = "credential", .date = "2026-09-15", .type = "OCCUPATIONAL_CERTIFICATE"};
    struct outcome outcome;

    int64_t plan = plan_with_goals(f, f->person, "2026-09-05");
    br_error_clear(&f->err);
    assert_int_equal(app_record_outcome(&f->app, &f->cm, f->person, &cert, &outcome, &f->err), 0);

    manual_exit(f, MANUAL_EXIT_NO_CONTACT, &done);
    assert_int_equal(done.plan.plan_id, plan);
    assert_int_equal(done.plan.n_attained, 1);     /* the credential, by the outcome */
    assert_int_equal(done.plan.n_not_attained, 1); /* the job: no evidence */
    assert_int_equal(count(f,
                           "SELECT count(*) FROM plans WHERE id = %lld AND closed_on = "
                           "'2026-09-20'",
                           (long long)plan),
                     1);
    assert_int_equal(count(f,
                           "SELECT count(*) FROM goals WHERE plan_id = %lld AND closed_on = "
                           "'2026-09-20' AND status IN ('attained', 'not_attained')",
                           (long long)plan),
                     2);
    assert_int_equal(count(f,
                           "SELECT count(*) FROM audit_log WHERE person_id = %lld AND action "
                           "= 'plan.close_at_exit'",
                           (long long)f->person),
                     1);
    assert_int_equal(count(f,
                           "SELECT count(*) FROM audit_log WHERE person_id = %lld AND action "
                           "= 'exit.manual' AND after LIKE '%%\"closed_plan\":{\"goals_"
                           "attained\":1%%'",
                           (long long)f->person),
                     1);
}

/* A partner program's own group exiting leaves the plan open: it is the common group's. */
static void
test_partner_exit_leaves_the_plan(void **state)
{
    struct fixture *f = *state;
    struct manual_exit done;

    int64_t ael = enroll(f, f->person, "AEL", "2026-09-01");
    assert_int_equal(serve(f, f->person, "AEL", "ADULT_EDUCATION", "2026-09-02", "2026-09-30"), 0);
    int64_t plan = plan_with_goals(f, f->person, "2026-09-05");
    br_error_clear(&f->err);
    assert_int_equal(
        app_manual_exit(&f->app, &f->cm, f->person, ael, MANUAL_EXIT_NO_CONTACT, &done, &f->err),
        0);
    assert_int_equal(done.plan.plan_id, 0);
    assert_int_equal(count(f, "SELECT count(*) FROM plans WHERE id = %lld AND closed_on IS NULL",
                           (long long)plan),
                     1);
}

/* The nightly run closes the plan of each common-exit group it records, once. */
static void
test_nightly_run_closes_the_plan(void **state)
{
    struct fixture *f = *state;
    struct exit_run_report report;

    int64_t plan = plan_with_goals(f, f->person, "2026-09-05");
    /* A second person, exited long ago, without a plan. */
    int64_t other = register_person(f, "Olga", "Other");
    enroll(f, other, "ADULT", "2026-03-01");
    assert_int_equal(serve(f, other, "ADULT", "CASE_MANAGEMENT", "2026-03-02", "2026-03-05"), 0);

    /* Not yet: 2026-12-19 is before Max's soft-exit day. */
    assert_int_equal(app_exits_apply(&f->app, D("2026-12-19"), 1, &report, NULL, NULL, &f->err), 0);
    assert_int_equal(report.recorded, 1); /* Olga's ADULT, and nothing of Max's */
    assert_int_equal(report.plans_closed, 0);
    assert_int_equal(count(f, "SELECT count(*) FROM plans WHERE closed_on IS NULL"), 1);

    f->app.today = D("2026-12-20");
    assert_int_equal(app_exits_apply(&f->app, D("2026-12-20"), 1, &report, NULL, NULL, &f->err), 0);
    assert_int_equal(report.recorded, 2); /* Max's ADULT and WP */
    assert_int_equal(report.plans_closed, 1);
    assert_int_equal(count(f,
                           "SELECT count(*) FROM plans WHERE id = %lld AND closed_on = "
                           "'2026-09-20'",
                           (long long)plan),
                     1);
    assert_int_equal(count(f,
                           "SELECT count(*) FROM goals WHERE plan_id = %lld AND status = "
                           "'not_attained'",
                           (long long)plan),
                     2);
    assert_int_equal(count(f,
                           "SELECT count(*) FROM audit_log WHERE person_id = %lld AND action "
                           "= 'plan.close_at_exit' AND user_id IS NULL",
                           (long long)f->person),
                     1);
    /* Again: nothing more. */
    assert_int_equal(app_exits_apply(&f->app, D("2026-12-20"), 1, &report, NULL, NULL, &f->err), 0);
    assert_int_equal(report.plans_closed, 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'plan.close_at_exit'"),
                     1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_every_reader_sees_the_manual_exit), T(test_later_services),
        T(test_manual_exit_closes_the_plan),       T(test_partner_exit_leaves_the_plan),
        T(test_nightly_run_closes_the_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
