/* test_record.c — src/core/record.c: the record and record_validate(), written from the policy
 * text (RULES.md §3 and §5; seeds 003, 004) as an independent check of the implementation.
 * Field paths are the person bundle's names with the input's own index ("services[2].end_date"). */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "app/catalog_file.h"
#include "core/catalog.h"
#include "core/error.h"
#include "core/policy.h"
#include "core/record.h"

static struct catalog catalog;
static struct policy loaded_policy;
static struct policy policy;
static struct person_record record;
static struct br_error err;

/* ---- fixture --------------------------------------------------------------------------------- */

static int
group_setup(void **state)
{
    struct br_error e;

    (void)state;
    br_error_clear(&e);
    if (catalog_file_load("data/catalog.json", &catalog, &loaded_policy, &e) != 0) {
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
    policy = loaded_policy;
    person_record_init(&record);
    br_error_clear(&err);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
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

static int
service_code(const char *code)
{
    int i = catalog_service_index(&catalog, code);

    if (i == CATALOG_NOT_FOUND)
        fail_msg("service code %s is not in the catalog", code);
    return i;
}

static void
enroll(const char *prog, const char *eligible_on)
{
    struct enrollment e;

    memset(&e, 0, sizeof(e));
    e.program = program(prog);
    e.eligibility_on = D(eligible_on);
    person_record_add_enrollment(&record, &e);
}

/* Adds a service and returns its index.  end NULL: still open; projected NULL: none given. */
static int
service(const char *prog, const char *code, const char *start, const char *end,
        const char *projected)
{
    struct service s;

    memset(&s, 0, sizeof(s));
    s.program = program(prog);
    s.code = service_code(code);
    s.start_on = D(start);
    s.end_on = end ? D(end) : DATE_NONE;
    s.projected_end_on = projected ? D(projected) : DATE_NONE;
    person_record_add_service(&record, &s);
    return (int)record.n_services - 1;
}

static int
service_on(const char *prog, const char *code, const char *on)
{
    return service(prog, code, on, on, NULL);
}

/* A gap from start, planned to end `days` days later (the length of RULES.md §5). */
static int
gap_days(const char *prog, const char *start, int days)
{
    struct planned_gap g;

    memset(&g, 0, sizeof(g));
    g.program = program(prog);
    g.reason = GAP_HEALTH_MEDICAL;
    g.start_on = D(start);
    g.planned_end_on = D(start) + days;
    person_record_add_gap(&record, &g);
    return (int)record.n_gaps - 1;
}

static int
gap(const char *prog, const char *start, const char *planned_end)
{
    return gap_days(prog, start, D(planned_end) - D(start));
}

static void
dump_err(void)
{
    print_error("  rc code %d, %zu fields (%zu dropped): %s\n", err.code, err.n_fields,
                err.n_dropped, err.message);
    for (size_t i = 0; i < err.n_fields; i++)
        print_error("    %s: %s\n", err.fields[i].field, err.fields[i].problem);
}

static int
validate(void)
{
    br_error_clear(&err);
    return record_validate(&catalog, &policy, &record, &err);
}

/* How many field errors name this path. */
static size_t
field_count(const char *path)
{
    size_t n = 0;

    for (size_t i = 0; i < err.n_fields; i++)
        if (strcmp(err.fields[i].field, path) == 0)
            n++;
    return n;
}

static void
assert_valid_at(const char *file, int line)
{
    int rc = validate();

    if (rc == 0 && err.n_fields == 0)
        return;
    print_error("%s:%d: record_validate returned %d, expected a valid record\n", file, line, rc);
    dump_err();
    _fail(file, line);
}
#define assert_valid() assert_valid_at(__FILE__, __LINE__)

/* Validation fails with exactly `n` field errors. */
static void
assert_invalid_at(size_t n, const char *file, int line)
{
    int rc = validate();

    if (rc == BR_EINVAL && err.code == BR_EINVAL && err.n_fields == n && err.n_dropped == 0)
        return;
    print_error("%s:%d: record_validate returned %d, expected BR_EINVAL with %zu field errors\n",
                file, line, rc, n);
    dump_err();
    _fail(file, line);
}
#define assert_invalid(n) assert_invalid_at((n), __FILE__, __LINE__)

/* The last validation reported this path (once), with a problem text. */
static void
assert_field_at(const char *path, const char *file, int line)
{
    if (field_count(path) == 1) {
        for (size_t i = 0; i < err.n_fields; i++)
            if (strcmp(err.fields[i].field, path) == 0 && err.fields[i].problem[0] != '\0')
                return;
    }
    print_error("%s:%d: expected one field error at %s\n", file, line, path);
    dump_err();
    _fail(file, line);
}
#define assert_field(path) assert_field_at((path), __FILE__, __LINE__)

/* ---- the record itself ----------------------------------------------------------------------- */

static void
test_add_and_reset(void **state)
{
    struct service *s;
    struct service in;

    (void)state;
    assert_int_equal(record.n_enrollments, 0);
    assert_int_equal(record.n_services, 0);
    assert_int_equal(record.n_gaps, 0);

    /* Enough items to force the arrays to grow; each comes back as it went in. */
    for (int i = 0; i < 100; i++) {
        memset(&in, 0, sizeof(in));
        in.id = 1000 + i;
        in.program = program("ADULT");
        in.code = service_code("CASE_MANAGEMENT");
        in.start_on = D("2026-01-05") + i;
        in.end_on = in.start_on;
        in.projected_end_on = DATE_NONE;
        s = person_record_add_service(&record, &in);
        assert_non_null(s);
        assert_int_equal(s->id, 1000 + i);
    }
    assert_int_equal(record.n_services, 100);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(record.services[i].id, 1000 + i);
        assert_int_equal(record.services[i].start_on, D("2026-01-05") + i);
        assert_int_equal(record.services[i].projected_end_on, DATE_NONE);
    }
    enroll("ADULT", "2026-01-02");
    gap("ADULT", "2026-06-01", "2026-09-01");
    assert_int_equal(record.n_enrollments, 1);
    assert_int_equal(record.n_gaps, 1);
    assert_int_equal(record.gaps[0].planned_end_on, D("2026-09-01"));

    person_record_reset(&record);
    assert_int_equal(record.n_enrollments, 0);
    assert_int_equal(record.n_services, 0);
    assert_int_equal(record.n_gaps, 0);
    assert_valid(); /* an empty record is valid */
}

/* The eligibility date is the earliest determination for the program. */
static void
test_eligibility_is_earliest_determination(void **state)
{
    (void)state;
    enroll("ADULT", "2026-03-01");
    enroll("ADULT", "2026-01-05");
    enroll("WP", "2026-02-01");
    assert_int_equal(person_record_eligibility(&record, program("ADULT")), D("2026-01-05"));
    assert_int_equal(person_record_eligibility(&record, program("WP")), D("2026-02-01"));
    assert_int_equal(person_record_eligibility(&record, program("DW")), DATE_NONE);

    service_on("ADULT", "CASE_MANAGEMENT", "2026-02-01"); /* after the earlier determination */
    assert_valid();
}

static void
test_gap_reason_names(void **state)
{
    static const struct {
        const char *name;
        enum gap_reason reason;
    } cases[] = {
        {"TRAINING_DELAY", GAP_TRAINING_DELAY},
        {"HEALTH_MEDICAL", GAP_HEALTH_MEDICAL},
        {"FAMILY_CARE", GAP_FAMILY_CARE},
        {"TEMPORARY_MOVE", GAP_TEMPORARY_MOVE},
    };
    enum gap_reason r;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_string_equal(gap_reason_name(cases[i].reason), cases[i].name);
        memset(&r, 0xff, sizeof(r)); /* not any reason */
        assert_int_equal(gap_reason_parse(cases[i].name, &r), 0);
        assert_int_equal(r, cases[i].reason);
    }
    /* RULES.md §5: any other reason is rejected. */
    assert_int_equal(gap_reason_parse("VACATION", &r), BR_EINVAL);
    assert_int_equal(gap_reason_parse("", &r), BR_EINVAL);
    assert_int_equal(gap_reason_parse("TRAINING_DELAY ", &r), BR_EINVAL);
}

