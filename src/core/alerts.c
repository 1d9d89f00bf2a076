/* alerts.c — the case-management duties of RULES.md §8 (alerts.h). */
#include "core/alerts.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/error.h"
#include "core/mem.h"

#define YOUTH_PROGRAM "YOUTH"
#define MONTH_NAME_SIZE 16
#define ATTEMPTS_LISTED 6 /* contact attempts spelled out in a DISENGAGED alert */
#define OUTCOME_LISTED 80 /* bytes of each attempt's outcome */

/* Who owes follow-up after exit (RULES.md §8; seed 004): YOUTH for at least follow_up_months,
 * ADULT and DW offered for as long.  A table, so a state adds a program without new code. */
static const struct {
    const char *program;
    const char *duty; /* completes "... follow-up ... after exit" in the why */
} follow_up_programs[] = {
    {"YOUTH", "youth receive follow-up"},
    {"ADULT", "follow-up is offered"},
    {"DW", "follow-up is offered"},
};

static const char *const kind_names[] = {
    [ALERT_EXIT_COUNTDOWN] = "EXIT_COUNTDOWN",
    [ALERT_DISENGAGED] = "DISENGAGED",
    [ALERT_YOUTH_CONTACT] = "YOUTH_CONTACT",
    [ALERT_FOLLOW_UP_DUE] = "FOLLOW_UP_DUE",
    [ALERT_NOTE_MISSING] = "NOTE_MISSING",
    [ALERT_PLAN_REVIEW] = "PLAN_REVIEW",
    [ALERT_COENROLLMENT_MISSING] = "COENROLLMENT_MISSING",
    [ALERT_STALE_OPEN_SERVICE] = "STALE_OPEN_SERVICE",
    [ALERT_NOTE_LATE] = "NOTE_LATE",
    [ALERT_GAP_REVIEW] = "GAP_REVIEW",
    [ALERT_DUPLICATION] = "DUPLICATION",
};

