/* sqlite_writer.c — the write lock and the shared WAL syncs of one database file (sqlite_writer.h). */
#include "store/sqlite_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/mem.h"
#include "store/sqlite_read_log.h"

struct sqlite_writer {
    dev_t dev;
    ino_t ino;
    int refs; /* under registry_lock */
    struct sqlite_writer *next;
    char *db_file;
    char *wal_file;
    pthread_mutex_t write_lock;
    atomic_int writers_waiting; /* in sqlite_writer_lock */
    pthread_mutex_t sync_lock; /* guards the members below */
    pthread_cond_t sync_done;    /* a sync ended (sqlite_writer_sync) */
    pthread_cond_t batch_ended;  /* a batch ended (sqlite_writer_batch_wait) */
    pthread_cond_t commit_ended; /* the commit under way ended (sqlite_writer_sync) */
    uint64_t committed;   /* commits made under the write lock so far */
    bool committing;      /* the lock's holder is committing number committed + 1 */
    /* The people the changes of commits not yet known durable touched (sqlite_writer_touch),
     * each with the last such commit, and the last commit of a change that named no one. */
    struct person_mark *marks;
    size_t n_marks, cap_marks;
    uint64_t global_mark;
    struct sqlite_batch *batch; /* the changes in the transaction left open, or NULL */
    uint64_t synced;      /* the commits known to be on disk: 1 .. synced */
    bool syncing;         /* a waiter is in fdatasync */
    uint64_t syncs;       /* the syncs of the WAL begun so far (sqlite_writer_syncs) */
    int sync_errno;       /* the failure of a sync, kept: nothing is durable after it */
    /* The thread that checkpoints the WAL (sqlite_writer_checkpoint_soon). */
    pthread_t thread;
    bool thread_started;
    bool checkpoint_wanted;
    bool checkpoint_to_finish; /* the thread copied the bulk of the WAL: the lock's holder ends it */
    bool stopping;
    pthread_cond_t thread_wake;
    sqlite3 *checkpointer; /* the thread's own connection, opened at its first checkpoint */
    struct sqlite_read_log *read_log;
    void *shared; /* sqlite_writer_share */
    void (*free_shared)(void *);
    /* Under the write lock: the people the changes of the open transaction touched. */
    int64_t *touched;
    size_t n_touched, cap_touched;
    bool touched_all;
};

/* A person touched by a commit not yet known durable (sqlite_writer_last_commit_of). */
struct person_mark {
    int64_t person_id;
    uint64_t commit;
};

/* Past this many people marked, a commit marks everyone (global_mark) instead: the marks are
 * searched one by one. */
#define SQLITE_WRITER_MARKS_MAX 1024

/* The changes a transaction left open holds (sqlite_writer.h), until it is committed. */
struct sqlite_batch {
    int refs;       /* the writer's while it is open, and one per change waiting for it */
    int changes;
    bool ended;
    uint64_t commit; /* its commit's number; 0 when it was not committed */
    struct br_error failure;
};

