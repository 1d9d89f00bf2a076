/* test_reads_audited.c — reads run in read transactions (store.h begin_read): they write nothing
 * to the database; their audit entries go to the log of reads, a file of its own beside it
 * (PATH-reads, sqlite_read_log.h), through its journal, written before the read returns; the
 * logs of changes and of reads are read as one audit log, merged newest first; this process's
 * connections to one file take its write lock in turn (sqlite_writer.h), and no entry or change
 * is lost when many threads read and write at once. */
#include "testutil.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/admin.h"
#include "app/app.h"
#include "app/people.h"
#include "app/records.h"
#include "store/sqlite.h"
#include "store/sqlite_read_log.h"
#include "store/sqlite_writer.h"
#include "store/store.h"

#define THREADS 8
#define ROUNDS 40

struct fixture {
    char dir[64];
    char db[128];
    char reads[160]; /* the log of reads: db SQLITE_READ_LOG_SUFFIX */
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
    snprintf(f->reads, sizeof(f->reads), "%s" SQLITE_READ_LOG_SUFFIX, f->db);
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

/* Removes the database at path and the files beside it. */
static void
remove_db(const char *db)
{
    char path[256];
    const char *suffixes[] = {"", "-wal", "-shm", ".key", "-reads", "-reads-wal", "-reads-shm"};

    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", db, suffixes[i]);
        unlink(path);
    }
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char second[160];

