/* test_openapi.c — docs/api/openapi.yaml says what the server does, both ways:
 *   - every route of router.c's table (http_routes) is documented, with its method;
 *   - every documented path and method is a route — and the real `braid serve`
 *     (api_harness.h) answers it with something other than 404 or 405, with real ids in the
 *     path (rows the fixture creates), and a failure in the one error shape.
 *
 * The file is read by lines, not by a YAML library: inside "paths:", a path key is indented
 * two spaces ("  /api/v1/people:") and a method key four ("    get:"), and every indent is even.
 * Any other line at those two indents (but a path's "parameters:"), an odd indent, or a path
 * whose next line is not at four fails the test, so an irregular file cannot hide an operation
 * from it. */
#include "api_harness.h"

#include "app/app.h"
#include "app/session.h"
#include "http/router.h"

#define OPENAPI_FILE "docs/api/openapi.yaml"
#define CM_EMAIL "cm@east.test"
#define MAX_OPS 256
#define MAX_IDS 16

struct operation {
    char path[192];  /* as documented: "/api/v1/people/{person_id}" */
    char method[12]; /* upper case: "GET" */
    int line;
};

static struct operation ops[MAX_OPS];
static size_t n_ops;

/* The ids the fixture created, by the path parameter names the document uses. */
static struct {
    const char *name;
    int64_t id;
} ids[MAX_IDS];
static size_t n_ids;

static char admin_bearer[256], auditor_bearer[256];

/* ---- the document ---------------------------------------------------------------------------- */

static size_t
indent_of(const char *line)
{
    return strspn(line, " ");
}

static bool
is_method(const char *word, size_t len)
{
    static const char *const methods[] = {"get",     "put",  "post",  "delete",
                                          "options", "head", "patch", "trace"};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (len == strlen(methods[i]) && strncmp(word, methods[i], len) == 0)
            return true;
    return false;
}

/* Reads the path and method keys of the paths: section into ops; fails on an irregular line. */
static void
read_document(void)
{
    char *text = read_file(OPENAPI_FILE);
    char path[192] = "";
    bool in_paths = false, after_path = false;
    int number = 0;

    if (text[0] == '\0')
        fail_msg("cannot read %s (run from the repository root)", OPENAPI_FILE);
    n_ops = 0;
    for (char *line = text, *next; line != NULL && *line != '\0'; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        number++;
        size_t len = strlen(line);
        while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[indent_of(line)] == '#')
            continue;
        if (indent_of(line) == 0) {
            in_paths = strcmp(line, "paths:") == 0;
            continue;
        }
        if (!in_paths)
            continue;
        /* Regular indentation is what makes reading by lines honest. */
        if (indent_of(line) % 2 != 0 || (after_path && indent_of(line) != 4))
            fail_msg("%s:%d: irregular indentation under paths: %s", OPENAPI_FILE, number, line);
        after_path = indent_of(line) == 2;
        if (line[len - 1] != ':' && (indent_of(line) == 2 || indent_of(line) == 4))
            fail_msg("%s:%d: a key at indent %zu must end the line: %s", OPENAPI_FILE, number,
                     indent_of(line), line);
        if (indent_of(line) == 2) {
            if (line[2] != '/' || len - 3 >= sizeof(path))
                fail_msg("%s:%d: not a path key: %s", OPENAPI_FILE, number, line);
            memcpy(path, line + 2, len - 3);
            path[len - 3] = '\0';
        } else if (indent_of(line) == 4) {
            const char *word = line + 4;
            size_t wlen = len - 5;
            if (wlen == strlen("parameters") && strncmp(word, "parameters", wlen) == 0)
                continue;
            if (!is_method(word, wlen))
                fail_msg("%s:%d: not a method key: %s", OPENAPI_FILE, number, line);
            if (path[0] == '\0' || n_ops == MAX_OPS)
                fail_msg("%s:%d: a method outside a path, or too many", OPENAPI_FILE, number);
            struct operation *op = &ops[n_ops++];
            snprintf(op->path, sizeof(op->path), "%s", path);
            for (size_t i = 0; i < wlen && i + 1 < sizeof(op->method); i++)
                op->method[i] = (char)(word[i] - 'a' + 'A');
            op->method[wlen < sizeof(op->method) ? wlen : sizeof(op->method) - 1] = '\0';
            op->line = number;
            /* A key given twice is invalid YAML, and one of the two definitions would be lost. */
            for (size_t i = 0; i + 1 < n_ops; i++)
                if (strcmp(ops[i].path, op->path) == 0 && strcmp(ops[i].method, op->method) == 0)
                    fail_msg("%s:%d: %s %s is documented twice (first on line %d)", OPENAPI_FILE,
                             number, op->method, op->path, ops[i].line);
        }
    }
    free(text);
    if (n_ops == 0)
        fail_msg("%s documents no operation under paths:", OPENAPI_FILE);
}

/* The documented path in the router's form: every "{name}" becomes "{id}". */
static void
router_form(const char *path, char *out, size_t size)
{
    size_t n = 0;
    for (const char *c = path; *c != '\0' && n + 5 < size; c++) {
        if (*c == '{') {
            const char *end = strchr(c, '}');
            if (end == NULL)
                break;
            memcpy(out + n, "{id}", 4);
            n += 4;
            c = end;
            continue;
        }
        out[n++] = *c;
    }
    out[n] = '\0';
}

