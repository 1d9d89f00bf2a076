/* test_durability_api.c — over the real HTTP API (api_harness.h): an answer is sent only once the
 * changes it shows are on disk (src/http/server.c, "answers held until durable").  When the sync
 * of the write-ahead log fails, the change's answer is a 500 and not a 201, and so is the answer
 * of a read that could have seen it; an answer that shows no change still goes out, and the
 * server still stops cleanly.
 *
 * The sync fails because the WAL's path no longer leads to a file (a symbolic link to itself):
 * SQLite goes on writing through the descriptor it holds, and the syncer, which opens the path
 * for each sync, gets ELOOP.  One worker thread, so that every request is served by the
 * connection opened before the path was broken. */
#define THREADS "1"
#include "api_harness.h"

#define AGENCY "JOB_CENTER"
#define CM_EMAIL "cm@jobcenter.test"

static int
group_setup(void **state)
{
    (void)state;
    return harness_group_start(AGENCY, CM_EMAIL);
}

/* Whether the server's log holds text. */
static bool
log_holds(const char *text)
{
    char *log = read_file(S.log);
    bool found = log != NULL && strstr(log, text) != NULL;
    free(log);
    return found;
}

static void
test_a_failed_sync_answers_500(void **state)
{
    struct reply r;
    char path[128], wal[160];
    const char *service = "{\"program\":\"WP\",\"code\":\"STAFF_JOB_SEARCH\","
                          "\"start_date\":\"2026-11-02\",\"end_date\":\"2026-11-02\"}";

    (void)state;
    POST(&r, "/api/v1/people",
         "{\"first_name\":\"Ada\",\"last_name\":\"Sync\",\"birth_date\":\"1984-02-02\","
         "\"sex\":\"female\",\"authorized_to_work\":true}");
    expect_status(&r, 201);
    long long person = (long long)json_integer_value(json_object_get(r.json, "id"));
    reply_free(&r);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/enrollments", person);
    POST(&r, path, "{\"program\":\"WP\",\"eligibility_date\":\"2026-11-01\",\"facts\":{}}");
    expect_status(&r, 201);
    reply_free(&r);
    snprintf(path, sizeof(path), "/api/v1/people/%lld/services", person);
    POST(&r, path, service);
    expect_status(&r, 201); /* synced: the path still leads to the WAL */
    reply_free(&r);

    snprintf(wal, sizeof(wal), "%s-wal", S.db);
    assert_int_equal(unlink(wal), 0);
    assert_int_equal(symlink(wal, wal), 0);

    POST(&r, path, service);
    expect_error(&r, 500, "internal_error");
    reply_free(&r);
    snprintf(path, sizeof(path), "/api/v1/people/%lld", person);
    GET(&r, path);
    expect_error(&r, 500, "internal_error"); /* it could have seen the change */
    reply_free(&r);
    GET(&r, "/api/v1/healthz");
    expect_status(&r, 200);
    reply_free(&r);
    assert_true(log_holds("the write-ahead log could not be synced"));
    harness_stop(); /* and it still stops cleanly */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_failed_sync_answers_500),
    };
    return cmocka_run_group_tests(tests, group_setup, harness_group_teardown);
}
