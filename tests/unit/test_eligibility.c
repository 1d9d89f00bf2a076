/* test_eligibility.c — src/core/eligibility.c: the screen of RULES.md §7, written from the rule
 * text: every requirement met, not met and not recorded, and every boundary (birthdays, the
 * Selective Service cutoff 1960-01-01, each youth path and barrier), plus priority of service. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "app/catalog_file.h"
#include "core/catalog.h"
#include "core/eligibility.h"
#include "core/policy.h"

static struct catalog catalog;
static struct eligibility_config config;
static struct person_facts facts;
static struct eligibility_result result;

#define AS_OF "2026-11-23"

static int
group_setup(void **state)
{
    struct br_error e;
    struct policy policy;

    (void)state;
    br_error_clear(&e);
    if (catalog_file_load("data/catalog.json", &catalog, &policy, &e) != 0) {
        fprintf(stderr, "cannot load data/catalog.json: %s\n", e.message);
        return -1;
    }
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    catalog_cleanup(&catalog);
    return 0;
}

static int
setup(void **state)
{
    (void)state;
    eligibility_config_defaults(&config);
    memset(&facts, 0, sizeof(facts));
    facts.birth_on = DATE_NONE;
    return 0;
}

/* Screens the program with this code as of AS_OF (or as_of when given). */
static const struct eligibility_result *
screen_on(const char *code, const char *as_of)
{
    int program = catalog_program_index(&catalog, code);
    assert_int_not_equal(program, CATALOG_NOT_FOUND);
    eligibility_screen_program(&catalog, &config, &facts, D(as_of), program, &result);
    assert_int_equal(result.program, program);
    return &result;
}

static const struct eligibility_result *
screen(const char *code)
{
    return screen_on(code, AS_OF);
}

static bool
has_missing(const struct eligibility_result *r, const char *fact)
{
    for (size_t i = 0; i < r->n_missing; i++)
        if (strcmp(r->missing[i], fact) == 0)
            return true;
    return false;
}

/* Whether any reason contains text. */
static bool
has_reason(const struct eligibility_result *r, const char *text)
{
    for (size_t i = 0; i < r->n_reasons; i++)
        if (strstr(r->reasons[i], text) != NULL)
            return true;
    return false;
}

static void
an_adult_woman(void)
{
    facts.birth_on = D("1990-06-15");
    facts.sex = SEX_FEMALE;
    facts.authorized_to_work = FACT_YES;
}

/* ---- age ------------------------------------------------------------------------------------ */

static void
test_age_counts_from_the_birthday(void **state)
{
    (void)state;
    assert_int_equal(eligibility_age(D("2008-11-23"), D("2026-11-22")), 17);
    assert_int_equal(eligibility_age(D("2008-11-23"), D("2026-11-23")), 18);
    assert_int_equal(eligibility_age(D("2008-11-23"), D("2026-11-24")), 18);
    assert_int_equal(eligibility_age(D("2008-12-01"), D("2026-11-30")), 17);
    assert_int_equal(eligibility_age(D("2026-11-23"), D("2026-11-23")), 0);
}

static void
test_age_of_a_leap_day_birth(void **state)
{
    (void)state;
    /* Born on 29 February: a year older on 1 March in common years, on 29 February in leap. */
    assert_int_equal(eligibility_age(D("2008-02-29"), D("2026-02-28")), 17);
    assert_int_equal(eligibility_age(D("2008-02-29"), D("2026-03-01")), 18);
    assert_int_equal(eligibility_age(D("2008-02-29"), D("2028-02-28")), 19);
    assert_int_equal(eligibility_age(D("2008-02-29"), D("2028-02-29")), 20);
}

static void
test_age_unknown_or_before_birth(void **state)
{
    (void)state;
    assert_int_equal(eligibility_age(DATE_NONE, D("2026-11-23")), -1);
    assert_int_equal(eligibility_age(D("2026-11-24"), D("2026-11-23")), -1);
}

/* ---- ADULT ---------------------------------------------------------------------------------- */

