#include "app/exit_run.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/records.h"
#include "core/date.h"
#include "core/mem.h"

#define APPLY_BATCH 500 /* people per transaction in the nightly run */
#define MAX_CLOCKS 64
#define APPLY_READ_AHEAD_MIN 100 /* fewer people due than this: the run's own connection reads */

struct id_list {
    int64_t *ids;
    size_t n, cap;
};

static int
collect_id(void *ctx, int64_t person_id)
{
    struct id_list *list = ctx;
    xgrow(&list->ids, &list->cap, list->n + 1, sizeof(*list->ids));
    list->ids[list->n++] = person_id;
    return 0;
}

/* Loads the person's record into app->record and determines their exits as of as_of into
 * result, as the nightly run examines each person due. */
static int
load_and_determine(struct app *app, int64_t person_id, int32_t as_of, struct exit_result *result,
                   struct br_error *err)
{
    int rc = app->store->ops->record_load(app->store, &app->catalog, person_id, &app->record, err);
    if (rc == 0)
        exit_determine(&app->catalog, &app->policy, &app->record, as_of, result);
    return rc;
}

/* The reading side of a nightly run on two connections: while the run's own connection writes
 * the people of a batch one by one, this one loads and determines the people after them, on the
 * other processor.  It reads a batch only while the run holds the write lock for it, and so sees
 * what a load inside the batch's transaction would: no other writer can commit before the batch
 * does, and the run writes no record, only exits, clocks, plans and the audit log. */
struct read_ahead {
    struct app app; /* its own connection to the database */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed; /* signalled on every change of the fields below */
    const int64_t *ids;     /* the batch's people; NULL between batches */
    size_t n;
    size_t ready; /* results[0..ready) are determined */
    bool busy;    /* reading ids[ready], outside the lock */
    bool stopping;
    int rc; /* reading failed: err says why, and ready stays where it is */
    struct br_error err;
    int32_t as_of;
    struct exit_result results[APPLY_BATCH];
};

static void *
read_ahead_main(void *arg)
{
    struct read_ahead *r = arg;

    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (!r->stopping && (r->ids == NULL || r->ready == r->n || r->rc != 0))
            pthread_cond_wait(&r->changed, &r->lock);
        if (r->stopping)
            break;
        size_t i = r->ready;
        int64_t person_id = r->ids[i];
        r->busy = true;
        pthread_mutex_unlock(&r->lock);

        struct br_error err;
        br_error_clear(&err);
        int rc = load_and_determine(&r->app, person_id, r->as_of, &r->results[i], &err);

        pthread_mutex_lock(&r->lock);
        r->busy = false;
        if (rc != 0) {
            r->rc = rc;
            r->err = err;
        } else {
            r->ready++;
        }
        pthread_cond_broadcast(&r->changed);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static void
read_ahead_free(struct read_ahead *r)
{
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->changed);
    for (size_t i = 0; i < APPLY_BATCH; i++)
        exit_result_cleanup(&r->results[i]);
    app_close(&r->app);
    free(r);
}

/* Opens the second connection and starts its thread; NULL when either fails (a database in
 * memory has no second connection: it opens an empty one, without a catalog), and the run then
 * reads through its own connection. */
static struct read_ahead *
read_ahead_start(const struct app *app, int32_t as_of)
{
    struct read_ahead *r = xcalloc(1, sizeof(*r));
    struct br_error err;

    if (app_open(&r->app, app->db_path, &err) != 0) {
        free(r);
        return NULL;
    }
    r->as_of = as_of;
    for (size_t i = 0; i < APPLY_BATCH; i++)
        exit_result_init(&r->results[i]);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->changed, NULL);
    if (pthread_create(&r->thread, NULL, read_ahead_main, r) != 0) {
        read_ahead_free(r);
        return NULL;
    }
    return r;
}

static void
read_ahead_stop(struct read_ahead *r)
{
    pthread_mutex_lock(&r->lock);
    r->stopping = true;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    read_ahead_free(r);
}

