/* test_casefile.c — a person's case file over the HTTP API (api_casefile.c), as a client sees
 * it: the real `braid serve` over a fresh database (api_harness.h) with two agencies — the job
 * center whose case manager holds the API token, and an adult school whose partner staff hold
 * no consent — BRAID_TODAY=2026-11-23.
 *
 * For every endpoint: the good path, every bad field named in one 400 with nothing written, 403
 * for the partner without consent (the refusal on the audit log), 404 and 409; then the
 * scenario of the issue end to end, and 4 threads recording services for one person at once.
 * The tests share one server and run in order; the last one stops it with SIGTERM. */
#include "api_harness.h"

#include <pthread.h>
#include <sqlite3.h>

#define CM_EMAIL "cm@jobcenter.test"
#define AGENCY "JOB_CENTER"
#define PARTNER_AGENCY "ADULT_SCHOOL"
#define PARTNER_EMAIL "partner@adultschool.test"
#define AUDITOR_EMAIL "auditor@jobcenter.test"

#define SERVICE_THREADS 4
#define SERVICES_EACH 25

static char partner_bearer[256]; /* partner_staff of ADULT_SCHOOL, no consent */
static char auditor_bearer[256];

/* ---- helpers -------------------------------------------------------------------------------- */

#define PATCH(r, path, body) send_request((r), NULL, "PATCH", (path), (body), S.bearer, NULL)
/* A PATCH with If-Match: tag is the ETag as a string literal, such as "\"2\"". */
#define PATCH_IF(r, path, body, tag)                                                               \
    send_request((r), NULL, "PATCH", (path), (body), S.bearer, "If-Match: " tag, NULL)

/* One number from a query of the database, on a connection of its own, with the server's log of
 * reads (PATH-reads) attached as "reads".  The server loads its log of reads with every read it
 * has answered before it lists the audit log: an auditor's look at it comes first. */
static long long
db_count(const char *sql)
{
    struct reply audit;

    send_request(&audit, NULL, "GET", "/api/v1/audit?limit=1", NULL, auditor_bearer, NULL);
    expect_status(&audit, 200);
    reply_free(&audit);
    return file_count_with_reads(S.db, sql);
}

static long long
user_id(const char *email)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT id FROM users WHERE email = '%s'", email);
    return db_count(sql);
}

/* Everything written about people: a failed request leaves this unchanged. */
static long long
rows_written(void)
{
    return db_count("SELECT (SELECT count(*) FROM enrollments) + (SELECT count(*) FROM services) "
                    "+ (SELECT count(*) FROM planned_gaps) + (SELECT count(*) FROM case_notes) "
                    "+ (SELECT count(*) FROM contacts) + (SELECT count(*) FROM exits)");
}

static int64_t
register_person(const char *first, const char *last, const char *birth)
{
    struct reply r;
    char body[256];

    snprintf(body, sizeof(body),
             "{\"first_name\":\"%s\",\"last_name\":\"%s\",\"birth_date\":\"%s\",\"sex\":\"female\","
             "\"authorized_to_work\":true}",
             first, last, birth);
    POST(&r, "/api/v1/people", body);
    expect_status(&r, 201);
    int64_t id = json_id(&r);
    reply_free(&r);
    return id;
}

/* The answer to a change that moves the exit clock: {item: {...}, "exit": the determination,
 * "alerts": [...], "withheld": [...]} as GET .../alerts has them; returns the item. */
static json_t *
expect_change_answer(const struct reply *r, const char *item)
{
    json_t *found = json_object_get(r->json, item);
    if (!json_is_object(found) || !json_is_object(json_object_get(r->json, "exit")) ||
        !json_is_array(json_object_get(r->json, "alerts")) ||
        !json_is_array(json_object_get(r->json, "withheld")))
        fail_msg("not a change's answer with \"%s\", exit, alerts and withheld: %s", item,
                 r->body != NULL ? r->body : "(no body)");
    return found;
}

/* POSTs body to /api/v1/people/{person}/{what}, expects 201, and returns the reply. */
static void
create(struct reply *r, int64_t person, const char *what, const char *body)
{
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/people/%lld/%s", (long long)person, what);
    POST(r, path, body);
    expect_status(r, 201);
}

static int64_t
enroll(int64_t person, const char *program, const char *on)
{
    struct reply r;
    char body[192];

    snprintf(body, sizeof(body),
             "{\"program\":\"%s\",\"eligibility_date\":\"%s\",\"facts\":{\"screened\":true}}",
             program, on);
    create(&r, person, "enrollments", body);
    int64_t id = json_integer_value(json_object_get(expect_change_answer(&r, "enrollment"), "id"));
    assert_true(id > 0);
    reply_free(&r);
    return id;
}

/* Records a service (end NULL: open) and returns its id. */
static int64_t
serve(int64_t person, const char *program, const char *code, const char *start, const char *end)
{
    struct reply r;
    char body[256];

    snprintf(body, sizeof(body),
             "{\"program\":\"%s\",\"code\":\"%s\",\"start_date\":\"%s\",\"end_date\":%s%s%s}",
             program, code, start, end != NULL ? "\"" : "", end != NULL ? end : "null",
             end != NULL ? "\"" : "");
    create(&r, person, "services", body);
    json_t *service = expect_change_answer(&r, "service");
    int64_t id = json_integer_value(json_object_get(service, "id"));
    assert_true(id > 0);
    reply_free(&r);
    return id;
}

/* GETs /api/v1/people/{person}/{what} and returns its "total". */
static long long
list_total(int64_t person, const char *what)
{
    struct reply r;
    char path[128];

    snprintf(path, sizeof(path), "/api/v1/people/%lld/%s", (long long)person, what);
    GET(&r, path);
    expect_status(&r, 200);
    long long total = json_integer_value(json_object_get(r.json, "total"));
    reply_free(&r);
    return total;
}

static const char *
member_text(json_t *object, const char *name)
{
    const char *text = json_string_value(json_object_get(object, name));
    return text != NULL ? text : "(none)";
}

/* The period of program in an exit determination, or NULL. */
static json_t *
period_of(json_t *exit, const char *program)
{
    json_t *periods = json_object_get(exit, "periods");
    json_t *found = NULL;
    for (size_t i = 0; i < json_array_size(periods); i++) {
        json_t *p = json_array_get(periods, i);
        if (strcmp(member_text(p, "program"), program) == 0)
            found = p; /* the latest period comes last */
    }
    return found;
}

/* Whether a change's answer has "alerts" as an array with an alert of kind for service_id. */
static bool
has_alert(const struct reply *r, const char *kind, int64_t service_id)
{
    json_t *alerts = json_object_get(r->json, "alerts");
    assert_true(json_is_array(alerts));
    for (size_t i = 0; i < json_array_size(alerts); i++) {
        json_t *a = json_array_get(alerts, i);
        if (strcmp(member_text(a, "kind"), kind) == 0 &&
            json_integer_value(json_object_get(a, "service_id")) == service_id)
            return true;
    }
    return false;
}

/* The line `braid exits --db` prints for bundle id id. */
static json_t *
braid_exits_line(const char *id)
{
    const char *args[] = {"exits", "--db", S.db, "--as-of", TODAY, NULL};
    char *out = NULL;
    json_t *found = NULL;

    assert_int_equal(run_braid(args, NULL, &out), 0);
    for (char *line = out; *line != '\0' && found == NULL;) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        json_t *value = json_loadb(line, (size_t)(nl - line), 0, NULL);
        assert_non_null(value);
        if (strcmp(member_text(value, "id"), id) == 0)
            found = value;
        else
            json_decref(value);
        line = nl + 1;
    }
    free(out);
    if (found == NULL)
        fail_msg("braid exits printed no line for %s", id);
    return found;
}

