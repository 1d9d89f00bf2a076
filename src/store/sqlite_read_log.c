/* sqlite_read_log.c — the audit entries of reads: written to a journal before the read is
 * answered, and loaded in batches into a file of their own by one thread (sqlite_read_log.h). */
#include "store/sqlite_read_log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "core/mem.h"
#include "store/migrations.h"
#include "store/sqlite_writer.h"

/* The log's pages are small (its entries are: a quarter of the bytes of SQLite's default 4 KiB
 * pages); its WAL is checkpointed past 4 MiB, and past 16 MiB with the loads held back
 * (sqlite_wal_checkpoint). */
#define SQLITE_READ_LOG_PAGE_SIZE "1024"
#define SQLITE_READ_LOG_CHECKPOINT_PAGES 4000
#define SQLITE_READ_LOG_WAL_MAX_PAGES 16000
/* Entries wait in the journal this long for the thread to load them with all that came
 * meanwhile, in one transaction; this many make it load at once. */
#define SQLITE_READ_LOG_LOAD_DELAY_MS 50
#define SQLITE_READ_LOG_LOAD_MAX 8192
/* After a load that failed, the thread tries again this much later. */
#define SQLITE_READ_LOG_RETRY_MS 1000
/* A journal this long is emptied once what it holds is loaded (with the appends held back). */
#define SQLITE_READ_LOG_JOURNAL_RESET_BYTES (8 << 20)
/* The first line of a journal: this key, with the journal's epoch. */
#define JOURNAL_HEADER_KEY "braid_read_journal"

/* An entry in the journal, not yet loaded: its texts are owned. */
struct journaled {
    struct audit_entry entry;
    char at[SQLITE_TIME_TEXT_SIZE];
};

/* Entries journaled and not yet loaded. */
struct batch {
    struct journaled *items;
    size_t n, cap;
    uint64_t appends;    /* the sqlite_read_log_append calls they came in */
    int64_t journal_end; /* the journal's length after the last of them */
};

struct sqlite_read_log {
    sqlite3 *db;           /* the thread's (and the open's recovery, before the thread starts) */
    sqlite3 *checkpointer; /* the thread's, for checkpoints */
    char *file;
    char *wal_file;
    sqlite3_stmt *insert;
    sqlite3_stmt *mark;   /* records how far a journal is loaded */
    sqlite3_stmt *marked; /* reads it back */
    char *journal_file;
    int journal_fd;
    int slot;
    int64_t epoch; /* of this journal's content since its last reset */
    pthread_t thread;
    pthread_mutex_t lock;  /* guards the members below, and the journal's writes */
    pthread_cond_t wake;   /* the thread: entries, a flush, or stop */
    pthread_cond_t loaded; /* a load has ended (sqlite_read_log_flush) */
    int64_t journal_end;   /* the journal's length */
    struct batch pending;
    struct batch spare;      /* the array of the last batch loaded, for the next */
    uint64_t appended;       /* sqlite_read_log_append calls so far ... */
    uint64_t loaded_appends; /* ... and those whose entries are loaded */
    int load_rc;             /* SQLite's result of the last load */
    bool flush_wanted;
    bool checkpoint_wanted; /* the WAL has grown (wal_hook) */
    bool stopping;
    bool unsynced;           /* the journal has writes not yet synced ... */
    struct timespec sync_by; /* ... which should be by then */
    struct timespec load_by; /* the oldest pending entry should be loaded by then */
};