/* Every file's writer in this process, looked up by device and inode. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sqlite_writer *registry;

int
sqlite_writer_attach(const char *db_file, const char *wal_file, struct sqlite_writer **out,
                     struct br_error *err)
{
    struct stat st;
    struct sqlite_writer *w;
    int rc = 0;

    *out = NULL;
    if (stat(db_file, &st) != 0)
        return br_error_set(err, BR_EIO, "cannot open the database %s: %s", db_file,
                            strerror(errno));
    pthread_mutex_lock(&registry_lock);
    for (w = registry; w != NULL; w = w->next)
        if (w->dev == st.st_dev && w->ino == st.st_ino)
            break;
    if (w == NULL) {
        struct sqlite_read_log *read_log = NULL;
        char *log_file = sqlite_read_log_file(db_file);
        rc = sqlite_read_log_open(log_file, &read_log, err);
        free(log_file);
        if (rc != 0) {
            pthread_mutex_unlock(&registry_lock);
            return rc;
        }
        w = xcalloc(1, sizeof(*w));
        w->dev = st.st_dev;
        w->ino = st.st_ino;
        w->db_file = xstrdup(db_file);
        w->wal_file = xstrdup(wal_file);
        w->read_log = read_log;
        pthread_mutex_init(&w->write_lock, NULL);
        atomic_init(&w->writers_waiting, 0);
        pthread_mutex_init(&w->sync_lock, NULL);
        pthread_cond_init(&w->sync_done, NULL);
        pthread_cond_init(&w->batch_ended, NULL);
        pthread_cond_init(&w->commit_ended, NULL);
        pthread_cond_init(&w->thread_wake, NULL);
        w->next = registry;
        registry = w;
    }
    w->refs++;
    pthread_mutex_unlock(&registry_lock);
    *out = w;
    return 0;
}

struct sqlite_read_log *
sqlite_writer_read_log(struct sqlite_writer *w)
{
    return w->read_log;
}

void *
sqlite_writer_shared(struct sqlite_writer *w)
{
    return w->shared;
}

void
sqlite_writer_share(struct sqlite_writer *w, void *shared, void (*free_shared)(void *))
{
    w->shared = shared;
    w->free_shared = free_shared;
}

void
sqlite_writer_detach(struct sqlite_writer *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&registry_lock);
    bool last = --w->refs == 0;
    if (last) {
        struct sqlite_writer **p = &registry;
        while (*p != w)
            p = &(*p)->next;
        *p = w->next;
    }
    pthread_mutex_unlock(&registry_lock);
    if (!last)
        return;
    /* Its last connection is gone: the thread stops. */
    pthread_mutex_lock(&w->sync_lock);
    bool started = w->thread_started;
    w->stopping = true;
    pthread_cond_broadcast(&w->thread_wake);
    pthread_mutex_unlock(&w->sync_lock);
    if (started)
        pthread_join(w->thread, NULL);
    sqlite3_close(w->checkpointer);
    if (w->shared != NULL)
        w->free_shared(w->shared);
    sqlite_read_log_close(w->read_log);
    pthread_cond_destroy(&w->thread_wake);
    pthread_mutex_destroy(&w->write_lock);
    pthread_mutex_destroy(&w->sync_lock);
    pthread_cond_destroy(&w->sync_done);
    pthread_cond_destroy(&w->batch_ended);
    pthread_cond_destroy(&w->commit_ended);
    free(w->marks);
    free(w->touched);
    free(w->db_file);
    free(w->wal_file);
    free(w);
}

