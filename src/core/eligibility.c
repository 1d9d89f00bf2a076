/* eligibility.c — the eligibility screen of RULES.md §7 and the Adult priority of service.
 *
 * Every requirement is judged three ways: met, not met, or not known yet (a fact not recorded).
 * A program is NOT_ELIGIBLE when any requirement is not met, POTENTIALLY_ELIGIBLE when none fails
 * but some are unknown (the missing facts are named), and ELIGIBLE when all are met. */
#include "core/eligibility.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/date.h"

/* The yes/no facts a rule or a local priority group may name, by their person_facts names (the
 * same names the store and the person bundle use). */
struct fact_name {
    const char *name;
    size_t offset; /* of an enum tristate in struct person_facts */
};

#define FACT(field)                                                                                \
    {                                                                                              \
#field, offsetof(struct person_facts, field)                                               \
    }

static const struct fact_name fact_names[] = {
    FACT(authorized_to_work),
    FACT(selective_service),
    FACT(veteran),
    FACT(eligible_spouse),
    FACT(low_income),
    FACT(public_assistance),
    FACT(basic_skills_deficient),
    FACT(english_learner),
    FACT(disability),
    FACT(offender),
    FACT(homeless),
    FACT(foster_youth),
    FACT(pregnant_or_parenting),
    FACT(attending_school),
    FACT(has_diploma),
    FACT(needs_additional_assistance),
};

#define FACT_NAME_COUNT (sizeof(fact_names) / sizeof(fact_names[0]))

static enum tristate
fact_at(const struct person_facts *facts, size_t offset)
{
    enum tristate value;
    memcpy(&value, (const char *)facts + offset, sizeof(value));
    return value == FACT_YES || value == FACT_NO ? value : FACT_UNKNOWN;
}

static const struct fact_name *
fact_lookup(const char *name)
{
    for (size_t i = 0; name != NULL && i < FACT_NAME_COUNT; i++)
        if (strcmp(fact_names[i].name, name) == 0)
            return &fact_names[i];
    return NULL;
}

bool
eligibility_fact_known(const char *name)
{
    return fact_lookup(name) != NULL;
}

void
eligibility_config_defaults(struct eligibility_config *config)
{
    memset(config, 0, sizeof(*config));
    /* RULES.md §7: ADULT is 18 or older, authorized to work (a gate a state may turn off), and
     * registered with Selective Service if male and born on or after 1960-01-01. */
    config->adult_min_age = 18;
    config->adult_requires_work_authorization = true;
    config->selective_service_born_from = date_from_ymd(1960, 1, 1);
    /* RULES.md §7: in-school youth 14-21, out-of-school youth 16-24. */
    config->youth_in_school_min_age = 14;
    config->youth_in_school_max_age = 21;
    config->youth_out_of_school_min_age = 16;
    config->youth_out_of_school_max_age = 24;
    config->ael_min_age = 16; /* WIOA 203(4): Title II serves those 16 and older */
    /* Seed 004: "Priority of services will be given to Veterans and Foster Youth." */
    config->n_local_priority = 1;
    config->local_priority[0] = "foster_youth";
}

int
eligibility_age(int32_t birth_on, int32_t as_of)
{
    int by, bm, bd, ay, am, ad;

    if (birth_on == DATE_NONE || as_of == DATE_NONE || birth_on > as_of)
        return -1;
    date_to_ymd(birth_on, &by, &bm, &bd);
    date_to_ymd(as_of, &ay, &am, &ad);
    int age = ay - by;
    if (am < bm || (am == bm && ad < bd))
        age--;
    return age;
}

const char *
eligibility_status_name(enum eligibility_status status)
{
    switch (status) {
    case ELIGIBILITY_ELIGIBLE:
        return "eligible";
    case ELIGIBILITY_POTENTIALLY_ELIGIBLE:
        return "potentially_eligible";
    case ELIGIBILITY_NOT_ELIGIBLE:
        return "not_eligible";
    }
    return "unknown";
}

const char *
youth_path_name(enum youth_path path)
{
    switch (path) {
    case YOUTH_PATH_IN_SCHOOL:
        return "in_school";
    case YOUTH_PATH_OUT_OF_SCHOOL:
        return "out_of_school";
    case YOUTH_PATH_NONE:
        return "none";
    }
    return "none";
}

/* ---- building one result ----------------------------------------------------------------- */

