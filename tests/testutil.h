/* testutil.h — what every braid test includes: cmocka, and small helpers for dates, counts in
 * a database file, and the log of reads. */
#ifndef BRAID_TESTUTIL_H
#define BRAID_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

/* One number from sql, on a connection of its own to the SQLite file path (as another process
 * would see it). */
static inline long
file_count(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    long n = -1;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_msg("cannot run %s on %s: %s", sql, path, sqlite3_errmsg(db));
    if (sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
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