int
sqlite_read_log_schema(sqlite3 *db, const char *schema, struct br_error *err)
{
    /* The columns of the database's audit_log, append-only as it is (migrations.c). */
    char *sql = sqlite3_mprintf(
        "CREATE TABLE IF NOT EXISTS %w.read_log (\n" MIGRATIONS_AUDIT_COLUMNS ");\n"
        "CREATE INDEX IF NOT EXISTS %w.read_log_chunk_person ON read_log "
        "(" SQLITE_READ_LOG_CHUNK ", person_id, id);\n"
        "DROP INDEX IF EXISTS %w.read_log_person;\n"
        "CREATE TRIGGER IF NOT EXISTS %w.read_log_no_update BEFORE UPDATE ON read_log\n"
        "BEGIN SELECT RAISE(ABORT, 'read_log is append-only'); END;\n"
        "CREATE TRIGGER IF NOT EXISTS %w.read_log_no_delete BEFORE DELETE ON read_log\n"
        "BEGIN SELECT RAISE(ABORT, 'read_log is append-only'); END;\n",
        schema, schema, schema, schema, schema);
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

/* ---- batches --------------------------------------------------------------------------------- */

static void
batch_clear(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        sqlite_audit_entry_free(&b->items[i].entry);
    b->n = 0;
    b->appends = 0;
}

static void
batch_free(struct batch *b)
{
    batch_clear(b);
    free(b->items);
    *b = (struct batch){0};
}

/* Moves the items of from to the end of to (from is left empty, its array kept). */
static void
batch_move(struct batch *to, struct batch *from)
{
    xgrow(&to->items, &to->cap, to->n + from->n, sizeof(*to->items));
    memcpy(to->items + to->n, from->items, from->n * sizeof(*from->items));
    to->n += from->n;
    to->appends += from->appends;
    if (from->n > 0)
        to->journal_end = from->journal_end;
    from->n = 0;
    from->appends = 0;
}

/* ---- the journal ------------------------------------------------------------------------------
 * A text file, PATH-reads-journal-N, that one process at a time holds (flock).  Its first line is
 * {"braid_read_journal":1,"epoch":E}; each further line is one entry as a JSON object.  The log's
 * table read_journals says, per journal, up to where the content of which epoch is loaded; a
 * journal is emptied only once what it holds is loaded and synced, and then takes a new epoch:
 * content of an epoch the table does not name is loaded from its start. */

bool
sqlite_time_text(int64_t unix_seconds, char out[SQLITE_TIME_TEXT_SIZE])
{
    time_t t = (time_t)unix_seconds;
    struct tm tm;

    return gmtime_r(&t, &tm) != NULL &&
           strftime(out, SQLITE_TIME_TEXT_SIZE, "%Y-%m-%d %H:%M:%S", &tm) != 0;
}

/* Now as an audit time, from the clock SQLite's CURRENT_TIMESTAMP reads (time() may lag it by a
 * few milliseconds, and put a read in the second before a change that came first). */
static void
now_text(char at[SQLITE_TIME_TEXT_SIZE])
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    sqlite_time_text(now.tv_sec, at);
}

/* Appends one entry's line to *text (of *len bytes, malloc'd): false when a text of the entry
 * is not UTF-8. */
static bool
journal_line(char **text, size_t *len, size_t *cap, const char *at, const struct audit_entry *e)
{
    json_t *line =
        json_pack("{s:s, s:I, s:I, s:s, s:s?, s:I, s:s?, s:s?, s:s?}", "at", at, "user_id",
                  (json_int_t)e->user_id, "person_id", (json_int_t)e->person_id, "action",
                  e->action, "entity", e->entity, "entity_id", (json_int_t)e->entity_id, "reason",
                  e->reason, "before", e->before, "after", e->after);
    char *json = line != NULL ? json_dumps(line, JSON_COMPACT) : NULL;
    json_decref(line);
    if (json == NULL)
        return false;
    size_t n = strlen(json);
    xgrow(text, cap, *len + n + 2, 1);
    memcpy(*text + *len, json, n);
    (*text)[*len + n] = '\n';
    *len += n + 1;
    free(json);
    return true;
}

/* A text of a journal line that may be null: true when it is a string (*out) or null (NULL). */
static bool
text_or_null(json_t *value, const char **out)
{
    *out = json_string_value(value);
    return *out != NULL || json_is_null(value);
}

/* Parses one line (without its newline) into *out: false when it is not an entry. */
static bool
journal_entry(const char *line, size_t n, struct journaled *out)
{
    json_t *json = json_loadb(line, n, 0, NULL);
    const char *at = NULL, *action = NULL;
    json_t *entity = NULL, *reason = NULL, *before = NULL, *after = NULL;
    json_int_t user_id = 0, person_id = 0, entity_id = 0;
    struct audit_entry e = {0};
    bool ok = json != NULL &&
              json_unpack(json, "{s:s, s:I, s:I, s:s, s:o, s:I, s:o, s:o, s:o}", "at", &at,
                          "user_id", &user_id, "person_id", &person_id, "action", &action,
                          "entity", &entity, "entity_id", &entity_id, "reason", &reason,
                          "before", &before, "after", &after) == 0 &&
              strlen(at) == SQLITE_TIME_TEXT_SIZE - 1 && text_or_null(entity, &e.entity) &&
              text_or_null(reason, &e.reason) && text_or_null(before, &e.before) &&
              text_or_null(after, &e.after);
    if (ok) {
        e.user_id = user_id;
        e.person_id = person_id;
        e.action = action;
        e.entity_id = entity_id;
        sqlite_audit_entry_copy(&out->entry, &e);
        memcpy(out->at, at, SQLITE_TIME_TEXT_SIZE);
    }
    json_decref(json);
    return ok;
}