/* ---- a valid record -------------------------------------------------------------------------- */

static void
test_valid_record(void **state)
{
    (void)state;
    enroll("WP", "2026-01-02");
    enroll("ADULT", "2026-01-05");
    enroll("YOUTH", "2026-01-05");
    enroll("AEL", "2026-01-02");
    service_on("WP", "STAFF_JOB_SEARCH", "2026-01-02");        /* on the eligibility day */
    service("ADULT", "OJT", "2026-01-05", NULL, "2026-06-30"); /* open, projected end later */
    service("ADULT", "CASE_MANAGEMENT", "2026-01-05", "2026-01-05", "2026-01-05");
    service_on("YOUTH", "ORIENTATION", "2026-01-05");
    service_on("YOUTH", "OBJECTIVE_ASSESSMENT", "2026-01-06");
    service_on("YOUTH", "TUTORING", "2026-02-01");
    service_on("AEL", "ADULT_EDUCATION", "2026-01-03");
    gap_days("ADULT", "2026-07-01", 91);
    gap_days("ADULT", "2026-10-01", 179); /* starts the day after the first ends */
    gap_days("AEL", "2026-07-15", 120);   /* overlaps, but another exit group */
    assert_int_equal(record.gaps[0].planned_end_on + 1, record.gaps[1].start_on);
    assert_valid();
}

