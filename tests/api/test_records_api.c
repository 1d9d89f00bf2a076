/* test_records_api.c — a person's case-management records over HTTP (consents, assessments,
 * plans with goals, reviews and signature, outcomes), the audit log and administration, as the
 * real `braid serve` answers them (api_harness.h).
 *
 * The database: agency AJC_EAST with a case manager (S.bearer), an auditor and an
 * administrator; PARTNER_WEST with partner staff; CROSS_TOWN with a case manager who does not
 * serve the person.  One person is registered by the case manager over the API; their WP
 * eligibility and a case note are written through the app layer (the fixture), as the case
 * manager.  The tests share the server and run in order. */
#include "api_harness.h"

#include "app/app.h"
#include "app/session.h"

#define CM_EMAIL "cm@east.test"
#define PARTNER_EMAIL "partner@west.test"
#define OTHER_EMAIL "cm@crosstown.test"
#define AUDITOR_EMAIL "auditor@east.test"
#define ADMIN_EMAIL "admin@east.test"
#define NOTE_TEXT "Met the participant; resume workshop next week."
#define NEW_PASSWORD "another long pass phrase 42"
#define MISSING "999999"

static char partner_bearer[256], other_bearer[256], auditor_bearer[256], admin_bearer[256];
static int64_t person_id, partner_agency_id;
static char person_path[64]; /* "/api/v1/people/N" */

/* ---- helpers --------------------------------------------------------------------------------- */

static void
send_as(struct reply *r, const char *bearer, const char *method, const char *path, const char *body)
{
    send_request(r, NULL, method, path, body, bearer, NULL);
}

/* person_path followed by suffix, in buf. */
static const char *
at(char *buf, size_t size, const char *suffix)
{
    snprintf(buf, size, "%s%s", person_path, suffix);
    return buf;
}

static int64_t
total_of(const struct reply *r)
{
    json_t *total = json_object_get(r->json, "total");
    if (!json_is_integer(total))
        fail_msg("no total in: %s", r->body != NULL ? r->body : "(no body)");
    return json_integer_value(total);
}

static const char *
str(const json_t *object, const char *key)
{
    return json_string_value(json_object_get(object, key));
}

/* GETs path as bearer and checks the status and, for a 200, the list's total. */
static void
expect_list(const char *bearer, const char *path, long status, int64_t total)
{
    struct reply r;
    send_as(&r, bearer, "GET", path, NULL);
    if (status == 200) {
        expect_status(&r, 200);
        assert_int_equal(total_of(&r), total);
    } else {
        expect_error(&r, status, status == 403 ? "forbidden" : "not_found");
    }
    reply_free(&r);
}

/* The fixture's writes, through the app layer as the case manager: a WP eligibility (a plan
 * follows an enrollment, RULES.md §9) and a case note. */
static int
fixture_records(void)
{
    const char *token = S.bearer + strlen("Authorization: Bearer ");
    struct app_principal principal;
    struct br_error err;
    struct app app;
    int rc;

    br_error_clear(&err);
    setenv("BRAID_TODAY", TODAY, 1);
    if ((rc = app_open(&app, S.db, &err)) != 0) {
        fprintf(stderr, "fixture: %s\n", err.message);
        return -1;
    }
    struct actor actor = {0};
    rc = app_actor_from_token(&app, token, &principal, &err);
    if (rc == 0) {
        actor = app_principal_actor(&principal);
        struct enrollment wp = {.program = catalog_program_index(&app.catalog, "WP"),
                                .eligibility_on = D("2026-10-01")};
        rc = app_determine_eligibility(&app, &actor, person_id, &wp, "{}", &err);
    }
    if (rc == 0) {
        char body[] = NOTE_TEXT;
        struct case_note note = {.person_id = person_id, .written_on = DATE_NONE, .body = body};
        rc = app_write_note(&app, &actor, &note, &err);
    }
    if (rc != 0)
        fprintf(stderr, "fixture: %s (%s)\n", err.message,
                err.n_fields > 0 ? err.fields[0].problem : "");
    app_close(&app);
    return rc == 0 ? 0 : -1;
}

static int64_t
agency_id_of(const char *code)
{
    struct reply r;
    int64_t id = 0;
    send_as(&r, admin_bearer, "GET", "/api/v1/admin/agencies?limit=100", NULL);
    json_t *list = json_object_get(r.json, "agencies");
    for (size_t i = 0; i < json_array_size(list); i++)
        if (strcmp(str(json_array_get(list, i), "code"), code) == 0)
            id = json_integer_value(json_object_get(json_array_get(list, i), "id"));
    reply_free(&r);
    return id;
}

