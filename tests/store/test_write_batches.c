/* test_write_batches.c — the writer of a database file (store/sqlite_writer.h): changes
 * committed together — the holder of the write lock that finds another writer waiting leaves its
 * transaction open for it, and returns only once the transaction that holds its change is
 * committed; a change that fails in such a transaction undoes only itself — the WAL started
 * over once checkpointed, the wait for durability left to the caller, a commit under way
 * counted for the reads that could have seen it, and a read of one person waiting for their
 * changes only. */
#include "testutil.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/sqlite.h"
#include "store/sqlite_writer.h"
#include "store/store.h"

#define PAGE_BYTES 4096
#define WAL_ROWS_A_COMMIT 20 /* of about a page each */
#define STRESS_THREADS 4
#define STRESS_CHANGES 25 /* each; every fifth is undone */

struct fixture {
    char dir[64];
    char db[128];
    struct store *st; /* the test's own connection */
    struct br_error err;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    br_error_clear(&f->err);
    snprintf(f->dir, sizeof(f->dir), "/tmp/braid-batch-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/braid.db", f->dir);
    assert_int_equal(store_open(f->db, &f->st, &f->err), 0);
    assert_int_equal(f->st->ops->migrate(f->st, &f->err), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[160];

    f->st->ops->close(f->st);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void
sleep_ms(long ms)
{
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* A change's one row: an audit entry named action. */
static int
add_row(struct store *st, const char *action, struct br_error *err)
{
    struct audit_entry entry = {.action = action, .entity = "test"};
    return st->ops->audit_append(st, &entry, err);
}

/* The committed rows of action, as another process would count them. */
static long
committed(const struct fixture *f, const char *action)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit_log WHERE action = '%s'", action);
    return file_count(f->db, sql);
}

/* A writer on a connection of its own: begins (waiting for the lock), adds its row, holds the
 * transaction hold_ms, then commits it or, when undo, rolls it back. */
struct writer {
    const char *db;
    const char *action;
    long hold_ms;
    bool undo;
    int rc;
};

static void *
write_one(void *arg)
{
    struct writer *w = arg;
    struct store *st = NULL;
    struct br_error err;

    br_error_clear(&err);
    w->rc = store_open(w->db, &st, &err);
    if (w->rc == 0)
        w->rc = st->ops->begin(st, &err);
    if (w->rc == 0)
        w->rc = add_row(st, w->action, &err);
    sleep_ms(w->hold_ms);
    if (w->rc == 0 && !w->undo)
        w->rc = st->ops->commit(st, &err);
    else if (st != NULL)
        st->ops->rollback(st);
    if (st != NULL)
        st->ops->close(st);
    return NULL;
}

/* The test's change is made, and another writer waits for the lock when it commits. */
static void
begin_with_a_writer_waiting(struct fixture *f, pthread_t *thread, struct writer *w)
{
    assert_int_equal(f->st->ops->begin(f->st, &f->err), 0);
    assert_int_equal(add_row(f->st, "test.first", &f->err), 0);
    assert_int_equal(pthread_create(thread, NULL, write_one, w), 0);
    sleep_ms(100); /* it has opened its store and waits for the lock */
}

static void
test_a_change_left_open_is_committed_with_the_next(void **state)
{
    struct fixture *f = *state;
    struct writer w = {.db = f->db, .action = "test.next", .hold_ms = 200, .rc = -1};
    pthread_t thread;

    begin_with_a_writer_waiting(f, &thread, &w);
    assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);
    /* The commit returned once the transaction was committed — with the next change in it,
     * made after this commit was called. */
    assert_int_equal(committed(f, "test.first"), 1);
    assert_int_equal(committed(f, "test.next"), 1);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(w.rc, 0);
}

static void
test_a_failed_change_undoes_only_itself(void **state)
{
    struct fixture *f = *state;
    struct writer w = {.db = f->db, .action = "test.undone", .hold_ms = 200, .undo = true,
                       .rc = -1};
    pthread_t thread;

    begin_with_a_writer_waiting(f, &thread, &w);
    assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(w.rc, 0);
    assert_int_equal(committed(f, "test.first"), 1);
    assert_int_equal(committed(f, "test.undone"), 0);

    /* The file takes the next change as before. */
    assert_int_equal(f->st->ops->begin(f->st, &f->err), 0);
    assert_int_equal(add_row(f->st, "test.after", &f->err), 0);
    assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);
    assert_int_equal(committed(f, "test.after"), 1);
}

/* A waiter for the lock that makes no change (as a read taking the last commit's number, or one
 * that gives up): it takes the lock, holds it hold_ms and gives it back. */
struct bystander {
    const char *db;
    long hold_ms;
    int rc;
};

