#include "app/exit_run.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"

#define APPLY_BATCH 500 /* people per transaction in the nightly run */
#define MAX_CLOCKS 64
#define MAX_RECORDED_EXITS 256

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

static int
apply_batch(struct app *app, const struct id_list *due, size_t from, size_t to, int32_t as_of,
            struct exit_run_report *report, struct br_error *err)
{
    struct exit_sync_counts counts = {0};
    int rc = app->store->ops->begin(app->store, err);
    if (rc != 0)
        return rc;
    for (size_t i = from; i < to && rc == 0; i++) {
        rc = app->store->ops->record_load(app->store, &app->catalog, due->ids[i], &app->record,
                                          err);
        if (rc != 0)
            break;
        exit_determine(&app->catalog, &app->policy, &app->record, as_of, &app->exits);
        rc = app_sync_exits(app, due->ids[i], &app->exits, report->run_id, &counts, err);
    }
    if (rc != 0) {
        app->store->ops->rollback(app->store);
        return rc;
    }
    if ((rc = app->store->ops->commit(app->store, err)) != 0)
        return rc;
    report->examined += (long)(to - from);
    report->recorded += counts.recorded;
    report->reopened += counts.reopened;
    return 0;
}

int
app_exits_apply(struct app *app, int32_t as_of, struct exit_run_report *report,
                app_progress_fn progress, void *progress_ctx, struct br_error *err)
{
    struct id_list due = {0};
    struct store *st = app->store;
    int rc;

    memset(report, 0, sizeof(*report));
    if ((rc = st->ops->clocks_due(st, as_of, collect_id, &due, err)) != 0)
        goto out;
    if ((rc = st->ops->begin(st, err)) != 0)
        goto out;
    if ((rc = st->ops->exit_run_begin(st, as_of, &report->run_id, err)) != 0 ||
        (rc = st->ops->commit(st, err)) != 0) {
        st->ops->rollback(st);
        goto out;
    }
    for (size_t from = 0; from < due.n; from += APPLY_BATCH) {
        size_t to = from + APPLY_BATCH < due.n ? from + APPLY_BATCH : due.n;
        if ((rc = apply_batch(app, &due, from, to, as_of, report, err)) != 0)
            goto out;
        if (progress)
            progress(progress_ctx, (long)to, (long)due.n);
    }
    if ((rc = st->ops->begin(st, err)) != 0)
        goto out;
    char day[DATE_TEXT_SIZE];
    json_t *summary = json_pack("{s:s, s:I, s:i, s:i, s:i}", "as_of", date_format(as_of, day),
                                "run_id", (json_int_t)report->run_id, "examined",
                                (int)report->examined, "recorded", (int)report->recorded,
                                "reopened", (int)report->reopened);
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
    free(due.ids);
    return rc;
}

/* ---- verify ---------------------------------------------------------------------------------- */

struct verify_walk {
    struct app *app;
    struct exit_run_report *report;
    app_mismatch_fn mismatch;
    void *ctx;
    app_progress_fn progress;
    void *progress_ctx;
    struct br_error *err;
    long seen;
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

static int
verify_person(void *ctx, const struct stored_person *person, const struct person_record *record)
{
    struct verify_walk *w = ctx;
    struct app *app = w->app;
    struct stored_clock stored[MAX_CLOCKS], expected[MAX_CLOCKS];
    struct recorded_exit recorded[MAX_RECORDED_EXITS];
    size_t n_stored = 0, n_recorded = 0;
    char what[512], a[200], b[200];
    int rc;

    if ((rc = app->store->ops->clocks_get(app->store, person->id, stored, MAX_CLOCKS, &n_stored,
                                          w->err)) != 0)
        return rc;
    if ((rc = app->store->ops->exits_get(app->store, person->id, recorded, MAX_RECORDED_EXITS,
                                         &n_recorded, w->err)) != 0)
        return rc;
    int32_t as_of = n_stored > 0 ? stored[0].computed_on : app->today;
    exit_determine(&app->catalog, &app->policy, record, as_of, &app->exits);
    size_t n_expected = app_clocks_from(&app->catalog, &app->exits, recorded, n_recorded, expected,
                                        MAX_CLOCKS);

    bool same = n_stored == n_expected;
    for (size_t i = 0; same && i < n_stored; i++)
        same = clocks_equal(&stored[i], &expected[i]);
    if (!same) {
        w->report->mismatched++;
        if (n_stored != n_expected) {
            snprintf(what, sizeof(what), "%zu stored clock(s), %zu expected", n_stored,
                     n_expected);
        } else {
            size_t i = 0;
            while (clocks_equal(&stored[i], &expected[i]))
                i++;
            describe_clock(&app->catalog, &stored[i], a, sizeof(a));
            describe_clock(&app->catalog, &expected[i], b, sizeof(b));
            snprintf(what, sizeof(what), "stored: %s; expected: %s", a, b);
        }
        if (w->mismatch)
            w->mismatch(w->ctx, person->id, what);
    }
    w->report->examined++;
    if (w->progress && ++w->seen % 10000 == 0)
        w->progress(w->progress_ctx, w->seen, -1);
    return 0;
}

int
app_exits_verify(struct app *app, struct exit_run_report *report, app_mismatch_fn mismatch,
                 void *ctx, app_progress_fn progress, void *progress_ctx, struct br_error *err)
{
    memset(report, 0, sizeof(*report));
    struct verify_walk w = {
        .app = app,
        .report = report,
        .mismatch = mismatch,
        .ctx = ctx,
        .progress = progress,
        .progress_ctx = progress_ctx,
        .err = err,
    };
    return app->store->ops->people_scan(app->store, &app->catalog, verify_person, &w, err);
}

/* ---- evaluate -------------------------------------------------------------------------------- */

struct evaluate_walk {
    struct app *app;
    int32_t as_of;
    app_person_exits_fn fn;
    void *ctx;
};

static int
evaluate_person(void *ctx, const struct stored_person *person, const struct person_record *record)
{
    struct evaluate_walk *w = ctx;
    exit_determine(&w->app->catalog, &w->app->policy, record, w->as_of, &w->app->exits);
    return w->fn(w->ctx, person, record, &w->app->exits);
}

int
app_exits_evaluate(struct app *app, int32_t as_of, app_person_exits_fn fn, void *ctx,
                   struct br_error *err)
{
    struct evaluate_walk w = {.app = app, .as_of = as_of, .fn = fn, .ctx = ctx};
    return app->store->ops->people_scan(app->store, &app->catalog, evaluate_person, &w, err);
}