/* GET .../exit equals what `braid exits --db` prints for the person. */
static void
expect_exit_as_braid_exits(int64_t person)
{
    struct reply r;
    char path[96], id[32];

    snprintf(path, sizeof(path), "/api/v1/people/%lld/exit", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    snprintf(id, sizeof(id), "P%lld", (long long)person);
    json_t *line = braid_exits_line(id);
    if (!json_equal(r.json, line)) {
        char *want = json_dumps(line, JSON_COMPACT);
        fail_msg("the API says\n%s\nbut braid exits says\n%s", r.body, want);
    }
    json_decref(line);
    reply_free(&r);
}

/* ---- the server ----------------------------------------------------------------------------- */

static int
group_setup(void **state)
{
    (void)state;
    if (harness_open() != 0)
        return -1;
    if (harness_fresh_db(AGENCY, CM_EMAIL) != 0 ||
        harness_agency(PARTNER_AGENCY, "Adult School") != 0 ||
        harness_user(PARTNER_EMAIL, "partner_staff", PARTNER_AGENCY, partner_bearer,
                     sizeof(partner_bearer)) != 0 ||
        harness_user(AUDITOR_EMAIL, "auditor", AGENCY, auditor_bearer, sizeof(auditor_bearer)) != 0)
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

/* ---- enrollments ---------------------------------------------------------------------------- */

static void
test_enrollments(void **state)
{
    struct reply r;
    char path[128], v[128];

    (void)state;
    int64_t person = register_person("Enid", "Enrolled", "1990-04-04");
    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments", (long long)person);
    POST(&r, path, "{\"program\":\"ADULT\",\"eligibility_date\":\"2026-09-01\",\"facts\":{}}");
    expect_status(&r, 201);
    json_t *enrollment = expect_change_answer(&r, "enrollment");
    assert_string_equal(member_text(enrollment, "program"), "ADULT");
    assert_string_equal(member_text(enrollment, "eligibility_date"), "2026-09-01");
    assert_true(json_is_null(json_object_get(enrollment, "exit")));
    assert_int_equal(json_array_size(json_object_get(r.json, "withheld")), 0);
    /* The exit group changed: ADULT is in it, reportable, not yet a participation. */
    json_t *adult = period_of(json_object_get(r.json, "exit"), "ADULT");
    assert_non_null(adult);
    assert_string_equal(member_text(adult, "status"), "reportable");
    assert_true(json_is_null(json_object_get(adult, "entry_date")));
    char want[128];
    snprintf(want, sizeof(want), "/api/v1/people/%lld/enrollments/%lld", (long long)person,
             (long long)json_integer_value(json_object_get(enrollment, "id")));
    assert_non_null(header(&r, "Location", v, sizeof(v)));
    assert_string_equal(v, want);
    assert_non_null(header(&r, "ETag", v, sizeof(v)));
    assert_string_equal(v, "\"1\"");
    reply_free(&r);
    enroll(person, "WP", "2026-09-02");
    enroll(person, "DW", "2026-09-03");

    long long before = rows_written();
    POST(&r, path, "{}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "program");
    expect_field(&r, "eligibility_date");
    expect_field(&r, "facts");
    reply_free(&r);
    POST(&r, path,
         "{\"program\":\"NOPE\",\"eligibility_date\":\"2026-02-30\",\"facts\":\"x\",\"colour\":1}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "program");
    expect_field(&r, "eligibility_date");
    expect_field(&r, "facts");
    expect_field(&r, "colour");
    reply_free(&r);
    POST(&r, path, "{\"program\":\"ADULT\",\"eligibility_date\":\"2026-12-01\",\"facts\":{}}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "eligibility_date");
    reply_free(&r);
    POST(&r, "/api/v1/people/99999999/enrollments",
         "{\"program\":\"ADULT\",\"eligibility_date\":\"2026-09-01\",\"facts\":{}}");
    expect_error(&r, 404, "not_found");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.json, "error"), "message")),
        "no person with id 99999999");
    reply_free(&r);
    assert_int_equal(rows_written(), before);

    /* The list, a page at a time. */
    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments?limit=2", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 3);
    assert_int_equal(json_array_size(json_object_get(r.json, "enrollments")), 2);
    assert_int_equal(json_integer_value(json_object_get(r.json, "next_offset")), 2);
    json_t *first = json_array_get(json_object_get(r.json, "enrollments"), 0);
    assert_string_equal(member_text(first, "program"), "ADULT");
    assert_true(json_is_integer(json_object_get(first, "id")));
    reply_free(&r);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments?limit=2&offset=2",
             (long long)person);
    GET(&r, path);
    assert_int_equal(json_array_size(json_object_get(r.json, "enrollments")), 1);
    assert_true(json_is_null(json_object_get(r.json, "next_offset")));
    reply_free(&r);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments?limit=101&offset=-1&x=1",
             (long long)person);
    GET(&r, path);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "limit");
    expect_field(&r, "offset");
    expect_field(&r, "x");
    reply_free(&r);
    GET(&r, "/api/v1/people/99999999/enrollments");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
}

/* ---- eligibility ---------------------------------------------------------------------------- */

static json_t *
screened(json_t *body, const char *program)
{
    json_t *programs = json_object_get(body, "programs");
    for (size_t i = 0; i < json_array_size(programs); i++)
        if (strcmp(member_text(json_array_get(programs, i), "program"), program) == 0)
            return json_array_get(programs, i);
    fail_msg("no %s in the screen", program);
    return NULL;
}

