/* test_api.c — the HTTP API as a client sees it: the real `braid serve` ($BRAID, default
 * build/braid) on 127.0.0.1 over a temporary database (braid init, demo people, agency, users,
 * an API token, BRAID_TODAY=2026-11-23), spoken to with libcurl.  Every wait is bounded.
 *
 * The tests share one server and run in order: the last ones check that it still answers after
 * every bad request before, then stop it with SIGTERM and expect exit status 0. */
#include "api_harness.h"

#include <pthread.h>

#include "store/store.h"

#define STAFF_EMAIL "staff@braid.test"
#define LOCKED_EMAIL "locked@braid.test"
#define SHARED_EMAIL "shared@braid.test"
#define AGENCY "WP_OFFICE" /* one of the demo's agencies */
#define DEMO_PEOPLE "30"

#define CONCURRENT_THREADS 8
#define CONCURRENT_EACH 50
#define LATENCY_REQUESTS 1000

/* ---- helpers ------------------------------------------------------------------------------ */

static void
expect_security_headers(const struct reply *r)
{
    char v[256];
    assert_non_null(header(r, "Content-Security-Policy", v, sizeof(v)));
    assert_non_null(strstr(v, "default-src 'self'"));
    assert_non_null(strstr(v, "frame-ancestors 'none'"));
    assert_non_null(header(r, "X-Content-Type-Options", v, sizeof(v)));
    assert_string_equal(v, "nosniff");
    assert_non_null(header(r, "Referrer-Policy", v, sizeof(v)));
    assert_string_equal(v, "no-referrer");
}

/* Registers a person with the API token; returns the reply (201 expected by the caller). */
static void
register_person(struct reply *r, const char *first, const char *last, const char *birth,
                const char *extra)
{
    char body[512];
    snprintf(body, sizeof(body),
             "{\"first_name\":\"%s\",\"last_name\":\"%s\",\"birth_date\":\"%s\",\"sex\":\"female\""
             "%s%s}",
             first, last, birth, extra != NULL ? "," : "", extra != NULL ? extra : "");
    POST(r, "/api/v1/people", body);
}

struct login {
    char cookie[160]; /* "Cookie: braid_session=..." */
    char csrf[160];   /* "X-CSRF-Token: ..." */
};

/* Signs in from source (NULL: 127.0.0.1); returns the reply, and the cookie and CSRF header
 * lines when it succeeded. */
static void
sign_in(struct reply *r, const char *email, const char *password, const char *source,
        struct login *login)
{
    char body[256], src[64];
    snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
    snprintf(src, sizeof(src), "X-Test-Source: %s", source != NULL ? source : "127.0.0.1");
    send_request(r, NULL, "POST", "/api/v1/session", body, src, NULL);
    if (login == NULL || r->status != 200)
        return;
    char set_cookie[256];
    assert_non_null(header(r, "Set-Cookie", set_cookie, sizeof(set_cookie)));
    size_t len = strcspn(set_cookie, ";");
    snprintf(login->cookie, sizeof(login->cookie), "Cookie: %.*s", (int)len, set_cookie);
    const char *csrf = json_string_value(json_object_get(r->json, "csrf_token"));
    assert_non_null(csrf);
    snprintf(login->csrf, sizeof(login->csrf), "X-CSRF-Token: %s", csrf);
}

/* ---- the server ----------------------------------------------------------------------------- */

static int
group_setup(void **state)
{
    char *token = NULL;

    (void)state;
    if (harness_open() != 0)
        return -1;

    const char *init[] = {"init", "--db", S.db, NULL};
    const char *demo[] = {"demo", "--db", S.db, "--people", DEMO_PEOPLE, "--as-of", TODAY, NULL};
    const char *staff[] = {"user",
                           "add",
                           "--email",
                           STAFF_EMAIL,
                           "--name",
                           "Staff Member",
                           "--role",
                           "case_manager",
                           "--agency",
                           AGENCY,
                           "--password-stdin",
                           "--db",
                           S.db,
                           NULL};
    const char *locked[] = {
        "user",         "add",      "--email", LOCKED_EMAIL,       "--name", "Locked Out", "--role",
        "case_manager", "--agency", AGENCY,    "--password-stdin", "--db",   S.db,         NULL};
    const char *shared[] = {"user",
                            "add",
                            "--email",
                            SHARED_EMAIL,
                            "--name",
                            "Shared Office",
                            "--role",
                            "case_manager",
                            "--agency",
                            AGENCY,
                            "--password-stdin",
                            "--db",
                            S.db,
                            NULL};
    const char *token_args[] = {"token",    "create", "--email", STAFF_EMAIL, "--label",
                                "api test", "--db",   S.db,      NULL};
    if (run_braid(init, NULL, NULL) != 0 || run_braid(demo, NULL, NULL) != 0 ||
        run_braid(staff, PASSWORD "\n", NULL) != 0 || run_braid(locked, PASSWORD "\n", NULL) != 0 ||
        run_braid(shared, PASSWORD "\n", NULL) != 0 || run_braid(token_args, NULL, &token) != 0) {
        free(token);
        return harness_failed("setting the database up failed");
    }
    token[strcspn(token, "\r\n")] = '\0';
    snprintf(S.bearer, sizeof(S.bearer), "Authorization: Bearer %s", token);
    free(token);
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

/* ---- tests ---------------------------------------------------------------------------------- */

static void
test_healthz(void **state)
{
    struct reply r;
    char v[64];

    (void)state;
    send_request(&r, NULL, "GET", "/api/v1/healthz", NULL, NULL);
    expect_status(&r, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ok");
    assert_int_equal(json_integer_value(json_object_get(r.json, "schema_version")),
                     STORE_SCHEMA_VERSION);
    expect_security_headers(&r);
    assert_non_null(header(&r, "Cache-Control", v, sizeof(v)));
    assert_string_equal(v, "no-store");
    assert_non_null(header(&r, "Content-Type", v, sizeof(v)));
    assert_non_null(strstr(v, "application/json"));
    reply_free(&r);
}

static void
test_auth_required(void **state)
{
    struct reply r;

    (void)state;
    send_request(&r, NULL, "GET", "/api/v1/people", NULL, NULL);
    expect_error(&r, 401, "unauthenticated");
    expect_security_headers(&r);
    reply_free(&r);
    send_request(&r, NULL, "GET", "/api/v1/catalog/programs", NULL,
                 "Authorization: Bearer brd_notarealtokennotarealtokennotarealtokenxxx", NULL);
    expect_error(&r, 401, "unauthenticated");
    reply_free(&r);
    send_request(&r, NULL, "GET", "/api/v1/people/1", NULL,
                 "Authorization: Basic dXNlcjpwdw==", NULL);
    expect_error(&r, 401, "unauthenticated");
    reply_free(&r);
    send_request(&r, NULL, "GET", "/api/v1/people", NULL,
                 "Cookie: braid_session=brd_forgedforgedforgedforgedforgedforgedforged", NULL);
    expect_error(&r, 401, "unauthenticated");
    reply_free(&r);
    /* Nothing was written by the refused write. */
    send_request(&r, NULL, "POST", "/api/v1/people",
                 "{\"first_name\":\"No\",\"last_name\":\"Auth\",\"birth_date\":\"1990-01-01\","
                 "\"sex\":\"male\"}",
                 NULL);
    expect_error(&r, 401, "unauthenticated");
    reply_free(&r);
    GET(&r, "/api/v1/people?name=Auth,%20No");
    expect_status(&r, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 0);
    reply_free(&r);
}

static void
test_bearer_token(void **state)
{
    struct reply r;

    (void)state;
    GET(&r, "/api/v1/catalog/programs");
    expect_status(&r, 200);
    json_t *programs = json_object_get(r.json, "programs");
    assert_true(json_array_size(programs) > 0);
    assert_true(json_is_string(json_object_get(json_array_get(programs, 0), "code")));
    reply_free(&r);
    GET(&r, "/api/v1/catalog/services");
    expect_status(&r, 200);
    assert_true(json_array_size(json_object_get(r.json, "services")) > 0);
    reply_free(&r);
    GET(&r, "/api/v1/session");
    expect_status(&r, 200);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.json, "user"), "email")), STAFF_EMAIL);
    assert_null(json_object_get(r.json, "csrf_token"));
    reply_free(&r);
}