/* One program's screen under way: any failed requirement makes it NOT_ELIGIBLE, any unknown one
 * (with none failed) POTENTIALLY_ELIGIBLE. */
struct screen {
    struct eligibility_result *r;
    bool failed;
    bool unknown;
};

static void reason(struct eligibility_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reason(struct eligibility_result *r, const char *fmt, ...)
{
    if (r->n_reasons >= ELIGIBILITY_MAX_REASONS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reasons[r->n_reasons++], ELIGIBILITY_REASON_SIZE, fmt, ap);
    va_end(ap);
}

static void
add_missing(const char **missing, size_t *n, const char *fact)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(missing[i], fact) == 0)
            return;
    if (*n < ELIGIBILITY_MAX_MISSING)
        missing[(*n)++] = fact;
}

static void
missing(struct screen *s, const char *fact)
{
    s->unknown = true;
    add_missing(s->r->missing, &s->r->n_missing, fact);
}

static void
result_start(struct eligibility_result *r, int program)
{
    memset(r, 0, sizeof(*r));
    r->program = program;
    r->status = ELIGIBILITY_NOT_ELIGIBLE;
    r->youth_path = YOUTH_PATH_NONE;
}

static void
screen_finish(struct screen *s)
{
    if (s->failed) {
        s->r->status = ELIGIBILITY_NOT_ELIGIBLE;
        s->r->n_missing = 0; /* nothing that is missing could change the answer */
    } else if (s->unknown) {
        s->r->status = ELIGIBILITY_POTENTIALLY_ELIGIBLE;
    } else {
        s->r->status = ELIGIBILITY_ELIGIBLE;
    }
}

/* A yes/no requirement: the fact must be `want`. */
static void
require_fact(struct screen *s, enum tristate value, enum tristate want, const char *fact,
             const char *met, const char *not_met)
{
    if (value == FACT_UNKNOWN) {
        missing(s, fact);
        reason(s->r, "%s: not recorded", fact);
    } else if (value == want) {
        reason(s->r, "%s", met);
    } else {
        s->failed = true;
        reason(s->r, "%s", not_met);
    }
}

/* An age requirement, min..max inclusive (max < 0: no upper bound). */
static void
require_age(struct screen *s, const struct person_facts *facts, int32_t as_of, int min, int max)
{
    char day[DATE_TEXT_SIZE];
    int age = eligibility_age(facts->birth_on, as_of);

    date_format(as_of, day);
    if (age < 0) {
        missing(s, "birth_date");
        reason(s->r, "birth_date: not recorded, so the age on %s is not known", day);
    } else if (age < min) {
        s->failed = true;
        reason(s->r, "age %d on %s: under %d", age, day, min);
    } else if (max >= 0 && age > max) {
        s->failed = true;
        reason(s->r, "age %d on %s: over %d", age, day, max);
    } else if (max >= 0) {
        reason(s->r, "age %d on %s: within %d-%d", age, day, min, max);
    } else {
        reason(s->r, "age %d on %s: %d or older", age, day, min);
    }
}

/* Males born on or after the cutoff must be registered with Selective Service (RULES.md §7). */
static void
require_selective_service(struct screen *s, const struct eligibility_config *config,
                          const struct person_facts *facts)
{
    char cutoff[DATE_TEXT_SIZE];

    date_format(config->selective_service_born_from, cutoff);
    if (facts->selective_service == FACT_YES) {
        reason(s->r, "registered with Selective Service");
        return;
    }
    if (facts->sex == SEX_FEMALE) {
        reason(s->r, "Selective Service registration does not apply (female)");
        return;
    }
    if (facts->birth_on != DATE_NONE && facts->birth_on < config->selective_service_born_from) {
        reason(s->r, "Selective Service registration does not apply (born before %s)", cutoff);
        return;
    }
    if (facts->birth_on == DATE_NONE) {
        /* Whether it applies depends on the birth date, which the age check already asks for. */
        missing(s, "birth_date");
        if (facts->selective_service == FACT_UNKNOWN && facts->sex != SEX_FEMALE)
            missing(s, "selective_service");
        reason(s->r,
               "Selective Service: applies to males born on or after %s; birth date not "
               "recorded",
               cutoff);
        return;
    }
    if (facts->sex == SEX_UNKNOWN) {
        missing(s, "sex");
        if (facts->selective_service == FACT_UNKNOWN)
            missing(s, "selective_service");
        reason(s->r, "Selective Service: applies to males born on or after %s; sex not recorded",
               cutoff);
        return;
    }
    if (facts->sex == SEX_OTHER) {
        /* Registration follows the sex assigned at birth, which braid does not record: ask. */
        if (facts->selective_service == FACT_NO)
            reason(s->r, "Selective Service: not registered; staff confirm whether registration "
                         "applies");
        else
            reason(s->r, "Selective Service: staff confirm whether registration applies");
        missing(s, "selective_service");
        return;
    }
    /* A male born on or after the cutoff. */
    if (facts->selective_service == FACT_UNKNOWN) {
        missing(s, "selective_service");
        reason(s->r, "selective_service: not recorded (required of males born on or after %s)",
               cutoff);
        return;
    }
    s->failed = true;
    reason(s->r, "not registered with Selective Service (required of males born on or after %s)",
           cutoff);
}