static void
test_eligibility(void **state)
{
    struct reply r;
    char path[128];

    (void)state;
    int64_t person = register_person("Elle", "Screened", "2008-06-01");
    snprintf(path, sizeof(path), "/api/v1/people/%lld/eligibility?limit=100", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    assert_string_equal(member_text(r.json, "as_of"), TODAY);
    assert_true(json_integer_value(json_object_get(r.json, "total")) >= 12);
    json_t *adult = screened(r.json, "ADULT");
    assert_string_not_equal(member_text(adult, "status"), "not_eligible");
    assert_true(json_is_array(json_object_get(adult, "reasons")));
    assert_true(json_is_object(json_object_get(r.json, "priority")));
    reply_free(&r);

    /* Ages count on as_of: at 15 she is no ADULT. */
    snprintf(path, sizeof(path), "/api/v1/people/%lld/eligibility?as_of=2023-07-01&limit=100",
             (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    assert_string_equal(member_text(r.json, "as_of"), "2023-07-01");
    assert_string_equal(member_text(screened(r.json, "ADULT"), "status"), "not_eligible");
    reply_free(&r);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/eligibility?limit=2", (long long)person);
    GET(&r, path);
    assert_int_equal(json_array_size(json_object_get(r.json, "programs")), 2);
    assert_int_equal(json_integer_value(json_object_get(r.json, "next_offset")), 2);
    reply_free(&r);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/eligibility?as_of=2026-02-30&limit=0",
             (long long)person);
    GET(&r, path);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "as_of");
    expect_field(&r, "limit");
    reply_free(&r);
    GET(&r, "/api/v1/people/99999999/eligibility");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
}

/* ---- services ------------------------------------------------------------------------------- */

static void
test_services(void **state)
{
    struct reply r;
    char path[128], body[256], v[128];

    (void)state;
    int64_t person = register_person("Seth", "Served", "1985-01-15");
    int64_t other = register_person("Otto", "Other", "1985-01-16");
    enroll(person, "ADULT", "2026-09-01");
    enroll(other, "ADULT", "2026-09-01");
    int64_t others_service = serve(other, "ADULT", "CASE_MANAGEMENT", "2026-09-02", "2026-09-02");

    snprintf(path, sizeof(path), "/api/v1/people/%lld/services", (long long)person);
    POST(&r, path,
         "{\"program\":\"ADULT\",\"code\":\"CASE_MANAGEMENT\",\"start_date\":\"2026-10-01\","
         "\"projected_end_date\":\"2026-12-31\",\"provider\":\"Job Center East\","
         "\"note\":\"Started case management.\"}");
    expect_status(&r, 201);
    json_t *service = json_object_get(r.json, "service");
    int64_t sid = json_integer_value(json_object_get(service, "id"));
    assert_string_equal(member_text(service, "code"), "CASE_MANAGEMENT");
    assert_string_equal(member_text(service, "start_date"), "2026-10-01");
    assert_true(json_is_null(json_object_get(service, "end_date")));
    assert_string_equal(member_text(service, "projected_end_date"), "2026-12-31");
    assert_string_equal(member_text(service, "provider"), "Job Center East");
    json_t *adult = period_of(json_object_get(r.json, "exit"), "ADULT");
    assert_non_null(adult);
    assert_string_equal(member_text(adult, "status"), "active");
    assert_string_equal(member_text(adult, "held_by"), "open_service");
    assert_non_null(header(&r, "Location", v, sizeof(v)));
    /* The person's alerts as of today come with it: the service has its note. */
    assert_false(has_alert(&r, "NOTE_MISSING", sid));
    reply_free(&r);
    assert_int_equal(list_total(person, "notes"), 1); /* the service's case note */
    /* A service recorded without a note is missing one, and the answer says so. */
    snprintf(body, sizeof(body), "/api/v1/people/%lld/services", (long long)other);
    POST(&r, body,
         "{\"program\":\"ADULT\",\"code\":\"CASE_MANAGEMENT\",\"start_date\":\"2026-10-01\","
         "\"end_date\":\"2026-10-01\"}");
    expect_status(&r, 201);
    int64_t unnoted = json_integer_value(json_object_get(json_object_get(r.json, "service"), "id"));
    assert_true(unnoted > 0);
    assert_true(has_alert(&r, "NOTE_MISSING", unnoted));
    reply_free(&r);

    long long before = rows_written();
    /* RULES.md §3: a triggering service before eligibility, or in a program without any. */
    POST(&r, path,
         "{\"program\":\"ADULT\",\"code\":\"CASE_MANAGEMENT\",\"start_date\":\"2026-08-01\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "start_date");
    assert_non_null(strstr(r.body, "before ADULT eligibility"));
    reply_free(&r);
    POST(&r, path, "{\"program\":\"DW\",\"code\":\"OJT\",\"start_date\":\"2026-10-01\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "start_date");
    assert_non_null(strstr(r.body, "no DW eligibility determination"));
    reply_free(&r);
    /* Shapes: every bad field at once. */
    POST(&r, path, "{\"colour\":\"red\",\"end_date\":\"soon\",\"provider\":7}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "program");
    expect_field(&r, "code");
    expect_field(&r, "start_date");
    expect_field(&r, "end_date");
    expect_field(&r, "provider");
    expect_field(&r, "colour");
    reply_free(&r);
    POST(&r, path,
         "{\"program\":\"MARS\",\"code\":\"NAPPING\",\"start_date\":\"2026-10-01\","
         "\"note\":\"\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "program");
    expect_field(&r, "code");
    reply_free(&r);
    POST(&r, path,
         "{\"program\":\"ADULT\",\"code\":\"CASE_MANAGEMENT\",\"start_date\":\"2026-10-05\","
         "\"end_date\":\"2026-10-04\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "end_date");
    reply_free(&r);
    assert_int_equal(rows_written(), before);

    /* YOUTH: the objective assessment comes first (RULES.md §3, seed 004). */
    int64_t youth = register_person("Yuri", "Young", "2007-03-03");
    enroll(youth, "YOUTH", "2026-09-01");
    snprintf(body, sizeof(body), "/api/v1/people/%lld/services", (long long)youth);
    POST(&r, body, "{\"program\":\"YOUTH\",\"code\":\"TUTORING\",\"start_date\":\"2026-09-05\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "code");
    assert_non_null(strstr(r.body, "objective assessment"));
    reply_free(&r);
    serve(youth, "YOUTH", "OBJECTIVE_ASSESSMENT", "2026-09-04", "2026-09-04");
    serve(youth, "YOUTH", "TUTORING", "2026-09-05", NULL);

    /* Close it. */
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services/%lld", (long long)person,
             (long long)sid);
    send_request(&r, NULL, "PATCH", path, "{\"end_date\":\"2026-11-10\"}", S.bearer,
                 "If-Match: \"1\"", NULL);
    expect_status(&r, 200);
    service = json_object_get(r.json, "service");
    assert_string_equal(member_text(service, "end_date"), "2026-11-10");
    adult = period_of(json_object_get(r.json, "exit"), "ADULT");
    assert_string_equal(member_text(adult, "last_service_date"), "2026-11-10");
    assert_true(json_is_null(json_object_get(adult, "held_by")));
    reply_free(&r);
    before = rows_written();
    PATCH_IF(&r, path, "{\"end_date\":\"2026-09-30\",\"start_date\":\"2026-08-01\"}", "\"2\"");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "start_date");
    reply_free(&r);
    PATCH_IF(&r, path, "{}", "\"2\"");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "body");
    reply_free(&r);
    PATCH_IF(&r, path, "{\"end_date\":\"2026-09-30\"}", "\"2\"");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "end_date");
    reply_free(&r);
    /* Another person's service is not found under this person. */
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services/%lld", (long long)person,
             (long long)others_service);
    PATCH_IF(&r, path, "{\"end_date\":\"2026-11-11\"}", "\"1\"");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services/99999999", (long long)person);
    PATCH_IF(&r, path, "{\"end_date\":\"2026-11-11\"}", "\"1\"");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
    assert_int_equal(rows_written(), before);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/services/%lld", (long long)other,
             (long long)others_service);
    GET(&r, "/api/v1/people/99999999/services");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
    assert_int_equal(list_total(person, "services"), 1);
    assert_int_equal(list_total(youth, "services"), 2);
}

/* POSTs body to /api/v1/people/{person}/{what} twice under key: the retry creates nothing and is
 * answered as the first was (status, body, Location and ETag), marked as a replay. */
static void
expect_replayed(int64_t person, const char *what, const char *body, const char *key)
{
    struct reply first, again;
    char path[128], v[16];

    snprintf(path, sizeof(path), "/api/v1/people/%lld/%s", (long long)person, what);
    send_request(&first, NULL, "POST", path, body, S.bearer, key, NULL);
    expect_status(&first, 201);
    long long total = list_total(person, what);
    send_request(&again, NULL, "POST", path, body, S.bearer, key, NULL);
    expect_status(&again, 201);
    assert_string_equal(again.body, first.body);
    expect_same_header(&first, &again, "Location");
    expect_same_header(&first, &again, "ETag");
    assert_non_null(header(&again, "Idempotent-Replayed", v, sizeof(v)));
    assert_int_equal(list_total(person, what), total);
    reply_free(&first);
    reply_free(&again);
}

static void
test_service_idempotency(void **state)
{
    static const char service[] =
        "{\"program\":\"ADULT\",\"code\":\"STAFF_JOB_SEARCH\",\"start_date\":\"2026-11-02\","
        "\"end_date\":\"2026-11-02\"}";
    struct reply r;
    char path[128], v[128];

    (void)state;
    int64_t person = register_person("Ida", "Idempotent", "1979-09-09");
    enroll(person, "ADULT", "2026-09-01");
    expect_replayed(person, "services", service, "Idempotency-Key: svc-retry-1");
    assert_int_equal(list_total(person, "services"), 1);
    /* A third try is a replay too, with both headers (so the comparison above meant something). */
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services", (long long)person);
    send_request(&r, NULL, "POST", path, service, S.bearer, "Idempotency-Key: svc-retry-1", NULL);
    expect_status(&r, 201);
    assert_non_null(header(&r, "Location", v, sizeof(v)));
    assert_non_null(strstr(v, "/services/"));
    assert_non_null(header(&r, "ETag", v, sizeof(v)));
    assert_string_equal(v, "\"1\"");
    reply_free(&r);
    /* So is an enrollment's, and a gap's (which has no ETag: none in the replay either). */
    expect_replayed(person, "enrollments",
                    "{\"program\":\"WP\",\"eligibility_date\":\"2026-09-01\",\"facts\":{}}",
                    "Idempotency-Key: enr-retry-1");
    assert_int_equal(list_total(person, "enrollments"), 2);
    expect_replayed(person, "gaps",
                    "{\"program\":\"ADULT\",\"start_date\":\"2026-11-03\",\"planned_end_date\":"
                    "\"2027-03-01\",\"reason\":\"FAMILY_CARE\",\"services_after\":\"Job search\","
                    "\"note\":\"Caring for a parent.\"}",
                    "Idempotency-Key: gap-retry-1");
    assert_int_equal(list_total(person, "gaps"), 1);
}

/* ---- planned gaps --------------------------------------------------------------------------- */

static void
test_gaps(void **state)
{
    struct reply r;
    char path[128];

    (void)state;
    int64_t person = register_person("Gail", "Gapped", "1982-02-02");
    enroll(person, "ADULT", "2026-09-01");
    int64_t trained = serve(person, "ADULT", "OCCUPATIONAL_TRAINING", "2026-09-10", "2026-10-20");
    snprintf(path, sizeof(path), "/api/v1/people/%lld/gaps", (long long)person);
    POST(&r, path,
         "{\"program\":\"ADULT\",\"start_date\":\"2026-11-01\",\"planned_end_date\":\"2027-03-01\","
         "\"reason\":\"TRAINING_DELAY\",\"services_after\":\"Welding course, spring term\","
         "\"note\":\"The spring course starts in March.\"}");
    expect_status(&r, 201);
    json_t *gap = json_object_get(r.json, "gap");
    assert_true(json_integer_value(json_object_get(gap, "id")) > 0);
    assert_string_equal(member_text(gap, "reason"), "TRAINING_DELAY");
    assert_string_equal(member_text(gap, "planned_end_date"), "2027-03-01");
    json_t *adult = period_of(json_object_get(r.json, "exit"), "ADULT");
    assert_string_equal(member_text(adult, "held_by"), "planned_gap");
    assert_string_equal(member_text(adult, "soft_exit_on"), "2027-03-02");
    /* The alerts come with it: the training was recorded without its case note. */
    assert_true(has_alert(&r, "NOTE_MISSING", trained));
    reply_free(&r);

    long long before = rows_written();
    POST(&r, path, "{\"program\":\"ADULT\",\"reason\":\"BOREDOM\",\"services_after\":3}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "start_date");
    expect_field(&r, "planned_end_date");
    expect_field(&r, "reason");
    expect_field(&r, "services_after");
    expect_field(&r, "note");
    reply_free(&r);
    /* RULES.md §5: 91 to 179 days, and no overlap with another gap of the group. */
    POST(&r, path,
         "{\"program\":\"ADULT\",\"start_date\":\"2027-04-01\",\"planned_end_date\":\"2027-05-01\","
         "\"reason\":\"FAMILY_CARE\",\"services_after\":\"x\",\"note\":\"y\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "planned_end_date");
    reply_free(&r);
    POST(&r, path,
         "{\"program\":\"WP\",\"start_date\":\"2027-02-01\",\"planned_end_date\":\"2027-06-01\","
         "\"reason\":\"FAMILY_CARE\",\"services_after\":\"x\",\"note\":\"y\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "start_date");
    assert_non_null(strstr(r.body, "overlap"));
    reply_free(&r);
    assert_int_equal(rows_written(), before);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/gaps?limit=1", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 1);
    assert_string_equal(member_text(json_array_get(json_object_get(r.json, "gaps"), 0), "reason"),
                        "TRAINING_DELAY");
    reply_free(&r);
}

/* ---- notes and contacts --------------------------------------------------------------------- */

static void
test_notes_and_contacts(void **state)
{
    struct reply r;
    char path[128], body[256];

    (void)state;
    int64_t person = register_person("Nora", "Noted", "1975-07-07");
    int64_t other = register_person("Nils", "Elsewhere", "1975-07-08");
    enroll(person, "ADULT", "2026-09-01");
    enroll(other, "ADULT", "2026-09-01");
    int64_t service = serve(person, "ADULT", "CAREER_COUNSELING", "2026-09-03", "2026-09-03");
    int64_t others = serve(other, "ADULT", "CAREER_COUNSELING", "2026-09-03", "2026-09-03");

    snprintf(path, sizeof(path), "/api/v1/people/%lld/notes", (long long)person);
    POST(&r, path, "{\"body\":\"Called about the resume workshop.\"}");
    expect_status(&r, 201);
    assert_string_equal(member_text(r.json, "written_on"), TODAY);
    assert_true(json_is_null(json_object_get(r.json, "service_id")));
    assert_true(json_is_false(json_object_get(r.json, "confidential")));
    reply_free(&r);
    snprintf(body, sizeof(body),
             "{\"body\":\"Counseling went well.\",\"service_id\":%lld,"
             "\"confidential\":true}",
             (long long)service);
    POST(&r, path, body);
    expect_status(&r, 201);
    assert_int_equal(json_integer_value(json_object_get(r.json, "service_id")), service);
    reply_free(&r);

    long long before = rows_written();
    snprintf(body, sizeof(body), "{\"body\":\"Wrong person.\",\"service_id\":%lld}",
             (long long)others);
    POST(&r, path, body);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "service_id");
    reply_free(&r);
    POST(&r, path, "{\"body\":\"  \",\"confidential\":\"yes\",\"service_id\":\"one\",\"x\":0}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "body");
    expect_field(&r, "confidential");
    expect_field(&r, "service_id");
    expect_field(&r, "x");
    reply_free(&r);
    assert_int_equal(rows_written(), before);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/notes?limit=2&offset=1", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 2);
    assert_int_equal(json_array_size(json_object_get(r.json, "notes")), 1);
    assert_int_equal(json_integer_value(json_object_get(r.json, "withheld")), 0);
    reply_free(&r);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/contacts", (long long)person);
    POST(&r, path,
         "{\"contacted_on\":\"2026-11-20\",\"method\":\"phone\",\"responded\":true,"
         "\"outcome\":\"Will come in Monday.\"}");
    expect_status(&r, 201);
    assert_string_equal(member_text(r.json, "method"), "phone");
    assert_true(json_is_true(json_object_get(r.json, "responded")));
    assert_true(json_integer_value(json_object_get(r.json, "id")) > 0);
    reply_free(&r);
    before = rows_written();
    POST(&r, path, "{\"method\":\"pigeon\",\"responded\":\"no\",\"mood\":\"good\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "contacted_on");
    expect_field(&r, "method");
    expect_field(&r, "responded");
    expect_field(&r, "mood");
    reply_free(&r);
    POST(&r, path, "{\"contacted_on\":\"2026-12-20\",\"method\":\"letter\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "contacted_on");
    reply_free(&r);
    assert_int_equal(rows_written(), before);
    GET(&r, path);
    expect_status(&r, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 1);
    assert_string_equal(
        member_text(json_array_get(json_object_get(r.json, "contacts"), 0), "contacted_on"),
        "2026-11-20");
    reply_free(&r);
    GET(&r, "/api/v1/people/99999999/notes");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
    POST(&r, "/api/v1/people/99999999/contacts",
         "{\"contacted_on\":\"2026-11-20\",\"method\":\"phone\"}");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
}

/* ---- access --------------------------------------------------------------------------------- */

/* Sends as the partner without consent; expects 403. */
static void
expect_partner_refused(const char *method, const char *path, const char *body)
{
    struct reply r;
    send_request(&r, NULL, method, path, body, partner_bearer, NULL);
    if (r.status != 403)
        fail_msg("%s %s as the partner: expected 403, got %ld: %s", method, path, r.status,
                 r.body != NULL ? r.body : "");
    expect_error(&r, 403, "forbidden");
    reply_free(&r);
}

static void
test_partner_without_consent(void **state)
{
    struct reply r;
    char path[128], sql[256];
    static const char *const lists[] = {"enrollments", "services", "gaps", "notes", "contacts"};

    (void)state;
    int64_t person = register_person("Pia", "Private", "1988-08-08");
    int64_t enrollment = enroll(person, "ADULT", "2026-09-01");
    int64_t service = serve(person, "ADULT", "CASE_MANAGEMENT", "2026-09-02", NULL);
    long long partner = user_id(PARTNER_EMAIL);
    assert_true(partner > 0);
    long long before = rows_written();
    /* The refusals of changes are kept with the changes, those of reads in the log of reads. */
    char reads_sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit_log WHERE user_id = %lld AND person_id = %lld AND action "
             "IN ('access.refuse', 'disclosure.refuse')",
             partner, (long long)person);
    snprintf(reads_sql, sizeof(reads_sql),
             "SELECT count(*) FROM reads.read_log WHERE user_id = %lld AND person_id = %lld AND "
             "action IN ('access.refuse', 'disclosure.refuse')",
             partner, (long long)person);
    long long refusals = db_count(sql);
    long long read_refusals = db_count(reads_sql);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments", (long long)person);
    expect_partner_refused(
        "POST", path, "{\"program\":\"AEL\",\"eligibility_date\":\"2026-09-01\",\"facts\":{}}");
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services", (long long)person);
    expect_partner_refused("POST", path,
                           "{\"program\":\"ADULT\",\"code\":\"CASE_MANAGEMENT\","
                           "\"start_date\":\"2026-11-02\"}");
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services/%lld", (long long)person,
             (long long)service);
    send_request(&r, NULL, "PATCH", path, "{\"end_date\":\"2026-11-02\"}", partner_bearer,
                 "If-Match: \"1\"", NULL);
    expect_error(&r, 403, "forbidden");
    reply_free(&r);
    expect_partner_refused("GET", path, NULL);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/gaps", (long long)person);
    expect_partner_refused("POST", path,
                           "{\"program\":\"ADULT\",\"start_date\":\"2026-11-01\","
                           "\"planned_end_date\":\"2027-03-01\",\"reason\":\"FAMILY_CARE\","
                           "\"services_after\":\"x\",\"note\":\"y\"}");
    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments/%lld", (long long)person,
             (long long)enrollment);
    expect_partner_refused("PATCH", path, "{\"exit\":{\"reason\":\"NO_CONTACT\"}}");
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        snprintf(path, sizeof(path), "/api/v1/people/%lld/%s", (long long)person, lists[i]);
        expect_partner_refused("GET", path, NULL);
    }
    snprintf(path, sizeof(path), "/api/v1/people/%lld/eligibility", (long long)person);
    expect_partner_refused("GET", path, NULL);
    assert_int_equal(rows_written(), before);

    /* Every refusal is on the audit log (RULES.md §11), committed although the request failed:
     * the 5 changes' in the database's audit_log, the 7 reads' in the log of reads. */
    long long now = db_count(sql);
    if (now - refusals != 5)
        fail_msg("expected 5 refusals of changes audited, found %lld", now - refusals);
    now = db_count(reads_sql);
    if (now - read_refusals != 7)
        fail_msg("expected 7 refusals of reads audited, found %lld", now - read_refusals);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit_log WHERE user_id = %lld AND person_id = %lld AND "
             "after LIKE '%%case_file%%' AND after LIKE '%%write%%'",
             partner, (long long)person);
    assert_int_equal(db_count(sql), 5);
    /* ... and an auditor reading GET /api/v1/audit sees them (when that endpoint answers). */
    snprintf(path, sizeof(path), "/api/v1/audit?person_id=%lld&limit=100", (long long)person);
    send_request(&r, NULL, "GET", path, NULL, auditor_bearer, NULL);
    if (r.status == 200) {
        /* ... the refusals of both logs, each entry naming its log. */
        bool refused_change = false, refused_read = false;
        json_t *entries = json_object_get(r.json, "entries");
        for (size_t i = 0; i < json_array_size(entries); i++) {
            json_t *e = json_array_get(entries, i);
            const char *log = member_text(e, "log");
            if (strstr(member_text(e, "action"), "refuse") == NULL)
                continue;
            refused_change |= strcmp(log, "changes") == 0;
            refused_read |= strcmp(log, "reads") == 0;
        }
        assert_true(refused_change);
        assert_true(refused_read);
    } else
        printf("[ INFO     ] GET /api/v1/audit answered %ld: the refusals were checked in the "
               "database\n",
               r.status);
    reply_free(&r);

    /* The bundle shows the partner only what they may see, and names the rest. */
    snprintf(path, sizeof(path), "/api/v1/people/%lld/bundle", (long long)person);
    send_request(&r, NULL, "GET", path, NULL, partner_bearer, NULL);
    expect_status(&r, 200);
    assert_string_equal(member_text(json_object_get(r.json, "person"), "first_name"), "Pia");
    assert_int_equal(json_array_size(json_object_get(r.json, "services")), 0);
    assert_int_equal(json_array_size(json_object_get(r.json, "notes")), 0);
    json_t *withheld = json_object_get(r.json, "withheld");
    assert_true(json_array_size(withheld) >= 3);
    assert_non_null(strstr(r.body, "\"case_file\""));
    assert_non_null(strstr(r.body, "\"case_notes\""));
    reply_free(&r);
}

/* ---- the bundle ----------------------------------------------------------------------------- */

static void
test_bundle(void **state)
{
    struct reply r;
    char path[128];

    (void)state;
    int64_t person = register_person("Bea", "Bundled", "1970-10-10");
    enroll(person, "ADULT", "2026-09-01");
    serve(person, "ADULT", "CASE_MANAGEMENT", "2026-09-02", "2026-09-30");
    snprintf(path, sizeof(path), "/api/v1/people/%lld/notes", (long long)person);
    POST(&r, path, "{\"body\":\"Bundled note.\"}");
    expect_status(&r, 201);
    reply_free(&r);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/bundle", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    assert_string_equal(member_text(json_object_get(r.json, "person"), "last_name"), "Bundled");
    assert_int_equal(json_array_size(json_object_get(r.json, "enrollments")), 1);
    assert_int_equal(json_array_size(json_object_get(r.json, "services")), 1);
    assert_int_equal(json_array_size(json_object_get(r.json, "gaps")), 0);
    assert_int_equal(json_array_size(json_object_get(r.json, "notes")), 1);
    assert_int_equal(json_array_size(json_object_get(r.json, "contacts")), 0);
    assert_int_equal(json_array_size(json_object_get(r.json, "withheld")), 0);
    json_t *note = json_array_get(json_object_get(r.json, "notes"), 0);
    assert_string_equal(member_text(note, "body"), "Bundled note.");
    reply_free(&r);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/bundle?full=1", (long long)person);
    GET(&r, path);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "full");
    reply_free(&r);
    GET(&r, "/api/v1/people/99999999/bundle");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
}