static void
test_sign_in_and_out(void **state)
{
    struct reply r;
    struct login login;
    char v[256];
    const char *person = "{\"first_name\":\"Cookie\",\"last_name\":\"Signin\","
                         "\"birth_date\":\"1985-05-05\",\"sex\":\"male\"}";

    (void)state;
    sign_in(&r, STAFF_EMAIL, PASSWORD, NULL, &login);
    expect_status(&r, 200);
    assert_non_null(header(&r, "Set-Cookie", v, sizeof(v)));
    assert_true(strncmp(v, "braid_session=brd_", 18) == 0);
    assert_non_null(strstr(v, "HttpOnly"));
    assert_non_null(strstr(v, "SameSite=Strict"));
    assert_non_null(strstr(v, "Path=/"));
    json_t *user = json_object_get(r.json, "user");
    assert_string_equal(json_string_value(json_object_get(user, "email")), STAFF_EMAIL);
    assert_string_equal(json_string_value(json_object_get(user, "role")), "case_manager");
    assert_null(json_object_get(user, "password_hash"));
    expect_security_headers(&r);
    reply_free(&r);

    /* Reads need only the cookie. */
    send_request(&r, NULL, "GET", "/api/v1/people?limit=1", NULL, login.cookie, NULL);
    expect_status(&r, 200);
    reply_free(&r);
    send_request(&r, NULL, "GET", "/api/v1/session", NULL, login.cookie, NULL);
    expect_status(&r, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "csrf_token")), login.csrf + 14);
    reply_free(&r);

    /* Writes need the CSRF token too, and a refused write writes nothing. */
    send_request(&r, NULL, "POST", "/api/v1/people", person, login.cookie, NULL);
    expect_error(&r, 403, "forbidden");
    reply_free(&r);
    send_request(&r, NULL, "POST", "/api/v1/people", person, login.cookie,
                 "X-CSRF-Token: brd_wrongwrongwrongwrongwrongwrongwrongwrongwro", NULL);
    expect_error(&r, 403, "forbidden");
    reply_free(&r);
    GET(&r, "/api/v1/people?name=Signin");
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 0);
    reply_free(&r);
    send_request(&r, NULL, "POST", "/api/v1/people", person, login.cookie, login.csrf, NULL);
    expect_status(&r, 201);
    reply_free(&r);

    /* Signing out is a write as well. */
    send_request(&r, NULL, "DELETE", "/api/v1/session", NULL, login.cookie, NULL);
    expect_error(&r, 403, "forbidden");
    reply_free(&r);
    send_request(&r, NULL, "DELETE", "/api/v1/session", NULL, login.cookie, login.csrf, NULL);
    expect_status(&r, 204);
    assert_non_null(header(&r, "Set-Cookie", v, sizeof(v)));
    assert_non_null(strstr(v, "Max-Age=0"));
    reply_free(&r);
    send_request(&r, NULL, "GET", "/api/v1/people", NULL, login.cookie, NULL);
    expect_error(&r, 401, "unauthenticated");
    reply_free(&r);
    /* An API token has no session to end. */
    send_request(&r, NULL, "DELETE", "/api/v1/session", NULL, S.bearer, NULL);
    expect_error(&r, 400, "validation_failed");
    reply_free(&r);
}

