/* casework.c — the vocabularies of the case-management records and the pure rules about them
 * (casework.h).  Names are stated once here; the store writes them and the API reads them. */
#include "core/casework.h"

#include <string.h>

#include "core/date.h"
#include "core/error.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Index of name in names[count], or BR_EINVAL. */
static int
parse_name(const char *const *names, size_t count, const char *name, int *out)
{
    for (size_t i = 0; name != NULL && i < count; i++) {
        if (names[i] != NULL && strcmp(names[i], name) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    return BR_EINVAL;
}

static const char *
name_of(const char *const *names, size_t count, int value)
{
    return value >= 0 && (size_t)value < count ? names[value] : "unknown";
}

/* ---- consents -------------------------------------------------------------------------------- */

static const char *const consent_purpose_names[] = {
    [CONSENT_CASE_NOTES] = "case_notes",
    [CONSENT_ASSESSMENTS] = "assessments",
    [CONSENT_PLANS] = "plans",
    [CONSENT_REFERRALS] = "referrals",
};

const char *
consent_purpose_name(enum consent_purpose purpose)
{
    return name_of(consent_purpose_names, COUNT(consent_purpose_names), (int)purpose);
}

int
consent_purpose_parse(const char *name, enum consent_purpose *out)
{
    int i;
    if (parse_name(consent_purpose_names, COUNT(consent_purpose_names), name, &i) != 0)
        return BR_EINVAL;
    *out = (enum consent_purpose)i;
    return 0;
}

bool
consent_active(const struct consent *consent, int64_t agency_id, enum consent_purpose purpose,
               int32_t day)
{
    /* RULES.md §11: for this partner, this purpose, from and until when, revocable.  Every
     * question left open answers "no" (fail closed). */
    if ((unsigned)purpose >= CONSENT_PURPOSE_COUNT || agency_id == 0 ||
        consent->agency_id != agency_id)
        return false;
    if ((consent->purposes & CONSENT_PURPOSE_BIT(purpose)) == 0)
        return false;
    if (day == DATE_NONE || consent->from_on == DATE_NONE || consent->until_on == DATE_NONE)
        return false;
    if (day < consent->from_on || day > consent->until_on)
        return false;
    return consent->revoked_on == DATE_NONE || day < consent->revoked_on;
}

/* ---- assessments ----------------------------------------------------------------------------- */

static const char *const assessment_type_names[] = {
    [ASSESSMENT_OBJECTIVE] = "OBJECTIVE_ASSESSMENT",
    [ASSESSMENT_TABE] = "TABE",
    [ASSESSMENT_CASAS] = "CASAS",
    [ASSESSMENT_CAREERSCOPE] = "CAREERSCOPE",
    [ASSESSMENT_NEEDS_BARRIERS] = "NEEDS_BARRIERS",
};

const char *
assessment_type_name(enum assessment_type type)
{
    return name_of(assessment_type_names, COUNT(assessment_type_names), (int)type);
}

int
assessment_type_parse(const char *name, enum assessment_type *out)
{
    int i;
    if (parse_name(assessment_type_names, COUNT(assessment_type_names), name, &i) != 0)
        return BR_EINVAL;
    *out = (enum assessment_type)i;
    return 0;
}

int32_t
assessment_current_until(int32_t assessed_on, const struct policy *policy)
{
    return assessed_on + policy->assessment_current_days - 1;
}

long
assessment_find_current(const struct assessment *list, size_t n, enum assessment_type type,
                        int32_t on, const struct policy *policy)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i].type != type || list[i].assessed_on == DATE_NONE)
            continue;
        int32_t apart =
            on > list[i].assessed_on ? on - list[i].assessed_on : list[i].assessed_on - on;
        /* Either this one repeats an earlier one still current on its date, or an assessment
         * already recorded (dated later) makes this older one redundant. */
        if (apart < policy->assessment_current_days)
            return (long)i;
    }
    return -1;
}

