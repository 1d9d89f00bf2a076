/* test_exit_declines_api.c — over the real HTTP API (api_harness.h), BRAID_TODAY=2026-11-23:
 *   - a manual exit (PATCH .../enrollments/{eid}) is what GET .../exit, the alerts, `braid exits
 *     --db` and `braid exits --verify` all see from then on, and it closes the person's IEP with
 *     its goals decided (RULES.md §4 "Manual exit", "At exit the person's IEP/ISS is closed");
 *   - co-enrollment declines, POST and GET /api/v1/people/{id}/coenrollment-declines (RULES.md
 *     §6): only TAA_REQUIRES_DW may be declined, every bad field is named in one 400 with nothing
 *     written, 403 / 404 / 409, and a decline satisfies its rule in the person's alerts.
 * The tests share one server and run in order; the last one stops it with SIGTERM. */
#include "api_harness.h"

#include <sqlite3.h>

#define CM_EMAIL "cm@jobcenter.test"
#define AGENCY "JOB_CENTER"
#define PARTNER_AGENCY "ADULT_SCHOOL"
#define PARTNER_EMAIL "partner@adultschool.test"

static char partner_bearer[256]; /* partner_staff of ADULT_SCHOOL, no consent */

/* ---- helpers -------------------------------------------------------------------------------- */

