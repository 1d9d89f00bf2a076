/* test_http.c — the parts of src/http that need no server: routes ({id} segments, 404, 405 with
 * Allow), the error-code-to-status map, --listen parsing and content types; and the sign-in
 * limiter of src/app (windows, retry times, a full table). */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "app/limiter.h"
#include "http/errors.h"
#include "http/handlers.h"
#include "http/router.h"
#include "http/server.h"
#include "http/static.h"

static void
test_routes(void **state)
{
    struct http_route_match m;

    (void)state;
    assert_int_equal(http_route_find(HTTP_GET, "/api/v1/healthz", &m), HTTP_ROUTE_FOUND);
    assert_ptr_equal(m.route->handler, api_healthz);
    assert_true(m.route->flags & HTTP_ROUTE_PUBLIC);
    assert_int_equal(m.n_ids, 0);

    assert_int_equal(http_route_find(HTTP_GET, "/api/v1/people/42", &m), HTTP_ROUTE_FOUND);
    assert_ptr_equal(m.route->handler, api_person_get);
    assert_int_equal(m.n_ids, 1);
    assert_int_equal(m.ids[0], 42);
    assert_int_equal(http_route_find(HTTP_HEAD, "/api/v1/people/42", &m), HTTP_ROUTE_FOUND);
    assert_ptr_equal(m.route->handler, api_person_get);
    assert_int_equal(http_route_find(HTTP_GET, "/api/v1/people/42/exit", &m), HTTP_ROUTE_FOUND);
    assert_ptr_equal(m.route->handler, api_person_exit);
    assert_int_equal(m.ids[0], 42);
    assert_int_equal(http_route_find(HTTP_PATCH, "/api/v1/people/7", &m), HTTP_ROUTE_FOUND);
    assert_true(m.route->flags & HTTP_ROUTE_JSON);
    assert_int_equal(http_route_find(HTTP_POST, "/api/v1/people", &m), HTTP_ROUTE_FOUND);
    assert_true(m.route->flags & HTTP_ROUTE_CREATES);
    assert_false(m.route->flags & HTTP_ROUTE_PUBLIC);

    /* An id that is not a positive number is no route at all. */
    static const char *const missing[] = {
        "/api/v1/people/abc",
        "/api/v1/people/0",
        "/api/v1/people/-1",
        "/api/v1/people/1x",
        "/api/v1/people/",
        "/api/v1/people//exit",
        "/api/v1",
        "/api/v1/people/1/",
        "/api/v1/people/1234567890123456789",
        "/api/v2/people",
        "",
        "/api/v1/healthz/",
    };
    for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
        if (http_route_find(HTTP_GET, missing[i], &m) != HTTP_ROUTE_NOT_FOUND)
            fail_msg("%s should be no route", missing[i]);
    }
}

static void
test_method_not_allowed(void **state)
{
    struct http_route_match m;

    (void)state;
    assert_int_equal(http_route_find(HTTP_DELETE, "/api/v1/people", &m),
                     HTTP_ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "POST, GET, HEAD");
    assert_int_equal(http_route_find(HTTP_PUT, "/api/v1/people/3", &m),
                     HTTP_ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "GET, HEAD, PATCH");
    assert_int_equal(http_route_find(HTTP_POST, "/api/v1/healthz", &m),
                     HTTP_ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "GET, HEAD");
    assert_int_equal(http_route_find(HTTP_OTHER, "/api/v1/session", &m),
                     HTTP_ROUTE_METHOD_NOT_ALLOWED);
    assert_string_equal(m.allow, "POST, GET, HEAD, DELETE");
}

static void
test_methods(void **state)
{
    (void)state;
    assert_int_equal(http_method_parse("GET"), HTTP_GET);
    assert_int_equal(http_method_parse("PATCH"), HTTP_PATCH);
    assert_int_equal(http_method_parse("get"), HTTP_OTHER);
    assert_int_equal(http_method_parse("BREW"), HTTP_OTHER);
    assert_string_equal(http_method_name(HTTP_DELETE), "DELETE");
    assert_false(http_method_writes(HTTP_GET));
    assert_false(http_method_writes(HTTP_HEAD));
    assert_true(http_method_writes(HTTP_POST));
    assert_true(http_method_writes(HTTP_PATCH));
    assert_true(http_method_writes(HTTP_DELETE));
    assert_true(http_method_writes(HTTP_OTHER));
}

static void
test_status_of_every_code(void **state)
{
    (void)state;
    assert_int_equal(http_status_of(BR_EINVAL), 400);
    assert_int_equal(http_status_of(BR_EPARSE), 400);
    assert_int_equal(http_status_of(BR_EAUTH), 401);
    assert_int_equal(http_status_of(BR_EFORBIDDEN), 403);
    assert_int_equal(http_status_of(BR_ENOTFOUND), 404);
    assert_int_equal(http_status_of(BR_ECONFLICT), 409);
    assert_int_equal(http_status_of(BR_ESTALE), 412);
    assert_int_equal(http_status_of(BR_ETOOBIG), 413);
    assert_int_equal(http_status_of(BR_ELIMIT), 429);
    assert_int_equal(http_status_of(BR_EIO), 500);
    assert_int_equal(http_status_of(BR_OK), 500);
    assert_string_equal(br_code_name(BR_ESTALE), "stale_version");
    assert_string_equal(br_code_name(BR_EAUTH), "unauthenticated");
    assert_string_equal(br_code_name(BR_ELIMIT), "too_many_attempts");
}