/* ---- manual exit ---------------------------------------------------------------------------- */

static json_t *
enrollment_exit(json_t *list, const char *program)
{
    json_t *items = json_object_get(list, "enrollments");
    for (size_t i = 0; i < json_array_size(items); i++)
        if (strcmp(member_text(json_array_get(items, i), "program"), program) == 0)
            return json_object_get(json_array_get(items, i), "exit");
    fail_msg("no %s enrollment", program);
    return NULL;
}

static void
test_manual_exit(void **state)
{
    struct reply r;
    char path[128], sql[256];

    (void)state;
    int64_t person = register_person("Max", "Manual", "1980-05-05");
    int64_t adult = enroll(person, "ADULT", "2026-09-01");
    enroll(person, "WP", "2026-09-01");
    serve(person, "ADULT", "CASE_MANAGEMENT", "2026-09-10", "2026-09-20");
    int64_t open = serve(person, "WP", "STAFF_JOB_SEARCH", "2026-10-01", NULL);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments/%lld", (long long)person,
             (long long)adult);

    long long before = rows_written();
    PATCH(&r, path, "{}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "exit");
    reply_free(&r);
    PATCH(&r, path, "{\"exit\":{\"reason\":\"BORED\",\"date\":\"2026-10-01\"},\"x\":1}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "exit.reason");
    expect_field(&r, "exit");
    expect_field(&r, "x");
    reply_free(&r);
    PATCH(&r, path, "{\"exit\":\"now\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "exit");
    reply_free(&r);
    assert_int_equal(rows_written(), before);

    PATCH(&r, path, "{\"exit\":{\"reason\":\"NO_CONTACT\"}}");
    expect_status(&r, 200);
    json_t *done = expect_change_answer(&r, "manual_exit");
    /* The new clock comes with it: the group exited on L. */
    assert_string_equal(
        member_text(period_of(json_object_get(r.json, "exit"), "ADULT"), "exit_date"),
        "2026-10-01");
    /* L is the last day a service was provided: the open one's start (RULES.md §4). */
    assert_string_equal(member_text(done, "exit_date"), "2026-10-01");
    assert_string_equal(member_text(done, "reason"), "NO_CONTACT");
    assert_true(json_is_false(json_object_get(done, "excluded_from_performance")));
    assert_int_equal(json_array_size(json_object_get(done, "programs")), 2);
    assert_int_equal(
        json_integer_value(json_array_get(json_object_get(done, "closed_services"), 0)), open);
    reply_free(&r);

    /* Recorded for ADULT and WP (common exit), and the open service is closed on L. */
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM exits WHERE person_id = %lld AND exit_date = '2026-10-01'",
             (long long)person);
    assert_int_equal(db_count(sql), 2);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit_log WHERE person_id = %lld AND action = 'exit.manual' "
             "AND reason = 'NO_CONTACT'",
             (long long)person);
    assert_int_equal(db_count(sql), 1);
    char list[128];
    snprintf(list, sizeof(list), "/api/v1/people/%lld/enrollments", (long long)person);
    GET(&r, list);
    json_t *exit = enrollment_exit(r.json, "WP");
    assert_string_equal(member_text(exit, "exit_date"), "2026-10-01");
    assert_true(json_is_true(json_object_get(exit, "manual")));
    assert_string_equal(member_text(enrollment_exit(r.json, "ADULT"), "exit_date"), "2026-10-01");
    reply_free(&r);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM services WHERE id = %lld AND "
             "end_date = '2026-10-01'",
             (long long)open);
    assert_int_equal(db_count(sql), 1);

    /* Twice is a conflict, and writes nothing. */
    before = rows_written();
    PATCH(&r, path, "{\"exit\":{\"reason\":\"DECEASED\"}}");
    expect_error(&r, 409, "conflict");
    reply_free(&r);
    assert_int_equal(rows_written(), before);

    /* A service that does not qualify does not move L: the exit stands. */
    serve(person, "WP", "SUPPORTIVE", "2026-11-20", "2026-11-20");
    GET(&r, list);
    assert_string_equal(member_text(enrollment_exit(r.json, "ADULT"), "exit_date"), "2026-10-01");
    reply_free(&r);
    /* A late qualifying service dated before the soft-exit day reopens it (RULES.md §4). */
    serve(person, "ADULT", "CAREER_COUNSELING", "2026-11-02", "2026-11-02");
    GET(&r, list);
    assert_true(json_is_null(enrollment_exit(r.json, "ADULT")));
    reply_free(&r);

    /* Nothing to exit: no participation yet; services still planned; other people's ids. */
    int64_t newcomer = register_person("Nell", "Newcomer", "1981-01-01");
    int64_t e = enroll(newcomer, "ADULT", "2026-11-01");
    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments/%lld", (long long)newcomer,
             (long long)e);
    PATCH(&r, path, "{\"exit\":{\"reason\":\"NO_FURTHER_SERVICES\"}}");
    expect_error(&r, 409, "conflict");
    reply_free(&r);
    serve(newcomer, "ADULT", "CASE_MANAGEMENT", "2026-11-02", "2026-11-02");
    serve(newcomer, "ADULT", "OJT", "2026-12-01", NULL);
    PATCH(&r, path, "{\"exit\":{\"reason\":\"NO_FURTHER_SERVICES\"}}");
    expect_error(&r, 409, "conflict");
    assert_non_null(strstr(r.body, "planned"));
    reply_free(&r);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments/%lld", (long long)newcomer,
             (long long)adult);
    PATCH(&r, path, "{\"exit\":{\"reason\":\"NO_FURTHER_SERVICES\"}}");
    expect_error(&r, 404, "not_found");
    reply_free(&r);

    /* An "other reason" excludes the exiter from the indicators. */
    int64_t other = register_person("Olga", "Otherreason", "1960-06-06");
    int64_t o = enroll(other, "ADULT", "2026-09-01");
    serve(other, "ADULT", "CASE_MANAGEMENT", "2026-09-02", "2026-09-03");
    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments/%lld", (long long)other,
             (long long)o);
    PATCH(&r, path, "{\"exit\":{\"reason\":\"HEALTH_MEDICAL\"}}");
    expect_status(&r, 200);
    done = json_object_get(r.json, "manual_exit");
    assert_string_equal(member_text(done, "exit_date"), "2026-09-03");
    assert_true(json_is_true(json_object_get(done, "excluded_from_performance")));
    assert_int_equal(json_array_size(json_object_get(done, "closed_services")), 0);
    reply_free(&r);
}

