/* test_reads_audited.c — reads run in read transactions (store.h begin_read): they write nothing
 * but their audit entries, which are on disk once the read commits; this process's connections to
 * one file take its write lock in turn (sqlite_writer.h), and no entry or change is lost when many
 * threads read and write at once. */
#include "testutil.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/people.h"
#include "app/records.h"
#include "store/sqlite.h"
#include "store/sqlite_writer.h"
#include "store/store.h"

#define THREADS 8
#define ROUNDS 40

struct fixture {
    char dir[64];
    char db[128];
    struct app app;
    int64_t person;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct stored_person p = {0};
    struct br_error err;
    int64_t dups[4];
    size_t n_dups = 0;

    br_error_clear(&err);
    snprintf(f->dir, sizeof(f->dir), "/tmp/braid-reads-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/braid.db", f->dir);
    setenv("BRAID_TODAY", "2026-03-01", 1);
    assert_int_equal(app_init_database(f->db, "data/catalog.json", &err), 0);
    assert_int_equal(app_open(&f->app, f->db, &err), 0);
    snprintf(p.facts.first_name, sizeof(p.facts.first_name), "Rhea");
    snprintf(p.facts.last_name, sizeof(p.facts.last_name), "Reader");
    p.facts.birth_on = D("1990-05-17");
    assert_int_equal(app_register_person(&f->app, &app_system_actor, &p, NULL, dups, 4, &n_dups,
                                         &err),
                     0);
    f->person = p.id;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char path[256];
    const char *suffixes[] = {"", "-wal", "-shm", ".key"};

    app_close(&f->app);
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s%s", f->db, suffixes[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A count on a connection of its own, as another process would see it. */
static long
count(const struct fixture *f, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    long n = -1;

    assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
}

static struct audit_entry
entry_about(int64_t person, const char *action)
{
    return (struct audit_entry){.user_id = 7, .person_id = person, .action = action,
                                .entity = "person", .entity_id = person, .after = "{\"n\":1}"};
}

static void
test_a_read_commits_its_audit_entries(void **state)
{
    struct fixture *f = *state;
    struct store *st = f->app.store;
    struct br_error err;
    struct stored_person got;

    br_error_clear(&err);
    assert_int_equal(st->ops->begin_read(st, &err), 0);
    assert_int_equal(st->ops->person_get(st, f->person, &got, &err), 0);
    struct audit_entry e = entry_about(f->person, "test.read");
    assert_int_equal(st->ops->audit_append(st, &e, &err), 0);
    /* Nothing is written while the read runs. */
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'test.read'"), 0);
    assert_int_equal(st->ops->commit(st, &err), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'test.read' AND "
                              "user_id = 7 AND after = '{\"n\":1}'"),
                     1);

    /* A read rolled back leaves no entry. */
    assert_int_equal(st->ops->begin_read(st, &err), 0);
    struct audit_entry dropped = entry_about(f->person, "test.dropped");
    assert_int_equal(st->ops->audit_append(st, &dropped, &err), 0);
    st->ops->rollback(st);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'test.dropped'"), 0);