/* ---- the programs -------------------------------------------------------------------------- */

static void
screen_adult(const struct eligibility_config *config, const struct person_facts *facts,
             int32_t as_of, struct eligibility_result *r)
{
    struct screen s = {r, false, false};

    require_age(&s, facts, as_of, config->adult_min_age, -1);
    if (config->adult_requires_work_authorization)
        require_fact(&s, facts->authorized_to_work, FACT_YES, "authorized_to_work",
                     "authorized to work in the United States",
                     "not authorized to work in the United States");
    require_selective_service(&s, config, facts);
    screen_finish(&s);
}

static const char *
dw_category_title(enum dw_category category)
{
    switch (category) {
    case DW_LAID_OFF:
        return "laid off and unlikely to return";
    case DW_PLANT_CLOSURE:
        return "plant closure or substantial layoff";
    case DW_SELF_EMPLOYED:
        return "self-employed and out of work";
    case DW_DISPLACED_HOMEMAKER:
        return "displaced homemaker";
    case DW_MILITARY_SPOUSE:
        return "military spouse";
    case DW_SEPARATING_SERVICE_MEMBER:
        return "separating service member";
    case DW_NONE:
        break;
    }
    return NULL;
}

static void
screen_dw(const struct person_facts *facts, struct eligibility_result *r)
{
    struct screen s = {r, false, false};
    const char *title = dw_category_title(facts->dw_category);

    /* RULES.md §7: one of the WIOA 3(15) categories, fixed at the determination. */
    if (title != NULL) {
        reason(r, "dislocated worker: %s (WIOA 3(15))", title);
    } else {
        s.failed = true;
        reason(r, "no WIOA 3(15) dislocated-worker category recorded (dw_category)");
    }
    screen_finish(&s);
}

/* A youth barrier: every fact in `all` has its wanted value and, when `any` is given, at least one
 * fact in `any` has its wanted value. */
struct fact_test {
    const char *name;
    size_t offset;
    enum tristate want;
};

struct barrier {
    const char *label;
    struct fact_test all[2];
    size_t n_all;
    struct fact_test any[3];
    size_t n_any;
};

#define TEST(field, want)                                                                          \
    {                                                                                              \
#field, offsetof(struct person_facts, field), want                                         \
    }
#define B1(label, field)                                                                           \
    {                                                                                              \
        label, {TEST(field, FACT_YES)}, 1, {{0}}, 0                                                \
    }

/* In-school youth barriers (WIOA 129(a)(1)(C)(iv)); low income is a separate requirement. */
static const struct barrier in_school_barriers[] = {
    B1("basic skills deficient", basic_skills_deficient),
    B1("English language learner", english_learner),
    B1("offender", offender),
    B1("homeless or runaway", homeless),
    B1("in or aged out of foster care", foster_youth),
    B1("pregnant or parenting", pregnant_or_parenting),
    B1("individual with a disability", disability),
    B1("requires additional assistance", needs_additional_assistance),
};

/* Out-of-school youth barriers (WIOA 129(a)(1)(B)(iii)): low income only where RULES.md §7 says. */
static const struct barrier out_of_school_barriers[] = {
    {"school dropout (no secondary diploma)", {TEST(has_diploma, FACT_NO)}, 1, {{0}}, 0},
    B1("offender", offender),
    B1("homeless or runaway", homeless),
    B1("in or aged out of foster care", foster_youth),
    B1("pregnant or parenting", pregnant_or_parenting),
    B1("individual with a disability", disability),
    {"secondary diploma, low income, and basic skills deficient or English language learner",
     {TEST(has_diploma, FACT_YES), TEST(low_income, FACT_YES)},
     2,
     {TEST(basic_skills_deficient, FACT_YES), TEST(english_learner, FACT_YES)},
     2},
    {"low income and requires additional assistance",
     {TEST(low_income, FACT_YES), TEST(needs_additional_assistance, FACT_YES)},
     2,
     {{0}},
     0},
};

