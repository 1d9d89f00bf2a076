/* test_coenroll.c — src/core/coenroll.c: the required co-enrollments of RULES.md §6 (seed 002;
 * 20 CFR 618.325), each present, missing and declined, and the duplication flag (seed 001).
 * The catalog is the shipped default (data/catalog.json). */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "app/catalog_file.h"
#include "core/coenroll.h"
#include "core/error.h"
#include "core/exit.h"

#define MAX_FINDINGS 8

static struct catalog catalog;
static struct policy policy;
static struct coenroll_config config;
static struct person_record record;
static struct exit_result result;
static struct person_facts facts;
static bool with_facts;
static const char *declined[4];
static size_t n_declined;
static struct coenroll_finding findings[MAX_FINDINGS];
static size_t n_findings;

static int
group_setup(void **state)
{
    struct br_error err;

    (void)state;
    br_error_clear(&err);
    if (catalog_file_load("data/catalog.json", &catalog, &policy, &err) != 0) {
        fprintf(stderr, "cannot load data/catalog.json: %s\n", err.message);
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
    coenroll_config_defaults(&config);
    person_record_init(&record);
    exit_result_init(&result);
    memset(&facts, 0, sizeof(facts));
    with_facts = false;
    n_declined = 0;
    n_findings = 0;
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    exit_result_cleanup(&result);
    person_record_cleanup(&record);
    return 0;
}

static int
program(const char *code)
{
    int i = catalog_program_index(&catalog, code);
    if (i == CATALOG_NOT_FOUND)
        fail_msg("program %s is not in the catalog", code);
    return i;
}

static void
enroll(const char *prog, const char *on)
{
    struct enrollment e = {.program = program(prog), .eligibility_on = D(on)};
    person_record_add_enrollment(&record, &e);
}

static int
service(const char *prog, const char *code, const char *start, const char *end,
        const char *projected)
{
    struct service s = {.id = (int64_t)record.n_services + 1,
                        .program = program(prog),
                        .code = catalog_service_index(&catalog, code),
                        .start_on = D(start),
                        .end_on = end != NULL ? D(end) : DATE_NONE,
                        .projected_end_on = projected != NULL ? D(projected) : DATE_NONE};
    if (s.code == CATALOG_NOT_FOUND)
        fail_msg("service %s is not in the catalog", code);
    person_record_add_service(&record, &s);
    return (int)record.n_services - 1;
}

static void
check(const char *as_of)
{
    struct br_error err;

    br_error_clear(&err);
    if (record_validate(&catalog, &policy, &record, &err) != 0)
        fail_msg("the test's record is invalid: %s", err.message);
    exit_determine(&catalog, &policy, &record, D(as_of), &result);
    struct coenroll_input in = {
        .record = &record,
        .exits = &result,
        .facts = with_facts ? &facts : NULL,
        .declined = declined,
        .n_declined = n_declined,
    };
    n_findings = coenroll_check(&catalog, &config, &in, D(as_of), findings, MAX_FINDINGS);
}

static const struct coenroll_finding *
finding(const char *rule)
{
    for (size_t i = 0; i < n_findings && i < MAX_FINDINGS; i++)
        if (strcmp(config.rules[findings[i].rule].id, rule) == 0)
            return &findings[i];
    return NULL;
}

static const struct coenroll_finding *
expect_finding(const char *rule)
{
    const struct coenroll_finding *f = finding(rule);
    if (f == NULL)
        fail_msg("%s is not reported (%zu findings)", rule, n_findings);
    assert_true(f->resolves[0] != '\0');
    return f;
}

static void
expect_no_finding(const char *rule)
{
    const struct coenroll_finding *f = finding(rule);
    if (f != NULL)
        fail_msg("%s is reported: %s", rule, f->why);
}

/* ---- the rules as data ---------------------------------------------------------------------- */

static void
test_default_rules_are_the_four_of_rules_md(void **state)
{
    size_t n = 0;
    (void)state;
    const struct coenroll_rule *rules = coenroll_rules_default(&n);
    assert_int_equal(n, 4);
    assert_string_equal(rules[0].id, "WP_FOR_STAFF_ASSISTED");
    assert_string_equal(rules[0].requires, "WP");
    assert_string_equal(rules[1].id, "TAA_REQUIRES_DW");
    assert_true(rules[1].declinable);
    assert_string_equal(rules[2].id, "NDWG_REQUIRES_DW");
    assert_false(rules[2].declinable);
    assert_string_equal(rules[3].id, "SNAP_ET_TRAINING_REQUIRES_ADULT");
    assert_string_equal(rules[3].requires, "ADULT");
    assert_true(config.duplication_categories & (1u << SERVICE_TRAINING));
}

/* ---- WP_FOR_STAFF_ASSISTED ------------------------------------------------------------------ */

static void
test_wp_missing_names_the_service_and_date(void **state)
{
    (void)state;
    enroll("ADULT", "2026-02-02");
    int s = service("ADULT", "STAFF_JOB_SEARCH", "2026-02-03", "2026-02-03", NULL);
    service("ADULT", "CASE_MANAGEMENT", "2026-02-10", "2026-02-10", NULL);
    check("2026-02-20");
    assert_int_equal(n_findings, 1);
    const struct coenroll_finding *f = expect_finding("WP_FOR_STAFF_ASSISTED");
    assert_string_equal(f->why, "needs WP enrollment because STAFF_JOB_SEARCH on 2026-02-03");
    assert_int_equal(f->service, s);
    assert_int_equal(f->program, program("ADULT"));
    assert_int_equal(f->requires, program("WP"));
    assert_int_equal(f->since_on, D("2026-02-03"));
}

static void
test_wp_present(void **state)
{
    (void)state;
    enroll("ADULT", "2026-02-02");
    enroll("WP", "2026-02-03");
    service("ADULT", "STAFF_JOB_SEARCH", "2026-02-03", "2026-02-03", NULL);
    check("2026-02-20");
    expect_no_finding("WP_FOR_STAFF_ASSISTED");
    /* An enrollment dated after as_of is not there yet. */
    check("2026-02-02");
    expect_no_finding("WP_FOR_STAFF_ASSISTED"); /* nor is the service */
    record.enrollments[1].eligibility_on = D("2026-03-01");
    check("2026-02-20");
    expect_finding("WP_FOR_STAFF_ASSISTED");
}

static void
test_wp_decline_does_not_satisfy(void **state)
{
    (void)state;
    enroll("ADULT", "2026-02-02");
    service("ADULT", "STAFF_JOB_SEARCH", "2026-02-03", "2026-02-03", NULL);
    declined[n_declined++] = "WP_FOR_STAFF_ASSISTED";
    check("2026-02-20");
    expect_finding("WP_FOR_STAFF_ASSISTED");
}

static void
test_wp_not_for_informational_or_partner_services(void **state)
{
    (void)state;
    enroll("ADULT", "2026-02-02");
    service("ADULT", "ORIENTATION", "2026-02-03", "2026-02-03", NULL); /* does not trigger */
    enroll("AEL", "2026-02-02");
    service("AEL", "ADULT_EDUCATION", "2026-02-04", NULL, "2026-06-30"); /* not a job center */
    check("2026-02-20");
    expect_no_finding("WP_FOR_STAFF_ASSISTED");
}

static void
test_wp_for_youth_too(void **state)
{
    (void)state;
    enroll("YOUTH", "2026-02-02");
    service("YOUTH", "OBJECTIVE_ASSESSMENT", "2026-02-03", "2026-02-03", NULL);
    check("2026-02-20");
    assert_string_equal(expect_finding("WP_FOR_STAFF_ASSISTED")->why,
                        "needs WP enrollment because OBJECTIVE_ASSESSMENT on 2026-02-03");
}

static void
test_wp_only_in_the_current_period(void **state)
{
    (void)state;
    enroll("ADULT", "2025-01-02");
    service("ADULT", "STAFF_JOB_SEARCH", "2025-01-06", "2025-01-06", NULL);
    check("2025-08-01"); /* exited on 2025-01-06 (determined 2025-04-07) */
    expect_no_finding("WP_FOR_STAFF_ASSISTED");
    service("ADULT", "CAREER_COUNSELING", "2026-02-03", "2026-02-03", NULL);
    check("2026-02-20"); /* a new period: its own service is the reason */
    assert_string_equal(expect_finding("WP_FOR_STAFF_ASSISTED")->why,
                        "needs WP enrollment because CAREER_COUNSELING on 2026-02-03");
}

/* ---- TAA_REQUIRES_DW ---------------------------------------------------------------------- */

static void
taa_participant(void)
{
    enroll("WP", "2026-01-02");
    enroll("TAA", "2026-01-02");
    service("TAA", "CASE_MANAGEMENT", "2026-01-05", "2026-01-05", NULL);
    with_facts = true;
    facts.dw_category = DW_PLANT_CLOSURE;
    snprintf(facts.taa_petition, sizeof(facts.taa_petition), "TA-W-12345");
}

static void
test_taa_missing_dw(void **state)
{
    (void)state;
    taa_participant();
    check("2026-01-20");
    const struct coenroll_finding *f = expect_finding("TAA_REQUIRES_DW");
    assert_int_equal(f->service, -1);
    assert_int_equal(f->since_on, D("2026-01-05"));
    assert_int_equal(f->requires, program("DW"));
    assert_non_null(strstr(f->why, "needs DW enrollment because TAA participant since 2026-01-05"));
    assert_non_null(strstr(f->resolves, "decline"));
}

static void
test_taa_dw_present(void **state)
{
    (void)state;
    taa_participant();
    enroll("DW", "2026-01-05");
    check("2026-01-20");
    expect_no_finding("TAA_REQUIRES_DW");
}

static void
test_taa_decline_recorded(void **state)
{
    (void)state;
    taa_participant();
    declined[n_declined++] = "NDWG_REQUIRES_DW"; /* another rule's decline changes nothing */
    check("2026-01-20");
    expect_finding("TAA_REQUIRES_DW");
    declined[n_declined++] = "TAA_REQUIRES_DW";
    check("2026-01-20");
    expect_no_finding("TAA_REQUIRES_DW");
}

static void
test_taa_only_if_dw_eligible(void **state)
{
    (void)state;
    taa_participant();
    facts.dw_category = DW_NONE;
    check("2026-01-20");
    expect_no_finding("TAA_REQUIRES_DW");
    with_facts = false; /* facts unknown: eligibility unknown */
    check("2026-01-20");
    expect_no_finding("TAA_REQUIRES_DW");
}

static void
test_taa_not_after_exit_nor_before_entry(void **state)
{
    (void)state;
    taa_participant();
    check("2026-01-04"); /* not a participant yet */
    expect_no_finding("TAA_REQUIRES_DW");
    check("2026-04-06"); /* the soft exit (2026-01-05 + 91) */
    expect_no_finding("TAA_REQUIRES_DW");
}

/* ---- NDWG_REQUIRES_DW --------------------------------------------------------------------- */

static void
ndwg_participant(void)
{
    enroll("WP", "2026-01-02");
    enroll("NDWG", "2026-01-02");
    service("NDWG", "CAREER_COUNSELING", "2026-01-05", "2026-01-05", NULL);
    with_facts = true;
    facts.dw_category = DW_LAID_OFF;
}

static void
test_ndwg_missing_present_declined(void **state)
{
    (void)state;
    ndwg_participant();
    check("2026-01-20");
    assert_non_null(strstr(expect_finding("NDWG_REQUIRES_DW")->why,
                           "needs DW enrollment because NDWG participant since 2026-01-05"));
    /* A decline is recorded only for TAA: NDWG's rule is not declinable. */
    declined[n_declined++] = "NDWG_REQUIRES_DW";
    check("2026-01-20");
    expect_finding("NDWG_REQUIRES_DW");
    enroll("DW", "2026-01-10");
    check("2026-01-20");
    expect_no_finding("NDWG_REQUIRES_DW");
}

static void
test_ndwg_only_if_dw_eligible(void **state)
{
    (void)state;
    ndwg_participant();
    facts.dw_category = DW_NONE;
    check("2026-01-20");
    expect_no_finding("NDWG_REQUIRES_DW");
}

/* ---- SNAP_ET_TRAINING_REQUIRES_ADULT ------------------------------------------------------ */

static void
test_snap_et_training_missing_present_declined(void **state)
{
    (void)state;
    enroll("SNAP_ET", "2026-01-02");
    service("SNAP_ET", "CASE_MANAGEMENT", "2026-01-05", "2026-01-05", NULL);
    check("2026-01-20");
    expect_no_finding("SNAP_ET_TRAINING_REQUIRES_ADULT"); /* no training yet */

    int s = service("SNAP_ET", "OCCUPATIONAL_TRAINING", "2026-01-12", NULL, "2026-05-29");
    check("2026-01-20");
    const struct coenroll_finding *f = expect_finding("SNAP_ET_TRAINING_REQUIRES_ADULT");
    assert_string_equal(f->why,
                        "needs ADULT enrollment because OCCUPATIONAL_TRAINING on 2026-01-12");
    assert_int_equal(f->service, s);
    expect_no_finding("WP_FOR_STAFF_ASSISTED"); /* SNAP E&T is not a job-center program */

    declined[n_declined++] = "SNAP_ET_TRAINING_REQUIRES_ADULT";
    check("2026-01-20");
    expect_finding("SNAP_ET_TRAINING_REQUIRES_ADULT");

    enroll("ADULT", "2026-01-15");
    check("2026-01-20");
    expect_no_finding("SNAP_ET_TRAINING_REQUIRES_ADULT");
}

static void
test_snap_et_training_in_another_program_is_not_snap_et(void **state)
{
    (void)state;
    enroll("SNAP_ET", "2026-01-02");
    service("SNAP_ET", "CASE_MANAGEMENT", "2026-01-05", "2026-01-05", NULL);
    enroll("AEL", "2026-01-02");
    service("AEL", "ADULT_EDUCATION", "2026-01-12", NULL, "2026-05-29");
    check("2026-01-20");
    expect_no_finding("SNAP_ET_TRAINING_REQUIRES_ADULT");
}

/* ---- configuration -------------------------------------------------------------------------- */

static void
test_a_deployment_rule_table(void **state)
{
    (void)state;
    static const struct coenroll_rule rules[] = {
        /* A state's own rule: JVSG participants are co-enrolled in WP. */
        {.id = "JVSG_REQUIRES_WP",
         .program = "JVSG",
         .when = COENROLL_WHEN_PARTICIPANT,
         .requires = "WP"},
        /* A rule naming a program this catalog does not have is skipped. */
        {.id = "STATE_ONLY",
         .program = "STATE_PROGRAM",
         .when = COENROLL_WHEN_PARTICIPANT,
         .requires = "WP"},
        {.id = "REQUIRES_UNKNOWN",
         .program = "JVSG",
         .when = COENROLL_WHEN_PARTICIPANT,
         .requires = "NOT_A_PROGRAM"},
    };
    config.rules = rules;
    config.n_rules = 3;
    enroll("JVSG", "2026-01-02");
    service("JVSG", "CASE_MANAGEMENT", "2026-01-05", "2026-01-05", NULL);
    check("2026-01-20");
    assert_int_equal(n_findings, 1);
    assert_string_equal(config.rules[findings[0].rule].id, "JVSG_REQUIRES_WP");
    assert_string_equal(findings[0].why,
                        "needs WP enrollment because JVSG participant since 2026-01-05");
}

static void
test_findings_past_max_are_counted(void **state)
{
    (void)state;
    enroll("ADULT", "2026-02-02");
    service("ADULT", "STAFF_JOB_SEARCH", "2026-02-03", "2026-02-03", NULL);
    exit_determine(&catalog, &policy, &record, D("2026-02-20"), &result);
    struct coenroll_input in = {.record = &record, .exits = &result};
    assert_int_equal(coenroll_check(&catalog, &config, &in, D("2026-02-20"), NULL, 0), 1);
}

/* ---- duplication ---------------------------------------------------------------------------- */

static size_t
duplications(struct coenroll_duplication *out, size_t max)
{
    return coenroll_duplications(&catalog, &config, &record, out, max);
}

static void
test_duplication_overlapping_training(void **state)
{
    struct coenroll_duplication d[2];
    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("TAA", "2026-01-02");
    service("ADULT", "OCCUPATIONAL_TRAINING", "2026-01-05", "2026-06-30", NULL);
    service("TAA", "OCCUPATIONAL_TRAINING", "2026-03-01", NULL, "2026-08-31");
    assert_int_equal(duplications(d, 2), 1);
    assert_int_equal(d[0].first, 0);
    assert_int_equal(d[0].second, 1);
    assert_int_equal(d[0].from_on, D("2026-03-01"));
    assert_int_equal(d[0].until_on, D("2026-06-30"));
    assert_string_equal(d[0].why,
                        "OCCUPATIONAL_TRAINING is funded by both ADULT (2026-01-05 to 2026-06-30) "
                        "and TAA (2026-03-01 to 2026-08-31), overlapping 2026-03-01 to 2026-06-30: "
                        "possible duplication or supplanting");
}

static void
test_duplication_touching_on_one_day(void **state)
{
    struct coenroll_duplication d[1];
    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("DW", "2026-01-02");
    service("ADULT", "OJT", "2026-01-05", "2026-03-02", NULL);
    service("DW", "OJT", "2026-03-02", NULL, NULL); /* open, without a projected end */
    assert_int_equal(duplications(d, 1), 1);
    assert_int_equal(d[0].from_on, D("2026-03-02"));
    assert_int_equal(d[0].until_on, D("2026-03-02"));
    record.services[1].start_on = D("2026-03-03");
    assert_int_equal(duplications(d, 1), 0);
}

static void
test_duplication_both_open(void **state)
{
    struct coenroll_duplication d[1];
    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("DW", "2026-01-02");
    service("ADULT", "APPRENTICESHIP", "2026-01-05", NULL, NULL);
    service("DW", "APPRENTICESHIP", "2026-02-05", NULL, NULL);
    assert_int_equal(duplications(d, 1), 1);
    assert_int_equal(d[0].until_on, DATE_NONE);
    assert_non_null(strstr(d[0].why, "2026-02-05, open"));
}

static void
test_no_duplication(void **state)
{
    struct coenroll_duplication d[1];
    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("TAA", "2026-01-02");
    enroll("DW", "2026-01-02");
    /* Back to back, not overlapping. */
    service("ADULT", "OCCUPATIONAL_TRAINING", "2026-01-05", "2026-06-30", NULL);
    service("TAA", "OCCUPATIONAL_TRAINING", "2026-07-01", NULL, "2026-12-31");
    /* The same program twice is not two funders. */
    service("ADULT", "OCCUPATIONAL_TRAINING", "2026-02-01", "2026-03-01", NULL);
    /* Different training codes. */
    service("DW", "OJT", "2026-01-05", "2026-06-30", NULL);
    /* Career services of co-enrolled programs are shared work, not duplication (seed 002). */
    service("ADULT", "CASE_MANAGEMENT", "2026-01-05", NULL, "2026-06-30");
    service("DW", "CASE_MANAGEMENT", "2026-01-05", NULL, "2026-06-30");
    assert_int_equal(duplications(d, 1), 0);
    /* ... unless the configuration checks that category too. */
    config.duplication_categories |= 1u << SERVICE_INDIVIDUALIZED;
    assert_int_equal(duplications(d, 1), 1);
    assert_int_equal(duplications(NULL, 0), 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_default_rules_are_the_four_of_rules_md),
        T(test_wp_missing_names_the_service_and_date),
        T(test_wp_present),
        T(test_wp_decline_does_not_satisfy),
        T(test_wp_not_for_informational_or_partner_services),
        T(test_wp_for_youth_too),
        T(test_wp_only_in_the_current_period),
        T(test_taa_missing_dw),
        T(test_taa_dw_present),
        T(test_taa_decline_recorded),
        T(test_taa_only_if_dw_eligible),
        T(test_taa_not_after_exit_nor_before_entry),
        T(test_ndwg_missing_present_declined),
        T(test_ndwg_only_if_dw_eligible),
        T(test_snap_et_training_missing_present_declined),
        T(test_snap_et_training_in_another_program_is_not_snap_et),
        T(test_a_deployment_rule_table),
        T(test_findings_past_max_are_counted),
        T(test_duplication_overlapping_training),
        T(test_duplication_touching_on_one_day),
        T(test_duplication_both_open),
        T(test_no_duplication),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
