/* exit.c — periods of participation and the common exit (RULES.md §3-5).
 *
 * For each exit group, the group's qualifying services that have started by the as-of date are
 * walked in start order.  A service joins the current period when it starts before the period's
 * soft-exit day (L + 91, moved by planned gaps); otherwise the period has exited on L and the
 * service opens a new one.  The latest period is then judged as of the date: held by an open
 * service, a future service or a planned gap, still counting down, or exited. */
#include "core/exit.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"

#define DATE_OPEN_ENDED INT32_MAX

/* One period of participation of one exit group. */
struct exit_span {
    int32_t first_start;     /* start of its first qualifying service */
    int32_t last_service_on; /* L, over the ended qualifying services; DATE_NONE if none ended */
    int last_service;
    int open_service;        /* first qualifying service still open, or -1 */
    int32_t soft_exit_on;    /* set once the period is judged */
    int holding_gap;
    enum exit_status status;
    enum exit_hold held_by;
    int holding_service;
};

/* Everything one group's evaluation needs, to keep the helpers' argument lists short. */
struct group_walk {
    const struct catalog *catalog;
    const struct policy *policy;
    const struct person_record *record;
    struct exit_result *result;
    int key;       /* exit_group_key of the group */
    int ordinal;   /* the group's number in the result */
    size_t n_order, n_gaps, n_spans;
    int future_service;
};

int
exit_group_key(const struct catalog *catalog, int program)
{
    return catalog->programs[program].common_exit ? EXIT_GROUP_COMMON : program;
}

void
exit_result_init(struct exit_result *result)
{
    memset(result, 0, sizeof(*result));
    result->as_of = DATE_NONE;
}

void
exit_result_cleanup(struct exit_result *result)
{
    free(result->periods);
    free(result->stale_services);
    free(result->order);
    free(result->gap_order);
    free(result->spans);
    free(result->involved);
    free(result->entries);
    exit_result_init(result);
}

/* Is the service still open as of the date?  If not, *end_on is the day it (counts as having)
 * ended: its actual end, or — per policy — its projected end once that has passed (RULES.md §4). */
static bool
service_open(const struct policy *policy, const struct service *s, int32_t as_of, int32_t *end_on)
{
    if (s->end_on != DATE_NONE && s->end_on <= as_of) {
        *end_on = s->end_on;
        return false;
    }
    if (s->end_on == DATE_NONE && s->projected_end_on != DATE_NONE && s->projected_end_on < as_of &&
        policy->open_service_past_projected_end == OPEN_SERVICE_ENDS_AT_PROJECTED_END) {
        *end_on = s->projected_end_on;
        return false;
    }
    return true;
}

static bool
service_stale(const struct service *s, int32_t as_of)
{
    return s->start_on <= as_of && s->end_on == DATE_NONE && s->projected_end_on != DATE_NONE &&
           s->projected_end_on < as_of;
}

/* RULES.md §4: the soft exit is determined on the first day on or after L + 91 that no planned gap
 * of the group covers; gaps chain.  *holding_gap is the last gap that moved the day, or -1. */
static int32_t
soft_exit_day(const struct group_walk *w, int32_t last_service_on, int *holding_gap)
{
    const struct planned_gap *gaps = w->record->gaps;
    int32_t day = last_service_on + w->policy->exit_after_days + 1;
    bool moved = true;

    *holding_gap = -1;
    while (moved) {
        moved = false;
        for (size_t i = 0; i < w->n_gaps; i++) {
            const struct planned_gap *g = &gaps[w->result->gap_order[i]];
            if (g->start_on <= day && day <= g->planned_end_on) {
                day = g->planned_end_on + 1;
                *holding_gap = w->result->gap_order[i];
                moved = true;
            }
        }
    }
    return day;
}

/* Service indexes in start order, ties in input order.  Most people have a few dozen services,
 * where insertion sort is fastest; a long history (a bundle may carry 10,000) goes to qsort. */
#define SORT_INSERTION_MAX 64

struct start_key {
    int32_t start_on;
    int index;
};