static bool
documented(const char *method, const char *pattern)
{
    char form[192];
    for (size_t i = 0; i < n_ops; i++) {
        router_form(ops[i].path, form, sizeof(form));
        if (strcmp(ops[i].method, method) == 0 && strcmp(form, pattern) == 0)
            return true;
    }
    return false;
}

/* ---- both ways against the table ------------------------------------------------------------- */

static void
test_every_route_is_documented(void **state)
{
    size_t n = 0, missing = 0;
    const struct http_route *routes = http_routes(&n);

    (void)state;
    read_document();
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        const char *method = http_method_name(routes[i].method);
        if (!documented(method, routes[i].pattern)) {
            fprintf(stderr, "router.c: %s %s is not in %s\n", method, routes[i].pattern,
                    OPENAPI_FILE);
            missing++;
        }
    }
    if (missing > 0)
        fail_msg("%zu route(s) of router.c are not documented", missing);
}

static void
test_every_documented_operation_is_a_route(void **state)
{
    size_t n = 0, extra = 0;
    const struct http_route *routes = http_routes(&n);
    char form[192];

    (void)state;
    read_document();
    for (size_t k = 0; k < n_ops; k++) {
        bool found = false;
        router_form(ops[k].path, form, sizeof(form));
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(http_method_name(routes[i].method), ops[k].method) == 0 &&
                    strcmp(routes[i].pattern, form) == 0;
        if (!found) {
            fprintf(stderr, "%s:%d: %s %s is not a route of router.c\n", OPENAPI_FILE, ops[k].line,
                    ops[k].method, ops[k].path);
            extra++;
        }
    }
    if (extra > 0)
        fail_msg("%zu documented operation(s) are not routes", extra);
}

/* ---- the server answers them ------------------------------------------------------------------
 */

/* Names the fixture's row; false (for the setup to fail) when it was not created. */
static bool
id_add(const char *name, int64_t id)
{
    if (n_ids == MAX_IDS || id <= 0) {
        fprintf(stderr, "the fixture has no %s\n", name);
        return false;
    }
    ids[n_ids].name = name;
    ids[n_ids].id = id;
    n_ids++;
    return true;
}

/* The documented path with each {name} replaced by the fixture's id of that name. */
static void
real_path(const struct operation *op, char *out, size_t size)
{
    size_t n = 0;
    for (const char *c = op->path; *c != '\0' && n + 24 < size; c++) {
        if (*c != '{') {
            out[n++] = *c;
            continue;
        }
        const char *end = strchr(c, '}');
        assert_non_null(end);
        int64_t id = 0;
        for (size_t i = 0; i < n_ids && id == 0; i++)
            if (strlen(ids[i].name) == (size_t)(end - c - 1) &&
                strncmp(ids[i].name, c + 1, (size_t)(end - c - 1)) == 0)
                id = ids[i].id;
        if (id == 0)
            fail_msg("%s:%d: the test has no row for {%.*s}: create one in its fixture",
                     OPENAPI_FILE, op->line, (int)(end - c - 1), c + 1);
        n += (size_t)snprintf(out + n, size - n, "%lld", (long long)id);
        c = end;
    }
    out[n] = '\0';
}

/* Who asks: the administrator on /admin/, the auditor on the audit log, else the case
 * manager — so an answer is about the route, not about being refused. */
static const char *
bearer_for(const char *path)
{
    if (strncmp(path, "/api/v1/admin/", 14) == 0)
        return admin_bearer;
    if (strncmp(path, "/api/v1/audit", 13) == 0)
        return auditor_bearer;
    return S.bearer;
}

static void
test_every_documented_operation_answers(void **state)
{
    char path[256];
    struct reply r;

    (void)state;
    read_document();
    for (size_t k = 0; k < n_ops; k++) {
        const struct operation *op = &ops[k];
        bool writes = strcmp(op->method, "POST") == 0 || strcmp(op->method, "PATCH") == 0 ||
                      strcmp(op->method, "PUT") == 0;
        real_path(op, path, sizeof(path));
        send_request(&r, NULL, op->method, path, writes ? "{}" : NULL, bearer_for(path), NULL);
        if (r.status == 404 || r.status == 405 || r.status <= 0)
            fail_msg("%s:%d: %s %s answered %ld: %s", OPENAPI_FILE, op->line, op->method, path,
                     r.status, r.body != NULL ? r.body : "(no body)");
        /* Every failure has the one error shape the document gives. */
        if (r.status >= 400) {
            json_t *error = json_object_get(r.json, "error");
            if (!json_is_string(json_object_get(error, "code")) ||
                !json_is_string(json_object_get(error, "message")) ||
                !json_is_array(json_object_get(error, "fields")))
                fail_msg("%s %s answered %ld without the error shape: %s", op->method, path,
                         r.status, r.body != NULL ? r.body : "(no body)");
        }
        reply_free(&r);
    }
}