static const char *const contact_method_words[] = {
    [CONTACT_PHONE] = "phone",         [CONTACT_LETTER] = "letter",
    [CONTACT_EMAIL] = "e-mail",        [CONTACT_HOME_VISIT] = "home visit",
    [CONTACT_IN_PERSON] = "in person", [CONTACT_OTHER_AGENCY] = "other agency",
    [CONTACT_OTHER] = "other",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *
alert_kind_name(enum alert_kind kind)
{
    return (size_t)kind < COUNT(kind_names) ? kind_names[kind] : "UNKNOWN";
}

int
alert_kind_parse(const char *name, enum alert_kind *out)
{
    for (size_t i = 0; name != NULL && i < COUNT(kind_names); i++) {
        if (strcmp(kind_names[i], name) == 0) {
            *out = (enum alert_kind)i;
            return 0;
        }
    }
    return BR_EINVAL;
}

void
alert_list_init(struct alert_list *list)
{
    memset(list, 0, sizeof(*list));
}

void
alert_list_cleanup(struct alert_list *list)
{
    free(list->items);
    memset(list, 0, sizeof(*list));
}

void
alert_rank_of(const struct alert *alert, struct alert_rank *out)
{
    out->kind = alert->kind;
    out->due_on = alert->due_on;
    out->program = alert->program;
    out->service = alert->service;
}

int
alert_compare(const struct alert *a, const struct alert *b)
{
    struct alert_rank x, y;
    alert_rank_of(a, &x);
    alert_rank_of(b, &y);
    return alert_rank_compare(&x, &y);
}

int
alert_rank_compare(const struct alert_rank *a, const struct alert_rank *b)
{
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    /* Undated alerts after the dated ones; DATE_NONE is INT32_MIN. */
    if (a->due_on != b->due_on) {
        if (a->due_on == DATE_NONE || b->due_on == DATE_NONE)
            return a->due_on == DATE_NONE ? 1 : -1;
        return a->due_on < b->due_on ? -1 : 1;
    }
    if (a->program != b->program)
        return a->program < b->program ? -1 : 1;
    if (a->service != b->service)
        return a->service < b->service ? -1 : 1;
    return 0;
}

static int
compare_items(const void *a, const void *b)
{
    return alert_compare(a, b);
}

void
alerts_sort(struct alert_list *list)
{
    if (list->n > 1)
        qsort(list->items, list->n, sizeof(*list->items), compare_items);
}

/* ---- helpers -------------------------------------------------------------------------------- */

struct work {
    const struct catalog *catalog;
    const struct policy *policy;
    const struct alerts_input *in;
    int32_t as_of;
    struct alert_list *out;
};

static struct alert *
alert_add(struct work *w, enum alert_kind kind, int program)
{
    xgrow(&w->out->items, &w->out->cap, w->out->n + 1, sizeof(*w->out->items));
    struct alert *a = &w->out->items[w->out->n++];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    a->program = program;
    a->group = program >= 0 ? exit_group_key(w->catalog, program) : ALERT_NO_GROUP;
    a->due_on = DATE_NONE;
    a->since_on = DATE_NONE;
    a->service = -1;
    if (program >= 0)
        snprintf(a->programs, sizeof(a->programs), "%s", w->catalog->programs[program].code);
    return a;
}

/* The length of the longest prefix of text, at most max bytes, that does not split a UTF-8
 * sequence (texts from outside — a contact's outcome — are UTF-8, and alerts become JSON). */
static int
utf8_prefix(const char *text, size_t max)
{
    size_t len = strlen(text);
    if (len <= max)
        return (int)len;
    while (max > 0 && ((unsigned char)text[max] & 0xC0) == 0x80)
        max--;
    return (int)max;
}

/* Cuts a sequence that truncation left incomplete at the end of buf. */
static void
utf8_trim_tail(char *buf)
{
    size_t len = strlen(buf), start = len;
    while (start > 0 && len - start < 4 && ((unsigned char)buf[start - 1] & 0xC0) == 0x80)
        start--;
    if (start == 0)
        return;
    unsigned char lead = (unsigned char)buf[start - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (len - (start - 1) < want)
        buf[start - 1] = '\0';
}

static void text_set(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
text_set(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    utf8_trim_tail(buf);
}

/* Appends to buf (NUL-terminated, cut at size). */
static void text_add(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
text_add(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;
    if (used + 1 >= size)
        return;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
    utf8_trim_tail(buf);
}

static bool
skipped(const struct work *w, enum alert_kind kind)
{
    return (w->in->skip & ALERT_BIT(kind)) != 0;
}

static const char *
service_code(const struct work *w, const struct service *s)
{
    return w->catalog->services[s->code].code;
}

static const char *
program_code(const struct work *w, int program)
{
    return w->catalog->programs[program].code;
}

/* Whether a service belongs to the latest period of its program's exit group: older periods
 * are closed history, and their notes and funding are not today's duties.  The group's latest
 * period, not the program's: a program that never entered (period 0) shares its group's. */
static bool
in_latest_period(const struct work *w, const struct service *s)
{
    const struct exit_result *exits = w->in->exits;
    const struct exit_period *mine = exit_latest_period(exits, s->program);
    if (mine == NULL)
        return true;
    int latest = 0;
    for (size_t i = 0; i < exits->n_periods; i++)
        if (exits->periods[i].group == mine->group && exits->periods[i].period > latest)
            latest = exits->periods[i].period;
    int32_t from = exit_period_from(exits, mine->group, latest);
    return from == DATE_NONE || s->start_on >= from;
}

/* The latest period of each exit group, once per group: the first entry of that period. */
static const struct exit_period *
group_latest(const struct exit_result *exits, size_t i)
{
    const struct exit_period *p = &exits->periods[i];
    for (size_t k = 0; k < exits->n_periods; k++) {
        const struct exit_period *q = &exits->periods[k];
        if (q->group != p->group)
            continue;
        if (q->period > p->period || (q->period == p->period && k < i))
            return NULL; /* not the latest period, or not its first entry */
    }
    return p;
}

/* The codes of the programs in one period of a group: "WP, ADULT". */
static void
group_programs(const struct work *w, const struct exit_period *period, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t k = 0; k < w->in->exits->n_periods; k++) {
        const struct exit_period *q = &w->in->exits->periods[k];
        if (q->group == period->group && q->period == period->period)
            text_add(buf, size, "%s%s", buf[0] != '\0' ? ", " : "", program_code(w, q->program));
    }
}

static int32_t
max_day(int32_t a, int32_t b)
{
    if (a == DATE_NONE)
        return b;
    if (b == DATE_NONE)
        return a;
    return a > b ? a : b;
}

/* ---- exit countdown and gap review (per exit group) ---------------------------------------- */

bool
alert_exit_countdown_due(const struct policy *policy, enum exit_status status, int32_t soft_exit_on,
                         int32_t as_of)
{
    /* RULES.md §8, seed 004 "exiter alert": at or under exit_countdown_days. */
    return status == EXIT_STATUS_ACTIVE && soft_exit_on != DATE_NONE && soft_exit_on >= as_of &&
           soft_exit_on - as_of <= policy->exit_countdown_days;
}

static void
group_alerts(struct work *w)
{
    const struct exit_result *exits = w->in->exits;
    char day[DATE_TEXT_SIZE], last[DATE_TEXT_SIZE];

    for (size_t i = 0; i < exits->n_periods; i++) {
        const struct exit_period *p = group_latest(exits, i);
        if (p == NULL || p->status != EXIT_STATUS_ACTIVE)
            continue;
        if (!skipped(w, ALERT_EXIT_COUNTDOWN) &&
            alert_exit_countdown_due(w->policy, p->status, p->soft_exit_on, w->as_of)) {
            struct alert *a = alert_add(w, ALERT_EXIT_COUNTDOWN, -1);
            a->group = exit_group_key(w->catalog, p->program);
            group_programs(w, p, a->programs, sizeof(a->programs));
            a->due_on = p->soft_exit_on;
            a->since_on = p->last_service_on;
            a->count = p->days_remaining;
            date_format(p->soft_exit_on, day);
            date_format(p->last_service_on, last);
            text_set(a->why, sizeof(a->why),
                     "the soft exit from %s will be determined on %s, in %d day%s: no qualifying "
                     "service since %s, which would be the exit date",
                     a->programs, day, a->count, a->count == 1 ? "" : "s", last);
            if (p->held_by == EXIT_HOLD_PLANNED_GAP)
                text_add(a->why, sizeof(a->why), " (a planned gap holds the group until then)");
            text_set(a->resolves, sizeof(a->resolves),
                     "a qualifying service before %s keeps the person active, if they still need "
                     "services; otherwise prepare the exit (goals, plan, follow-up)",
                     day);
        }
        /* RULES.md §5, seed 004: many gaps in one period are "closely monitored". */
        if (!skipped(w, ALERT_GAP_REVIEW) && p->gap_review) {
            struct alert *a = alert_add(w, ALERT_GAP_REVIEW, -1);
            a->group = exit_group_key(w->catalog, p->program);
            group_programs(w, p, a->programs, sizeof(a->programs));
            a->count = p->gaps_in_period;
            text_set(a->why, sizeof(a->why),
                     "%d planned gaps in service in this period of participation (%s); %d or more "
                     "call for supervisor review",
                     a->count, a->programs, w->policy->gap_review_count);
            text_set(a->resolves, sizeof(a->resolves),
                     "a supervisor reviews the gaps and the services planned after them");
        }
    }
}

/* ---- disengaged ------------------------------------------------------------------------------ */

/* The last day of a service's activity as of as_of, or DATE_NONE when it starts later.  An open
 * service counts through as_of, unless its projected end has passed (then it is stale). */
static int32_t
service_active_until(const struct service *s, int32_t as_of)
{
    if (s->start_on > as_of)
        return DATE_NONE;
    if (s->end_on != DATE_NONE && s->end_on <= as_of)
        return s->end_on;
    if (s->projected_end_on != DATE_NONE && s->projected_end_on < as_of)
        return s->projected_end_on > s->start_on ? s->projected_end_on : s->start_on;
    return as_of;
}

static bool
any_active_period(const struct exit_result *exits)
{
    for (size_t i = 0; i < exits->n_periods; i++) {
        const struct exit_period *p = group_latest(exits, i);
        if (p != NULL && p->status == EXIT_STATUS_ACTIVE)
            return true;
    }
    return false;
}

static void
disengaged(struct work *w)
{
    const struct person_record *record = w->in->record;
    int32_t last_service = DATE_NONE, last_contact = DATE_NONE;
    char a_day[DATE_TEXT_SIZE], b_day[DATE_TEXT_SIZE];

    if (skipped(w, ALERT_DISENGAGED) || !any_active_period(w->in->exits))
        return;
    for (size_t i = 0; i < record->n_services; i++)
        last_service = max_day(last_service, service_active_until(&record->services[i], w->as_of));
    for (size_t i = 0; i < w->in->n_contacts; i++) {
        const struct contact *c = &w->in->contacts[i];
        /* An attempt without an answer is not contact; it is what the alert lists. */
        if (c->responded && c->contacted_on <= w->as_of)
            last_contact = max_day(last_contact, c->contacted_on);
    }
    int32_t last = max_day(last_service, last_contact);
    if (last == DATE_NONE || w->as_of - last < w->policy->disengaged_days)
        return;

    struct alert *a = alert_add(w, ALERT_DISENGAGED, -1);
    a->since_on = last;
    a->due_on = last + w->policy->disengaged_days;
    a->count = w->as_of - last;
    text_set(a->why, sizeof(a->why), "no service and no contact for %d days (last service %s",
             a->count, last_service != DATE_NONE ? date_format(last_service, a_day) : "none");
    if (last_contact != DATE_NONE)
        text_add(a->why, sizeof(a->why), ", last contact %s", date_format(last_contact, b_day));
    text_add(a->why, sizeof(a->why), ")");

    /* RULES.md §8: the contact attempts since the last service, with their outcome. */
    for (size_t i = 0; i < w->in->n_contacts; i++) {
        const struct contact *c = &w->in->contacts[i];
        if (c->contacted_on > w->as_of ||
            (last_service != DATE_NONE && c->contacted_on <= last_service))
            continue;
        a->attempts++;
        if (a->attempts == 1)
            text_add(a->why, sizeof(a->why), "; contact attempts since the last service:");
        if (a->attempts > ATTEMPTS_LISTED)
            continue;
        const char *method = (size_t)c->method < COUNT(contact_method_words)
                                 ? contact_method_words[c->method]
                                 : "other";
        text_add(a->why, sizeof(a->why), "%s %s %s%s%s", a->attempts > 1 ? ";" : "",
                 date_format(c->contacted_on, a_day), method,
                 c->responded ? ", answered" : ", no response", c->outcome[0] != '\0' ? " -" : "");
        if (c->outcome[0] != '\0')
            text_add(a->why, sizeof(a->why), " %.*s", utf8_prefix(c->outcome, OUTCOME_LISTED),
                     c->outcome);
    }
    if (a->attempts > ATTEMPTS_LISTED)
        text_add(a->why, sizeof(a->why), "; and %d more", a->attempts - ATTEMPTS_LISTED);
    if (a->attempts == 0)
        text_add(a->why, sizeof(a->why), "; no contact attempt recorded since the last service");
    text_set(a->resolves, sizeof(a->resolves),
             "reach the person (a contact they answer) or provide a service; document every "
             "attempt: phone, letter, home visit, back-up contacts (seed 004 disengaged search)");
}

/* ---- youth monthly in-person contact -----------------------------------------------------------
 */

/* RULES.md §8, seed 004: in person, and answered (a home visit with nobody home is an attempt). */
static bool
quality_in_person(const struct contact *c)
{
    return (c->method == CONTACT_IN_PERSON || c->method == CONTACT_HOME_VISIT) && c->responded;
}

static void
youth_contact(struct work *w)
{
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    int youth = catalog_program_index(w->catalog, YOUTH_PROGRAM);
    char day[DATE_TEXT_SIZE], end[DATE_TEXT_SIZE];
    int year, month;

    if (skipped(w, ALERT_YOUTH_CONTACT) || youth == CATALOG_NOT_FOUND)
        return;
    const struct exit_period *p = exit_latest_period(w->in->exits, youth);
    if (p == NULL || p->status != EXIT_STATUS_ACTIVE || p->entry_on == DATE_NONE ||
        p->entry_on > w->as_of)
        return;
    date_to_ymd(w->as_of, &year, &month, NULL);
    int32_t month_start = date_from_ymd(year, month, 1);
    int32_t month_end = date_from_ymd(year, month, date_days_in_month(year, month));
    int32_t last_in_person = DATE_NONE;
    int others = 0;
    for (size_t i = 0; i < w->in->n_contacts; i++) {
        const struct contact *c = &w->in->contacts[i];
        if (c->contacted_on > w->as_of)
            continue;
        if (quality_in_person(c))
            last_in_person = max_day(last_in_person, c->contacted_on);
        else if (c->contacted_on >= month_start)
            others++;
    }
    if (last_in_person != DATE_NONE && last_in_person >= month_start)
        return;

    struct alert *a = alert_add(w, ALERT_YOUTH_CONTACT, youth);
    a->due_on = month_end;
    a->since_on = last_in_person;
    a->count = last_in_person != DATE_NONE ? w->as_of - last_in_person : -1;
    text_set(a->why, sizeof(a->why),
             "no in-person contact with this YOUTH participant in %s %d (last in person: %s)",
             months[month - 1], year,
             last_in_person != DATE_NONE ? date_format(last_in_person, day) : "none");
    if (others > 0)
        text_add(a->why, sizeof(a->why),
                 "; %d other contact%s this month do%s not count: not in person, or no response",
                 others, others == 1 ? "" : "s", others == 1 ? "es" : "");
    text_set(a->resolves, sizeof(a->resolves),
             "meet the youth in person (office, school or home visit) by %s and record the "
             "contact; letters or e-mails without a response are not quality contacts",
             date_format(month_end, end));
}

/* ---- plan review ------------------------------------------------------------------------------
 */

static void
plan_review(struct work *w)
{
    char since[DATE_TEXT_SIZE];

    if (skipped(w, ALERT_PLAN_REVIEW))
        return;
    for (size_t i = 0; i < w->in->n_plans; i++) {
        const struct case_plan *plan = &w->in->plans[i];
        struct plan_review_status status;
        if (plan->created_on > w->as_of)
            continue;
        plan_review_status(plan, w->in->reviews, w->in->n_reviews, w->as_of, w->policy, &status);
        if (!status.due)
            continue;
        const char *kind = plan_kind_name(plan->kind);
        struct alert *a = alert_add(w, ALERT_PLAN_REVIEW, -1);
        bool reviewed =
            status.last_reviewed_on != DATE_NONE && status.last_reviewed_on > plan->created_on;
        a->plan_id = plan->id;
        a->due_on = status.due_on;
        a->since_on = reviewed ? status.last_reviewed_on : plan->created_on;
        a->count = w->as_of - a->since_on;
        text_set(a->why, sizeof(a->why),
                 "the %s has not been reviewed for %d days (%s %s); it is reviewed at least every "
                 "%d days",
                 kind, a->count, reviewed ? "last review" : "created",
                 date_format(a->since_on, since), w->policy->plan_review_days);
        text_set(a->resolves, sizeof(a->resolves),
                 "review the %s with the participant and record the review with its note "
                 "(or close the plan at exit)",
                 kind);
    }
}

/* ---- case notes --------------------------------------------------------------------------------
 */

static void
notes(struct work *w)
{
    const struct person_record *record = w->in->record;
    int late_days = w->policy->late_note_business_days;
    char day[DATE_TEXT_SIZE], due[DATE_TEXT_SIZE], written[DATE_TEXT_SIZE];

    if (skipped(w, ALERT_NOTE_MISSING) && skipped(w, ALERT_NOTE_LATE))
        return;
    for (size_t i = 0; i < record->n_services; i++) {
        const struct service *s = &record->services[i];
        if (s->id == 0 || s->start_on > w->as_of || !in_latest_period(w, s))
            continue;
        int32_t first_note = DATE_NONE;
        for (size_t k = 0; k < w->in->n_notes; k++) {
            const struct case_note *n = &w->in->notes[k];
            if (n->service_id == s->id && (first_note == DATE_NONE || n->written_on < first_note))
                first_note = n->written_on;
        }
        /* RULES.md §8, seed 003: on time through late_note_business_days business days after. */
        int32_t deadline = date_add_business_days(s->start_on, late_days);
        date_format(s->start_on, day);
        date_format(deadline, due);
        if (first_note == DATE_NONE) {
            if (skipped(w, ALERT_NOTE_MISSING))
                continue;
            struct alert *a = alert_add(w, ALERT_NOTE_MISSING, s->program);
            a->service = (int)i;
            a->service_id = s->id;
            a->since_on = s->start_on;
            a->due_on = deadline;
            a->count = date_business_days_between(s->start_on, w->as_of);
            text_set(a->why, sizeof(a->why), "%s in %s on %s has no case note (%s %s)",
                     service_code(w, s), program_code(w, s->program), day,
                     w->as_of > deadline ? "it was due by" : "due by", due);
            text_set(a->resolves, sizeof(a->resolves), "write the case note for the service%s",
                     w->as_of > deadline ? " (it will be counted late)" : "");
            continue;
        }
        int after = date_business_days_between(s->start_on, first_note);
        if (after <= late_days || skipped(w, ALERT_NOTE_LATE))
            continue;
        struct alert *a = alert_add(w, ALERT_NOTE_LATE, s->program);
        a->service = (int)i;
        a->service_id = s->id;
        a->since_on = s->start_on;
        a->due_on = deadline;
        a->count = after;
        text_set(a->why, sizeof(a->why),
                 "the case note for %s in %s on %s was written on %s, %d business days later "
                 "(on time through %s: %d business days)",
                 service_code(w, s), program_code(w, s->program), day,
                 date_format(first_note, written), after, due, late_days);
        text_set(a->resolves, sizeof(a->resolves),
                 "nothing can make it on time: it stays listed for the supervisor while the "
                 "period lasts; write notes within %d business days of the service",
                 late_days);
    }
}

/* ---- stale open services -----------------------------------------------------------------------
 */

static void
stale(struct work *w)
{
    const struct exit_result *exits = w->in->exits;
    char start[DATE_TEXT_SIZE], end[DATE_TEXT_SIZE];

    if (skipped(w, ALERT_STALE_OPEN_SERVICE))
        return;
    for (size_t i = 0; i < exits->n_stale; i++) {
        int index = exits->stale_services[i];
        const struct service *s = &w->in->record->services[index];
        struct alert *a = alert_add(w, ALERT_STALE_OPEN_SERVICE, s->program);
        a->service = index;
        a->service_id = s->id;
        a->since_on = s->start_on;
        a->due_on = s->projected_end_on;
        a->count = w->as_of - s->projected_end_on;
        text_set(a->why, sizeof(a->why),
                 "%s in %s started %s and was projected to end %s, but is still open (%d day%s "
                 "past); %s",
                 service_code(w, s), program_code(w, s->program), date_format(s->start_on, start),
                 date_format(s->projected_end_on, end), a->count, a->count == 1 ? "" : "s",
                 w->policy->open_service_past_projected_end == OPEN_SERVICE_ENDS_AT_PROJECTED_END
                     ? "the exit clock counts it as ended on its projected end"
                     : "it holds the exit group open until it is closed");
        text_set(a->resolves, sizeof(a->resolves),
                 "record the service's actual end date, or a new projected end if it continues");
    }
}

/* ---- follow-up after exit ----------------------------------------------------------------------
 */

static const char *
follow_up_code(const struct catalog *catalog)
{
    for (size_t i = 0; i < catalog->n_services; i++)
        if (catalog->services[i].category == SERVICE_FOLLOW_UP)
            return catalog->services[i].code;
    return "follow-up";
}

static void
follow_up(struct work *w)
{
    const struct person_record *record = w->in->record;
    int months = w->policy->follow_up_months, interval = w->policy->follow_up_interval_months;
    char exit_day[DATE_TEXT_SIZE], from[DATE_TEXT_SIZE], until[DATE_TEXT_SIZE];

    if (skipped(w, ALERT_FOLLOW_UP_DUE) || interval < 1 || months < 1)
        return;
    for (size_t f = 0; f < COUNT(follow_up_programs); f++) {
        int program = catalog_program_index(w->catalog, follow_up_programs[f].program);
        if (program == CATALOG_NOT_FOUND)
            continue;
        const struct exit_period *p = exit_latest_period(w->in->exits, program);
        if (p == NULL || p->status != EXIT_STATUS_EXITED || p->exit_on == DATE_NONE)
            continue;
        /* RULES.md §8: each quarter after the exit date until follow_up_months have passed;
         * quarters run from the exit date, each computed from it (month ends clamp). */
        int32_t exit_on = p->exit_on, end_all = date_add_months(exit_on, months);
        if (w->as_of <= exit_on || w->as_of > end_all)
            continue;
        int k = 1;
        while (w->as_of > date_add_months(exit_on, k * interval))
            k++;
        int quarters = (months + interval - 1) / interval;
        int32_t q_start = date_add_months(exit_on, (k - 1) * interval) + 1;
        int32_t q_end = date_add_months(exit_on, k * interval);
        if (q_end > end_all)
            q_end = end_all;
        bool done = false;
        for (size_t i = 0; i < record->n_services && !done; i++) {
            const struct service *s = &record->services[i];
            done = s->program == program &&
                   w->catalog->services[s->code].category == SERVICE_FOLLOW_UP &&
                   s->start_on >= q_start && s->start_on <= q_end && s->start_on <= w->as_of;
        }
        if (done)
            continue;
        struct alert *a = alert_add(w, ALERT_FOLLOW_UP_DUE, program);
        a->due_on = q_end;
        a->since_on = q_start;
        a->count = k;
        text_set(a->why, sizeof(a->why),
                 "exited %s on %s: follow-up period %d of %d (%s to %s) has no follow-up yet; "
                 "%s every %d month%s for %d months after exit",
                 program_code(w, program), date_format(exit_on, exit_day), k, quarters,
                 date_format(q_start, from), date_format(q_end, until), follow_up_programs[f].duty,
                 interval, interval == 1 ? "" : "s", months);
        text_set(a->resolves, sizeof(a->resolves), "record a %s service in %s by %s",
                 follow_up_code(w->catalog), program_code(w, program), until);
    }
}

/* ---- co-enrollment and duplication -------------------------------------------------------------
 */

static void
coenrollment(struct work *w)
{
    struct coenroll_config defaults;
    const struct coenroll_config *config = w->in->coenroll;

    if (config == NULL) {
        coenroll_config_defaults(&defaults);
        config = &defaults;
    }
    if (!skipped(w, ALERT_COENROLLMENT_MISSING) && config->n_rules > 0) {
        struct coenroll_input input = {
            .record = w->in->record,
            .exits = w->in->exits,
            .facts = w->in->facts,
            .eligibility = w->in->eligibility,
            .declined = w->in->declined,
            .n_declined = w->in->n_declined,
        };
        struct coenroll_finding *findings = xcalloc(config->n_rules, sizeof(*findings));
        size_t n = coenroll_check(w->catalog, config, &input, w->as_of, findings, config->n_rules);
        for (size_t i = 0; i < n; i++) {
            const struct coenroll_finding *f = &findings[i];
            struct alert *a = alert_add(w, ALERT_COENROLLMENT_MISSING, f->requires);
            a->service = f->service;
            a->service_id = f->service >= 0 ? w->in->record->services[f->service].id : 0;
            a->since_on = f->since_on;
            snprintf(a->rule, sizeof(a->rule), "%s", config->rules[f->rule].id);
            text_set(a->why, sizeof(a->why), "%s (%s)", f->why, a->rule);
            text_set(a->resolves, sizeof(a->resolves), "%s", f->resolves);
        }
        free(findings);
    }
    if (skipped(w, ALERT_DUPLICATION))
        return;
    size_t n = coenroll_duplications(w->catalog, config, w->in->record, NULL, 0);
    if (n == 0)
        return;
    struct coenroll_duplication *dups = xcalloc(n, sizeof(*dups));
    coenroll_duplications(w->catalog, config, w->in->record, dups, n);
    for (size_t i = 0; i < n; i++) {
        const struct service *first = &w->in->record->services[dups[i].first];
        const struct service *second = &w->in->record->services[dups[i].second];
        if (first->start_on > w->as_of || second->start_on > w->as_of ||
            !in_latest_period(w, first) || !in_latest_period(w, second))
            continue;
        struct alert *a = alert_add(w, ALERT_DUPLICATION, -1);
        snprintf(a->programs, sizeof(a->programs), "%s, %s", program_code(w, first->program),
                 program_code(w, second->program));
        a->service = dups[i].first;
        a->service_id = first->id;
        a->other_service_id = second->id;
        a->since_on = dups[i].from_on;
        text_set(a->why, sizeof(a->why), "%s", dups[i].why);
        text_set(a->resolves, sizeof(a->resolves),
                 "check the funding: end one program's service, or record the cost split between "
                 "the programs (braided funding) when both pay a part");
    }
    free(dups);
}

void
alerts_compute(const struct catalog *catalog, const struct policy *policy,
               const struct alerts_input *input, int32_t as_of, struct alert_list *out)
{
    struct work w = {catalog, policy, input, as_of, out};

    out->n = 0;
    group_alerts(&w);
    disengaged(&w);
    youth_contact(&w);
    plan_review(&w);
    notes(&w);
    stale(&w);
    follow_up(&w);
    coenrollment(&w);
    alerts_sort(out);
}
