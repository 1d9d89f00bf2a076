/* bench_exit.c — how fast the exit engine determines exits over a synthetic population.
 *
 * `make bench` runs it at each size (bench/run, step g).  Alone, from the repository root:
 *   make build/bench_exit && build/bench_exit [PEOPLE [AS_OF [CATALOG]]]
 *   (defaults: 200000 2026-11-23 data/catalog.json)
 *
 * Generates PEOPLE people with the demo generator (src/app/demo.c) into batches of BATCH_PEOPLE
 * (memory does not grow with PEOPLE), and times, on one core, over each batch:
 *   - engine: exit_determine() (src/core/exit.c), one call per person, reusing its result;
 *   - peer:   a naive implementation of the same rules as systems often do it — for each program
 *             of the person, collect the program's exit group again, qsort it, walk the periods,
 *             and find the soft-exit day by stepping through planned gaps one day at a time.
 * The two must agree on every program's latest status; disagreements are counted and printed.
 * Only exit determination is timed, not generation.  This is a benchmark, not a test. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/catalog_file.h"
#include "app/demo.h"
#include "core/date.h"
#include "core/exit.h"
#include "core/mem.h"
#include "core/record.h"

#define BATCH_PEOPLE 4096
#define DEFAULT_PEOPLE 200000L

/* One batch of people, their records flattened into three arrays. */
struct batch {
    size_t n_people;
    size_t *first_enrollment, *first_service, *first_gap; /* n_people + 1 offsets each */
    struct enrollment *enrollments;
    size_t n_enrollments, cap_enrollments;
    struct service *services;
    size_t n_services, cap_services;
    struct planned_gap *gaps;
    size_t n_gaps, cap_gaps;
};

struct bench {
    const struct catalog *catalog;
    const struct policy *policy;
    int32_t as_of;
    struct batch batch;
    struct exit_result result;
    struct service *peer_buf; /* the peer's working copy of one group's services */
    size_t cap_peer_buf;
    int32_t *period_from; /* the first day of each period the peer found */
    size_t cap_period_from;
    bool warmed; /* the first batch has run once untimed */
    double engine_seconds, peer_seconds;
    long services, people, statuses, disagreements;
    long exited, active;
    uint64_t engine_checksum, peer_checksum;
};

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The person_record of batch person i: a view into the batch arrays (read only). */
static struct person_record
batch_record(const struct batch *b, size_t i)
{
    struct person_record r;
    memset(&r, 0, sizeof(r));
    r.enrollments = b->enrollments + b->first_enrollment[i];
    r.n_enrollments = r.cap_enrollments = b->first_enrollment[i + 1] - b->first_enrollment[i];
    r.services = b->services + b->first_service[i];
    r.n_services = r.cap_services = b->first_service[i + 1] - b->first_service[i];
    r.gaps = b->gaps + b->first_gap[i];
    r.n_gaps = r.cap_gaps = b->first_gap[i + 1] - b->first_gap[i];
    return r;
}

/* ---- The naive peer ---------------------------------------------------------------------- */

static int
compare_start(const void *a, const void *b)
{
    const struct service *x = a, *y = b;
    return (x->start_on > y->start_on) - (x->start_on < y->start_on);
}

static bool
same_group(const struct catalog *catalog, int a, int b)
{
    bool ca = catalog->programs[a].common_exit, cb = catalog->programs[b].common_exit;
    return ca && cb ? true : a == b;
}

/* Day by day past the clock, while a planned gap of the group covers the day. */
static int32_t
naive_soft_exit(const struct bench *bn, const struct person_record *r, int program, int32_t last)
{
    int32_t day = last + bn->policy->exit_after_days + 1;
    for (;;) {
        bool covered = false;
        for (size_t g = 0; g < r->n_gaps && !covered; g++) {
            const struct planned_gap *gap = &r->gaps[g];
            covered = same_group(bn->catalog, gap->program, program) && gap->start_on <= day &&
                      day <= gap->planned_end_on;
        }
        if (!covered)
            return day;
        day++;
    }
}