static void
test_adult_eligible_with_reasons(void **state)
{
    (void)state;
    an_adult_woman();
    const struct eligibility_result *r = screen("ADULT");
    assert_int_equal(r->status, ELIGIBILITY_ELIGIBLE);
    assert_int_equal(r->n_missing, 0);
    assert_true(has_reason(r, "age 36 on 2026-11-23"));
    assert_true(has_reason(r, "authorized to work"));
    assert_true(has_reason(r, "does not apply (female)"));
    assert_false(r->partner_determines);
}

static void
test_adult_turns_eligible_on_the_18th_birthday(void **state)
{
    (void)state;
    an_adult_woman();
    facts.birth_on = D("2008-11-23");
    const struct eligibility_result *r = screen_on("ADULT", "2026-11-22");
    assert_int_equal(r->status, ELIGIBILITY_NOT_ELIGIBLE);
    assert_true(has_reason(r, "age 17 on 2026-11-22: under 18"));
    assert_int_equal(r->n_missing, 0);
    r = screen_on("ADULT", "2026-11-23");
    assert_int_equal(r->status, ELIGIBILITY_ELIGIBLE);
    assert_true(has_reason(r, "age 18 on 2026-11-23: 18 or older"));
}

static void
test_adult_unknown_birth_date_is_potential(void **state)
{
    (void)state;
    an_adult_woman();
    facts.birth_on = DATE_NONE;
    const struct eligibility_result *r = screen("ADULT");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_true(has_missing(r, "birth_date"));
}

static void
test_adult_work_authorization(void **state)
{
    (void)state;
    an_adult_woman();
    facts.authorized_to_work = FACT_NO;
    const struct eligibility_result *r = screen("ADULT");
    assert_int_equal(r->status, ELIGIBILITY_NOT_ELIGIBLE);
    assert_true(has_reason(r, "not authorized to work"));

    facts.authorized_to_work = FACT_UNKNOWN;
    r = screen("ADULT");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_int_equal(r->n_missing, 1);
    assert_string_equal(r->missing[0], "authorized_to_work");

    /* The gate is configurable (RULES.md §7). */
    config.adult_requires_work_authorization = false;
    facts.authorized_to_work = FACT_NO;
    r = screen("ADULT");
    assert_int_equal(r->status, ELIGIBILITY_ELIGIBLE);
}

static void
test_adult_selective_service_cutoff_1960(void **state)
{
    (void)state;
    an_adult_woman();
    facts.sex = SEX_MALE;
    facts.selective_service = FACT_NO;

    facts.birth_on = D("1960-01-01"); /* on the cutoff: must be registered */
    const struct eligibility_result *r = screen("ADULT");
    assert_int_equal(r->status, ELIGIBILITY_NOT_ELIGIBLE);
    assert_true(has_reason(r, "not registered with Selective Service"));

    facts.birth_on = D("1959-12-31"); /* the day before: does not apply */
    r = screen("ADULT");
    assert_int_equal(r->status, ELIGIBILITY_ELIGIBLE);
    assert_true(has_reason(r, "born before 1960-01-01"));

    facts.birth_on = D("1960-01-01");
    facts.selective_service = FACT_YES;
    r = screen("ADULT");
    assert_int_equal(r->status, ELIGIBILITY_ELIGIBLE);
    assert_true(has_reason(r, "registered with Selective Service"));

    facts.selective_service = FACT_UNKNOWN;
    r = screen("ADULT");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_true(has_missing(r, "selective_service"));
}

static void
test_adult_selective_service_needs_sex_and_birth(void **state)
{
    (void)state;
    an_adult_woman();
    facts.sex = SEX_UNKNOWN;
    const struct eligibility_result *r = screen("ADULT");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_true(has_missing(r, "sex"));
    assert_true(has_missing(r, "selective_service"));

    /* A woman need not register whatever the birth date; nor anyone registered already. */
    facts.sex = SEX_FEMALE;
    facts.selective_service = FACT_NO;
    assert_int_equal(screen("ADULT")->status, ELIGIBILITY_ELIGIBLE);
    facts.sex = SEX_UNKNOWN;
    facts.selective_service = FACT_YES;
    assert_int_equal(screen("ADULT")->status, ELIGIBILITY_ELIGIBLE);

    /* Sex recorded as other: staff confirm. */
    facts.sex = SEX_OTHER;
    facts.selective_service = FACT_UNKNOWN;
    r = screen("ADULT");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_true(has_missing(r, "selective_service"));
}