    /* The connection is back to normal: a write transaction commits. */
    assert_int_equal(st->ops->begin(st, &err), 0);
    struct audit_entry written = entry_about(f->person, "test.write");
    assert_int_equal(st->ops->audit_append(st, &written, &err), 0);
    assert_int_equal(st->ops->commit(st, &err), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'test.write'"), 1);
}

static void
test_a_read_cannot_write(void **state)
{
    struct fixture *f = *state;
    struct store *st = f->app.store;
    struct br_error err;
    struct stored_person p = {0};
    long people = count(f, "SELECT count(*) FROM people");

    br_error_clear(&err);
    snprintf(p.facts.first_name, sizeof(p.facts.first_name), "Wanda");
    snprintf(p.facts.last_name, sizeof(p.facts.last_name), "Writer");
    assert_int_equal(st->ops->begin_read(st, &err), 0);
    assert_int_not_equal(st->ops->person_insert(st, &p, &err), 0);
    /* Nor can it become a write transaction, which would hold the write lock unseen. */
    br_error_clear(&err);
    assert_int_not_equal(st->ops->begin(st, &err), 0);
    st->ops->rollback(st);
    assert_int_equal(count(f, "SELECT count(*) FROM people"), people);

    /* The refused begin left the write lock free for another connection. */
    struct store *other = NULL;
    br_error_clear(&err);
    assert_int_equal(store_open(f->db, &other, &err), 0);
    assert_int_equal(other->ops->begin(other, &err), 0);
    assert_int_equal(other->ops->commit(other, &err), 0);
    other->ops->close(other);
}

/* Reading a person's record, through the use cases: one audit entry each, on disk on return. */
static void
test_person_reads_write_one_entry_each(void **state)
{
    struct fixture *f = *state;
    /* A case manager of an agency that does not serve the person: facts yes, sensitive no. */
    const struct actor reader = {.user_id = 41, .agency_id = 99, .role = "case_manager"};
    struct stored_person person;
    struct exit_result result;
    bool sensitive_shown = true;
    struct br_error err;
    char sql[256];

    br_error_clear(&err);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit_log WHERE user_id = 41 AND person_id = %lld",
             (long long)f->person);
    assert_int_equal(app_person_view(&f->app, &reader, f->person, &person, &sensitive_shown, &err),
                     0);
    assert_false(sensitive_shown);
    assert_string_equal(person.facts.last_name, "Reader");
    assert_int_equal(count(f, sql), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE user_id = 41 AND action = "
                              "'access.allow' AND after LIKE '%\"area\":\"facts\"%'"),
                     1);

    /* The exit clock is read as the case file is: refused to an agency that does not serve the
     * person (no consent), and the refusal is on the record; an auditor reads it, audited once;
     * an admin has no case data. */
    exit_result_init(&result);
    assert_int_equal(
        app_person_exit(&f->app, &reader, f->person, D("2026-03-01"), &person, &result, &err),
        BR_EFORBIDDEN);
    assert_int_equal(count(f, sql), 2);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE user_id = 41 AND action = "
                              "'disclosure.refuse' AND after LIKE '%\"area\":\"case_file\"%'"),
                     1);
    const struct actor auditor = {.user_id = 42, .agency_id = 0, .role = "auditor"};
    br_error_clear(&err);
    assert_int_equal(
        app_person_exit(&f->app, &auditor, f->person, D("2026-03-01"), &person, &result, &err), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE user_id = 42"), 1);
    const struct actor admin = {.user_id = 43, .agency_id = 0, .role = "admin"};
    br_error_clear(&err);
    assert_int_equal(
        app_person_exit(&f->app, &admin, f->person, D("2026-03-01"), &person, &result, &err),
        BR_EFORBIDDEN);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE user_id = 43 AND action = "
                              "'disclosure.refuse'"),
                     1);
    exit_result_cleanup(&result);

    /* A person who is not there: no entry, and the connection is free again. */
    assert_int_equal(app_person_view(&f->app, &reader, f->person + 1000, &person,
                                     &sensitive_shown, &err),
                     BR_ENOTFOUND);
    assert_int_equal(count(f, sql), 2);
}

/* The query plan of the statement of app's connection whose text contains needle. */
static void
plan_of(struct app *app, const char *needle, char *plan, size_t size)
{
    sqlite3 *db = store_sqlite_handle(app->store);
    const char *found = NULL;
    char sql[1024];
    size_t used = 0;
    sqlite3_stmt *stmt = NULL;

    for (sqlite3_stmt *p = sqlite3_next_stmt(db, NULL); p != NULL; p = sqlite3_next_stmt(db, p))
        if (strstr(sqlite3_sql(p), needle) != NULL)
            found = sqlite3_sql(p);
    assert_non_null(found);
    snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", found);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    plan[0] = '\0';
    while (sqlite3_step(stmt) == SQLITE_ROW && used < size) {
        int n =
            snprintf(plan + used, size - used, "%s\n", (const char *)sqlite3_column_text(stmt, 3));
        used += n > 0 ? (size_t)n : 0;
    }
    sqlite3_finalize(stmt);
}

/* The access check of every read finds who registered the person in one index entry, not by
 * walking the person's audit entries, which every read makes one more of. */
static void
test_access_check_does_not_walk_the_audit_log(void **state)
{
    struct fixture *f = *state;
    const struct actor reader = {.user_id = 41, .agency_id = 99, .role = "case_manager"};
    struct stored_person person;
    bool sensitive_shown;
    struct br_error err;
    char plan[1024];

    br_error_clear(&err);
    assert_int_equal(app_person_view(&f->app, &reader, f->person, &person, &sensitive_shown, &err),
                     0);
    plan_of(&f->app, "a.action = 'person.register'", plan, sizeof(plan));
    assert_non_null(strstr(plan, "USING INDEX audit_log_registered (person_id=?)"));
    assert_null(strstr(plan, "audit_log_person"));
}

/* Connections of one process to one file share one writer, whatever the path says. */
static void
test_one_writer_per_file(void **state)
{
    struct fixture *f = *state;
    char other_path[160];
    struct br_error err;

    snprintf(other_path, sizeof(other_path), "%s/./braid.db", f->dir);
    struct sqlite_writer *a = sqlite_writer_attach(f->db, "unused-wal");
    struct sqlite_writer *b = sqlite_writer_attach(other_path, "unused-wal");
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_null(sqlite_writer_attach("/nonexistent/braid.db", "unused-wal"));

    br_error_clear(&err);
    assert_int_equal(sqlite_writer_lock(a, 100, &err), 0);
    uint64_t first = sqlite_writer_committed(a, true);
    uint64_t second = sqlite_writer_committed(a, true);
    sqlite_writer_unlock(a);
    assert_true(second == first + 1);
    /* The WAL named is not there: nothing is left to sync. */
    assert_int_equal(sqlite_writer_sync(b, second, &err), 0);
    sqlite_writer_detach(a);
    sqlite_writer_detach(b);
}

/* A commit of a read's audit entries only does not wait for the disk: the writer's thread syncs
 * it soon after, and the last change stays the one a later read waits for. */