static void *
lock_and_leave(void *arg)
{
    struct bystander *b = arg;
    struct sqlite_writer *w = NULL;
    char wal[160];
    struct br_error err;

    br_error_clear(&err);
    snprintf(wal, sizeof(wal), "%s-wal", b->db);
    b->rc = sqlite_writer_attach(b->db, wal, &w, &err);
    if (b->rc == 0)
        b->rc = sqlite_writer_lock(w, 5000, &err);
    if (b->rc == 0) {
        sleep_ms(b->hold_ms);
        sqlite_writer_unlock(w);
    }
    sqlite_writer_detach(w);
    return NULL;
}

/* The transaction was left open for a waiter that then made no change: the change waiting in it
 * commits it itself, SQLITE_WRITER_BATCH_WAIT_MS later, rather than wait for ever. */
static void
test_a_batch_nobody_ends_is_committed_by_its_change(void **state)
{
    struct fixture *f = *state;
    struct bystander b = {.db = f->db, .hold_ms = 20, .rc = -1};
    pthread_t thread;

    assert_int_equal(f->st->ops->begin(f->st, &f->err), 0);
    assert_int_equal(add_row(f->st, "test.first", &f->err), 0);
    assert_int_equal(pthread_create(&thread, NULL, lock_and_leave, &b), 0);
    sleep_ms(100); /* it waits for the lock */
    alarm(10);     /* a commit waiting for ever ends the test, failed */
    assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);
    alarm(0);
    assert_int_equal(committed(f, "test.first"), 1);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(b.rc, 0);
}

/* Many writers at once, every fifth change undone: exactly the others are committed. */
struct stress {
    const char *db;
    int rc;
};

static void *
write_many(void *arg)
{
    struct stress *s = arg;
    struct store *st = NULL;
    struct br_error err;

    br_error_clear(&err);
    s->rc = store_open(s->db, &st, &err);
    for (int i = 0; s->rc == 0 && i < STRESS_CHANGES; i++) {
        bool undo = i % 5 == 4;
        if ((s->rc = st->ops->begin(st, &err)) != 0 ||
            (s->rc = add_row(st, undo ? "test.undone" : "test.kept", &err)) != 0)
            break;
        if (undo)
            st->ops->rollback(st);
        else
            s->rc = st->ops->commit(st, &err);
    }
    if (st != NULL)
        st->ops->close(st);
    return NULL;
}

static void
test_writers_at_once_keep_exactly_their_commits(void **state)
{
    struct fixture *f = *state;
    pthread_t threads[STRESS_THREADS];
    struct stress stress[STRESS_THREADS];

    for (int t = 0; t < STRESS_THREADS; t++) {
        stress[t] = (struct stress){.db = f->db, .rc = -1};
        assert_int_equal(pthread_create(&threads[t], NULL, write_many, &stress[t]), 0);
    }
    for (int t = 0; t < STRESS_THREADS; t++) {
        assert_int_equal(pthread_join(threads[t], NULL), 0);
        assert_int_equal(stress[t].rc, 0);
    }
    assert_int_equal(committed(f, "test.kept"), STRESS_THREADS * (STRESS_CHANGES * 4 / 5));
    assert_int_equal(committed(f, "test.undone"), 0);
}

/* The WAL is started over once checkpointed (sqlite_writer_checkpoint_finish), rather than grown
 * to SQLITE_WRITER_WAL_MAX_PAGES: after three thresholds' worth of pages, its file is still about
 * one threshold long. */
static void
test_the_wal_starts_over_after_a_checkpoint(void **state)
{
    struct fixture *f = *state;
    char page_of_text[PAGE_BYTES - 200];
    char wal[160];
    struct stat st;
    struct audit_entry entry = {.action = "test.page", .entity = "test", .after = page_of_text};

    memset(page_of_text, 'x', sizeof(page_of_text) - 1);
    page_of_text[sizeof(page_of_text) - 1] = '\0';
    int commits = 3 * SQLITE_WRITER_CHECKPOINT_PAGES / WAL_ROWS_A_COMMIT;
    for (int c = 0; c < commits; c++) {
        assert_int_equal(f->st->ops->begin(f->st, &f->err), 0);
        for (int r = 0; r < WAL_ROWS_A_COMMIT; r++)
            assert_int_equal(f->st->ops->audit_append(f->st, &entry, &f->err), 0);
        assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);
    }
    assert_int_equal(committed(f, "test.page"), commits * WAL_ROWS_A_COMMIT);
    snprintf(wal, sizeof(wal), "%s-wal", f->db);
    assert_int_equal(stat(wal, &st), 0);
    long pages = (long)st.st_size / PAGE_BYTES;
    if (pages >= 2 * SQLITE_WRITER_CHECKPOINT_PAGES)
        fail_msg("the WAL grew to %ld pages for %d written", pages,
                 commits * WAL_ROWS_A_COMMIT);
}