/* The status of the program's latest period of participation, or EXIT_STATUS_REPORTABLE. */
static enum exit_status
peer_status(struct bench *bn, const struct person_record *r, int program)
{
    const struct catalog *catalog = bn->catalog;
    int32_t as_of = bn->as_of;
    size_t n = 0, n_periods = 0;
    bool future = false;

    xgrow(&bn->peer_buf, &bn->cap_peer_buf, r->n_services, sizeof(*bn->peer_buf));
    xgrow(&bn->period_from, &bn->cap_period_from, r->n_services, sizeof(*bn->period_from));
    for (size_t i = 0; i < r->n_services; i++) {
        const struct service *s = &r->services[i];
        if (!same_group(catalog, s->program, program) || !catalog->services[s->code].prevents_exit)
            continue;
        if (s->start_on > as_of)
            future = true;
        else
            bn->peer_buf[n++] = *s;
    }
    qsort(bn->peer_buf, n, sizeof(*bn->peer_buf), compare_start);

    /* Walk the group's qualifying services: a start on or after the soft-exit day opens a new
     * period, which begins on that day. */
    int32_t last = DATE_NONE;
    bool open = false;
    for (size_t i = 0; i < n; i++) {
        const struct service *s = &bn->peer_buf[i];
        if (n_periods > 0 && !open && s->start_on >= naive_soft_exit(bn, r, program, last)) {
            bn->period_from[n_periods++] = naive_soft_exit(bn, r, program, last);
            last = DATE_NONE;
        }
        if (n_periods == 0)
            bn->period_from[n_periods++] = INT32_MIN;
        int32_t end = DATE_NONE;
        if (s->end_on != DATE_NONE && s->end_on <= as_of)
            end = s->end_on;
        else if (s->end_on == DATE_NONE && s->projected_end_on != DATE_NONE &&
                 s->projected_end_on < as_of &&
                 bn->policy->open_service_past_projected_end == OPEN_SERVICE_ENDS_AT_PROJECTED_END)
            end = s->projected_end_on;
        if (end == DATE_NONE)
            open = true;
        else if (last == DATE_NONE || end > last)
            last = end;
    }

    /* The latest period the program entered: the one holding its latest triggering service. */
    size_t entered = 0; /* period index + 1; 0 = never entered */
    for (size_t i = 0; i < r->n_services; i++) {
        const struct service *s = &r->services[i];
        if (s->program != program || !catalog->services[s->code].triggers_participation ||
            s->start_on > as_of)
            continue;
        size_t k = n_periods;
        while (k > 0 && bn->period_from[k - 1] > s->start_on)
            k--;
        if (k > entered)
            entered = k;
    }
    if (entered == 0)
        return EXIT_STATUS_REPORTABLE;
    if (entered < n_periods)
        return EXIT_STATUS_EXITED;
    if (open || future)
        return EXIT_STATUS_ACTIVE;
    return naive_soft_exit(bn, r, program, last) <= as_of ? EXIT_STATUS_EXITED : EXIT_STATUS_ACTIVE;
}

/* ---- Running the batch ------------------------------------------------------------------- */

/* The engine over every person of the batch (the checksums keep the compiler from dropping the
 * work). */
static void
engine_pass(struct bench *bn)
{
    for (size_t i = 0; i < bn->batch.n_people; i++) {
        struct person_record r = batch_record(&bn->batch, i);
        exit_determine(bn->catalog, bn->policy, &r, bn->as_of, &bn->result);
        bn->engine_checksum += bn->result.n_periods;
    }
}

/* The peer over every program of every person of the batch. */
static void
peer_pass(struct bench *bn)
{
    for (size_t i = 0; i < bn->batch.n_people; i++) {
        struct person_record r = batch_record(&bn->batch, i);
        for (size_t p = 0; p < bn->catalog->n_programs; p++)
            bn->peer_checksum += peer_status(bn, &r, (int)p);
    }
}