    app_close(&f->app);
    remove_db(f->db);
    snprintf(second, sizeof(second), "%s/second.db", f->dir);
    remove_db(second);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A count from the SQL fmt (printf-style) on a connection of its own to file, as another process
 * would see it. */
static long
count_in(const char *file, const char *fmt, va_list ap)
{
    char sql[1024];

    vsnprintf(sql, sizeof(sql), fmt, ap);
    return file_count(file, sql);
}

/* A count in the database file (audit_log: the entries of changes). */
static long
count(const struct fixture *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    long n = count_in(f->db, fmt, ap);
    va_end(ap);
    return n;
}

/* A count in the file of the log of reads alone (its table read_log), once it has loaded the
 * entries of every read answered so far. */
static long
count_reads(const struct fixture *f, const char *fmt, ...)
{
    va_list ap;
    reads_flushed(f->app.store);
    va_start(ap, fmt);
    long n = count_in(f->reads, fmt, ap);
    va_end(ap);
    return n;
}

/* A count on a store's own connection, where the log of reads is attached as "reads", once the
 * log has loaded the entries of every read answered so far. */
static long
count_on(struct store *st, const char *sql)
{
    sqlite3 *db = store_sqlite_handle(st);
    sqlite3_stmt *stmt;
    long n = -1;

    reads_flushed(st);
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("cannot run %s: %s", sql, sqlite3_errmsg(db));
    if (sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

static struct audit_entry
entry_about(int64_t person, const char *action)
{
    return (struct audit_entry){.user_id = 7, .person_id = person, .action = action,
                                .entity = "person", .entity_id = person, .after = "{\"n\":1}"};
}

/* A read transaction of st that appends an entry with action about person, committed. */
static void
read_with_entry(struct store *st, int64_t person, const char *action)
{
    struct br_error err;
    struct audit_entry e = entry_about(person, action);

    br_error_clear(&err);
    assert_int_equal(st->ops->begin_read(st, &err), 0);
    assert_int_equal(st->ops->audit_append(st, &e, &err), 0);
    assert_int_equal(st->ops->commit(st, &err), 0);
}

/* A write transaction of st that appends an entry with action about person, committed. */
static void
change_with_entry(struct store *st, int64_t person, const char *action)
{
    struct br_error err;
    struct audit_entry e = entry_about(person, action);

    br_error_clear(&err);
    assert_int_equal(st->ops->begin(st, &err), 0);
    assert_int_equal(st->ops->audit_append(st, &e, &err), 0);
    assert_int_equal(st->ops->commit(st, &err), 0);
}

/* Whether this process's journal of the log of reads (slot 1: the first to open it) holds a line
 * of an entry with action. */
static bool
journal_holds(const struct fixture *f, const char *action)
{
    char path[256], needle[128], *text = NULL;
    size_t size = 0;

    snprintf(path, sizeof(path), "%s" SQLITE_READ_LOG_JOURNAL_SUFFIX "1", f->reads);
    snprintf(needle, sizeof(needle), "\"action\":\"%s\"", action);
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    assert_true(getdelim(&text, &size, '\0', in) >= 0);
    fclose(in);
    bool held = strstr(text, needle) != NULL;
    free(text);
    return held;
}

/* A read's entries are in the journal of the log of reads when its commit returns (durable: a
 * crash loses none, test_read_journal.c), and once the log has loaded them, in the file
 * PATH-reads, as another process sees it, and in the store's own view of it (reads.read_log);
 * none goes to the database's audit_log, which keeps the entries of changes. */
static void
test_a_read_journals_its_audit_entries(void **state)
{
    struct fixture *f = *state;
    struct store *st = f->app.store;
    struct br_error err;
    struct stored_person got;

    br_error_clear(&err);
    assert_int_equal(st->ops->begin_read(st, &err), 0);
    assert_int_equal(st->ops->person_get(st, f->person, &got, &err), 0);
    struct audit_entry e = entry_about(f->person, "test.read");
    struct audit_entry second = entry_about(f->person, "test.read.second");
    assert_int_equal(st->ops->audit_append(st, &e, &err), 0);
    assert_int_equal(st->ops->audit_append(st, &second, &err), 0);
    /* Nothing is written while the read runs. */
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log WHERE action LIKE 'test.%%'"),
                     0);
    assert_false(journal_holds(f, "test.read"));
    assert_int_equal(st->ops->commit(st, &err), 0);
    assert_true(journal_holds(f, "test.read"));
    assert_true(journal_holds(f, "test.read.second"));
    assert_int_equal(count_reads(f,
                                 "SELECT count(*) FROM read_log WHERE action = 'test.read' AND "
                                 "user_id = 7 AND person_id = %lld AND entity = 'person' AND "
                                 "entity_id = %lld AND after = '{\"n\":1}' AND reason IS NULL",
                                 (long long)f->person, (long long)f->person),
                     1);
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log WHERE action LIKE 'test.%%'"),
                     2);
    assert_int_equal(
        count_on(st, "SELECT count(*) FROM reads.read_log WHERE action LIKE 'test.read%'"), 2);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action LIKE 'test.%%'"), 0);

    /* A read rolled back leaves no entry, not even once a later read commits its own. */
    assert_int_equal(st->ops->begin_read(st, &err), 0);
    struct audit_entry dropped = entry_about(f->person, "test.dropped");
    assert_int_equal(st->ops->audit_append(st, &dropped, &err), 0);
    st->ops->rollback(st);
    assert_false(journal_holds(f, "test.dropped"));
    read_with_entry(st, f->person, "test.after");
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log WHERE action = 'test.after'"),
                     1);
    assert_int_equal(
        count_reads(f, "SELECT count(*) FROM read_log WHERE action = 'test.dropped'"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'test.dropped'"), 0);

    /* The connection is back to normal: a write transaction commits, to the database. */
    change_with_entry(st, f->person, "test.write");
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'test.write'"), 1);
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log WHERE action = 'test.write'"),
                     0);
}

/* The log of reads is append-only, as audit_log is: through the store's connection and in the
 * file itself. */
static void
test_the_log_of_reads_is_append_only(void **state)
{
    struct fixture *f = *state;
    struct store *st = f->app.store;
    sqlite3 *db = NULL;

    read_with_entry(st, f->person, "test.kept");
    reads_flushed(st);
    assert_int_not_equal(sqlite3_exec(store_sqlite_handle(st),
                                      "UPDATE reads.read_log SET action = 'x'", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(
        sqlite3_exec(store_sqlite_handle(st), "DELETE FROM reads.read_log", NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_open_v2(f->reads, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    assert_int_not_equal(sqlite3_exec(db, "UPDATE read_log SET action = 'x'", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM read_log", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log WHERE action = 'test.kept'"),
                     1);
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log WHERE action = 'x'"), 0);
}

/* Each database file has a log of reads of its own. */
static void
test_each_database_has_its_own_log_of_reads(void **state)
{
    struct fixture *f = *state;
    struct store *st = NULL;
    struct br_error err;
    char second[160], second_reads[180];

    snprintf(second, sizeof(second), "%s/second.db", f->dir);
    snprintf(second_reads, sizeof(second_reads), "%s" SQLITE_READ_LOG_SUFFIX, second);
    br_error_clear(&err);
    assert_int_equal(store_open(second, &st, &err), 0);
    assert_int_equal(st->ops->migrate(st, &err), 0);
    read_with_entry(st, 0, "test.second");
    st->ops->close(st);

    /* In second.db-reads, still there once its last connection closed; not in braid.db's. */
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_open_v2(second_reads, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM read_log WHERE action = "
                                        "'test.second'",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(stmt, 0), 1);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    assert_int_equal(
        count_reads(f, "SELECT count(*) FROM read_log WHERE action = 'test.second'"), 0);

    /* Opened again, the store reads it back through reads.read_log. */
    assert_int_equal(store_open(second, &st, &err), 0);
    assert_int_equal(count_on(st, "SELECT count(*) FROM reads.read_log WHERE action = "
                                  "'test.second'"),
                     1);
    st->ops->close(st);
}

/* An in-memory database keeps its log of reads attached in memory: no file is made for it, and
 * the audit log still lists both. */
static void
test_an_in_memory_database_logs_reads_in_memory(void **state)
{
    struct store *st = NULL;
    struct br_error err;
    struct audit_record *items = NULL;
    size_t n = 0, cap = 0;
    int64_t total = -1;

    (void)state;
    br_error_clear(&err);
    assert_int_equal(store_open(":memory:", &st, &err), 0);
    assert_int_equal(st->ops->migrate(st, &err), 0);
    read_with_entry(st, 0, "test.memory.read");
    change_with_entry(st, 0, "test.memory.change");
    assert_int_equal(count_on(st, "SELECT count(*) FROM reads.read_log WHERE action = "
                                  "'test.memory.read'"),
                     1);
    assert_int_equal(count_on(st, "SELECT count(*) FROM audit_log WHERE action = "
                                  "'test.memory.read'"),
                     0);
    assert_int_equal(count_on(st, "SELECT count(*) FROM audit_log WHERE action = "
                                  "'test.memory.change'"),
                     1);
    assert_int_equal(count_on(st, "SELECT count(*) FROM pragma_database_list WHERE name = "
                                  "'reads' AND file = ''"),
                     1);
    assert_int_not_equal(access(":memory:" SQLITE_READ_LOG_SUFFIX, F_OK), 0);

    assert_int_equal(st->ops->audit_page(st, 0, 10, 0, &items, &n, &cap, &total, &err), 0);
    assert_int_equal(total, 2);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(items[i].read, strcmp(items[i].action, "test.memory.read") == 0);
    assert_true(items[0].read != items[1].read);
    free(items);
    st->ops->close(st);
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

/* Reading a person's record, through the use cases: one audit entry each, in the log of reads
 * on return; the database's audit_log is left as it was. */
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
    const char *of_reader = "SELECT count(*) FROM read_log WHERE user_id = 41 AND person_id = %lld";
    long changes = count(f, "SELECT count(*) FROM audit_log");

    br_error_clear(&err);
    assert_int_equal(app_person_view(&f->app, &reader, f->person, &person, &sensitive_shown, &err),
                     0);
    assert_false(sensitive_shown);
    assert_string_equal(person.facts.last_name, "Reader");
    assert_int_equal(count_reads(f, of_reader, (long long)f->person), 1);
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log WHERE user_id = 41 AND action "
                                    "= 'access.allow' AND after LIKE '%%\"area\":\"facts\"%%'"),
                     1);

    /* The exit clock is read as the case file is: refused to an agency that does not serve the
     * person (no consent), and the refusal is on the record; an auditor reads it, audited once;
     * an admin has no case data. */
    exit_result_init(&result);
    assert_int_equal(
        app_person_exit(&f->app, &reader, f->person, D("2026-03-01"), &person, &result, &err),
        BR_EFORBIDDEN);
    assert_int_equal(count_reads(f, of_reader, (long long)f->person), 2);
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log WHERE user_id = 41 AND action "
                                    "= 'disclosure.refuse' AND after LIKE "
                                    "'%%\"area\":\"case_file\"%%'"),
                     1);
    const struct actor auditor = {.user_id = 42, .agency_id = 0, .role = "auditor"};
    br_error_clear(&err);
    assert_int_equal(
        app_person_exit(&f->app, &auditor, f->person, D("2026-03-01"), &person, &result, &err), 0);
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log WHERE user_id = 42"), 1);
    const struct actor admin = {.user_id = 43, .agency_id = 0, .role = "admin"};
    br_error_clear(&err);
    assert_int_equal(
        app_person_exit(&f->app, &admin, f->person, D("2026-03-01"), &person, &result, &err),
        BR_EFORBIDDEN);
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log WHERE user_id = 43 AND action "
                                    "= 'disclosure.refuse'"),
                     1);
    exit_result_cleanup(&result);

