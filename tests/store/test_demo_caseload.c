/* test_demo_caseload.c — `braid demo` (app_demo_load) over a real SQLite database gives its
 * services, notes and contacts to the staff of each program's office, so that the demo login
 * (demo@braid.example, a WP case manager) has a caseload: the people the seed gave that case
 * manager, the same for the same seed. */
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/alerts_app.h"
#include "app/app.h"
#include "app/demo_load.h"
#include "store/sqlite.h"

#define AS_OF "2026-11-23"
#define PEOPLE 400

static long long
query(struct app *app, const char *sql)
{
    sqlite3 *db = store_sqlite_handle(app->store);
    sqlite3_stmt *stmt = NULL;
    long long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("cannot run %s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

/* A demo database of PEOPLE people in dir; returns the demo login's caseload total and fills
 * the first page of it. */
static int64_t
demo_caseload(const char *dir, struct app *app, struct caseload *c)
{
    char db[128];
    struct br_error err;
    struct demo_options options;
    struct user login;
    int64_t agency_id = 0;

    snprintf(db, sizeof(db), "%s/demo.db", dir);
    br_error_clear(&err);
    assert_int_equal(app_init_database(db, "data/catalog.json", &err), 0);
    assert_int_equal(app_open(app, db, &err), 0);
    app->today = D(AS_OF);
    demo_options_defaults(&options, D(AS_OF));
    options.people = PEOPLE;
    assert_int_equal(app_demo_load(app, &options, NULL, NULL, &err), 0);

    assert_int_equal(app->store->ops->user_by_email(app->store, DEMO_LOGIN_EMAIL, &login, &err), 0);
    assert_int_equal(app->store->ops->user_by_id(app->store, login.id, &login, &agency_id, &err),
                     0);
    struct actor actor = {.user_id = login.id, .agency_id = agency_id, .role = login.role};
    assert_string_equal(login.role, "case_manager");
    assert_int_equal(app_caseload(app, &actor, D(AS_OF), 100, 0, c, &err), 0);
    return c->total;
}

static void
test_demo_login_has_a_caseload(void **state)
{
    char dir[64], sql[256];
    struct app app;
    struct caseload c;

    (void)state;
    memset(&c, 0, sizeof(c));
    snprintf(dir, sizeof(dir), "/tmp/braid-democase-XXXXXX");
    assert_non_null(mkdtemp(dir));
    int64_t total = demo_caseload(dir, &app, &c);

    /* A share of the people: WP's case manager number DEMO_LOGIN_STAFF of twelve. */
    assert_true(total >= 5);
    assert_true(total <= PEOPLE / 8);
    assert_int_equal((int64_t)c.n_people, total);
    /* Every service has its provider; the login's people are those it served or contacted. */
    assert_int_equal(query(&app, "SELECT count(*) FROM services WHERE staff_id IS NULL"), 0);
    snprintf(sql, sizeof(sql),
             "SELECT count(DISTINCT person_id) FROM (SELECT person_id FROM services s JOIN users "
             "u ON u.id = s.staff_id WHERE u.email = '%s' UNION SELECT person_id FROM contacts c "
             "JOIN users u ON u.id = c.staff_id WHERE u.email = '%s')",
             DEMO_LOGIN_EMAIL, DEMO_LOGIN_EMAIL);
    assert_int_equal(query(&app, sql), total);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM case_notes n JOIN users u ON u.id = n.author_id WHERE u.email "
             "= '%s'",
             DEMO_LOGIN_EMAIL);
    assert_true(query(&app, sql) > 0);
    /* Twelve staff per program office: the login took one WP place, it added no user. */
    assert_int_equal(query(&app, "SELECT count(*) FROM users"),
                     (long long)app.catalog.n_programs * DEMO_STAFF_PER_PROGRAM);
    /* The most urgent come first. */
    if (c.n_people > 1 && c.people[1].n_alerts > 0)
        assert_true(c.people[0].n_alerts > 0);
    app_caseload_cleanup(&c);
    app_close(&app);

    /* The same seed, the same caseload. */
    char again[64], cmd[160];
    snprintf(again, sizeof(again), "/tmp/braid-democase-XXXXXX");
    assert_non_null(mkdtemp(again));
    memset(&c, 0, sizeof(c));
    assert_int_equal(demo_caseload(again, &app, &c), total);
    app_caseload_cleanup(&c);
    app_close(&app);
    snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir, again);
    assert_int_equal(system(cmd), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_login_has_a_caseload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