static void
run_batch(struct bench *bn)
{
    struct batch *b = &bn->batch;
    const struct catalog *catalog = bn->catalog;
    enum exit_status engine_status[64];

    /* Untimed, once: the first batch warms the caches and grows the working buffers of both,
     * which would otherwise weigh on small populations (a few batches) alone. */
    if (!bn->warmed) {
        engine_pass(bn);
        peer_pass(bn);
        bn->warmed = true;
    }
    double t0 = now();
    engine_pass(bn);
    double t1 = now();
    peer_pass(bn);
    double t2 = now();
    bn->engine_seconds += t1 - t0;
    bn->peer_seconds += t2 - t1;
    bn->services += (long)b->n_services;

    /* Untimed: do they agree?  The engine's status of each program's latest period. */
    for (size_t i = 0; i < b->n_people; i++) {
        struct person_record r = batch_record(b, i);
        exit_determine(catalog, bn->policy, &r, bn->as_of, &bn->result);
        bool any_active = false, any_exited = false;
        for (size_t p = 0; p < catalog->n_programs && p < 64; p++)
            engine_status[p] = EXIT_STATUS_REPORTABLE;
        for (size_t k = 0; k < bn->result.n_periods; k++) {
            const struct exit_period *e = &bn->result.periods[k];
            if (e->status != EXIT_STATUS_REPORTABLE && e->program < 64)
                engine_status[e->program] = e->status; /* periods come in order: latest wins */
            any_active |= e->status == EXIT_STATUS_ACTIVE;
            any_exited |= e->status == EXIT_STATUS_EXITED;
        }
        bn->active += any_active;
        bn->exited += !any_active && any_exited;
        for (size_t p = 0; p < catalog->n_programs && p < 64; p++) {
            enum exit_status peer = peer_status(bn, &r, (int)p);
            if (engine_status[p] == EXIT_STATUS_REPORTABLE && peer == EXIT_STATUS_REPORTABLE)
                continue;
            bn->statuses++;
            bn->disagreements += peer != engine_status[p];
        }
    }
    b->n_people = 0;
    b->n_enrollments = b->n_services = b->n_gaps = 0;
}

static int
add_person(void *ctx, const struct demo_person *person)
{
    struct bench *bn = ctx;
    struct batch *b = &bn->batch;
    const struct person_record *r = &person->record;

    xgrow(&b->enrollments, &b->cap_enrollments, b->n_enrollments + r->n_enrollments,
          sizeof(*b->enrollments));
    xgrow(&b->services, &b->cap_services, b->n_services + r->n_services, sizeof(*b->services));
    xgrow(&b->gaps, &b->cap_gaps, b->n_gaps + r->n_gaps, sizeof(*b->gaps));
    /* An empty array may be NULL, which memcpy must not see even for 0 bytes. */
    if (r->n_enrollments > 0)
        memcpy(b->enrollments + b->n_enrollments, r->enrollments,
               r->n_enrollments * sizeof(*r->enrollments));
    if (r->n_services > 0)
        memcpy(b->services + b->n_services, r->services, r->n_services * sizeof(*r->services));
    if (r->n_gaps > 0)
        memcpy(b->gaps + b->n_gaps, r->gaps, r->n_gaps * sizeof(*r->gaps));
    b->first_enrollment[b->n_people] = b->n_enrollments;
    b->first_service[b->n_people] = b->n_services;
    b->first_gap[b->n_people] = b->n_gaps;
    b->n_enrollments += r->n_enrollments;
    b->n_services += r->n_services;
    b->n_gaps += r->n_gaps;
    b->n_people++;
    b->first_enrollment[b->n_people] = b->n_enrollments;
    b->first_service[b->n_people] = b->n_services;
    b->first_gap[b->n_people] = b->n_gaps;
    bn->people++;
    if (b->n_people == BATCH_PEOPLE)
        run_batch(bn);
    return 0;
}

