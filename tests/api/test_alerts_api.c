/* test_alerts_api.c — GET /api/v1/people/{id}/alerts and GET /api/v1/caseload against the real
 * `braid serve` (api_harness.h), over a database seeded through the app's own use cases (as the
 * agency's case manager, so the agency serves the people) before the server starts.
 *
 * BRAID_TODAY is 2026-11-23.  Ana's last qualifying service is 2026-09-01: the soft exit will be
 * determined on 2026-12-01 (8 days left today; 30 days left on 2026-11-01, 31 on 2026-10-31). */
#include "api_harness.h"

#include "app/app.h"
#include "app/users.h"

#define AGENCY "ALERT_OFFICE"
#define OTHER_AGENCY "OTHER_OFFICE"
#define CM_EMAIL "cm@alerts.test"
#define OTHER_EMAIL "cm@other.test"
#define ANALYST_EMAIL "analyst@alerts.test"

static int64_t ana, ben, cleo; /* Ana and Ben are the agency's; Cleo the other agency's */
static char analyst_bearer[256];

/* ---- seeding through the app ---------------------------------------------------------------- */

static int32_t
day(const char *text)
{
    int32_t d = DATE_NONE;
    date_parse(text, &d);
    return d;
}

static int
actor_of(struct app *app, const char *email, struct actor *actor)
{
    struct user u;
    struct br_error err;
    int64_t agency_id = 0;

    br_error_clear(&err);
    if (app->store->ops->user_by_email(app->store, email, &u, &err) != 0 ||
        app->store->ops->user_by_id(app->store, u.id, &u, &agency_id, &err) != 0)
        return -1;
    actor->user_id = u.id;
    actor->agency_id = agency_id;
    actor->role = "case_manager";
    return 0;
}

static int64_t
seed_person(struct app *app, const struct actor *actor, const char *first, const char *last)
{
    struct stored_person p;
    struct br_error err;
    int64_t dups[2];
    size_t n_dups = 0;

    memset(&p, 0, sizeof(p));
    br_error_clear(&err);
    snprintf(p.facts.first_name, sizeof(p.facts.first_name), "%s", first);
    snprintf(p.facts.last_name, sizeof(p.facts.last_name), "%s", last);
    p.facts.birth_on = day("1988-04-02");
    p.facts.sex = SEX_FEMALE;
    if (app_register_person(app, actor, &p, NULL, dups, 2, &n_dups, &err) != 0) {
        fprintf(stderr, "register %s: %s\n", first, err.message);
        return 0;
    }
    return p.id;
}

static int
seed_enroll(struct app *app, const struct actor *actor, int64_t person, const char *program,
            const char *on)
{
    struct enrollment e = {.program = catalog_program_index(&app->catalog, program),
                           .eligibility_on = day(on)};
    struct br_error err;
    br_error_clear(&err);
    int rc = app_determine_eligibility(app, actor, person, &e, "{}", &err);
    if (rc != 0)
        fprintf(stderr, "enroll %s: %s\n", program, err.message);
    return rc;
}

/* A one-day service by the actor; its note written on note_on (NULL: no note). */
static int
seed_service(struct app *app, const struct actor *actor, int64_t person, const char *program,
             const char *code, const char *on, const char *note_on)
{
    struct service s = {.program = catalog_program_index(&app->catalog, program),
                        .code = catalog_service_index(&app->catalog, code),
                        .start_on = day(on),
                        .end_on = day(on),
                        .projected_end_on = DATE_NONE};
    struct service_detail detail;
    struct br_error err;

    memset(&detail, 0, sizeof(detail));
    detail.staff_id = actor->user_id;
    br_error_clear(&err);
    if (app_record_service(app, actor, person, &s, &detail, NULL, &err) != 0) {
        fprintf(stderr, "service %s: %s\n", code, err.message);
        return -1;
    }
    if (note_on == NULL)
        return 0;
    char body[] = "Met with the participant; next steps agreed.";
    struct case_note note = {
        .person_id = person, .service_id = s.id, .written_on = day(note_on), .body = body};
    br_error_clear(&err);
    if (app_write_note(app, actor, &note, &err) != 0) {
        fprintf(stderr, "note: %s\n", err.message);
        return -1;
    }
    return 0;
}