    /* A person who is not there: no entry, and the connection is free again. */
    assert_int_equal(app_person_view(&f->app, &reader, f->person + 1000, &person,
                                     &sensitive_shown, &err),
                     BR_ENOTFOUND);
    assert_int_equal(count_reads(f, of_reader, (long long)f->person), 2);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), changes);
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

/* The access check of every read finds whether the agency serves the person in one index entry
 * (serving_agencies), not by walking the person's audit entries, which every read makes one more
 * of, nor their enrollments and services. */
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
    plan_of(&f->app, "FROM serving_agencies WHERE person_id", plan, sizeof(plan));
    assert_non_null(
        strstr(plan, "SEARCH serving_agencies USING PRIMARY KEY (person_id=? AND agency_id=?)"));
    assert_null(strstr(plan, "audit_log"));
    assert_null(strstr(plan, "services"));
    assert_null(strstr(plan, "enrollments"));
}

/* Connections of one process to one file share one writer, whatever the path says, and so one
 * log of reads; a file that is not there is an error, with no writer. */
static void
test_one_writer_per_file(void **state)
{
    struct fixture *f = *state;
    char other_path[160], not_a_dir[160];
    struct br_error err;
    struct sqlite_writer *a = NULL, *b = NULL;
    struct sqlite_writer *missing = (struct sqlite_writer *)&err; /* anything but NULL */

    snprintf(other_path, sizeof(other_path), "%s/./braid.db", f->dir);
    br_error_clear(&err);
    assert_int_equal(sqlite_writer_attach(f->db, "unused-wal", &a, &err), 0);
    assert_int_equal(sqlite_writer_attach(other_path, "unused-wal", &b, &err), 0);
    assert_non_null(a);
    assert_ptr_equal(a, b);
    assert_non_null(sqlite_writer_read_log(a));
    assert_ptr_equal(sqlite_writer_read_log(a), sqlite_writer_read_log(b));
    assert_int_equal(sqlite_writer_attach("/nonexistent/braid.db", "unused-wal", &missing, &err),
                     BR_EIO);
    assert_null(missing);
    assert_non_null(strstr(err.message, "/nonexistent/braid.db"));

    br_error_clear(&err);
    assert_int_equal(sqlite_writer_lock(a, 100, &err), 0);
    uint64_t first = sqlite_writer_batch_end(a, NULL);
    uint64_t second = sqlite_writer_batch_end(a, NULL);
    sqlite_writer_unlock(a);
    assert_true(second == first + 1);
    /* Once the lock is free: the last commit counts every one made under it. */
    assert_true(sqlite_writer_last_commit(b) == second);
    assert_int_equal(sqlite_writer_sync(b, second, &err), 0);
    assert_true(sqlite_writer_durable(a, second));
    sqlite_writer_detach(a);
    sqlite_writer_detach(b);

    /* A WAL that is gone has nothing to sync; one that cannot be opened is an errno. */
    char wal[sizeof(f->db) + 8];
    snprintf(wal, sizeof(wal), "%s-wal", f->db);
    assert_int_equal(sqlite_wal_sync("/nonexistent/braid.db-wal"), 0);
    assert_int_equal(sqlite_wal_sync(wal), 0);
    snprintf(not_a_dir, sizeof(not_a_dir), "%s/wal", f->db);
    assert_int_equal(sqlite_wal_sync(not_a_dir), ENOTDIR);
}

