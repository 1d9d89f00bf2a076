/* testutil.h — what every braid test includes: cmocka, and small helpers for dates, counts in
 * a database file, and the log of reads. */
#ifndef BRAID_TESTUTIL_H
#define BRAID_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "core/date.h"
#include "core/error.h"
#include "store/store.h"

/* The day number of a "YYYY-MM-DD" literal; fails the test when it does not parse. */
static inline int32_t
D(const char *text)
{
    int32_t d = DATE_NONE;
    assert_int_equal(date_parse(text, &d), 0);
    return d;
}

/* Runs sql on db; the test fails, naming SQLite's error, unless it succeeds. */
static inline void
exec_ok(sqlite3 *db, const char *sql)
{
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK)
        fail_msg("%s: %s", sql, message != NULL ? message : "(no message)");
}

/* One number from sql, on a connection of its own to the SQLite file path (as another process
 * would see it); with_reads attaches the file's log of reads (path-reads) as "reads". */
static inline long
file_query_count(const char *path, bool with_reads, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    char attach[512];
    long n = -1;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    snprintf(attach, sizeof(attach), "ATTACH DATABASE '%s-reads' AS reads", path);
    if (with_reads && sqlite3_exec(db, attach, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("cannot attach the log of reads of %s: %s", path, sqlite3_errmsg(db));
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("cannot run %s on %s: %s", sql, path, sqlite3_errmsg(db));
    if (sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
}

static inline long
file_count(const char *path, const char *sql)
{
    return file_query_count(path, false, sql);
}

/* file_count with the log of reads attached as "reads". */
static inline long
file_count_with_reads(const char *path, const char *sql)
{
    return file_query_count(path, true, sql);
}

/* Returns once the audit entries of every read this process has answered are in the log of
 * reads, where a connection of the test's own can count them (store.h reads_flush). */
static inline void
reads_flushed(struct store *st)
{
    struct br_error err;
    br_error_clear(&err);
    assert_int_equal(st->ops->reads_flush(st, &err), 0);
}

#endif