static void
test_sign_in_refused(void **state)
{
    struct reply r, unknown;

    (void)state;
    sign_in(&r, STAFF_EMAIL, "not the password at all", NULL, NULL);
    expect_error(&r, 401, "unauthenticated");
    assert_null(strstr(r.headers, "Set-Cookie"));
    /* An unknown account gets the very same answer. */
    sign_in(&unknown, "nobody@braid.test", "not the password at all", NULL, NULL);
    expect_error(&unknown, 401, "unauthenticated");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.json, "error"), "message")),
        json_string_value(json_object_get(json_object_get(unknown.json, "error"), "message")));
    reply_free(&r);
    reply_free(&unknown);
    send_request(&r, NULL, "POST", "/api/v1/session", "{\"mail\":\"x\"}", NULL);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "email");
    expect_field(&r, "password");
    expect_field(&r, "mail");
    reply_free(&r);
    /* The good password still works: one failure is not a lock-out. */
    sign_in(&r, STAFF_EMAIL, PASSWORD, NULL, NULL);
    expect_status(&r, 200);
    reply_free(&r);
}

static void
test_sign_in_limited_per_account(void **state)
{
    struct reply r;
    char v[32];

    (void)state;
    for (int i = 0; i < 5; i++) {
        sign_in(&r, LOCKED_EMAIL, "wrong password number", "127.0.0.2", NULL);
        expect_error(&r, 401, "unauthenticated");
        reply_free(&r);
    }
    /* Now even the right password is refused, from anywhere, until the window ends. */
    sign_in(&r, LOCKED_EMAIL, PASSWORD, "127.0.0.2", NULL);
    expect_error(&r, 429, "too_many_attempts");
    assert_non_null(header(&r, "Retry-After", v, sizeof(v)));
    long wait = strtol(v, NULL, 10);
    assert_true(wait > 0 && wait <= 15 * 60);
    reply_free(&r);
    sign_in(&r, LOCKED_EMAIL, PASSWORD, "127.0.0.1", NULL);
    expect_error(&r, 429, "too_many_attempts");
    reply_free(&r);
    /* Another account from the same address is not held up by it. */
    sign_in(&r, STAFF_EMAIL, PASSWORD, "127.0.0.2", NULL);
    expect_status(&r, 200);
    reply_free(&r);
}

static void
test_sign_in_limited_per_address(void **state)
{
    struct reply r;
    char email[64];

    (void)state;
    /* Guessing across many accounts from one address trips the address's limit (20). */
    for (int i = 0; i < 20; i++) {
        snprintf(email, sizeof(email), "guess%d@braid.test", i);
        sign_in(&r, email, "wrong password number", "127.0.0.3", NULL);
        expect_error(&r, 401, "unauthenticated");
        reply_free(&r);
    }
    sign_in(&r, SHARED_EMAIL, PASSWORD, "127.0.0.3", NULL);
    expect_error(&r, 429, "too_many_attempts");
    reply_free(&r);
    /* The account itself is fine from elsewhere. */
    sign_in(&r, SHARED_EMAIL, PASSWORD, "127.0.0.1", NULL);
    expect_status(&r, 200);
    reply_free(&r);
}

static void
test_not_found_and_method_not_allowed(void **state)
{
    struct reply r;
    char v[64];

    (void)state;
    GET(&r, "/api/v1/nothing-here");
    expect_error(&r, 404, "not_found");
    expect_security_headers(&r);
    reply_free(&r);
    GET(&r, "/api/v1/people/abc");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
    GET(&r, "/api/v1/people/-1");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
    GET(&r, "/api/v1/people/99999999");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
    send_request(&r, NULL, "DELETE", "/api/v1/people", NULL, S.bearer, NULL);
    expect_error(&r, 405, "method_not_allowed");
    assert_non_null(header(&r, "Allow", v, sizeof(v)));
    assert_non_null(strstr(v, "GET"));
    assert_non_null(strstr(v, "POST"));
    reply_free(&r);
    send_request(&r, NULL, "PUT", "/api/v1/people/1", "{}", S.bearer, NULL);
    expect_error(&r, 405, "method_not_allowed");
    assert_non_null(header(&r, "Allow", v, sizeof(v)));
    assert_non_null(strstr(v, "PATCH"));
    reply_free(&r);
    send_request(&r, NULL, "POST", "/api/v1/healthz", "{}", NULL);
    expect_error(&r, 405, "method_not_allowed");
    reply_free(&r);
}

#define CHUNKED "Transfer-Encoding: chunked"

/* Sends len bytes of body with the header lines given (NULL-ended) on handle (NULL: a fresh
 * connection). */
static void
send_on(struct reply *r, CURL *handle, const char *method, const char *path, const char *body,
        size_t len, ...)
{
    va_list ap;
    va_start(ap, len);
    send_request_v(r, handle, method, path, body, len, ap);
    va_end(ap);
}

static void
test_body_too_large(void **state)
{
    struct reply r;
    size_t len = (size_t)2 << 20;
    char *big = xmalloc(len + 1);

    (void)state;
    memset(big, ' ', len);
    big[0] = '{';
    big[len - 1] = '}';
    big[len] = '\0';
    send_bytes(&r, "POST", "/api/v1/people", big, len, S.bearer, NULL);
    expect_error(&r, 413, "too_large");
    expect_security_headers(&r);
    reply_free(&r);
    send_bytes(&r, "PATCH", "/api/v1/people/1", big, len, S.bearer, "If-Match: \"1\"", NULL);
    expect_error(&r, 413, "too_large");
    reply_free(&r);
    /* Without Expect: 100-continue the body is already on its way: still refused, once read
     * through — a connection closed on it would be reset, and the answer lost (a few times in a
     * hundred, before the body was read). */
    for (int i = 0; i < 20; i++) {
        send_bytes(&r, "POST", "/api/v1/people", big, len, S.bearer, "Expect:", NULL);
        expect_error(&r, 413, "too_large");
        reply_free(&r);
    }
    free(big);
}