static int
write_all(int fd, const char *text, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, text, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return errno;
        text += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Empties the journal and starts it again with a new epoch: 0 or an errno. */
static int
journal_reset(struct sqlite_read_log *log)
{
    struct timespec now;
    char header[96];

    clock_gettime(CLOCK_REALTIME, &now);
    int64_t epoch = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    if (epoch <= log->epoch)
        epoch = log->epoch + 1;
    int n = snprintf(header, sizeof(header), "{\"" JOURNAL_HEADER_KEY "\":1,\"epoch\":%lld}\n",
                     (long long)epoch);
    if (ftruncate(log->journal_fd, 0) != 0)
        return errno;
    log->journal_end = 0;
    int rc = write_all(log->journal_fd, header, (size_t)n);
    if (rc != 0)
        return rc;
    log->epoch = epoch;
    log->journal_end = n;
    return 0;
}

/* ---- loading --------------------------------------------------------------------------------- */

static int
insert_entry(struct sqlite_read_log *log, const struct journaled *j)
{
    sqlite3_stmt *stmt = log->insert;

    sqlite3_reset(stmt);
    int rc = sqlite_audit_entry_bind(stmt, &j->entry);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 9, j->at, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_DONE)
        rc = SQLITE_OK;
    sqlite3_reset(stmt);
    return rc;
}

/* Records that the journal of slot is loaded up to end in the content of epoch. */
static int
mark_loaded(struct sqlite_read_log *log, int slot, int64_t epoch, int64_t end)
{
    sqlite3_stmt *stmt = log->mark;

    sqlite3_reset(stmt);
    int rc = sqlite3_bind_int(stmt, 1, slot);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 2, epoch);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(stmt, 3, end);
    if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_DONE)
        rc = SQLITE_OK;
    sqlite3_reset(stmt);
    return rc;
}

/* Loads a batch of the journal of slot (content of epoch) in one transaction, with the mark of
 * how far that journal is loaded: SQLite's result. */