/* ---- DW ---------------------------------------------------------------------------------------
 */

static void
test_dw_each_3_15_category(void **state)
{
    (void)state;
    enum dw_category all[] = {DW_LAID_OFF,        DW_PLANT_CLOSURE,
                              DW_SELF_EMPLOYED,   DW_DISPLACED_HOMEMAKER,
                              DW_MILITARY_SPOUSE, DW_SEPARATING_SERVICE_MEMBER};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        facts.dw_category = all[i];
        const struct eligibility_result *r = screen("DW");
        assert_int_equal(r->status, ELIGIBILITY_ELIGIBLE);
        assert_true(has_reason(r, "WIOA 3(15)"));
    }
    facts.dw_category = DW_NONE;
    const struct eligibility_result *r = screen("DW");
    assert_int_equal(r->status, ELIGIBILITY_NOT_ELIGIBLE);
    assert_true(has_reason(r, "dw_category"));
}

/* ---- YOUTH: in school ------------------------------------------------------------------------ */

static void
an_in_school_youth(void)
{
    facts.birth_on = D("2010-05-01"); /* 16 on 2026-11-23 */
    facts.sex = SEX_FEMALE;
    facts.attending_school = FACT_YES;
    facts.low_income = FACT_YES;
    facts.basic_skills_deficient = FACT_YES;
}

static void
test_youth_in_school_eligible(void **state)
{
    (void)state;
    an_in_school_youth();
    const struct eligibility_result *r = screen("YOUTH");
    assert_int_equal(r->status, ELIGIBILITY_ELIGIBLE);
    assert_int_equal(r->youth_path, YOUTH_PATH_IN_SCHOOL);
    assert_true(has_reason(r, "in-school: barrier: basic skills deficient"));
    assert_true(has_reason(r, "in-school: low income"));
}

static void
test_youth_in_school_ages_14_to_21(void **state)
{
    (void)state;
    an_in_school_youth();
    facts.birth_on = D("2012-11-23");
    assert_int_equal(screen_on("YOUTH", "2026-11-22")->status, ELIGIBILITY_NOT_ELIGIBLE); /* 13 */
    assert_int_equal(screen_on("YOUTH", "2026-11-23")->status, ELIGIBILITY_ELIGIBLE);     /* 14 */
    facts.birth_on = D("2004-11-23");
    const struct eligibility_result *r = screen_on("YOUTH", "2026-11-22"); /* 21 */
    assert_int_equal(r->status, ELIGIBILITY_ELIGIBLE);
    assert_int_equal(r->youth_path, YOUTH_PATH_IN_SCHOOL);
    r = screen_on("YOUTH", "2026-11-23"); /* 22: too old in school; attending: not out of school */
    assert_int_equal(r->status, ELIGIBILITY_NOT_ELIGIBLE);
    assert_true(has_reason(r, "in-school: age 22 on 2026-11-23: over 21"));
    assert_true(has_reason(r, "out-of-school: attending school"));
}

static void
test_youth_in_school_needs_low_income(void **state)
{
    (void)state;
    an_in_school_youth();
    facts.low_income = FACT_NO;
    const struct eligibility_result *r = screen("YOUTH");
    assert_int_equal(r->status, ELIGIBILITY_NOT_ELIGIBLE);
    assert_true(has_reason(r, "in-school: not low income"));

    facts.low_income = FACT_UNKNOWN;
    r = screen("YOUTH");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_int_equal(r->youth_path, YOUTH_PATH_IN_SCHOOL);
    assert_true(has_missing(r, "low_income"));
}