/* ---- plans, goals and reviews ---------------------------------------------------------------- */

static const char *const plan_kind_names[] = {
    [PLAN_IEP] = "IEP",
    [PLAN_ISS] = "ISS",
};

const char *
plan_kind_name(enum plan_kind kind)
{
    return name_of(plan_kind_names, COUNT(plan_kind_names), (int)kind);
}

int
plan_kind_parse(const char *name, enum plan_kind *out)
{
    int i;
    if (parse_name(plan_kind_names, COUNT(plan_kind_names), name, &i) != 0)
        return BR_EINVAL;
    *out = (enum plan_kind)i;
    return 0;
}

static const char *const goal_status_names[] = {
    [GOAL_OPEN] = "open",
    [GOAL_ATTAINED] = "attained",
    [GOAL_NOT_ATTAINED] = "not_attained",
};

const char *
goal_status_name(enum goal_status status)
{
    return name_of(goal_status_names, COUNT(goal_status_names), (int)status);
}

int
goal_status_parse(const char *name, enum goal_status *out)
{
    int i;
    if (parse_name(goal_status_names, COUNT(goal_status_names), name, &i) != 0)
        return BR_EINVAL;
    *out = (enum goal_status)i;
    return 0;
}

static const char *const goal_type_names[] = {
    [GOAL_EMPLOYMENT] = "EMPLOYMENT",
    [GOAL_CREDENTIAL] = "CREDENTIAL",
    [GOAL_SKILL_GAIN] = "SKILL_GAIN",
    [GOAL_EDUCATION] = "EDUCATION",
    [GOAL_TRAINING_COMPLETION] = "TRAINING_COMPLETION",
    [GOAL_BASIC_SKILLS] = "BASIC_SKILLS",
    [GOAL_WORK_READINESS] = "WORK_READINESS",
    [GOAL_OCCUPATIONAL_SKILLS] = "OCCUPATIONAL_SKILLS",
    [GOAL_BARRIER_REMOVAL] = "BARRIER_REMOVAL",
    [GOAL_OTHER] = "OTHER",
};

_Static_assert(COUNT(goal_type_names) == GOAL_TYPE_COUNT, "every goal type has a name");

const char *
goal_type_name(enum goal_type type)
{
    return name_of(goal_type_names, COUNT(goal_type_names), (int)type);
}

int
goal_type_parse(const char *name, enum goal_type *out)
{
    int i;
    if (parse_name(goal_type_names, COUNT(goal_type_names), name, &i) != 0)
        return BR_EINVAL;
    *out = (enum goal_type)i;
    return 0;
}

void
plan_review_status(const struct case_plan *plan, const struct plan_review *reviews, size_t n,
                   int32_t as_of, const struct policy *policy, struct plan_review_status *out)
{
    out->last_reviewed_on = DATE_NONE;
    for (size_t i = 0; i < n; i++)
        if (reviews[i].plan_id == plan->id &&
            (out->last_reviewed_on == DATE_NONE || reviews[i].reviewed_on > out->last_reviewed_on))
            out->last_reviewed_on = reviews[i].reviewed_on;
    int32_t since = out->last_reviewed_on != DATE_NONE && out->last_reviewed_on > plan->created_on
                        ? out->last_reviewed_on
                        : plan->created_on;
    /* RULES.md §8: "not reviewed for more than plan_review_days" — due the day after that. */
    out->due_on = since + policy->plan_review_days + 1;
    out->due = plan->closed_on == DATE_NONE && as_of >= out->due_on;
}

/* ---- outcomes ----------------------------------------------------------------------------------
 */

static const char *const outcome_kind_names[] = {
    [OUTCOME_EMPLOYMENT] = "employment",
    [OUTCOME_CREDENTIAL] = "credential",
    [OUTCOME_SKILL_GAIN] = "skill_gain",
    [OUTCOME_EDUCATION] = "education",
};