/* ---- the scenario ------------------------------------------------------------------- */

/* A person registered, screened, enrolled in ADULT and WP, served, noted, given a planned gap,
 * and their exit clock read — all through the API with a bearer token. */
static void
test_acceptance_scenario(void **state)
{
    struct reply r;
    char path[128];

    (void)state;
    int64_t person = register_person("Ava", "Acceptance", "1991-03-14");

    snprintf(path, sizeof(path), "/api/v1/people/%lld/eligibility?limit=100", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    assert_string_not_equal(member_text(screened(r.json, "ADULT"), "status"), "not_eligible");
    assert_string_not_equal(member_text(screened(r.json, "WP"), "status"), "not_eligible");
    reply_free(&r);

    enroll(person, "WP", "2026-09-28");
    enroll(person, "ADULT", "2026-09-30");
    serve(person, "WP", "STAFF_JOB_SEARCH", "2026-10-01", "2026-10-01");
    int64_t cm = serve(person, "ADULT", "CASE_MANAGEMENT", "2026-10-01", NULL);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services/%lld", (long long)person,
             (long long)cm);
    PATCH_IF(&r, path, "{\"end_date\":\"2026-10-15\"}", "\"1\"");
    expect_status(&r, 200);
    reply_free(&r);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/notes", (long long)person);
    POST(&r, path, "{\"body\":\"Finished case management; training starts in March.\"}");
    expect_status(&r, 201);
    reply_free(&r);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/gaps", (long long)person);
    POST(&r, path,
         "{\"program\":\"ADULT\",\"start_date\":\"2026-11-01\",\"planned_end_date\":\"2027-03-01\","
         "\"reason\":\"TRAINING_DELAY\",\"services_after\":\"Occupational training (ITA)\","
         "\"note\":\"Waiting for the spring cohort.\"}");
    expect_status(&r, 201);
    reply_free(&r);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/exit", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    /* Common exit (RULES.md §4): one L, one soft-exit day for both; the gap holds them. */
    static const char *const programs[] = {"ADULT", "WP"};
    for (size_t i = 0; i < 2; i++) {
        json_t *p = period_of(r.json, programs[i]);
        assert_non_null(p);
        assert_string_equal(member_text(p, "status"), "active");
        assert_string_equal(member_text(p, "last_service_date"), "2026-10-15");
        assert_string_equal(member_text(p, "held_by"), "planned_gap");
        assert_string_equal(member_text(p, "soft_exit_on"), "2027-03-02");
        assert_int_equal(json_integer_value(json_object_get(p, "days_without_service")), 39);
    }
    assert_string_equal(member_text(period_of(r.json, "ADULT"), "entry_date"), "2026-10-01");
    reply_free(&r);
    expect_exit_as_braid_exits(person);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/bundle", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    assert_int_equal(json_array_size(json_object_get(r.json, "enrollments")), 2);
    assert_int_equal(json_array_size(json_object_get(r.json, "services")), 2);
    assert_int_equal(json_array_size(json_object_get(r.json, "gaps")), 1);
    assert_int_equal(json_array_size(json_object_get(r.json, "notes")), 2); /* + the gap's */
    reply_free(&r);
}

