/* alerts_app.c — a person's alerts and an agency's caseload (alerts_app.h). */
#include "app/alerts_app.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "app/access.h"
#include "app/admin.h"
#include "core/date.h"
#include "core/mem.h"

/* What alerts are computed from, besides the record (app->record) and its exits (app->exits).
 * The arrays are reused from person to person, as the store's *_load ops want. */
struct alert_inputs {
    struct stored_person person;
    struct case_note *notes; /* without their bodies (store.h note_heads_load) */
    size_t n_notes, cap_notes;
    struct contact *contacts;
    size_t n_contacts, cap_contacts;
    struct case_plan *plans;
    size_t n_plans, cap_plans;
    struct plan_review *reviews;
    size_t n_reviews, cap_reviews;
    struct recorded_exit *exits; /* ALERTS_MAX_EXITS of them, allocated on first use */
    size_t n_exits;
    struct coenroll_decline *declines;
    size_t n_declines, cap_declines;
    const char **declined; /* the declines' rule ids, as core/coenroll.h reads them */
    size_t cap_declined;
};

#define ALERTS_MAX_EXITS 256 /* recorded exits of one person */
/* A caseload of more people than this gives back, once read, the memory it freed (app_caseload). */
#define CASELOAD_TRIM_PEOPLE 10000

/* What one reader may see of one person, as alert inputs. */
struct alert_reach {
    bool notes, contacts, plans, screen;
    unsigned skip;     /* ALERT_BIT()s not computed */
    unsigned withheld; /* ALERTS_WITHHELD_BIT()s */
};

static const struct alert_reach reach_all = {true, true, true, true, 0, 0};

static void
inputs_cleanup(struct alert_inputs *in)
{
    free(in->notes);
    free(in->contacts);
    free(in->plans);
    free(in->reviews);
    free(in->exits);
    free(in->declines);
    free(in->declined);
    memset(in, 0, sizeof(*in));
}

/* A read: it writes only the audit entries of its access decisions (store.h begin_read). */
static int
begin(struct app *app, struct br_error *err)
{
    return app->store->ops->begin_read(app->store, err);
}

/* Commits on success; on failure commits too (a read writes only audit entries, and a refused
 * disclosure must stay on the record, RULES.md §11), rolling back only if that fails. */
static int
end(struct app *app, int rc, struct br_error *err)
{
    struct br_error ignored;

    if (rc == 0)
        return app->store->ops->commit(app->store, err);
    br_error_clear(&ignored);
    if (app->store->ops->commit(app->store, &ignored) != 0)
        app->store->ops->rollback(app->store);
    return rc;
}

/* Loads the person, their record (into app->record) and what reach allows. */
static int
inputs_load(struct app *app, int64_t person_id, const struct alert_reach *reach,
            bool record_current, struct alert_inputs *in, struct br_error *err)
{
    const struct store_ops *ops = app->store->ops;
    struct store *st = app->store;
    /* app_person_alerts_in loaded the person first (no person, no access decision). */
    int rc = in->person.id == person_id ? 0 : app_person_load(app, person_id, &in->person, err);

    if (rc != 0 || (!record_current && (rc = ops->record_load(st, &app->catalog, person_id,
                                                              &app->record, err)) != 0))
        return rc;
    /* The case file's own parts: manual exits (RULES.md §4) and co-enrollment declines (§6). */
    if (in->exits == NULL)
        in->exits = xcalloc(ALERTS_MAX_EXITS, sizeof(*in->exits));
    if ((rc = ops->exits_get(st, person_id, in->exits, ALERTS_MAX_EXITS, &in->n_exits, err)) != 0 ||
        (rc = ops->declines_load(st, person_id, &in->declines, &in->n_declines, &in->cap_declines,
                                 err)) != 0)
        return rc;
    xgrow(&in->declined, &in->cap_declined, in->n_declines + 1, sizeof(*in->declined));
    for (size_t i = 0; i < in->n_declines; i++)
        in->declined[i] = in->declines[i].rule;
    /* The alerts count notes and never read one: no bodies (store.h note_heads_load). */
    if (reach->notes && (rc = ops->note_heads_load(st, person_id, &in->notes, &in->n_notes,
                                                   &in->cap_notes, err)) != 0)
        return rc;
    if (reach->contacts && (rc = ops->contacts_load(st, person_id, &in->contacts, &in->n_contacts,
                                                    &in->cap_contacts, err)) != 0)
        return rc;
    if (reach->plans && ((rc = ops->plans_load(st, person_id, &in->plans, &in->n_plans,
                                               &in->cap_plans, err)) != 0 ||
                         (rc = ops->plan_reviews_load(st, person_id, &in->reviews, &in->n_reviews,
                                                      &in->cap_reviews, err)) != 0))
        return rc;
    return 0;
}

