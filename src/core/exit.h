/* exit.h — the exit engine: periods of participation, the 90-day clock and the common exit
 * (RULES.md §3-5; 20 CFR 677.150; seeds 001, 003, 004).
 *
 * For one person as of a date it answers, per program and per period of participation: when the
 * person entered, whether they are still active or exited (and on what date), what holds the
 * exit group open, when the soft exit will be determined and how many days remain — and why. */
#ifndef BRAID_CORE_EXIT_H
#define BRAID_CORE_EXIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/policy.h"
#include "core/record.h"

enum exit_status {
    EXIT_STATUS_REPORTABLE, /* known for the program, never a participant (RULES.md §3) */
    EXIT_STATUS_ACTIVE,
    EXIT_STATUS_EXITED,
};

/* What holds an exit group open, in the order of precedence of RULES.md §4. */
enum exit_hold {
    EXIT_HOLD_NONE,           /* only the plain 90-day clock is running */
    EXIT_HOLD_OPEN_SERVICE,   /* a qualifying service has not ended as of the date */
    EXIT_HOLD_FUTURE_SERVICE, /* a qualifying service is scheduled to start after the date */
    EXIT_HOLD_PLANNED_GAP,    /* planned gaps moved the soft-exit day past L + 91 */
};

#define EXIT_REASON_SIZE 32

/* One program in one period of participation. */
struct exit_period {
    int program;
    int group;                    /* exit group: equal for programs that exit together */
    int period;                   /* 1, 2, ... within the group */
    enum exit_status status;
    int32_t entry_on;             /* first triggering service of the program in the period */
    int32_t exit_on;              /* = last_service_on once exited, else DATE_NONE */
    int32_t last_service_on;      /* L: latest end of the group's qualifying services */
    int last_service;             /* index of the service that set L, or -1 */
    enum exit_hold held_by;
    int holding_service;          /* the open or future service that holds, or -1 */
    int holding_gap;              /* the last gap of the chain that moved the soft exit, or -1 */
    int32_t soft_exit_on;         /* day the soft exit is (or will be) determined; DATE_NONE while
                                     an open or future service holds */
    int32_t days_remaining;       /* soft_exit_on - as_of, 0 once exited, -1 when unknown */
    int32_t days_without_service; /* as_of - L for the group's latest period, else -1 */
    int gaps_in_period;           /* planned gaps of the group within this period */
    bool gap_review;              /* gap_review_count or more gaps: supervisor review (§5) */
    int32_t review_on;            /* latest period only: the first day after as_of on which this
                                     determination changes by the calendar alone (a service
                                     starts or ends, a projected end passes, the soft exit is
                                     determined); DATE_NONE when only new records can change it */
    bool manual;                  /* exited by hand (exit_apply_manual) */
    int32_t manual_on;            /* when manual: the day staff exited the group */
    /* When manual: the staff's reason ("" when none was kept). */
    char manual_reason[EXIT_REASON_SIZE];
};

struct exit_span;

struct exit_result {
    int32_t as_of;
    struct exit_period *periods; /* grouped by exit group, then period, then program */
    size_t n_periods, cap_periods;
    int *stale_services;         /* open services past their projected end (to be closed) */
    size_t n_stale, cap_stale;

    /* Working space, kept between calls so evaluating many people allocates nothing. */
    int *order;
    size_t cap_order;
    int *gap_order;
    size_t cap_gap_order;
    struct exit_span *spans;
    size_t cap_spans;
    bool *involved; /* by program: is the person known to it (RULES.md §3) */
    size_t cap_involved;
    int32_t *entries; /* by program: its entry day in the period being emitted, or DATE_NONE */
    size_t cap_entries;
};

void exit_result_init(struct exit_result *result);
void exit_result_cleanup(struct exit_result *result);

/* Determines every period of participation of the person as of as_of, replacing what result held.
 * The record must have passed record_validate(); this function can't fail. */
void exit_determine(const struct catalog *catalog, const struct policy *policy,
                    const struct person_record *record, int32_t as_of, struct exit_result *result);

/* Writes a plain-English explanation of one period into buf (always NUL-terminated, truncated to
 * size) and returns the length it wanted, as snprintf does. */
size_t exit_explain(const struct catalog *catalog, const struct person_record *record,
                    const struct exit_result *result, const struct exit_period *period,
                    char *buf, size_t size);

/* A manual exit as recorded (RULES.md §4 "Manual exit"): staff exited the group of program's
 * period on determined_on, with exit date exit_on (L, the last qualifying service). */
struct exit_manual {
    int program;
    int period;
    int32_t exit_on;
    int32_t determined_on;
    const char *reason; /* "NO_CONTACT", ...; NULL or "" when none was kept */
};

/* Whether manual exit m still stands for period p: it is the same program and period, L is still
 * its exit date and nothing holds the group open.  A qualifying service dated before the
 * soft-exit day moves L (or holds the group) and so reopens it, as it reopens any exit; one on or
 * after that day starts a new period and leaves it standing (RULES.md §4 periods). */
bool exit_manual_stands(const struct exit_period *p, const struct exit_manual *m);

/* Applies to one period, as of as_of, the manual exits that stand for it and were made by as_of:
 * the period is exited on L (status exited, days remaining 0, nothing to review by the calendar)
 * and carries the day and the reason.  Returns whether one applied.  This function can't fail. */
bool exit_manual_apply_period(struct exit_period *p, int32_t as_of,
                              const struct exit_manual *manual, size_t n);

/* exit_manual_apply_period for every period of result (as of result->as_of). */
void exit_apply_manual(struct exit_result *result, const struct exit_manual *manual, size_t n);

/* The exit group a program belongs to (RULES.md §4): every common-exit program shares one key
 * (EXIT_GROUP_COMMON); any other program is a group by itself, keyed by its catalog index. */
#define EXIT_GROUP_COMMON (-1)
int exit_group_key(const struct catalog *catalog, int program);

/* The program's latest period in result (its highest period number; period 0 when it only
 * ever was reportable), or NULL when the program is not involved. */
const struct exit_period *exit_latest_period(const struct exit_result *result, int program);
/* The first day of a period of an exit group (by its ordinal, exit_period.group): the soft-exit
 * day of the period before it, or DATE_NONE for the first period (it runs from the beginning). */
int32_t exit_period_from(const struct exit_result *result, int group, int period);

const char *exit_status_name(enum exit_status status); /* "reportable", "active", "exited" */
const char *exit_hold_name(enum exit_hold hold);       /* "open_service", ...; NULL for none */

#endif