static int
group_setup(void **state)
{
    struct reply r;

    (void)state;
    if (harness_open() != 0)
        return -1;
    if (harness_fresh_db("AJC_EAST", CM_EMAIL) != 0 ||
        harness_agency("PARTNER_WEST", "West partner") != 0 ||
        harness_agency("CROSS_TOWN", "Cross-town office") != 0 ||
        harness_user(PARTNER_EMAIL, "partner_staff", "PARTNER_WEST", partner_bearer,
                     sizeof(partner_bearer)) != 0 ||
        harness_user(OTHER_EMAIL, "case_manager", "CROSS_TOWN", other_bearer,
                     sizeof(other_bearer)) != 0 ||
        harness_user(AUDITOR_EMAIL, "auditor", "AJC_EAST", auditor_bearer,
                     sizeof(auditor_bearer)) != 0 ||
        harness_user(ADMIN_EMAIL, "admin", "AJC_EAST", admin_bearer, sizeof(admin_bearer)) != 0)
        return harness_failed("setting the database up failed");
    if (server_start() != 0)
        return harness_failed("braid serve did not start");
    POST(&r, "/api/v1/people",
         "{\"first_name\":\"Rosa\",\"last_name\":\"Records\",\"birth_date\":\"1984-02-29\","
         "\"sex\":\"female\"}");
    if (r.status != 201) {
        fprintf(stderr, "registering the person failed: %s\n", r.body);
        reply_free(&r);
        return -1;
    }
    person_id = json_integer_value(json_object_get(r.json, "id"));
    reply_free(&r);
    snprintf(person_path, sizeof(person_path), "/api/v1/people/%lld", (long long)person_id);
    if (fixture_records() != 0)
        return harness_failed("the fixture failed");
    partner_agency_id = agency_id_of("PARTNER_WEST");
    return partner_agency_id > 0 ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    harness_close();
    return 0;
}

/* ---- consents -------------------------------------------------------------------------------- */