static void
test_listen_parse(void **state)
{
    struct sockaddr_storage addr;
    socklen_t len = 0;
    struct br_error err;
    char text[64];

    (void)state;
    assert_int_equal(http_listen_parse("127.0.0.1:8080", &addr, &len, &err), 0);
    const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)&addr;
    assert_int_equal(addr.ss_family, AF_INET);
    assert_int_equal(ntohs(in4->sin_port), 8080);
    inet_ntop(AF_INET, &in4->sin_addr, text, sizeof(text));
    assert_string_equal(text, "127.0.0.1");
    assert_int_equal(len, sizeof(struct sockaddr_in));

    assert_int_equal(http_listen_parse("localhost:9", &addr, &len, &err), 0);
    assert_int_equal(addr.ss_family, AF_INET);
    assert_int_equal(http_listen_parse("[::1]:443", &addr, &len, &err), 0);
    assert_int_equal(addr.ss_family, AF_INET6);
    assert_int_equal(ntohs(((const struct sockaddr_in6 *)(const void *)&addr)->sin6_port), 443);

    static const char *const bad[] = {"",
                                      "127.0.0.1",
                                      "127.0.0.1:",
                                      "127.0.0.1:0",
                                      "127.0.0.1:65536",
                                      "127.0.0.1:80x",
                                      "example.org:80",
                                      "::1:80",
                                      "[::1]80",
                                      "[::1]"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        br_error_clear(&err);
        if (http_listen_parse(bad[i], &addr, &len, &err) != BR_EINVAL)
            fail_msg("--listen '%s' should be refused", bad[i]);
        assert_true(err.message[0] != '\0');
    }
}

static void
test_static_types(void **state)
{
    (void)state;
    assert_string_equal(http_static_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(http_static_type("a/app.JS"), "text/javascript; charset=utf-8");
    assert_string_equal(http_static_type("style.css"), "text/css; charset=utf-8");
    assert_string_equal(http_static_type("logo.svg"), "image/svg+xml");
    assert_string_equal(http_static_type("README"), "application/octet-stream");
    assert_string_equal(http_static_type("archive.tar.gz"), "application/octet-stream");
}

static void
test_limiter(void **state)
{
    struct limiter l;
    int64_t wait = 0;
    const int64_t t = 1000000;

    (void)state;
    assert_int_equal(limiter_init(&l, 8, 3, 60), 0);
    assert_true(limiter_allowed(&l, "a", t, &wait));
    limiter_fail(&l, "a", t);
    limiter_fail(&l, "a", t + 10);
    assert_true(limiter_allowed(&l, "a", t + 10, &wait));
    limiter_fail(&l, "a", t + 20);
    assert_false(limiter_allowed(&l, "a", t + 20, &wait));
    assert_int_equal(wait, 40); /* the window started at the first failure */
    assert_false(limiter_allowed(&l, "a", t + 59, &wait));
    assert_int_equal(wait, 1);
    assert_true(limiter_allowed(&l, "b", t + 20, NULL));  /* keys are apart */
    assert_true(limiter_allowed(&l, "a", t + 60, &wait)); /* the window ended */

    /* A new window starts from scratch. */
    limiter_fail(&l, "a", t + 60);
    assert_true(limiter_allowed(&l, "a", t + 61, NULL));

    /* Forgetting clears the count. */
    limiter_fail(&l, "c", t);
    limiter_fail(&l, "c", t);
    limiter_fail(&l, "c", t);
    assert_false(limiter_allowed(&l, "c", t, NULL));
    limiter_forget(&l, "c");
    assert_true(limiter_allowed(&l, "c", t, NULL));
    limiter_cleanup(&l);
}

static void
test_limiter_table_is_bounded(void **state)
{
    struct limiter l;
    char key[32];
    const int64_t t = 5000;

    (void)state;
    assert_int_equal(limiter_init(&l, 4, 1, 100), 0);
    limiter_fail(&l, "oldest", t);
    assert_false(limiter_allowed(&l, "oldest", t + 1, NULL));
    /* Many more keys than slots: memory stays at 4 entries, the oldest window goes first. */
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof(key), "key-%d", i);
        limiter_fail(&l, key, t + 2 + i);
    }
    assert_true(limiter_allowed(&l, "oldest", t + 200, NULL));
    assert_false(limiter_allowed(&l, "key-99", t + 102, NULL));
    /* Expired entries are reused before live ones. */
    limiter_fail(&l, "late", t + 150);
    assert_false(limiter_allowed(&l, "key-99", t + 150, NULL));
    assert_false(limiter_allowed(&l, "late", t + 150, NULL));
    limiter_cleanup(&l);

    assert_int_equal(limiter_init(&l, 0, 1, 1), BR_EINVAL);
    assert_int_equal(limiter_init(&l, 1, 0, 1), BR_EINVAL);
    assert_int_equal(limiter_init(&l, 1, 1, 0), BR_EINVAL);
    limiter_cleanup(&l); /* harmless after a failed init */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes),       cmocka_unit_test(test_method_not_allowed),
        cmocka_unit_test(test_methods),      cmocka_unit_test(test_status_of_every_code),
        cmocka_unit_test(test_listen_parse), cmocka_unit_test(test_static_types),
        cmocka_unit_test(test_limiter),      cmocka_unit_test(test_limiter_table_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