const char *
outcome_kind_name(enum outcome_kind kind)
{
    return name_of(outcome_kind_names, COUNT(outcome_kind_names), (int)kind);
}

int
outcome_kind_parse(const char *name, enum outcome_kind *out)
{
    int i;
    if (parse_name(outcome_kind_names, COUNT(outcome_kind_names), name, &i) != 0)
        return BR_EINVAL;
    *out = (enum outcome_kind)i;
    return 0;
}

/* RULES.md §10; the types of recognized credential and of measurable skill gain of TEGL 10-16. */
static const char *const credential_types[] = {
    "SECONDARY_DIPLOMA",
    "SECONDARY_EQUIVALENCY",
    "POSTSECONDARY_CERTIFICATE",
    "ASSOCIATE_DEGREE",
    "BACHELOR_DEGREE",
    "GRADUATE_DEGREE",
    "OCCUPATIONAL_LICENSURE",
    "OCCUPATIONAL_CERTIFICATE",
    "APPRENTICESHIP_CERTIFICATE",
    NULL,
};
static const char *const skill_gain_types[] = {
    "EFL_GAIN",           /* educational functioning level */
    "SECONDARY_DIPLOMA",  /* attainment of a secondary diploma or equivalent */
    "TRANSCRIPT",         /* secondary or postsecondary transcript or report card */
    "TRAINING_MILESTONE", /* satisfactory progress report toward a milestone */
    "SKILLS_PROGRESSION", /* passing a knowledge-based exam */
    NULL,
};
static const char *const education_types[] = {
    "SECONDARY_EDUCATION",
    "POSTSECONDARY_EDUCATION",
    "OCCUPATIONAL_TRAINING",
    "APPRENTICESHIP",
    NULL,
};
static const char *const no_types[] = {NULL};
static const char *const employment_sources[] = {"wage_record", "supplemental", NULL};

const char *const *
outcome_types(enum outcome_kind kind)
{
    switch (kind) {
    case OUTCOME_CREDENTIAL:
        return credential_types;
    case OUTCOME_SKILL_GAIN:
        return skill_gain_types;
    case OUTCOME_EDUCATION:
        return education_types;
    case OUTCOME_EMPLOYMENT:
    case OUTCOME_KIND_COUNT:
        break;
    }
    return no_types;
}

static bool
in_list(const char *const *list, const char *value)
{
    for (size_t i = 0; value != NULL && list[i] != NULL; i++)
        if (strcmp(list[i], value) == 0)
            return true;
    return false;
}

bool
outcome_type_valid(enum outcome_kind kind, const char *type)
{
    return in_list(outcome_types(kind), type);
}

bool
outcome_source_valid(const char *source)
{
    return in_list(employment_sources, source);
}

bool
goal_attained_by_evidence(const struct goal *goal, const struct case_plan *plan,
                          const struct outcome *outcomes, size_t n, int32_t exit_on)
{
    enum outcome_kind wanted;

    switch (goal->type) {
    case GOAL_EMPLOYMENT:
        wanted = OUTCOME_EMPLOYMENT;
        break;
    case GOAL_CREDENTIAL:
        wanted = OUTCOME_CREDENTIAL;
        break;
    case GOAL_SKILL_GAIN:
        wanted = OUTCOME_SKILL_GAIN;
        break;
    case GOAL_EDUCATION:
        wanted = OUTCOME_EDUCATION;
        break;
    default:
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const struct outcome *o = &outcomes[i];
        if (o->kind != wanted || o->outcome_on == DATE_NONE)
            continue;
        /* Employment is known by quarter: a quarter that overlaps the plan's life counts. */
        int32_t last =
            wanted == OUTCOME_EMPLOYMENT ? date_quarter_end(o->outcome_on, 0) : o->outcome_on;
        if (o->outcome_on <= exit_on && last >= plan->created_on)
            return true;
    }
    return false;
}
