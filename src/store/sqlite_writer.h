/* sqlite_writer.h — what this process's connections to one SQLite database file share: the
 * write lock they take in turn, and the syncs of the write-ahead log that make their commits
 * durable together (group commit).  Used by sqlite.c (and sqlite_read_log.c, for its syncs).
 *
 * SQLite lets one connection write at a time.  The others wait in its busy handler, which polls
 * by sleeping 1, 2, 5, 10 ... ms, so that under load a wait of a few microseconds becomes one of
 * many milliseconds.  A process's connections to one file queue on this lock instead, and are
 * woken as soon as it is free (other processes still meet SQLite's busy handler).
 *
 * A commit made under the lock runs with synchronous = NORMAL — its frames reach the WAL, no
 * fsync — and then, with the lock released, waits for one fdatasync of the WAL begun after it.
 * The first commit waiting makes that sync for every commit already in the file; the ones that
 * come during it wait for the next.  So a commit still returns only once it is on disk, but many
 * share one sync, and none holds the lock while the disk works.
 *
 * The audit entries of reads are not committed here but to the file's log of reads
 * (sqlite_read_log.h), so that reads leave the page caches of the file's connections alone; a
 * read still waits for every change its answer could show (sqlite_writer_last_commit; for a read
 * of one person, sqlite_writer_last_commit_of): no answer shows a change that could be lost. */
#ifndef BRAID_STORE_SQLITE_WRITER_H
#define BRAID_STORE_SQLITE_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/error.h"

#define STORE_SQLITE_BUSY_TIMEOUT_MS 5000
#define SQLITE_WRITER_SYNC_DELAY_MS 10
#define SQLITE_WRITER_CHECKPOINT_PAGES 8000
#define SQLITE_WRITER_WAL_MAX_PAGES 32000   /* past this, a checkpoint holds commits back */

struct sqlite_writer;
struct sqlite3;

/* The writer of the database file db_file (whose WAL is wal_file), shared by every caller that
 * attaches to the same file (by device and inode) until the last detaches.  The first to attach
 * opens the file's log of reads (sqlite_read_log.h), in db_file SQLITE_READ_LOG_SUFFIX. */
int sqlite_writer_attach(const char *db_file, const char *wal_file, struct sqlite_writer **out,
                         struct br_error *err);
void sqlite_writer_detach(struct sqlite_writer *w);

/* The log of reads of the file, for as long as the caller stays attached. */
struct sqlite_read_log *sqlite_writer_read_log(struct sqlite_writer *w);

/* The connection the lock's holders write through (sqlite.c), kept here for them: NULL until
 * one is shared with sqlite_writer_share, which also names the function that frees it at the
 * last detach.  Both are called under the write lock only. */
void *sqlite_writer_shared(struct sqlite_writer *w);
void sqlite_writer_share(struct sqlite_writer *w, void *shared, void (*free_shared)(void *));

/* A checkpoint of the WAL of file through *checkpointer, a connection of the caller's own
 * (opened at the first call, and again after one that could not be): PASSIVE, so that the
 * commits of other connections go on beside it.  Under a steady stream of commits such a
 * checkpoint never catches up with the last commit, or catches up only after the next
 * transaction began (which then cannot restart the WAL: it reads it), so no commit restarts the
 * WAL from its beginning and it grows without end (the database's to 250 MB in a minute of
 * writes, to 30 GB in `braid demo --people 1000000`) — and a sync that grows the file costs
 * about ten times one that rewrites it (3-4 ms against 0.3).  So past max_pages it finishes the
 * job once more between hold(ctx) and release(ctx), which hold the commits back; the next
 * commit then restarts the WAL.  A failure is left for the next
 * checkpoint: the WAL grows a little longer, nothing is lost. */
void sqlite_wal_checkpoint(struct sqlite3 **checkpointer, const char *file, int max_pages,
                           void (*hold)(void *ctx), void (*release)(void *ctx), void *ctx);

/* Sets SQLite up for this process, once, before its first connection: without the statistics
 * of its memory use, whose one mutex every allocation of every connection takes (the write
 * lock's holder waited there for the other threads' connections).  Called before each
 * sqlite3_open_v2. */
void sqlite_library_setup(void);

/* *t = now (CLOCK_REALTIME, as pthread's timed waits take) + ms milliseconds. */
void sqlite_deadline_after_ms(struct timespec *t, long ms);

/* fdatasync of a WAL file (of the database, or of its log of reads), through a descriptor opened
 * for it: 0 or an errno (0 when the file is gone: a WAL the last connection to close checkpointed
 * into the database, which it synced first).  Never the database file itself: POSIX locks belong
 * to a process and a file, not to a descriptor, so closing that descriptor would drop every lock
 * this process's connections hold on the database, and another process would take it for one
 * nobody has open (its last connection to close would checkpoint the WAL and delete it under
 * ours).  SQLite takes no POSIX lock on a WAL file. */
int sqlite_wal_sync(const char *wal_file);

/* Takes the write lock, waiting up to timeout_ms: BR_EIO ("the database is busy") after that. */
int sqlite_writer_lock(struct sqlite_writer *w, int timeout_ms, struct br_error *err);

/* ---- changes committed together ----------------------------------------------------------
 * Under a stream of changes, each commit would write the pages the changes share (the ends of
 * the tables they append to, the indexes' upper levels) once more and make a sync of its own:
 * commits come one after another, each finding no sync under way to share.  So the lock's holder,
 * its change made, leaves the transaction open while other writers wait for the lock (and the
 * batch has room): the next makes its change in the same transaction, in a savepoint of its own
 * (its failure undoes only it), and the last of them commits them all — one commit and one sync.
 * A change left in an open transaction returns only once that transaction is committed and
 * synced, or fails with it.  (sqlite.c: commit_any, rollback_any.) */