/* ---- the fixture ------------------------------------------------------------------------------
 */

/* Writes through the app layer as the case manager: an enrollment and a service. */
static int
fixture_case_file(int64_t person)
{
    const char *token = S.bearer + strlen("Authorization: Bearer ");
    struct app_principal principal;
    struct br_error err;
    struct app app;
    int rc;

    br_error_clear(&err);
    setenv("BRAID_TODAY", TODAY, 1);
    if (app_open(&app, S.db, &err) != 0) {
        fprintf(stderr, "fixture: %s\n", err.message);
        return -1;
    }
    struct actor actor = {0};
    struct enrollment wp = {0};
    struct service service = {0};
    struct service_detail detail;
    memset(&detail, 0, sizeof(detail));
    rc = app_actor_from_token(&app, token, &principal, &err);
    if (rc == 0) {
        actor = app_principal_actor(&principal);
        wp.program = catalog_program_index(&app.catalog, "WP");
        wp.eligibility_on = D("2026-10-01");
        rc = app_determine_eligibility(&app, &actor, person, &wp, "{}", &err);
    }
    if (rc == 0) {
        service.program = wp.program;
        service.code = catalog_service_index(&app.catalog, "STAFF_JOB_SEARCH");
        service.start_on = D("2026-10-02");
        service.end_on = DATE_NONE;
        service.projected_end_on = DATE_NONE;
        detail.staff_id = actor.user_id;
        rc = app_record_service(&app, &actor, person, &service, &detail, NULL, &err);
    }
    if (rc == 0 && (!id_add("enrollment_id", wp.id) || !id_add("service_id", service.id))) {
        rc = -1;
    } else if (rc != 0) {
        fprintf(stderr, "fixture: %s (%s)\n", err.message,
                err.n_fields > 0 ? err.fields[0].problem : "");
    }
    app_close(&app);
    return rc == 0 ? 0 : -1;
}

/* POSTs body to path as the case manager and returns the new id (or the "id" inside member). */
static int64_t
create(const char *path, const char *body)
{
    struct reply r;
    int64_t id = 0;

    POST(&r, path, body);
    if (r.status == 201 || r.status == 200)
        id = json_integer_value(json_object_get(r.json, "id"));
    else
        fprintf(stderr, "POST %s answered %ld: %s\n", path, r.status, r.body);
    reply_free(&r);
    return id;
}

static int
group_setup(void **state)
{
    char path[160], body[256];
    int64_t person, agency = 0;
    struct reply r;

    (void)state;
    if (harness_open() != 0)
        return -1;
    if (harness_fresh_db("AJC_EAST", CM_EMAIL) != 0 ||
        harness_agency("PARTNER_WEST", "West partner") != 0 ||
        harness_user("auditor@east.test", "auditor", "AJC_EAST", auditor_bearer,
                     sizeof(auditor_bearer)) != 0 ||
        harness_user("admin@east.test", "admin", "AJC_EAST", admin_bearer, sizeof(admin_bearer)) !=
            0)
        return harness_failed("setting the database up failed");
    if (server_start() != 0)
        return harness_failed("braid serve did not start");

    person = create("/api/v1/people", "{\"first_name\":\"Ada\",\"last_name\":\"Documented\","
                                      "\"birth_date\":\"1990-05-01\",\"sex\":\"female\"}");
    if (!id_add("person_id", person) || fixture_case_file(person) != 0)
        return harness_failed("the fixture failed");

    send_request(&r, NULL, "GET", "/api/v1/admin/agencies", NULL, admin_bearer, NULL);
    json_t *list = json_object_get(r.json, "agencies");
    for (size_t i = 0; i < json_array_size(list); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(list, i), "code")),
                   "PARTNER_WEST") == 0)
            agency = json_integer_value(json_object_get(json_array_get(list, i), "id"));
    reply_free(&r);

    snprintf(path, sizeof(path), "/api/v1/people/%lld/consents", (long long)person);
    snprintf(body, sizeof(body),
             "{\"agency_id\":%lld,\"purposes\":[\"plans\"],\"from\":\"" TODAY
             "\",\"until\":\"2027-01-01\"}",
             (long long)agency);
    if (!id_add("consent_id", create(path, body)))
        return -1;
    snprintf(path, sizeof(path), "/api/v1/people/%lld/plans", (long long)person);
    int64_t plan = create(path, "{\"kind\":\"IEP\",\"created_on\":\"2026-11-01\"}");
    if (!id_add("plan_id", plan))
        return -1;
    snprintf(path, sizeof(path), "/api/v1/people/%lld/plans/%lld/goals", (long long)person,
             (long long)plan);
    return id_add("goal_id", create(path, "{\"type\":\"EMPLOYMENT\",\"description\":\"A job\","
                                          "\"target_date\":\"2027-03-01\"}"))
               ? 0
               : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    harness_close();
    return 0;
}

static void
test_stops_cleanly(void **state)
{
    (void)state;
    harness_stop();
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_is_documented),
        cmocka_unit_test(test_every_documented_operation_is_a_route),
        cmocka_unit_test(test_every_documented_operation_answers),
        cmocka_unit_test(test_stops_cleanly),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
