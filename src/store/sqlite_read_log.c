/* sqlite_read_log.c — the audit entries of reads, in a file of their own, committed in batches by
 * one thread (sqlite_read_log.h). */
#include "store/sqlite_read_log.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "core/mem.h"
#include "store/migrations.h"
#include "store/sqlite_writer.h"

/* How many batches a caller who commits commits at most (sqlite_read_log_append). */
#define SQLITE_READ_LOG_ROUNDS 4
/* The log's pages are small (its entries are, and each commit writes its last pages whole to
 * the WAL: a quarter of the bytes of SQLite's default 4 KiB pages); its WAL is checkpointed past
 * 4 MiB, and past 16 MiB with the commits held back (sqlite_wal_checkpoint). */
#define SQLITE_READ_LOG_PAGE_SIZE "1024"
#define SQLITE_READ_LOG_CHECKPOINT_PAGES 4000
#define SQLITE_READ_LOG_WAL_MAX_PAGES 16000

/* One caller of sqlite_read_log_append, waiting for the batch its entries are in.  It is woken
 * alone, by its own semaphore: a broadcast would wake every caller, those of the next batch
 * too, each to take the lock in turn (wake-ups are the dearest thing on these machines). */
struct waiter {
    sem_t done;
    int rc; /* SQLite's result of the batch's commit */
    struct waiter *next;
};

/* Entries handed over and not yet committed, with the callers waiting for them. */
struct batch {
    struct audit_entry *entries; /* their texts are owned (copies) */
    size_t n, cap;
    struct waiter *waiters;
};

struct sqlite_read_log {
    sqlite3 *db;           /* whoever commits (committing) uses it */
    sqlite3 *checkpointer; /* the thread's */
    char *file;
    sqlite3_stmt *insert;
    char *wal_file;
    pthread_t thread;
    pthread_mutex_t lock; /* guards the members below */
    pthread_cond_t wake;  /* the thread: entries, or stop */
    pthread_cond_t idle;  /* committing has become false */
    struct batch pending;
    struct batch spare;   /* the array of the last batch committed, for the next */
    bool committing;      /* a caller or the thread is using db */
    bool wal_full;        /* set by wal_hook, read by the committer: only it touches it */
    bool stopping;
    bool checkpoint_wanted; /* the WAL has grown: for the thread (commit_pending) */
    bool unsynced;          /* a commit is not yet synced ... */
    struct timespec sync_by; /* ... and should be by then */
};

int
sqlite_read_log_schema(sqlite3 *db, const char *schema, struct br_error *err)
{
    /* The columns of the database's audit_log, append-only as it is (migrations.c). */
    char *sql = sqlite3_mprintf(
        "CREATE TABLE IF NOT EXISTS %w.read_log (\n" MIGRATIONS_AUDIT_COLUMNS ");\n"
        "CREATE INDEX IF NOT EXISTS %w.read_log_person ON read_log (person_id, id);\n"
        "CREATE TRIGGER IF NOT EXISTS %w.read_log_no_update BEFORE UPDATE ON read_log\n"
        "BEGIN SELECT RAISE(ABORT, 'read_log is append-only'); END;\n"
        "CREATE TRIGGER IF NOT EXISTS %w.read_log_no_delete BEFORE DELETE ON read_log\n"
        "BEGIN SELECT RAISE(ABORT, 'read_log is append-only'); END;\n",
        schema, schema, schema, schema);
    if (sql == NULL)
        return br_error_set(err, BR_EIO, "cannot create the log of reads: out of memory");
    char *message = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &message);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        rc = br_error_set(err, BR_EIO, "cannot create the log of reads: %s",
                          message != NULL ? message : sqlite3_errstr(rc));
    sqlite3_free(message);
    return rc;
}

static char *
copy_text(const char *text)
{
    return text != NULL ? xstrdup(text) : NULL;
}