/* The people registered so far. */
static long long
people_total(void)
{
    struct reply r;
    GET(&r, "/api/v1/people?limit=1");
    expect_status(&r, 200);
    long long total = json_integer_value(json_object_get(r.json, "total"));
    reply_free(&r);
    return total;
}

/* A person to register, padded with spaces to exactly len bytes. */
static char *
padded_person(size_t len)
{
    static const char person[] = "{\"first_name\":\"Chunk\",\"last_name\":\"Padded\","
                                 "\"birth_date\":\"1977-07-07\",\"sex\":\"female\"";
    char *body = xmalloc(len + 1);

    assert_true(len > sizeof(person));
    memcpy(body, person, sizeof(person) - 1);
    memset(body + sizeof(person) - 1, ' ', len - sizeof(person));
    body[len - 1] = '}';
    body[len] = '\0';
    return body;
}

/* A body sent chunked, whose size is not declared, is refused as one that declares it: 413 in
 * the error shape once it passes the cap, nothing written, the connection still usable. */
static void
test_chunked_body_too_large(void **state)
{
    const size_t max = (size_t)1 << 20;
    struct reply r;
    char v[64];

    (void)state;
    long long people = people_total();
    char *over = padded_person(max + 1);
    CURL *handle = curl_easy_init();
    assert_non_null(handle);
    send_on(&r, handle, "POST", "/api/v1/people", over, max + 1, S.bearer, CHUNKED,
            "Idempotency-Key: chunked-over-1", NULL);
    expect_error(&r, 413, "too_large");
    expect_security_headers(&r);
    assert_null(header(&r, "Location", v, sizeof(v)));
    reply_free(&r);
    assert_int_equal(people_total(), people);
    /* The same connection answers the next request. */
    send_request(&r, handle, "GET", "/api/v1/healthz", NULL, NULL);
    expect_status(&r, 200);
    reply_free(&r);
    curl_easy_cleanup(handle);

    /* The refused request did not take its Idempotency-Key: the same key creates, once. */
    char *fits = padded_person(max);
    send_on(&r, NULL, "POST", "/api/v1/people", fits, max, S.bearer, CHUNKED,
            "Idempotency-Key: chunked-over-1", NULL);
    expect_status(&r, 201);
    assert_string_equal(json_string_value(json_object_get(r.json, "last_name")), "Padded");
    reply_free(&r);
    assert_int_equal(people_total(), people + 1);

    /* Much more than the cap, and on a route that would refuse the request anyway: still 413. */
    size_t huge = (size_t)16 << 20;
    char *flood = xmalloc(huge);
    memset(flood, ' ', huge);
    send_on(&r, NULL, "POST", "/api/v1/people", flood, huge, S.bearer, CHUNKED, NULL);
    expect_error(&r, 413, "too_large");
    reply_free(&r);
    send_on(&r, NULL, "PATCH", "/api/v1/people/99999999", flood, huge, S.bearer, CHUNKED,
            "If-Match: \"1\"", NULL);
    expect_error(&r, 413, "too_large");
    reply_free(&r);
    send_on(&r, NULL, "POST", "/api/v1/people", flood, huge, CHUNKED, NULL);
    expect_error(&r, 413, "too_large");
    reply_free(&r);
    assert_int_equal(people_total(), people + 1);
    free(flood);
    free(fits);
    free(over);
}

/* A body that would never end: spaces, up to ENDLESS_BODY_BOUND (so that a server that reads
 * on only fails the test, and does not hang it). */
#define ENDLESS_BODY_BOUND ((size_t)256 << 20)

static size_t
endless_spaces(char *buf, size_t size, size_t count, void *ctx)
{
    size_t *sent = ctx;
    size_t n = size * count;

    if (n > ENDLESS_BODY_BOUND - *sent)
        n = ENDLESS_BODY_BOUND - *sent;
    memset(buf, ' ', n);
    *sent += n;
    return n;
}

/* A chunked body that goes on past 16 MiB (HTTP_BODY_DRAIN_MAX) is not read to its end: the
 * server closes the connection, writes nothing, and goes on serving. */
static void
test_endless_chunked_body(void **state)
{
    char url[512];
    size_t sent = 0;
    struct reply r;

    (void)state;
    long long people = people_total();
    CURL *h = curl_easy_init();
    assert_non_null(h);
    struct curl_slist *headers = curl_slist_append(NULL, CHUNKED);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, S.bearer);
    headers = curl_slist_append(headers, "Expect:"); /* on its way at once: no 100 Continue */
    snprintf(url, sizeof(url), "%s/api/v1/people", S.base);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, endless_spaces);
    curl_easy_setopt(h, CURLOPT_READDATA, &sent);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    /* Closed on it: no answer, and far less sent than the bound (what the sockets' buffers took
     * past 16 MiB at most). */
    assert_int_not_equal(rc, CURLE_OK);
    assert_int_not_equal(rc, CURLE_OPERATION_TIMEDOUT);
    assert_int_equal(status, 0);
    assert_true(sent < ENDLESS_BODY_BOUND / 4);
    assert_int_equal(people_total(), people);
    GET(&r, "/api/v1/healthz");
    expect_status(&r, 200);
    reply_free(&r);
}

static void
test_unsupported_media_type(void **state)
{
    struct reply r;
    const char *person = "{\"first_name\":\"Media\",\"last_name\":\"Type\","
                         "\"birth_date\":\"1970-07-07\",\"sex\":\"other\"}";

    (void)state;
    send_request(&r, NULL, "POST", "/api/v1/people", person, S.bearer, "Content-Type: text/plain",
                 NULL);
    expect_error(&r, 415, "unsupported_media_type");
    reply_free(&r);
    send_request(&r, NULL, "POST", "/api/v1/people", "first_name=Media", S.bearer,
                 "Content-Type: application/x-www-form-urlencoded", NULL);
    expect_error(&r, 415, "unsupported_media_type");
    reply_free(&r);
    send_request(&r, NULL, "POST", "/api/v1/people", person, S.bearer,
                 "Content-Type: application/json; charset=latin1", NULL);
    expect_error(&r, 415, "unsupported_media_type");
    reply_free(&r);
    send_request(&r, NULL, "POST", "/api/v1/people", person, S.bearer,
                 "Content-Type: application/json; charset=UTF-8", NULL);
    expect_status(&r, 201);
    reply_free(&r);
}