static int
compare_start_keys(const void *a, const void *b)
{
    const struct start_key *x = a, *y = b;
    if (x->start_on != y->start_on)
        return x->start_on < y->start_on ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static void
sort_by_start(const struct service *services, int *order, size_t n)
{
    if (n > SORT_INSERTION_MAX) {
        struct start_key *keys = xmalloc(n * sizeof(*keys));
        for (size_t i = 0; i < n; i++)
            keys[i] = (struct start_key){services[order[i]].start_on, order[i]};
        qsort(keys, n, sizeof(*keys), compare_start_keys);
        for (size_t i = 0; i < n; i++)
            order[i] = keys[i].index;
        free(keys);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        int item = order[i];
        size_t j = i;
        while (j > 0 && (services[order[j - 1]].start_on > services[item].start_on ||
                         (services[order[j - 1]].start_on == services[item].start_on &&
                          order[j - 1] > item))) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = item;
    }
}

/* Gathers the group's started qualifying services (sorted), its earliest future one, and its gaps. */
static void
collect_group(struct group_walk *w)
{
    const struct person_record *record = w->record;
    struct exit_result *result = w->result;

    xgrow(&result->order, &result->cap_order, record->n_services, sizeof(int));
    xgrow(&result->gap_order, &result->cap_gap_order, record->n_gaps, sizeof(int));
    w->n_order = 0;
    w->future_service = -1;
    for (size_t i = 0; i < record->n_services; i++) {
        const struct service *s = &record->services[i];
        if (exit_group_key(w->catalog, s->program) != w->key ||
            !w->catalog->services[s->code].prevents_exit)
            continue;
        if (s->start_on > result->as_of) {
            if (w->future_service < 0 || s->start_on < record->services[w->future_service].start_on)
                w->future_service = (int)i;
            continue;
        }
        result->order[w->n_order++] = (int)i;
    }
    sort_by_start(record->services, result->order, w->n_order);

    w->n_gaps = 0;
    for (size_t i = 0; i < record->n_gaps; i++)
        if (exit_group_key(w->catalog, record->gaps[i].program) == w->key)
            result->gap_order[w->n_gaps++] = (int)i;
}

static struct exit_span *
span_open(struct group_walk *w, int32_t first_start)
{
    struct exit_result *result = w->result;
    xgrow(&result->spans, &result->cap_spans, w->n_spans + 1, sizeof(*result->spans));
    struct exit_span *span = &result->spans[w->n_spans++];
    *span = (struct exit_span){
        .first_start = first_start,
        .last_service_on = DATE_NONE,
        .last_service = -1,
        .open_service = -1,
        .soft_exit_on = DATE_NONE,
        .holding_gap = -1,
        .status = EXIT_STATUS_EXITED,
        .held_by = EXIT_HOLD_NONE,
        .holding_service = -1,
    };
    return span;
}

/* Splits the group's qualifying services into periods of participation (RULES.md §4): a service
 * starting on or after the current period's soft-exit day starts a new period. */
static void
build_spans(struct group_walk *w)
{
    const struct service *services = w->record->services;
    struct exit_span *span = NULL;

    w->n_spans = 0;
    for (size_t i = 0; i < w->n_order; i++) {
        int k = w->result->order[i];
        const struct service *s = &services[k];
        if (span != NULL && span->open_service < 0) {
            int gap;
            int32_t soft = soft_exit_day(w, span->last_service_on, &gap);
            if (s->start_on >= soft) {
                span->soft_exit_on = soft;
                span->holding_gap = gap;
                span = NULL;
            }
        }
        if (span == NULL)
            span = span_open(w, s->start_on);

        int32_t end_on;
        if (service_open(w->policy, s, w->result->as_of, &end_on)) {
            if (span->open_service < 0)
                span->open_service = k;
        } else if (span->last_service_on == DATE_NONE || end_on >= span->last_service_on) {
            span->last_service_on = end_on;
            span->last_service = k;
        }
    }
}

/* Judges the group's latest period as of the date, in the precedence of RULES.md §4:
 * an open service, then a future service, then the 90-day clock as moved by planned gaps. */
static void
judge_latest_span(struct group_walk *w)
{
    struct exit_span *span = &w->result->spans[w->n_spans - 1];
    if (span->open_service >= 0) {
        span->status = EXIT_STATUS_ACTIVE;
        span->held_by = EXIT_HOLD_OPEN_SERVICE;
        span->holding_service = span->open_service;
        return;
    }
    if (w->future_service >= 0) {
        /* 20 CFR 677.150(c): no exit while the participant is scheduled for future services. */
        span->status = EXIT_STATUS_ACTIVE;
        span->held_by = EXIT_HOLD_FUTURE_SERVICE;
        span->holding_service = w->future_service;
        return;
    }
    span->soft_exit_on = soft_exit_day(w, span->last_service_on, &span->holding_gap);
    if (span->soft_exit_on <= w->result->as_of) {
        span->status = EXIT_STATUS_EXITED;
        return;
    }
    span->status = EXIT_STATUS_ACTIVE;
    if (span->holding_gap >= 0)
        span->held_by = EXIT_HOLD_PLANNED_GAP;
}

static int32_t
earliest(int32_t a, int32_t b)
{
    if (a == DATE_NONE)
        return b;
    if (b == DATE_NONE)
        return a;
    return a < b ? a : b;
}

/* The first day after as_of on which the group's determination changes by the calendar alone:
 * a scheduled service starts, an open service reaches its end, an open service's projected end
 * passes (when policy ends it there), or the soft exit is determined.  The store keeps this date
 * so the nightly run re-examines only the people it names (RULES.md §4). */
static int32_t
group_review_on(const struct group_walk *w)
{
    const struct person_record *record = w->record;
    int32_t as_of = w->result->as_of;
    int32_t review = DATE_NONE;

    for (size_t i = 0; i < record->n_services; i++) {
        const struct service *s = &record->services[i];
        const struct service_code *code = &w->catalog->services[s->code];
        if (exit_group_key(w->catalog, s->program) != w->key ||
            !(code->prevents_exit || code->triggers_participation))
            continue;
        if (s->start_on > as_of) {
            review = earliest(review, s->start_on);
            continue;
        }
        if (!code->prevents_exit)
            continue;
        if (s->end_on != DATE_NONE && s->end_on > as_of)
            review = earliest(review, s->end_on);
        else if (s->end_on == DATE_NONE && s->projected_end_on != DATE_NONE &&
                 s->projected_end_on >= as_of &&
                 w->policy->open_service_past_projected_end == OPEN_SERVICE_ENDS_AT_PROJECTED_END)
            review = earliest(review, s->projected_end_on + 1);
    }
    if (w->n_spans > 0) {
        const struct exit_span *latest = &w->result->spans[w->n_spans - 1];
        if (latest->status == EXIT_STATUS_ACTIVE && latest->soft_exit_on != DATE_NONE)
            review = earliest(review, latest->soft_exit_on);
    }
    return review;
}

/* RULES.md §3: a person known to a program — by an eligibility determination or any service in
 * it, self-service included — is at least a reportable individual for it.  Fills
 * result->involved for every program, in one pass over the services. */
static void
find_involved(const struct catalog *catalog, const struct person_record *record,
              struct exit_result *result)
{
    xgrow(&result->involved, &result->cap_involved, catalog->n_programs, sizeof(bool));
    for (size_t p = 0; p < catalog->n_programs; p++)
        result->involved[p] = person_record_eligibility(record, (int)p) != DATE_NONE;
    for (size_t i = 0; i < record->n_services; i++)
        result->involved[record->services[i].program] = true;
}

/* Each program of the group's first participation-triggering service starting in [from, until)
 * and by as_of, into result->entries (DATE_NONE for none), in one pass over the services. */
static void
find_entries(const struct group_walk *w, int32_t from, int32_t until)
{
    const struct person_record *record = w->record;
    struct exit_result *result = w->result;

    xgrow(&result->entries, &result->cap_entries, w->catalog->n_programs, sizeof(int32_t));
    int32_t *entries = result->entries;
    for (size_t p = 0; p < w->catalog->n_programs; p++)
        entries[p] = DATE_NONE;
    for (size_t i = 0; i < record->n_services; i++) {
        const struct service *s = &record->services[i];
        if (exit_group_key(w->catalog, s->program) != w->key ||
            !w->catalog->services[s->code].triggers_participation)
            continue;
        if (s->start_on < from || s->start_on >= until || s->start_on > result->as_of)
            continue;
        if (entries[s->program] == DATE_NONE || s->start_on < entries[s->program])
            entries[s->program] = s->start_on;
    }
}

static int
gaps_between(const struct group_walk *w, int32_t from, int32_t until)
{
    int n = 0;
    for (size_t i = 0; i < w->n_gaps; i++) {
        int32_t start = w->record->gaps[w->result->gap_order[i]].start_on;
        if (start >= from && start < until)
            n++;
    }
    return n;
}

static struct exit_period *
period_add(struct exit_result *result)
{
    xgrow(&result->periods, &result->cap_periods, result->n_periods + 1,
          sizeof(*result->periods));
    return &result->periods[result->n_periods++];
}

/* Emits one exit_period per program per period, then a reportable entry for each involved
 * program that never entered. */
static void
emit_periods(struct group_walk *w)
{
    const struct catalog *catalog = w->catalog;
    struct exit_result *result = w->result;
    size_t first_emitted = result->n_periods;
    int32_t from = INT32_MIN;
    int32_t review_on = group_review_on(w);

    for (size_t k = 0; k < w->n_spans; k++) {
        const struct exit_span *span = &result->spans[k];
        bool latest = k + 1 == w->n_spans;
        int32_t until = span->soft_exit_on != DATE_NONE ? span->soft_exit_on : DATE_OPEN_ENDED;
        if (latest && span->status == EXIT_STATUS_ACTIVE)
            until = DATE_OPEN_ENDED;
        int gaps = gaps_between(w, from, until);

        find_entries(w, from, until);
        for (size_t p = 0; p < catalog->n_programs; p++) {
            int32_t entry = result->entries[p];
            if (entry == DATE_NONE) /* not in the group, or did not enter in this period */
                continue;
            struct exit_period *out = period_add(result);
            *out = (struct exit_period){
                .program = (int)p,
                .group = w->ordinal,
                .period = (int)k + 1,
                .status = span->status,
                .entry_on = entry,
                .exit_on = span->status == EXIT_STATUS_EXITED ? span->last_service_on : DATE_NONE,
                .last_service_on = span->last_service_on,
                .last_service = span->last_service,
                .held_by = span->held_by,
                .holding_service = span->holding_service,
                .holding_gap = span->holding_gap,
                .soft_exit_on = span->soft_exit_on,
                .days_remaining = -1,
                .days_without_service = -1,
                .gaps_in_period = gaps,
                .gap_review = gaps >= w->policy->gap_review_count,
                .review_on = latest ? review_on : DATE_NONE,
            };
            if (span->status == EXIT_STATUS_EXITED)
                out->days_remaining = 0;
            else if (span->soft_exit_on != DATE_NONE)
                out->days_remaining = span->soft_exit_on - result->as_of;
            if (latest && span->last_service_on != DATE_NONE &&
                span->last_service_on <= result->as_of)
                out->days_without_service = result->as_of - span->last_service_on;
        }
        from = until;
    }

    for (size_t p = 0; p < catalog->n_programs; p++) {
        if (exit_group_key(catalog, (int)p) != w->key || !result->involved[p])
            continue;
        bool entered = false;
        for (size_t i = first_emitted; i < result->n_periods && !entered; i++)
            entered = result->periods[i].program == (int)p;
        if (entered)
            continue;
        *period_add(result) = (struct exit_period){
            .program = (int)p,
            .group = w->ordinal,
            .period = 0,
            .status = EXIT_STATUS_REPORTABLE,
            .entry_on = DATE_NONE,
            .exit_on = DATE_NONE,
            .last_service_on = DATE_NONE,
            .last_service = -1,
            .held_by = EXIT_HOLD_NONE,
            .holding_service = -1,
            .holding_gap = -1,
            .soft_exit_on = DATE_NONE,
            .days_remaining = -1,
            .days_without_service = -1,
            .review_on = review_on,
        };
    }
}

static void
determine_group(struct group_walk *w)
{
    collect_group(w);
    build_spans(w);
    if (w->n_spans > 0)
        judge_latest_span(w);
    emit_periods(w);
}

static bool
group_involved(const struct catalog *catalog, const struct exit_result *result, int key)
{
    for (size_t p = 0; p < catalog->n_programs; p++)
        if (exit_group_key(catalog, (int)p) == key && result->involved[p])
            return true;
    return false;
}

void
exit_determine(const struct catalog *catalog, const struct policy *policy,
               const struct person_record *record, int32_t as_of, struct exit_result *result)
{
    result->as_of = as_of;
    result->n_periods = 0;
    result->n_stale = 0;

    for (size_t i = 0; i < record->n_services; i++) {
        if (!service_stale(&record->services[i], as_of))
            continue;
        xgrow(&result->stale_services, &result->cap_stale, result->n_stale + 1, sizeof(int));
        result->stale_services[result->n_stale++] = (int)i;
    }

    find_involved(catalog, record, result);
    struct group_walk w = {
        .catalog = catalog,
        .policy = policy,
        .record = record,
        .result = result,
    };
    /* The common-exit group first, then each other program's own group in catalog order. */
    for (int p = -1; p < (int)catalog->n_programs; p++) {
        int key = p < 0 ? EXIT_GROUP_COMMON : p;
        if (p >= 0 && catalog->programs[p].common_exit)
            continue;
        if (!group_involved(catalog, result, key))
            continue;
        w.key = key;
        determine_group(&w);
        w.ordinal++;
    }
}

bool
exit_manual_stands(const struct exit_period *p, const struct exit_manual *m)
{
    return p->status != EXIT_STATUS_REPORTABLE && p->program == m->program &&
           p->period == m->period && p->last_service_on != DATE_NONE &&
           p->last_service_on == m->exit_on && p->held_by == EXIT_HOLD_NONE;
}

bool
exit_manual_apply_period(struct exit_period *p, int32_t as_of, const struct exit_manual *manual,
                         size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct exit_manual *m = &manual[i];
        if (m->determined_on > as_of || !exit_manual_stands(p, m))
            continue;
        /* RULES.md §4 "Manual exit": exited from that day on, with exit date L. */
        p->status = EXIT_STATUS_EXITED;
        p->exit_on = p->last_service_on;
        p->days_remaining = 0;
        p->review_on = DATE_NONE;
        p->manual = true;
        p->manual_on = m->determined_on;
        snprintf(p->manual_reason, sizeof(p->manual_reason), "%s",
                 m->reason != NULL ? m->reason : "");
        return true;
    }
    return false;
}