static int
seed_contact(struct app *app, const struct actor *actor, int64_t person, const char *on,
             enum contact_method method, bool responded, const char *outcome)
{
    struct contact c = {.person_id = person,
                        .staff_id = actor->user_id,
                        .contacted_on = day(on),
                        .method = method,
                        .responded = responded};
    struct br_error err;
    snprintf(c.outcome, sizeof(c.outcome), "%s", outcome);
    br_error_clear(&err);
    return app_record_contact(app, actor, &c, &err);
}

static int
seed(void)
{
    struct app app;
    struct actor cm, other;
    struct br_error err;
    int rc = -1;

    setenv("BRAID_TODAY", TODAY, 1);
    br_error_clear(&err);
    if (app_open(&app, S.db, &err) != 0) {
        fprintf(stderr, "app_open: %s\n", err.message);
        return -1;
    }
    if (actor_of(&app, CM_EMAIL, &cm) != 0 || actor_of(&app, OTHER_EMAIL, &other) != 0)
        goto out;
    ana = seed_person(&app, &cm, "Ana", "Alpha");
    ben = seed_person(&app, &cm, "Ben", "Beta");
    cleo = seed_person(&app, &other, "Cleo", "Gamma");
    if (ana == 0 || ben == 0 || cleo == 0)
        goto out;
    /* Ana: ADULT without WP; the second service has no note; one unanswered call since. */
    if (seed_enroll(&app, &cm, ana, "ADULT", "2026-08-03") != 0 ||
        seed_service(&app, &cm, ana, "ADULT", "CASE_MANAGEMENT", "2026-08-10", "2026-08-10") != 0 ||
        seed_service(&app, &cm, ana, "ADULT", "STAFF_JOB_SEARCH", "2026-09-01", NULL) != 0 ||
        seed_contact(&app, &cm, ana, "2026-10-05", CONTACT_PHONE, false,
                     "Called; no answer. Left a voicemail.") != 0)
        goto out;
    /* Ben: WP, served last week, note on time: nothing due. */
    if (seed_enroll(&app, &cm, ben, "WP", "2026-11-02") != 0 ||
        seed_service(&app, &cm, ben, "WP", "STAFF_JOB_SEARCH", "2026-11-16", "2026-11-17") != 0)
        goto out;
    /* Cleo: the other agency's. */
    if (seed_enroll(&app, &other, cleo, "ADULT", "2026-10-01") != 0 ||
        seed_service(&app, &other, cleo, "ADULT", "CASE_MANAGEMENT", "2026-10-02", "2026-10-02") !=
            0)
        goto out;
    rc = 0;
out:
    app_close(&app);
    return rc;
}

/* ---- the server ----------------------------------------------------------------------------- */

static int
group_setup(void **state)
{
    (void)state;
    if (harness_open() != 0)
        return -1;
    if (harness_fresh_db(AGENCY, CM_EMAIL) != 0 || harness_agency(OTHER_AGENCY, "Other") != 0 ||
        harness_user(OTHER_EMAIL, "case_manager", OTHER_AGENCY, NULL, 0) != 0 ||
        harness_user(ANALYST_EMAIL, "analyst", AGENCY, analyst_bearer, sizeof(analyst_bearer)) != 0)
        return harness_failed("setting the database up failed");
    if (seed() != 0)
        return harness_failed("seeding people failed");
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

/* ---- helpers -------------------------------------------------------------------------------- */

static void
get_alerts(struct reply *r, int64_t person, const char *query)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/people/%lld/alerts%s", (long long)person,
             query != NULL ? query : "");
    GET(r, path);
}

static json_t *
alert_of(json_t *alerts, const char *kind)
{
    for (size_t i = 0; i < json_array_size(alerts); i++) {
        json_t *a = json_array_get(alerts, i);
        if (strcmp(json_string_value(json_object_get(a, "kind")), kind) == 0)
            return a;
    }
    return NULL;
}

static const char *
text(json_t *object, const char *key)
{
    const char *value = json_string_value(json_object_get(object, key));
    if (value == NULL)
        fail_msg("no string \"%s\"", key);
    return value;
}

/* ---- a person's alerts ---------------------------------------------------------------------- */