static void
test_malformed_json(void **state)
{
    struct reply r;

    (void)state;
    POST(&r, "/api/v1/people", "{\"first_name\": \"Bad\",");
    expect_error(&r, 400, "parse_error");
    expect_field(&r, "body");
    reply_free(&r);
    send_bytes(&r, "POST", "/api/v1/people", "{\"first_name\":\"\xff\xfe\"}", 19, S.bearer, NULL);
    expect_error(&r, 400, "parse_error");
    expect_field(&r, "body");
    assert_non_null(strstr(r.body, "UTF-8"));
    reply_free(&r);
    POST(&r, "/api/v1/people", "[1, 2]");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "body");
    reply_free(&r);
    POST(&r, "/api/v1/people", "{\"a\": 1, \"a\": 2}");
    expect_error(&r, 400, "parse_error");
    reply_free(&r);
    /* Every bad field is named at once. */
    POST(&r, "/api/v1/people",
         "{\"first_name\":\"\",\"birth_date\":\"1990-13-01\",\"sex\":\"x\",\"veteran\":\"yes\","
         "\"favourite_colour\":\"blue\",\"ssn\":\"000-00-0000\",\"id\":7}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "first_name");
    expect_field(&r, "last_name");
    expect_field(&r, "birth_date");
    expect_field(&r, "sex");
    expect_field(&r, "veteran");
    expect_field(&r, "favourite_colour");
    expect_field(&r, "id");
    assert_null(strstr(r.body, "000-00-0000"));
    reply_free(&r);
    POST(&r, "/api/v1/people",
         "{\"first_name\":\"Bad\",\"last_name\":\"Ssn\",\"birth_date\":\"1990-01-01\","
         "\"sex\":\"male\",\"ssn\":\"666-12-3456\"}");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "ssn");
    assert_null(strstr(r.body, "666-12-3456"));
    reply_free(&r);
    GET(&r, "/api/v1/people?name=Ssn");
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 0);
    reply_free(&r);
}

static void
test_register_read_change(void **state)
{
    struct reply r;
    char path[64], v[64];

    (void)state;
    register_person(&r, "Maria", "Versioned", "1988-03-14", "\"ssn\":\"123-45-6789\"");
    expect_status(&r, 201);
    int64_t id = json_id(&r);
    assert_non_null(header(&r, "ETag", v, sizeof(v)));
    assert_string_equal(v, "\"1\"");
    assert_non_null(header(&r, "Location", v, sizeof(v)));
    snprintf(path, sizeof(path), "/api/v1/people/%lld", (long long)id);
    assert_string_equal(v, path);
    assert_string_equal(json_string_value(json_object_get(r.json, "ssn_last4")), "6789");
    assert_null(json_object_get(r.json, "ssn"));
    assert_null(strstr(r.body, "123-45-6789"));
    assert_null(strstr(r.body, "123456789"));
    assert_true(json_is_array(json_object_get(r.json, "possible_duplicates")));
    reply_free(&r);

    /* A second registration with the same SSN is flagged as a likely duplicate. */
    register_person(&r, "Mary", "Versioned", "1988-03-14", "\"ssn\":\"123456789\"");
    expect_status(&r, 201);
    json_t *dups = json_object_get(r.json, "possible_duplicates");
    assert_int_equal(json_array_size(dups), 1);
    assert_int_equal(json_integer_value(json_array_get(dups, 0)), id);
    reply_free(&r);

    GET(&r, path);
    expect_status(&r, 200);
    assert_non_null(header(&r, "ETag", v, sizeof(v)));
    assert_string_equal(v, "\"1\"");
    assert_string_equal(json_string_value(json_object_get(r.json, "first_name")), "Maria");
    assert_string_equal(json_string_value(json_object_get(r.json, "birth_date")), "1988-03-14");
    assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 1);
    assert_null(strstr(r.body, "123-45-6789"));
    reply_free(&r);

    const char *change = "{\"veteran\":true,\"first_name\":\"María\"}";
    send_request(&r, NULL, "PATCH", path, change, S.bearer, NULL);
    expect_error(&r, 428, "precondition_required");
    reply_free(&r);
    send_request(&r, NULL, "PATCH", path, change, S.bearer, "If-Match: \"0\"", NULL);
    expect_error(&r, 412, "stale_version");
    reply_free(&r);
    send_request(&r, NULL, "PATCH", path, change, S.bearer, "If-Match: soon", NULL);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "If-Match");
    reply_free(&r);
    send_request(&r, NULL, "PATCH", path, "{\"birth_date\":\"not a date\",\"shoe\":1}", S.bearer,
                 "If-Match: \"1\"", NULL);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "shoe");
    reply_free(&r);
    send_request(&r, NULL, "PATCH", path, "{\"birth_date\":\"not a date\"}", S.bearer,
                 "If-Match: \"1\"", NULL);
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "birth_date");
    reply_free(&r);

    send_request(&r, NULL, "PATCH", path, change, S.bearer, "If-Match: \"1\"", NULL);
    expect_status(&r, 200);
    assert_non_null(header(&r, "ETag", v, sizeof(v)));
    assert_string_equal(v, "\"2\"");
    assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 2);
    assert_true(json_is_true(json_object_get(r.json, "veteran")));
    assert_string_equal(json_string_value(json_object_get(r.json, "first_name")), "María");
    assert_string_equal(json_string_value(json_object_get(r.json, "ssn_last4")), "6789");
    reply_free(&r);

    /* The writer who read version 1 is refused, not merged. */
    send_request(&r, NULL, "PATCH", path, "{\"last_name\":\"Lost\"}", S.bearer, "If-Match: \"1\"",
                 NULL);
    expect_error(&r, 412, "stale_version");
    reply_free(&r);
    /* null clears a fact. */
    send_request(&r, NULL, "PATCH", path, "{\"veteran\":null}", S.bearer, "If-Match: \"2\"", NULL);
    expect_status(&r, 200);
    assert_true(json_is_null(json_object_get(r.json, "veteran")));
    reply_free(&r);
    GET(&r, path);
    assert_string_equal(json_string_value(json_object_get(r.json, "last_name")), "Versioned");
    assert_int_equal(json_integer_value(json_object_get(r.json, "version")), 3);
    assert_non_null(header(&r, "ETag", v, sizeof(v)));
    assert_string_equal(v, "\"3\"");
    reply_free(&r);
}