/* Hands the reader the people of a batch whose write transaction is open. */
static void
read_ahead_batch(struct read_ahead *r, const int64_t *ids, size_t n)
{
    pthread_mutex_lock(&r->lock);
    r->ids = ids;
    r->n = n;
    r->ready = 0;
    r->rc = 0;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

/* Ends the batch before its transaction does, whether it went well or not: the reader reads no
 * further, and the person it was reading is finished. */
static void
read_ahead_batch_end(struct read_ahead *r)
{
    pthread_mutex_lock(&r->lock);
    r->ids = NULL;
    while (r->busy)
        pthread_cond_wait(&r->changed, &r->lock);
    pthread_mutex_unlock(&r->lock);
}

/* The determination of the batch's k-th person, person_id: from the reader when there is one,
 * else loaded and determined here, into app->exits. */
static int
determine_due(struct app *app, struct read_ahead *reader, size_t k, int64_t person_id,
              int32_t as_of, struct exit_result **out, struct br_error *err)
{
    if (reader == NULL) {
        *out = &app->exits;
        return load_and_determine(app, person_id, as_of, &app->exits, err);
    }
    pthread_mutex_lock(&reader->lock);
    while (reader->ready <= k && reader->rc == 0)
        pthread_cond_wait(&reader->changed, &reader->lock);
    int rc = reader->ready > k ? 0 : reader->rc;
    if (rc != 0)
        *err = reader->err;
    pthread_mutex_unlock(&reader->lock);
    *out = &reader->results[k];
    return rc;
}

static int
apply_batch(struct app *app, struct read_ahead *reader, const struct id_list *due, size_t from,
            size_t to, int32_t as_of, struct exit_run_report *report, struct br_error *err)
{
    struct exit_sync_counts counts = {0};
    struct plan_exit_result plan;
    struct exit_result *exits = NULL;
    long plans_closed = 0;
    int rc = app->store->ops->begin(app->store, err);
    if (rc != 0)
        return rc;
    if (reader != NULL)
        read_ahead_batch(reader, due->ids + from, to - from);
    for (size_t i = from; i < to && rc == 0; i++) {
        rc = determine_due(app, reader, i - from, due->ids[i], as_of, &exits, err);
        if (rc != 0)
            break;
        long recorded = counts.recorded;
        rc = app_sync_exits(app, due->ids[i], exits, report->run_id, &counts, err);
        /* RULES.md §4 end: at exit the IEP/ISS closes (records.h), in the same transaction. */
        if (rc == 0 && counts.recorded > recorded &&
            (rc = app_close_plan_at_group_exit(app, due->ids[i], exits, &plan, err)) == 0 &&
            plan.plan_id != 0)
            plans_closed++;
    }
    if (reader != NULL)
        read_ahead_batch_end(reader);
    if (rc != 0) {
        app->store->ops->rollback(app->store);
        return rc;
    }
    if ((rc = app->store->ops->commit(app->store, err)) != 0)
        return rc;
    report->examined += (long)(to - from);
    report->recorded += counts.recorded;
    report->reopened += counts.reopened;
    report->plans_closed += plans_closed;
    return 0;
}

static int
apply_due(struct app *app, int32_t as_of, int threads, struct exit_run_report *report,
          app_progress_fn progress, void *progress_ctx, struct br_error *err)
{
    struct id_list due = {0};
    struct store *st = app->store;
    struct read_ahead *reader = NULL;
    int rc;

    memset(report, 0, sizeof(*report));
    if ((rc = st->ops->clocks_due(st, as_of, collect_id, &due, err)) != 0)
        goto out;
    if (threads > 1 && due.n >= APPLY_READ_AHEAD_MIN)
        reader = read_ahead_start(app, as_of);
    if ((rc = st->ops->begin(st, err)) != 0)
        goto out;
    if ((rc = st->ops->exit_run_begin(st, as_of, &report->run_id, err)) != 0 ||
        (rc = st->ops->commit(st, err)) != 0) {
        st->ops->rollback(st);
        goto out;
    }
    for (size_t from = 0; from < due.n; from += APPLY_BATCH) {
        size_t to = from + APPLY_BATCH < due.n ? from + APPLY_BATCH : due.n;
        if ((rc = apply_batch(app, reader, &due, from, to, as_of, report, err)) != 0)
            goto out;
        if (progress)
            progress(progress_ctx, (long)to, (long)due.n);
    }
    if ((rc = st->ops->begin(st, err)) != 0)
        goto out;
    char day[DATE_TEXT_SIZE];
    json_t *summary = json_pack("{s:s, s:I, s:i, s:i, s:i, s:i}", "as_of",
                                date_format(as_of, day), "run_id", (json_int_t)report->run_id,
                                "examined", (int)report->examined, "recorded",
                                (int)report->recorded, "reopened", (int)report->reopened,
                                "plans_closed", (int)report->plans_closed);
    char *text = json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(summary);
    struct audit_entry entry = {.action = "exit.run", .entity = "exit_run",
                                .entity_id = report->run_id, .after = text};
    rc = st->ops->exit_run_finish(st, report->run_id, report->examined, report->recorded,
                                  report->reopened, err);
    if (rc == 0)
        rc = st->ops->audit_append(st, &entry, err);
    free(text);
    if (rc != 0) {
        st->ops->rollback(st);
        goto out;
    }
    rc = st->ops->commit(st, err);
out:
    if (reader != NULL)
        read_ahead_stop(reader);
    free(due.ids);
    return rc;
}

/* The run's commits do not wait one by one for the sync of the WAL that makes them durable: one
 * sync at the end covers them all (the WAL is written in order), where a sync a batch made a
 * first run at 1M people wait for 1,054 of them.  Until then a power cut may undo the batches
 * since the last sync, never part of one, and the next run records them again. */
int
app_exits_apply(struct app *app, int32_t as_of, int threads, struct exit_run_report *report,
                app_progress_fn progress, void *progress_ctx, struct br_error *err)
{
    struct br_error sync_err;

    app_durability_deferred(app, true);
    int rc = apply_due(app, as_of, threads, report, progress, progress_ctx, err);
    app_durability_deferred(app, false);
    /* What was committed is made durable even when the run failed after it. */
    int synced = app_durable_wait(app, app_durable_pending(app), rc == 0 ? err : &sync_err);
    return rc != 0 ? rc : synced;
}

/* ---- verify ---------------------------------------------------------------------------------- */

#define VERIFY_MAX_THREADS 16
#define VERIFY_PEOPLE_PER_THREAD 1000 /* fewer people than this a thread: one connection does */
#define VERIFY_STOPPED 1               /* a worker stopped because another one failed */

/* What the workers of one verify share. */
struct verify_shared {
    app_mismatch_fn mismatch;
    void *ctx;
    app_progress_fn progress;
    void *progress_ctx;
    pthread_mutex_t lock; /* the two callbacks are called under it, one thread at a time */
    atomic_long seen;
    atomic_bool failed; /* a worker failed: the others stop at their next person */
};

/* One connection's share of the people: its own app (the caller's for the first worker). */
struct verify_worker {
    struct verify_shared *shared;
    struct app *app;
    struct app own;
    bool opened;  /* own is open */
    bool started; /* its thread runs (the first worker runs in the caller's) */
    struct store_scan scan;
    struct exit_run_report report;
    struct br_error err;
    int rc;
    pthread_t thread;
};

static void
describe_clock(const struct catalog *catalog, const struct stored_clock *c, char *buf,
               size_t size)
{
    char l[DATE_TEXT_SIZE], s[DATE_TEXT_SIZE], r[DATE_TEXT_SIZE];
    const char *group = c->group_key == EXIT_GROUP_COMMON ? "COMMON"
                                                          : catalog->programs[c->group_key].code;
    const char *held = exit_hold_name(c->held_by);
    snprintf(buf, size, "%s period %d %s last %s soft %s held %s review %s", group, c->period,
             exit_status_name(c->status), date_format(c->last_service_on, l),
             date_format(c->soft_exit_on, s), held ? held : "-", date_format(c->review_on, r));
}

static bool
clocks_equal(const struct stored_clock *a, const struct stored_clock *b)
{
    return a->group_key == b->group_key && a->period == b->period && a->status == b->status &&
           a->last_service_on == b->last_service_on && a->soft_exit_on == b->soft_exit_on &&
           a->held_by == b->held_by && a->review_on == b->review_on;
}

static void
report_mismatch(struct verify_worker *w, int64_t person_id, const struct stored_clock *stored,
                size_t n_stored, const struct stored_clock *expected, size_t n_expected)
{
    const struct catalog *catalog = &w->app->catalog;
    struct verify_shared *shared = w->shared;
    char what[512], a[200], b[200];

    w->report.mismatched++;
    if (shared->mismatch == NULL)
        return;
    if (n_stored != n_expected) {
        snprintf(what, sizeof(what), "%zu stored clock(s), %zu expected", n_stored, n_expected);
    } else {
        size_t i = 0;
        while (clocks_equal(&stored[i], &expected[i]))
            i++;
        describe_clock(catalog, &stored[i], a, sizeof(a));
        describe_clock(catalog, &expected[i], b, sizeof(b));
        snprintf(what, sizeof(what), "stored: %s; expected: %s", a, b);
    }
    pthread_mutex_lock(&shared->lock);
    shared->mismatch(shared->ctx, person_id, what);
    pthread_mutex_unlock(&shared->lock);
}

static int
verify_person(void *ctx, const struct stored_person *person, const struct person_record *record,
              const struct stored_exit_state *state)
{
    struct verify_worker *w = ctx;
    struct verify_shared *shared = w->shared;
    struct app *app = w->app;
    const struct stored_clock *stored = state->clocks;
    size_t n_stored = state->n_clocks;
    struct stored_clock expected[MAX_CLOCKS];

    if (atomic_load(&shared->failed))
        return VERIFY_STOPPED;
    int32_t as_of = n_stored > 0 ? stored[0].computed_on : app->today;
    exit_determine(&app->catalog, &app->policy, record, as_of, &app->exits);
    size_t n_expected = app_clocks_from(&app->catalog, &app->exits, state->exits, state->n_exits,
                                        expected, MAX_CLOCKS);
    bool same = n_stored == n_expected;
    for (size_t i = 0; same && i < n_stored; i++)
        same = clocks_equal(&stored[i], &expected[i]);
    if (!same)
        report_mismatch(w, person->id, stored, n_stored, expected, n_expected);
    w->report.examined++;
    long seen = atomic_fetch_add(&shared->seen, 1) + 1;
    if (shared->progress != NULL && seen % 10000 == 0) {
        pthread_mutex_lock(&shared->lock);
        shared->progress(shared->progress_ctx, seen, -1);
        pthread_mutex_unlock(&shared->lock);
    }
    return 0;
}

static void *
verify_thread(void *arg)
{
    struct verify_worker *w = arg;
    w->rc = w->app->store->ops->people_scan(w->app->store, &w->app->catalog, &w->scan,
                                            verify_person, w, &w->err);
    if (w->rc != 0 && w->rc != VERIFY_STOPPED)
        atomic_store(&w->shared->failed, true);
    return NULL;
}

/* Divides ids first..last among n workers; the last one's range is open-ended. */
static void
divide_people(struct verify_worker *workers, int n, int64_t first, int64_t last)
{
    int64_t span = (last - first) / n + 1;
    for (int i = 0; i < n; i++) {
        workers[i].scan.parts = STORE_SCAN_EXIT_STATE;
        workers[i].scan.first_id = i == 0 ? 0 : first + span * i;
        workers[i].scan.last_id = i == n - 1 ? 0 : first + span * (i + 1) - 1;
    }
}

int
app_exits_verify(struct app *app, int threads, struct exit_run_report *report,
                 app_mismatch_fn mismatch, void *ctx, app_progress_fn progress, void *progress_ctx,
                 struct br_error *err)
{
    struct verify_shared shared = {.mismatch = mismatch,
                                   .ctx = ctx,
                                   .progress = progress,
                                   .progress_ctx = progress_ctx};
    int64_t first = 0, last = 0;
    int rc;

    memset(report, 0, sizeof(*report));
    if ((rc = app->store->ops->people_id_bounds(app->store, &first, &last, err)) != 0)
        return rc;
    int64_t people = last - first + 1;
    int n = threads < 1 ? 1 : threads > VERIFY_MAX_THREADS ? VERIFY_MAX_THREADS : threads;
    if (people < (int64_t)n * VERIFY_PEOPLE_PER_THREAD)
        n = people >= 2 * VERIFY_PEOPLE_PER_THREAD ? (int)(people / VERIFY_PEOPLE_PER_THREAD) : 1;

    struct verify_worker *workers = xcalloc((size_t)n, sizeof(*workers));
    pthread_mutex_init(&shared.lock, NULL);
    atomic_init(&shared.seen, 0);
    atomic_init(&shared.failed, false);
    divide_people(workers, n, first, last);
    /* The first worker reads through the caller's connection; each other opens its own. */
    bool setup_failed = false;
    for (int i = 0; i < n; i++) {
        struct verify_worker *w = &workers[i];
        w->shared = &shared;
        br_error_clear(&w->err);
        w->app = app;
        if (i == 0 || setup_failed)
            continue;
        w->app = &w->own;
        if ((w->rc = app_open(&w->own, app->db_path, &w->err)) != 0) {
            setup_failed = true;
            continue;
        }
        w->opened = true;
        if (pthread_create(&w->thread, NULL, verify_thread, w) != 0) {
            w->rc = br_error_set(&w->err, BR_EIO, "cannot start a verify thread");
            setup_failed = true;
            continue;
        }
        w->started = true;
    }
    if (setup_failed)
        atomic_store(&shared.failed, true); /* the started ones stop at their next person */
    else
        verify_thread(&workers[0]);
    for (int i = 1; i < n; i++) {
        if (workers[i].started)
            pthread_join(workers[i].thread, NULL);
    }

    rc = 0;
    for (int i = 0; i < n; i++) {
        struct verify_worker *w = &workers[i];
        report->examined += w->report.examined;
        report->mismatched += w->report.mismatched;
        if (rc == 0 && w->rc != 0 && w->rc != VERIFY_STOPPED) {
            rc = w->rc;
            *err = w->err;
        }
        if (w->opened)
            app_close(&w->own);
    }
    pthread_mutex_destroy(&shared.lock);
    free(workers);
    return rc;
}

/* ---- evaluate -------------------------------------------------------------------------------- */

struct evaluate_walk {
    struct app *app;
    int32_t as_of;
    app_person_exits_fn fn;
    void *ctx;
};

static int
evaluate_person(void *ctx, const struct stored_person *person, const struct person_record *record,
                const struct stored_exit_state *exit_state)
{
    struct evaluate_walk *w = ctx;
    exit_determine(&w->app->catalog, &w->app->policy, record, w->as_of, &w->app->exits);
    /* RULES.md §4 "Manual exit": what every reader of a stored person sees (app.h). */
    app_apply_manual_exits(exit_state->exits, exit_state->n_exits, &w->app->exits);
    return w->fn(w->ctx, person, record, &w->app->exits);
}

int
app_exits_evaluate(struct app *app, int32_t as_of, app_person_exits_fn fn, void *ctx,
                   struct br_error *err)
{
    struct evaluate_walk w = {.app = app, .as_of = as_of, .fn = fn, .ctx = ctx};
    /* The determination reads no facts (only the id or external id of each person), and the
     * recorded exits for the manual ones among them. */
    const struct store_scan everyone = {.parts = STORE_SCAN_EXIT_STATE};
    return app->store->ops->people_scan(app->store, &app->catalog, &everyone, evaluate_person, &w,
                                        err);
}