void
sqlite_audit_entry_copy(struct audit_entry *to, const struct audit_entry *entry)
{
    *to = (struct audit_entry){
        .user_id = entry->user_id,
        .person_id = entry->person_id,
        .action = copy_text(entry->action),
        .entity = copy_text(entry->entity),
        .entity_id = entry->entity_id,
        .reason = copy_text(entry->reason),
        .before = copy_text(entry->before),
        .after = copy_text(entry->after),
    };
}

void
sqlite_audit_entry_free(struct audit_entry *entry)
{
    free((char *)entry->action);
    free((char *)entry->entity);
    free((char *)entry->reason);
    free((char *)entry->before);
    free((char *)entry->after);
}

static void
batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        sqlite_audit_entry_free(&b->entries[i]);
    b->n = 0;
    b->waiters = NULL;
}

char *
sqlite_read_log_file(const char *db_file)
{
    size_t size = strlen(db_file) + sizeof(SQLITE_READ_LOG_SUFFIX);
    char *file = xmalloc(size);
    snprintf(file, size, "%s%s", db_file, SQLITE_READ_LOG_SUFFIX);
    return file;
}

static int
bind_id(sqlite3_stmt *stmt, int column, int64_t id)
{
    return id != 0 ? sqlite3_bind_int64(stmt, column, id) : sqlite3_bind_null(stmt, column);
}

static int
bind_text(sqlite3_stmt *stmt, int column, const char *text)
{
    return text != NULL ? sqlite3_bind_text(stmt, column, text, -1, SQLITE_STATIC)
                        : sqlite3_bind_null(stmt, column);
}

int
sqlite_audit_entry_bind(sqlite3_stmt *stmt, const struct audit_entry *e)
{
    int rc = bind_id(stmt, 1, e->user_id);
    if (rc == SQLITE_OK)
        rc = bind_id(stmt, 2, e->person_id);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 3, e->action);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 4, e->entity);
    if (rc == SQLITE_OK)
        rc = bind_id(stmt, 5, e->entity_id);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 6, e->reason);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 7, e->before);
    if (rc == SQLITE_OK)
        rc = bind_text(stmt, 8, e->after);
    return rc;
}

static int
insert_entry(struct sqlite_read_log *log, const struct audit_entry *e)
{
    sqlite3_stmt *stmt = log->insert;

    sqlite3_reset(stmt);
    int rc = sqlite_audit_entry_bind(stmt, e);
    if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_DONE)
        rc = SQLITE_OK;
    sqlite3_reset(stmt);
    return rc;
}