static int
load_batch(struct sqlite_read_log *log, const struct batch *b, int slot, int64_t epoch)
{
    int rc = sqlite3_exec(log->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < b->n; i++)
        rc = insert_entry(log, &b->items[i]);
    if (rc == SQLITE_OK)
        rc = mark_loaded(log, slot, epoch, b->journal_end);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(log->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(log->db))
        sqlite3_exec(log->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* How far the journal of slot is loaded in the content of epoch: 0 when the table names another
 * epoch (or none). */
static int64_t
loaded_up_to(struct sqlite_read_log *log, int slot, int64_t epoch)
{
    sqlite3_stmt *stmt = log->marked;
    int64_t end = 0;

    sqlite3_reset(stmt);
    if (sqlite3_bind_int(stmt, 1, slot) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW &&
        sqlite3_column_int64(stmt, 0) == epoch)
        end = sqlite3_column_int64(stmt, 1);
    sqlite3_reset(stmt);
    return end;
}

/* Loads what a journal left by a process that stopped (or crashed) holds and the log lacks, then
 * syncs the log: 0, or BR_EIO.  *damaged counts the lines skipped as not entries. */
static int
journal_recover(struct sqlite_read_log *log, int fd, int slot, size_t *damaged,
                struct br_error *err)
{
    struct stat st;
    struct batch b = {0};
    char *text = NULL;
    int rc = 0;

    if (fstat(fd, &st) != 0)
        return br_error_set(err, BR_EIO, "cannot read the journal of reads %d: %s", slot,
                            strerror(errno));
    size_t size = (size_t)st.st_size;
    text = xmalloc(size + 1);
    size_t got = 0;
    while (got < size) {
        ssize_t r = pread(fd, text + got, size - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    size = got;
    text[size] = '\0';
    /* The header; a journal without one (empty, or cut short while it was being reset) holds
     * nothing to load. */
    char *eol = memchr(text, '\n', size);
    json_t *header = eol != NULL ? json_loadb(text, (size_t)(eol - text), 0, NULL) : NULL;
    json_int_t epoch = 0;
    if (header == NULL ||
        json_unpack(header, "{s:i, s:I}", JOURNAL_HEADER_KEY, &(int){0}, "epoch", &epoch) != 0) {
        json_decref(header);
        free(text);
        return 0;
    }
    json_decref(header);
    size_t at = (size_t)(eol - text) + 1;
    int64_t from = loaded_up_to(log, slot, epoch);
    if (from > (int64_t)at)
        at = from < (int64_t)size ? (size_t)from : size;
    /* Every whole line past it; a last line without its newline was being written. */
    while (at < size) {
        char *end = memchr(text + at, '\n', size - at);
        if (end == NULL)
            break;
        xgrow(&b.items, &b.cap, b.n + 1, sizeof(*b.items));
        if (journal_entry(text + at, (size_t)(end - (text + at)), &b.items[b.n]))
            b.n++;
        else
            (*damaged)++;
        at = (size_t)(end - text) + 1;
        b.journal_end = (int64_t)at;
    }
    if (b.journal_end > 0) {
        int src = load_batch(log, &b, slot, epoch);
        if (src == SQLITE_OK && sqlite_wal_sync(log->wal_file) != 0)
            src = SQLITE_IOERR;
        if (src != SQLITE_OK)
            rc = br_error_set(err, BR_EIO, "cannot load the journal of reads %d: %s", slot,
                              sqlite3_errmsg(log->db));
    }
    batch_free(&b);
    free(text);
    return rc;
}

/* The file of the journal of slot beside the log's file (malloc'd). */
static char *
journal_file(const char *log_file, int slot)
{
    size_t size = strlen(log_file) + sizeof(SQLITE_READ_LOG_JOURNAL_SUFFIX) + 12;
    char *file = xmalloc(size);
    snprintf(file, size, "%s%s%d", log_file, SQLITE_READ_LOG_JOURNAL_SUFFIX, slot);
    return file;
}

/* Opens file and takes its lock, unless another process holds it: the descriptor, -1 when the
 * file is missing or held (errno ENOENT or EWOULDBLOCK), or -1 with another errno. */
static int
journal_take(const char *file, bool create)
{
    for (;;) {
        int fd = open(file, O_RDWR | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
        if (fd < 0)
            return -1;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        /* The holder before may have removed the file (sqlite_read_log_close) between our open
         * and our lock: then this descriptor is of a file no one will find again. */
        struct stat held, named;
        if (fstat(fd, &held) == 0 && stat(file, &named) == 0 && held.st_dev == named.st_dev &&
            held.st_ino == named.st_ino)
            return fd;
        close(fd);
    }
}

/* Recovers every journal no process holds, keeps the first free one as this log's (emptied,
 * with a new epoch) and removes the others: 0, or BR_EIO. */
static int
journals_open(struct sqlite_read_log *log, struct br_error *err)
{
    size_t damaged = 0;
    int rc = 0;

    log->journal_fd = -1;
    for (int slot = 1; rc == 0 && slot <= SQLITE_READ_LOG_JOURNALS; slot++) {
        char *file = journal_file(log->file, slot);
        int fd = journal_take(file, false);
        if (fd < 0 && errno == ENOENT && log->journal_fd < 0)
            fd = journal_take(file, true);
        if (fd < 0) {
            if (errno != ENOENT && errno != EWOULDBLOCK)
                rc = br_error_set(err, BR_EIO, "cannot open the journal of reads %s: %s", file,
                                  strerror(errno));
            free(file);
            continue;
        }
        rc = journal_recover(log, fd, slot, &damaged, err);
        if (rc == 0 && log->journal_fd < 0) {
            log->journal_fd = fd;
            log->journal_file = file;
            log->slot = slot;
            int e = journal_reset(log);
            if (e != 0)
                rc = br_error_set(err, BR_EIO, "cannot start the journal of reads %s: %s", file,
                                  strerror(e));
            continue;
        }
        if (rc == 0)
            unlink(file);
        close(fd);
        free(file);
    }
    if (rc == 0 && log->journal_fd < 0)
        rc = br_error_set(err, BR_EIO,
                          "cannot open the log of reads %s: %d processes use it already", log->file,
                          SQLITE_READ_LOG_JOURNALS);
    if (rc == 0 && damaged > 0)
        fprintf(stderr, "braid: skipped %zu damaged line%s in the journals of reads of %s\n",
                damaged, damaged == 1 ? "" : "s", log->file);
    return rc;
}

/* ---- the thread ------------------------------------------------------------------------------ */

static bool
reached(const struct timespec *when)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec > when->tv_sec ||
           (now.tv_sec == when->tv_sec && now.tv_nsec >= when->tv_nsec);
}

static const struct timespec *
earlier(const struct timespec *a, const struct timespec *b)
{
    if (a == NULL)
        return b;
    if (b == NULL)
        return a;
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec <= b->tv_nsec) ? a : b;
}

static int
wal_hook(void *ctx, sqlite3 *db, const char *name, int pages)
{
    struct sqlite_read_log *log = ctx;
    (void)db;
    (void)name;
    /* In a load, on the thread, which checkpoints after it. */
    if (pages >= SQLITE_READ_LOG_CHECKPOINT_PAGES)
        log->checkpoint_wanted = true;
    return SQLITE_OK;
}

/* When the journal has grown past SQLITE_READ_LOG_JOURNAL_RESET_BYTES: loads what is pending,
 * syncs the log and empties the journal, the appends held back meanwhile (the lock is held
 * throughout; a few milliseconds). */
static void
reset_if_long(struct sqlite_read_log *log)
{
    if (log->journal_end < SQLITE_READ_LOG_JOURNAL_RESET_BYTES)
        return;
    if (log->pending.n > 0) {
        if (load_batch(log, &log->pending, log->slot, log->epoch) != SQLITE_OK)
            return;
        log->loaded_appends += log->pending.appends;
        batch_clear(&log->pending);
    }
    /* A failed reset leaves the journal as it was, or shorter than its mark (then the next
     * recovery finds no header and loads nothing: it was all loaded). */
    if (sqlite_wal_sync(log->wal_file) == 0)
        journal_reset(log);
}

/* Loads what is pending, as one batch: called and returns with the lock held.  A batch that
 * fails stays pending, and is tried again later. */
static void
load_pending(struct sqlite_read_log *log)
{
    struct batch b = log->pending;
    log->pending = log->spare;
    log->spare = (struct batch){0};
    log->flush_wanted = false;
    int slot = log->slot;
    int64_t epoch = log->epoch;
    pthread_mutex_unlock(&log->lock);
    int rc = load_batch(log, &b, slot, epoch);
    pthread_mutex_lock(&log->lock);
    log->load_rc = rc;
    if (rc == SQLITE_OK) {
        log->loaded_appends += b.appends;
        batch_clear(&b);
        log->spare = b;
        reset_if_long(log);
    } else {
        /* In front of what came meanwhile. */
        batch_move(&b, &log->pending);
        free(log->pending.items);
        log->pending = b;
        sqlite_deadline_after_ms(&log->load_by, SQLITE_READ_LOG_RETRY_MS);
    }
    pthread_cond_broadcast(&log->loaded);
}

static void
hold_nothing(void *ctx)
{
    (void)ctx; /* the thread alone loads, and it is the one checkpointing */
}

/* The thread: syncs the journal within SQLITE_WRITER_SYNC_DELAY_MS of a write, loads what it
 * holds within SQLITE_READ_LOG_LOAD_DELAY_MS (at once when asked to, or when much is waiting),
 * checkpoints the log when its WAL has grown, and on stop loads and syncs what is left. */
static void *
log_main(void *arg)
{
    struct sqlite_read_log *log = arg;

    pthread_mutex_lock(&log->lock);
    for (;;) {
        if (log->unsynced && (reached(&log->sync_by) || log->stopping)) {
            log->unsynced = false;
            pthread_mutex_unlock(&log->lock);
            /* A failed sync is tried again by the next write's. */
            fdatasync(log->journal_fd);
            pthread_mutex_lock(&log->lock);
            continue;
        }
        if (log->checkpoint_wanted && !log->stopping) {
            log->checkpoint_wanted = false;
            pthread_mutex_unlock(&log->lock);
            sqlite_wal_checkpoint(&log->checkpointer, log->file, SQLITE_READ_LOG_WAL_MAX_PAGES,
                                  hold_nothing, hold_nothing, log);
            pthread_mutex_lock(&log->lock);
            continue;
        }
        if (log->pending.n > 0 && (log->flush_wanted || log->stopping || reached(&log->load_by) ||
                                   log->pending.n >= SQLITE_READ_LOG_LOAD_MAX)) {
            load_pending(log);
            if (log->stopping && log->load_rc != SQLITE_OK)
                break; /* what is left stays in the journal, for the next open */
            continue;
        }
        if (log->flush_wanted) {
            log->flush_wanted = false;
            pthread_cond_broadcast(&log->loaded);
        }
        if (log->stopping)
            break;
        const struct timespec *until = earlier(log->unsynced ? &log->sync_by : NULL,
                                               log->pending.n > 0 ? &log->load_by : NULL);
        if (until != NULL)
            pthread_cond_timedwait(&log->wake, &log->lock, until);
        else
            pthread_cond_wait(&log->wake, &log->lock);
    }
    pthread_mutex_unlock(&log->lock);
    return NULL;
}

/* ---- open, append, flush, close -------------------------------------------------------------- */

static void
log_free(struct sqlite_read_log *log)
{
    sqlite3_finalize(log->insert);
    sqlite3_finalize(log->mark);
    sqlite3_finalize(log->marked);
    sqlite3_close(log->db);
    sqlite3_close(log->checkpointer);
    if (log->journal_fd >= 0)
        close(log->journal_fd);
    free(log->journal_file);
    free(log->file);
    free(log->wal_file);
    batch_free(&log->pending);
    batch_free(&log->spare);
    pthread_mutex_destroy(&log->lock);
    pthread_cond_destroy(&log->wake);
    pthread_cond_destroy(&log->loaded);
    free(log);
}

static int
prepare(struct sqlite_read_log *log, const char *sql, sqlite3_stmt **stmt)
{
    return sqlite3_prepare_v3(log->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);
}

int
sqlite_read_log_open(const char *file, struct sqlite_read_log **out, struct br_error *err)
{
    struct sqlite_read_log *log = xcalloc(1, sizeof(*log));
    const char *what = "open the log of reads";
    int rc;

    *out = NULL;
    log->journal_fd = -1;
    pthread_mutex_init(&log->lock, NULL);
    pthread_cond_init(&log->wake, NULL);
    pthread_cond_init(&log->loaded, NULL);
    log->file = xstrdup(file);
    sqlite_library_setup();
    rc = sqlite3_open_v2(file, &log->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(log->db, STORE_SQLITE_BUSY_TIMEOUT_MS);
        /* Loads do not wait for the disk: the journal is the entries' durable copy, and the log
         * is synced before a journal is emptied. */
        rc = sqlite3_exec(log->db,
                          "PRAGMA page_size = " SQLITE_READ_LOG_PAGE_SIZE
                          "; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL",
                          NULL, NULL, NULL);
    }
    if (rc == SQLITE_OK)
        rc = sqlite_read_log_schema(log->db, "main", err) == 0 ? SQLITE_OK : SQLITE_ERROR;
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(log->db,
                          "CREATE TABLE IF NOT EXISTS read_journals (\n"
                          "    slot INTEGER PRIMARY KEY,\n"
                          "    epoch INTEGER NOT NULL,\n"
                          "    loaded INTEGER NOT NULL\n"
                          ")",
                          NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = prepare(log,
                     "INSERT INTO read_log (user_id, person_id, action, entity, entity_id, "
                     "reason, before, after, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     &log->insert);
    if (rc == SQLITE_OK)
        rc = prepare(log,
                     "INSERT INTO read_journals (slot, epoch, loaded) VALUES (?, ?, ?) "
                     "ON CONFLICT (slot) DO UPDATE SET epoch = excluded.epoch, "
                     "loaded = excluded.loaded",
                     &log->mark);
    if (rc == SQLITE_OK)
        rc = prepare(log, "SELECT epoch, loaded FROM read_journals WHERE slot = ?", &log->marked);
    if (rc != SQLITE_OK) {
        if (err->code == BR_OK)
            br_error_set(err, BR_EIO, "cannot %s %s: %s", what, file,
                         log->db != NULL ? sqlite3_errmsg(log->db) : sqlite3_errstr(rc));
        log_free(log);
        return BR_EIO;
    }
    log->wal_file = xstrdup(sqlite3_filename_wal(sqlite3_db_filename(log->db, "main")));
    if ((rc = journals_open(log, err)) != 0) {
        log_free(log);
        return rc;
    }
    sqlite3_wal_hook(log->db, wal_hook, log);
    if ((rc = pthread_create(&log->thread, NULL, log_main, log)) != 0) {
        rc =
            br_error_set(err, BR_EIO, "cannot %s: cannot start its thread: %s", what, strerror(rc));
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
    /* All loaded and the log synced: the journal is not needed again. */
    if (log->pending.n == 0 && sqlite_wal_sync(log->wal_file) == 0)
        unlink(log->journal_file);
    log_free(log);
}

int
sqlite_read_log_append(struct sqlite_read_log *log, struct audit_entry *entries, size_t n,
                       struct br_error *err)
{
    char at[SQLITE_TIME_TEXT_SIZE];
    char *text = NULL;
    size_t len = 0, cap = 0;

    if (n == 0)
        return 0;
    now_text(at);
    for (size_t i = 0; i < n; i++)
        if (!journal_line(&text, &len, &cap, at, &entries[i])) {
            free(text);
            return br_error_set(err, BR_EIO,
                                "cannot write the audit log: an entry's text of "
                                "action %s is not UTF-8",
                                entries[i].action);
        }
    pthread_mutex_lock(&log->lock);
    /* A journal whose reset failed has no header yet: its lines would not be found again. */
    int e = log->journal_end == 0 ? journal_reset(log) : 0;
    if (e == 0 && (e = write_all(log->journal_fd, text, len)) != 0 &&
        ftruncate(log->journal_fd, log->journal_end) != 0) {
        /* The line cut short stays, and is skipped as damaged if it is ever loaded. */
    }
    if (e != 0) {
        pthread_mutex_unlock(&log->lock);
        free(text);
        return br_error_set(err, BR_EIO, "cannot write the audit log: %s", strerror(e));
    }
    log->journal_end += (int64_t)len;
    struct batch *b = &log->pending;
    if (b->n == 0)
        sqlite_deadline_after_ms(&log->load_by, SQLITE_READ_LOG_LOAD_DELAY_MS);
    xgrow(&b->items, &b->cap, b->n + n, sizeof(*b->items));
    for (size_t i = 0; i < n; i++) {
        b->items[b->n].entry = entries[i];
        memcpy(b->items[b->n].at, at, SQLITE_TIME_TEXT_SIZE);
        b->n++;
        entries[i] = (struct audit_entry){0};
    }
    b->appends++;
    b->journal_end = log->journal_end;
    log->appended++;
    bool wake = b->n >= SQLITE_READ_LOG_LOAD_MAX;
    if (!log->unsynced) {
        log->unsynced = true;
        sqlite_deadline_after_ms(&log->sync_by, SQLITE_WRITER_SYNC_DELAY_MS);
        wake = true;
    }
    if (wake)
        pthread_cond_signal(&log->wake);
    pthread_mutex_unlock(&log->lock);
    free(text);
    return 0;
}

int
sqlite_read_log_flush(struct sqlite_read_log *log, struct br_error *err)
{
    pthread_mutex_lock(&log->lock);
    uint64_t target = log->appended;
    int rc = SQLITE_OK;
    while (log->loaded_appends < target) {
        log->flush_wanted = true;
        pthread_cond_signal(&log->wake);
        pthread_cond_wait(&log->loaded, &log->lock);
        if ((rc = log->load_rc) != SQLITE_OK)
            break;
    }
    pthread_mutex_unlock(&log->lock);
    if (rc != SQLITE_OK)
        return br_error_set(err, BR_EIO, "cannot write the audit log: %s", sqlite3_errstr(rc));
    return 0;
}