static void
test_youth_in_school_each_barrier(void **state)
{
    (void)state;
    size_t offsets[] = {
        offsetof(struct person_facts, basic_skills_deficient),
        offsetof(struct person_facts, english_learner),
        offsetof(struct person_facts, offender),
        offsetof(struct person_facts, homeless),
        offsetof(struct person_facts, foster_youth),
        offsetof(struct person_facts, pregnant_or_parenting),
        offsetof(struct person_facts, disability),
        offsetof(struct person_facts, needs_additional_assistance),
    };
    size_t n = sizeof(offsets) / sizeof(offsets[0]);
    for (size_t i = 0; i < n; i++) {
        an_in_school_youth();
        for (size_t k = 0; k < n; k++)
            *(enum tristate *)(void *)((char *)&facts + offsets[k]) = k == i ? FACT_YES : FACT_NO;
        assert_int_equal(screen("YOUTH")->status, ELIGIBILITY_ELIGIBLE);
    }
    /* No barrier at all: not eligible; barriers not recorded: potentially, naming them. */
    an_in_school_youth();
    for (size_t k = 0; k < n; k++)
        *(enum tristate *)(void *)((char *)&facts + offsets[k]) = FACT_NO;
    const struct eligibility_result *r = screen("YOUTH");
    assert_int_equal(r->status, ELIGIBILITY_NOT_ELIGIBLE);
    assert_true(has_reason(r, "in-school: no barrier"));
    for (size_t k = 0; k < n; k++)
        *(enum tristate *)(void *)((char *)&facts + offsets[k]) = FACT_UNKNOWN;
    r = screen("YOUTH");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_true(has_missing(r, "homeless"));
    assert_true(has_missing(r, "needs_additional_assistance"));
}

/* ---- YOUTH: out of school -------------------------------------------------------------------- */

static void
an_out_of_school_youth(void)
{
    facts.birth_on = D("2006-03-10"); /* 20 */
    facts.sex = SEX_FEMALE;
    facts.attending_school = FACT_NO;
    facts.has_diploma = FACT_NO; /* a dropout: a barrier without low income */
    facts.low_income = FACT_NO;
}

static void
test_youth_out_of_school_dropout_without_low_income(void **state)
{
    (void)state;
    an_out_of_school_youth();
    const struct eligibility_result *r = screen("YOUTH");
    assert_int_equal(r->status, ELIGIBILITY_ELIGIBLE);
    assert_int_equal(r->youth_path, YOUTH_PATH_OUT_OF_SCHOOL);
    assert_true(has_reason(r, "out-of-school: barrier: school dropout"));
}

static void
test_youth_out_of_school_ages_16_to_24(void **state)
{
    (void)state;
    an_out_of_school_youth();
    facts.birth_on = D("2010-11-23");
    assert_int_equal(screen_on("YOUTH", "2026-11-22")->status, ELIGIBILITY_NOT_ELIGIBLE); /* 15 */
    assert_int_equal(screen_on("YOUTH", "2026-11-23")->status, ELIGIBILITY_ELIGIBLE);     /* 16 */
    facts.birth_on = D("2001-11-23");
    assert_int_equal(screen_on("YOUTH", "2026-11-22")->status, ELIGIBILITY_ELIGIBLE); /* 24 */
    const struct eligibility_result *r = screen_on("YOUTH", "2026-11-23");            /* 25 */
    assert_int_equal(r->status, ELIGIBILITY_NOT_ELIGIBLE);
    assert_true(has_reason(r, "out-of-school: age 25 on 2026-11-23: over 24"));
}