static void
test_person_alerts(void **state)
{
    struct reply r;
    (void)state;

    get_alerts(&r, ana, NULL);
    expect_status(&r, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "person_id")), ana);
    assert_string_equal(text(r.json, "as_of"), TODAY);
    assert_int_equal(json_array_size(json_object_get(r.json, "withheld")), 0);
    json_t *alerts = json_object_get(r.json, "alerts");

    /* Most urgent first: the exit countdown. */
    json_t *first = json_array_get(alerts, 0);
    assert_string_equal(text(first, "kind"), "EXIT_COUNTDOWN");
    assert_string_equal(text(first, "due_on"), "2026-12-01");
    assert_string_equal(text(first, "since_on"), "2026-09-01");
    assert_int_equal(json_integer_value(json_object_get(first, "count")), 8);
    assert_string_equal(text(first, "group"), "common");
    assert_true(json_is_null(json_object_get(first, "program")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(first, "programs"), 0)),
                        "ADULT");
    assert_non_null(strstr(text(first, "why"), "2026-12-01"));
    assert_true(strlen(text(first, "resolves")) > 0);

    json_t *a = alert_of(alerts, "DISENGAGED");
    assert_non_null(a);
    assert_int_equal(json_integer_value(json_object_get(a, "count")), 83);
    assert_int_equal(json_integer_value(json_object_get(a, "attempts")), 1);
    assert_non_null(strstr(text(a, "why"), "2026-10-05 phone, no response"));

    a = alert_of(alerts, "COENROLLMENT_MISSING");
    assert_non_null(a);
    assert_string_equal(text(a, "rule"), "WP_FOR_STAFF_ASSISTED");
    assert_string_equal(text(a, "program"), "WP");
    assert_non_null(
        strstr(text(a, "why"), "needs WP enrollment because CASE_MANAGEMENT on 2026-08-10"));

    a = alert_of(alerts, "NOTE_MISSING");
    assert_non_null(a);
    assert_string_equal(text(a, "program"), "ADULT");
    assert_string_equal(text(a, "since_on"), "2026-09-01");
    assert_true(json_is_integer(json_object_get(a, "service_id")));
    assert_null(alert_of(alerts, "NOTE_LATE")); /* the first service's note was on time */
    reply_free(&r);

    /* Ben has nothing due. */
    get_alerts(&r, ben, NULL);
    expect_status(&r, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "alerts")), 0);
    reply_free(&r);
}

static void
test_person_alerts_as_of_threshold(void **state)
{
    struct reply r;
    (void)state;

    get_alerts(&r, ana, "?as_of=2026-10-31"); /* 31 days left */
    expect_status(&r, 200);
    assert_null(alert_of(json_object_get(r.json, "alerts"), "EXIT_COUNTDOWN"));
    assert_string_equal(text(r.json, "as_of"), "2026-10-31");
    reply_free(&r);

    get_alerts(&r, ana, "?as_of=2026-11-01"); /* 30 days left */
    expect_status(&r, 200);
    json_t *a = alert_of(json_object_get(r.json, "alerts"), "EXIT_COUNTDOWN");
    assert_non_null(a);
    assert_int_equal(json_integer_value(json_object_get(a, "count")), 30);
    reply_free(&r);

    get_alerts(&r, ana, "?as_of=2026-12-01"); /* exited: follow-up is due instead */
    expect_status(&r, 200);
    assert_null(alert_of(json_object_get(r.json, "alerts"), "EXIT_COUNTDOWN"));
    a = alert_of(json_object_get(r.json, "alerts"), "FOLLOW_UP_DUE");
    assert_non_null(a);
    assert_string_equal(text(a, "program"), "ADULT");
    reply_free(&r);
}

static void
test_person_alerts_refusals(void **state)
{
    struct reply r;
    (void)state;

    get_alerts(&r, ana, "?as_of=2026-13-01");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "as_of");
    reply_free(&r);

    get_alerts(&r, ana, "?when=today");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "when");
    reply_free(&r);

    get_alerts(&r, 999999, NULL);
    expect_error(&r, 404, "not_found");
    reply_free(&r);

    /* Cleo's case file belongs to an agency that shares nothing with this one. */
    get_alerts(&r, cleo, NULL);
    expect_error(&r, 403, "forbidden");
    reply_free(&r);

    send_request(&r, NULL, "GET", "/api/v1/people/1/alerts", NULL, NULL);
    expect_status(&r, 401);
    reply_free(&r);

    send_request(&r, NULL, "POST", "/api/v1/people/1/alerts", "{}", S.bearer, NULL);
    expect_status(&r, 405);
    reply_free(&r);
}