/* Computes the alerts from what inputs_load loaded under the same reach.  Confidential notes
 * count too: that a service is documented discloses nothing of what the note says.  Can't fail. */
static void
inputs_evaluate(struct app *app, const struct alert_inputs *in, const struct alert_reach *reach,
                int32_t as_of, struct alert_list *out)
{
    exit_determine(&app->catalog, &app->policy, &app->record, as_of, &app->exits);
    app_apply_manual_exits(in->exits, in->n_exits, &app->exits);
    struct alerts_input input = {
        .record = &app->record,
        .exits = &app->exits,
        .facts = reach->screen ? &in->person.facts : NULL,
        .notes = reach->notes ? in->notes : NULL,
        .n_notes = reach->notes ? in->n_notes : 0,
        .contacts = reach->contacts ? in->contacts : NULL,
        .n_contacts = reach->contacts ? in->n_contacts : 0,
        .plans = reach->plans ? in->plans : NULL,
        .n_plans = reach->plans ? in->n_plans : 0,
        .reviews = reach->plans ? in->reviews : NULL,
        .n_reviews = reach->plans ? in->n_reviews : 0,
        .declined = in->declined,
        .n_declined = in->n_declines,
        .skip = reach->skip,
    };
    alerts_compute(&app->catalog, &app->policy, &input, as_of, out);
}

/* Decides (and audits) what the actor may see of the person: the case file or nothing
 * (BR_EFORBIDDEN), then each other area on its own. */
static int
reach_decide(struct app *app, const struct actor *actor, int64_t person_id,
             struct alert_reach *reach, struct br_error *err)
{
    static const struct {
        enum access_area area;
        unsigned skip; /* the alerts that cannot be computed without it */
    } areas[] = {
        {ACCESS_CASE_NOTES, ALERT_BIT(ALERT_NOTE_MISSING) | ALERT_BIT(ALERT_NOTE_LATE)},
        {ACCESS_CONTACTS, ALERT_BIT(ALERT_DISENGAGED) | ALERT_BIT(ALERT_YOUTH_CONTACT)},
        {ACCESS_PLANS, ALERT_BIT(ALERT_PLAN_REVIEW)},
        /* Without the screen, rules that need eligibility (TAA_REQUIRES_DW) are not checked. */
        {ACCESS_SCREEN, 0},
    };
    struct access_basis basis;
    struct access_decision d;
    int rc;

    memset(reach, 0, sizeof(*reach));
    if ((rc = access_require(app, actor, person_id, ACCESS_CASE_FILE, ACCESS_READ, &basis, err)) !=
        0)
        return rc;
    for (size_t i = 0; i < sizeof(areas) / sizeof(areas[0]); i++) {
        access_decide(&basis, areas[i].area, ACCESS_READ, &d);
        if ((rc = access_audit(app, actor, person_id, areas[i].area, ACCESS_READ, &d, err)) != 0)
            return rc;
        bool *allowed = areas[i].area == ACCESS_CASE_NOTES ? &reach->notes
                        : areas[i].area == ACCESS_CONTACTS ? &reach->contacts
                        : areas[i].area == ACCESS_PLANS    ? &reach->plans
                                                           : &reach->screen;
        *allowed = d.allowed;
        if (!d.allowed) {
            reach->skip |= areas[i].skip;
            reach->withheld |= ALERTS_WITHHELD_BIT(areas[i].area);
        }
    }
    return 0;
}