static void
test_idempotency_key(void **state)
{
    struct reply first, again, other;
    const char *body = "{\"first_name\":\"Once\",\"last_name\":\"Idempotent\","
                       "\"birth_date\":\"1979-09-09\",\"sex\":\"male\"}";
    char v[32];

    (void)state;
    send_request(&first, NULL, "POST", "/api/v1/people", body, S.bearer,
                 "Idempotency-Key: 5d1c7e4e-retry-1", NULL);
    expect_status(&first, 201);
    send_request(&again, NULL, "POST", "/api/v1/people", body, S.bearer,
                 "Idempotency-Key: 5d1c7e4e-retry-1", NULL);
    expect_status(&again, 201);
    assert_int_equal(json_id(&again), json_id(&first));
    assert_string_equal(again.body, first.body);
    assert_non_null(header(&again, "Idempotent-Replayed", v, sizeof(v)));
    /* Answered as the first was: the same Location and ETag, both there. */
    assert_non_null(header(&again, "Location", v, sizeof(v)));
    assert_non_null(header(&again, "ETag", v, sizeof(v)));
    expect_same_header(&first, &again, "Location");
    expect_same_header(&first, &again, "ETag");
    assert_null(header(&first, "Idempotent-Replayed", v, sizeof(v)));
    reply_free(&again);

    /* The same key for another request is refused. */
    send_request(&other, NULL, "POST", "/api/v1/people",
                 "{\"first_name\":\"Twice\",\"last_name\":\"Idempotent\","
                 "\"birth_date\":\"1979-09-09\",\"sex\":\"male\"}",
                 S.bearer, "Idempotency-Key: 5d1c7e4e-retry-1", NULL);
    expect_error(&other, 409, "conflict");
    reply_free(&other);
    GET(&other, "/api/v1/people?name=Idempotent");
    assert_int_equal(json_integer_value(json_object_get(other.json, "total")), 1);
    reply_free(&other);

    /* A failed request does not keep its key: fixed, the retry creates. */
    send_request(&other, NULL, "POST", "/api/v1/people", "{\"first_name\":\"Fixed\"}", S.bearer,
                 "Idempotency-Key: 5d1c7e4e-retry-2", NULL);
    expect_error(&other, 400, "validation_failed");
    reply_free(&other);
    send_request(&other, NULL, "POST", "/api/v1/people",
                 "{\"first_name\":\"Fixed\",\"last_name\":\"Idempotent\","
                 "\"birth_date\":\"1979-09-10\",\"sex\":\"male\"}",
                 S.bearer, "Idempotency-Key: 5d1c7e4e-retry-2", NULL);
    expect_status(&other, 201);
    assert_true(json_id(&other) != json_id(&first));
    reply_free(&other);
    send_request(&other, NULL, "POST", "/api/v1/people", body, S.bearer,
                 "Idempotency-Key: has a space", NULL);
    expect_error(&other, 400, "validation_failed");
    expect_field(&other, "Idempotency-Key");
    reply_free(&other);
    reply_free(&first);
}

static void
test_search_pagination(void **state)
{
    static const char *const firsts[] = {"Ada", "Bea", "Cai", "Dov", "Eli", "Fay", "Gus"};
    struct reply r;
    int64_t seen[7];

    (void)state;
    for (int i = 0; i < 7; i++) {
        char extra[64];
        snprintf(extra, sizeof(extra), "\"ssn\":\"21%d-45-%04d\"", i, 4000 + i);
        register_person(&r, firsts[i], "Paginate", i < 3 ? "1999-12-31" : "2000-01-01", extra);
        expect_status(&r, 201);
        reply_free(&r);
    }
    GET(&r, "/api/v1/people?name=pagin&limit=3");
    expect_status(&r, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 7);
    assert_int_equal(json_array_size(json_object_get(r.json, "people")), 3);
    assert_int_equal(json_integer_value(json_object_get(r.json, "next_offset")), 3);
    for (int i = 0; i < 3; i++)
        seen[i] = json_integer_value(
            json_object_get(json_array_get(json_object_get(r.json, "people"), (size_t)i), "id"));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r.json, "people"), 0), "first_name")),
                        "Ada");
    reply_free(&r);
    GET(&r, "/api/v1/people?name=PAGINATE&limit=3&offset=3");
    assert_int_equal(json_array_size(json_object_get(r.json, "people")), 3);
    for (int i = 0; i < 3; i++) {
        seen[3 + i] = json_integer_value(
            json_object_get(json_array_get(json_object_get(r.json, "people"), (size_t)i), "id"));
        for (int k = 0; k < 3; k++)
            assert_true(seen[3 + i] != seen[k]);
    }
    reply_free(&r);
    GET(&r, "/api/v1/people?name=Paginate&limit=3&offset=6");
    assert_int_equal(json_array_size(json_object_get(r.json, "people")), 1);
    assert_true(json_is_null(json_object_get(r.json, "next_offset")));
    reply_free(&r);
    GET(&r, "/api/v1/people?name=Paginate,%20c");
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r.json, "people"), 0), "first_name")),
                        "Cai");
    reply_free(&r);
    GET(&r, "/api/v1/people?name=Paginate&birth_date=1999-12-31");
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 3);
    reply_free(&r);
    GET(&r, "/api/v1/people?ssn_last4=4005");
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r.json, "people"), 0), "first_name")),
                        "Fay");
    reply_free(&r);
    GET(&r, "/api/v1/people?birth_date=2000-01-01&limit=100");
    assert_true(json_integer_value(json_object_get(r.json, "total")) >= 4);
    reply_free(&r);
    GET(&r, "/api/v1/people?limit=2");
    assert_int_equal(json_array_size(json_object_get(r.json, "people")), 2);
    assert_true(json_integer_value(json_object_get(r.json, "total")) > 30);
    reply_free(&r);

    GET(&r, "/api/v1/people?limit=101");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "limit");
    reply_free(&r);
    GET(&r, "/api/v1/people?limit=ten&offset=-1&birth_date=yesterday&ssn_last4=12&colour=red");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "limit");
    expect_field(&r, "offset");
    expect_field(&r, "birth_date");
    expect_field(&r, "ssn_last4");
    expect_field(&r, "colour");
    reply_free(&r);
}