/* ---- concurrency ---------------------------------------------------------------------------- */

struct service_worker {
    int index;
    int64_t person;
    long status[SERVICES_EACH];
    int misdelivered; /* answers about another request's service */
};

static void *
record_many(void *arg)
{
    struct service_worker *w = arg;
    CURL *h = curl_easy_init();
    char path[96], body[256], day[DATE_TEXT_SIZE];
    struct reply r;

    snprintf(path, sizeof(path), "/api/v1/people/%lld/services", (long long)w->person);
    for (int i = 0; i < SERVICES_EACH; i++) {
        /* Distinct days through 2026, all closed, so L is the latest of them. */
        int32_t start = D("2026-01-05") + w->index * SERVICES_EACH + i;
        date_format(start, day);
        snprintf(body, sizeof(body),
                 "{\"program\":\"ADULT\",\"code\":\"CASE_MANAGEMENT\",\"start_date\":\"%s\","
                 "\"end_date\":\"%s\"}",
                 day, day);
        send_request(&r, h, "POST", path, body, S.bearer, NULL);
        w->status[i] = r.status;
        /* Each answer, held until its change is on disk, goes back on the connection that asked. */
        const char *answered = member_text(json_object_get(r.json, "service"), "start_date");
        if (r.status == 201 && strcmp(answered, day) != 0)
            w->misdelivered++;
        reply_free(&r);
    }
    curl_easy_cleanup(h);
    return NULL;
}