static void
test_audit_commits_synced_soon(void **state)
{
    struct fixture *f = *state;
    struct br_error err;
    char wal[200];

    snprintf(wal, sizeof(wal), "%s-wal", f->db);
    struct sqlite_writer *w = sqlite_writer_attach(f->db, wal);
    assert_non_null(w);
    br_error_clear(&err);
    assert_int_equal(sqlite_writer_lock(w, 100, &err), 0);
    uint64_t change = sqlite_writer_committed(w, true);
    uint64_t audit = sqlite_writer_committed(w, false);
    sqlite_writer_unlock(w);
    assert_true(audit == change + 1);
    assert_true(sqlite_writer_last_change(w) == change);
    assert_false(sqlite_writer_durable(w, audit));

    sqlite_writer_sync_soon(w);
    /* Soon: within SQLITE_WRITER_SYNC_DELAY_MS and a sync; waited for here up to 10 s. */
    for (int i = 0; i < 10000 && !sqlite_writer_durable(w, audit); i++) {
        struct timespec ms = {0, 1000000L};
        nanosleep(&ms, NULL);
    }
    assert_true(sqlite_writer_durable(w, audit));
    assert_true(sqlite_writer_durable(w, change));
    sqlite_writer_detach(w);
}

/* Commits never checkpoint on their own time: a WAL past SQLITE_WRITER_CHECKPOINT_PAGES is
 * checkpointed by the writer's thread, so the database file grows without any connection
 * closing or asking. */
static void
test_checkpoints_in_the_background(void **state)
{
    struct fixture *f = *state;
    struct store *st = NULL;
    struct br_error err;
    struct stat before, after;

    br_error_clear(&err);
    assert_int_equal(store_open(f->db, &st, &err), 0);
    assert_int_equal(stat(f->db, &before), 0);
    /* About 1,250 pages of 4 KiB in one commit. */
    assert_int_equal(sqlite3_exec(store_sqlite_handle(st),
                                  "CREATE TABLE filler (x); "
                                  "INSERT INTO filler VALUES (zeroblob(5000000))",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    for (int i = 0; i < 10000; i++) {
        assert_int_equal(stat(f->db, &after), 0);
        if (after.st_size >= before.st_size + 5000000)
            break;
        struct timespec ms = {0, 1000000L};
        nanosleep(&ms, NULL);
    }
    assert_true(after.st_size >= before.st_size + 5000000);
    st->ops->close(st);
}

struct worker {
    const struct fixture *f;
    int index;
    int failures;
    char first_failure[256];
};

static void
worker_failed(struct worker *w, const struct br_error *err)
{
    if (w->failures++ == 0)
        snprintf(w->first_failure, sizeof(w->first_failure), "%s", err->message);
}

/* Each round: a read with an audit entry, then a write transaction with one. */
static void *
read_and_write(void *arg)
{
    struct worker *w = arg;
    struct store *st = NULL;
    struct stored_person got;
    struct br_error err;

    br_error_clear(&err);
    if (store_open(w->f->db, &st, &err) != 0) {
        worker_failed(w, &err);
        return NULL;
    }
    for (int i = 0; i < ROUNDS; i++) {
        struct audit_entry read = entry_about(w->f->person, "test.concurrent.read");
        struct audit_entry write = entry_about(w->f->person, "test.concurrent.write");
        br_error_clear(&err);
        if (st->ops->begin_read(st, &err) != 0 ||
            st->ops->person_get(st, w->f->person, &got, &err) != 0 ||
            st->ops->audit_append(st, &read, &err) != 0 || st->ops->commit(st, &err) != 0) {
            st->ops->rollback(st);
            worker_failed(w, &err);
        }
        br_error_clear(&err);
        if (st->ops->begin(st, &err) != 0 || st->ops->audit_append(st, &write, &err) != 0 ||
            st->ops->commit(st, &err) != 0) {
            st->ops->rollback(st);
            worker_failed(w, &err);
        }
    }
    st->ops->close(st);
    return NULL;
}

static void
test_many_threads_lose_nothing(void **state)
{
    struct fixture *f = *state;
    struct worker workers[THREADS];
    pthread_t threads[THREADS];

    for (int t = 0; t < THREADS; t++) {
        workers[t] = (struct worker){.f = f, .index = t};
        assert_int_equal(pthread_create(&threads[t], NULL, read_and_write, &workers[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(threads[t], NULL), 0);
    for (int t = 0; t < THREADS; t++)
        if (workers[t].failures != 0)
            fail_msg("thread %d: %d failures, the first: %s", t, workers[t].failures,
                     workers[t].first_failure);
    assert_int_equal(
        count(f, "SELECT count(*) FROM audit_log WHERE action = 'test.concurrent.read'"),
        THREADS * ROUNDS);
    assert_int_equal(
        count(f, "SELECT count(*) FROM audit_log WHERE action = 'test.concurrent.write'"),
        THREADS * ROUNDS);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_read_commits_its_audit_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_read_cannot_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_person_reads_write_one_entry_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_check_does_not_walk_the_audit_log, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_one_writer_per_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_commits_synced_soon, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoints_in_the_background, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_threads_lose_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