/* Each line of `braid exits --db` by its id. */
static json_t *
exits_by_id(void)
{
    const char *args[] = {"exits", "--db", S.db, "--as-of", TODAY, NULL};
    char *out = NULL;
    json_t *all = json_object();

    assert_int_equal(run_braid(args, NULL, &out), 0);
    for (char *line = out; *line != '\0';) {
        char *nl = strchr(line, '\n');
        assert_non_null(nl);
        json_t *value = json_loadb(line, (size_t)(nl - line), 0, NULL);
        assert_non_null(value);
        json_object_set_new(all, json_string_value(json_object_get(value, "id")), value);
        line = nl + 1;
    }
    free(out);
    return all;
}

static void
test_exit_determination(void **state)
{
    struct reply r, person;
    char path[96];
    int with_periods = 0;

    (void)state;
    json_t *expected = exits_by_id();
    int compared = 0, refused = 0;
    /* The demo's people have history: each answer is exactly the line braid exits prints.  The
     * clock is read as the case file is, so people the caller's agency does not serve (and who
     * gave it no consent) are refused, and say why. */
    for (int id = 1; id <= 30; id++) {
        snprintf(path, sizeof(path), "/api/v1/people/%d", id);
        GET(&person, path);
        expect_status(&person, 200);
        const char *bundle_id = json_string_value(json_object_get(person.json, "bundle_id"));
        assert_non_null(bundle_id);
        snprintf(path, sizeof(path), "/api/v1/people/%d/exit?as_of=" TODAY, id);
        GET(&r, path);
        if (r.status == 403) {
            expect_error(&r, 403, "forbidden");
            assert_non_null(strstr(r.body, "does not serve the person"));
            refused++;
            reply_free(&r);
            reply_free(&person);
            continue;
        }
        expect_status(&r, 200);
        compared++;
        json_t *line = json_object_get(expected, bundle_id);
        assert_non_null(line);
        if (!json_equal(r.json, line)) {
            char *want = json_dumps(line, JSON_COMPACT);
            fail_msg("person %d: the API says\n%s\nbut braid exits says\n%s", id, r.body, want);
        }
        with_periods += json_array_size(json_object_get(r.json, "periods")) > 0;
        reply_free(&r);
        reply_free(&person);
    }
    assert_true(with_periods > 0);
    assert_true(compared > 0);
    assert_int_equal(compared + refused, 30);
    json_decref(expected);

    GET(&r, "/api/v1/people/1/exit");
    expect_status(&r, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "as_of")), TODAY);
    reply_free(&r);
    GET(&r, "/api/v1/people/1/exit?as_of=2026-02-30");
    expect_error(&r, 400, "validation_failed");
    expect_field(&r, "as_of");
    reply_free(&r);
    GET(&r, "/api/v1/people/99999999/exit");
    expect_error(&r, 404, "not_found");
    reply_free(&r);
}

static void
test_static_files(void **state)
{
    struct reply r;
    char v[128];

    (void)state;
    send_request(&r, NULL, "GET", "/", NULL, NULL);
    expect_status(&r, 200);
    assert_non_null(header(&r, "Content-Type", v, sizeof(v)));
    assert_non_null(strstr(v, "text/html"));
    assert_non_null(strstr(r.body, "braid"));
    expect_security_headers(&r);
    reply_free(&r);
    send_request(&r, NULL, "GET", "/index.html", NULL, NULL);
    expect_status(&r, 200);
    reply_free(&r);
    send_request(&r, NULL, "HEAD", "/index.html", NULL, NULL);
    expect_status(&r, 200);
    reply_free(&r);
    static const char *const escapes[] = {
        "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd", "/.hidden",
        "/web/../index.html",      "//etc/passwd",
        "/nothing.html",
    };
    for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
        send_request(&r, NULL, "GET", escapes[i], NULL, NULL);
        if (r.status != 404 && r.status != 400)
            fail_msg("%s: expected 404, got %ld", escapes[i], r.status);
        assert_null(strstr(r.body != NULL ? r.body : "", "root:"));
        reply_free(&r);
    }
    send_request(&r, NULL, "POST", "/index.html", "{}", NULL);
    expect_error(&r, 405, "method_not_allowed");
    reply_free(&r);
}

struct worker {
    int index;
    long status[CONCURRENT_EACH];
    int64_t id[CONCURRENT_EACH];
    int64_t replay_id[CONCURRENT_EACH];
};