static void
test_youth_out_of_school_diploma_and_basic_skills_needs_low_income(void **state)
{
    (void)state;
    an_out_of_school_youth();
    facts.has_diploma = FACT_YES;
    facts.basic_skills_deficient = FACT_YES;
    facts.english_learner = FACT_NO;
    facts.offender = FACT_NO;
    facts.homeless = FACT_NO;
    facts.foster_youth = FACT_NO;
    facts.pregnant_or_parenting = FACT_NO;
    facts.disability = FACT_NO;
    facts.needs_additional_assistance = FACT_NO;
    const struct eligibility_result *r = screen("YOUTH");
    assert_int_equal(r->status, ELIGIBILITY_NOT_ELIGIBLE);
    assert_true(has_reason(r, "out-of-school: no barrier"));

    facts.low_income = FACT_YES;
    r = screen("YOUTH");
    assert_int_equal(r->status, ELIGIBILITY_ELIGIBLE);
    assert_true(has_reason(r, "secondary diploma, low income, and basic skills deficient"));

    /* English learner in place of basic skills deficiency. */
    facts.basic_skills_deficient = FACT_NO;
    facts.english_learner = FACT_YES;
    assert_int_equal(screen("YOUTH")->status, ELIGIBILITY_ELIGIBLE);

    /* Low income not recorded: that barrier is the open question. */
    facts.low_income = FACT_UNKNOWN;
    r = screen("YOUTH");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_int_equal(r->youth_path, YOUTH_PATH_OUT_OF_SCHOOL);
    assert_true(has_missing(r, "low_income"));
}

static void
test_youth_out_of_school_additional_assistance_needs_low_income(void **state)
{
    (void)state;
    an_out_of_school_youth();
    facts.has_diploma = FACT_YES;
    facts.basic_skills_deficient = FACT_NO;
    facts.english_learner = FACT_NO;
    facts.offender = FACT_NO;
    facts.homeless = FACT_NO;
    facts.foster_youth = FACT_NO;
    facts.pregnant_or_parenting = FACT_NO;
    facts.disability = FACT_NO;
    facts.needs_additional_assistance = FACT_YES;
    assert_int_equal(screen("YOUTH")->status, ELIGIBILITY_NOT_ELIGIBLE);
    facts.low_income = FACT_YES;
    const struct eligibility_result *r = screen("YOUTH");
    assert_int_equal(r->status, ELIGIBILITY_ELIGIBLE);
    assert_true(has_reason(r, "low income and requires additional assistance"));
}

static void
test_youth_out_of_school_barriers_without_low_income(void **state)
{
    (void)state;
    size_t offsets[] = {
        offsetof(struct person_facts, offender),
        offsetof(struct person_facts, homeless),
        offsetof(struct person_facts, foster_youth),
        offsetof(struct person_facts, pregnant_or_parenting),
        offsetof(struct person_facts, disability),
    };
    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        an_out_of_school_youth();
        facts.has_diploma = FACT_YES; /* not a dropout */
        facts.basic_skills_deficient = FACT_NO;
        facts.english_learner = FACT_NO;
        facts.needs_additional_assistance = FACT_NO;
        for (size_t k = 0; k < sizeof(offsets) / sizeof(offsets[0]); k++)
            *(enum tristate *)(void *)((char *)&facts + offsets[k]) = k == i ? FACT_YES : FACT_NO;
        const struct eligibility_result *r = screen("YOUTH");
        assert_int_equal(r->status, ELIGIBILITY_ELIGIBLE);
        assert_int_equal(r->youth_path, YOUTH_PATH_OUT_OF_SCHOOL);
    }
}

static void
test_youth_school_attendance_unknown_keeps_both_paths(void **state)
{
    (void)state;
    an_in_school_youth();
    facts.attending_school = FACT_UNKNOWN;
    const struct eligibility_result *r = screen("YOUTH");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_int_equal(r->youth_path, YOUTH_PATH_NONE);
    assert_true(has_missing(r, "attending_school"));
    assert_true(has_reason(r, "in-school: "));
    assert_true(has_reason(r, "out-of-school: "));
}

static void
test_youth_too_old_for_both(void **state)
{
    (void)state;
    an_adult_woman();
    facts.attending_school = FACT_NO;
    facts.has_diploma = FACT_NO;
    const struct eligibility_result *r = screen("YOUTH");
    assert_int_equal(r->status, ELIGIBILITY_NOT_ELIGIBLE);
    assert_int_equal(r->n_missing, 0);
    assert_true(has_reason(r, "over 24"));
}