int
main(int argc, char **argv)
{
    long people = argc > 1 ? strtol(argv[1], NULL, 10) : DEFAULT_PEOPLE;
    const char *as_of_text = argc > 2 ? argv[2] : "2026-11-23";
    const char *catalog_path = argc > 3 ? argv[3] : "data/catalog.json";
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    struct bench bn;
    int rc = 1;

    br_error_clear(&err);
    memset(&bn, 0, sizeof(bn));
    if (people <= 0) {
        fprintf(stderr, "usage: %s [PEOPLE [AS_OF [CATALOG]]]\n", argv[0]);
        return 2;
    }
    if (date_parse(as_of_text, &bn.as_of) != 0) {
        fprintf(stderr, "bench_exit: %s is not a date (YYYY-MM-DD)\n", as_of_text);
        return 2;
    }
    if (catalog_file_load(catalog_path, &catalog, &policy, &err) != 0) {
        fprintf(stderr, "bench_exit: %s\n", err.message);
        return 2;
    }
    bn.catalog = &catalog;
    bn.policy = &policy;
    exit_result_init(&bn.result);
    bn.batch.first_enrollment = xcalloc(BATCH_PEOPLE + 1, sizeof(size_t));
    bn.batch.first_service = xcalloc(BATCH_PEOPLE + 1, sizeof(size_t));
    bn.batch.first_gap = xcalloc(BATCH_PEOPLE + 1, sizeof(size_t));

    struct demo_options options;
    demo_options_defaults(&options, bn.as_of);
    options.people = people;
    double t0 = now();
    if (demo_generate(&catalog, &policy, &options, add_person, &bn, &err) != 0) {
        fprintf(stderr, "bench_exit: %s\n", err.message);
        goto out;
    }
    if (bn.batch.n_people > 0)
        run_batch(&bn);
    double total = now() - t0;

    double engine_rate = (double)bn.services / bn.engine_seconds;
    double peer_rate = (double)bn.services / bn.peer_seconds;
    printf("people: %ld; services: %ld (%.1f per person); exited %.1f%%, active %.1f%% of "
           "participants\n",
           bn.people, bn.services, (double)bn.services / (double)bn.people,
           100.0 * (double)bn.exited / (double)(bn.exited + bn.active),
           100.0 * (double)bn.active / (double)(bn.exited + bn.active));
    printf("engine: %.0f services/s (%.3f s, %.2f us/person); one core\n", engine_rate,
           bn.engine_seconds, bn.engine_seconds * 1e6 / (double)bn.people);
    printf("peer:   %.0f services/s (%.3f s, %.2f us/person); one core\n", peer_rate,
           bn.peer_seconds, bn.peer_seconds * 1e6 / (double)bn.people);
    printf("engine: %.0f services/s; peer: %.0f services/s; ratio %.2f\n", engine_rate, peer_rate,
           engine_rate / peer_rate);
    printf("agreement: %ld of %ld program statuses (%ld disagreements); whole run %.2f s\n",
           bn.statuses - bn.disagreements, bn.statuses, bn.disagreements, total);
    /* For bench/run (step g). */
    printf("BENCH people=%ld services=%ld engine_seconds=%.6f peer_seconds=%.6f statuses=%ld "
           "disagreements=%ld\n",
           bn.people, bn.services, bn.engine_seconds, bn.peer_seconds, bn.statuses,
           bn.disagreements);
    rc = bn.disagreements == 0 ? 0 : 1;
out:
    exit_result_cleanup(&bn.result);
    free(bn.batch.first_enrollment);
    free(bn.batch.first_service);
    free(bn.batch.first_gap);
    free(bn.batch.enrollments);
    free(bn.batch.services);
    free(bn.batch.gaps);
    free(bn.peer_buf);
    free(bn.period_from);
    catalog_cleanup(&catalog);
    return rc;
}
