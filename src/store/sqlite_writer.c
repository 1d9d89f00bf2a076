/* sqlite_writer.c — the write lock and the shared WAL syncs of one database file (sqlite_writer.h). */
#include "store/sqlite_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/mem.h"

struct sqlite_writer {
    dev_t dev;
    ino_t ino;
    int refs; /* under registry_lock */
    struct sqlite_writer *next;
    char *db_file;
    char *wal_file;
    pthread_mutex_t write_lock;
    pthread_mutex_t sync_lock; /* guards the members below */
    pthread_cond_t sync_done;
    uint64_t committed;   /* commits made under the write lock so far */
    uint64_t last_change; /* the last of them that changed data */
    uint64_t synced;      /* the commits known to be on disk: 1 .. synced */
    bool syncing;         /* a waiter is in fdatasync */
    int sync_errno;       /* the failure of a sync, kept: nothing is durable after it */
    /* The thread that syncs for commits that do not wait (sqlite_writer_sync_soon). */
    pthread_t syncer;
    bool syncer_started;
    bool sync_wanted;
    bool checkpoint_wanted;
    bool stopping;
    pthread_cond_t syncer_wake;
    sqlite3 *checkpointer; /* the thread's own connection, opened at its first checkpoint */
};

/* Every file's writer in this process, looked up by device and inode. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sqlite_writer *registry;

struct sqlite_writer *
sqlite_writer_attach(const char *db_file, const char *wal_file)
{
    struct stat st;
    struct sqlite_writer *w;

    if (db_file == NULL || db_file[0] == '\0' || wal_file == NULL || stat(db_file, &st) != 0)
        return NULL;
    pthread_mutex_lock(&registry_lock);
    for (w = registry; w != NULL; w = w->next)
        if (w->dev == st.st_dev && w->ino == st.st_ino)
            break;
    if (w == NULL) {
        w = xcalloc(1, sizeof(*w));
        w->dev = st.st_dev;
        w->ino = st.st_ino;
        w->db_file = xstrdup(db_file);
        w->wal_file = xstrdup(wal_file);
        pthread_mutex_init(&w->write_lock, NULL);
        pthread_mutex_init(&w->sync_lock, NULL);
        pthread_cond_init(&w->sync_done, NULL);
        pthread_cond_init(&w->syncer_wake, NULL);
        w->next = registry;
        registry = w;
    }
    w->refs++;
    pthread_mutex_unlock(&registry_lock);
    return w;
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
    /* Its last connection is gone: the thread makes its last sync, and stops. */
    pthread_mutex_lock(&w->sync_lock);
    bool started = w->syncer_started;
    w->stopping = true;
    pthread_cond_broadcast(&w->syncer_wake);
    pthread_mutex_unlock(&w->sync_lock);
    if (started)
        pthread_join(w->syncer, NULL);
    sqlite3_close(w->checkpointer);
    pthread_cond_destroy(&w->syncer_wake);
    pthread_mutex_destroy(&w->write_lock);
    pthread_mutex_destroy(&w->sync_lock);
    pthread_cond_destroy(&w->sync_done);
    free(w->db_file);
    free(w->wal_file);
    free(w);
}

int
sqlite_writer_lock(struct sqlite_writer *w, int timeout_ms, struct br_error *err)
{
    struct timespec deadline;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    int rc = pthread_mutex_timedlock(&w->write_lock, &deadline);
    if (rc == 0)
        return 0;
    return br_error_set(err, BR_EIO, "cannot begin a transaction: %s",
                        rc == ETIMEDOUT ? "the database is busy" : strerror(rc));
}

uint64_t
sqlite_writer_committed(struct sqlite_writer *w, bool change)
{
    pthread_mutex_lock(&w->sync_lock);
    uint64_t commit = ++w->committed;
    if (change)
        w->last_change = commit;
    pthread_mutex_unlock(&w->sync_lock);
    return commit;
}

