/* sqlite_read_log.h — the audit entries of reads, kept in a file of their own beside the database
 * (PATH-reads, table read_log), committed in batches.  Used by sqlite_writer.c (which opens one
 * per database file) and sqlite.c.
 *
 * Why a file of its own: every read is audited (RULES.md §11), and in WAL mode a commit to a
 * database file makes every other connection to it drop its whole page cache before its next
 * transaction.  Were the entries of reads committed to the database itself, every read would
 * start cold and fetch each page of its lookups from the kernel again.  Committed here, they
 * leave the database's page caches alone, and the changes (with their own entries, in the
 * database's audit_log, in the change's transaction) are the only commits there.
 *
 * A read hands its entries over (sqlite_read_log_append) and is answered once they are
 * committed.  When no one is committing, the reader commits them itself, with whatever others
 * hand over meanwhile (no thread to wake: one request at a time costs no context switch); when
 * someone is, its entries go in the next batch, and it sleeps until that batch is committed.
 * Commits do not wait for the disk: the log's thread syncs the WAL within
 * SQLITE_WRITER_SYNC_DELAY_MS of a commit (a crash of braid loses no entry, a power cut the last
 * few milliseconds' at most), and checkpoints it on a connection of its own, beside the commits
 * (a checkpoint syncs the disk twice: a read that waited for one took up to 15 ms). */
#ifndef BRAID_STORE_SQLITE_READ_LOG_H
#define BRAID_STORE_SQLITE_READ_LOG_H

#include <stddef.h>

#include "core/error.h"
#include "store/store.h"

/* The suffix of the log's file name: the database's path followed by it. */
#define SQLITE_READ_LOG_SUFFIX "-reads"

struct sqlite_read_log;
struct sqlite3;
struct sqlite3_stmt;

/* Creates the table read_log, its index and its append-only triggers in the database schema
 * (as "main" or an attached name) of db, unless they are there. */
int sqlite_read_log_schema(struct sqlite3 *db, const char *schema, struct br_error *err);

/* Opens the log in file (created when missing) and starts its thread. */
int sqlite_read_log_open(const char *file, struct sqlite_read_log **out, struct br_error *err);

/* Commits what was handed over, syncs it, stops the thread and closes the file. */
void sqlite_read_log_close(struct sqlite_read_log *log);

/* The log's file beside the database file db_file: db_file SQLITE_READ_LOG_SUFFIX (malloc'd). */
char *sqlite_read_log_file(const char *db_file);

/* Binds the eight columns of an audit entry (user_id, person_id, action, entity, entity_id,
 * reason, before, after) to parameters 1 to 8 of stmt, an id of 0 and a NULL text as NULL:
 * SQLite's result.  The entry must outlive the statement's step. */
int sqlite_audit_entry_bind(struct sqlite3_stmt *stmt, const struct audit_entry *entry);

/* A copy of entry whose texts are its own (malloc'd), and the freeing of one. */
void sqlite_audit_entry_copy(struct audit_entry *to, const struct audit_entry *entry);
void sqlite_audit_entry_free(struct audit_entry *entry);

/* Appends n entries, taking their texts over (malloc'd, as sqlite_audit_entry_copy makes them:
 * each entry is left cleared), and returns once they are committed: 0, or BR_EIO when the batch
 * they were in could not be (then none of them is in the log). */
int sqlite_read_log_append(struct sqlite_read_log *log, struct audit_entry *entries, size_t n,
                           struct br_error *err);

#endif