static void
test_analyst_sees_alerts_without_case_notes(void **state)
{
    struct reply r;
    char path[128];
    (void)state;

    snprintf(path, sizeof(path), "/api/v1/people/%lld/alerts", (long long)ana);
    send_request(&r, NULL, "GET", path, NULL, analyst_bearer, NULL);
    expect_status(&r, 200);
    json_t *withheld = json_object_get(r.json, "withheld");
    bool notes = false;
    for (size_t i = 0; i < json_array_size(withheld); i++)
        notes = notes || strcmp(json_string_value(json_array_get(withheld, i)), "case_notes") == 0;
    assert_true(notes);
    json_t *alerts = json_object_get(r.json, "alerts");
    assert_null(alert_of(alerts, "NOTE_MISSING"));
    assert_null(alert_of(alerts, "DISENGAGED"));
    assert_non_null(alert_of(alerts, "EXIT_COUNTDOWN"));
    reply_free(&r);

    send_request(&r, NULL, "GET", "/api/v1/caseload", NULL, analyst_bearer, NULL);
    expect_error(&r, 403, "forbidden");
    reply_free(&r);
}

/* ---- the caseload -----------------------------------------------------------------------------
 */

static void
test_caseload(void **state)
{
    struct reply r;
    (void)state;

    GET(&r, "/api/v1/caseload");
    expect_status(&r, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 2); /* not Cleo */
    assert_string_equal(text(r.json, "as_of"), TODAY);
    json_t *people = json_object_get(r.json, "people");
    assert_int_equal(json_array_size(people), 2);
    json_t *first = json_array_get(people, 0), *second = json_array_get(people, 1);
    assert_int_equal(json_integer_value(json_object_get(first, "id")), ana);
    assert_string_equal(text(first, "last_name"), "Alpha");
    assert_string_equal(text(json_array_get(json_object_get(first, "alerts"), 0), "kind"),
                        "EXIT_COUNTDOWN");
    assert_int_equal(json_integer_value(json_object_get(second, "id")), ben);
    assert_int_equal(json_array_size(json_object_get(second, "alerts")), 0);
    assert_true(json_is_null(json_object_get(r.json, "next_offset")));
    reply_free(&r);

    /* The same alerts as the person's own endpoint. */
    struct reply one;
    GET(&r, "/api/v1/caseload?limit=1");
    get_alerts(&one, ana, NULL);
    expect_status(&r, 200);
    expect_status(&one, 200);
    json_t *listed =
        json_object_get(json_array_get(json_object_get(r.json, "people"), 0), "alerts");
    assert_true(json_equal(listed, json_object_get(one.json, "alerts")));
    assert_int_equal(json_integer_value(json_object_get(r.json, "next_offset")), 1);
    reply_free(&one);
    reply_free(&r);

    GET(&r, "/api/v1/caseload?limit=1&offset=1");
    expect_status(&r, 200);
    people = json_object_get(r.json, "people");
    assert_int_equal(json_array_size(people), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(people, 0), "id")), ben);
    reply_free(&r);

    GET(&r, "/api/v1/caseload?offset=5");
    expect_status(&r, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "people")), 0);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 2);
    reply_free(&r);

    /* Earlier, nobody's clock is under 30 days yet: Ana is still first, for her other alerts. */
    GET(&r, "/api/v1/caseload?as_of=2026-10-15");
    expect_status(&r, 200);
    first = json_array_get(json_object_get(r.json, "people"), 0);
    assert_int_equal(json_integer_value(json_object_get(first, "id")), ana);
    assert_null(alert_of(json_object_get(first, "alerts"), "EXIT_COUNTDOWN"));
    reply_free(&r);
}

static void
test_caseload_refusals(void **state)
{
    struct reply r;
    (void)state;

    GET(&r, "/api/v1/caseload?limit=0");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "limit");
    reply_free(&r);

    GET(&r, "/api/v1/caseload?limit=101");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "limit");
    reply_free(&r);

    GET(&r, "/api/v1/caseload?offset=-1");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "offset");
    reply_free(&r);

    GET(&r, "/api/v1/caseload?as_of=yesterday&sort=name");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "as_of");
    expect_field(&r, "sort");
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
        cmocka_unit_test(test_person_alerts),
        cmocka_unit_test(test_person_alerts_as_of_threshold),
        cmocka_unit_test(test_person_alerts_refusals),
        cmocka_unit_test(test_analyst_sees_alerts_without_case_notes),
        cmocka_unit_test(test_caseload),
        cmocka_unit_test(test_caseload_refusals),
        cmocka_unit_test(test_server_stops_cleanly),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