static long long
db_count(const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    long long n = -1;

    assert_int_equal(sqlite3_open_v2(S.db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("cannot run %s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
}

static const char *
member_text(json_t *object, const char *name)
{
    const char *text = json_string_value(json_object_get(object, name));
    return text != NULL ? text : "(none)";
}

static int64_t
created(const char *path, const char *body, const char *item)
{
    struct reply r;
    POST(&r, path, body);
    expect_status(&r, 201);
    json_t *object = item != NULL ? json_object_get(r.json, item) : r.json;
    int64_t id = json_integer_value(json_object_get(object, "id"));
    assert_true(id > 0);
    reply_free(&r);
    return id;
}

static int64_t
register_person(const char *first, const char *extra)
{
    char body[256];
    snprintf(body, sizeof(body),
             "{\"first_name\":\"%s\",\"last_name\":\"Tester\",\"birth_date\":\"1980-04-04\","
             "\"sex\":\"female\",\"authorized_to_work\":true%s}",
             first, extra);
    return created("/api/v1/people", body, NULL);
}

static int64_t
enroll(int64_t person, const char *program)
{
    char path[128], body[160];
    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments", (long long)person);
    snprintf(body, sizeof(body),
             "{\"program\":\"%s\",\"eligibility_date\":\"2026-09-01\",\"facts\":{}}", program);
    return created(path, body, "enrollment");
}

static void
serve(int64_t person, const char *program, const char *code, const char *from, const char *to)
{
    char path[128], body[256];
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services", (long long)person);
    snprintf(body, sizeof(body),
             "{\"program\":\"%s\",\"code\":\"%s\",\"start_date\":\"%s\",\"end_date\":\"%s\"}",
             program, code, from, to);
    created(path, body, "service");
}

/* The latest period of program in a determination. */
static json_t *
period_of(json_t *exit, const char *program)
{
    json_t *periods = json_object_get(exit, "periods"), *found = NULL;
    for (size_t i = 0; i < json_array_size(periods); i++)
        if (strcmp(member_text(json_array_get(periods, i), "program"), program) == 0)
            found = json_array_get(periods, i);
    if (found == NULL)
        fail_msg("no period of %s", program);
    return found;
}

/* Whether the alerts hold one of kind (and, for a rule, that rule). */
static bool
has_alert(json_t *alerts, const char *kind, const char *rule)
{
    for (size_t i = 0; i < json_array_size(alerts); i++) {
        json_t *a = json_array_get(alerts, i);
        if (strcmp(member_text(a, "kind"), kind) == 0 &&
            (rule == NULL || strcmp(member_text(a, "rule"), rule) == 0))
            return true;
    }
    return false;
}

/* A manually exited period as the API shows it: exited on L, with the reason. */
static void
expect_manual(json_t *period, const char *exit_date, const char *reason)
{
    assert_string_equal(member_text(period, "status"), "exited");
    assert_string_equal(member_text(period, "exit_date"), exit_date);
    json_t *manual = json_object_get(period, "manual_exit");
    assert_string_equal(member_text(manual, "reason"), reason);
    assert_string_equal(member_text(manual, "determined_on"), TODAY);
    assert_non_null(strstr(member_text(period, "explanation"), "by hand"));
    assert_non_null(strstr(member_text(period, "explanation"), reason));
}

static int
group_setup(void **state)
{
    (void)state;
    if (harness_open() != 0)
        return -1;
    if (harness_fresh_db(AGENCY, CM_EMAIL) != 0 ||
        harness_agency(PARTNER_AGENCY, "Adult School") != 0 ||
        harness_user(PARTNER_EMAIL, "partner_staff", PARTNER_AGENCY, partner_bearer,
                     sizeof(partner_bearer)) != 0)
        return harness_failed("setting the database up failed");
    if (server_start() != 0)
        return harness_failed("braid serve did not start");
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    harness_close();
    return 0;
}

/* ---- a manual exit, everywhere ------------------------------------------------------------- */

static void
test_manual_exit_everywhere(void **state)
{
    struct reply r;
    char path[160], db_arg[160];
    char *out = NULL;

    (void)state;
    int64_t person = register_person("Max", "");
    int64_t adult = enroll(person, "ADULT");
    enroll(person, "WP");
    serve(person, "WP", "STAFF_JOB_SEARCH", "2026-09-10", "2026-09-10");
    serve(person, "ADULT", "CASE_MANAGEMENT", "2026-09-10", "2026-09-20");
    snprintf(path, sizeof(path), "/api/v1/people/%lld/plans", (long long)person);
    int64_t plan = created(path, "{\"kind\":\"IEP\",\"created_on\":\"2026-09-05\"}", NULL);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/plans/%lld/goals", (long long)person,
             (long long)plan);
    created(path,
            "{\"type\":\"EMPLOYMENT\",\"description\":\"A job\",\"target_date\":\"2027-03-01\"}",
            NULL);

    /* Before: active, counting down to 2026-12-20. */
    snprintf(path, sizeof(path), "/api/v1/people/%lld/exit", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    assert_string_equal(member_text(period_of(r.json, "ADULT"), "status"), "active");
    reply_free(&r);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments/%lld", (long long)person,
             (long long)adult);
    send_request(&r, NULL, "PATCH", path, "{\"exit\":{\"reason\":\"NO_CONTACT\"}}", S.bearer, NULL);
    expect_status(&r, 200);
    json_t *done = json_object_get(r.json, "manual_exit");
    json_t *closed = json_object_get(done, "closed_plan");
    assert_int_equal(json_integer_value(json_object_get(closed, "id")), plan);
    assert_int_equal(json_integer_value(json_object_get(closed, "goals_not_attained")), 1);
    expect_manual(period_of(json_object_get(r.json, "exit"), "ADULT"), "2026-09-20", "NO_CONTACT");
    assert_false(has_alert(json_object_get(r.json, "alerts"), "EXIT_COUNTDOWN", NULL));
    reply_free(&r);

    /* GET .../exit, from now on. */
    snprintf(path, sizeof(path), "/api/v1/people/%lld/exit", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    expect_manual(period_of(r.json, "ADULT"), "2026-09-20", "NO_CONTACT");
    expect_manual(period_of(r.json, "WP"), "2026-09-20", "NO_CONTACT");
    reply_free(&r);

    /* The enrollments list the recorded exit, with its reason. */
    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    json_t *list = json_object_get(r.json, "enrollments");
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *recorded = json_object_get(json_array_get(list, i), "exit");
        assert_true(json_is_true(json_object_get(recorded, "manual")));
        assert_string_equal(member_text(recorded, "reason"), "NO_CONTACT");
    }
    assert_int_equal(json_array_size(list), 2);
    reply_free(&r);

    /* The plan closed on L, its open goal not attained (no evidence). */
    snprintf(path, sizeof(path), "/api/v1/people/%lld/plans", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    assert_non_null(strstr(r.body, "\"closed_on\":\"2026-09-20\""));
    assert_non_null(strstr(r.body, "\"status\":\"not_attained\""));
    reply_free(&r);

    /* The nightly run has nothing to do, and --verify recomputes the same clocks. */
    snprintf(db_arg, sizeof(db_arg), "%s", S.db);
    const char *apply[] = {"exits", "--db", db_arg, "--as-of", TODAY, "--apply", NULL};
    assert_int_equal(run_braid(apply, NULL, &out), 0);
    assert_non_null(strstr(out, "0 soft exits recorded, 0 reopened, 0 plans closed\n"));
    free(out);
    const char *verify[] = {"exits", "--db", db_arg, "--verify", NULL};
    assert_int_equal(run_braid(verify, NULL, &out), 0);
    assert_non_null(strstr(out, "0 mismatched"));
    free(out);
    /* `braid exits --db`: the same determination. */
    const char *evaluate[] = {"exits", "--db", db_arg, "--as-of", TODAY, NULL};
    assert_int_equal(run_braid(evaluate, NULL, &out), 0);
    char id[32];
    bool seen = false;
    snprintf(id, sizeof(id), "P%lld", (long long)person);
    for (char *line = out; *line != '\0';) {
        size_t len = strcspn(line, "\n");
        json_t *exit = json_loadb(line, len, 0, NULL);
        assert_non_null(exit);
        if (strcmp(member_text(exit, "id"), id) == 0) {
            expect_manual(period_of(exit, "ADULT"), "2026-09-20", "NO_CONTACT");
            seen = true;
        }
        json_decref(exit);
        line += len + (line[len] == '\n');
    }
    assert_true(seen);
    free(out);
}

/* ---- co-enrollment declines ------------------------------------------------------------------ */

static void
test_coenrollment_declines(void **state)
{
    struct reply r;
    char path[160], alerts_path[160];

    (void)state;
    int64_t person = register_person("Tara", ",\"dw_category\":\"plant_closure\"");
    enroll(person, "WP");
    enroll(person, "TAA");
    serve(person, "TAA", "CASE_MANAGEMENT", "2026-10-05", "2026-10-05");
    snprintf(path, sizeof(path), "/api/v1/people/%lld/coenrollment-declines", (long long)person);
    snprintf(alerts_path, sizeof(alerts_path), "/api/v1/people/%lld/alerts", (long long)person);
    GET(&r, alerts_path);
    expect_status(&r, 200);
    assert_true(
        has_alert(json_object_get(r.json, "alerts"), "COENROLLMENT_MISSING", "TAA_REQUIRES_DW"));
    reply_free(&r);

    /* Every bad field named in one 400, nothing written. */
    POST(&r, path, "{\"rule\":\"WP_FOR_STAFF_ASSISTED\",\"declined_on\":\"tomorrow\",\"x\":1}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "rule");
    expect_field(&r, "declined_on");
    expect_field(&r, "x");
    assert_non_null(strstr(r.body, "cannot be declined"));
    reply_free(&r);
    POST(&r, path, "{\"rule\":7,\"note\":false}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "rule");
    expect_field(&r, "note");
    reply_free(&r);
    POST(&r, path, "{\"declined_on\":\"2026-11-24\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "rule");
    expect_field(&r, "declined_on");
    reply_free(&r);
    send_request(&r, NULL, "POST", path, "{\"rule\":\"TAA_REQUIRES_DW\"}", partner_bearer, NULL);
    expect_error(&r, 403, "forbidden");
    reply_free(&r);
    POST(&r, "/api/v1/people/99999999/coenrollment-declines", "{\"rule\":\"TAA_REQUIRES_DW\"}");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
    assert_int_equal(db_count("SELECT count(*) FROM coenrollment_declines"), 0);

    /* Recorded: the rule is satisfied, and TAA stays. */
    POST(&r, path,
         "{\"rule\":\"TAA_REQUIRES_DW\",\"declined_on\":\"2026-11-20\",\"note\":\"Keeps TAA "
         "training only.\"}");
    expect_status(&r, 201);
    json_t *decline = json_object_get(r.json, "coenrollment_decline");
    assert_string_equal(member_text(decline, "rule"), "TAA_REQUIRES_DW");
    assert_string_equal(member_text(decline, "declined_on"), "2026-11-20");
    assert_false(has_alert(json_object_get(r.json, "alerts"), "COENROLLMENT_MISSING", NULL));
    reply_free(&r);
    GET(&r, alerts_path);
    assert_false(has_alert(json_object_get(r.json, "alerts"), "COENROLLMENT_MISSING", NULL));
    reply_free(&r);

    POST(&r, path, "{\"rule\":\"TAA_REQUIRES_DW\"}");
    expect_error(&r, 409, "conflict");
    reply_free(&r);
    assert_int_equal(db_count("SELECT count(*) FROM coenrollment_declines"), 1);

    GET(&r, path);
    expect_status(&r, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 1);
    json_t *items = json_object_get(r.json, "coenrollment_declines");
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(member_text(json_array_get(items, 0), "note"), "Keeps TAA training only.");
    reply_free(&r);
    char bad[192];
    snprintf(bad, sizeof(bad), "%s?limit=0&sort=rule", path);
    GET(&r, bad);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "limit");
    expect_field(&r, "sort");
    reply_free(&r);
    send_request(&r, NULL, "GET", path, NULL, partner_bearer, NULL);
    expect_error(&r, 403, "forbidden");
    reply_free(&r);
}

static void
test_server_stops_cleanly(void **state)
{
    (void)state;
    harness_stop();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manual_exit_everywhere),
        cmocka_unit_test(test_coenrollment_declines),
        cmocka_unit_test(test_server_stops_cleanly),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