#define SQLITE_WRITER_BATCH_MAX 16  /* changes in one transaction */
#define SQLITE_WRITER_BATCH_WAIT_MS 100 /* then a change waiting for its batch commits it */

struct sqlite_batch;

/* Whether a transaction was left open for the lock's next holder (the caller holds the lock). */
bool sqlite_writer_batch_open(struct sqlite_writer *w);

/* Whether the lock's holder, its change made, should leave the transaction open: a writer waits
 * for the lock and the batch has room. */
bool sqlite_writer_batch_goes_on(struct sqlite_writer *w);

/* Counts the holder's change into the transaction left open (a batch begins with the first) and
 * returns the batch, for sqlite_writer_batch_wait; the holder then gives the lock back. */
struct sqlite_batch *sqlite_writer_batch_join(struct sqlite_writer *w);

/* Called by the lock's holder once its change is made (before it joins the batch or commits):
 * the people the change touched, persons[0..n) — the people its audit entries name.  A change
 * that names no one (n 0, or a person 0) touched what every read may show. */
void sqlite_writer_touch(struct sqlite_writer *w, const int64_t *persons, size_t n);

/* Called by the lock's holder just before it commits: from then on a read may see the commit,
 * which sqlite_writer_last_commit counts until sqlite_writer_batch_end says how it went, and
 * sqlite_writer_last_commit_of for the people its changes touched. */
void sqlite_writer_commit_begins(struct sqlite_writer *w);

/* Called by the lock's holder once the transaction is over: committed (failure NULL), or undone
 * (failure says why, for every change of the batch).  Returns the commit's number, for
 * sqlite_writer_sync (0 for a failure).  This function can't fail. */
uint64_t sqlite_writer_batch_end(struct sqlite_writer *w, const struct br_error *failure);

/* Whether batch is still the transaction left open (the caller holds the lock). */
bool sqlite_writer_batch_is_open(struct sqlite_writer *w, const struct sqlite_batch *batch);

/* Waits up to timeout_ms for the end of batch (from sqlite_writer_batch_join): true once it has
 * ended, with *rc 0 and *commit its commit's number, or *rc and err its failure; false while it
 * is still open (then wait again, or commit it: sqlite_writer_batch_is_open). */
bool sqlite_writer_batch_wait(struct sqlite_writer *w, struct sqlite_batch *batch, int timeout_ms,
                              int *rc, uint64_t *commit, struct br_error *err);

/* The number of the last commit a read that ended before the call could have seen: the commit
 * under way counts (sqlite_writer_commit_begins), and sqlite_writer_sync waits for it to end.
 * It takes no write lock, so a read does not queue behind the writers. */
uint64_t sqlite_writer_last_commit(struct sqlite_writer *w);

/* The same for a read that shows one person only: the last commit, not yet known durable, of a
 * change that touched them or named no one (sqlite_writer_touch) — 0 when there is none.  So a
 * read of one person waits for no other person's changes. */
uint64_t sqlite_writer_last_commit_of(struct sqlite_writer *w, int64_t person_id);

/* Asks the writer's thread to checkpoint the WAL into the database file (PASSIVE: it waits for
 * no reader or writer), so that no commit does it on a request's time: the connections of a
 * writer hand their checkpoints to it (sqlite_writer_wal_hook).  This function can't fail. */
void sqlite_writer_checkpoint_soon(struct sqlite_writer *w);

/* Called by the lock's holder right after a commit, with no transaction open, on the connection
 * it commits through (db): when the writer's thread has checkpointed the bulk of the WAL, copies
 * the frames committed since, so that the next transaction, finding the WAL wholly copied,
 * restarts it from its beginning.  A checkpoint running beside the commits never gets there
 * (sqlite_wal_checkpoint), and one that does not restart the WAL leaves it past
 * SQLITE_WRITER_CHECKPOINT_PAGES, each commit then asking for one more, with two syncs each.
 * What is left to copy is a few commits' pages.  A failure is left for the next checkpoint. */
void sqlite_writer_checkpoint_finish(struct sqlite_writer *w, struct sqlite3 *db);

/* A sqlite3_wal_hook for the connections of writer w (the ctx): past SQLITE_WRITER_CHECKPOINT_PAGES
 * pages in the WAL it asks for a checkpoint, once until it is finished.  Installing it turns
 * SQLite's own automatic checkpoints off for that connection. */
int sqlite_writer_wal_hook(void *w, struct sqlite3 *db, const char *name, int pages);

/* Whether commit number commit is on disk. */
bool sqlite_writer_durable(struct sqlite_writer *w, uint64_t commit);

void sqlite_writer_unlock(struct sqlite_writer *w);

/* Returns once the WAL has been synced after commit number commit (made by this writer's lock
 * holder): 0, or BR_EIO when a sync failed — after which no commit of the file is counted durable
 * any more, since the kernel may have dropped the pages it could not write.  A commit still under
 * way is waited for; one that failed leaves only the commits before it to wait for. */
int sqlite_writer_sync(struct sqlite_writer *w, uint64_t commit, struct br_error *err);

/* How many syncs of the WAL sqlite_writer_sync has begun: one may cover many commits. */
uint64_t sqlite_writer_syncs(struct sqlite_writer *w);

#endif