/* ---- the other programs --------------------------------------------------------------------- */

static void
test_wp_authorized_to_work(void **state)
{
    (void)state;
    facts.authorized_to_work = FACT_YES;
    assert_int_equal(screen("WP")->status, ELIGIBILITY_ELIGIBLE);
    facts.authorized_to_work = FACT_NO;
    assert_int_equal(screen("WP")->status, ELIGIBILITY_NOT_ELIGIBLE);
    facts.authorized_to_work = FACT_UNKNOWN;
    const struct eligibility_result *r = screen("WP");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_true(has_missing(r, "authorized_to_work"));
}

static void
test_taa_petition(void **state)
{
    (void)state;
    snprintf(facts.taa_petition, sizeof(facts.taa_petition), "TA-W-98765");
    facts.dw_category = DW_PLANT_CLOSURE;
    const struct eligibility_result *r = screen("TAA");
    assert_int_equal(r->status, ELIGIBILITY_ELIGIBLE);
    assert_true(has_reason(r, "TA-W-98765"));
    assert_true(has_reason(r, "TAA_REQUIRES_DW"));

    facts.taa_petition[0] = '\0';
    r = screen("TAA");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_true(has_missing(r, "taa_petition"));

    facts.dw_category = DW_NONE;
    assert_int_equal(screen("TAA")->status, ELIGIBILITY_NOT_ELIGIBLE);
}

static void
test_jvsg_veteran_or_eligible_spouse(void **state)
{
    (void)state;
    facts.veteran = FACT_YES;
    assert_int_equal(screen("JVSG")->status, ELIGIBILITY_ELIGIBLE);
    facts.veteran = FACT_NO;
    facts.eligible_spouse = FACT_YES;
    assert_int_equal(screen("JVSG")->status, ELIGIBILITY_ELIGIBLE);
    facts.eligible_spouse = FACT_NO;
    assert_int_equal(screen("JVSG")->status, ELIGIBILITY_NOT_ELIGIBLE);
    facts.veteran = FACT_UNKNOWN;
    const struct eligibility_result *r = screen("JVSG");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_true(has_missing(r, "veteran"));
}

