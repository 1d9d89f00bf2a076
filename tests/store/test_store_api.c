/* test_store_api.c — the store ops the HTTP API needs, against a real SQLite file: sessions
 * (expiry, disabled users, sign-out, pruning), users by id, the people search (each index path,
 * the filters checked on its rows, totals and pages), versioned person updates, and
 * idempotency keys (reserve, replay, release, prune). */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "app/catalog_file.h"
#include "core/mem.h"
#include "store/sqlite.h"
#include "store/store.h"

#define CATALOG_PATH "data/catalog.json"
#define NOW ((int64_t)1795000000) /* a fixed Unix time in 2026 */

struct fixture {
    char dir[64];
    char path[128];
    struct store *st;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    int64_t user_id;
};

static void
remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    char path[512];

    if (d == NULL)
        return;
    while ((entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static int64_t
query_int(struct fixture *f, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite_handle(f->st), sql, -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int64_t value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

static void
exec_sql(struct fixture *f, const char *sql)
{
    exec_ok(store_sqlite_handle(f->st), sql);
}

static int64_t
add_user(struct fixture *f, const char *email, const char *agency)
{
    struct user u = {0};
    snprintf(u.email, sizeof(u.email), "%s", email);
    snprintf(u.name, sizeof(u.name), "Someone");
    snprintf(u.role, sizeof(u.role), "case_manager");
    snprintf(u.agency, sizeof(u.agency), "%s", agency);
    snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$not-a-real-hash");
    u.active = true;
    assert_int_equal(f->st->ops->user_insert(f->st, &u, &f->err), 0);
    return u.id;
}

static int
setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/braid-store-api-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/braid.db", f->dir);
    assert_int_equal(catalog_file_load(CATALOG_PATH, &f->catalog, &f->policy, &f->err), 0);
    assert_int_equal(store_open(f->path, &f->st, &f->err), 0);
    assert_int_equal(f->st->ops->migrate(f->st, &f->err), 0);
    assert_int_equal(f->st->ops->catalog_save(f->st, &f->catalog, &f->policy, &f->err), 0);
    f->user_id = add_user(f, "staff@braid.test", "");
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    f->st->ops->close(f->st);
    catalog_cleanup(&f->catalog);
    remove_tree(f->dir);
    free(f);
    return 0;
}

static void
fill_hash(uint8_t hash[STORE_HASH_SIZE], uint8_t seed)
{
    for (size_t i = 0; i < STORE_HASH_SIZE; i++)
        hash[i] = (uint8_t)(seed + i);
}

/* ---- sessions and users ------------------------------------------------------------------- */

static void
test_sessions(void **state)
{
    struct fixture *f = *state;
    uint8_t hash[STORE_HASH_SIZE], other[STORE_HASH_SIZE];
    struct stored_session s = {.user_id = f->user_id, .expires_at = NOW + 3600};
    struct stored_session got;

    fill_hash(hash, 1);
    fill_hash(other, 2);
    snprintf(s.csrf_token, sizeof(s.csrf_token), "brd_csrf");
    assert_int_equal(f->st->ops->session_insert(f->st, hash, &s, &f->err), 0);
    assert_int_equal(f->st->ops->session_get(f->st, hash, NOW, &got, &f->err), 0);
    assert_int_equal(got.user_id, f->user_id);
    assert_string_equal(got.csrf_token, "brd_csrf");
    assert_int_equal(got.expires_at, NOW + 3600);
    assert_int_equal(f->st->ops->session_get(f->st, other, NOW, &got, &f->err), BR_ENOTFOUND);

    /* Expired at its expiry time, and for a disabled user. */
    assert_int_equal(f->st->ops->session_get(f->st, hash, NOW + 3600, &got, &f->err), BR_ENOTFOUND);
    exec_sql(f, "UPDATE users SET active = 0");
    assert_int_equal(f->st->ops->session_get(f->st, hash, NOW, &got, &f->err), BR_ENOTFOUND);
    exec_sql(f, "UPDATE users SET active = 1");
    assert_int_equal(f->st->ops->session_get(f->st, hash, NOW, &got, &f->err), 0);

    /* The same token hash cannot be stored twice. */
    assert_int_equal(f->st->ops->session_insert(f->st, hash, &s, &f->err), BR_ECONFLICT);

    /* Pruning removes what has expired by then, and only that. */
    s.expires_at = NOW + 60;
    assert_int_equal(f->st->ops->session_insert(f->st, other, &s, &f->err), 0);
    assert_int_equal(f->st->ops->sessions_prune(f->st, NOW + 60, &f->err), 0);
    assert_int_equal(f->st->ops->session_get(f->st, other, NOW, &got, &f->err), BR_ENOTFOUND);
    assert_int_equal(f->st->ops->session_get(f->st, hash, NOW, &got, &f->err), 0);

    /* Sign-out, twice. */
    assert_int_equal(f->st->ops->session_delete(f->st, hash, &f->err), 0);
    assert_int_equal(f->st->ops->session_get(f->st, hash, NOW, &got, &f->err), BR_ENOTFOUND);
    assert_int_equal(f->st->ops->session_delete(f->st, hash, &f->err), 0);
    assert_int_equal(query_int(f, "SELECT count(*) FROM sessions"), 0);
}

static void
test_user_by_id(void **state)
{
    struct fixture *f = *state;
    struct user u;
    int64_t agency = 0, agency_id = -1;

    assert_int_equal(f->st->ops->agency_insert(f->st, "WDB", "The board", &agency, &f->err), 0);
    int64_t id = add_user(f, "agent@braid.test", "WDB");
    assert_int_equal(f->st->ops->user_by_id(f->st, id, &u, &agency_id, &f->err), 0);
    assert_int_equal(u.id, id);
    assert_string_equal(u.email, "agent@braid.test");
    assert_string_equal(u.role, "case_manager");
    assert_string_equal(u.agency, "WDB");
    assert_true(u.active);
    assert_int_equal(agency_id, agency);
    assert_int_equal(f->st->ops->user_by_id(f->st, f->user_id, &u, &agency_id, &f->err), 0);
    assert_string_equal(u.agency, "");
    assert_int_equal(agency_id, 0);
    assert_int_equal(f->st->ops->user_by_id(f->st, 999, &u, &agency_id, &f->err), BR_ENOTFOUND);
}

/* ---- people --------------------------------------------------------------------------------- */

static int64_t
add_person(struct fixture *f, const char *first, const char *last, const char *birth,
           const char *last4)
{
    struct stored_person p = {0};
    snprintf(p.facts.first_name, sizeof(p.facts.first_name), "%s", first);
    snprintf(p.facts.last_name, sizeof(p.facts.last_name), "%s", last);
    p.facts.birth_on = birth != NULL ? D(birth) : DATE_NONE;
    if (last4 != NULL)
        snprintf(p.facts.ssn_last4, sizeof(p.facts.ssn_last4), "%s", last4);
    assert_int_equal(f->st->ops->person_insert(f->st, &p, &f->err), 0);
    if (last4 != NULL) {
        uint8_t hash[STORE_HASH_SIZE], sealed[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        fill_hash(hash, (uint8_t)p.id);
        assert_int_equal(
            f->st->ops->identity_put(f->st, p.id, hash, sealed, sizeof(sealed), &f->err), 0);
    }
    return p.id;
}

/* Runs a search and checks its total and the ids of its page, in order. */
static void
expect_search(struct fixture *f, const struct person_query *q, int64_t total, const int64_t *ids,
              size_t n_ids)
{
    struct stored_person people[16];
    size_t n = 99;
    int64_t got_total = -1;

    assert_true(q->limit <= 16);
    assert_int_equal(
        f->st->ops->person_search(f->st, q, people, (size_t)q->limit, &n, &got_total, &f->err), 0);
    assert_int_equal(got_total, total);
    assert_int_equal(n, n_ids);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(people[i].id, ids[i]);
        assert_int_equal(people[i].version, 1);
    }
}

static struct person_query
query(const char *last, const char *first, const char *birth, const char *last4, int64_t limit,
      int64_t offset)
{
    struct person_query q;
    memset(&q, 0, sizeof(q));
    snprintf(q.last_name, sizeof(q.last_name), "%s", last != NULL ? last : "");
    snprintf(q.first_name, sizeof(q.first_name), "%s", first != NULL ? first : "");
    q.birth_on = birth != NULL ? D(birth) : DATE_NONE;
    snprintf(q.ssn_last4, sizeof(q.ssn_last4), "%s", last4 != NULL ? last4 : "");
    q.limit = limit;
    q.offset = offset;
    return q;
}

static void
test_person_search(void **state)
{
    struct fixture *f = *state;
    int64_t smith_jo = add_person(f, "Jo", "Smith", "1990-01-01", "1234");
    int64_t smithers = add_person(f, "ann", "smithers", "1985-06-01", NULL);
    int64_t smith_al = add_person(f, "Al", "SMITH", "1990-01-01", "5678");
    int64_t smyth = add_person(f, "Jo", "Smyth", "1990-01-01", "1234");
    int64_t jones = add_person(f, "Ana", "Jones", NULL, NULL);
    int64_t nunez = add_person(f, "Iñés", "Núñez", "1977-07-07", NULL);

    /* A last-name prefix, case-insensitive, ordered by last then first name. */
    struct person_query q = query("smi", NULL, NULL, NULL, 10, 0);
    expect_search(f, &q, 3, (int64_t[]){smith_al, smith_jo, smithers}, 3);
    q = query("SMITH", NULL, NULL, NULL, 10, 0);
    expect_search(f, &q, 3, (int64_t[]){smith_al, smith_jo, smithers}, 3);
    q = query("smith", "j", NULL, NULL, 10, 0);
    expect_search(f, &q, 1, (int64_t[]){smith_jo}, 1);
    q = query("sm", NULL, "1990-01-01", NULL, 10, 0);
    expect_search(f, &q, 3, (int64_t[]){smith_al, smith_jo, smyth}, 3);
    q = query("sm", NULL, NULL, "1234", 10, 0);
    expect_search(f, &q, 2, (int64_t[]){smith_jo, smyth}, 2);
    q = query("Núñ", NULL, NULL, NULL, 10, 0);
    expect_search(f, &q, 1, (int64_t[]){nunez}, 1);
    q = query("x", NULL, NULL, NULL, 10, 0);
    expect_search(f, &q, 0, NULL, 0);

    /* Pages: the total is the whole match, the page is limit rows from offset. */
    q = query("s", NULL, NULL, NULL, 2, 0);
    expect_search(f, &q, 4, (int64_t[]){smith_al, smith_jo}, 2);
    q = query("s", NULL, NULL, NULL, 2, 2);
    expect_search(f, &q, 4, (int64_t[]){smithers, smyth}, 2);
    q = query("s", NULL, NULL, NULL, 2, 4);
    expect_search(f, &q, 4, NULL, 0);

    /* Without a name: the SSN's last four (with a birth date), a birth date, or everyone, by id. */
    q = query(NULL, NULL, NULL, "1234", 10, 0);
    expect_search(f, &q, 2, (int64_t[]){smith_jo, smyth}, 2);
    q = query(NULL, NULL, "1990-01-01", "5678", 10, 0);
    expect_search(f, &q, 1, (int64_t[]){smith_al}, 1);
    q = query(NULL, NULL, "1985-06-01", "5678", 10, 0);
    expect_search(f, &q, 0, NULL, 0);
    q = query(NULL, NULL, "1990-01-01", NULL, 10, 0);
    expect_search(f, &q, 3, (int64_t[]){smith_jo, smith_al, smyth}, 3);
    q = query(NULL, NULL, NULL, NULL, 4, 2);
    expect_search(f, &q, 6, (int64_t[]){smith_al, smyth, jones, nunez}, 4);

    /* A first name alone is not a filter (it needs the last name). */
    q = query(NULL, "Jo", NULL, NULL, 1, 0);
    expect_search(f, &q, 6, (int64_t[]){smith_jo}, 1);

    /* Each leading filter is served by an index (no full scan). */
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite_handle(f->st),
                                        "EXPLAIN QUERY PLAN SELECT id FROM people WHERE "
                                        "last_name COLLATE NOCASE >= 'a' AND last_name COLLATE "
                                        "NOCASE < 'b' ORDER BY last_name COLLATE NOCASE, "
                                        "first_name COLLATE NOCASE, birth_date, id",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_non_null(strstr((const char *)sqlite3_column_text(stmt, 3), "people_name_nocase"));
    sqlite3_finalize(stmt);
}

static void
test_person_update(void **state)
{
    struct fixture *f = *state;
    struct stored_person p, got;
    int64_t id = add_person(f, "Ann", "Lee", "1990-02-03", "6789");

    assert_int_equal(f->st->ops->person_get(f->st, id, &p, &f->err), 0);
    p.facts.veteran = FACT_YES;
    snprintf(p.facts.first_name, sizeof(p.facts.first_name), "Anne");
    p.facts.birth_on = D("1990-02-04");
    assert_int_equal(f->st->ops->person_update(f->st, &p, 1, &f->err), 0);
    assert_int_equal(p.version, 2);
    assert_int_equal(f->st->ops->person_get(f->st, id, &got, &f->err), 0);
    assert_int_equal(got.version, 2);
    assert_string_equal(got.facts.first_name, "Anne");
    assert_int_equal(got.facts.veteran, FACT_YES);
    assert_int_equal(got.facts.birth_on, D("1990-02-04"));
    assert_string_equal(got.facts.ssn_last4, "6789");

    /* A writer who read version 1 is refused, and nothing changes. */
    snprintf(p.facts.first_name, sizeof(p.facts.first_name), "Lost");
    br_error_clear(&f->err);
    assert_int_equal(f->st->ops->person_update(f->st, &p, 1, &f->err), BR_ESTALE);
    assert_non_null(strstr(f->err.message, "changed by someone else"));
    assert_int_equal(f->st->ops->person_get(f->st, id, &got, &f->err), 0);
    assert_string_equal(got.facts.first_name, "Anne");
    assert_int_equal(got.version, 2);

    p.id = 999;
    assert_int_equal(f->st->ops->person_update(f->st, &p, 1, &f->err), BR_ENOTFOUND);
}

/* ---- idempotency keys ------------------------------------------------------------------------ */

static void
test_idempotency_keys(void **state)
{
    struct fixture *f = *state;
    struct stored_idempotency existing;
    uint8_t print[STORE_HASH_SIZE], other_print[STORE_HASH_SIZE];
    bool reserved = false;
    int64_t other_user = add_user(f, "other@braid.test", "");

    fill_hash(print, 7);
    fill_hash(other_print, 9);
    assert_int_equal(f->st->ops->idempotency_reserve(f->st, f->user_id, "k1", print, &reserved,
                                                     &existing, &f->err),
                     0);
    assert_true(reserved);
    /* While the first request runs, the key is pending. */
    assert_int_equal(f->st->ops->idempotency_reserve(f->st, f->user_id, "k1", other_print,
                                                     &reserved, &existing, &f->err),
                     0);
    assert_false(reserved);
    assert_int_equal(existing.status, 0);
    assert_null(existing.body);
    assert_memory_equal(existing.fingerprint, print, STORE_HASH_SIZE);

    /* Keys belong to a user. */
    assert_int_equal(f->st->ops->idempotency_reserve(f->st, other_user, "k1", print, &reserved,
                                                     &existing, &f->err),
                     0);
    assert_true(reserved);

    /* Completed, it replays with its headers; a release no longer removes it. */
    struct stored_idempotency first = {
        .status = 201, .body = "{\"id\":1}", .location = "/api/v1/people/1", .etag = "\"1\""};
    assert_int_equal(f->st->ops->idempotency_complete(f->st, f->user_id, "k1", &first, &f->err), 0);
    assert_int_equal(f->st->ops->idempotency_release(f->st, f->user_id, "k1", &f->err), 0);
    assert_int_equal(f->st->ops->idempotency_reserve(f->st, f->user_id, "k1", print, &reserved,
                                                     &existing, &f->err),
                     0);
    assert_false(reserved);
    assert_int_equal(existing.status, 201);
    assert_string_equal(existing.body, "{\"id\":1}");
    assert_string_equal(existing.location, "/api/v1/people/1");
    assert_string_equal(existing.etag, "\"1\"");
    free(existing.body);

    /* A released key may be used again. */
    assert_int_equal(f->st->ops->idempotency_release(f->st, other_user, "k1", &f->err), 0);
    assert_int_equal(f->st->ops->idempotency_reserve(f->st, other_user, "k1", print, &reserved,
                                                     &existing, &f->err),
                     0);
    assert_true(reserved);
    /* A response without headers replays without them. */
    struct stored_idempotency bare = {.status = 201, .body = "{}"};
    assert_int_equal(f->st->ops->idempotency_complete(f->st, other_user, "k1", &bare, &f->err), 0);
    assert_int_equal(f->st->ops->idempotency_reserve(f->st, other_user, "k1", print, &reserved,
                                                     &existing, &f->err),
                     0);
    assert_false(reserved);
    assert_string_equal(existing.body, "{}");
    assert_string_equal(existing.location, "");
    assert_string_equal(existing.etag, "");
    free(existing.body);
    assert_int_equal(f->st->ops->idempotency_complete(f->st, f->user_id, "nope", &bare, &f->err),
                     BR_ENOTFOUND);

    /* Pruning forgets keys created before a time. */
    assert_int_equal(f->st->ops->idempotency_prune(f->st, 0, &f->err), 0);
    assert_int_equal(query_int(f, "SELECT count(*) FROM idempotency_keys"), 2);
    assert_int_equal(f->st->ops->idempotency_prune(f->st, (int64_t)time(NULL) + 60, &f->err), 0);
    assert_int_equal(query_int(f, "SELECT count(*) FROM idempotency_keys"), 0);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_sessions),      T(test_user_by_id),       T(test_person_search),
        T(test_person_update), T(test_idempotency_keys),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