int
app_person_alerts_in(struct app *app, const struct actor *actor, int64_t person_id,
                     int32_t as_of, bool record_current, struct alert_list *out,
                     unsigned *withheld, struct stored_person *person, struct br_error *err)
{
    struct alert_inputs in;
    struct alert_reach reach;
    int rc;

    memset(&in, 0, sizeof(in));
    out->n = 0;
    *withheld = 0;
    if (as_of == DATE_NONE) {
        br_error_field(err, "as_of", "must be a date as YYYY-MM-DD");
        return br_error_set(err, BR_EINVAL, "the alerts cannot be computed");
    }
    rc = app_person_load(app, person_id, &in.person, err);
    if (rc != 0 || (rc = reach_decide(app, actor, person_id, &reach, err)) != 0 ||
        (rc = inputs_load(app, person_id, &reach, record_current, &in, err)) != 0)
        goto out;
    inputs_evaluate(app, &in, &reach, as_of, out);
    *withheld = reach.withheld;
    if (person != NULL)
        *person = in.person;
out:
    if (rc != 0)
        out->n = 0;
    inputs_cleanup(&in);
    return rc;
}

int
app_person_alerts(struct app *app, const struct actor *actor, int64_t person_id, int32_t as_of,
                  struct alert_list *out, unsigned *withheld, struct br_error *err)
{
    int rc;

    out->n = 0;
    *withheld = 0;
    if ((rc = begin(app, err)) != 0)
        return rc;
    rc = app_person_alerts_in(app, actor, person_id, as_of, false, out, withheld, NULL, err);
    return end(app, rc, err);
}

/* ---- caseload ---------------------------------------------------------------------------------
 */

/* A served person's place in the caseload: their most urgent alert and how many they have. */
struct rank {
    int64_t person_id;
    size_t n_alerts;
    struct alert_rank top; /* when n_alerts > 0 */
};

static int
rank_compare(const void *pa, const void *pb)
{
    const struct rank *a = pa, *b = pb;

    if ((a->n_alerts == 0) != (b->n_alerts == 0))
        return a->n_alerts == 0 ? 1 : -1;
    if (a->n_alerts > 0) {
        int c = alert_rank_compare(&a->top, &b->top);
        if (c != 0)
            return c;
    }
    return a->person_id < b->person_id ? -1 : a->person_id > b->person_id;
}

/* Up to cap of the ranks offered: the most urgent (order 1) or the least urgent (order -1).  A
 * heap whose root is the kept rank to give up first, so that a page costs memory for the ranks
 * between it and the nearer end of the caseload, not for everyone on it. */
struct rank_heap {
    struct rank *items;
    size_t n, cap;
    int order;
};

/* Below 0 when a comes before b in the heap's order. */
static int
heap_compare(const struct rank_heap *heap, const struct rank *a, const struct rank *b)
{
    return heap->order * rank_compare(a, b);
}

static void
rank_swap(struct rank *a, struct rank *b)
{
    struct rank t = *a;
    *a = *b;
    *b = t;
}

/* Moves items[at] down among items[0..n) until no child of it comes after it. */
static void
heap_sift_down(const struct rank_heap *heap, size_t n, size_t at)
{
    struct rank *items = heap->items;

    for (size_t child = 2 * at + 1; child < n; at = child, child = 2 * at + 1) {
        if (child + 1 < n && heap_compare(heap, &items[child + 1], &items[child]) > 0)
            child++;
        if (heap_compare(heap, &items[child], &items[at]) <= 0)
            return;
        rank_swap(&items[at], &items[child]);
    }
}

static void
heap_offer(struct rank_heap *heap, const struct rank *rank)
{
    struct rank *items = heap->items;

    if (heap->n < heap->cap) {
        size_t at = heap->n++;
        items[at] = *rank;
        for (; at > 0 && heap_compare(heap, &items[(at - 1) / 2], &items[at]) < 0;
             at = (at - 1) / 2)
            rank_swap(&items[(at - 1) / 2], &items[at]);
    } else if (heap->cap > 0 && heap_compare(heap, rank, &items[0]) < 0) {
        items[0] = *rank;
        heap_sift_down(heap, heap->n, 0);
    }
}