static void
test_partner_programs_by_their_gate(void **state)
{
    (void)state;
    facts.disability = FACT_YES;
    const struct eligibility_result *r = screen("VR");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_true(r->partner_determines);
    assert_true(has_reason(r, "determined by the partner agency"));
    facts.disability = FACT_NO;
    assert_int_equal(screen("VR")->status, ELIGIBILITY_NOT_ELIGIBLE);
    facts.disability = FACT_UNKNOWN;
    assert_true(has_missing(screen("VR"), "disability"));

    facts.public_assistance = FACT_YES;
    assert_int_equal(screen("SNAP_ET")->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_int_equal(screen("TANF")->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    facts.public_assistance = FACT_NO;
    assert_int_equal(screen("SNAP_ET")->status, ELIGIBILITY_NOT_ELIGIBLE);
    assert_int_equal(screen("TANF")->status, ELIGIBILITY_NOT_ELIGIBLE);

    r = screen("REFUGEE");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_true(has_reason(r, "determined by the partner agency"));

    r = screen("NDWG");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_true(has_missing(r, "dw_category"));
    facts.dw_category = DW_LAID_OFF;
    r = screen("NDWG");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_int_equal(r->n_missing, 0);
}

static void
test_adult_education_gate(void **state)
{
    (void)state;
    facts.birth_on = D("2000-01-01");
    facts.attending_school = FACT_NO;
    facts.has_diploma = FACT_YES;
    facts.basic_skills_deficient = FACT_NO;
    facts.english_learner = FACT_YES;
    const struct eligibility_result *r = screen("AEL");
    assert_int_equal(r->status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_int_equal(r->n_missing, 0);
    facts.english_learner = FACT_NO;
    assert_int_equal(screen("AEL")->status, ELIGIBILITY_NOT_ELIGIBLE);
    facts.birth_on = D("2010-11-24"); /* 15 */
    facts.english_learner = FACT_YES;
    assert_int_equal(screen("AEL")->status, ELIGIBILITY_NOT_ELIGIBLE);
}

static void
test_a_program_the_state_added(void **state)
{
    (void)state;
    struct program programs[] = {{.code = "STATE_REENTRY", .title = "State re-entry grant"}};
    struct catalog own = {.programs = programs, .n_programs = 1};
    struct eligibility_result r;
    eligibility_screen_program(&own, &config, &facts, D(AS_OF), 0, &r);
    assert_int_equal(r.status, ELIGIBILITY_POTENTIALLY_ELIGIBLE);
    assert_true(r.partner_determines);
    assert_true(has_reason(&r, "determined by the partner agency"));
}

static void
test_screen_covers_the_catalog_in_order(void **state)
{
    (void)state;
    struct eligibility_result all[32];
    an_adult_woman();
    size_t n = eligibility_screen(&catalog, &config, &facts, D(AS_OF), all, 32);
    assert_int_equal(n, catalog.n_programs);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(all[i].program, (int)i);
    /* A bounded array is never overrun. */
    assert_int_equal(eligibility_screen(&catalog, &config, &facts, D(AS_OF), all, 3), 3);
    assert_string_equal(eligibility_status_name(ELIGIBILITY_POTENTIALLY_ELIGIBLE),
                        "potentially_eligible");
    assert_string_equal(youth_path_name(YOUTH_PATH_OUT_OF_SCHOOL), "out_of_school");
}

/* ---- priority of service --------------------------------------------------------------------- */

static void
test_priority_groups_1_to_4(void **state)
{
    (void)state;
    struct eligibility_priority p;

    facts.veteran = FACT_YES;
    facts.low_income = FACT_YES;
    eligibility_priority(&config, &facts, &p);
    assert_int_equal(p.group, 1);
    assert_true(p.covered && p.priority_group);

    facts.veteran = FACT_NO;
    facts.eligible_spouse = FACT_NO;
    eligibility_priority(&config, &facts, &p);
    assert_int_equal(p.group, 2);

    facts.low_income = FACT_NO;
    facts.public_assistance = FACT_NO;
    facts.basic_skills_deficient = FACT_NO;
    facts.veteran = FACT_YES;
    eligibility_priority(&config, &facts, &p);
    assert_int_equal(p.group, 3);

    facts.veteran = FACT_NO;
    eligibility_priority(&config, &facts, &p);
    assert_int_equal(p.group, 4);
    assert_int_equal(p.n_missing, 0);
}

static void
test_priority_each_priority_group_and_spouse(void **state)
{
    (void)state;
    struct eligibility_priority p;

    facts.eligible_spouse = FACT_YES; /* an eligible spouse is a covered person */
    facts.public_assistance = FACT_YES;
    eligibility_priority(&config, &facts, &p);
    assert_int_equal(p.group, 1);
    assert_non_null(strstr(p.reason, "public_assistance"));
    facts.public_assistance = FACT_NO;
    facts.basic_skills_deficient = FACT_YES;
    eligibility_priority(&config, &facts, &p);
    assert_int_equal(p.group, 1);
}

static void
test_priority_names_missing_facts(void **state)
{
    (void)state;
    struct eligibility_priority p;

    eligibility_priority(&config, &facts, &p); /* nothing recorded */
    assert_int_equal(p.group, 4);
    assert_int_equal(p.n_missing, 5);
    bool veteran = false, low_income = false;
    for (size_t i = 0; i < p.n_missing; i++) {
        veteran |= strcmp(p.missing[i], "veteran") == 0;
        low_income |= strcmp(p.missing[i], "low_income") == 0;
    }
    assert_true(veteran && low_income);
}

static void
test_priority_local_group_is_configurable(void **state)
{
    (void)state;
    struct eligibility_priority local, other;

    facts.veteran = FACT_NO;
    facts.low_income = FACT_NO;
    eligibility_priority(&config, &facts, &other);
    facts.foster_youth = FACT_YES; /* seed 004: foster youth, the default local group */
    eligibility_priority(&config, &facts, &local);
    assert_int_equal(local.group, 4);
    assert_true(local.local);
    assert_false(other.local);
    assert_true(eligibility_priority_rank(&local) < eligibility_priority_rank(&other));
    assert_non_null(strstr(local.reason, "local priority"));

    /* A board that names homeless youth instead. */
    config.local_priority[0] = "homeless";
    eligibility_priority(&config, &facts, &local);
    assert_false(local.local);
    facts.homeless = FACT_YES;
    eligibility_priority(&config, &facts, &local);
    assert_true(local.local);
    assert_true(eligibility_fact_known("homeless"));
    assert_false(eligibility_fact_known("favourite_colour"));

    /* Local priority never jumps a statutory group: a veteran in group 3 still beats it. */
    struct eligibility_priority veteran;
    facts.veteran = FACT_YES;
    facts.homeless = FACT_NO;
    eligibility_priority(&config, &facts, &veteran);
    assert_int_equal(veteran.group, 3);
    assert_true(eligibility_priority_rank(&veteran) < eligibility_priority_rank(&local));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_age_counts_from_the_birthday, setup),
        cmocka_unit_test_setup(test_age_of_a_leap_day_birth, setup),
        cmocka_unit_test_setup(test_age_unknown_or_before_birth, setup),
        cmocka_unit_test_setup(test_adult_eligible_with_reasons, setup),
        cmocka_unit_test_setup(test_adult_turns_eligible_on_the_18th_birthday, setup),
        cmocka_unit_test_setup(test_adult_unknown_birth_date_is_potential, setup),
        cmocka_unit_test_setup(test_adult_work_authorization, setup),
        cmocka_unit_test_setup(test_adult_selective_service_cutoff_1960, setup),
        cmocka_unit_test_setup(test_adult_selective_service_needs_sex_and_birth, setup),
        cmocka_unit_test_setup(test_dw_each_3_15_category, setup),
        cmocka_unit_test_setup(test_youth_in_school_eligible, setup),
        cmocka_unit_test_setup(test_youth_in_school_ages_14_to_21, setup),
        cmocka_unit_test_setup(test_youth_in_school_needs_low_income, setup),
        cmocka_unit_test_setup(test_youth_in_school_each_barrier, setup),
        cmocka_unit_test_setup(test_youth_out_of_school_dropout_without_low_income, setup),
        cmocka_unit_test_setup(test_youth_out_of_school_ages_16_to_24, setup),
        cmocka_unit_test_setup(test_youth_out_of_school_diploma_and_basic_skills_needs_low_income,
                               setup),
        cmocka_unit_test_setup(test_youth_out_of_school_additional_assistance_needs_low_income,
                               setup),
        cmocka_unit_test_setup(test_youth_out_of_school_barriers_without_low_income, setup),
        cmocka_unit_test_setup(test_youth_school_attendance_unknown_keeps_both_paths, setup),
        cmocka_unit_test_setup(test_youth_too_old_for_both, setup),
        cmocka_unit_test_setup(test_wp_authorized_to_work, setup),
        cmocka_unit_test_setup(test_taa_petition, setup),
        cmocka_unit_test_setup(test_jvsg_veteran_or_eligible_spouse, setup),
        cmocka_unit_test_setup(test_partner_programs_by_their_gate, setup),
        cmocka_unit_test_setup(test_adult_education_gate, setup),
        cmocka_unit_test_setup(test_a_program_the_state_added, setup),
        cmocka_unit_test_setup(test_screen_covers_the_catalog_in_order, setup),
        cmocka_unit_test_setup(test_priority_groups_1_to_4, setup),
        cmocka_unit_test_setup(test_priority_each_priority_group_and_spouse, setup),
        cmocka_unit_test_setup(test_priority_names_missing_facts, setup),
        cmocka_unit_test_setup(test_priority_local_group_is_configurable, setup),
    };
    return cmocka_run_group_tests_name("eligibility", tests, group_setup, group_teardown);
}