/* With durability left to the caller (store.h durability_deferred), a change returns once
 * committed — others see it — but before the WAL is synced, and names its commit; so does a
 * read that saw it; durable_wait makes it durable.  Off again, a change returns durable. */
static void
test_durability_can_be_left_to_the_caller(void **state)
{
    struct fixture *f = *state;
    struct sqlite_writer *w = NULL;
    char wal[160];

    snprintf(wal, sizeof(wal), "%s-wal", f->db);
    assert_int_equal(sqlite_writer_attach(f->db, wal, &w, &f->err), 0);
    f->st->ops->durability_deferred(f->st, true);
    assert_int_equal(f->st->ops->durable_pending(f->st), 0);
    assert_int_equal(f->st->ops->begin(f->st, &f->err), 0);
    assert_int_equal(add_row(f->st, "test.deferred", &f->err), 0);
    assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);
    uint64_t commit = f->st->ops->durable_pending(f->st);
    assert_true(commit > 0);
    assert_false(sqlite_writer_durable(w, commit));
    assert_int_equal(committed(f, "test.deferred"), 1);
    assert_int_equal(f->st->ops->durable_pending(f->st), 0); /* taken once */

    assert_int_equal(f->st->ops->begin_read(f->st, &f->err), 0);
    assert_int_equal(add_row(f->st, "test.read", &f->err), 0); /* the read's audit entry */
    assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);
    assert_int_equal(f->st->ops->durable_pending(f->st), commit);
    assert_false(sqlite_writer_durable(w, commit));
    assert_int_equal(f->st->ops->durable_wait(f->st, commit, &f->err), 0);
    assert_true(sqlite_writer_durable(w, commit));

    f->st->ops->durability_deferred(f->st, false);
    assert_int_equal(f->st->ops->begin(f->st, &f->err), 0);
    assert_int_equal(add_row(f->st, "test.durable", &f->err), 0);
    assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);
    assert_int_equal(f->st->ops->durable_pending(f->st), 0);
    assert_true(sqlite_writer_durable(w, sqlite_writer_last_commit(w)));
    assert_true(sqlite_writer_last_commit(w) > commit);
    sqlite_writer_detach(w);
}

/* A change (or, with read, a read) whose one audit entry names person_id; returns the commit a
 * deferred change or read leaves to wait for (store.h durable_pending), 0 for none. */
static uint64_t
touch(struct fixture *f, bool read, int64_t person_id)
{
    struct audit_entry entry = {.action = "test.touch", .entity = "test", .person_id = person_id};

    if (read)
        assert_int_equal(f->st->ops->begin_read(f->st, &f->err), 0);
    else
        assert_int_equal(f->st->ops->begin(f->st, &f->err), 0);
    assert_int_equal(f->st->ops->audit_append(f->st, &entry, &f->err), 0);
    assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);
    return f->st->ops->durable_pending(f->st);
}

/* A read that shows one person waits only for the changes that named them, or no one: another
 * person's change, not yet on disk, does not hold it back.  A read of several people waits for
 * every change. */
static void
test_a_read_of_one_person_waits_for_their_changes(void **state)
{
    struct fixture *f = *state;
    struct audit_entry two[2] = {{.action = "test.read", .entity = "test", .person_id = 7},
                                 {.action = "test.read", .entity = "test", .person_id = 8}};

    f->st->ops->durability_deferred(f->st, true);
    uint64_t of_7 = touch(f, false, 7);
    assert_true(of_7 > 0);
    assert_int_equal(touch(f, true, 8), 0); /* person 8: nothing to wait for */
    assert_int_equal(touch(f, true, 7), of_7);

    assert_int_equal(f->st->ops->begin_read(f->st, &f->err), 0);
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(f->st->ops->audit_append(f->st, &two[i], &f->err), 0);
    assert_int_equal(f->st->ops->commit(f->st, &f->err), 0);
    assert_int_equal(f->st->ops->durable_pending(f->st), of_7);

    uint64_t of_no_one = touch(f, false, 0);
    assert_true(of_no_one > of_7);
    assert_int_equal(touch(f, true, 8), of_no_one);

    assert_int_equal(f->st->ops->durable_wait(f->st, of_no_one, &f->err), 0);
    assert_int_equal(touch(f, true, 7), 0); /* on disk: nothing left to wait for */
    f->st->ops->durability_deferred(f->st, false);
}

/* A sync of a commit, from a thread of its own: done once sqlite_writer_sync returned. */
struct sync_call {
    struct sqlite_writer *w;
    uint64_t commit;
    int rc;
    bool done; /* read and written with __atomic */
};

