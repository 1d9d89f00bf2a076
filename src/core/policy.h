/* policy.h — every policy number in one struct, with the defaults RULES.md gives.
 *
 * States and local boards differ, so these are settings (data/catalog.json "policy", or the
 * settings table), not literals: code says policy->exit_after_days, never 90. */
#ifndef BRAID_CORE_POLICY_H
#define BRAID_CORE_POLICY_H

/* What an open service whose projected end date has passed does to the clock (RULES.md §4). */
enum open_service_policy {
    OPEN_SERVICE_ENDS_AT_PROJECTED_END, /* counts as ended on its projected end; flagged stale */
    OPEN_SERVICE_STAYS_OPEN,            /* keeps holding the group until staff close it */
};

struct policy {
    int exit_after_days;          /* service-free days before a soft exit (90) */
    int gap_min_days;             /* shortest planned gap, start to planned end (91) */
    int gap_max_days;             /* longest planned gap (179) */
    int gap_review_count;         /* gaps in one period that flag supervisor review (3) */
    enum open_service_policy open_service_past_projected_end;
    int late_note_business_days;  /* a note later than this after its service is late (3) */
    int exit_countdown_days;      /* exiter alert threshold (30) */
    int disengaged_days;          /* no service and no contact for this long (30) */
    int plan_review_days;         /* IEP/ISS review interval (90) */
    int follow_up_months;         /* follow-up after exit (12) */
    int follow_up_interval_months; /* a follow-up is due every so many months after exit (3) */
    int assessment_current_days;  /* an assessment stays current this long: not repeated (365) */
};

/* Fills policy with the defaults of RULES.md. */
void policy_defaults(struct policy *policy);

/* Name <-> enum for the open-service policy ("ends_at_projected_end", "stays_open"). */
const char *open_service_policy_name(enum open_service_policy value);
int open_service_policy_parse(const char *name, enum open_service_policy *out);

#endif