static void
test_consent_errors(void **state)
{
    struct reply r;
    char path[128], body[256];

    (void)state;
    at(path, sizeof(path), "/consents");
    expect_list(S.bearer, path, 200, 0);

    /* The shape of the body: every bad member named. */
    POST(&r, path,
         "{\"agency_id\":\"west\",\"purposes\":\"case_notes\",\"from\":20261123,"
         "\"shoe\":1}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "agency_id");
    expect_field(&r, "purposes");
    expect_field(&r, "from");
    expect_field(&r, "shoe");
    reply_free(&r);
    /* Its values: every bad one named by the use case. */
    POST(&r, path,
         "{\"purposes\":[\"case_notes\",\"gossip\",\"case_notes\"],"
         "\"from\":\"2026-13-01\",\"until\":\"2026-01-01\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "agency_id");
    expect_field(&r, "purposes[1]");
    expect_field(&r, "purposes[2]");
    expect_field(&r, "from");
    expect_field(&r, "until");
    reply_free(&r);
    POST(&r, path,
         "{\"agency_id\":" MISSING ",\"purposes\":[\"plans\"],\"from\":\"" TODAY
         "\",\"until\":\"2027-01-01\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "agency_id");
    reply_free(&r);

    /* Only a serving agency's case managers record consents. */
    snprintf(body, sizeof(body),
             "{\"agency_id\":%d,\"purposes\":[\"plans\"],\"from\":\"" TODAY
             "\",\"until\":\"2027-01-01\"}",
             (int)partner_agency_id);
    send_as(&r, partner_bearer, "POST", path, body);
    expect_error(&r, 403, "forbidden");
    reply_free(&r);
    send_as(&r, other_bearer, "POST", path, body);
    expect_error(&r, 403, "forbidden");
    reply_free(&r);
    POST(&r, "/api/v1/people/" MISSING "/consents", body);
    expect_error(&r, 404, "not_found");
    reply_free(&r);
    send_request(&r, NULL, "POST", path, body, S.bearer, "Content-Type: text/plain", NULL);
    expect_error(&r, 415, "unsupported_media_type");
    reply_free(&r);
    /* Nothing was written by any of them. */
    expect_list(S.bearer, path, 200, 0);
    expect_list(partner_bearer, path, 403, 0);
    expect_list(S.bearer, "/api/v1/people/" MISSING "/consents", 404, 0);
}

/* RULES.md §11: a partner sees shared records (case notes, assessments, plans) only under the
 * person's consent in force: granted, they see them; revoked, they are refused again. */
static void
test_sharing_follows_consent(void **state)
{
    struct reply r;
    char path[128], body[256], revoke[160];

    (void)state;
    expect_list(partner_bearer, at(path, sizeof(path), "/notes"), 403, 0);
    expect_list(partner_bearer, at(path, sizeof(path), "/assessments"), 403, 0);
    expect_list(partner_bearer, at(path, sizeof(path), "/plans"), 403, 0);

    snprintf(body, sizeof(body),
             "{\"agency_id\":%d,\"purposes\":[\"case_notes\",\"assessments\",\"plans\"],"
             "\"from\":\"" TODAY "\",\"until\":\"2027-11-23\"}",
             (int)partner_agency_id);
    POST(&r, at(path, sizeof(path), "/consents"), body);
    expect_status(&r, 201);
    int64_t consent = json_id(&r);
    assert_true(json_is_true(json_object_get(r.json, "in_force")));
    assert_int_equal(json_array_size(json_object_get(r.json, "purposes")), 3);
    assert_string_equal(str(r.json, "from"), TODAY);
    assert_true(json_is_null(json_object_get(r.json, "revoked_on")));
    reply_free(&r);

    send_as(&r, partner_bearer, "GET", at(path, sizeof(path), "/notes"), NULL);
    expect_status(&r, 200);
    assert_non_null(strstr(r.body, NOTE_TEXT));
    reply_free(&r);
    expect_list(partner_bearer, at(path, sizeof(path), "/assessments"), 200, 0);
    expect_list(partner_bearer, at(path, sizeof(path), "/plans"), 200, 0);
    /* Consents themselves stay with the serving agency. */
    expect_list(partner_bearer, at(path, sizeof(path), "/consents"), 403, 0);
    expect_list(S.bearer, at(path, sizeof(path), "/consents"), 200, 1);

    snprintf(revoke, sizeof(revoke), "%s/consents/%lld/revoke", person_path, (long long)consent);
    send_as(&r, partner_bearer, "POST", revoke, NULL);
    expect_error(&r, 403, "forbidden");
    reply_free(&r);
    POST(&r, revoke, NULL);
    expect_status(&r, 200);
    assert_string_equal(str(r.json, "revoked_on"), TODAY);
    reply_free(&r);
    POST(&r, revoke, NULL);
    expect_error(&r, 409, "conflict");
    reply_free(&r);
    POST(&r, at(path, sizeof(path), "/consents/" MISSING "/revoke"), NULL);
    expect_error(&r, 404, "not_found");
    reply_free(&r);

    /* Revoked from today on: the partner is refused again. */
    send_as(&r, partner_bearer, "GET", at(path, sizeof(path), "/notes"), NULL);
    expect_error(&r, 403, "forbidden");
    assert_null(strstr(r.body, NOTE_TEXT));
    reply_free(&r);
    expect_list(partner_bearer, at(path, sizeof(path), "/assessments"), 403, 0);
    expect_list(partner_bearer, at(path, sizeof(path), "/plans"), 403, 0);
    GET(&r, at(path, sizeof(path), "/consents"));
    expect_status(&r, 200);
    json_t *first = json_array_get(json_object_get(r.json, "consents"), 0);
    assert_string_equal(str(first, "revoked_on"), TODAY);
    assert_true(json_is_false(json_object_get(first, "in_force")));
    reply_free(&r);
}

/* ---- assessments ----------------------------------------------------------------------------- */

static void
test_assessments(void **state)
{
    struct reply r;
    char path[128];

    (void)state;
    at(path, sizeof(path), "/assessments");
    POST(&r, path,
         "{\"type\":\"TAB\",\"assessed_on\":\"2026-12-01\",\"scores\":[1],"
         "\"barriers\":[\"transport\",\"transport\"]}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "type");
    expect_field(&r, "assessed_on");
    expect_field(&r, "scores");
    expect_field(&r, "barriers[1]");
    reply_free(&r);
    POST(&r, path, "{\"type\":7,\"assessed_on\":\"2026-11-01\",\"level\":3}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "type");
    expect_field(&r, "level");
    reply_free(&r);
    /* Administrators change no case data. */
    send_as(&r, admin_bearer, "POST", path, "{\"type\":\"TABE\",\"assessed_on\":\"2026-11-01\"}");
    expect_error(&r, 403, "forbidden");
    reply_free(&r);
    POST(&r, "/api/v1/people/" MISSING "/assessments",
         "{\"type\":\"TABE\",\"assessed_on\":\"2026-11-01\"}");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
    expect_list(S.bearer, path, 200, 0);

    POST(&r, path,
         "{\"type\":\"TABE\",\"assessed_on\":\"2026-11-01\","
         "\"scores\":{\"reading\":563,\"level\":\"4\"},\"barriers\":[\"transport\"]}");
    expect_status(&r, 201);
    assert_string_equal(str(r.json, "type"), "TABE");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r.json, "scores"), "reading")), 563);
    assert_int_equal(json_array_size(json_object_get(r.json, "barriers")), 1);
    assert_true(json_is_string(json_object_get(r.json, "current_until")));
    int64_t tabe = json_id(&r);
    reply_free(&r);

    /* RULES.md §9: no partner repeats an assessment still current — the 409 says which. */
    POST(&r, path, "{\"type\":\"TABE\",\"assessed_on\":\"2026-11-20\"}");
    expect_error(&r, 409, "conflict");
    expect_field(&r, "type");
    char id_text[32];
    snprintf(id_text, sizeof(id_text), "%lld", (long long)tabe);
    assert_non_null(strstr(r.body, id_text));
    reply_free(&r);
    /* Another agency without the person's consent learns only that one is current. */
    send_as(&r, other_bearer, "POST", path, "{\"type\":\"TABE\",\"assessed_on\":\"2026-11-20\"}");
    expect_error(&r, 409, "conflict");
    expect_field(&r, "type");
    assert_null(strstr(r.body, "2026-11-01"));
    reply_free(&r);

    POST(&r, path, "{\"type\":\"CASAS\",\"assessed_on\":\"2026-11-02\"}");
    expect_status(&r, 201);
    reply_free(&r);
    expect_list(S.bearer, path, 200, 2);

    /* Pages. */
    char page[160];
    snprintf(page, sizeof(page), "%s?limit=1", path);
    GET(&r, page);
    expect_status(&r, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "assessments")), 1);
    assert_int_equal(json_integer_value(json_object_get(r.json, "next_offset")), 1);
    reply_free(&r);
    snprintf(page, sizeof(page), "%s?limit=1&offset=1", path);
    GET(&r, page);
    expect_status(&r, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "assessments")), 1);
    assert_true(json_is_null(json_object_get(r.json, "next_offset")));
    reply_free(&r);
    snprintf(page, sizeof(page), "%s?limit=101&offset=-1&color=red", path);
    GET(&r, page);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "limit");
    expect_field(&r, "offset");
    expect_field(&r, "color");
    reply_free(&r);
    snprintf(page, sizeof(page), "%s?limit=0", path);
    GET(&r, page);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "limit");
    reply_free(&r);
}

