/* test_exit.c — src/core/exit.c, written from the policy text (RULES.md §3-5; seeds 001, 003, 004;
 * 20 CFR 677.150) as an independent check of the implementation, not from its code.  Every
 * expected date was worked out by hand from the rule that states it and checked with Python's
 * datetime.  The catalog and policy are the shipped defaults (data/catalog.json). */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "app/catalog_file.h"
#include "core/catalog.h"
#include "core/error.h"
#include "core/exit.h"
#include "core/policy.h"
#include "core/record.h"

static struct catalog catalog;
static struct policy loaded_policy; /* as read from the file */
static struct policy policy;        /* what a test uses; reset to loaded_policy before each test */
static struct person_record record;
static struct exit_result result;

/* ---- fixture --------------------------------------------------------------------------------- */

static int
group_setup(void **state)
{
    struct br_error err;

    (void)state;
    br_error_clear(&err);
    if (catalog_file_load("data/catalog.json", &catalog, &loaded_policy, &err) != 0) {
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
    policy = loaded_policy;
    person_record_init(&record);
    exit_result_init(&result);
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

static int
service_code(const char *code)
{
    int i = catalog_service_index(&catalog, code);

    if (i == CATALOG_NOT_FOUND)
        fail_msg("service code %s is not in the catalog", code);
    return i;
}

static const char *
fmt_date(int32_t date, char *buf)
{
    if (date == DATE_NONE)
        return "none";
    return date_format(date, buf);
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

/* A service given on one day (starts and ends that day). */
static int
service_on(const char *prog, const char *code, const char *on)
{
    return service(prog, code, on, on, NULL);
}

static int
gap(const char *prog, const char *start, const char *planned_end)
{
    struct planned_gap g;

    memset(&g, 0, sizeof(g));
    g.program = program(prog);
    g.reason = GAP_TRAINING_DELAY;
    g.start_on = D(start);
    g.planned_end_on = D(planned_end);
    person_record_add_gap(&record, &g);
    return (int)record.n_gaps - 1;
}

static void
dump(void)
{
    char a[DATE_TEXT_SIZE], b[DATE_TEXT_SIZE], c[DATE_TEXT_SIZE], d[DATE_TEXT_SIZE];

    print_error("  as of %s: %zu entries, %zu stale\n", fmt_date(result.as_of, a), result.n_periods,
                result.n_stale);
    for (size_t i = 0; i < result.n_periods; i++) {
        const struct exit_period *p = &result.periods[i];
        print_error("  [%zu] %s group %d period %d %s entry %s exit %s L %s (svc %d) held %s "
                    "(svc %d gap %d) soft %s remaining %d without %d gaps %d\n",
                    i, catalog.programs[p->program].code, p->group, p->period,
                    exit_status_name(p->status), fmt_date(p->entry_on, a), fmt_date(p->exit_on, b),
                    fmt_date(p->last_service_on, c), p->last_service,
                    exit_hold_name(p->held_by) ? exit_hold_name(p->held_by) : "-",
                    p->holding_service, p->holding_gap, fmt_date(p->soft_exit_on, d),
                    p->days_remaining, p->days_without_service, p->gaps_in_period);
    }
}

/* Validates the record (every fixture must be a valid record: exit_determine's precondition) and
 * determines the exits as of the date. */
static void
determine_at(const char *as_of, const char *file, int line)
{
    struct br_error err;

    br_error_clear(&err);
    if (record_validate(&catalog, &policy, &record, &err) != 0) {
        print_error("%s:%d: fixture rejected by record_validate: %s\n", file, line, err.message);
        for (size_t i = 0; i < err.n_fields; i++)
            print_error("  %s: %s\n", err.fields[i].field, err.fields[i].problem);
        _fail(file, line);
    }
    exit_determine(&catalog, &policy, &record, D(as_of), &result);
    assert_int_equal(result.as_of, D(as_of));
}
#define determine(as_of) determine_at((as_of), __FILE__, __LINE__)

/* The one entry for program prog, period n (0 for a reportable entry). */
static const struct exit_period *
find_at(const char *prog, int n, const char *file, int line)
{
    int p = program(prog);
    const struct exit_period *found = NULL;

    for (size_t i = 0; i < result.n_periods; i++) {
        if (result.periods[i].program != p || result.periods[i].period != n)
            continue;
        if (found) {
            print_error("%s:%d: two entries for %s period %d\n", file, line, prog, n);
            dump();
            _fail(file, line);
        }
        found = &result.periods[i];
    }
    if (!found) {
        print_error("%s:%d: no entry for %s period %d\n", file, line, prog, n);
        dump();
        _fail(file, line);
    }
    return found;
}
#define find(prog, n) find_at((prog), (n), __FILE__, __LINE__)

static void
assert_date_at(int32_t actual, const char *expected, const char *expr, const char *file, int line)
{
    int32_t want = expected ? D(expected) : DATE_NONE;
    char buf[DATE_TEXT_SIZE];

    if (actual == want)
        return;
    print_error("%s:%d: %s is %s, expected %s\n", file, line, expr, fmt_date(actual, buf),
                expected ? expected : "none");
    dump();
    _fail(file, line);
}
/* expected: "YYYY-MM-DD", or NULL for DATE_NONE */
#define assert_date(actual, expected)                                                              \
    assert_date_at((actual), (expected), #actual, __FILE__, __LINE__)

static void
assert_int_at(long actual, long want, const char *expr, const char *file, int line)
{
    if (actual == want)
        return;
    print_error("%s:%d: %s is %ld, expected %ld\n", file, line, expr, actual, want);
    dump();
    _fail(file, line);
}
#define assert_int(actual, want)                                                                   \
    assert_int_at((long)(actual), (long)(want), #actual, __FILE__, __LINE__)

/* The entry at position i of the output is program prog, period n. */
#define assert_entry(i, prog, n)                                                                   \
    do {                                                                                           \
        assert_true((size_t)(i) < result.n_periods);                                               \
        assert_int(result.periods[(i)].program, program(prog));                                    \
        assert_int(result.periods[(i)].period, (n));                                               \
    } while (0)

/* A period exited on exit_text (= L), its soft exit determined on soft_text. */
#define assert_exited(e, exit_text, soft_text)                                                     \
    do {                                                                                           \
        assert_int((e)->status, EXIT_STATUS_EXITED);                                               \
        assert_date((e)->exit_on, (exit_text));                                                    \
        assert_date((e)->last_service_on, (exit_text));                                            \
        assert_date((e)->soft_exit_on, (soft_text));                                               \
        assert_int((e)->days_remaining, 0);                                                        \
        assert_int((e)->held_by, EXIT_HOLD_NONE);                                                  \
    } while (0)

/* An active period on the plain 90-day clock (nothing holds it). */
#define assert_clock(e, last_text, soft_text, remaining)                                           \
    do {                                                                                           \
        assert_int((e)->status, EXIT_STATUS_ACTIVE);                                               \
        assert_date((e)->exit_on, NULL);                                                           \
        assert_date((e)->last_service_on, (last_text));                                            \
        assert_date((e)->soft_exit_on, (soft_text));                                               \
        assert_int((e)->days_remaining, (remaining));                                              \
        assert_int((e)->held_by, EXIT_HOLD_NONE);                                                  \
    } while (0)

/* An active period held by an open or a future service (no soft-exit day yet). */
#define assert_held(e, hold, service_index)                                                        \
    do {                                                                                           \
        assert_int((e)->status, EXIT_STATUS_ACTIVE);                                               \
        assert_int((e)->held_by, (hold));                                                          \
        assert_int((e)->holding_service, (service_index));                                         \
        assert_date((e)->exit_on, NULL);                                                           \
        assert_date((e)->soft_exit_on, NULL);                                                      \
        assert_int((e)->days_remaining, -1);                                                       \
    } while (0)

#define assert_reportable(e)                                                                       \
    do {                                                                                           \
        assert_int((e)->status, EXIT_STATUS_REPORTABLE);                                           \
        assert_int((e)->period, 0);                                                                \
        assert_date((e)->entry_on, NULL);                                                          \
        assert_date((e)->exit_on, NULL);                                                           \
        assert_date((e)->soft_exit_on, NULL);                                                      \
        assert_int((e)->days_remaining, -1);                                                       \
    } while (0)

/* ---- RULES.md §4 worked example -------------------------------------------------------------- */

/* Last qualifying service ended 2026-01-10: service-free days 01-11 .. 04-10; the soft exit is
 * determined on 04-11 with exit date 01-10. */
static void
test_rules_example_clock(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service("ADULT", "CASE_MANAGEMENT", "2026-01-05", "2026-01-10", NULL);

    determine("2026-04-10");
    assert_int(result.n_periods, 1);
    e = find("ADULT", 1);
    assert_clock(e, "2026-01-10", "2026-04-11", 1);
    assert_date(e->entry_on, "2026-01-05");
    assert_int(e->last_service, 0);
    assert_int(e->days_without_service, 90);
    assert_int(e->holding_service, -1);
    assert_int(e->holding_gap, -1);
    assert_int(result.n_stale, 0);

    determine("2026-04-11");
    assert_int(result.n_periods, 1);
    e = find("ADULT", 1);
    assert_exited(e, "2026-01-10", "2026-04-11");
    assert_date(e->entry_on, "2026-01-05");
    assert_int(e->last_service, 0);
    assert_int(e->days_without_service, 91);

    /* Long after, nothing changes but the count of days. */
    determine("2026-06-01");
    assert_int(result.n_periods, 1);
    e = find("ADULT", 1);
    assert_exited(e, "2026-01-10", "2026-04-11");
    assert_int(e->days_without_service, 142);
}

/* "A qualifying service on 2026-04-10 keeps the person active (new L = 2026-04-10)." */
static void
test_rules_example_service_on_day_90_continues_period(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service("ADULT", "CASE_MANAGEMENT", "2026-01-05", "2026-01-10", NULL);
    service_on("ADULT", "CAREER_COUNSELING", "2026-04-10");

    determine("2026-04-11");
    assert_int(result.n_periods, 1);
    e = find("ADULT", 1);
    assert_clock(e, "2026-04-10", "2026-07-10", 90);
    assert_date(e->entry_on, "2026-01-05"); /* same period: entry date unchanged */
    assert_int(e->last_service, 1);
    assert_int(e->days_without_service, 1);

    determine("2026-07-09");
    assert_clock(find("ADULT", 1), "2026-04-10", "2026-07-10", 1);

    determine("2026-07-10");
    assert_int(result.n_periods, 1);
    assert_exited(find("ADULT", 1), "2026-04-10", "2026-07-10");
}

/* A service on L+91 (2026-04-11) is on the soft-exit day: a new period with new entry dates. */
static void
test_rules_example_service_on_day_91_starts_new_period(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service("ADULT", "CASE_MANAGEMENT", "2026-01-05", "2026-01-10", NULL);
    service_on("ADULT", "CAREER_COUNSELING", "2026-04-11");

    determine("2026-04-11");
    assert_int(result.n_periods, 2);
    assert_entry(0, "ADULT", 1);
    assert_entry(1, "ADULT", 2);
    e = find("ADULT", 1);
    assert_exited(e, "2026-01-10", "2026-04-11");
    assert_date(e->entry_on, "2026-01-05");
    assert_int(e->last_service, 0);
    assert_int(e->days_without_service, -1); /* only the latest period counts days */
    e = find("ADULT", 2);
    assert_clock(e, "2026-04-11", "2026-07-11", 91);
    assert_date(e->entry_on, "2026-04-11");
    assert_int(e->last_service, 1);
    assert_int(e->days_without_service, 0);
    assert_int(result.periods[0].group, result.periods[1].group);

    /* The day before, the 04-11 service is still in the future: it holds period 1 open. */
    determine("2026-04-10");
    assert_int(result.n_periods, 1);
    e = find("ADULT", 1);
    assert_held(e, EXIT_HOLD_FUTURE_SERVICE, 1);
    assert_date(e->last_service_on, "2026-01-10");
}

/* ---- the 90-day arithmetic ------------------------------------------------------------------- */

/* Days L+1 .. L+90 service-free: active on day 90 (1 day left), exited on day 91. */
static void
test_day_90_active_day_91_exited(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("DW", "2026-01-02");
    service("DW", "OJT", "2026-02-01", "2026-03-15", NULL);

    determine("2026-06-13"); /* L + 90 */
    e = find("DW", 1);
    assert_clock(e, "2026-03-15", "2026-06-14", 1);
    assert_int(e->days_without_service, 90);

    determine("2026-06-14"); /* L + 91 */
    e = find("DW", 1);
    assert_exited(e, "2026-03-15", "2026-06-14");
    assert_int(e->days_without_service, 91);

    /* A qualifying service on day 90 continues the period ... */
    service_on("DW", "STAFF_JOB_SEARCH", "2026-06-13");
    determine("2026-06-14");
    assert_int(result.n_periods, 1);
    assert_clock(find("DW", 1), "2026-06-13", "2026-09-12", 90);

    /* ... one on day 91 starts a new period. */
    person_record_reset(&record);
    enroll("DW", "2026-01-02");
    service("DW", "OJT", "2026-02-01", "2026-03-15", NULL);
    service_on("DW", "STAFF_JOB_SEARCH", "2026-06-14");
    determine("2026-06-14");
    assert_int(result.n_periods, 2);
    assert_exited(find("DW", 1), "2026-03-15", "2026-06-14");
    e = find("DW", 2);
    assert_date(e->entry_on, "2026-06-14");
    assert_clock(e, "2026-06-14", "2026-09-13", 91);
}

/* L = 2024-02-01 (leap year): L+91 is 2024-05-02; the same L in 2025 gives 2025-05-03. */
static void
test_leap_year(void **state)
{
    (void)state;
    enroll("WP", "2024-01-02");
    service_on("WP", "STAFF_JOB_SEARCH", "2024-02-01");

    determine("2024-05-01");
    assert_clock(find("WP", 1), "2024-02-01", "2024-05-02", 1);
    assert_int(find("WP", 1)->days_without_service, 90);
    determine("2024-05-02");
    assert_exited(find("WP", 1), "2024-02-01", "2024-05-02");

    person_record_reset(&record);
    enroll("WP", "2025-01-02");
    service_on("WP", "STAFF_JOB_SEARCH", "2025-02-01");

    determine("2025-05-02");
    assert_clock(find("WP", 1), "2025-02-01", "2025-05-03", 1);
    determine("2025-05-03");
    assert_exited(find("WP", 1), "2025-02-01", "2025-05-03");
}

/* exit_after_days is a policy setting, not a literal (RULES.md preamble). */
static void
test_exit_after_days_is_policy(void **state)
{
    (void)state;
    policy.exit_after_days = 60;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");

    determine("2026-03-11");
    assert_clock(find("ADULT", 1), "2026-01-10", "2026-03-12", 1);
    determine("2026-03-12");
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-03-12");
}

/* L is the latest end among the qualifying services, whichever order they were entered in. */
static void
test_last_service_is_latest_end(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service("ADULT", "OCCUPATIONAL_TRAINING", "2026-01-05", "2026-05-31", NULL);
    service_on("ADULT", "CASE_MANAGEMENT", "2026-03-01"); /* starts later, ends earlier */
    service_on("ADULT", "CAREER_COUNSELING", "2026-01-04");

    determine("2026-06-15");
    e = find("ADULT", 1);
    assert_clock(e, "2026-05-31", "2026-08-30", 76);
    assert_int(e->last_service, 0);
    assert_date(e->entry_on, "2026-01-04");
}

/* ---- common exit (seed 001; 677.150(c)) ------------------------------------------------------ */

static void
test_common_exit_same_date_separate_entries(void **state)
{
    (void)state;
    enroll("WP", "2026-01-02");
    enroll("ADULT", "2026-01-02");
    enroll("DW", "2026-01-02");
    enroll("TAA", "2026-01-02");
    service_on("WP", "STAFF_JOB_SEARCH", "2026-01-05");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-20");
    service("DW", "OJT", "2026-02-01", "2026-03-15", NULL);
    service("TAA", "OCCUPATIONAL_TRAINING", "2026-02-10", "2026-03-01", NULL);

    determine("2026-05-01");
    assert_int(result.n_periods, 4);
    assert_entry(0, "WP", 1);
    assert_entry(1, "ADULT", 1);
    assert_entry(2, "DW", 1);
    assert_entry(3, "TAA", 1);
    for (size_t i = 0; i < 4; i++) {
        const struct exit_period *e = &result.periods[i];
        assert_clock(e, "2026-03-15", "2026-06-14", 44);
        assert_int(e->last_service, 2);
        assert_int(e->days_without_service, 47);
        assert_int(e->group, result.periods[0].group);
    }
    assert_date(find("WP", 1)->entry_on, "2026-01-05");
    assert_date(find("ADULT", 1)->entry_on, "2026-01-20");
    assert_date(find("DW", 1)->entry_on, "2026-02-01");
    assert_date(find("TAA", 1)->entry_on, "2026-02-10");

    determine("2026-06-14");
    assert_int(result.n_periods, 4);
    for (size_t i = 0; i < 4; i++)
        assert_exited(&result.periods[i], "2026-03-15", "2026-06-14");
    assert_date(find("WP", 1)->entry_on, "2026-01-05");
    assert_date(find("TAA", 1)->entry_on, "2026-02-10");
}

/* ADULT's own last service is 01-10, but a later DW service keeps the common group active. */
static void
test_later_dw_service_keeps_adult_active(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("DW", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    service_on("DW", "CAREER_COUNSELING", "2026-03-01");

    determine("2026-04-11");
    e = find("ADULT", 1);
    assert_clock(e, "2026-03-01", "2026-05-31", 50);
    assert_int(e->last_service, 1);
    assert_int(e->days_without_service, 41);
    assert_clock(find("DW", 1), "2026-03-01", "2026-05-31", 50);

    determine("2026-05-31");
    assert_exited(find("ADULT", 1), "2026-03-01", "2026-05-31");
    assert_exited(find("DW", 1), "2026-03-01", "2026-05-31");
}

static void
test_exit_group_keys(void **state)
{
    static const char *const common[] = {"WP", "ADULT", "DW", "YOUTH", "TAA", "NDWG", "JVSG"};
    static const char *const own[] = {"AEL", "VR", "SNAP_ET", "TANF", "REFUGEE"};

    (void)state;
    for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
        assert_int(exit_group_key(&catalog, program(common[i])), EXIT_GROUP_COMMON);
    for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        assert_int(exit_group_key(&catalog, program(own[i])), program(own[i]));
}

/* YOUTH, NDWG and JVSG exit with the rest of the common group too. */
static void
test_common_exit_youth_ndwg_jvsg(void **state)
{
    (void)state;
    enroll("YOUTH", "2026-01-02");
    enroll("NDWG", "2026-01-02");
    enroll("JVSG", "2026-01-02");
    service_on("YOUTH", "OBJECTIVE_ASSESSMENT", "2026-01-05");
    service_on("NDWG", "CASE_MANAGEMENT", "2026-01-12");
    service_on("JVSG", "CAREER_COUNSELING", "2026-02-01");

    determine("2026-05-02");
    assert_int(result.n_periods, 3);
    assert_entry(0, "YOUTH", 1);
    assert_entry(1, "NDWG", 1);
    assert_entry(2, "JVSG", 1);
    for (size_t i = 0; i < 3; i++)
        assert_clock(&result.periods[i], "2026-02-01", "2026-05-03", 1);
    determine("2026-05-03");
    for (size_t i = 0; i < 3; i++)
        assert_exited(&result.periods[i], "2026-02-01", "2026-05-03");
    assert_date(find("YOUTH", 1)->entry_on, "2026-01-05");
    assert_date(find("NDWG", 1)->entry_on, "2026-01-12");
    assert_date(find("JVSG", 1)->entry_on, "2026-02-01");
}

/* ---- partner services (seed 003: "partner services ... do not prevent an exit") -------------- */

static void
test_partner_service_does_not_hold_adult(void **state)
{
    const struct exit_period *adult, *ael;

    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("AEL", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    service("AEL", "ADULT_EDUCATION", "2026-02-01", "2026-05-31", NULL);

    determine("2026-04-11");
    assert_int(result.n_periods, 2);
    assert_entry(0, "ADULT", 1);
    assert_entry(1, "AEL", 1);
    adult = find("ADULT", 1);
    ael = find("AEL", 1);
    assert_exited(adult, "2026-01-10", "2026-04-11");
    assert_int(adult->last_service, 0);
    assert_held(ael, EXIT_HOLD_OPEN_SERVICE, 1);
    assert_date(ael->entry_on, "2026-02-01");
    assert_true(adult->group != ael->group);

    /* AEL runs its own clock from its own last service. */
    determine("2026-06-15");
    assert_clock(find("AEL", 1), "2026-05-31", "2026-08-30", 76);
    assert_int(find("AEL", 1)->last_service, 1);
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-04-11");

    determine("2026-08-30");
    assert_exited(find("AEL", 1), "2026-05-31", "2026-08-30");
}

/* The reverse: an open ADULT training does not hold AEL either. */
static void
test_adult_service_does_not_hold_ael(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("AEL", "2026-01-02");
    service_on("AEL", "ADULT_EDUCATION", "2026-01-10");
    service("ADULT", "OJT", "2026-01-05", "2026-12-31", NULL);

    determine("2026-04-11");
    assert_held(find("ADULT", 1), EXIT_HOLD_OPEN_SERVICE, 1);
    assert_exited(find("AEL", 1), "2026-01-10", "2026-04-11");
}

/* VR and TANF: each a group of its own; output in catalog order whatever the input order. */
static void
test_non_common_programs_exit_separately(void **state)
{
    const struct exit_period *vr, *tanf;

    (void)state;
    enroll("TANF", "2026-01-02");
    enroll("VR", "2026-01-02");
    service_on("TANF", "CASE_MANAGEMENT", "2026-02-01");
    service_on("VR", "CASE_MANAGEMENT", "2026-01-10");

    determine("2026-04-11");
    assert_int(result.n_periods, 2);
    assert_entry(0, "VR", 1);
    assert_entry(1, "TANF", 1);
    vr = find("VR", 1);
    tanf = find("TANF", 1);
    assert_exited(vr, "2026-01-10", "2026-04-11");
    assert_clock(tanf, "2026-02-01", "2026-05-03", 22);
    assert_true(vr->group != tanf->group);
}

/* ---- non-qualifying services (seed 003; 677.150(c)) ------------------------------------------ */

static void
test_non_qualifying_services_do_not_hold(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    service_on("ADULT", "SUPPORTIVE", "2026-02-01");
    service_on("ADULT", "CHECK_IN", "2026-03-01");
    service_on("ADULT", "WORKSHOP", "2026-03-15");
    service_on("ADULT", "REFERRAL", "2026-04-01");
    service_on("ADULT", "FOLLOW_UP", "2026-04-05");
    service_on("ADULT", "LMI", "2026-04-09");
    service("ADULT", "SUPPORTIVE", "2026-02-15", NULL, NULL);       /* open, but not qualifying */
    service("ADULT", "CHECK_IN", "2026-05-01", "2026-05-01", NULL); /* future, not qualifying */

    determine("2026-04-10");
    assert_int(result.n_periods, 1);
    e = find("ADULT", 1);
    assert_clock(e, "2026-01-10", "2026-04-11", 1);
    assert_int(e->last_service, 0);
    assert_int(e->days_without_service, 90);

    determine("2026-04-11");
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-04-11");

    /* Check-ins after the exit start no new period. */
    determine("2026-05-02");
    assert_int(result.n_periods, 1);
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-04-11");
}

/* ---- open services and stale open services --------------------------------------------------- */

static void
test_open_service_holds(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-02");
    service("ADULT", "OCCUPATIONAL_TRAINING", "2026-01-05", NULL, NULL);

    determine("2026-09-01");
    assert_int(result.n_periods, 1);
    e = find("ADULT", 1);
    assert_held(e, EXIT_HOLD_OPEN_SERVICE, 1);
    assert_date(e->entry_on, "2026-01-02");
    assert_int(result.n_stale, 0); /* no projected end: never stale */

    determine("2028-01-01");
    assert_held(find("ADULT", 1), EXIT_HOLD_OPEN_SERVICE, 1);
}

/* A service whose actual end is after the date has not ended yet: it holds until that day. */
static void
test_service_ending_after_as_of_holds(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service("ADULT", "OJT", "2026-01-05", "2026-08-31", NULL);

    determine("2026-06-01");
    assert_held(find("ADULT", 1), EXIT_HOLD_OPEN_SERVICE, 0);
    determine("2026-08-30");
    assert_held(find("ADULT", 1), EXIT_HOLD_OPEN_SERVICE, 0);

    determine("2026-08-31"); /* ended today: the clock starts */
    e = find("ADULT", 1);
    assert_clock(e, "2026-08-31", "2026-11-30", 91);
    assert_int(e->days_without_service, 0);
    assert_int(e->holding_service, -1);

    determine("2026-11-30");
    assert_exited(find("ADULT", 1), "2026-08-31", "2026-11-30");
}

/* seed 003: NMWCOS exits "if the projected end date has expired". */
static void
test_stale_open_service_ends_at_projected_end(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-02");
    service("ADULT", "OCCUPATIONAL_TRAINING", "2026-01-05", NULL, "2026-12-31");

    determine("2026-12-31"); /* projected end is today, not before: still open */
    assert_held(find("ADULT", 1), EXIT_HOLD_OPEN_SERVICE, 1);
    assert_int(result.n_stale, 0);

    determine("2027-01-01");
    e = find("ADULT", 1);
    assert_clock(e, "2026-12-31", "2027-04-01", 90);
    assert_int(e->last_service, 1);
    assert_int(e->days_without_service, 1);
    assert_int(result.n_stale, 1);
    assert_int(result.stale_services[0], 1);

    determine("2027-04-01");
    assert_exited(find("ADULT", 1), "2026-12-31", "2027-04-01");
    assert_int(result.n_stale, 1);
    assert_int(result.stale_services[0], 1);
}

static void
test_stale_open_service_stays_open_policy(void **state)
{
    (void)state;
    policy.open_service_past_projected_end = OPEN_SERVICE_STAYS_OPEN;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-02");
    service("ADULT", "OCCUPATIONAL_TRAINING", "2026-01-05", NULL, "2026-12-31");

    determine("2027-06-01");
    assert_int(result.n_periods, 1);
    assert_held(find("ADULT", 1), EXIT_HOLD_OPEN_SERVICE, 1);
}

/* A closed service: its actual end counts, whatever its projected end said; it is not stale. */
static void
test_closed_service_uses_actual_end(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    service("ADULT", "OJT", "2026-01-05", "2026-03-20", "2026-02-28");

    determine("2026-04-01");
    assert_clock(find("ADULT", 1), "2026-03-20", "2026-06-19", 79);
    assert_int(result.n_stale, 0);
}

/* ---- future services (677.150: "not scheduled for future services") -------------------------- */

static void
test_future_service_holds(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    service("ADULT", "OJT", "2026-05-01", "2026-07-31", NULL);

    determine("2026-03-01");
    assert_int(result.n_periods, 1);
    e = find("ADULT", 1);
    assert_held(e, EXIT_HOLD_FUTURE_SERVICE, 1);
    assert_date(e->last_service_on, "2026-01-10");
    assert_int(e->days_without_service, 50);

    /* Past L + 90, still scheduled: still active. */
    determine("2026-04-20");
    assert_int(result.n_periods, 1);
    e = find("ADULT", 1);
    assert_held(e, EXIT_HOLD_FUTURE_SERVICE, 1);
    assert_int(e->days_without_service, 100);

    /* Once it starts (on or after the soft-exit day 04-11) it is a new period. */
    determine("2026-05-01");
    assert_int(result.n_periods, 2);
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-04-11");
    e = find("ADULT", 2);
    assert_date(e->entry_on, "2026-05-01");
    assert_held(e, EXIT_HOLD_OPEN_SERVICE, 1);
}

/* Future services of another group, or not qualifying, do not hold. */
static void
test_future_partner_or_nonqualifying_service_does_not_hold(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("AEL", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    service_on("AEL", "ADULT_EDUCATION", "2026-05-01");
    service_on("ADULT", "SUPPORTIVE", "2026-05-01");

    determine("2026-04-11");
    assert_int(result.n_periods, 2);
    assert_entry(0, "ADULT", 1);
    assert_entry(1, "AEL", 0);
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-04-11");
    assert_reportable(find("AEL", 0)); /* its only service has not happened yet */
}

/* A program whose only triggering service is in the future is reportable; the service still holds
 * the group. */
static void
test_future_only_program_is_reportable(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("DW", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    service("DW", "OJT", "2026-06-01", "2026-08-31", NULL);

    determine("2026-04-20");
    assert_int(result.n_periods, 2);
    assert_entry(0, "ADULT", 1);
    assert_entry(1, "DW", 0);
    assert_held(find("ADULT", 1), EXIT_HOLD_FUTURE_SERVICE, 1);
    assert_reportable(find("DW", 0));
}

/* held_by precedence: open service, then future service, then planned gap. */
static void
test_hold_precedence(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    gap("ADULT", "2026-02-01", "2026-06-01");
    service_on("ADULT", "OJT", "2026-07-01");
    service("ADULT", "OCCUPATIONAL_TRAINING", "2026-03-01", NULL, NULL);

    determine("2026-04-11");
    assert_held(find("ADULT", 1), EXIT_HOLD_OPEN_SERVICE, 2);

    person_record_reset(&record);
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    gap("ADULT", "2026-02-01", "2026-06-01");
    service_on("ADULT", "OJT", "2026-07-01");

    determine("2026-04-11");
    assert_held(find("ADULT", 1), EXIT_HOLD_FUTURE_SERVICE, 1);
}

/* ---- planned gaps (RULES.md §4-5; seeds 003, 004) -------------------------------------------- */

static void
test_planned_gap_moves_soft_exit(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    gap("ADULT", "2026-02-01", "2026-06-01"); /* covers L+91 = 04-11 */

    determine("2026-04-11");
    assert_int(result.n_periods, 1);
    e = find("ADULT", 1);
    assert_int(e->status, EXIT_STATUS_ACTIVE);
    assert_int(e->held_by, EXIT_HOLD_PLANNED_GAP);
    assert_int(e->holding_gap, 0);
    assert_int(e->holding_service, -1);
    assert_date(e->soft_exit_on, "2026-06-02");
    assert_int(e->days_remaining, 52);
    assert_date(e->exit_on, NULL);
    assert_date(e->last_service_on, "2026-01-10"); /* the gap is not a service */
    assert_int(e->days_without_service, 91);
    assert_int(e->gaps_in_period, 1);
    assert_false(e->gap_review);

    determine("2026-06-01");
    e = find("ADULT", 1);
    assert_int(e->held_by, EXIT_HOLD_PLANNED_GAP);
    assert_int(e->days_remaining, 1);

    determine("2026-06-02");
    assert_int(result.n_periods, 1);
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-06-02"); /* exit date is still L */
}

/* A gap recorded on any program of the common group holds the whole group. */
static void
test_planned_gap_on_other_common_program_holds_group(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("DW", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    service_on("DW", "CASE_MANAGEMENT", "2026-01-10");
    gap("DW", "2026-02-01", "2026-06-01");

    determine("2026-04-11");
    e = find("ADULT", 1);
    assert_int(e->held_by, EXIT_HOLD_PLANNED_GAP);
    assert_date(e->soft_exit_on, "2026-06-02");
    assert_int(find("DW", 1)->held_by, EXIT_HOLD_PLANNED_GAP);
}

/* A gap whose last day is L+90 does not cover L+91: the soft-exit day does not move.  One that
 * ends on L+91 moves it to L+92. */
static void
test_planned_gap_must_cover_soft_exit_day(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2025-12-01");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    gap("ADULT", "2025-12-31", "2026-04-10");

    determine("2026-04-10");
    assert_clock(find("ADULT", 1), "2026-01-10", "2026-04-11", 1);
    determine("2026-04-11");
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-04-11");

    person_record_reset(&record);
    enroll("ADULT", "2025-12-01");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    gap("ADULT", "2026-01-01", "2026-04-11");

    determine("2026-04-11");
    e = find("ADULT", 1);
    assert_int(e->status, EXIT_STATUS_ACTIVE);
    assert_int(e->held_by, EXIT_HOLD_PLANNED_GAP);
    assert_date(e->soft_exit_on, "2026-04-12");
    assert_int(e->days_remaining, 1);
    determine("2026-04-12");
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-04-12");
}

/* A gap starting on L+91 itself covers the soft-exit day. */
static void
test_planned_gap_starting_on_soft_exit_day_holds(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    gap("ADULT", "2026-04-11", "2026-07-11");

    determine("2026-04-11");
    e = find("ADULT", 1);
    assert_int(e->status, EXIT_STATUS_ACTIVE);
    assert_int(e->held_by, EXIT_HOLD_PLANNED_GAP);
    assert_date(e->soft_exit_on, "2026-07-12");
    assert_int(e->days_remaining, 92);
}

/* A second gap starting the day after the first ends keeps the hold. */
static void
test_chained_gaps(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    gap("ADULT", "2026-02-01", "2026-06-01");
    gap("ADULT", "2026-06-02", "2026-09-01");

    determine("2026-07-01");
    e = find("ADULT", 1);
    assert_int(e->status, EXIT_STATUS_ACTIVE);
    assert_int(e->held_by, EXIT_HOLD_PLANNED_GAP);
    assert_int(e->holding_gap, 1);
    assert_date(e->soft_exit_on, "2026-09-02");
    assert_int(e->days_remaining, 63);
    assert_int(e->gaps_in_period, 2);
    assert_false(e->gap_review);

    determine("2026-09-02");
    assert_int(result.n_periods, 1);
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-09-02");
}

/* Chained gaps entered out of order chain just the same. */
static void
test_chained_gaps_out_of_order(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    gap("ADULT", "2026-06-02", "2026-09-01");
    gap("ADULT", "2026-02-01", "2026-06-01");

    determine("2026-07-01");
    e = find("ADULT", 1);
    assert_int(e->held_by, EXIT_HOLD_PLANNED_GAP);
    assert_int(e->holding_gap, 0);
    assert_date(e->soft_exit_on, "2026-09-02");
}

/* A gap starting after the soft-exit day is too late to hold. */
static void
test_gap_after_soft_exit_day_is_too_late(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    gap("ADULT", "2026-02-01", "2026-06-01");
    gap("ADULT", "2026-06-03", "2026-09-02"); /* 06-02 is uncovered */

    determine("2026-06-01");
    assert_int(find("ADULT", 1)->held_by, EXIT_HOLD_PLANNED_GAP);
    assert_date(find("ADULT", 1)->soft_exit_on, "2026-06-02");
    determine("2026-06-02");
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-06-02");
    determine("2026-07-01");
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-06-02");

    /* Alone: a gap starting on L+92 does nothing. */
    person_record_reset(&record);
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    gap("ADULT", "2026-04-12", "2026-07-12");

    determine("2026-04-01");
    assert_clock(find("ADULT", 1), "2026-01-10", "2026-04-11", 10);
    determine("2026-04-11");
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-04-11");
}

/* A gap of another exit group does not hold this one. */
static void
test_gap_of_other_group_does_not_hold(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("AEL", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    gap("AEL", "2026-02-01", "2026-06-01");

    determine("2026-04-11");
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-04-11");
    assert_int(find("ADULT", 1)->gaps_in_period, 0);
}

/* A qualifying service during the gap, after L+91 but before the gap-moved soft-exit day,
 * continues the same period and moves L. */
static void
test_service_inside_gap_continues_period(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    gap("ADULT", "2026-02-01", "2026-06-01");
    service_on("ADULT", "CAREER_COUNSELING", "2026-05-15");

    determine("2026-06-10");
    assert_int(result.n_periods, 1);
    e = find("ADULT", 1);
    assert_clock(e, "2026-05-15", "2026-08-14", 65);
    assert_date(e->entry_on, "2026-01-10");
    assert_int(e->last_service, 1);

    determine("2026-08-14");
    assert_int(result.n_periods, 1);
    assert_exited(find("ADULT", 1), "2026-05-15", "2026-08-14");
}

/* Three gaps in one period: supervisor review (seed 004: "closely monitored"). */
static void
test_three_gaps_flag_review(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    gap("ADULT", "2026-01-11", "2026-04-12");
    gap("ADULT", "2026-04-13", "2026-07-13");
    gap("ADULT", "2026-07-14", "2026-10-13");

    determine("2026-09-01");
    e = find("ADULT", 1);
    assert_int(e->status, EXIT_STATUS_ACTIVE);
    assert_int(e->held_by, EXIT_HOLD_PLANNED_GAP);
    assert_int(e->holding_gap, 2);
    assert_date(e->soft_exit_on, "2026-10-14");
    assert_int(e->days_remaining, 43);
    assert_int(e->gaps_in_period, 3);
    assert_true(e->gap_review);

    determine("2026-10-14");
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-10-14");
}

/* ---- periods of participation ---------------------------------------------------------------- */

static void
test_second_period_of_participation(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("WP", "2026-01-02");
    enroll("ADULT", "2026-01-02");
    service_on("WP", "STAFF_JOB_SEARCH", "2026-01-05");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    service("ADULT", "OJT", "2026-05-01", "2026-05-20", NULL);

    determine("2026-06-01");
    /* WP took part only in period 1: no period-2 entry and no reportable entry for it. */
    assert_int(result.n_periods, 3);
    assert_entry(0, "WP", 1);
    assert_entry(1, "ADULT", 1);
    assert_entry(2, "ADULT", 2);
    e = find("WP", 1);
    assert_exited(e, "2026-01-10", "2026-04-11");
    assert_date(e->entry_on, "2026-01-05");
    assert_int(e->days_without_service, -1);
    e = find("ADULT", 1);
    assert_exited(e, "2026-01-10", "2026-04-11");
    assert_date(e->entry_on, "2026-01-10");
    e = find("ADULT", 2);
    assert_clock(e, "2026-05-20", "2026-08-19", 79);
    assert_date(e->entry_on, "2026-05-01");
    assert_int(e->last_service, 2);
    assert_int(e->days_without_service, 12);

    determine("2026-08-19");
    assert_int(result.n_periods, 3);
    assert_exited(find("ADULT", 2), "2026-05-20", "2026-08-19");
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-04-11");
}

/* A program that takes part only in period 2 has an entry for period 2 only (no reportable entry,
 * no period-1 entry); a program of period 1 only has none for period 2. */
static void
test_program_only_in_second_period(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("WP", "2026-01-02");
    enroll("ADULT", "2026-01-02");
    enroll("DW", "2026-01-02");
    service_on("DW", "CASE_MANAGEMENT", "2026-06-01"); /* the first service of period 2 */
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    service_on("WP", "STAFF_JOB_SEARCH", "2026-01-05");
    service_on("ADULT", "CAREER_COUNSELING", "2026-06-02");

    determine("2026-06-10");
    assert_int(result.n_periods, 4);
    assert_entry(0, "WP", 1);
    assert_entry(1, "ADULT", 1);
    assert_entry(2, "ADULT", 2);
    assert_entry(3, "DW", 2);
    assert_exited(find("WP", 1), "2026-01-10", "2026-04-11");
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-04-11");
    e = find("ADULT", 2);
    assert_date(e->entry_on, "2026-06-02");
    assert_clock(e, "2026-06-02", "2026-09-01", 83);
    assert_int(e->last_service, 3);
    e = find("DW", 2);
    assert_date(e->entry_on, "2026-06-01");
    assert_clock(e, "2026-06-02", "2026-09-01", 83);
}

/* DW's only service falls on period 1's soft-exit day: DW entered in period 2, not period 1. */
static void
test_program_entering_on_soft_exit_day(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("DW", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    service_on("DW", "CASE_MANAGEMENT", "2026-04-11");

    determine("2026-04-20");
    assert_int(result.n_periods, 2);
    assert_entry(0, "ADULT", 1);
    assert_entry(1, "DW", 2);
    assert_exited(find("ADULT", 1), "2026-01-10", "2026-04-11");
    e = find("DW", 2);
    assert_date(e->entry_on, "2026-04-11");
    assert_clock(e, "2026-04-11", "2026-07-11", 82);
}

/* Gaps are counted in the period they start in; one starting on a period's first day is in it. */
static void
test_gaps_counted_per_period(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    gap("ADULT", "2026-02-01", "2026-06-01");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-07-01");
    gap("ADULT", "2026-07-01", "2026-10-01");

    determine("2026-07-15");
    assert_int(result.n_periods, 2);
    e = find("ADULT", 1);
    assert_exited(e, "2026-01-10", "2026-06-02");
    assert_int(e->gaps_in_period, 1);
    e = find("ADULT", 2);
    assert_date(e->entry_on, "2026-07-01");
    assert_int(e->status, EXIT_STATUS_ACTIVE);
    assert_int(e->held_by, EXIT_HOLD_PLANNED_GAP);
    assert_int(e->holding_gap, 1);
    assert_date(e->last_service_on, "2026-07-01");
    assert_date(e->soft_exit_on, "2026-10-02");
    assert_int(e->days_remaining, 79);
    assert_int(e->gaps_in_period, 1);
}

/* A stale open service ends its period at its projected end; a later service opens period 2. */
static void
test_stale_service_in_earlier_period(void **state)
{
    const struct exit_period *e;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service("ADULT", "OCCUPATIONAL_TRAINING", "2026-01-05", NULL, "2026-01-31");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-06-01");

    determine("2026-06-10");
    assert_int(result.n_periods, 2);
    e = find("ADULT", 1);
    assert_exited(e, "2026-01-31", "2026-05-02");
    assert_date(e->entry_on, "2026-01-05");
    assert_int(e->last_service, 0);
    e = find("ADULT", 2);
    assert_date(e->entry_on, "2026-06-01");
    assert_clock(e, "2026-06-01", "2026-08-31", 82);
    assert_int(result.n_stale, 1);
    assert_int(result.stale_services[0], 0);
}

/* ---- reportable individuals (RULES.md §3) ---------------------------------------------------- */

static void
test_reportable(void **state)
{
    (void)state;
    enroll("WP", "2026-01-05");
    enroll("ADULT", "2026-01-05");
    service_on("WP", "SELF_SERVICE", "2026-01-05");
    service_on("WP", "ORIENTATION", "2026-01-06");

    determine("2026-06-01");
    assert_int(result.n_periods, 2);
    assert_entry(0, "WP", 0);
    assert_entry(1, "ADULT", 0);
    assert_reportable(find("WP", 0));
    assert_reportable(find("ADULT", 0));

    /* Known to a program by a service alone, with no eligibility determination: self-service. */
    person_record_reset(&record);
    service_on("WP", "SELF_SERVICE", "2026-01-05");
    determine("2026-06-01");
    assert_int(result.n_periods, 1);
    assert_reportable(find("WP", 0));

    /* Nobody known to any program: nothing at all. */
    person_record_reset(&record);
    determine("2026-06-01");
    assert_int(result.n_periods, 0);
}

/* The full order: common group (periods, then its reportables), then each other group in catalog
 * order, whatever order the record lists things in. */
static void
test_output_order(void **state)
{
    (void)state;
    enroll("TANF", "2026-01-02");
    enroll("VR", "2026-01-02");
    enroll("AEL", "2026-01-02");
    enroll("DW", "2026-01-02");
    enroll("ADULT", "2026-01-02");
    enroll("WP", "2026-01-02");
    service_on("VR", "CASE_MANAGEMENT", "2026-06-01");
    service_on("ADULT", "OJT", "2026-06-01");
    service_on("AEL", "ADULT_EDUCATION", "2026-02-01");
    service_on("WP", "STAFF_JOB_SEARCH", "2026-01-10");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-12");
    service_on("VR", "CASE_MANAGEMENT", "2026-01-05");

    determine("2026-06-10");
    assert_int(result.n_periods, 8);
    assert_entry(0, "WP", 1);
    assert_entry(1, "ADULT", 1);
    assert_entry(2, "ADULT", 2);
    assert_entry(3, "DW", 0);
    assert_entry(4, "AEL", 1);
    assert_entry(5, "VR", 1);
    assert_entry(6, "VR", 2);
    assert_entry(7, "TANF", 0);

    assert_exited(find("WP", 1), "2026-01-12", "2026-04-13");
    assert_exited(find("ADULT", 1), "2026-01-12", "2026-04-13");
    assert_clock(find("ADULT", 2), "2026-06-01", "2026-08-31", 82);
    assert_reportable(find("DW", 0));
    assert_exited(find("AEL", 1), "2026-02-01", "2026-05-03");
    assert_exited(find("VR", 1), "2026-01-05", "2026-04-06");
    assert_clock(find("VR", 2), "2026-06-01", "2026-08-31", 82);
    assert_reportable(find("TANF", 0));

    assert_int(result.periods[0].group, result.periods[3].group);
    assert_true(result.periods[3].group != result.periods[4].group);
    assert_int(result.periods[5].group, result.periods[6].group);
    assert_true(result.periods[4].group != result.periods[5].group);
    assert_true(result.periods[6].group != result.periods[7].group);
}

/* exit_determine replaces what the result held. */
static void
test_result_is_replaced(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    enroll("AEL", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    service("AEL", "ADULT_EDUCATION", "2026-01-05", NULL, "2026-02-01");
    determine("2026-03-01");
    assert_int(result.n_periods, 2);
    assert_int(result.n_stale, 1);

    person_record_reset(&record);
    enroll("WP", "2026-01-02");
    service_on("WP", "STAFF_JOB_SEARCH", "2026-01-10");
    determine("2026-03-01");
    assert_int(result.n_periods, 1);
    assert_int(result.n_stale, 0);
    assert_entry(0, "WP", 1);
}

/* review_on: the next day the calendar alone changes the determination. */
static void
test_review_on(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    determine("2026-04-01");
    assert_date(find("ADULT", 1)->review_on, "2026-04-11"); /* the soft exit is determined */
    determine("2026-04-20");
    assert_date(find("ADULT", 1)->review_on, NULL); /* exited: only new records change it */

    person_record_reset(&record);
    enroll("ADULT", "2026-01-02");
    service("ADULT", "OJT", "2026-01-05", "2026-08-31", NULL);
    determine("2026-06-01");
    assert_date(find("ADULT", 1)->review_on, "2026-08-31"); /* the service ends */

    person_record_reset(&record);
    enroll("ADULT", "2026-01-02");
    service("ADULT", "OJT", "2026-01-05", NULL, "2026-12-31");
    determine("2026-06-01");
    assert_date(find("ADULT", 1)->review_on, "2027-01-01"); /* the projected end passes */

    person_record_reset(&record);
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");
    service_on("ADULT", "OJT", "2026-05-01");
    determine("2026-03-01");
    assert_date(find("ADULT", 1)->review_on, "2026-05-01"); /* the future service starts */
}

/* ---- explanation and names ------------------------------------------------------------------- */

static void
test_explain(void **state)
{
    char buf[2048], small[8];
    size_t n, m;

    (void)state;
    enroll("ADULT", "2026-01-02");
    service_on("ADULT", "CASE_MANAGEMENT", "2026-01-10");

    determine("2026-04-01");
    n = exit_explain(&catalog, &record, &result, find("ADULT", 1), buf, sizeof(buf));
    assert_true(n > 0);
    assert_int(n, strlen(buf));
    assert_non_null(strstr(buf, "2026-04-11")); /* the soft-exit day */
    assert_non_null(strstr(buf, "2026-01-10")); /* L */

    determine("2026-04-11");
    n = exit_explain(&catalog, &record, &result, find("ADULT", 1), buf, sizeof(buf));
    assert_true(n > 0 && n < sizeof(buf));
    assert_non_null(strstr(buf, "2026-01-10")); /* the exit date */

    /* Truncated, but NUL-terminated, and the wanted length is returned as snprintf does. */
    memset(small, 'x', sizeof(small));
    m = exit_explain(&catalog, &record, &result, find("ADULT", 1), small, sizeof(small));
    assert_int(m, n);
    assert_int(strlen(small), sizeof(small) - 1);
    assert_memory_equal(small, buf, sizeof(small) - 1);

    /* A reportable entry has an explanation too. */
    enroll("DW", "2026-01-02");
    determine("2026-04-11");
    n = exit_explain(&catalog, &record, &result, find("DW", 0), buf, sizeof(buf));
    assert_true(n > 0);
    assert_int(n, strlen(buf));
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(exit_status_name(EXIT_STATUS_REPORTABLE), "reportable");
    assert_string_equal(exit_status_name(EXIT_STATUS_ACTIVE), "active");
    assert_string_equal(exit_status_name(EXIT_STATUS_EXITED), "exited");
    assert_null(exit_hold_name(EXIT_HOLD_NONE));
    assert_string_equal(exit_hold_name(EXIT_HOLD_OPEN_SERVICE), "open_service");
    assert_string_equal(exit_hold_name(EXIT_HOLD_FUTURE_SERVICE), "future_service");
    assert_string_equal(exit_hold_name(EXIT_HOLD_PLANNED_GAP), "planned_gap");
}

/* A long history (more than the insertion-sort size) entered in reverse order gives the same
 * periods as the same services entered in date order. */
static void
test_long_history_in_any_order(void **state)
{
    char start[DATE_TEXT_SIZE];
    struct exit_result forward;
    (void)state;
    enroll("ADULT", "2020-01-01");
    /* 150 one-day services every 30 days, then a 120-day break, then 50 more: two periods. */
    int32_t day = D("2020-01-06");
    int32_t days[200];
    for (int i = 0; i < 200; i++) {
        days[i] = day;
        day += i == 149 ? 120 : 30;
    }
    for (int i = 199; i >= 0; i--)
        service("ADULT", "CASE_MANAGEMENT", date_format(days[i], start),
                date_format(days[i], start), NULL);
    assert_int_equal(record_validate(&catalog, &policy, &record, NULL), 0);
    exit_determine(&catalog, &policy, &record, D("2040-01-01"), &result);

    exit_result_init(&forward);
    struct person_record sorted;
    person_record_init(&sorted);
    person_record_add_enrollment(&sorted, &record.enrollments[0]);
    for (int i = 199; i >= 0; i--)
        person_record_add_service(&sorted, &record.services[i]);
    exit_determine(&catalog, &policy, &sorted, D("2040-01-01"), &forward);

    assert_int_equal(result.n_periods, 2);
    assert_int_equal(forward.n_periods, 2);
    assert_int_equal(result.periods[0].entry_on, days[0]);
    assert_int_equal(result.periods[0].exit_on, days[149]);
    assert_int_equal(result.periods[1].entry_on, days[150]);
    assert_int_equal(result.periods[1].exit_on, days[199]);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(forward.periods[i].entry_on, result.periods[i].entry_on);
        assert_int_equal(forward.periods[i].exit_on, result.periods[i].exit_on);
        assert_int_equal(forward.periods[i].soft_exit_on, result.periods[i].soft_exit_on);
    }
    /* The last service set L: index 0 in the reversed input. */
    assert_int_equal(result.periods[1].last_service, 0);
    exit_result_cleanup(&forward);
    person_record_cleanup(&sorted);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_rules_example_clock),
        T(test_rules_example_service_on_day_90_continues_period),
        T(test_rules_example_service_on_day_91_starts_new_period),
        T(test_day_90_active_day_91_exited),
        T(test_leap_year),
        T(test_exit_after_days_is_policy),
        T(test_last_service_is_latest_end),
        T(test_common_exit_same_date_separate_entries),
        T(test_later_dw_service_keeps_adult_active),
        T(test_exit_group_keys),
        T(test_common_exit_youth_ndwg_jvsg),
        T(test_partner_service_does_not_hold_adult),
        T(test_adult_service_does_not_hold_ael),
        T(test_non_common_programs_exit_separately),
        T(test_non_qualifying_services_do_not_hold),
        T(test_open_service_holds),
        T(test_service_ending_after_as_of_holds),
        T(test_stale_open_service_ends_at_projected_end),
        T(test_stale_open_service_stays_open_policy),
        T(test_closed_service_uses_actual_end),
        T(test_future_service_holds),
        T(test_future_partner_or_nonqualifying_service_does_not_hold),
        T(test_future_only_program_is_reportable),
        T(test_hold_precedence),
        T(test_planned_gap_moves_soft_exit),
        T(test_planned_gap_on_other_common_program_holds_group),
        T(test_planned_gap_must_cover_soft_exit_day),
        T(test_planned_gap_starting_on_soft_exit_day_holds),
        T(test_chained_gaps),
        T(test_chained_gaps_out_of_order),
        T(test_gap_after_soft_exit_day_is_too_late),
        T(test_gap_of_other_group_does_not_hold),
        T(test_service_inside_gap_continues_period),
        T(test_three_gaps_flag_review),
        T(test_second_period_of_participation),
        T(test_program_only_in_second_period),
        T(test_program_entering_on_soft_exit_day),
        T(test_gaps_counted_per_period),
        T(test_stale_service_in_earlier_period),
        T(test_reportable),
        T(test_output_order),
        T(test_result_is_replaced),
        T(test_review_on),
        T(test_explain),
        T(test_names),
        T(test_long_history_in_any_order),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
