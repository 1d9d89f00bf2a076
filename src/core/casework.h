/* casework.h — the case-management records of RULES.md §9-11: consents to share, assessments,
 * plans (IEP / ISS) with their goals and reviews, and outcomes; their vocabularies, and the pure
 * rules about them (is a consent in force, is an assessment still current, is a review due, does
 * the record show a goal attained).
 *
 * Pure, like the rest of src/core: structs in, answers out; the store keeps these records and
 * src/app/records.c validates and writes them.  Text fields are fixed-size buffers, so every
 * value that comes from outside has a hard size cap. */
#ifndef BRAID_CORE_CASEWORK_H
#define BRAID_CORE_CASEWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/policy.h"

/* ---- consents (RULES.md §11) --------------------------------------------------------------- */

/* What a person lets a partner agency see.  The order is the access areas' order (access.h). */
enum consent_purpose {
    CONSENT_CASE_NOTES,
    CONSENT_ASSESSMENTS,
    CONSENT_PLANS,
    CONSENT_REFERRALS,
    CONSENT_PURPOSE_COUNT,
};

#define CONSENT_PURPOSE_BIT(purpose) (1u << (unsigned)(purpose))

struct consent {
    int64_t id;
    int64_t person_id;
    int64_t agency_id;   /* the partner agency the person shares with */
    unsigned purposes;   /* CONSENT_PURPOSE_BIT()s */
    int32_t from_on;     /* first day in force */
    int32_t until_on;    /* last day in force */
    int32_t revoked_on;  /* DATE_NONE until revoked; from this day on it is not in force */
    int64_t recorded_by; /* user id, 0 for the system */
};

/* "case_notes", "assessments", "plans", "referrals"; parse returns 0 or BR_EINVAL. */
const char *consent_purpose_name(enum consent_purpose purpose);
int consent_purpose_parse(const char *name, enum consent_purpose *out);

/* Whether the consent lets agency_id see purpose on day: from_on <= day <= until_on, and not
 * revoked on or before day.  Anything else (another agency, a purpose not given) is false. */
bool consent_active(const struct consent *consent, int64_t agency_id, enum consent_purpose purpose,
                    int32_t day);

/* ---- assessments (RULES.md §9) -------------------------------------------------------------- */

enum assessment_type {
    ASSESSMENT_OBJECTIVE, /* "OBJECTIVE_ASSESSMENT": the comprehensive / objective assessment */
    ASSESSMENT_TABE,
    ASSESSMENT_CASAS,
    ASSESSMENT_CAREERSCOPE,
    ASSESSMENT_NEEDS_BARRIERS, /* needs / barriers checklist */
    ASSESSMENT_TYPE_COUNT,
};

#define ASSESSMENT_SCORES_SIZE 4096   /* scores: a JSON object, as text */
#define ASSESSMENT_BARRIERS_SIZE 2048 /* barriers found: a JSON array of strings, as text */

struct assessment {
    int64_t id;
    int64_t person_id;
    enum assessment_type type;
    int32_t assessed_on;
    char scores[ASSESSMENT_SCORES_SIZE];
    char barriers[ASSESSMENT_BARRIERS_SIZE];
    int64_t agency_id; /* the agency that assessed (0 when unknown) */
    int64_t author_id;
};

const char *assessment_type_name(enum assessment_type type);
int assessment_type_parse(const char *name, enum assessment_type *out);

/* The last day an assessment is current: assessed_on + assessment_current_days - 1. */
int32_t assessment_current_until(int32_t assessed_on, const struct policy *policy);

/* The assessment that one of this type dated `on` would repeat (RULES.md §9, seed 000: no partner
 * repeats an assessment that is still current): one of the same type whose date is fewer than
 * assessment_current_days away from `on`, on either side.  Returns its index, or -1. */
long assessment_find_current(const struct assessment *list, size_t n, enum assessment_type type,
                             int32_t on, const struct policy *policy);

/* ---- plans, goals, reviews (RULES.md §9) ----------------------------------------------------- */

enum plan_kind {
    PLAN_IEP, /* Individual Employment Plan (adults) */
    PLAN_ISS, /* Individual Service Strategy (youth) */
};

struct case_plan {
    int64_t id;
    int64_t person_id;
    enum plan_kind kind;
    int32_t created_on;
    int32_t signed_on; /* DATE_NONE until signed */
    bool copy_given;   /* the participant was given a copy of the signed plan */
    int32_t closed_on; /* DATE_NONE while open: a plan stays open until exit (seed 003) */
    int64_t agency_id;
    int64_t author_id;
};

const char *plan_kind_name(enum plan_kind kind);
int plan_kind_parse(const char *name, enum plan_kind *out);

enum goal_status {
    GOAL_OPEN,
    GOAL_ATTAINED,
    GOAL_NOT_ATTAINED,
};

/* Goal types.  The first four have outcome records that can show them attained at exit. */
enum goal_type {
    GOAL_EMPLOYMENT,
    GOAL_CREDENTIAL,
    GOAL_SKILL_GAIN,
    GOAL_EDUCATION,
    GOAL_TRAINING_COMPLETION,
    GOAL_BASIC_SKILLS,
    GOAL_WORK_READINESS,
    GOAL_OCCUPATIONAL_SKILLS,
    GOAL_BARRIER_REMOVAL,
    GOAL_OTHER,
    GOAL_TYPE_COUNT,
};