/* ---- service dates --------------------------------------------------------------------------- */

static void
test_service_end_before_start(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    service("ADULT", "CASE_MANAGEMENT", "2026-01-10", "2026-01-09", NULL);
    service("ADULT", "CASE_MANAGEMENT", "2026-01-10", "2026-01-10", NULL); /* same day: fine */
    service("ADULT", "SUPPORTIVE", "2026-02-10", "2026-01-31", NULL);
    assert_invalid(2);
    assert_field("services[0].end_date");
    assert_field("services[2].end_date");
}

static void
test_projected_end_before_start(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    service("ADULT", "OJT", "2026-01-10", NULL, "2026-01-09");
    service("ADULT", "OJT", "2026-01-10", NULL, "2026-01-10"); /* same day: fine */
    service("ADULT", "OJT", "2026-01-10", "2026-02-01", "2026-01-05");
    service("ADULT", "OJT", "2026-01-10", "2026-02-01", "2026-01-20"); /* ended after projected */
    assert_invalid(2);
    assert_field("services[0].projected_end_date");
    assert_field("services[2].projected_end_date");
}

/* ---- eligibility (RULES.md §3) --------------------------------------------------------------- */

static void
test_triggering_service_without_enrollment(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    service_on("DW", "CASE_MANAGEMENT", "2026-01-10");  /* no DW enrollment */
    service_on("WP", "ORIENTATION", "2026-01-10");      /* not triggering: fine */
    service_on("WP", "SELF_SERVICE", "2026-01-10");     /* not triggering: fine */
    service_on("AEL", "SUPPORTIVE", "2026-01-10");      /* not triggering: fine */
    service_on("AEL", "ADULT_EDUCATION", "2026-01-11"); /* no AEL enrollment */
    assert_invalid(2);
    assert_field("services[1].start_date");
    assert_field("services[5].start_date");
}

static void
test_triggering_service_before_eligibility(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-05");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-04");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-05"); /* on the eligibility day: fine */
    service_on("ADULT", "ORIENTATION", "2026-01-01");     /* not triggering: fine */
    service_on("ADULT", "ELIGIBILITY", "2026-01-03");
    service_on("ADULT", "SUPPORTIVE", "2026-01-02");
    service("ADULT", "OCCUPATIONAL_TRAINING", "2025-12-01", "2026-03-01",
            NULL); /* started before */
    assert_invalid(2);
    assert_field("services[0].start_date");
    assert_field("services[5].start_date");
}

