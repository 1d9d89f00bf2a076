/* eligibility.h — the eligibility screen of RULES.md §7: for a person's facts and an as-of date,
 * each program of the catalog is ELIGIBLE, POTENTIALLY_ELIGIBLE (the facts still missing are
 * named) or NOT_ELIGIBLE, always with the reasons; plus the Adult priority-of-service group.
 *
 * Pure: facts and a date in, results out.  A screen is a recommendation (seed 000, 002: every
 * customer is presented with what they are eligible or potentially eligible for); the
 * determination that enrolls someone is a separate, recorded act (app_determine_eligibility). */
#ifndef BRAID_CORE_ELIGIBILITY_H
#define BRAID_CORE_ELIGIBILITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/person.h"

#define ELIGIBILITY_MAX_REASONS 16
#define ELIGIBILITY_REASON_SIZE 192
#define ELIGIBILITY_MAX_MISSING 16
#define ELIGIBILITY_MAX_LOCAL 8

enum eligibility_status {
    ELIGIBILITY_NOT_ELIGIBLE,
    ELIGIBILITY_POTENTIALLY_ELIGIBLE,
    ELIGIBILITY_ELIGIBLE,
};

/* The two ways into WIOA Youth (RULES.md §7). */
enum youth_path {
    YOUTH_PATH_NONE,
    YOUTH_PATH_IN_SCHOOL,
    YOUTH_PATH_OUT_OF_SCHOOL,
};

struct eligibility_result {
    int program; /* catalog index */
    enum eligibility_status status;
    /* braid screens only a simple gate; the partner agency makes the determination. */
    bool partner_determines;
    enum youth_path youth_path; /* YOUTH: the path that qualifies, or the only one still open */
    size_t n_reasons;
    char reasons[ELIGIBILITY_MAX_REASONS][ELIGIBILITY_REASON_SIZE];
    /* POTENTIALLY_ELIGIBLE: the facts that would decide it, by their person_facts names
     * ("birth_date", "authorized_to_work", ...).  Static strings. */
    size_t n_missing;
    const char *missing[ELIGIBILITY_MAX_MISSING];
};

/* Priority of service for ADULT individualized and training services (RULES.md §7; 20 CFR
 * 680.600): 1 covered persons (veterans, eligible spouses) in a priority group (public assistance,
 * low income, basic skills deficient), 2 others in a priority group, 3 covered persons in none,
 * 4 everyone else.  A configured local priority group (seed 004: foster youth) goes first within
 * its group. */
struct eligibility_priority {
    int group;           /* 1..4 */
    bool covered;        /* veteran or eligible spouse */
    bool priority_group; /* public assistance, low income or basic skills deficient */
    bool local;          /* in a configured local priority group */
    char reason[ELIGIBILITY_REASON_SIZE];
    /* Facts not recorded that could move the person to a higher group. */
    size_t n_missing;
    const char *missing[ELIGIBILITY_MAX_MISSING];
};

/* The screen's settings.  Ages are statute; the work-authorization gate and the local priority
 * groups are a state's or board's choice (RULES.md §7). */
struct eligibility_config {
    int adult_min_age;                      /* 18 */
    bool adult_requires_work_authorization; /* true: "authorized to work (a configurable gate)" */
    int32_t selective_service_born_from;    /* males born on or after 1960-01-01 */
    int youth_in_school_min_age;            /* 14 */
    int youth_in_school_max_age;            /* 21 */
    int youth_out_of_school_min_age;        /* 16 */
    int youth_out_of_school_max_age;        /* 24 */
    int ael_min_age;                        /* 16: Title II serves those 16 and older */
    /* Yes/no facts of struct person_facts (by name, e.g. "foster_youth") that put a person in a
     * local priority group. */
    size_t n_local_priority;
    const char *local_priority[ELIGIBILITY_MAX_LOCAL];
};

/* The defaults of RULES.md §7, with foster youth as the local priority group (seed 004).
 * This function can't fail. */
void eligibility_config_defaults(struct eligibility_config *config);

/* Whether name is a yes/no fact of struct person_facts ("veteran", "foster_youth", ...), i.e. one a
 * local priority group may name. */
bool eligibility_fact_known(const char *name);

/* Completed years of age on as_of (a birthday counts from its day; someone born on 29 February
 * turns a year older on 1 March in common years).  -1 when birth_on is DATE_NONE or after as_of. */
int eligibility_age(int32_t birth_on, int32_t as_of);

/* Screens one program (a catalog index) for facts as of as_of.  Programs braid has no rule for
 * (a state's own) are POTENTIALLY_ELIGIBLE, determined by the partner agency.
 * This function can't fail. */
void eligibility_screen_program(const struct catalog *catalog,
                                const struct eligibility_config *config,
                                const struct person_facts *facts, int32_t as_of, int program,
                                struct eligibility_result *out);

/* Screens every program of the catalog, in catalog order, into results (up to max); returns how
 * many were written. */
size_t eligibility_screen(const struct catalog *catalog, const struct eligibility_config *config,
                          const struct person_facts *facts, int32_t as_of,
                          struct eligibility_result *results, size_t max);

/* The ADULT priority-of-service group.  Facts not recorded count as "no" for the group, and are
 * named in missing.  This function can't fail. */
void eligibility_priority(const struct eligibility_config *config, const struct person_facts *facts,
                          struct eligibility_priority *out);

/* A sort key for waitlists and caseloads: lower is served first (group, then local priority). */
int eligibility_priority_rank(const struct eligibility_priority *priority);

/* "eligible", "potentially_eligible", "not_eligible"; "in_school", "out_of_school", "none". */
const char *eligibility_status_name(enum eligibility_status status);
const char *youth_path_name(enum youth_path path);

#endif