/* Waits until the clock is in a second after the present one: what is written after has a later
 * "at" (to the second) than anything written before. */
static void
next_second(void)
{
    struct timespec now, ms = {0, 1000000L};
    clock_gettime(CLOCK_REALTIME, &now);
    time_t second = now.tv_sec;
    while (now.tv_sec == second) {
        nanosleep(&ms, NULL);
        clock_gettime(CLOCK_REALTIME, &now);
    }
}

/* An entry as the audit log lists it: which log, and its id there. */
struct listed {
    int64_t id;
    bool read;
    char action[48];
};

/* The merged audit log (person > 0: that person's) as the store should list it, computed here
 * in SQL on the app's connection: newest first by time, within a second the reads above the
 * changes (a change is taken to come first), each log in the order of its ids.  Returns how many, up to max. */
static size_t
expected_log(struct fixture *f, int64_t person, struct listed *out, size_t max)
{
    sqlite3 *db = store_sqlite_handle(f->app.store);
    sqlite3_stmt *stmt = NULL;
    char sql[512];
    size_t n = 0;

    reads_flushed(f->app.store);
    snprintf(sql, sizeof(sql),
             "SELECT id, read, action FROM (SELECT id, at, 0 AS read, action FROM audit_log "
             "WHERE %lld = 0 OR person_id = %lld UNION ALL SELECT id, at, 1, action FROM "
             "reads.read_log WHERE %lld = 0 OR person_id = %lld) ORDER BY at DESC, read DESC, id DESC",
             (long long)person, (long long)person, (long long)person, (long long)person);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        assert_true(n < max);
        out[n].id = sqlite3_column_int64(stmt, 0);
        out[n].read = sqlite3_column_int(stmt, 1) != 0;
        snprintf(out[n].action, sizeof(out[n].action), "%s",
                 (const char *)sqlite3_column_text(stmt, 2));
        n++;
    }
    sqlite3_finalize(stmt);
    return n;
}