/* ---- plans, goals, reviews, signature ------------------------------------------------------ */

static void
test_plans(void **state)
{
    struct reply r;
    char path[128], plan_path[192], goal_path[256];

    (void)state;
    at(path, sizeof(path), "/plans");
    POST(&r, path, "{\"kind\":\"IEP\",\"created_on\":\"2026-12-01\",\"copy_given\":true}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "created_on");
    expect_field(&r, "copy_given");
    reply_free(&r);
    POST(&r, path, "{\"kind\":\"ISS\",\"created_on\":\"2026-11-01\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "kind"); /* an ISS is a youth plan; the person has WP */
    reply_free(&r);
    POST(&r, path, "{\"kind\":\"IEP\",\"created_on\":\"2026-11-01\",\"copy_given\":\"yes\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "copy_given");
    reply_free(&r);
    send_as(&r, partner_bearer, "POST", path, "{\"kind\":\"IEP\",\"created_on\":\"2026-11-01\"}");
    expect_error(&r, 403, "forbidden");
    reply_free(&r);
    expect_list(S.bearer, path, 200, 0);

    POST(&r, path, "{\"kind\":\"IEP\",\"created_on\":\"2026-11-01\"}");
    expect_status(&r, 201);
    int64_t plan = json_id(&r);
    assert_string_equal(str(r.json, "kind"), "IEP");
    assert_true(json_is_null(json_object_get(r.json, "signed_on")));
    reply_free(&r);
    POST(&r, path, "{\"kind\":\"IEP\",\"created_on\":\"2026-11-02\"}");
    expect_error(&r, 409, "conflict"); /* one open plan, until exit */
    reply_free(&r);
    snprintf(plan_path, sizeof(plan_path), "%s/%lld", path, (long long)plan);

    /* Goals. */
    snprintf(goal_path, sizeof(goal_path), "%s/goals", plan_path);
    POST(&r, goal_path, "{\"type\":\"FAME\",\"description\":\" \",\"target_date\":\"soon\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "type");
    expect_field(&r, "description");
    expect_field(&r, "target_date");
    reply_free(&r);
    POST(&r, goal_path,
         "{\"type\":\"EMPLOYMENT\",\"description\":\"A job\",\"target_date\":\"2026-10-01\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "target_date"); /* before the plan was created */
    reply_free(&r);
    POST(&r, at(goal_path, sizeof(goal_path), "/plans/" MISSING "/goals"),
         "{\"type\":\"EMPLOYMENT\",\"description\":\"A job\",\"target_date\":\"2027-03-01\"}");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
    snprintf(goal_path, sizeof(goal_path), "%s/goals", plan_path);
    POST(&r, goal_path,
         "{\"type\":\"EMPLOYMENT\",\"description\":\"A warehouse job\","
         "\"target_date\":\"2027-03-01\"}");
    expect_status(&r, 201);
    int64_t goal = json_id(&r);
    assert_string_equal(str(r.json, "status"), "open");
    reply_free(&r);
    POST(&r, goal_path,
         "{\"type\":\"CREDENTIAL\",\"description\":\"Forklift certificate\","
         "\"target_date\":\"2027-01-15\"}");
    expect_status(&r, 201);
    reply_free(&r);

    /* Closing a goal. */
    snprintf(goal_path, sizeof(goal_path), "%s/goals/%lld", plan_path, (long long)goal);
    send_request(&r, NULL, "PATCH", goal_path, "{\"status\":\"open\",\"closed_on\":\"soon\"}",
                 S.bearer, NULL);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "status");
    expect_field(&r, "closed_on");
    reply_free(&r);
    send_request(&r, NULL, "PATCH", goal_path, "{\"status\":\"attained\",\"why\":\"x\"}", S.bearer,
                 NULL);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "why");
    reply_free(&r);
    snprintf(goal_path, sizeof(goal_path), "%s/goals/" MISSING, plan_path);
    send_request(&r, NULL, "PATCH", goal_path,
                 "{\"status\":\"attained\",\"closed_on\":\"2026-11-20\"}", S.bearer, NULL);
    expect_error(&r, 404, "not_found");
    reply_free(&r);
    snprintf(goal_path, sizeof(goal_path), "%s/plans/%lld/goals/%lld", person_path,
             (long long)plan + 1000, (long long)goal);
    send_request(&r, NULL, "PATCH", goal_path,
                 "{\"status\":\"attained\",\"closed_on\":\"2026-11-20\"}", S.bearer, NULL);
    expect_error(&r, 404, "not_found"); /* the goal is not of that plan */
    reply_free(&r);
    snprintf(goal_path, sizeof(goal_path), "%s/goals/%lld", plan_path, (long long)goal);
    send_request(&r, NULL, "PATCH", goal_path,
                 "{\"status\":\"attained\",\"closed_on\":\"2026-11-20\"}", S.bearer, NULL);
    expect_status(&r, 200);
    assert_string_equal(str(r.json, "status"), "attained");
    assert_string_equal(str(r.json, "closed_on"), "2026-11-20");
    reply_free(&r);
    send_request(&r, NULL, "PATCH", goal_path,
                 "{\"status\":\"not_attained\",\"closed_on\":\"2026-11-21\"}", S.bearer, NULL);
    expect_error(&r, 409, "conflict");
    reply_free(&r);

    /* Reviews. */
    snprintf(goal_path, sizeof(goal_path), "%s/reviews", plan_path);
    POST(&r, goal_path, "{\"reviewed_on\":\"2026-12-25\",\"note\":\"\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "reviewed_on");
    expect_field(&r, "note");
    reply_free(&r);
    POST(&r, goal_path, "{\"reviewed_on\":\"2026-10-01\",\"note\":\"Early\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "reviewed_on"); /* before the plan was created */
    reply_free(&r);
    POST(&r, goal_path, "{\"reviewed_on\":\"2026-11-15\",\"note\":\"On track; resume done.\"}");
    expect_status(&r, 201);
    assert_string_equal(str(r.json, "note"), "On track; resume done.");
    reply_free(&r);

    /* The signature. */
    snprintf(goal_path, sizeof(goal_path), "%s/sign", plan_path);
    POST(&r, goal_path, "{\"signed_on\":\"2026-10-30\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "signed_on");
    reply_free(&r);
    POST(&r, goal_path, "{}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "signed_on");
    reply_free(&r);
    POST(&r, goal_path, "{\"signed_on\":\"2026-11-05\",\"copy_given\":true}");
    expect_status(&r, 200);
    assert_string_equal(str(r.json, "signed_on"), "2026-11-05");
    assert_true(json_is_true(json_object_get(r.json, "copy_given")));
    reply_free(&r);
    POST(&r, goal_path, "{\"signed_on\":\"2026-11-06\"}");
    expect_error(&r, 409, "conflict");
    reply_free(&r);

    GET(&r, path);
    expect_status(&r, 200);
    assert_int_equal(total_of(&r), 1);
    json_t *p = json_array_get(json_object_get(r.json, "plans"), 0);
    assert_int_equal(json_array_size(json_object_get(p, "goals")), 2);
    assert_int_equal(json_array_size(json_object_get(p, "reviews")), 1);
    assert_string_equal(str(json_object_get(p, "review_status"), "last_reviewed_on"), "2026-11-15");
    assert_true(json_is_true(json_object_get(p, "copy_given")));
    reply_free(&r);
}

/* ---- outcomes -------------------------------------------------------------------------------- */

static void
test_outcomes(void **state)
{
    struct reply r;
    char path[128];

    (void)state;
    at(path, sizeof(path), "/outcomes");
    POST(&r, path, "{\"kind\":\"promotion\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "kind");
    reply_free(&r);
    POST(&r, path, "{\"kind\":\"employment\",\"date\":\"2026-10-01\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "quarter");
    expect_field(&r, "earnings_cents");
    expect_field(&r, "employer_id");
    expect_field(&r, "source");
    expect_field(&r, "date");
    reply_free(&r);
    POST(&r, path, "{\"kind\":\"employment\",\"earnings_cents\":\"lots\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "earnings_cents");
    reply_free(&r);
    send_as(&r, partner_bearer, "POST", path,
            "{\"kind\":\"credential\",\"date\":\"2026-11-01\","
            "\"type\":\"POSTSECONDARY_CERTIFICATE\"}");
    expect_error(&r, 403, "forbidden");
    reply_free(&r);
    expect_list(S.bearer, path, 200, 0);

    POST(&r, path,
         "{\"kind\":\"employment\",\"quarter\":\"2026-Q3\",\"earnings_cents\":812000,"
         "\"employer_id\":\"12-3456789\",\"source\":\"wage_record\"}");
    expect_status(&r, 201);
    assert_string_equal(str(r.json, "quarter"), "2026-Q3");
    assert_string_equal(str(r.json, "date"), "2026-07-01");
    assert_int_equal(json_integer_value(json_object_get(r.json, "earnings_cents")), 812000);
    reply_free(&r);
    expect_list(S.bearer, path, 200, 1);
    expect_list(partner_bearer, path, 403, 0);
    expect_list(S.bearer, "/api/v1/people/" MISSING "/outcomes", 404, 0);
}

/* A retried create with its Idempotency-Key returns the first answer and creates nothing. */
static void
test_idempotency_key(void **state)
{
    struct reply first, again;
    char path[128];
    const char *body = "{\"kind\":\"employment\",\"quarter\":\"2026-Q2\",\"earnings_cents\":5,"
                       "\"employer_id\":\"UI-77\",\"source\":\"supplemental\"}";
    char v[16];

    (void)state;
    at(path, sizeof(path), "/outcomes");
    send_request(&first, NULL, "POST", path, body, S.bearer, "Idempotency-Key: outcome-q2", NULL);
    expect_status(&first, 201);
    send_request(&again, NULL, "POST", path, body, S.bearer, "Idempotency-Key: outcome-q2", NULL);
    expect_status(&again, 201);
    assert_int_equal(json_id(&again), json_id(&first));
    assert_non_null(header(&again, "Idempotent-Replayed", v, sizeof(v)));
    reply_free(&first);
    reply_free(&again);
    expect_list(S.bearer, path, 200, 2);

    at(path, sizeof(path), "/assessments");
    body = "{\"type\":\"CAREERSCOPE\",\"assessed_on\":\"2026-11-03\"}";
    send_request(&first, NULL, "POST", path, body, S.bearer, "Idempotency-Key: scope-1", NULL);
    expect_status(&first, 201);
    send_request(&again, NULL, "POST", path, body, S.bearer, "Idempotency-Key: scope-1", NULL);
    expect_status(&again, 201);
    assert_int_equal(json_id(&again), json_id(&first));
    reply_free(&first);
    reply_free(&again);
    expect_list(S.bearer, path, 200, 3);
}

/* ---- the audit log --------------------------------------------------------------------------- */

/* Whether everyone's audit log, read page by page as the auditor, has an entry of action. */
static bool
audit_has(const char *action)
{
    char path[96];
    bool found = false;
    json_t *next = json_integer(0);

    while (!found && json_is_integer(next)) {
        struct reply r;
        snprintf(path, sizeof(path), "/api/v1/audit?limit=100&offset=%lld",
                 (long long)json_integer_value(next));
        json_decref(next);
        send_as(&r, auditor_bearer, "GET", path, NULL);
        expect_status(&r, 200);
        json_t *entries = json_object_get(r.json, "entries");
        for (size_t i = 0; i < json_array_size(entries) && !found; i++)
            found = strcmp(str(json_array_get(entries, i), "action"), action) == 0;
        next = json_incref(json_object_get(r.json, "next_offset"));
        reply_free(&r);
    }
    json_decref(next);
    return found;
}

static void
test_audit_log(void **state)
{
    struct reply r;
    char path[128];

    (void)state;
    expect_list(S.bearer, "/api/v1/audit", 403, 0);
    expect_list(partner_bearer, "/api/v1/audit", 403, 0);

    snprintf(path, sizeof(path), "/api/v1/audit?person_id=%lld&limit=5", (long long)person_id);
    send_as(&r, auditor_bearer, "GET", path, NULL);
    expect_status(&r, 200);
    json_t *entries = json_object_get(r.json, "entries");
    assert_int_equal(json_array_size(entries), 5);
    assert_true(total_of(&r) > 5);
    assert_int_equal(json_integer_value(json_object_get(r.json, "next_offset")), 5);
    assert_true(json_is_false(json_object_get(r.json, "details_withheld")));
    /* Newest first by time; the entries of changes and of reads each name their log, and ids
     * count within a log (newest first there too). */
    int64_t last_id[2] = {INT64_MAX, INT64_MAX};
    const char *last_at = NULL;
    for (size_t i = 0; i < json_array_size(entries); i++) {
        json_t *e = json_array_get(entries, i);
        assert_int_equal(json_integer_value(json_object_get(e, "person_id")), person_id);
        assert_true(json_is_string(json_object_get(e, "action")));
        const char *log = str(e, "log");
        assert_non_null(log);
        assert_non_null(str(e, "at"));
        assert_true(strcmp(log, "changes") == 0 || strcmp(log, "reads") == 0);
        int reads = strcmp(log, "reads") == 0;
        int64_t id = json_integer_value(json_object_get(e, "id"));
        assert_true(id < last_id[reads]);
        last_id[reads] = id;
        if (last_at != NULL)
            assert_true(strcmp(str(e, "at"), last_at) <= 0);
        last_at = str(e, "at");
    }
    reply_free(&r);

    /* Everyone's log, and the refusals above are in it. */
    assert_true(audit_has("disclosure.refuse"));
    assert_true(audit_has("consent.revoke"));
    assert_true(audit_has("access.refuse"));

    /* Administrators see who did what and when, not the case data. */
    send_as(&r, admin_bearer, "GET", path, NULL);
    expect_status(&r, 200);
    assert_true(json_is_true(json_object_get(r.json, "details_withheld")));
    entries = json_object_get(r.json, "entries");
    for (size_t i = 0; i < json_array_size(entries); i++) {
        assert_true(json_is_null(json_object_get(json_array_get(entries, i), "after")));
        assert_true(json_is_null(json_object_get(json_array_get(entries, i), "reason")));
    }
    reply_free(&r);

    send_as(&r, auditor_bearer, "GET", "/api/v1/audit?person_id=abc&limit=500&who=me", NULL);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "person_id");
    expect_field(&r, "who");
    reply_free(&r);
    send_as(&r, auditor_bearer, "GET", "/api/v1/audit?limit=500", NULL);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "limit");
    reply_free(&r);
    expect_list(auditor_bearer, "/api/v1/audit?person_id=" MISSING, 404, 0);
}

/* ---- administration -------------------------------------------------------------------------- */

static void
test_admin_refuses_others(void **state)
{
    static const char *const gets[] = {"/api/v1/admin/users", "/api/v1/admin/agencies",
                                       "/api/v1/admin/roles", "/api/v1/admin/settings"};
    const char *others[] = {S.bearer, partner_bearer, auditor_bearer, other_bearer};
    struct reply r;

    (void)state;
    for (size_t k = 0; k < sizeof(others) / sizeof(others[0]); k++) {
        for (size_t i = 0; i < sizeof(gets) / sizeof(gets[0]); i++) {
            send_as(&r, others[k], "GET", gets[i], NULL);
            expect_error(&r, 403, "forbidden");
            reply_free(&r);
        }
        send_as(&r, others[k], "POST", "/api/v1/admin/users",
                "{\"email\":\"sneaky@east.test\",\"name\":\"Sneaky\",\"role\":\"admin\","
                "\"agency\":\"AJC_EAST\",\"password\":\"" NEW_PASSWORD "\"}");
        expect_error(&r, 403, "forbidden");
        assert_null(strstr(r.body, NEW_PASSWORD));
        reply_free(&r);
        /* Refused before the body is read: a bad one is still a 403. */
        send_as(&r, others[k], "POST", "/api/v1/admin/agencies", "{\"code\":7}");
        expect_error(&r, 403, "forbidden");
        reply_free(&r);
    }
    send_as(&r, admin_bearer, "GET", "/api/v1/admin/users?limit=100", NULL);
    expect_status(&r, 200);
    assert_null(strstr(r.body, "sneaky@east.test"));
    reply_free(&r);
}

static void
test_admin_users(void **state)
{
    struct reply r;
    char v[64];

    (void)state;
    send_as(&r, admin_bearer, "GET", "/api/v1/admin/users", NULL);
    expect_status(&r, 200);
    assert_int_equal(total_of(&r), 5);
    json_t *first = json_array_get(json_object_get(r.json, "users"), 0);
    assert_string_equal(str(first, "email"), CM_EMAIL);
    assert_string_equal(str(first, "agency"), "AJC_EAST");
    assert_null(json_object_get(first, "password_hash"));
    assert_null(strstr(r.body, "argon2"));
    reply_free(&r);
    send_as(&r, admin_bearer, "GET", "/api/v1/admin/users?limit=2&offset=2", NULL);
    expect_status(&r, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "users")), 2);
    assert_int_equal(json_integer_value(json_object_get(r.json, "next_offset")), 4);
    reply_free(&r);

    send_as(&r, admin_bearer, "POST", "/api/v1/admin/users",
            "{\"email\":\"not an address\",\"name\":\"\",\"role\":\"boss\",\"agency\":\"\","
            "\"password\":\"short\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "email");
    expect_field(&r, "name");
    expect_field(&r, "role");
    expect_field(&r, "agency");
    expect_field(&r, "password");
    assert_null(strstr(r.body, "short"));
    reply_free(&r);
    send_as(&r, admin_bearer, "POST", "/api/v1/admin/users",
            "{\"email\":\"new@east.test\",\"name\":\"New\",\"role\":\"case_manager\","
            "\"agency\":\"NOWHERE\",\"password\":\"" NEW_PASSWORD "\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "agency");
    reply_free(&r);
    send_as(&r, admin_bearer, "POST", "/api/v1/admin/users",
            "{\"email\":\"new@east.test\",\"name\":\"New\",\"role\":\"case_manager\","
            "\"agency\":\"AJC_EAST\",\"password\":12,\"shoe\":1}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "password");
    expect_field(&r, "shoe");
    reply_free(&r);

    const char *body =
        "{\"email\":\"new@east.test\",\"name\":\"New Hire\",\"role\":"
        "\"case_manager\",\"agency\":\"AJC_EAST\",\"password\":\"" NEW_PASSWORD "\"}";
    send_request(&r, NULL, "POST", "/api/v1/admin/users", body, admin_bearer,
                 "Idempotency-Key: hire-1", NULL);
    expect_status(&r, 201);
    assert_string_equal(str(r.json, "email"), "new@east.test");
    assert_string_equal(str(r.json, "role"), "case_manager");
    assert_true(json_is_true(json_object_get(r.json, "active")));
    assert_null(json_object_get(r.json, "password"));
    assert_null(strstr(r.body, NEW_PASSWORD));
    assert_null(strstr(r.body, "argon2"));
    int64_t id = json_id(&r);
    reply_free(&r);
    send_request(&r, NULL, "POST", "/api/v1/admin/users", body, admin_bearer,
                 "Idempotency-Key: hire-1", NULL);
    expect_status(&r, 201);
    assert_int_equal(json_id(&r), id);
    assert_non_null(header(&r, "Idempotent-Replayed", v, sizeof(v)));
    reply_free(&r);
    send_as(&r, admin_bearer, "POST", "/api/v1/admin/users", body);
    expect_error(&r, 409, "conflict");
    assert_null(strstr(r.body, NEW_PASSWORD));
    reply_free(&r);
    expect_list(admin_bearer, "/api/v1/admin/users", 200, 6);

    /* The new account signs in with its password. */
    send_request(&r, NULL, "POST", "/api/v1/session",
                 "{\"email\":\"new@east.test\",\"password\":\"" NEW_PASSWORD "\"}", NULL);
    expect_status(&r, 200);
    reply_free(&r);
}

static void
test_admin_agencies_roles_settings(void **state)
{
    struct reply r;

    (void)state;
    expect_list(admin_bearer, "/api/v1/admin/agencies", 200, 3);
    send_as(&r, admin_bearer, "POST", "/api/v1/admin/agencies", "{\"code\":\"north ajc\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "code");
    expect_field(&r, "name");
    reply_free(&r);
    send_as(&r, admin_bearer, "POST", "/api/v1/admin/agencies",
            "{\"code\":\"AJC_NORTH\",\"name\":\"North AJC\"}");
    expect_status(&r, 201);
    assert_string_equal(str(r.json, "code"), "AJC_NORTH");
    assert_true(json_id(&r) > 0);
    reply_free(&r);
    send_as(&r, admin_bearer, "POST", "/api/v1/admin/agencies",
            "{\"code\":\"AJC_NORTH\",\"name\":\"Again\"}");
    expect_error(&r, 409, "conflict");
    reply_free(&r);
    expect_list(admin_bearer, "/api/v1/admin/agencies", 200, 4);

    send_as(&r, admin_bearer, "GET", "/api/v1/admin/roles", NULL);
    expect_status(&r, 200);
    assert_int_equal(total_of(&r), 6);
    assert_non_null(strstr(r.body, "\"partner_staff\""));
    reply_free(&r);
    send_as(&r, admin_bearer, "GET", "/api/v1/admin/roles?limit=2&offset=5", NULL);
    expect_status(&r, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "roles")), 1);
    assert_true(json_is_null(json_object_get(r.json, "next_offset")));
    reply_free(&r);

    send_as(&r, admin_bearer, "GET", "/api/v1/admin/settings", NULL);
    expect_status(&r, 200);
    json_t *settings = json_object_get(r.json, "settings");
    assert_int_equal(json_integer_value(json_object_get(settings, "exit_after_days")), 90);
    assert_int_equal(json_integer_value(json_object_get(settings, "assessment_current_days")), 365);
    assert_true(json_is_string(json_object_get(settings, "open_service_past_projected_end")));
    reply_free(&r);
    send_as(&r, admin_bearer, "GET", "/api/v1/admin/settings?verbose=1", NULL);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "verbose");
    reply_free(&r);
}

/* The server still answers, and stops cleanly (no sanitizer report, exit 0). */
static void
test_stops_cleanly(void **state)
{
    struct reply r;

    (void)state;
    send_request(&r, NULL, "GET", "/api/v1/healthz", NULL, NULL);
    expect_status(&r, 200);
    reply_free(&r);
    harness_stop();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_consent_errors), cmocka_unit_test(test_sharing_follows_consent),
        cmocka_unit_test(test_assessments),    cmocka_unit_test(test_plans),
        cmocka_unit_test(test_outcomes),       cmocka_unit_test(test_idempotency_key),
        cmocka_unit_test(test_audit_log),      cmocka_unit_test(test_admin_refuses_others),
        cmocka_unit_test(test_admin_users),    cmocka_unit_test(test_admin_agencies_roles_settings),
        cmocka_unit_test(test_stops_cleanly),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
