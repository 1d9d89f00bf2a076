/* coenroll.h — required co-enrollments and possible duplication (RULES.md §6; seed 002; 20 CFR
 * 618.325; seed 001).
 *
 * Each required co-enrollment is a rule in configuration — an id, a condition and the program
 * required — not code: coenroll_rules_default() gives the four of RULES.md §6, and a deployment
 * may pass its own table.  For one person as of a date, coenroll_check() reports every rule whose
 * condition holds while the required enrollment is missing, with the reason in the rule's words
 * ("needs WP enrollment because STAFF_JOB_SEARCH on 2026-02-03") and the one action that fixes it.
 * coenroll_duplications() flags two programs funding the same service for overlapping dates.
 *
 * Pure: structs in, findings out; today's date is a parameter. */
#ifndef BRAID_CORE_COENROLL_H
#define BRAID_CORE_COENROLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/eligibility.h"
#include "core/exit.h"
#include "core/person.h"
#include "core/record.h"

#define COENROLL_TEXT_SIZE 384

/* What makes a rule apply. */
enum coenroll_when {
    /* The person received, in the current period of the trigger program, a service matching the
     * rule's service filter. */
    COENROLL_WHEN_SERVICE,
    /* The person is an active participant of the trigger program. */
    COENROLL_WHEN_PARTICIPANT,
};

struct coenroll_rule {
    char id[CATALOG_CODE_SIZE]; /* "WP_FOR_STAFF_ASSISTED" */
    /* The trigger program's code, or "" with any_job_center for every job-center program other
     * than the required one (catalog programs[i].job_center). */
    char program[CATALOG_CODE_SIZE];
    bool any_job_center;
    enum coenroll_when when;
    /* COENROLL_WHEN_SERVICE: the service must trigger participation (staff-assisted), and/or be
     * of one category (category_filter true). */
    bool service_triggers;
    bool category_filter;
    enum service_category category;
    char requires[CATALOG_CODE_SIZE]; /* the program the person must be enrolled in */
    bool if_eligible; /* only when the screen finds the person eligible for it (or enrolled) */
    bool declinable;  /* a recorded decline satisfies the rule (TAA_REQUIRES_DW) */
};

struct coenroll_config {
    const struct coenroll_rule *rules;
    size_t n_rules;
    /* Service categories checked for duplication, as 1u << category (training by default). */
    unsigned duplication_categories;
};

/* The rules of RULES.md §6, a static table.  This function can't fail. */
const struct coenroll_rule *coenroll_rules_default(size_t *n);
/* The default rules and duplication categories. */
void coenroll_config_defaults(struct coenroll_config *config);

/* The rule of config with this id, or NULL.  This function can't fail. */
const struct coenroll_rule *coenroll_rule_find(const struct coenroll_config *config,
                                               const char *id);

/* What coenroll_check reads for one person. */
struct coenroll_input {
    const struct person_record *record;
    const struct exit_result *exits; /* exit_determine(record, as_of) */
    /* The person's facts for rules with if_eligible, screened with eligibility (NULL: defaults).
     * NULL facts: only an enrollment in the required program shows eligibility. */
    const struct person_facts *facts;
    const struct eligibility_config *eligibility;
    const char *const *declined; /* rule ids the person declined (a recorded decline) */
    size_t n_declined;
};

/* One missing required co-enrollment. */
struct coenroll_finding {
    size_t rule;                       /* index into the config's rules */
    int program;                       /* the trigger program */
    int requires;                      /* the program required */
    int service;                       /* the service that triggered it (record index), or -1 */
    int32_t since_on;                  /* the service's date, or the trigger program's entry date */
    char why[COENROLL_TEXT_SIZE];      /* "needs WP enrollment because STAFF_JOB_SEARCH on ..." */
    char resolves[COENROLL_TEXT_SIZE]; /* the one action that fixes it */
};

/* Checks every rule of config for the person as of as_of, writing up to max findings (one per
 * rule at most) and returning how many there are.  A rule naming a program the catalog does not
 * have is skipped.  Enrolled means an enrollment (eligibility determination) on or before as_of;
 * the condition is looked for only in the trigger program's latest period, when it is active.
 * This function can't fail. */
size_t coenroll_check(const struct catalog *catalog, const struct coenroll_config *config,
                      const struct coenroll_input *input, int32_t as_of,
                      struct coenroll_finding *findings, size_t max);

/* Two services of the same code, in a category config checks, funded by two different programs,
 * whose dates overlap (seed 001: possible duplication or supplanting). */
struct coenroll_duplication {
    int first, second;         /* record indexes, first < second */
    int32_t from_on, until_on; /* the overlap; until_on DATE_NONE while both are open */
    char why[COENROLL_TEXT_SIZE];
};

/* Finds every overlapping pair, writing up to max and returning how many there are.  A service's
 * dates run from its start to its actual end, else its projected end, else without end. */
size_t coenroll_duplications(const struct catalog *catalog, const struct coenroll_config *config,
                             const struct person_record *record, struct coenroll_duplication *out,
                             size_t max);

#endif