/* Pages of limit entries through the store's audit_page, one after another, are want: none
 * skipped or shown twice, each with its log, and every page counts them all. */
static void
expect_pages(struct fixture *f, int64_t person, int64_t limit, const struct listed *want,
             size_t n_want)
{
    struct store *st = f->app.store;
    struct audit_record *items = NULL;
    size_t n = 0, cap = 0, seen = 0;
    int64_t total = -1;
    struct br_error err;

    for (int64_t offset = 0;; offset += limit) {
        br_error_clear(&err);
        assert_int_equal(
            st->ops->audit_page(st, person, limit, offset, &items, &n, &cap, &total, &err), 0);
        assert_int_equal(total, n_want);
        assert_true(n <= (size_t)limit);
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++, seen++) {
            assert_true(seen < n_want);
            if (items[i].id != want[seen].id || items[i].read != want[seen].read)
                fail_msg("limit %lld, offset %lld, entry %zu: %s %lld (%s), expected %s %lld (%s)",
                         (long long)limit, (long long)offset, i, items[i].read ? "read" : "change",
                         (long long)items[i].id, items[i].action,
                         want[seen].read ? "read" : "change", (long long)want[seen].id,
                         want[seen].action);
            assert_string_equal(items[i].action, want[seen].action);
            if (person > 0)
                assert_int_equal(items[i].person_id, person);
        }
    }
    assert_int_equal(seen, n_want);
    free(items);
}