/* Puts the ranks kept in the heap's order (a heapsort, in place). */
static void
heap_sort(struct rank_heap *heap)
{
    for (size_t end = heap->n; end > 1; end--) {
        rank_swap(&heap->items[0], &heap->items[end - 1]);
        heap_sift_down(heap, end - 1, 0);
    }
}

void
app_caseload_cleanup(struct caseload *caseload)
{
    free(caseload->people);
    alert_list_cleanup(&caseload->alerts);
    memset(caseload, 0, sizeof(*caseload));
}

static int
caseload_require(struct app *app, const struct actor *actor, struct br_error *err)
{
    enum access_role role = access_role_of(actor);

    if ((role == ACCESS_ROLE_CASE_MANAGER || role == ACCESS_ROLE_SUPERVISOR) &&
        actor->agency_id != 0)
        return 0;
    json_t *after = json_pack("{s:s, s:s}", "area", "caseload", "mode", "read");
    int rc = access_audit_append(
        app, actor, 0, "access.refuse", "agency", actor != NULL ? actor->agency_id : 0,
        "a caseload is for an agency's case managers and supervisors", after, err);
    if (rc != 0)
        return rc;
    return br_error_set(err, BR_EFORBIDDEN,
                        "a caseload is for an agency's case managers and supervisors");
}

/* What a person's rank was found from. */
enum rank_source {
    RANK_UNKNOWN,          /* not yet: their stored clocks do not answer for as_of */
    RANK_EVALUATED,        /* their alerts were computed: the rank is exact */
    RANK_COUNTDOWN,        /* their clocks show an exit countdown: the rank is exact */
    RANK_AFTER_COUNTDOWNS, /* their clocks show none: they come after every countdown */
};

static bool
is_countdown(const struct rank *rank)
{
    return rank->n_alerts > 0 && rank->top.kind == ALERT_EXIT_COUNTDOWN;
}

/* The rank a person's stored clocks give as of as_of.  A clock holds its determination from the
 * day it was computed until its review day (store.h), so when every clock of the person holds
 * as_of, they tell exactly whether the person has an exit countdown, and its due day
 * (core/alerts.h alert_exit_countdown_due); otherwise the source is RANK_UNKNOWN. */
static enum rank_source
rank_from_clocks(const struct app *app, int64_t id, const struct stored_clock *clocks, size_t n,
                 int32_t as_of, struct rank *rank)
{
    enum rank_source source = RANK_AFTER_COUNTDOWNS;

    *rank = (struct rank){.person_id = id};
    for (size_t i = 0; i < n; i++) {
        const struct stored_clock *c = &clocks[i];
        if (c->computed_on == DATE_NONE || c->computed_on > as_of ||
            (c->review_on != DATE_NONE && c->review_on <= as_of))
            return RANK_UNKNOWN;
        if (!alert_exit_countdown_due(&app->policy, c->status, c->soft_exit_on, as_of) ||
            (source == RANK_COUNTDOWN && c->soft_exit_on >= rank->top.due_on))
            continue;
        source = RANK_COUNTDOWN;
        rank->n_alerts = 1;
        rank->top = (struct alert_rank){
            .kind = ALERT_EXIT_COUNTDOWN, .due_on = c->soft_exit_on, .program = -1, .service = -1};
    }
    return source;
}

/* A caseload being ranked: where each of its people's rank came from, in the caseload's order,
 * the ranks kept for the page so far, and how many people have an exit countdown. */
struct ranking {
    const struct app *app;
    int32_t as_of;
    enum rank_source *known;
    size_t next; /* the person clocks_of_people calls back for next */
    struct rank_heap best;
    size_t n_countdowns;
};

static void
ranking_offer(struct ranking *r, const struct rank *rank)
{
    heap_offer(&r->best, rank);
    r->n_countdowns += is_countdown(rank);
}