static enum tristate
test_value(const struct person_facts *facts, const struct fact_test *t)
{
    enum tristate v = fact_at(facts, t->offset);
    if (v == FACT_UNKNOWN)
        return FACT_UNKNOWN;
    return v == t->want ? FACT_YES : FACT_NO;
}

/* Three-valued: YES when the barrier holds, NO when it cannot, UNKNOWN otherwise; for UNKNOWN,
 * the facts that would decide it are added to missing. */
static enum tristate
barrier_value(const struct person_facts *facts, const struct barrier *b, const char **missing,
              size_t *n_missing)
{
    enum tristate all = FACT_YES, any = b->n_any > 0 ? FACT_NO : FACT_YES;

    for (size_t i = 0; i < b->n_all; i++) {
        enum tristate v = test_value(facts, &b->all[i]);
        if (v == FACT_NO)
            all = FACT_NO;
        else if (v == FACT_UNKNOWN && all == FACT_YES)
            all = FACT_UNKNOWN;
    }
    for (size_t i = 0; i < b->n_any; i++) {
        enum tristate v = test_value(facts, &b->any[i]);
        if (v == FACT_YES)
            any = FACT_YES;
        else if (v == FACT_UNKNOWN && any == FACT_NO)
            any = FACT_UNKNOWN;
    }
    if (all == FACT_NO || any == FACT_NO)
        return FACT_NO;
    if (all == FACT_YES && any == FACT_YES)
        return FACT_YES;
    for (size_t i = 0; i < b->n_all; i++)
        if (test_value(facts, &b->all[i]) == FACT_UNKNOWN)
            add_missing(missing, n_missing, b->all[i].name);
    for (size_t i = 0; any == FACT_UNKNOWN && i < b->n_any; i++)
        if (test_value(facts, &b->any[i]) == FACT_UNKNOWN)
            add_missing(missing, n_missing, b->any[i].name);
    return FACT_UNKNOWN;
}

