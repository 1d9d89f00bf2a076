/* exit_run.h — exit determination over the whole database: the nightly soft-exit run
 * (`braid exits --apply`), the consistency check of stored clocks (`--verify`), and the
 * streaming evaluation of everyone as of a date (`braid exits --db`). */
#ifndef BRAID_APP_EXIT_RUN_H
#define BRAID_APP_EXIT_RUN_H

#include "app/app.h"

struct exit_run_report {
    int64_t run_id;
    long examined;   /* people whose clock was due */
    long recorded;   /* soft exits newly recorded */
    long reopened;   /* recorded exits deleted by late-entered services */
    long plans_closed; /* IEP/ISS closed because the common-exit group exited (records.h) */
    long mismatched; /* --verify: people whose stored clock differs from a recomputation */
};

/* Called now and then with work done and the total (total < 0 when unknown). */
typedef void (*app_progress_fn)(void *ctx, long done, long total);

/* Records the soft exits due as of as_of: only people whose stored clock names a review day on
 * or before as_of are examined (an index range, not a scan).  Idempotent: a second run with the
 * same date records nothing.  Commits in batches; a crash loses at most the batch under way,
 * and a power cut the batches since the last sync of the WAL (one sync ends the run, which
 * returns once all it recorded is on disk); the next run records them again.
 * With threads > 1 (and enough people due), a second connection loads and determines the people
 * ahead of the one writing, on another processor; more than two connections add nothing, since
 * the writes go one at a time.  The exits, clocks and plans are the same either way. */
int app_exits_apply(struct app *app, int32_t as_of, int threads, struct exit_run_report *report,
                    app_progress_fn progress, void *progress_ctx, struct br_error *err);

/* Recomputes every person's clocks from their record (as of the day each was computed) and
 * reports each difference from the stored ones through mismatch.  With threads > 1 the people
 * are divided by id among that many connections to the database, read side by side (each its
 * own snapshot; fewer for a small database); mismatch and progress are then called from those
 * threads, one call at a time. */
typedef void (*app_mismatch_fn)(void *ctx, int64_t person_id, const char *what);
int app_exits_verify(struct app *app, int threads, struct exit_run_report *report,
                     app_mismatch_fn mismatch, void *ctx, app_progress_fn progress,
                     void *progress_ctx, struct br_error *err);

/* Determines every person as of as_of, in id order, handing each result to fn (return non-zero
 * to stop).  Memory does not grow with the number of people. */
typedef int (*app_person_exits_fn)(void *ctx, const struct stored_person *person,
                                   const struct person_record *record,
                                   const struct exit_result *result);
int app_exits_evaluate(struct app *app, int32_t as_of, app_person_exits_fn fn, void *ctx,
                       struct br_error *err);

#endif