#define GOAL_DESCRIPTION_SIZE 256

struct goal {
    int64_t id;
    int64_t person_id;
    int64_t plan_id;
    enum goal_type type;
    char description[GOAL_DESCRIPTION_SIZE];
    int32_t target_on;
    enum goal_status status;
    int32_t closed_on; /* DATE_NONE while open */
};

/* "open", "attained", "not_attained"; "EMPLOYMENT", "CREDENTIAL", ... */
const char *goal_status_name(enum goal_status status);
int goal_status_parse(const char *name, enum goal_status *out);
const char *goal_type_name(enum goal_type type);
int goal_type_parse(const char *name, enum goal_type *out);

#define PLAN_REVIEW_NOTE_SIZE 2048

struct plan_review {
    int64_t id;
    int64_t person_id;
    int64_t plan_id;
    int32_t reviewed_on;
    char note[PLAN_REVIEW_NOTE_SIZE];
    int64_t reviewer_id;
};

/* Where a plan stands on its reviews as of a day (RULES.md §8-9, seed 004: at least quarterly). */
struct plan_review_status {
    int32_t last_reviewed_on; /* the latest review, or DATE_NONE */
    int32_t due_on;           /* the first day the plan is "review due" */
    bool due;                 /* open, and not reviewed for more than plan_review_days */
};

/* Reviews of other plans in the list are ignored.  A plan never reviewed counts from its
 * creation.  A closed plan is never due.  This function can't fail. */
void plan_review_status(const struct case_plan *plan, const struct plan_review *reviews, size_t n,
                        int32_t as_of, const struct policy *policy, struct plan_review_status *out);

/* ---- case notes and contacts (RULES.md §8, §11) --------------------------------------------- */

struct case_note {
    int64_t id;
    int64_t person_id;
    int64_t service_id; /* 0 for a note without a service (a status update) */
    int64_t agency_id;
    int64_t author_id;
    int32_t written_on; /* the day it was entered: a note > 3 business days late is late (§8) */
    bool confidential;
    char *body;         /* owned by the caller on insert; by the note after a load (free it) */
};

enum contact_method {
    CONTACT_PHONE,
    CONTACT_LETTER,
    CONTACT_EMAIL,
    CONTACT_HOME_VISIT,
    CONTACT_IN_PERSON,
    CONTACT_OTHER_AGENCY,
    CONTACT_OTHER,
};

#define CONTACT_OUTCOME_SIZE 256

struct contact {
    int64_t id;
    int64_t person_id;
    int64_t staff_id;
    int32_t contacted_on;
    enum contact_method method;
    bool responded; /* a letter or e-mail without a response is not a quality contact (§8) */
    char outcome[CONTACT_OUTCOME_SIZE];
};

/* ---- outcomes (RULES.md §10) ----------------------------------------------------------------- */

enum outcome_kind {
    OUTCOME_EMPLOYMENT, /* by quarter, with earnings and employer id */
    OUTCOME_CREDENTIAL,
    OUTCOME_SKILL_GAIN, /* measurable skill gain */
    OUTCOME_EDUCATION,  /* enrollment in education or training */
    OUTCOME_KIND_COUNT,
};

#define OUTCOME_CODE_SIZE 32
#define OUTCOME_NO_EARNINGS (-1)

struct outcome {
    int64_t id;
    int64_t person_id;
    enum outcome_kind kind;
    int32_t outcome_on;     /* employment: the first day of its calendar quarter */
    int quarter;            /* employment: the calendar quarter, 1..4; 0 otherwise */
    int64_t earnings_cents; /* employment: earnings in the quarter; OUTCOME_NO_EARNINGS otherwise */
    char employer_id[OUTCOME_CODE_SIZE]; /* employment: FEIN or UI account number */
    char detail_type[OUTCOME_CODE_SIZE]; /* the credential, skill gain or education type */
    char source[OUTCOME_CODE_SIZE];      /* employment: "wage_record" or "supplemental" */
};

/* "employment", "credential", "skill_gain", "education" (the schema's names). */
const char *outcome_kind_name(enum outcome_kind kind);
int outcome_kind_parse(const char *name, enum outcome_kind *out);

/* The types an outcome of this kind may have (credential types, skill gain types, education
 * types; employment has none), as a NULL-terminated list. */
const char *const *outcome_types(enum outcome_kind kind);
bool outcome_type_valid(enum outcome_kind kind, const char *type);

/* The evidence of employment: "wage_record" (UI wage records) or "supplemental". */
bool outcome_source_valid(const char *source);

/* Whether the person's outcomes show the goal attained by exit_on: an employment goal by
 * employment in a quarter overlapping the plan's life, a credential, skill gain or education goal
 * by such an outcome dated from the plan's creation to exit_on.  Other goal types have no evidence
 * in the record: staff decide them. */
bool goal_attained_by_evidence(const struct goal *goal, const struct case_plan *plan,
                               const struct outcome *outcomes, size_t n, int32_t exit_on);

#endif