/* At least one barrier of the list. */
static void
require_barrier(struct screen *s, const struct person_facts *facts, const struct barrier *list,
                size_t n)
{
    const char *unknown[ELIGIBILITY_MAX_MISSING];
    size_t n_unknown = 0;
    char found[ELIGIBILITY_REASON_SIZE] = "";
    size_t used = 0;

    for (size_t i = 0; i < n; i++) {
        enum tristate v = barrier_value(facts, &list[i], unknown, &n_unknown);
        if (v == FACT_YES && used < sizeof(found)) {
            int w = snprintf(found + used, sizeof(found) - used, "%s%s", used ? "; " : "",
                             list[i].label);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    if (found[0] != '\0') {
        reason(s->r, "barrier: %s", found);
        return;
    }
    if (n_unknown > 0) {
        for (size_t i = 0; i < n_unknown; i++)
            missing(s, unknown[i]);
        reason(s->r, "no barrier recorded yet; some barrier facts are not recorded");
        return;
    }
    s->failed = true;
    reason(s->r, "no barrier to employment (at least one is required)");
}

static void
screen_youth_in_school(const struct eligibility_config *config, const struct person_facts *facts,
                       int32_t as_of, struct eligibility_result *r)
{
    struct screen s = {r, false, false};

    require_age(&s, facts, as_of, config->youth_in_school_min_age, config->youth_in_school_max_age);
    require_fact(&s, facts->attending_school, FACT_YES, "attending_school", "attending school",
                 "not attending school");
    require_fact(&s, facts->low_income, FACT_YES, "low_income", "low income", "not low income");
    require_barrier(&s, facts, in_school_barriers,
                    sizeof(in_school_barriers) / sizeof(in_school_barriers[0]));
    screen_finish(&s);
}

static void
screen_youth_out_of_school(const struct eligibility_config *config,
                           const struct person_facts *facts, int32_t as_of,
                           struct eligibility_result *r)
{
    struct screen s = {r, false, false};

    require_age(&s, facts, as_of, config->youth_out_of_school_min_age,
                config->youth_out_of_school_max_age);
    require_fact(&s, facts->attending_school, FACT_NO, "attending_school", "not attending school",
                 "attending school");
    require_barrier(&s, facts, out_of_school_barriers,
                    sizeof(out_of_school_barriers) / sizeof(out_of_school_barriers[0]));
    screen_finish(&s);
}

/* Copies one path's reasons (prefixed with the path) and missing facts into r. */
static void
merge_path(struct eligibility_result *r, const struct eligibility_result *path, const char *label)
{
    for (size_t i = 0; i < path->n_reasons; i++)
        reason(r, "%s: %s", label, path->reasons[i]);
    for (size_t i = 0; i < path->n_missing; i++)
        add_missing(r->missing, &r->n_missing, path->missing[i]);
}

/* YOUTH: in-school or out-of-school (RULES.md §7).  The first path that qualifies decides;
 * otherwise every path still open is reported with what it is missing. */
static void
screen_youth(const struct eligibility_config *config, const struct person_facts *facts,
             int32_t as_of, struct eligibility_result *r)
{
    struct eligibility_result isy, osy;

    result_start(&isy, r->program);
    result_start(&osy, r->program);
    screen_youth_in_school(config, facts, as_of, &isy);
    screen_youth_out_of_school(config, facts, as_of, &osy);

    if (isy.status == ELIGIBILITY_ELIGIBLE || osy.status == ELIGIBILITY_ELIGIBLE) {
        bool in_school = isy.status == ELIGIBILITY_ELIGIBLE;
        r->status = ELIGIBILITY_ELIGIBLE;
        r->youth_path = in_school ? YOUTH_PATH_IN_SCHOOL : YOUTH_PATH_OUT_OF_SCHOOL;
        merge_path(r, in_school ? &isy : &osy, in_school ? "in-school" : "out-of-school");
        return;
    }
    bool isy_open = isy.status == ELIGIBILITY_POTENTIALLY_ELIGIBLE;
    bool osy_open = osy.status == ELIGIBILITY_POTENTIALLY_ELIGIBLE;
    if (isy_open || osy_open) {
        r->status = ELIGIBILITY_POTENTIALLY_ELIGIBLE;
        r->youth_path = isy_open && osy_open ? YOUTH_PATH_NONE
                        : isy_open           ? YOUTH_PATH_IN_SCHOOL
                                             : YOUTH_PATH_OUT_OF_SCHOOL;
        if (isy_open)
            merge_path(r, &isy, "in-school");
        if (osy_open)
            merge_path(r, &osy, "out-of-school");
        return;
    }
    r->status = ELIGIBILITY_NOT_ELIGIBLE;
    merge_path(r, &isy, "in-school");
    merge_path(r, &osy, "out-of-school");
}

static void
screen_wp(const struct person_facts *facts, struct eligibility_result *r)
{
    struct screen s = {r, false, false};

    /* RULES.md §7: anyone legally entitled to work. */
    require_fact(&s, facts->authorized_to_work, FACT_YES, "authorized_to_work",
                 "legally entitled to work in the United States",
                 "not legally entitled to work in the United States");
    screen_finish(&s);
}

static void
screen_taa(const struct person_facts *facts, struct eligibility_result *r)
{
    struct screen s = {r, false, false};

    /* RULES.md §7: covered by a certified petition. */
    if (facts->taa_petition[0] != '\0') {
        reason(r, "covered by certified TAA petition %s", facts->taa_petition);
        if (dw_category_title(facts->dw_category) != NULL)
            reason(r, "DW-eligible: co-enroll in DW (TAA_REQUIRES_DW; the person may decline)");
        else
            reason(r, "not DW-eligible yet: record the dislocated-worker category for DW "
                      "co-enrollment");
    } else if (facts->dw_category == DW_LAID_OFF || facts->dw_category == DW_PLANT_CLOSURE) {
        /* A laid-off worker may be covered by a petition nobody has looked up yet. */
        missing(&s, "taa_petition");
        reason(r, "laid off: check whether the employer is covered by a certified TAA petition");
    } else {
        s.failed = true;
        reason(r, "no certified TAA petition recorded (taa_petition)");
    }
    screen_finish(&s);
}

/* NDWG: grants serve dislocated workers, each by its own criteria, so braid only points the way. */
static void
screen_ndwg(const struct person_facts *facts, struct eligibility_result *r)
{
    const char *title = dw_category_title(facts->dw_category);

    r->partner_determines = true;
    r->status = ELIGIBILITY_POTENTIALLY_ELIGIBLE;
    if (title != NULL) {
        reason(r, "dislocated worker: %s; the grant's own criteria are determined by the grantee",
               title);
        return;
    }
    add_missing(r->missing, &r->n_missing, "dw_category");
    reason(r, "no dislocated-worker category recorded; some grants also serve the long-term "
              "unemployed: determined by the grantee");
}

static void
screen_jvsg(const struct person_facts *facts, struct eligibility_result *r)
{
    struct screen s = {r, false, false};

    /* RULES.md §7: a veteran or an eligible spouse. */
    if (facts->veteran == FACT_YES) {
        reason(r, "veteran");
    } else if (facts->eligible_spouse == FACT_YES) {
        reason(r, "eligible spouse of a veteran");
    } else if (facts->veteran == FACT_NO && facts->eligible_spouse == FACT_NO) {
        s.failed = true;
        reason(r, "neither a veteran nor an eligible spouse");
    } else {
        if (facts->veteran == FACT_UNKNOWN)
            missing(&s, "veteran");
        if (facts->eligible_spouse == FACT_UNKNOWN)
            missing(&s, "eligible_spouse");
        reason(r, "veteran status not recorded");
    }
    screen_finish(&s);
}

/* A program braid screens only by a simple gate: passing it leaves the person potentially
 * eligible, for the partner agency to determine; failing it makes them not eligible. */
static void
screen_gate(const struct person_facts *facts, size_t offset, const char *fact, const char *met,
            const char *not_met, struct eligibility_result *r)
{
    struct screen s = {r, false, false};
    enum tristate v = fact_at(facts, offset);

    r->partner_determines = true;
    if (v == FACT_YES) {
        reason(r, "%s; determined by the partner agency", met);
        s.unknown = true;
    } else if (v == FACT_NO) {
        s.failed = true;
        reason(r, "%s", not_met);
    } else {
        missing(&s, fact);
        reason(r, "%s: not recorded; determined by the partner agency", fact);
    }
    screen_finish(&s);
}

/* Title II: 16 or older, not enrolled in secondary school, and basic skills deficient, without a
 * secondary diploma, or an English language learner (WIOA 203(4)). */
static void
screen_ael(const struct eligibility_config *config, const struct person_facts *facts, int32_t as_of,
           struct eligibility_result *r)
{
    static const struct barrier need = {
        "basic skills deficient, no secondary diploma, or English language learner",
        {{0}},
        0,
        {TEST(basic_skills_deficient, FACT_YES), TEST(has_diploma, FACT_NO),
         TEST(english_learner, FACT_YES)},
        3,
    };
    struct screen s = {r, false, false};
    const char *unknown[ELIGIBILITY_MAX_MISSING];
    size_t n_unknown = 0;

    r->partner_determines = true;
    require_age(&s, facts, as_of, config->ael_min_age, -1);
    require_fact(&s, facts->attending_school, FACT_NO, "attending_school",
                 "not enrolled in secondary school", "enrolled in school");
    enum tristate v = barrier_value(facts, &need, unknown, &n_unknown);
    if (v == FACT_YES) {
        reason(r, "%s", need.label);
    } else if (v == FACT_NO) {
        s.failed = true;
        reason(r, "has a secondary diploma, basic skills, and English");
    } else {
        for (size_t i = 0; i < n_unknown; i++)
            missing(&s, unknown[i]);
        reason(r, "basic skills, diploma or English not recorded");
    }
    if (!s.failed && !s.unknown)
        s.unknown = true; /* the provider determines: at best potentially eligible here */
    reason(r, "determined by the partner agency");
    screen_finish(&s);
}

void
eligibility_screen_program(const struct catalog *catalog, const struct eligibility_config *config,
                           const struct person_facts *facts, int32_t as_of, int program,
                           struct eligibility_result *out)
{
    const char *code = catalog->programs[program].code;

    result_start(out, program);
    if (strcmp(code, "ADULT") == 0) {
        screen_adult(config, facts, as_of, out);
    } else if (strcmp(code, "DW") == 0) {
        screen_dw(facts, out);
    } else if (strcmp(code, "YOUTH") == 0) {
        screen_youth(config, facts, as_of, out);
    } else if (strcmp(code, "WP") == 0) {
        screen_wp(facts, out);
    } else if (strcmp(code, "TAA") == 0) {
        screen_taa(facts, out);
    } else if (strcmp(code, "JVSG") == 0) {
        screen_jvsg(facts, out);
    } else if (strcmp(code, "NDWG") == 0) {
        screen_ndwg(facts, out);
    } else if (strcmp(code, "AEL") == 0) {
        screen_ael(config, facts, as_of, out);
    } else if (strcmp(code, "VR") == 0) {
        screen_gate(facts, offsetof(struct person_facts, disability), "disability",
                    "an individual with a disability", "VR serves individuals with disabilities",
                    out);
    } else if (strcmp(code, "SNAP_ET") == 0 || strcmp(code, "TANF") == 0) {
        screen_gate(facts, offsetof(struct person_facts, public_assistance), "public_assistance",
                    "receives public assistance",
                    "receives no public assistance, which this program requires", out);
    } else {
        /* REFUGEE and any program a state adds: no gate braid knows. */
        out->partner_determines = true;
        out->status = ELIGIBILITY_POTENTIALLY_ELIGIBLE;
        reason(out, "potentially eligible — determined by the partner agency");
    }
}

size_t
eligibility_screen(const struct catalog *catalog, const struct eligibility_config *config,
                   const struct person_facts *facts, int32_t as_of,
                   struct eligibility_result *results, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < catalog->n_programs && n < max; i++)
        eligibility_screen_program(catalog, config, facts, as_of, (int)i, &results[n++]);
    return n;
}

/* ---- priority of service ------------------------------------------------------------------- */

void
eligibility_priority(const struct eligibility_config *config, const struct person_facts *facts,
                     struct eligibility_priority *out)
{
    static const struct fact_test covered_by[] = {
        TEST(veteran, FACT_YES),
        TEST(eligible_spouse, FACT_YES),
    };
    static const struct fact_test groups[] = {
        TEST(public_assistance, FACT_YES),
        TEST(low_income, FACT_YES),
        TEST(basic_skills_deficient, FACT_YES),
    };
    const char *in_group = NULL;

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < 2; i++) {
        enum tristate v = test_value(facts, &covered_by[i]);
        if (v == FACT_YES)
            out->covered = true;
    }
    for (size_t i = 0; i < 3; i++) {
        enum tristate v = test_value(facts, &groups[i]);
        if (v == FACT_YES && in_group == NULL) {
            out->priority_group = true;
            in_group = groups[i].name;
        }
    }
    /* Unknown facts count as "no"; name the ones that could raise the group. */
    for (size_t i = 0; !out->covered && i < 2; i++)
        if (test_value(facts, &covered_by[i]) == FACT_UNKNOWN)
            add_missing(out->missing, &out->n_missing, covered_by[i].name);
    for (size_t i = 0; !out->priority_group && i < 3; i++)
        if (test_value(facts, &groups[i]) == FACT_UNKNOWN)
            add_missing(out->missing, &out->n_missing, groups[i].name);
    for (size_t i = 0; i < config->n_local_priority && i < ELIGIBILITY_MAX_LOCAL; i++) {
        const struct fact_name *f = fact_lookup(config->local_priority[i]);
        if (f != NULL && fact_at(facts, f->offset) == FACT_YES)
            out->local = true;
    }

    if (out->covered && out->priority_group) {
        out->group = 1;
        snprintf(out->reason, sizeof(out->reason),
                 "1: veteran or eligible spouse in a priority group (%s)", in_group);
    } else if (out->priority_group) {
        out->group = 2;
        snprintf(out->reason, sizeof(out->reason), "2: in a priority group (%s)", in_group);
    } else if (out->covered) {
        out->group = 3;
        snprintf(out->reason, sizeof(out->reason),
                 "3: veteran or eligible spouse not in a priority group");
    } else {
        out->group = 4;
        snprintf(out->reason, sizeof(out->reason), "4: not a veteran and not in a priority group");
    }
    if (out->local) {
        size_t len = strlen(out->reason);
        snprintf(out->reason + len, sizeof(out->reason) - len, "; in a local priority group");
    }
}

int
eligibility_priority_rank(const struct eligibility_priority *priority)
{
    /* Within a group, the local priority group goes first (seed 004). */
    return priority->group * 2 + (priority->local ? 0 : 1);
}