static void *
sync_one(void *arg)
{
    struct sync_call *c = arg;
    struct br_error err;

    br_error_clear(&err);
    c->rc = sqlite_writer_sync(c->w, c->commit, &err);
    __atomic_store_n(&c->done, true, __ATOMIC_SEQ_CST);
    return NULL;
}

/* A read does not wait for the write lock to learn what it could have seen: a commit under way
 * counts, and a sync of it waits for it to end — or, when it failed, for nothing more. */
static void
test_a_commit_under_way_counts_for_reads(void **state)
{
    struct fixture *f = *state;
    struct sqlite_writer *w = NULL;
    struct br_error failure;
    pthread_t thread;
    char wal[160];

    snprintf(wal, sizeof(wal), "%s-wal", f->db);
    assert_int_equal(sqlite_writer_attach(f->db, wal, &w, &f->err), 0);
    uint64_t before = sqlite_writer_last_commit(w);
    assert_int_equal(sqlite_writer_lock(w, 1000, &f->err), 0);
    assert_int_equal(sqlite_writer_last_commit(w), before); /* the holder has not committed */

    sqlite_writer_commit_begins(w);
    assert_int_equal(sqlite_writer_last_commit(w), before + 1);
    struct sync_call call = {.w = w, .commit = before + 1};
    assert_int_equal(pthread_create(&thread, NULL, sync_one, &call), 0);
    sleep_ms(100);
    assert_false(__atomic_load_n(&call.done, __ATOMIC_SEQ_CST)); /* the commit is under way */
    assert_int_equal(sqlite_writer_batch_end(w, NULL), before + 1);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(call.rc, 0);
    assert_true(sqlite_writer_durable(w, before + 1));

    sqlite_writer_commit_begins(w);
    assert_int_equal(sqlite_writer_last_commit(w), before + 2);
    call = (struct sync_call){.w = w, .commit = before + 2};
    assert_int_equal(pthread_create(&thread, NULL, sync_one, &call), 0);
    sleep_ms(100);
    assert_false(__atomic_load_n(&call.done, __ATOMIC_SEQ_CST));
    br_error_set(&failure, BR_EIO, "the commit failed");
    assert_int_equal(sqlite_writer_batch_end(w, &failure), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(call.rc, 0); /* nothing it could have seen is left to sync */
    assert_int_equal(sqlite_writer_last_commit(w), before + 1);
    sqlite_writer_unlock(w);
    sqlite_writer_detach(w);
}

/* The writer's thread syncs the database file after its checkpoints.  POSIX locks belong to a
 * process and a file, not to a descriptor: a descriptor of the database opened and closed for
 * that sync would drop every lock this process's connections hold on it, and another process,
 * closing its last connection, would take the database for unused and checkpoint and delete
 * the WAL under ours (the nightly run beside `braid serve` left the server reading "database
 * disk image is malformed").  So for two seconds after such a checkpoint (its sync takes a few
 * milliseconds), another process reads the database and closes it, again and again, and the
 * WAL stays ours. */
static void
test_another_process_never_finds_the_database_unused(void **state)
{
    struct fixture *f = *state;
    char wal[160], sql[160], cmd[400];
    struct stat st;
    sqlite3_stmt *stmt = NULL;

    snprintf(wal, sizeof(wal), "%s-wal", f->db);
    /* A quarter more pages than the threshold, in one commit: the thread checkpoints them. */
    const long bytes = SQLITE_WRITER_CHECKPOINT_PAGES * (long)PAGE_BYTES * 5 / 4;
    snprintf(sql, sizeof(sql), "CREATE TABLE filler (x); INSERT INTO filler VALUES (zeroblob(%ld))",
             bytes);
    exec_ok(store_sqlite_handle(f->st), sql);
    snprintf(cmd, sizeof(cmd), "sqlite3 '%s' 'SELECT count(*) FROM filler;' > /dev/null", f->db);
    for (int i = 0; i < 40; i++) {
        assert_int_equal(system(cmd), 0);
        if (stat(wal, &st) != 0)
            fail_msg("another process deleted the WAL after %d reads: it found the database "
                     "unused",
                     i + 1);
        struct timespec pause = {0, 50000000L};
        nanosleep(&pause, NULL);
    }
    assert_int_equal(sqlite3_prepare_v2(store_sqlite_handle(f->st), "SELECT count(*) FROM filler",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 1);
    sqlite3_finalize(stmt);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_durability_can_be_left_to_the_caller, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_commit_under_way_counts_for_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_read_of_one_person_waits_for_their_changes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_change_left_open_is_committed_with_the_next, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_failed_change_undoes_only_itself, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_batch_nobody_ends_is_committed_by_its_change, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writers_at_once_keep_exactly_their_commits, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_the_wal_starts_over_after_a_checkpoint, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_another_process_never_finds_the_database_unused,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