static void *
register_many(void *arg)
{
    struct worker *w = arg;
    CURL *h = curl_easy_init();
    char body[256], key[96];
    struct reply r;

    for (int i = 0; i < CONCURRENT_EACH; i++) {
        snprintf(body, sizeof(body),
                 "{\"first_name\":\"T%02d N%02d\",\"last_name\":\"Concurrent\","
                 "\"birth_date\":\"1980-01-01\",\"sex\":\"other\"}",
                 w->index, i);
        snprintf(key, sizeof(key), "Idempotency-Key: concurrent-%d-%d", w->index, i);
        send_request(&r, h, "POST", "/api/v1/people", body, S.bearer, key, NULL);
        w->status[i] = r.status;
        w->id[i] = json_integer_value(json_object_get(r.json, "id"));
        reply_free(&r);
        /* Every fifth one is retried, as a client does after a timeout. */
        if (i % 5 == 0) {
            send_request(&r, h, "POST", "/api/v1/people", body, S.bearer, key, NULL);
            w->replay_id[i] = json_integer_value(json_object_get(r.json, "id"));
            reply_free(&r);
        }
    }
    curl_easy_cleanup(h);
    return NULL;
}

static int
compare_ids(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void
test_concurrent_registrations(void **state)
{
    struct worker *workers = xcalloc(CONCURRENT_THREADS, sizeof(*workers));
    pthread_t threads[CONCURRENT_THREADS];
    int64_t *ids = xcalloc(CONCURRENT_THREADS * CONCURRENT_EACH, sizeof(*ids));
    size_t n = 0;
    struct reply r;

    (void)state;
    double start = now_ms();
    for (int t = 0; t < CONCURRENT_THREADS; t++) {
        workers[t].index = t;
        assert_int_equal(pthread_create(&threads[t], NULL, register_many, &workers[t]), 0);
    }
    for (int t = 0; t < CONCURRENT_THREADS; t++)
        assert_int_equal(pthread_join(threads[t], NULL), 0);
    double elapsed = now_ms() - start;
    for (int t = 0; t < CONCURRENT_THREADS; t++) {
        for (int i = 0; i < CONCURRENT_EACH; i++) {
            if (workers[t].status[i] != 201)
                fail_msg("thread %d request %d: HTTP %ld", t, i, workers[t].status[i]);
            if (i % 5 == 0)
                assert_int_equal(workers[t].replay_id[i], workers[t].id[i]);
            ids[n++] = workers[t].id[i];
        }
    }
    qsort(ids, n, sizeof(*ids), compare_ids);
    for (size_t i = 1; i < n; i++)
        assert_true(ids[i] != ids[i - 1]);
    GET(&r, "/api/v1/people?name=Concurrent&limit=1");
    expect_status(&r, 200);
    assert_int_equal(json_integer_value(json_object_get(r.json, "total")),
                     CONCURRENT_THREADS * CONCURRENT_EACH);
    reply_free(&r);
    printf("[ INFO     ] %d threads x %d registrations (+%d retries): %.0f ms\n",
           CONCURRENT_THREADS, CONCURRENT_EACH, CONCURRENT_THREADS * CONCURRENT_EACH / 5, elapsed);
    free(ids);
    free(workers);
}

static int
compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Not an assertion: a figure for the record (one keep-alive connection, sequential). */
static void
test_latency_get_person(void **state)
{
    double *ms = xcalloc(LATENCY_REQUESTS, sizeof(*ms));
    CURL *h = curl_easy_init();
    struct reply r;
    double total = 0;

    (void)state;
    for (int i = 0; i < LATENCY_REQUESTS; i++) {
        double start = now_ms();
        send_request(&r, h, "GET", "/api/v1/people/1", NULL, S.bearer, NULL);
        ms[i] = now_ms() - start;
        total += ms[i];
        expect_status(&r, 200);
        reply_free(&r);
    }
    curl_easy_cleanup(h);
    qsort(ms, LATENCY_REQUESTS, sizeof(*ms), compare_doubles);
    printf("[ INFO     ] GET /api/v1/people/{id} x %d: mean %.3f ms, p50 %.3f ms, p99 %.3f ms\n",
           LATENCY_REQUESTS, total / LATENCY_REQUESTS, ms[LATENCY_REQUESTS / 2],
           ms[LATENCY_REQUESTS * 99 / 100]);
    free(ms);
}

static void
test_still_healthy(void **state)
{
    struct reply r;

    (void)state;
    send_request(&r, NULL, "GET", "/api/v1/healthz", NULL, NULL);
    expect_status(&r, 200);
    assert_string_equal(json_string_value(json_object_get(r.json, "status")), "ok");
    reply_free(&r);
    assert_int_equal(kill(S.pid, 0), 0);
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
        cmocka_unit_test(test_healthz),
        cmocka_unit_test(test_auth_required),
        cmocka_unit_test(test_bearer_token),
        cmocka_unit_test(test_sign_in_and_out),
        cmocka_unit_test(test_sign_in_refused),
        cmocka_unit_test(test_sign_in_limited_per_account),
        cmocka_unit_test(test_sign_in_limited_per_address),
        cmocka_unit_test(test_not_found_and_method_not_allowed),
        cmocka_unit_test(test_body_too_large),
        cmocka_unit_test(test_chunked_body_too_large),
        cmocka_unit_test(test_endless_chunked_body),
        cmocka_unit_test(test_unsupported_media_type),
        cmocka_unit_test(test_malformed_json),
        cmocka_unit_test(test_register_read_change),
        cmocka_unit_test(test_idempotency_key),
        cmocka_unit_test(test_search_pagination),
        cmocka_unit_test(test_exit_determination),
        cmocka_unit_test(test_static_files),
        cmocka_unit_test(test_concurrent_registrations),
        cmocka_unit_test(test_latency_get_person),
        cmocka_unit_test(test_still_healthy),
        cmocka_unit_test(test_sigterm_exits_zero),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
