/* sqlite.h — the SQLite backend of store.h (one file, WAL, prepared statements).
 *
 * Callers outside src/store use store_open() and the ops table; these are for store.c, and for
 * the store tests, which need the connection to ask SQLite itself (PRAGMA, EXPLAIN QUERY PLAN). */
#ifndef BRAID_STORE_SQLITE_H
#define BRAID_STORE_SQLITE_H

#include "store/store.h"

struct sqlite3;

/* Opens (creating if needed) the SQLite database at path: WAL, synchronous=FULL, foreign keys on,
 * a 5 s busy timeout.  Does not migrate.  On success *out is closed with (*out)->ops->close. */
int store_sqlite_open(const char *path, struct store **out, struct br_error *err);

/* Replaces the content of the database at path (created if missing) with the braid database at
 * from, by the online backup API.  Refuses a file that is not a braid database, or whose schema
 * is newer than this braid. */
int store_sqlite_restore(const char *path, const char *from, struct br_error *err);

/* The connection of a store opened by store_sqlite_open (borrowed: do not close it). */
struct sqlite3 *store_sqlite_handle(struct store *st);

#endif
