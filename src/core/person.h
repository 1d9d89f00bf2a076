/* person.h — who a person is: the facts registration records and eligibility screening reads
 * (RULES.md §7), kept apart from their service history (record.h).
 *
 * Sensitive facts (RULES.md §11) are marked; the SSN itself never appears here — only its last
 * four digits — because it is stored encrypted by the store (identities). */
#ifndef BRAID_CORE_PERSON_H
#define BRAID_CORE_PERSON_H

#include <stdbool.h>
#include <stdint.h>

#define PERSON_NAME_SIZE 64
#define PERSON_ID_SIZE 40

enum sex { SEX_UNKNOWN, SEX_FEMALE, SEX_MALE, SEX_OTHER };

/* A yes/no fact that may not have been asked yet: screening says "potentially eligible" then. */
enum tristate { FACT_UNKNOWN = 0, FACT_NO = 1, FACT_YES = 2 };

/* WIOA sec. 3(15) dislocated-worker categories (RULES.md §7). */
enum dw_category {
    DW_NONE,
    DW_LAID_OFF,            /* laid off, unlikely to return */
    DW_PLANT_CLOSURE,       /* plant closure or substantial layoff */
    DW_SELF_EMPLOYED,       /* self-employed, out of work */
    DW_DISPLACED_HOMEMAKER,
    DW_MILITARY_SPOUSE,
    DW_SEPARATING_SERVICE_MEMBER,
};

struct person_facts {
    char first_name[PERSON_NAME_SIZE];
    char last_name[PERSON_NAME_SIZE];
    int32_t birth_on;                 /* DATE_NONE when unknown */
    enum sex sex;
    char ssn_last4[5];                /* "" when no SSN; the full SSN lives only encrypted */
    enum tristate authorized_to_work; /* sensitive: citizenship / resident status */
    enum tristate selective_service;  /* registered (males born on or after 1960-01-01) */
    enum tristate veteran;
    enum tristate eligible_spouse;    /* of a veteran (priority of service) */
    enum tristate low_income;         /* sensitive: public assistance */
    enum tristate public_assistance;  /* sensitive */
    enum tristate basic_skills_deficient;
    enum tristate english_learner;
    enum tristate disability;         /* sensitive */
    enum tristate offender;           /* sensitive: criminal record */
    enum tristate homeless;
    enum tristate foster_youth;       /* a local priority group (seed 004) */
    enum tristate pregnant_or_parenting;
    enum tristate attending_school;
    enum tristate has_diploma;        /* secondary diploma or equivalent */
    enum dw_category dw_category;
    char taa_petition[32];            /* certified TAA petition number, "" when none */
    /* A youth barrier: requires additional assistance to enter or complete education or to
     * secure employment (WIOA 129(a)(1); RULES.md §7 youth barriers). */
    enum tristate needs_additional_assistance;
};

#endif