uint64_t
sqlite_writer_last_change(struct sqlite_writer *w)
{
    pthread_mutex_lock(&w->sync_lock);
    uint64_t commit = w->last_change;
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

/* fdatasync of the WAL file: 0 or an errno.  Any descriptor of the file will do (the kernel
 * syncs the file, not the descriptor).  A WAL that is gone was checkpointed into the database by
 * the last connection to close, which syncs the database first: nothing is left to sync. */
static int
wal_sync(const char *wal_file)
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
        if (w->syncing) {
            pthread_cond_wait(&w->sync_done, &w->sync_lock);
            continue;
        }
        /* Every commit counted so far has written its frames: one sync covers them all. */
        uint64_t covers = w->committed;
        w->syncing = true;
        pthread_mutex_unlock(&w->sync_lock);
        int failed = wal_sync(w->wal_file);
        pthread_mutex_lock(&w->sync_lock);
        w->syncing = false;
        if (failed != 0)
            w->sync_errno = failed;
        else if (covers > w->synced)
            w->synced = covers;
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

/* A PASSIVE checkpoint through the thread's own connection.  A failure is left for the next
 * one: the WAL then grows a little longer, nothing is lost. */
static void
checkpoint(struct sqlite_writer *w)
{
    if (w->checkpointer == NULL) {
        if (sqlite3_open_v2(w->db_file, &w->checkpointer,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
            sqlite3_close(w->checkpointer);
            w->checkpointer = NULL;
            return;
        }
        sqlite3_busy_timeout(w->checkpointer, 1000);
        /* A connection knows the file is in WAL mode once it has read it. */
        sqlite3_exec(w->checkpointer, "PRAGMA schema_version", NULL, NULL, NULL);
    }
    sqlite3_wal_checkpoint_v2(w->checkpointer, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

/* The thread of a writer.  Asked for a sync, it lets SQLITE_WRITER_SYNC_DELAY_MS of commits
 * gather, then syncs them all at once; asked for a checkpoint, it makes one; asked to stop, it
 * syncs what is left first. */
static void *
syncer_main(void *arg)
{
    struct sqlite_writer *w = arg;
    struct br_error ignored;

    pthread_mutex_lock(&w->sync_lock);
    for (;;) {
        if (!w->sync_wanted && !w->checkpoint_wanted && !w->stopping) {
            pthread_cond_wait(&w->syncer_wake, &w->sync_lock);
            continue;
        }
        if (w->sync_wanted && !w->stopping) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += SQLITE_WRITER_SYNC_DELAY_MS * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&w->syncer_wake, &w->sync_lock, &until);
        }
        bool sync = w->sync_wanted || w->stopping;
        bool checkpoint_now = w->checkpoint_wanted && !w->stopping;
        w->sync_wanted = w->checkpoint_wanted = false;
        uint64_t target = w->committed;
        bool stop = w->stopping;
        pthread_mutex_unlock(&w->sync_lock);
        br_error_clear(&ignored);
        if (sync)
            sqlite_writer_sync(w, target, &ignored);
        if (checkpoint_now)
            checkpoint(w);
        pthread_mutex_lock(&w->sync_lock);
        if (stop)
            break;
    }
    pthread_mutex_unlock(&w->sync_lock);
    return NULL;
}

/* Sets the flag, starting the thread if need be; false when there is no thread. */
static bool
wake_thread(struct sqlite_writer *w, bool *flag)
{
    pthread_mutex_lock(&w->sync_lock);
    *flag = true;
    if (!w->syncer_started && !w->stopping)
        w->syncer_started = pthread_create(&w->syncer, NULL, syncer_main, w) == 0;
    bool started = w->syncer_started;
    pthread_cond_signal(&w->syncer_wake);
    pthread_mutex_unlock(&w->sync_lock);
    return started;
}

void
sqlite_writer_sync_soon(struct sqlite_writer *w)
{
    /* No thread (it could not be started): the caller's commit is synced here and now. */
    if (!wake_thread(w, &w->sync_wanted)) {
        struct br_error ignored;
        br_error_clear(&ignored);
        pthread_mutex_lock(&w->sync_lock);
        uint64_t target = w->committed;
        pthread_mutex_unlock(&w->sync_lock);
        sqlite_writer_sync(w, target, &ignored);
    }
}

void
sqlite_writer_checkpoint_soon(struct sqlite_writer *w)
{
    /* No thread: the WAL waits for the next checkpoint that can be made (the last connection to
     * close makes one). */
    wake_thread(w, &w->checkpoint_wanted);
}

int
sqlite_writer_wal_hook(void *ctx, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    if (pages >= SQLITE_WRITER_CHECKPOINT_PAGES)
        sqlite_writer_checkpoint_soon(ctx);
    return SQLITE_OK;
}