static void
test_concurrent_services(void **state)
{
    struct service_worker workers[SERVICE_THREADS];
    pthread_t threads[SERVICE_THREADS];
    struct reply r;
    char path[128];

    (void)state;
    int64_t person = register_person("Cora", "Concurrent", "1984-04-04");
    enroll(person, "ADULT", "2026-01-02");
    double start = now_ms();
    for (int t = 0; t < SERVICE_THREADS; t++) {
        workers[t] = (struct service_worker){.index = t, .person = person};
        assert_int_equal(pthread_create(&threads[t], NULL, record_many, &workers[t]), 0);
    }
    for (int t = 0; t < SERVICE_THREADS; t++)
        assert_int_equal(pthread_join(threads[t], NULL), 0);
    double elapsed = now_ms() - start;
    for (int t = 0; t < SERVICE_THREADS; t++)
        for (int i = 0; i < SERVICES_EACH; i++)
            if (workers[t].status[i] != 201)
                fail_msg("thread %d service %d: HTTP %ld", t, i, workers[t].status[i]);
    for (int t = 0; t < SERVICE_THREADS; t++)
        assert_int_equal(workers[t].misdelivered, 0);

    assert_int_equal(list_total(person, "services"), SERVICE_THREADS * SERVICES_EACH);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services?limit=100&offset=99",
             (long long)person);
    GET(&r, path);
    assert_int_equal(json_array_size(json_object_get(r.json, "services")), 1);
    reply_free(&r);
    /* The last service: 2026-01-05 + 99 days. */
    snprintf(path, sizeof(path), "/api/v1/people/%lld/exit", (long long)person);
    GET(&r, path);
    assert_string_equal(member_text(period_of(r.json, "ADULT"), "last_service_date"), "2026-04-14");
    reply_free(&r);
    expect_exit_as_braid_exits(person);
    printf("[ INFO     ] %d threads x %d services for one person: %.0f ms\n", SERVICE_THREADS,
           SERVICES_EACH, elapsed);
}

/* A row's value checked by SQL: 1 when the query's WHERE matches. */
static long long
db_matches(const char *table, int64_t id, const char *where)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE id = %lld AND %s", table,
             (long long)id, where);
    return db_count(sql);
}

static void
test_service_correction(void **state)
{
    struct reply r;
    char path[128], v[64];

    (void)state;
    int64_t person = register_person("Cora", "Corrected", "1984-04-04");
    enroll(person, "ADULT", "2026-09-01");
    int64_t sid = serve(person, "ADULT", "CASE_MANAGEMENT", "2026-10-01", NULL);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    json_t *listed = json_array_get(json_object_get(r.json, "services"), 0);
    assert_int_equal(json_integer_value(json_object_get(listed, "version")), 1);
    reply_free(&r);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/services/%lld", (long long)person,
             (long long)sid);
    /* No If-Match: 428. */
    PATCH(&r, path, "{\"start_date\":\"2026-10-02\"}");
    expect_error(&r, 428, "precondition_required");
    reply_free(&r);
    PATCH_IF(&r, path, "{\"start_date\":\"2026-10-02\"}", "\"one\"");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "If-Match");
    reply_free(&r);

    /* The right ETag: any field corrected, not only the end; a new ETag. */
    PATCH_IF(&r, path,
             "{\"start_date\":\"2026-10-02\",\"projected_end_date\":\"2026-12-31\","
             "\"code\":\"CAREER_COUNSELING\",\"provider\":\"Job Center West\"}",
             "\"1\"");
    expect_status(&r, 200);
    assert_non_null(header(&r, "ETag", v, sizeof(v)));
    assert_string_equal(v, "\"2\"");
    json_t *service = json_object_get(r.json, "service");
    assert_int_equal(json_integer_value(json_object_get(service, "version")), 2);
    assert_string_equal(member_text(service, "start_date"), "2026-10-02");
    assert_string_equal(member_text(service, "code"), "CAREER_COUNSELING");
    assert_string_equal(member_text(service, "provider"), "Job Center West");
    assert_true(json_is_object(json_object_get(r.json, "exit")));
    reply_free(&r);
    assert_int_equal(db_matches("services", sid,
                                "start_date = '2026-10-02' AND provider = 'Job Center West' "
                                "AND code = 'CAREER_COUNSELING' AND version = 2"),
                     1);
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit_log WHERE action = 'service.correct' AND entity_id = %lld "
             "AND after LIKE '%%\"before\":%%'",
             (long long)sid);
    assert_int_equal(db_count(sql), 1);

    /* Stale: the version read is no longer current. */
    PATCH_IF(&r, path, "{\"end_date\":\"2026-11-01\"}", "\"1\"");
    expect_error(&r, 412, "stale_version");
    reply_free(&r);
    /* A correction that puts a triggering service before eligibility names the field. */
    PATCH_IF(&r, path, "{\"start_date\":\"2026-08-15\"}", "\"2\"");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "start_date");
    assert_non_null(strstr(r.body, "before ADULT eligibility"));
    reply_free(&r);
    assert_int_equal(db_matches("services", sid, "start_date = '2026-10-02' AND version = 2"), 1);

    /* YOUTH: a correction that moves a service before the objective assessment. */
    int64_t youth = register_person("Yara", "Young", "2008-05-05");
    enroll(youth, "YOUTH", "2026-09-01");
    serve(youth, "YOUTH", "OBJECTIVE_ASSESSMENT", "2026-09-04", "2026-09-04");
    int64_t tutoring = serve(youth, "YOUTH", "TUTORING", "2026-09-05", NULL);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services/%lld", (long long)youth,
             (long long)tutoring);
    long long before = rows_written();
    PATCH_IF(&r, path, "{\"start_date\":\"2026-09-03\"}", "\"1\"");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "code");
    assert_non_null(strstr(r.body, "objective assessment"));
    reply_free(&r);
    assert_int_equal(db_matches("services", tutoring, "start_date = '2026-09-05' AND version = 1"),
                     1);
    assert_int_equal(rows_written(), before);
}

/* The audit entries of person so far in log: "reads.read_log" (reads) or "audit_log" (changes). */
static long long
audit_entries(const char *log, int64_t person)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE person_id = %lld", log,
             (long long)person);
    return db_count(sql);
}

