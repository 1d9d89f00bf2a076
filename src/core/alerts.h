/* alerts.h — the case-management duties of RULES.md §8 for one person as of a date: exit
 * countdown, disengagement, monthly youth contact, plan review, missing and late case notes,
 * stale open services, follow-up after exit, required co-enrollments (coenroll.h), planned gaps
 * under supervisor review, and possible duplication.
 *
 * Each alert names its kind, the program or exit group it concerns, a due date and/or a count,
 * and says in plain English why it is raised and what resolves it.  Every threshold is a policy
 * setting (policy.h); the programs that owe follow-up are a table in alerts.c.
 *
 * Pure: structs in, alerts out; today's date is a parameter. */
#ifndef BRAID_CORE_ALERTS_H
#define BRAID_CORE_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/casework.h"
#include "core/catalog.h"
#include "core/coenroll.h"
#include "core/eligibility.h"
#include "core/exit.h"
#include "core/person.h"
#include "core/policy.h"
#include "core/record.h"

/* The kinds, most urgent first: the order alerts_sort() and caseloads use. */
enum alert_kind {
    ALERT_EXIT_COUNTDOWN,       /* the soft exit is policy.exit_countdown_days away or less */
    ALERT_DISENGAGED,           /* no service and no contact for policy.disengaged_days */
    ALERT_YOUTH_CONTACT,        /* no in-person quality contact this calendar month (YOUTH) */
    ALERT_FOLLOW_UP_DUE,        /* this follow-up quarter after exit has no follow-up yet */
    ALERT_NOTE_MISSING,         /* a service without its case note */
    ALERT_PLAN_REVIEW,          /* an open IEP/ISS not reviewed for policy.plan_review_days */
    ALERT_COENROLLMENT_MISSING, /* a required co-enrollment (RULES.md §6) */
    ALERT_STALE_OPEN_SERVICE,   /* open past its projected end */
    ALERT_NOTE_LATE,            /* written > policy.late_note_business_days after the service */
    ALERT_GAP_REVIEW,           /* policy.gap_review_count or more planned gaps in one period */
    ALERT_DUPLICATION,          /* two programs funding the same service for overlapping dates */
    ALERT_KIND_COUNT,
};

#define ALERT_BIT(kind) (1u << (unsigned)(kind))
#define ALERT_NO_GROUP INT32_MIN
#define ALERT_PROGRAMS_SIZE 128
#define ALERT_WHY_SIZE 640
#define ALERT_RESOLVES_SIZE 320

struct alert {
    enum alert_kind kind;
    int program; /* the program it concerns (catalog index), or -1 (the person, a whole group) */
    int group;   /* the exit group's key (exit_group_key), or ALERT_NO_GROUP */
    char programs[ALERT_PROGRAMS_SIZE]; /* the programs concerned, as codes: "WP, ADULT" */
    /* When it is (or was) due, or DATE_NONE:
     *   EXIT_COUNTDOWN the soft-exit day; DISENGAGED the day it began; YOUTH_CONTACT the month's
     *   last day; FOLLOW_UP_DUE the quarter's last day; NOTE_MISSING / NOTE_LATE the last day a
     *   note was on time; PLAN_REVIEW the first day the review was due; STALE_OPEN_SERVICE the
     *   projected end. */
    int32_t due_on;
    /* What it counts from, or DATE_NONE: the last qualifying service (EXIT_COUNTDOWN), the last
     * service or contact (DISENGAGED), the last in-person contact (YOUTH_CONTACT), the quarter's
     * first day (FOLLOW_UP_DUE), the service date (notes, stale, co-enrollment trigger), the last
     * review (PLAN_REVIEW), the start of the overlap (DUPLICATION). */
    int32_t since_on;
    /* EXIT_COUNTDOWN days remaining; DISENGAGED days without service or contact; YOUTH_CONTACT
     * days since the last in-person contact (-1: none); FOLLOW_UP_DUE the quarter number;
     * NOTE_MISSING business days since the service; NOTE_LATE business days the note came after
     * it; PLAN_REVIEW days since the last review; STALE_OPEN_SERVICE days past the projected end;
     * GAP_REVIEW gaps in the period; otherwise 0. */
    int count;
    int attempts;                 /* DISENGAGED: contacts since the last service, listed in why */
    int service;                  /* the service's index in the record, or -1 */
    int64_t service_id;           /* the service's id, or 0 */
    int64_t other_service_id;     /* DUPLICATION: the second service */
    int64_t plan_id;              /* PLAN_REVIEW */
    char rule[CATALOG_CODE_SIZE]; /* COENROLLMENT_MISSING: the rule id */
    char why[ALERT_WHY_SIZE];
    char resolves[ALERT_RESOLVES_SIZE];
};

struct alert_list {
    struct alert *items;
    size_t n, cap;
};

void alert_list_init(struct alert_list *list);
void alert_list_cleanup(struct alert_list *list);

/* What alerts_compute reads for one person.  Arrays may be NULL with a count of 0. */
struct alerts_input {
    const struct person_record *record;
    const struct exit_result *exits; /* exit_determine(record, as_of), same as_of */
    const struct person_facts
        *facts;                    /* for co-enrollment rules that need eligibility; may be NULL */
    const struct case_note *notes; /* matched to services by service_id */
    size_t n_notes;
    const struct contact *contacts;
    size_t n_contacts;
    const struct case_plan *plans;
    size_t n_plans;
    const struct plan_review *reviews;
    size_t n_reviews;
    const char *const *declined; /* co-enrollment rule ids the person declined */
    size_t n_declined;
    const struct coenroll_config *coenroll;       /* NULL: coenroll_config_defaults() */
    const struct eligibility_config *eligibility; /* NULL: eligibility_config_defaults() */
    /* ALERT_BIT()s of kinds not to compute — those whose records the reader may not see (a
     * missing note is not missing when the notes were withheld). */
    unsigned skip;
};

/* Computes every alert of the person as of as_of into out (emptied first), most urgent first.
 * Notes are checked for the stored services (id != 0) of each group's latest period that began
 * by as_of; so is duplication.  This function can't fail. */
void alerts_compute(const struct catalog *catalog, const struct policy *policy,
                    const struct alerts_input *input, int32_t as_of, struct alert_list *out);

/* Whether an exit group whose latest period has this status and soft-exit day gets an exit
 * countdown as of as_of (RULES.md §8: at or under policy.exit_countdown_days).  Such an alert has
 * no program and no service, and is due on the soft-exit day: a person's rank among those with
 * one is their earliest soft-exit day, which the stored clocks tell (app_caseload). */
bool alert_exit_countdown_due(const struct policy *policy, enum exit_status status,
                              int32_t soft_exit_on, int32_t as_of);

/* Urgency order: kind, then due date (undated last), then program and service.  qsort-style. */
int alert_compare(const struct alert *a, const struct alert *b);

/* What urgency is decided by, for ranking people by their most urgent alert without keeping
 * whole alerts. */
struct alert_rank {
    enum alert_kind kind;
    int32_t due_on;
    int program;
    int service;
};

void alert_rank_of(const struct alert *alert, struct alert_rank *out);
int alert_rank_compare(const struct alert_rank *a, const struct alert_rank *b);
void alerts_sort(struct alert_list *list);

/* "EXIT_COUNTDOWN", "DISENGAGED", ...; parse returns 0 or BR_EINVAL. */
const char *alert_kind_name(enum alert_kind kind);
int alert_kind_parse(const char *name, enum alert_kind *out);

#endif