/* clocks_of_people's callback: the next person's rank from their clocks, when these answer. */
static int
rank_next_from_clocks(void *ctx, int64_t id, const struct stored_clock *clocks, size_t n)
{
    struct ranking *r = ctx;
    struct rank rank;

    r->known[r->next] = rank_from_clocks(r->app, id, clocks, n, r->as_of, &rank);
    if (r->known[r->next] == RANK_COUNTDOWN)
        ranking_offer(r, &rank);
    r->next++;
    return 0;
}

/* A person's rank: their most urgent alert (alerts come most urgent first) and how many. */
static struct rank
rank_of_alerts(int64_t id, const struct alert_list *alerts)
{
    struct rank rank = {.person_id = id, .n_alerts = alerts->n};
    if (alerts->n > 0)
        alert_rank_of(&alerts->items[0], &rank.top);
    return rank;
}

/* The person's exact rank, from all their alerts as of as_of (read in full, not audited: only
 * what the page lists is disclosed). */
static int
rank_evaluate(struct app *app, int64_t id, int32_t as_of, struct alert_inputs *in,
              struct alert_list *scratch, struct rank *rank, enum rank_source *source,
              struct br_error *err)
{
    int rc = inputs_load(app, id, &reach_all, false, in, err);
    if (rc != 0)
        return rc;
    inputs_evaluate(app, in, &reach_all, as_of, scratch);
    *rank = rank_of_alerts(id, scratch);
    *source = RANK_EVALUATED;
    return 0;
}

/* Evaluates in full each person of ids whose rank so far came from source, and offers their
 * rank. */
static int
rank_evaluate_those(struct app *app, struct ranking *ranking, const int64_t *ids, size_t n_ids,
                    enum rank_source source, struct alert_inputs *in, struct alert_list *scratch,
                    struct br_error *err)
{
    struct rank rank;
    for (size_t i = 0; i < n_ids; i++) {
        if (ranking->known[i] != source)
            continue;
        int rc = rank_evaluate(app, ids[i], ranking->as_of, in, scratch, &rank,
                               &ranking->known[i], err);
        if (rc != 0)
            return rc;
        ranking_offer(ranking, &rank);
    }
    return 0;
}

/* Reads one person of the page as app_person_alerts reads one (audited) and appends them, with
 * their alerts, to out; *rank receives their most urgent alert. */
static int
caseload_add(struct app *app, const struct actor *actor, int64_t id, int32_t as_of,
             struct alert_inputs *in, struct alert_list *scratch, struct caseload *out,
             struct rank *rank, struct br_error *err)
{
    struct alert_reach reach;
    int rc;

    if ((rc = reach_decide(app, actor, id, &reach, err)) != 0 ||
        (rc = inputs_load(app, id, &reach, false, in, err)) != 0)
        return rc;
    inputs_evaluate(app, in, &reach, as_of, scratch);
    xgrow(&out->people, &out->cap_people, out->n_people + 1, sizeof(*out->people));
    struct caseload_person *p = &out->people[out->n_people++];
    memset(p, 0, sizeof(*p));
    p->person_id = id;
    memcpy(p->first_name, in->person.facts.first_name, sizeof(p->first_name));
    memcpy(p->last_name, in->person.facts.last_name, sizeof(p->last_name));
    p->first_alert = out->alerts.n;
    p->n_alerts = scratch->n;
    xgrow(&out->alerts.items, &out->alerts.cap, out->alerts.n + scratch->n,
          sizeof(*out->alerts.items));
    if (scratch->n > 0)
        memcpy(&out->alerts.items[out->alerts.n], scratch->items,
               scratch->n * sizeof(*scratch->items));
    out->alerts.n += scratch->n;
    out->withheld |= reach.withheld;
    *rank = rank_of_alerts(id, scratch);
    return 0;
}