static void
library_setup_once(void)
{
    /* SQLITE_MISUSE once SQLite is initialized (by a caller that did not come here first): it
     * then keeps its statistics, which costs time, not correctness. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

void
sqlite_library_setup(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, library_setup_once);
}

void
sqlite_deadline_after_ms(struct timespec *t, long ms)
{
    clock_gettime(CLOCK_REALTIME, t);
    t->tv_sec += ms / 1000;
    t->tv_nsec += (ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

int
sqlite_writer_lock(struct sqlite_writer *w, int timeout_ms, struct br_error *err)
{
    struct timespec deadline;

    sqlite_deadline_after_ms(&deadline, timeout_ms);
    atomic_fetch_add(&w->writers_waiting, 1);
    int rc = pthread_mutex_timedlock(&w->write_lock, &deadline);
    atomic_fetch_sub(&w->writers_waiting, 1);
    if (rc == 0)
        return 0;
    return br_error_set(err, BR_EIO, "cannot begin a transaction: %s",
                        rc == ETIMEDOUT ? "the database is busy" : strerror(rc));
}

/* Drops a reference to batch (under sync_lock); the last frees it. */
static void
batch_unref(struct sqlite_batch *batch)
{
    if (--batch->refs == 0)
        free(batch);
}

bool
sqlite_writer_batch_open(struct sqlite_writer *w)
{
    pthread_mutex_lock(&w->sync_lock);
    bool open = w->batch != NULL;
    pthread_mutex_unlock(&w->sync_lock);
    return open;
}

bool
sqlite_writer_batch_goes_on(struct sqlite_writer *w)
{
    pthread_mutex_lock(&w->sync_lock);
    int changes = w->batch != NULL ? w->batch->changes : 0;
    /* A checkpoint to finish wants the transaction over (sqlite_writer_checkpoint_finish). */
    bool goes_on = atomic_load(&w->writers_waiting) > 0 && changes + 1 < SQLITE_WRITER_BATCH_MAX &&
                   !w->checkpoint_to_finish;
    pthread_mutex_unlock(&w->sync_lock);
    return goes_on;
}

struct sqlite_batch *
sqlite_writer_batch_join(struct sqlite_writer *w)
{
    pthread_mutex_lock(&w->sync_lock);
    if (w->batch == NULL) {
        w->batch = xcalloc(1, sizeof(*w->batch));
        w->batch->refs = 1;
    }
    struct sqlite_batch *batch = w->batch;
    batch->changes++;
    batch->refs++;
    pthread_mutex_unlock(&w->sync_lock);
    return batch;
}

void
sqlite_writer_touch(struct sqlite_writer *w, const int64_t *persons, size_t n)
{
    if (n == 0)
        w->touched_all = true;
    for (size_t i = 0; i < n && !w->touched_all; i++) {
        if (persons[i] <= 0) {
            w->touched_all = true;
            break;
        }
        xgrow(&w->touched, &w->cap_touched, w->n_touched + 1, sizeof(*w->touched));
        w->touched[w->n_touched++] = persons[i];
    }
}

/* Marks person_id as touched by commit (under sync_lock). */
static void
mark_person(struct sqlite_writer *w, int64_t person_id, uint64_t commit)
{
    for (size_t i = 0; i < w->n_marks; i++)
        if (w->marks[i].person_id == person_id) {
            w->marks[i].commit = commit;
            return;
        }
    if (w->n_marks == SQLITE_WRITER_MARKS_MAX) {
        w->global_mark = commit;
        return;
    }
    xgrow(&w->marks, &w->cap_marks, w->n_marks + 1, sizeof(*w->marks));
    w->marks[w->n_marks++] = (struct person_mark){person_id, commit};
}

/* Forgets the marks of commits now durable (under sync_lock). */
static void
marks_prune(struct sqlite_writer *w)
{
    size_t kept = 0;
    for (size_t i = 0; i < w->n_marks; i++)
        if (w->marks[i].commit > w->synced)
            w->marks[kept++] = w->marks[i];
    w->n_marks = kept;
}

void
sqlite_writer_commit_begins(struct sqlite_writer *w)
{
    pthread_mutex_lock(&w->sync_lock);
    w->committing = true;
    uint64_t commit = w->committed + 1;
    if (w->touched_all)
        w->global_mark = commit;
    else
        for (size_t i = 0; i < w->n_touched; i++)
            mark_person(w, w->touched[i], commit);
    w->n_touched = 0;
    w->touched_all = false;
    pthread_mutex_unlock(&w->sync_lock);
}

uint64_t
sqlite_writer_batch_end(struct sqlite_writer *w, const struct br_error *failure)
{
    pthread_mutex_lock(&w->sync_lock);
    uint64_t commit = failure == NULL ? ++w->committed : 0;
    w->n_touched = 0; /* a transaction undone before its commit began touched no one */
    w->touched_all = false;
    if (w->committing) {
        w->committing = false;
        pthread_cond_broadcast(&w->commit_ended);
    }
    struct sqlite_batch *batch = w->batch;
    if (batch != NULL) {
        batch->ended = true;
        batch->commit = commit;
        if (failure != NULL)
            batch->failure = *failure;
        w->batch = NULL;
        batch_unref(batch);
        pthread_cond_broadcast(&w->batch_ended);
    }
    pthread_mutex_unlock(&w->sync_lock);
    return commit;
}

bool
sqlite_writer_batch_is_open(struct sqlite_writer *w, const struct sqlite_batch *batch)
{
    pthread_mutex_lock(&w->sync_lock);
    bool open = w->batch == batch && !batch->ended;
    pthread_mutex_unlock(&w->sync_lock);
    return open;
}

bool
sqlite_writer_batch_wait(struct sqlite_writer *w, struct sqlite_batch *batch, int timeout_ms,
                         int *rc, uint64_t *commit, struct br_error *err)
{
    struct timespec deadline;
    int waited = 0;

    sqlite_deadline_after_ms(&deadline, timeout_ms);
    pthread_mutex_lock(&w->sync_lock);
    while (!batch->ended && waited != ETIMEDOUT)
        waited = pthread_cond_timedwait(&w->batch_ended, &w->sync_lock, &deadline);
    bool ended = batch->ended;
    if (ended) {
        *commit = batch->commit;
        *rc = batch->commit != 0 ? 0 : batch->failure.code;
        if (*rc != 0)
            *err = batch->failure;
        batch_unref(batch);
    }
    pthread_mutex_unlock(&w->sync_lock);
    return ended;
}

uint64_t
sqlite_writer_last_commit(struct sqlite_writer *w)
{
    pthread_mutex_lock(&w->sync_lock);
    uint64_t commit = w->committed + (w->committing ? 1 : 0);
    pthread_mutex_unlock(&w->sync_lock);
    return commit;
}

uint64_t
sqlite_writer_last_commit_of(struct sqlite_writer *w, int64_t person_id)
{
    pthread_mutex_lock(&w->sync_lock);
    uint64_t commit = w->global_mark;
    for (size_t i = 0; i < w->n_marks; i++)
        if (w->marks[i].person_id == person_id && w->marks[i].commit > commit)
            commit = w->marks[i].commit;
    pthread_mutex_unlock(&w->sync_lock);
    return commit;
}

bool
sqlite_writer_durable(struct sqlite_writer *w, uint64_t commit)
{
    pthread_mutex_lock(&w->sync_lock);
    bool durable = w->synced >= commit;
    pthread_mutex_unlock(&w->sync_lock);
    return durable;
}

void
sqlite_writer_unlock(struct sqlite_writer *w)
{
    pthread_mutex_unlock(&w->write_lock);
}

/* Any descriptor of the file will do: the kernel syncs the file, not the descriptor.  (A WAL's
 * only: closing a descriptor of the database file would drop this process's locks on it.) */
int
sqlite_wal_sync(const char *wal_file)
{
    int fd = open(wal_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : errno;
    int rc = fdatasync(fd) == 0 ? 0 : errno;
    close(fd);
    return rc;
}

int
sqlite_writer_sync(struct sqlite_writer *w, uint64_t commit, struct br_error *err)
{
    pthread_mutex_lock(&w->sync_lock);
    while (w->synced < commit && w->sync_errno == 0) {
        if (commit > w->committed && w->committing) {
            pthread_cond_wait(&w->commit_ended, &w->sync_lock);
            continue;
        }
        if (commit > w->committed) { /* it failed: nothing was committed after those before it */
            commit = w->committed;
            continue;
        }
        if (w->syncing) {
            pthread_cond_wait(&w->sync_done, &w->sync_lock);
            continue;
        }
        /* Every commit counted so far has written its frames: one sync covers them all. */
        uint64_t covers = w->committed;
        w->syncing = true;
        w->syncs++;
        pthread_mutex_unlock(&w->sync_lock);
        int failed = sqlite_wal_sync(w->wal_file);
        pthread_mutex_lock(&w->sync_lock);
        w->syncing = false;
        if (failed != 0)
            w->sync_errno = failed;
        else if (covers > w->synced) {
            w->synced = covers;
            marks_prune(w);
        }
        pthread_cond_broadcast(&w->sync_done);
    }
    bool durable = w->synced >= commit;
    int failed = w->sync_errno;
    pthread_mutex_unlock(&w->sync_lock);
    if (durable)
        return 0;
    return br_error_set(err, BR_EIO, "cannot make the change durable: the write-ahead log could "
                        "not be synced (%s)", strerror(failed));
}

uint64_t
sqlite_writer_syncs(struct sqlite_writer *w)
{
    pthread_mutex_lock(&w->sync_lock);
    uint64_t syncs = w->syncs;
    pthread_mutex_unlock(&w->sync_lock);
    return syncs;
}

void
sqlite_wal_checkpoint(sqlite3 **checkpointer, const char *file, int max_pages,
                      void (*hold)(void *ctx), void (*release)(void *ctx), void *ctx)
{
    if (*checkpointer == NULL) {
        sqlite_library_setup();
        if (sqlite3_open_v2(file, checkpointer, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                            NULL) != SQLITE_OK) {
            sqlite3_close(*checkpointer);
            *checkpointer = NULL;
            return;
        }
        sqlite3_busy_timeout(*checkpointer, 1000);
        /* A connection knows the file is in WAL mode once it has read it. */
        sqlite3_exec(*checkpointer, "PRAGMA schema_version", NULL, NULL, NULL);
    }
    int pages = 0;
    sqlite3_wal_checkpoint_v2(*checkpointer, NULL, SQLITE_CHECKPOINT_PASSIVE, &pages, NULL);
    /* Even when it copied everything: a transaction that began before it ended read the WAL as
     * it was, and so cannot restart it (a long one, as `braid demo` makes, never could). */
    if (pages >= max_pages) {
        hold(ctx);
        sqlite3_wal_checkpoint_v2(*checkpointer, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        release(ctx);
    }
}

static void
hold_commits(void *ctx)
{
    pthread_mutex_lock(&((struct sqlite_writer *)ctx)->write_lock);
}

static void
release_commits(void *ctx)
{
    pthread_mutex_unlock(&((struct sqlite_writer *)ctx)->write_lock);
}

/* fsync of the database file through db's own handle on it — not through a descriptor opened
 * for it, whose close would drop this process's locks on the file (sqlite_wal_sync).  A failure
 * is left to the checkpoint that completes: SQLite syncs the file before the WAL starts over. */
static void
database_sync(sqlite3 *db)
{
    sqlite3_file *file = NULL;

    if (db != NULL &&
        sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK &&
        file != NULL && file->pMethods != NULL)
        file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
}

/* The thread of a writer: asked for a checkpoint, it makes one; asked to stop, it stops. */
static void *
checkpointer_main(void *arg)
{
    struct sqlite_writer *w = arg;

    pthread_mutex_lock(&w->sync_lock);
    for (;;) {
        if (w->stopping)
            break;
        if (!w->checkpoint_wanted) {
            pthread_cond_wait(&w->thread_wake, &w->sync_lock);
            continue;
        }
        pthread_mutex_unlock(&w->sync_lock);
        /* The bulk, then what was committed during it, so that little is left for the finish
         * (sqlite_writer_checkpoint_finish), which holds the commits back.  A checkpoint that
         * did not reach the WAL's end (commits went on beside it) leaves the pages it copied
         * unsynced: synced here, not by the finish. */
        for (int pass = 0; pass < 2; pass++) {
            sqlite_wal_checkpoint(&w->checkpointer, w->db_file, SQLITE_WRITER_WAL_MAX_PAGES,
                                  hold_commits, release_commits, w);
            database_sync(w->checkpointer);
        }
        pthread_mutex_lock(&w->sync_lock);
        w->checkpoint_wanted = false;
        w->checkpoint_to_finish = true;
    }
    pthread_mutex_unlock(&w->sync_lock);
    return NULL;
}

void
sqlite_writer_checkpoint_soon(struct sqlite_writer *w)
{
    /* No thread (it could not be started): the WAL waits for the next checkpoint that can be
     * made (the last connection to close makes one). */
    pthread_mutex_lock(&w->sync_lock);
    w->checkpoint_wanted = true;
    if (!w->thread_started && !w->stopping)
        w->thread_started = pthread_create(&w->thread, NULL, checkpointer_main, w) == 0;
    pthread_cond_signal(&w->thread_wake);
    pthread_mutex_unlock(&w->sync_lock);
}

void
sqlite_writer_checkpoint_finish(struct sqlite_writer *w, sqlite3 *db)
{
    pthread_mutex_lock(&w->sync_lock);
    bool finish = w->checkpoint_to_finish;
    w->checkpoint_to_finish = false;
    pthread_mutex_unlock(&w->sync_lock);
    if (finish)
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

int
sqlite_writer_wal_hook(void *ctx, sqlite3 *db, const char *name, int pages)
{
    struct sqlite_writer *w = ctx;
    (void)db;
    (void)name;
    if (pages < SQLITE_WRITER_CHECKPOINT_PAGES)
        return SQLITE_OK;
    /* Once per filling of the WAL: the commits that follow the thread's checkpoint, until the
     * lock's holder finishes it, would each ask for another. */
    pthread_mutex_lock(&w->sync_lock);
    bool asked = w->checkpoint_wanted || w->checkpoint_to_finish;
    pthread_mutex_unlock(&w->sync_lock);
    if (!asked)
        sqlite_writer_checkpoint_soon(w);
    return SQLITE_OK;
}