void
exit_apply_manual(struct exit_result *result, const struct exit_manual *manual, size_t n)
{
    for (size_t i = 0; i < result->n_periods && n > 0; i++)
        exit_manual_apply_period(&result->periods[i], result->as_of, manual, n);
}

const char *
exit_status_name(enum exit_status status)
{
    switch (status) {
    case EXIT_STATUS_REPORTABLE:
        return "reportable";
    case EXIT_STATUS_ACTIVE:
        return "active";
    case EXIT_STATUS_EXITED:
        return "exited";
    }
    return "unknown";
}

const char *
exit_hold_name(enum exit_hold hold)
{
    switch (hold) {
    case EXIT_HOLD_NONE:
        return NULL;
    case EXIT_HOLD_OPEN_SERVICE:
        return "open_service";
    case EXIT_HOLD_FUTURE_SERVICE:
        return "future_service";
    case EXIT_HOLD_PLANNED_GAP:
        return "planned_gap";
    }
    return NULL;
}

const struct exit_period *
exit_latest_period(const struct exit_result *result, int program)
{
    const struct exit_period *latest = NULL;
    for (size_t i = 0; i < result->n_periods; i++) {
        const struct exit_period *p = &result->periods[i];
        if (p->program == program && (latest == NULL || p->period > latest->period))
            latest = p;
    }
    return latest;
}

int32_t
exit_period_from(const struct exit_result *result, int group, int period)
{
    /* Period k begins on the day period k - 1's soft exit was determined (emit_periods); a
     * period in which no program entered is passed over for the one before it. */
    int32_t from = DATE_NONE;
    int best = 0;
    for (size_t i = 0; i < result->n_periods; i++) {
        const struct exit_period *p = &result->periods[i];
        if (p->group != group || p->period < 1 || p->period >= period || p->period < best)
            continue;
        if (p->soft_exit_on == DATE_NONE)
            continue;
        if (p->period > best || from == DATE_NONE || p->soft_exit_on > from)
            from = p->soft_exit_on;
        best = p->period;
    }
    return from;
}