int
app_caseload(struct app *app, const struct actor *actor, int32_t as_of, int64_t limit,
             int64_t offset, struct caseload *out, struct br_error *err)
{
    struct alert_inputs in;
    struct alert_list scratch;
    int64_t *ids = NULL;
    size_t n_ids = 0, cap_ids = 0;
    struct rank *ranks = NULL, ignored;
    enum rank_source *known = NULL;
    struct caseload_person *listed = NULL;
    int rc;

    memset(&in, 0, sizeof(in));
    alert_list_init(&scratch);
    out->n_people = 0;
    out->alerts.n = 0;
    out->total = 0;
    out->withheld = 0;
    if (as_of == DATE_NONE)
        br_error_field(err, "as_of", "must be a date as YYYY-MM-DD");
    if (app_page_check(limit, offset, err) != 0 || as_of == DATE_NONE)
        return br_error_set(err, BR_EINVAL, "the caseload cannot be read");
    if ((rc = begin(app, err)) != 0)
        return rc;
    if ((rc = caseload_require(app, actor, err)) != 0)
        goto out;
    /* A case manager's caseload is the people they serve in person, read from the staff indexes;
     * a supervisor's is everyone the agency serves (caseload health across staff). */
    if (access_role_of(actor) == ACCESS_ROLE_CASE_MANAGER)
        rc = app->store->ops->staff_people(app->store, actor->user_id, &ids, &n_ids, &cap_ids, err);
    else
        rc = app->store->ops->agency_people(app->store, actor->agency_id, &ids, &n_ids, &cap_ids,
                                            err);
    if (rc != 0)
        goto out;
    out->total = (int64_t)n_ids;
    /* A page past the end lists nobody: nobody is evaluated. */
    if (offset >= (int64_t)n_ids)
        goto out;

    if (offset == 0 && (int64_t)n_ids <= limit) {
        /* The whole caseload is on this page: each person is read once, as listed (audited),
         * and the page is ranked by what was read. */
        ranks = xcalloc(n_ids, sizeof(*ranks));
        for (size_t i = 0; i < n_ids; i++) {
            if ((rc = caseload_add(app, actor, ids[i], as_of, &in, &scratch, out, &ranks[i],
                                   err)) != 0)
                goto out;
        }
        /* Put the listed people in rank order (a page holds at most ADMIN_PAGE_MAX). */
        listed = xmalloc(n_ids * sizeof(*listed));
        memcpy(listed, out->people, n_ids * sizeof(*listed));
        qsort(ranks, n_ids, sizeof(*ranks), rank_compare);
        for (size_t i = 0; i < n_ids; i++) {
            size_t at = 0;
            while (listed[at].person_id != ranks[i].person_id)
                at++;
            out->people[i] = listed[at];
        }
        goto out;
    }

    /* Rank from the stored clocks first: the people with an exit countdown come before everyone
     * else, in the order of their earliest soft-exit day (RULES.md §8).  Whoever the clocks
     * cannot answer for is evaluated; the rest only when the page reaches past the countdowns.
     * Only the ranks between the page and the nearer end of the caseload are kept: up to the
     * page's end from the most urgent, or from the page's start to the least urgent. */
    size_t page_end = (size_t)(offset + limit) < n_ids ? (size_t)(offset + limit) : n_ids;
    bool from_least = n_ids - (size_t)offset < page_end;
    size_t kept = from_least ? n_ids - (size_t)offset : page_end;
    ranks = xmalloc(kept * sizeof(*ranks));
    known = xcalloc(n_ids, sizeof(*known));
    struct ranking ranking = {
        .app = app, .as_of = as_of, .known = known, .best = {ranks, 0, kept, from_least ? -1 : 1}};
    if ((rc = app->store->ops->clocks_of_people(app->store, ids, n_ids, rank_next_from_clocks,
                                                &ranking, err)) != 0)
        goto out;
    rc = rank_evaluate_those(app, &ranking, ids, n_ids, RANK_UNKNOWN, &in, &scratch, err);
    /* A page that reaches past the countdowns needs everyone else's rank too, and so do the
     * least urgent ranks. */
    if (rc == 0 && (from_least || page_end > ranking.n_countdowns))
        rc = rank_evaluate_those(app, &ranking, ids, n_ids, RANK_AFTER_COUNTDOWNS, &in, &scratch,
                                 err);
    if (rc != 0)
        goto out;
    heap_sort(&ranking.best);

    /* The page: each listed person is read as app_person_alerts reads one (audited).  Place p of
     * the caseload is kept at p, or, counted from the least urgent, at n_ids - 1 - p. */
    for (size_t p = (size_t)offset; p < page_end; p++) {
        size_t at = from_least ? n_ids - 1 - p : p;
        if ((rc = caseload_add(app, actor, ranks[at].person_id, as_of, &in, &scratch, out, &ignored,
                               err)) != 0)
            goto out;
    }
out:
    if (rc != 0) {
        out->n_people = 0;
        out->alerts.n = 0;
        out->total = 0;
    }
    free(listed);
    free(known);
    free(ranks);
    free(ids);
    alert_list_cleanup(&scratch);
    inputs_cleanup(&in);
    /* Ranking a whole agency allocates and frees tens of megabytes at 1M people (everyone's id
     * and where their rank came from, the ranks kept for the page, each person's inputs in
     * turn).  glibc keeps what a thread frees in that thread's arena, so
     * every worker that served such a caseload would keep it (bench/README.md, "The seventh
     * pass"): it goes back to the system now. */
    if (n_ids > CASELOAD_TRIM_PEOPLE)
        malloc_trim(0);
    return end(app, rc, err);
}