static void
test_service_get(void **state)
{
    struct reply r, list;
    char path[128], v[64];

    (void)state;
    int64_t person = register_person("Gus", "Gotten", "1983-03-03");
    int64_t other = register_person("Olive", "Other", "1983-03-04");
    enroll(person, "ADULT", "2026-09-01");
    enroll(other, "ADULT", "2026-09-01");
    serve(person, "ADULT", "CASE_MANAGEMENT", "2026-09-02", "2026-09-30");
    int64_t sid = serve(person, "ADULT", "CAREER_COUNSELING", "2026-10-01", NULL);
    int64_t others = serve(other, "ADULT", "CASE_MANAGEMENT", "2026-09-02", NULL);

    /* The list and the one service are read alike, and audited alike, in the log of reads: the
     * database's audit_log (of changes) does not move. */
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services", (long long)person);
    long long changes = audit_entries("audit_log", person);
    long long audited = audit_entries("reads.read_log", person);
    GET(&list, path);
    expect_status(&list, 200);
    long long by_list = audit_entries("reads.read_log", person) - audited;
    assert_true(by_list > 0);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services/%lld", (long long)person,
             (long long)sid);
    audited = audit_entries("reads.read_log", person);
    GET(&r, path);
    expect_status(&r, 200);
    assert_int_equal(audit_entries("reads.read_log", person) - audited, by_list);
    assert_int_equal(audit_entries("audit_log", person), changes);
    json_t *listed = NULL;
    json_t *items = json_object_get(list.json, "services");
    for (size_t i = 0; i < json_array_size(items); i++)
        if (json_integer_value(json_object_get(json_array_get(items, i), "id")) == sid)
            listed = json_array_get(items, i);
    assert_non_null(listed);
    if (!json_equal(r.json, listed))
        fail_msg("GET one service answered %s, the list has it as %s", r.body, list.body);
    assert_non_null(header(&r, "ETag", v, sizeof(v)));
    assert_string_equal(v, "\"1\"");
    reply_free(&r);
    reply_free(&list);

    /* Its ETag is what a correction's If-Match takes, and moves with it. */
    PATCH_IF(&r, path, "{\"end_date\":\"2026-11-02\"}", "\"1\"");
    expect_status(&r, 200);
    reply_free(&r);
    GET(&r, path);
    expect_status(&r, 200);
    assert_non_null(header(&r, "ETag", v, sizeof(v)));
    assert_string_equal(v, "\"2\"");
    assert_string_equal(member_text(r.json, "end_date"), "2026-11-02");
    assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
    reply_free(&r);

    /* HEAD answers as GET does, without the body. */
    send_request(&r, NULL, "HEAD", path, NULL, S.bearer, NULL);
    expect_status(&r, 200);
    assert_non_null(header(&r, "ETag", v, sizeof(v)));
    reply_free(&r);

    /* Another person's service, one that does not exist, a person who does not exist: 404. */
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services/%lld", (long long)person,
             (long long)others);
    GET(&r, path);
    expect_error(&r, 404, "not_found");
    assert_null(header(&r, "ETag", v, sizeof(v)));
    reply_free(&r);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services/99999999", (long long)person);
    GET(&r, path);
    expect_error(&r, 404, "not_found");
    reply_free(&r);
    snprintf(path, sizeof(path), "/api/v1/people/99999999/services/%lld", (long long)sid);
    GET(&r, path);
    expect_error(&r, 404, "not_found");
    reply_free(&r);
    /* A query parameter it does not take is named. */
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services/%lld?limit=1", (long long)person,
             (long long)sid);
    GET(&r, path);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "limit");
    reply_free(&r);
}

/* A partner whose agency holds the person's consent for case notes (not plans) records a
 * service: the answer withholds, as GET .../alerts does for them, what they may not see. */
static void
test_change_answer_withholds(void **state)
{
    struct reply r, alerts;
    char path[128], body[256];

    (void)state;
    int64_t person = register_person("Wanda", "Withheld", "1986-06-06");
    enroll(person, "ADULT", "2026-09-01");
    int64_t sid = serve(person, "ADULT", "CASE_MANAGEMENT", "2026-09-02", NULL);
    char sql[160];
    snprintf(sql, sizeof(sql), "SELECT id FROM agencies WHERE code = '%s'", PARTNER_AGENCY);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/consents", (long long)person);
    snprintf(body, sizeof(body),
             "{\"agency_id\":%lld,\"purposes\":[\"case_notes\"],\"from\":\"" TODAY
             "\",\"until\":\"2027-06-01\"}",
             db_count(sql));
    POST(&r, path, body);
    expect_status(&r, 201);
    reply_free(&r);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/alerts", (long long)person);
    send_request(&alerts, NULL, "GET", path, NULL, partner_bearer, NULL);
    expect_status(&alerts, 200);
    json_t *withheld = json_object_get(alerts.json, "withheld");
    assert_true(json_array_size(withheld) > 0);
    assert_non_null(strstr(alerts.body, "\"plans\""));

    snprintf(path, sizeof(path), "/api/v1/people/%lld/services", (long long)person);
    send_request(&r, NULL, "POST", path,
                 "{\"program\":\"ADULT\",\"code\":\"CAREER_COUNSELING\","
                 "\"start_date\":\"2026-11-02\",\"end_date\":\"2026-11-02\"}",
                 partner_bearer, NULL);
    expect_status(&r, 201);
    expect_change_answer(&r, "service");
    if (!json_equal(json_object_get(r.json, "withheld"), withheld))
        fail_msg("the change withholds %s, GET .../alerts %s", r.body, alerts.body);
    reply_free(&r);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/services/%lld", (long long)person,
             (long long)sid);
    send_request(&r, NULL, "PATCH", path, "{\"end_date\":\"2026-11-03\"}", partner_bearer,
                 "If-Match: \"1\"", NULL);
    expect_status(&r, 200);
    expect_change_answer(&r, "service");
    assert_true(json_equal(json_object_get(r.json, "withheld"), withheld));
    reply_free(&r);
    reply_free(&alerts);

    /* The serving agency's case manager is shown everything: nothing withheld. */
    send_request(&r, NULL, "PATCH", path, "{\"end_date\":\"2026-11-04\"}", S.bearer,
                 "If-Match: \"2\"", NULL);
    expect_status(&r, 200);
    expect_change_answer(&r, "service");
    assert_int_equal(json_array_size(json_object_get(r.json, "withheld")), 0);
    reply_free(&r);
}

static void
test_enrollment_correction(void **state)
{
    struct reply r;
    char path[128], v[64], sql[256];

    (void)state;
    int64_t person = register_person("Eli", "Eligible", "1983-03-03");
    int64_t eid = enroll(person, "ADULT", "2026-09-05");
    serve(person, "ADULT", "CASE_MANAGEMENT", "2026-09-10", "2026-09-10");
    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments", (long long)person);
    GET(&r, path);
    expect_status(&r, 200);
    json_t *listed = json_array_get(json_object_get(r.json, "enrollments"), 0);
    assert_int_equal(json_integer_value(json_object_get(listed, "version")), 1);
    reply_free(&r);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments/%lld", (long long)person,
             (long long)eid);
    PATCH(&r, path, "{\"eligibility_date\":\"2026-09-01\"}");
    expect_error(&r, 428, "precondition_required");
    reply_free(&r);
    PATCH_IF(&r, path, "{\"eligibility_date\":\"2026-09-01\"}", "\"1\"");
    expect_status(&r, 200);
    assert_non_null(header(&r, "ETag", v, sizeof(v)));
    assert_string_equal(v, "\"2\"");
    json_t *enrollment = expect_change_answer(&r, "enrollment");
    assert_string_equal(member_text(enrollment, "eligibility_date"), "2026-09-01");
    assert_int_equal(json_integer_value(json_object_get(enrollment, "version")), 2);
    reply_free(&r);
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit_log WHERE action = 'enrollment.correct' AND "
             "entity_id = %lld",
             (long long)eid);
    assert_int_equal(db_count(sql), 1);

    /* Stale. */
    PATCH_IF(&r, path, "{\"eligibility_date\":\"2026-09-02\"}", "\"1\"");
    expect_error(&r, 412, "stale_version");
    reply_free(&r);
    /* After the service it triggered: refused on eligibility_date, nothing changed. */
    PATCH_IF(&r, path, "{\"eligibility_date\":\"2026-09-15\"}", "\"2\"");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "eligibility_date");
    reply_free(&r);
    assert_int_equal(
        db_matches("enrollments", eid, "eligibility_date = '2026-09-01' AND version = 2"), 1);
    assert_int_equal(db_count(sql), 1);

    /* The manual exit is still a PATCH of its own, without If-Match. */
    PATCH(&r, path, "{\"exit\":{\"reason\":\"NO_CONTACT\"}}");
    expect_status(&r, 200);
    reply_free(&r);
}

static void
test_sigterm_exits_zero(void **state)
{
    (void)state;
    harness_stop();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enrollments),
        cmocka_unit_test(test_eligibility),
        cmocka_unit_test(test_services),
        cmocka_unit_test(test_service_idempotency),
        cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_notes_and_contacts),
        cmocka_unit_test(test_partner_without_consent),
        cmocka_unit_test(test_bundle),
        cmocka_unit_test(test_manual_exit),
        cmocka_unit_test(test_acceptance_scenario),
        cmocka_unit_test(test_concurrent_services),
        cmocka_unit_test(test_service_correction),
        cmocka_unit_test(test_enrollment_correction),
        cmocka_unit_test(test_service_get),
        cmocka_unit_test(test_change_answer_withholds),
        cmocka_unit_test(test_sigterm_exits_zero),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