/* Commits a batch in one transaction: SQLite's result. */
static int
commit_batch(struct sqlite_read_log *log, const struct batch *b)
{
    int rc = sqlite3_exec(log->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < b->n; i++)
        rc = insert_entry(log, &b->entries[i]);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(log->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(log->db))
        sqlite3_exec(log->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static bool
reached(const struct timespec *when)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec > when->tv_sec || (now.tv_sec == when->tv_sec && now.tv_nsec >= when->tv_nsec);
}

static int
wal_hook(void *ctx, sqlite3 *db, const char *name, int pages)
{
    struct sqlite_read_log *log = ctx;
    (void)db;
    (void)name;
    /* In commit_batch, on whichever thread commits: commit_pending passes it on to the thread,
     * which checkpoints beside the commits. */
    if (pages >= SQLITE_READ_LOG_CHECKPOINT_PAGES)
        log->wal_full = true;
    return SQLITE_OK;
}

/* Commits what was handed over, as one batch: called with the lock held and log->committing
 * set (the connection is the caller's meanwhile), it returns with the lock held.  Every waiter
 * of the batch but me (who may be NULL) is told the result and woken; me's result is returned
 * in *mine. */
static void
commit_pending(struct sqlite_read_log *log, const struct waiter *me, int *mine)
{
    struct batch batch = log->pending;
    log->pending = log->spare;
    pthread_mutex_unlock(&log->lock);
    int rc = commit_batch(log, &batch);
    for (struct waiter *w = batch.waiters, *next; w != NULL; w = next) {
        next = w->next; /* w is gone once posted */
        if (w == me) {
            *mine = rc;
            continue;
        }
        w->rc = rc;
        sem_post(&w->done);
    }
    batch_clear(&batch);
    pthread_mutex_lock(&log->lock);
    log->spare = batch;
    if (log->wal_full) {
        log->wal_full = false;
        log->checkpoint_wanted = true;
        pthread_cond_signal(&log->wake);
    }
    if (rc == SQLITE_OK && !log->unsynced) {
        log->unsynced = true;
        sqlite_deadline_after_ms(&log->sync_by, SQLITE_WRITER_SYNC_DELAY_MS);
        pthread_cond_signal(&log->wake);
    }
}

/* Holds the log's commits back for sqlite_wal_checkpoint: waits until no one commits, and
 * takes the turn. */
static void
hold_commits(void *ctx)
{
    struct sqlite_read_log *log = ctx;

    pthread_mutex_lock(&log->lock);
    while (log->committing)
        pthread_cond_wait(&log->idle, &log->lock);
    log->committing = true;
    pthread_mutex_unlock(&log->lock);
}

static void
release_commits(void *ctx)
{
    struct sqlite_read_log *log = ctx;

    pthread_mutex_lock(&log->lock);
    log->committing = false;
    pthread_cond_broadcast(&log->idle);
    pthread_mutex_unlock(&log->lock);
}

/* The thread: syncs the WAL within SQLITE_WRITER_SYNC_DELAY_MS of a commit, checkpoints it when
 * it has grown, commits what a caller left (sqlite_read_log_append), and on stop commits and
 * syncs what is left. */
static void *
log_main(void *arg)
{
    struct sqlite_read_log *log = arg;
    int ignored;

    pthread_mutex_lock(&log->lock);
    for (;;) {
        bool sync_now = log->unsynced && (reached(&log->sync_by) ||
                                          (log->stopping && log->pending.n == 0));
        if (sync_now) {
            log->unsynced = false;
            pthread_mutex_unlock(&log->lock);
            /* A failed sync is not the readers' to answer for: their entries are committed.
             * The next commit's sync tries again. */
            sqlite_wal_sync(log->wal_file);
            pthread_mutex_lock(&log->lock);
            continue;
        }
        if (log->checkpoint_wanted && !log->stopping) {
            /* On a connection of its own: a PASSIVE checkpoint and the commits go on side by
             * side (the WAL's design), so no read waits for the checkpoint's syncs. */
            log->checkpoint_wanted = false;
            pthread_mutex_unlock(&log->lock);
            sqlite_wal_checkpoint(&log->checkpointer, log->file, SQLITE_READ_LOG_WAL_MAX_PAGES,
                                  hold_commits, release_commits, log);
            pthread_mutex_lock(&log->lock);
            continue;
        }
        if (!log->committing && log->pending.n > 0) {
            log->committing = true;
            commit_pending(log, NULL, &ignored);
            log->committing = false;
            pthread_cond_broadcast(&log->idle);
            continue;
        }
        if (log->stopping && log->pending.n == 0 && !log->committing)
            break;
        if (log->unsynced)
            pthread_cond_timedwait(&log->wake, &log->lock, &log->sync_by);
        else
            pthread_cond_wait(&log->wake, &log->lock);
    }
    pthread_mutex_unlock(&log->lock);
    return NULL;
}

static void
log_free(struct sqlite_read_log *log)
{
    sqlite3_finalize(log->insert);
    sqlite3_close(log->db);
    sqlite3_close(log->checkpointer);
    free(log->file);
    batch_clear(&log->pending);
    free(log->pending.entries);
    free(log->spare.entries);
    free(log->wal_file);
    pthread_mutex_destroy(&log->lock);
    pthread_cond_destroy(&log->wake);
    pthread_cond_destroy(&log->idle);
    free(log);
}

int
sqlite_read_log_open(const char *file, struct sqlite_read_log **out, struct br_error *err)
{
    struct sqlite_read_log *log = xcalloc(1, sizeof(*log));
    const char *what = "open the log of reads";
    int rc;

    *out = NULL;
    pthread_mutex_init(&log->lock, NULL);
    pthread_cond_init(&log->wake, NULL);
    pthread_cond_init(&log->idle, NULL);
    log->file = xstrdup(file);
    rc = sqlite3_open_v2(file, &log->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(log->db, STORE_SQLITE_BUSY_TIMEOUT_MS);
        /* Commits do not wait for the disk: the thread syncs the WAL itself (above). */
        rc = sqlite3_exec(log->db, "PRAGMA page_size = " SQLITE_READ_LOG_PAGE_SIZE
                          "; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL",
                          NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK) {
        rc = br_error_set(err, BR_EIO, "cannot %s %s: %s", what, file,
                          log->db != NULL ? sqlite3_errmsg(log->db) : sqlite3_errstr(rc));
        log_free(log);
        return rc;
    }
    if ((rc = sqlite_read_log_schema(log->db, "main", err)) != 0) {
        log_free(log);
        return rc;
    }
    rc = sqlite3_prepare_v3(log->db,
                            "INSERT INTO read_log (user_id, person_id, action, entity, entity_id, "
                            "reason, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            -1, SQLITE_PREPARE_PERSISTENT, &log->insert, NULL);
    if (rc != SQLITE_OK) {
        rc = br_error_set(err, BR_EIO, "cannot %s %s: %s", what, file, sqlite3_errmsg(log->db));
        log_free(log);
        return rc;
    }
    log->wal_file = xstrdup(sqlite3_filename_wal(sqlite3_db_filename(log->db, "main")));
    sqlite3_wal_hook(log->db, wal_hook, log);
    if ((rc = pthread_create(&log->thread, NULL, log_main, log)) != 0) {
        rc = br_error_set(err, BR_EIO, "cannot %s: cannot start its thread: %s", what,
                          strerror(rc));
        log_free(log);
        return rc;
    }
    *out = log;
    return 0;
}

void
sqlite_read_log_close(struct sqlite_read_log *log)
{
    if (log == NULL)
        return;
    pthread_mutex_lock(&log->lock);
    log->stopping = true;
    pthread_cond_signal(&log->wake);
    pthread_mutex_unlock(&log->lock);
    pthread_join(log->thread, NULL);
    log_free(log);
}

int
sqlite_read_log_append(struct sqlite_read_log *log, struct audit_entry *entries, size_t n,
                       struct br_error *err)
{
    struct waiter me = {.rc = SQLITE_OK};

    if (n == 0)
        return 0;
    pthread_mutex_lock(&log->lock);
    struct batch *b = &log->pending;
    xgrow(&b->entries, &b->cap, b->n + n, sizeof(*b->entries));
    for (size_t i = 0; i < n; i++) {
        b->entries[b->n++] = entries[i];
        entries[i] = (struct audit_entry){0};
    }
    me.next = b->waiters;
    b->waiters = &me;
    if (log->committing) {
        /* Someone is committing: these entries go in the next batch, which that caller (or the
         * thread) commits, and wakes this one. */
        sem_init(&me.done, 0, 0);
        pthread_mutex_unlock(&log->lock);
        while (sem_wait(&me.done) != 0)
            continue; /* interrupted by a signal */
        sem_destroy(&me.done);
    } else {
        /* Nobody is: this caller commits, with its own entries whatever others handed over
         * meanwhile, and then what they hand over while it commits, a few rounds at most (its
         * own answer waits); the thread commits anything left. */
        log->committing = true;
        for (int round = 0; round < SQLITE_READ_LOG_ROUNDS && log->pending.n > 0; round++)
            commit_pending(log, &me, &me.rc);
        log->committing = false;
        pthread_cond_broadcast(&log->idle);
        if (log->pending.n > 0)
            pthread_cond_signal(&log->wake);
        pthread_mutex_unlock(&log->lock);
    }
    if (me.rc != SQLITE_OK)
        return br_error_set(err, BR_EIO, "cannot write the audit log: %s", sqlite3_errstr(me.rc));
    return 0;
}
