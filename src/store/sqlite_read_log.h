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
 * A read hands its entries over (sqlite_read_log_append) and is answered once they are written
 * to the journal, a file of this process's (PATH-reads-journal-N, N from 1 to
 * SQLITE_READ_LOG_JOURNALS, one per process using the log at once): a crash of braid loses none
 * of them, and the log's thread syncs the journal within SQLITE_WRITER_SYNC_DELAY_MS (a power cut
 * loses the last few milliseconds' at most).  The thread loads the journal into the table
 * read_log within SQLITE_READ_LOG_LOAD_DELAY_MS, all that came meanwhile in one transaction, and
 * at once when someone is about to read the log (sqlite_read_log_flush).  A read thus costs one
 * write to a file, and a few hundred of them one transaction.  (Committed by each read, as they
 * were, half of a read's time went to the log's commits and checkpoints: bench/README.md.)
 *
 * The journal is the entries' durable copy until the log has them on disk; then it is emptied.
 * A journal left by a process that stopped without closing the log is loaded by the next one to
 * open it, each entry once: the table read_journals records, in the same transaction as each
 * load, how far which content of which journal is loaded. */
#ifndef BRAID_STORE_SQLITE_READ_LOG_H
#define BRAID_STORE_SQLITE_READ_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "store/store.h"

/* The suffix of the log's file name: the database's path followed by it. */
#define SQLITE_READ_LOG_SUFFIX "-reads"
/* A journal's file: the log's followed by this suffix and its number. */
#define SQLITE_READ_LOG_JOURNAL_SUFFIX "-journal-"
#define SQLITE_READ_LOG_JOURNALS 16

/* The log's entries by person are indexed within chunks of 65,536 entries (their ids shifted
 * right by 16): an entry's index row goes to the newest chunk's few pages, which stay in the
 * cache, rather than to a random page of an index by person alone, which grows with the log
 * and soon leaves the cache (each read then cost a page fetched and a page written, and
 * reads slowed as the log grew).  A person's entries are found chunk by chunk: a lookup per
 * chunk, about 1,500 for 100 million entries.  A query names the chunk as this expression. */
#define SQLITE_READ_LOG_CHUNK_BITS "16"
#define SQLITE_READ_LOG_CHUNK "id >> " SQLITE_READ_LOG_CHUNK_BITS

struct sqlite_read_log;
struct sqlite3;
struct sqlite3_stmt;

/* Creates the table read_log, its index and its append-only triggers in the database schema
 * (as "main" or an attached name) of db, unless they are there. */
int sqlite_read_log_schema(struct sqlite3 *db, const char *schema, struct br_error *err);

/* Opens the log in file (created when missing), loads what journals no process holds have
 * left, takes a journal of its own and starts its thread. */
int sqlite_read_log_open(const char *file, struct sqlite_read_log **out, struct br_error *err);

/* Loads what was handed over, syncs it, stops the thread, removes its journal and closes the
 * file.  What cannot be loaded stays in the journal, for the next open. */
void sqlite_read_log_close(struct sqlite_read_log *log);

/* The log's file beside the database file db_file: db_file SQLITE_READ_LOG_SUFFIX (malloc'd). */
char *sqlite_read_log_file(const char *db_file);

/* Binds the eight columns of an audit entry (user_id, person_id, action, entity, entity_id,
 * reason, before, after) to parameters 1 to 8 of stmt, an id of 0 and a NULL text as NULL:
 * SQLite's result.  The entry must outlive the statement's step. */
int sqlite_audit_entry_bind(struct sqlite3_stmt *stmt, const struct audit_entry *entry);

/* A time as SQLite's CURRENT_TIMESTAMP writes it (the audit logs' "at", the API's times):
 * "YYYY-MM-DD HH:MM:SS", UTC, so that such texts compare as the times they are. */
#define SQLITE_TIME_TEXT_SIZE 20 /* with its NUL */

/* unix_seconds as that text in out: false when it is out of range. */
bool sqlite_time_text(int64_t unix_seconds, char out[SQLITE_TIME_TEXT_SIZE]);

/* A copy of entry whose texts are its own (malloc'd), and the freeing of one. */
void sqlite_audit_entry_copy(struct audit_entry *to, const struct audit_entry *entry);
void sqlite_audit_entry_free(struct audit_entry *entry);

/* Appends n entries, taking their texts over (malloc'd, as sqlite_audit_entry_copy makes them:
 * each entry is left cleared), and returns once they are written to the journal: 0, or BR_EIO
 * when they could not be (then none of them is in the log). */
int sqlite_read_log_append(struct sqlite_read_log *log, struct audit_entry *entries, size_t n,
                           struct br_error *err);

/* Returns once every entry appended before the call is committed to the table read_log: 0, or
 * BR_EIO when the log cannot take them now (they stay in the journal, and are tried again). */
int sqlite_read_log_flush(struct sqlite_read_log *log, struct br_error *err);

#endif
