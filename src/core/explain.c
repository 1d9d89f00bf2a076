/* explain.c — the plain-English explanation of an exit determination (RULES.md §4: "every exit
 * determination carries its explanation"), for the case manager reading the exit clock. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"
#include "core/exit.h"

/* Appends to a fixed buffer, counting what did not fit, as snprintf does. */
struct text {
    char *buf;
    size_t size;
    size_t len;
};

__attribute__((format(printf, 2, 3))) static void
text_add(struct text *t, const char *fmt, ...)
{
    char *at = t->len < t->size ? t->buf + t->len : NULL;
    size_t room = t->len < t->size ? t->size - t->len : 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(at, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len += (size_t)n;
}

/* "CASE_MANAGEMENT in ADULT" */
static void
text_service(struct text *t, const struct catalog *catalog, const struct service *s)
{
    text_add(t, "%s in %s", catalog->services[s->code].code, catalog->programs[s->program].code);
}

/* ", common exit with WP and DW" — the other programs of the same period of the same group. */
static void
text_companions(struct text *t, const struct catalog *catalog, const struct exit_result *result,
                const struct exit_period *period)
{
    size_t n = 0, total = 0;
    for (size_t i = 0; i < result->n_periods; i++) {
        const struct exit_period *p = &result->periods[i];
        if (p != period && p->group == period->group && p->period == period->period)
            total++;
    }
    if (total == 0)
        return;
    text_add(t, " Common exit with ");
    for (size_t i = 0; i < result->n_periods; i++) {
        const struct exit_period *p = &result->periods[i];
        if (p == period || p->group != period->group || p->period != period->period)
            continue;
        n++;
        text_add(t, "%s%s", n == 1 ? "" : (n == total ? " and " : ", "),
                 catalog->programs[p->program].code);
    }
    text_add(t, ": one exit date for all.");
}

static void
text_last_service(struct text *t, const struct catalog *catalog,
                  const struct person_record *record, const struct exit_period *period)
{
    char a[DATE_TEXT_SIZE], b[DATE_TEXT_SIZE];
    if (period->last_service < 0)
        return;
    const struct service *s = &record->services[period->last_service];
    text_add(t, "The last qualifying service, ");
    text_service(t, catalog, s);
    if (s->end_on == DATE_NONE)
        text_add(t, " (started %s), is still open past its projected end date %s and counts as "
                    "ended then; staff should close it.",
                 date_format(s->start_on, a), date_format(s->projected_end_on, b));
    else
        text_add(t, " (started %s), ended on %s.", date_format(s->start_on, a),
                 date_format(s->end_on, b));
}

static void
explain_reportable(struct text *t, const struct catalog *catalog,
                   const struct person_record *record, const struct exit_period *period)
{
    char a[DATE_TEXT_SIZE];
    const char *program = catalog->programs[period->program].code;
    int32_t eligible_on = person_record_eligibility(record, period->program);
    text_add(t, "Not a participant in %s: ", program);
    if (eligible_on != DATE_NONE)
        text_add(t, "eligibility was determined on %s, but no service that triggers participation "
                    "has been provided yet.",
                 date_format(eligible_on, a));
    else
        text_add(t, "no eligibility determination and no service that triggers participation.");
}

static void
explain_hold(struct text *t, const struct catalog *catalog, const struct person_record *record,
             const struct exit_result *result, const struct exit_period *period)
{
    char a[DATE_TEXT_SIZE], b[DATE_TEXT_SIZE];
    if (period->held_by == EXIT_HOLD_OPEN_SERVICE) {
        const struct service *s = &record->services[period->holding_service];
        text_add(t, "Held open by ");
        text_service(t, catalog, s);
        text_add(t, ", open since %s", date_format(s->start_on, a));
        if (s->end_on != DATE_NONE)
            text_add(t, " and ending on %s", date_format(s->end_on, b));
        else if (s->projected_end_on != DATE_NONE)
            text_add(t, " (projected to end on %s)", date_format(s->projected_end_on, b));
        text_add(t, "; the exit clock starts when it ends.");
    } else if (period->held_by == EXIT_HOLD_FUTURE_SERVICE) {
        const struct service *s = &record->services[period->holding_service];
        text_add(t, "Held open by ");
        text_service(t, catalog, s);
        text_add(t, ", scheduled to start on %s; no exit while a service is scheduled.",
                 date_format(s->start_on, a));
    }
    if (period->days_without_service >= 0 && period->held_by != EXIT_HOLD_OPEN_SERVICE)
        text_add(t, " %d day%s without a qualifying service as of %s.",
                 (int)period->days_without_service, period->days_without_service == 1 ? "" : "s",
                 date_format(result->as_of, a));
}

static void
explain_clock(struct text *t, const struct person_record *record,
              const struct exit_result *result, const struct exit_period *period)
{
    char a[DATE_TEXT_SIZE], b[DATE_TEXT_SIZE];
    if (period->held_by == EXIT_HOLD_PLANNED_GAP) {
        const struct planned_gap *g = &record->gaps[period->holding_gap];
        text_add(t, " A planned gap (%s, %s to %s) holds the group open.", gap_reason_name(g->reason),
                 date_format(g->start_on, a), date_format(g->planned_end_on, b));
    }
    text_add(t, " If no qualifying service starts before %s, the soft exit will be determined "
                "that day (%d day%s remaining), with exit date %s.",
             date_format(period->soft_exit_on, a), (int)period->days_remaining,
             period->days_remaining == 1 ? "" : "s", date_format(period->last_service_on, b));
    (void)result;
}

static void
explain_exited(struct text *t, const struct person_record *record,
               const struct exit_period *period)
{
    char a[DATE_TEXT_SIZE], b[DATE_TEXT_SIZE];
    char c[DATE_TEXT_SIZE], d[DATE_TEXT_SIZE];
    if (period->manual) {
        /* RULES.md §4 "Manual exit": staff exited the group; the exit date is still L. */
        text_add(t, " Exited on %s by hand on %s", date_format(period->exit_on, a),
                 date_format(period->manual_on, b));
        if (period->manual_reason[0] != '\0')
            text_add(t, " (reason: %s)", period->manual_reason);
        text_add(t, ", retroactive to the last qualifying service. A qualifying service starting "
                    "before %s would reopen this exit; one on or after it starts a new period of "
                    "participation.",
                 date_format(period->soft_exit_on, c));
        return;
    }
    text_add(t, " Exited on %s: no qualifying service from %s through %s, so the soft exit was "
                "determined on %s, retroactive to the last qualifying service.",
             date_format(period->exit_on, a), date_format(period->exit_on + 1, b),
             date_format(period->soft_exit_on - 1, c), date_format(period->soft_exit_on, d));
    if (period->holding_gap >= 0) {
        const struct planned_gap *g = &record->gaps[period->holding_gap];
        text_add(t, " A planned gap (%s, to %s) had held the group open.",
                 gap_reason_name(g->reason), date_format(g->planned_end_on, a));
    }
}

size_t
exit_explain(const struct catalog *catalog, const struct person_record *record,
             const struct exit_result *result, const struct exit_period *period, char *buf,
             size_t size)
{
    char a[DATE_TEXT_SIZE];
    struct text t = {.buf = buf, .size = size, .len = 0};
    if (size > 0)
        buf[0] = '\0';

    if (period->status == EXIT_STATUS_REPORTABLE) {
        explain_reportable(&t, catalog, record, period);
        return t.len;
    }
    text_add(&t, "Entered %s on %s (period of participation %d). ",
             catalog->programs[period->program].code, date_format(period->entry_on, a),
             period->period);
    text_last_service(&t, catalog, record, period);
    if (period->status == EXIT_STATUS_EXITED) {
        explain_exited(&t, record, period);
    } else {
        if (period->held_by == EXIT_HOLD_OPEN_SERVICE || period->held_by == EXIT_HOLD_FUTURE_SERVICE)
            text_add(&t, " ");
        explain_hold(&t, catalog, record, result, period);
        if (period->soft_exit_on != DATE_NONE)
            explain_clock(&t, record, result, period);
    }
    if (period->gap_review)
        text_add(&t, " %d planned gaps in this period: flagged for supervisor review.",
                 period->gaps_in_period);
    text_companions(&t, catalog, result, period);
    return t.len;
}