static size_t
position_of(const struct listed *list, size_t n, const char *action)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].action, action) == 0)
            return i;
    fail_msg("%s is not in the audit log", action);
    return n;
}

/* The database's data_version as a connection of its own sees it: it moves when another
 * connection commits to the database file. */
static long
data_version(sqlite3 *db)
{
    sqlite3_stmt *stmt = NULL;
    long v = -1;

    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA main.data_version", -1, &stmt, NULL),
                     SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

/* Reads leave the database file as it is — their audit entries go to the log of reads — so no
 * other connection's page cache is dropped for them; a change still moves it. */
static void
test_reads_leave_the_database_unchanged(void **state)
{
    struct fixture *f = *state;
    sqlite3 *watcher = NULL;

    assert_int_equal(sqlite3_open_v2(f->db, &watcher, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    long before = data_version(watcher);
    for (int i = 0; i < 5; i++)
        read_with_entry(f->app.store, f->person, "test.unchanged");
    assert_int_equal(data_version(watcher), before);
    assert_int_equal(count_on(f->app.store, "SELECT count(*) FROM reads.read_log "
                                            "WHERE action = 'test.unchanged'"),
                     5);
    change_with_entry(f->app.store, f->person, "test.changed");
    assert_true(data_version(watcher) != before);
    sqlite3_close(watcher);
}

/* The audit log lists the entries of changes and of reads together, newest first by time (in
 * the same second a change is taken to come first, so the reads are listed above it): in pages that neither overlap nor skip, each entry
 * marked with its log, the total counting both; a person's log oldest first is the same merge. */
static void
test_the_audit_log_merges_both_logs(void **state)
{
    struct fixture *f = *state;
    struct store *st = f->app.store;
    const struct actor auditor = {.user_id = 42, .agency_id = 0, .role = "auditor"};
    struct listed want[256];
    struct audit_list list = {0};
    struct br_error err;
    int64_t total = -1;
    bool details = false;

    /* Three seconds: a change, a read and a change; two reads; a change and a read. */
    next_second();
    change_with_entry(st, f->person, "test.c1");
    read_with_entry(st, f->person, "test.r1");
    change_with_entry(st, f->person, "test.c2");
    next_second();
    read_with_entry(st, f->person, "test.r2");
    read_with_entry(st, f->person, "test.r3");
    next_second();
    change_with_entry(st, f->person, "test.c3");
    read_with_entry(st, f->person, "test.r4");
    /* Someone else's, in both logs. */
    change_with_entry(st, 0, "test.other.change");
    read_with_entry(st, 0, "test.other.read");

    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT (SELECT count(*) FROM audit_log WHERE person_id = %lld) + "
             "(SELECT count(*) FROM reads.read_log WHERE person_id = %lld)",
             (long long)f->person, (long long)f->person);
    size_t n = expected_log(f, f->person, want, 256);
    assert_int_equal(n, count_on(st, sql));
    /* Newest first: the seconds in turn, and within one the reads above the changes. */
    const char *order[] = {"test.r4", "test.c3", "test.r3", "test.r2",
                           "test.r1", "test.c2", "test.c1"};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(position_of(want, n, order[i]), i);
        assert_int_equal(want[i].read, order[i][5] == 'r');
    }
    /* The person's registration, of the second before, comes after. */
    assert_true(position_of(want, n, "person.register") > 6);

    /* In pages of 1, 2, 3 and all: the same entries, in the same order. */
    expect_pages(f, f->person, 1, want, n);
    expect_pages(f, f->person, 2, want, n);
    expect_pages(f, f->person, 3, want, n);
    expect_pages(f, f->person, 500, want, n);
    /* Everyone's. */
    size_t n_all = expected_log(f, 0, want, 256);
    assert_true(n_all > n);
    assert_int_equal(n_all, count_on(st, "SELECT (SELECT count(*) FROM audit_log) + "
                                         "(SELECT count(*) FROM reads.read_log)"));
    assert_true(position_of(want, n_all, "test.other.change") <
                position_of(want, n_all, "test.c3"));
    assert_true(position_of(want, n_all, "test.other.read") < position_of(want, n_all, "test.r4"));
    expect_pages(f, 0, 2, want, n_all);
    expect_pages(f, 0, 7, want, n_all);

    /* Through the use cases: a person's log, oldest first, is the same merge the other way. */
    n = expected_log(f, f->person, want, 256);
    br_error_clear(&err);
    assert_int_equal(app_person_audit(&f->app, &auditor, f->person, 0, &list, &err), 0);
    assert_int_equal(list.n, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(list.items[i].id, want[n - 1 - i].id);
        assert_int_equal(list.items[i].read, want[n - 1 - i].read);
    }
    /* That read is on the log of reads (its own entry), and in the auditor's pages after it. */
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM reads.read_log WHERE person_id = %lld AND user_id = 42 AND "
             "action = 'access.allow'",
             (long long)f->person);
    assert_int_equal(count_on(st, sql), 1);
    assert_int_equal(expected_log(f, f->person, want, 256), n + 1);
    n++;
    br_error_clear(&err);
    assert_int_equal(
        app_audit_page(&f->app, &auditor, f->person, 3, 1, &list, &total, &details, &err), 0);
    assert_true(details);
    assert_int_equal(total, n);
    assert_int_equal(list.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(list.items[i].id, want[1 + i].id);
        assert_int_equal(list.items[i].read, want[1 + i].read);
    }
    /* Reading the log is itself on the log, once. */
    assert_int_equal(count_on(st, "SELECT (SELECT count(*) FROM audit_log WHERE action = "
                                  "'audit_log.read' AND user_id = 42) + (SELECT count(*) FROM "
                                  "reads.read_log WHERE action = 'audit_log.read' AND user_id = "
                                  "42)"),
                     1);
    free(list.items);
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
    /* A quarter more pages of 4 KiB than the threshold, in one commit. */
    const long bytes = SQLITE_WRITER_CHECKPOINT_PAGES * 4096L * 5 / 4;
    char sql[128];
    snprintf(sql, sizeof(sql), "CREATE TABLE filler (x); INSERT INTO filler VALUES (zeroblob(%ld))",
             bytes);
    exec_ok(store_sqlite_handle(st), sql);
    for (int i = 0; i < 10000; i++) {
        assert_int_equal(stat(f->db, &after), 0);
        if (after.st_size >= before.st_size + bytes)
            break;
        struct timespec ms = {0, 1000000L};
        nanosleep(&ms, NULL);
    }
    assert_true(after.st_size >= before.st_size + bytes);
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
    /* Every read's entry in the log of reads, every change's in the database, and none astray. */
    assert_int_equal(
        count_reads(f, "SELECT count(*) FROM read_log WHERE action = 'test.concurrent.read'"),
        THREADS * ROUNDS);
    assert_int_equal(
        count(f, "SELECT count(*) FROM audit_log WHERE action = 'test.concurrent.write'"),
        THREADS * ROUNDS);
    assert_int_equal(
        count(f, "SELECT count(*) FROM audit_log WHERE action = 'test.concurrent.read'"), 0);
    assert_int_equal(
        count_reads(f, "SELECT count(*) FROM read_log WHERE action = 'test.concurrent.write'"), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_read_journals_its_audit_entries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_log_of_reads_is_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_database_has_its_own_log_of_reads, setup,
                                        teardown),
        cmocka_unit_test(test_an_in_memory_database_logs_reads_in_memory),
        cmocka_unit_test_setup_teardown(test_a_read_cannot_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_person_reads_write_one_entry_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_access_check_does_not_walk_the_audit_log, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_one_writer_per_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reads_leave_the_database_unchanged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_the_audit_log_merges_both_logs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoints_in_the_background, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_threads_lose_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
