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

#include "core/mem.h"

struct sqlite_writer {
    dev_t dev;
    ino_t ino;
    int refs; /* under registry_lock */
    struct sqlite_writer *next;
    char *wal_file;
    pthread_mutex_t write_lock;
    pthread_mutex_t sync_lock; /* guards the members below */
    pthread_cond_t sync_done;
    uint64_t committed; /* commits made under the write lock so far */
    uint64_t synced;    /* the commits known to be on disk: 1 .. synced */
    bool syncing;       /* a waiter is in fdatasync */
    int sync_errno;     /* the failure of a sync, kept: nothing is durable after it */
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
        w->wal_file = xstrdup(wal_file);
        pthread_mutex_init(&w->write_lock, NULL);
        pthread_mutex_init(&w->sync_lock, NULL);
        pthread_cond_init(&w->sync_done, NULL);
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
    pthread_mutex_destroy(&w->write_lock);
    pthread_mutex_destroy(&w->sync_lock);
    pthread_cond_destroy(&w->sync_done);
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
sqlite_writer_committed(struct sqlite_writer *w)
{
    pthread_mutex_lock(&w->sync_lock);
    uint64_t commit = ++w->committed;
    pthread_mutex_unlock(&w->sync_lock);
    return commit;
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