/* ---- JSON -------------------------------------------------------------------------------------
 */

static json_t *
json_day(int32_t day)
{
    char text[DATE_TEXT_SIZE];
    return day == DATE_NONE ? json_null() : json_string(date_format(day, text));
}

static json_t *
json_id_or_null(int64_t id)
{
    return id != 0 ? json_integer((json_int_t)id) : json_null();
}

/* "WP, ADULT" as ["WP", "ADULT"]. */
static json_t *
programs_json(const char *text)
{
    json_t *list = json_array();
    while (*text != '\0') {
        size_t len = strcspn(text, ",");
        json_array_append_new(list, json_stringn(text, len));
        text += len;
        while (*text == ',' || *text == ' ')
            text++;
    }
    return list;
}

static json_t *
group_json(const struct app *app, const struct alert *a)
{
    if (a->group == ALERT_NO_GROUP)
        return json_null();
    if (a->group == EXIT_GROUP_COMMON)
        return json_string("common");
    if (a->group >= 0 && (size_t)a->group < app->catalog.n_programs)
        return json_string(app->catalog.programs[a->group].code);
    return json_null();
}

json_t *
app_alerts_json(const struct app *app, const struct alert *alerts, size_t n)
{
    json_t *list = json_array();

    for (size_t i = 0; i < n; i++) {
        const struct alert *a = &alerts[i];
        json_t *item = json_object();
        json_object_set_new(item, "kind", json_string(alert_kind_name(a->kind)));
        json_object_set_new(item, "program",
                            a->program >= 0 && (size_t)a->program < app->catalog.n_programs
                                ? json_string(app->catalog.programs[a->program].code)
                                : json_null());
        json_object_set_new(item, "group", group_json(app, a));
        json_object_set_new(item, "programs", programs_json(a->programs));
        json_object_set_new(item, "due_on", json_day(a->due_on));
        json_object_set_new(item, "since_on", json_day(a->since_on));
        json_object_set_new(item, "count", json_integer(a->count));
        if (a->kind == ALERT_DISENGAGED)
            json_object_set_new(item, "attempts", json_integer(a->attempts));
        json_object_set_new(item, "service_id", json_id_or_null(a->service_id));
        if (a->kind == ALERT_DUPLICATION)
            json_object_set_new(item, "other_service_id", json_id_or_null(a->other_service_id));
        if (a->kind == ALERT_PLAN_REVIEW)
            json_object_set_new(item, "plan_id", json_id_or_null(a->plan_id));
        json_object_set_new(item, "rule", a->rule[0] != '\0' ? json_string(a->rule) : json_null());
        json_object_set_new(item, "why", json_string(a->why));
        json_object_set_new(item, "resolves", json_string(a->resolves));
        json_array_append_new(list, item);
    }
    return list;
}

json_t *
app_alerts_withheld_json(unsigned withheld)
{
    json_t *list = json_array();
    for (int area = 0; area < ACCESS_AREA_COUNT; area++)
        if (withheld & ALERTS_WITHHELD_BIT(area))
            json_array_append_new(list, json_string(access_area_name((enum access_area)area)));
    return list;
}