/* Another program's eligibility does not count. */
static void
test_eligibility_is_per_program(void **state)
{
    (void)state;
    enroll("WP", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    assert_invalid(1);
    assert_field("services[0].start_date");
}

/* ---- YOUTH: the objective assessment comes first (RULES.md §3; seed 004) --------------------- */

static void
test_youth_service_before_coa(void **state)
{
    (void)state;
    enroll("YOUTH", "2026-01-02");
    service_on("YOUTH", "ORIENTATION", "2026-01-03");     /* not triggering: fine */
    service_on("YOUTH", "CASE_MANAGEMENT", "2026-01-09"); /* before the COA */
    service_on("YOUTH", "OBJECTIVE_ASSESSMENT", "2026-01-10");
    service_on("YOUTH", "PLAN_DEVELOPMENT", "2026-01-10"); /* same day: fine */
    service_on("YOUTH", "TUTORING", "2026-02-01");
    service_on("YOUTH", "SUPPORTIVE", "2026-01-04"); /* not triggering: fine */
    service("YOUTH", "WORK_EXPERIENCE", "2026-01-08", "2026-03-01", NULL); /* before the COA */
    assert_invalid(2);
    assert_field("services[1].code");
    assert_field("services[6].code");
}

static void
test_youth_without_coa(void **state)
{
    (void)state;
    enroll("YOUTH", "2026-01-02");
    service_on("YOUTH", "CASE_MANAGEMENT", "2026-01-10");
    service_on("YOUTH", "WORK_EXPERIENCE", "2026-02-01");
    service_on("YOUTH", "ORIENTATION", "2026-01-05");
    assert_invalid(2);
    assert_field("services[0].code");
    assert_field("services[1].code");
}

/* Same day as the COA is fine in either input order; the first COA counts. */
static void
test_youth_coa_same_day_and_first_coa(void **state)
{
    (void)state;
    enroll("YOUTH", "2026-01-02");
    service_on("YOUTH", "CASE_MANAGEMENT", "2026-01-10");
    service_on("YOUTH", "OBJECTIVE_ASSESSMENT", "2026-01-10");
    service_on("YOUTH", "OBJECTIVE_ASSESSMENT", "2026-03-01");
    service_on("YOUTH", "TUTORING", "2026-02-01"); /* after the first COA, before the second */
    assert_valid();
}

/* An objective assessment in another program is not the YOUTH COA; other programs' services
 * before the YOUTH COA are not YOUTH services. */
static void
test_youth_coa_must_be_youth(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("YOUTH", "2026-01-02");
    service_on("ADULT", "OBJECTIVE_ASSESSMENT", "2026-01-05");
    service_on("YOUTH", "CASE_MANAGEMENT", "2026-01-10");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-06");
    assert_invalid(1);
    assert_field("services[1].code");

    person_record_reset(&record);
    enroll("ADULT", "2026-01-02");
    enroll("YOUTH", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-05");
    service_on("YOUTH", "OBJECTIVE_ASSESSMENT", "2026-01-10");
    assert_valid();
}

/* ---- planned gaps (RULES.md §5; seed 004) ---------------------------------------------------- */

static void
test_gap_end_before_start(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    gap("ADULT", "2026-06-01", "2026-02-01");
    assert_int_equal(validate(), BR_EINVAL);
    if (field_count("gaps[0].planned_end_date") == 0) {
        dump_err();
        fail_msg("expected a field error at gaps[0].planned_end_date");
    }
    for (size_t i = 0; i < err.n_fields; i++)
        assert_string_equal(err.fields[i].field, "gaps[0].planned_end_date");
}

/* "greater than 90 days but less than 180 days": 91 and 179 accepted, 90 and 180 rejected. */
static void
test_gap_length_bounds(void **state)
{
    (void)state;
    enroll("ADULT", "2020-01-02");
    gap_days("ADULT", "2020-02-01", 90);
    gap_days("ADULT", "2021-02-01", 91);
    gap_days("ADULT", "2022-02-01", 179);
    gap_days("ADULT", "2023-02-01", 180);
    gap_days("ADULT", "2024-02-01", 0);
    assert_invalid(3);
    assert_field("gaps[0].planned_end_date");
    assert_field("gaps[3].planned_end_date");
    assert_field("gaps[4].planned_end_date");
}

/* The bounds are policy settings, not literals. */
static void
test_gap_length_bounds_are_policy(void **state)
{
    (void)state;
    policy.gap_min_days = 30;
    policy.gap_max_days = 60;
    enroll("ADULT", "2026-01-02");
    gap_days("ADULT", "2026-02-01", 30);
    gap_days("ADULT", "2026-04-01", 60);
    gap_days("ADULT", "2026-06-01", 29);
    gap_days("ADULT", "2026-08-01", 61);
    gap_days("ADULT", "2026-11-01", 91); /* fine by default, too long here */
    assert_invalid(3);
    assert_field("gaps[2].planned_end_date");
    assert_field("gaps[3].planned_end_date");
    assert_field("gaps[4].planned_end_date");
}

/* Two gaps of one exit group sharing a day overlap; the later one is reported. */
static void
test_overlapping_gaps(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("DW", "2026-01-02");
    gap("ADULT", "2026-02-01", "2026-06-01");
    gap("DW", "2026-06-01", "2026-09-01"); /* same common group, shares 06-01 */
    assert_invalid(1);
    assert_field("gaps[1].start_date");

    /* One inside the other. */
    person_record_reset(&record);
    enroll("ADULT", "2026-01-02");
    gap("ADULT", "2026-02-01", "2026-07-30");
    gap("ADULT", "2026-03-01", "2026-06-01");
    assert_invalid(1);
    assert_field("gaps[1].start_date");
}

/* "The later one" is the one that starts later, whatever the input order. */
static void
test_overlapping_gaps_reported_on_later_gap(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    gap("ADULT", "2026-05-01", "2026-08-01");
    gap("ADULT", "2026-02-01", "2026-06-01");
    assert_invalid(1);
    assert_field("gaps[0].start_date");
}

static void
test_adjacent_gaps_and_other_groups_do_not_overlap(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("AEL", "2026-01-02");
    enroll("VR", "2026-01-02");
    gap("ADULT", "2026-02-01", "2026-06-01");
    gap("ADULT", "2026-06-02", "2026-09-01"); /* the day after: fine */
    gap("AEL", "2026-03-01", "2026-07-01");   /* another group: fine */
    gap("VR", "2026-03-01", "2026-07-01");    /* another group again, same days as AEL: fine */
    assert_valid();

    /* AEL gaps overlap each other, though. */
    gap("AEL", "2026-06-15", "2026-10-01");
    assert_invalid(1);
    assert_field("gaps[4].start_date");
}

/* ---- every problem is reported --------------------------------------------------------------- */

static void
test_every_problem_reported(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-05");
    enroll("YOUTH", "2026-01-05");
    service("ADULT", "SUPPORTIVE", "2026-03-10", "2026-03-09", NULL); /* end before start */
    service("ADULT", "OJT", "2026-03-10", NULL, "2026-03-01");        /* projected before */
    service_on("DW", "CASE_MANAGEMENT", "2026-01-10");                /* no enrollment */
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-04");             /* before eligibility */
    service_on("YOUTH", "CASE_MANAGEMENT", "2026-01-10");             /* no COA */
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-05");             /* fine */
    gap_days("ADULT", "2026-02-01", 90);                              /* too short */
    gap("ADULT", "2026-06-01", "2026-09-01");                         /* fine */
    gap_days("ADULT", "2026-08-01", 100);                             /* overlaps gaps[1] */
    assert_invalid(7);
    assert_field("services[0].end_date");
    assert_field("services[1].projected_end_date");
    assert_field("services[2].start_date");
    assert_field("services[3].start_date");
    assert_field("services[4].code");
    assert_field("gaps[0].planned_end_date");
    assert_field("gaps[2].start_date");
    assert_int_equal(br_error_field_count(&err), 7);
}

/* More problems than the error keeps: the rest are counted, none is lost. */
static void
test_many_problems_counted(void **state)
{
    (void)state;
    for (int i = 0; i < BR_ERROR_MAX_FIELDS + 8; i++)
        service("WP", "SUPPORTIVE", "2026-03-10", "2026-03-09", NULL);
    assert_int_equal(validate(), BR_EINVAL);
    assert_int_equal(err.n_fields, BR_ERROR_MAX_FIELDS);
    assert_int_equal(err.n_dropped, 8);
    assert_int_equal(br_error_field_count(&err), BR_ERROR_MAX_FIELDS + 8);
    assert_string_equal(err.fields[0].field, "services[0].end_date");
    assert_string_equal(err.fields[BR_ERROR_MAX_FIELDS - 1].field, "services[31].end_date");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_add_and_reset),
        T(test_eligibility_is_earliest_determination),
        T(test_gap_reason_names),
        T(test_valid_record),
        T(test_service_end_before_start),
        T(test_projected_end_before_start),
        T(test_triggering_service_without_enrollment),
        T(test_triggering_service_before_eligibility),
        T(test_eligibility_is_per_program),
        T(test_youth_service_before_coa),
        T(test_youth_without_coa),
        T(test_youth_coa_same_day_and_first_coa),
        T(test_youth_coa_must_be_youth),
        T(test_gap_end_before_start),
        T(test_gap_length_bounds),
        T(test_gap_length_bounds_are_policy),
        T(test_overlapping_gaps),
        T(test_overlapping_gaps_reported_on_later_gap),
        T(test_adjacent_gaps_and_other_groups_do_not_overlap),
        T(test_every_problem_reported),
        T(test_many_problems_counted),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
