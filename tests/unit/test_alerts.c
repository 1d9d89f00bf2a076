/* test_alerts.c — src/core/alerts.c: the case-management duties of RULES.md §8, each at and
 * around its threshold.  Dates were worked out by hand from the rule and checked with Python's
 * datetime (2026-01-08 is a Thursday; 2026-01-10 a Saturday).  The catalog and policy are the
 * shipped defaults (data/catalog.json). */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "app/catalog_file.h"
#include "core/alerts.h"
#include "core/catalog.h"
#include "core/error.h"
#include "core/exit.h"
#include "core/policy.h"
#include "core/record.h"

#define MAX_ITEMS 16

static struct catalog catalog;
static struct policy loaded_policy;
static struct policy policy;
static struct person_record record;
static struct exit_result result;
static struct alert_list alerts;
static struct case_note notes[MAX_ITEMS];
static size_t n_notes;
static struct contact contacts[MAX_ITEMS];
static size_t n_contacts;
static struct case_plan plans[MAX_ITEMS];
static size_t n_plans;
static struct plan_review reviews[MAX_ITEMS];
static size_t n_reviews;
static struct person_facts facts;
static bool with_facts;
static unsigned skip;

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
    alert_list_init(&alerts);
    n_notes = n_contacts = n_plans = n_reviews = 0;
    memset(&facts, 0, sizeof(facts));
    with_facts = false;
    skip = 0;
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    alert_list_cleanup(&alerts);
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
enroll(const char *prog, const char *eligible_on)
{
    struct enrollment e = {.program = program(prog), .eligibility_on = D(eligible_on)};
    person_record_add_enrollment(&record, &e);
}

/* Adds a stored service (id = its index + 1) and returns that id.  end NULL: still open. */
static int64_t
service(const char *prog, const char *code, const char *start, const char *end,
        const char *projected)
{
    struct service s;

    memset(&s, 0, sizeof(s));
    s.id = (int64_t)record.n_services + 1;
    s.program = program(prog);
    s.code = catalog_service_index(&catalog, code);
    if (s.code == CATALOG_NOT_FOUND)
        fail_msg("service %s is not in the catalog", code);
    s.start_on = D(start);
    s.end_on = end != NULL ? D(end) : DATE_NONE;
    s.projected_end_on = projected != NULL ? D(projected) : DATE_NONE;
    person_record_add_service(&record, &s);
    return s.id;
}

static void
note(int64_t service_id, const char *written_on)
{
    assert_true(n_notes < MAX_ITEMS);
    notes[n_notes++] = (struct case_note){
        .id = (int64_t)n_notes + 1, .service_id = service_id, .written_on = D(written_on)};
}

/* A one-day service with its note written the same day. */
static int64_t
served(const char *prog, const char *code, const char *on)
{
    int64_t id = service(prog, code, on, on, NULL);
    note(id, on);
    return id;
}

static void
contact(const char *on, enum contact_method method, bool responded)
{
    assert_true(n_contacts < MAX_ITEMS);
    contacts[n_contacts++] = (struct contact){.id = (int64_t)n_contacts + 1,
                                              .contacted_on = D(on),
                                              .method = method,
                                              .responded = responded};
}

static void
gap(const char *prog, const char *start, const char *end)
{
    struct planned_gap g = {.program = program(prog),
                            .reason = GAP_TRAINING_DELAY,
                            .start_on = D(start),
                            .planned_end_on = D(end)};
    person_record_add_gap(&record, &g);
}

static void
compute(const char *as_of)
{
    struct br_error err;

    br_error_clear(&err);
    if (record_validate(&catalog, &policy, &record, &err) != 0)
        fail_msg("the test's record is invalid: %s (%s: %s)", err.message,
                 err.n_fields > 0 ? err.fields[0].field : "",
                 err.n_fields > 0 ? err.fields[0].problem : "");
    exit_determine(&catalog, &policy, &record, D(as_of), &result);
    struct alerts_input in = {
        .record = &record,
        .exits = &result,
        .facts = with_facts ? &facts : NULL,
        .notes = notes,
        .n_notes = n_notes,
        .contacts = contacts,
        .n_contacts = n_contacts,
        .plans = plans,
        .n_plans = n_plans,
        .reviews = reviews,
        .n_reviews = n_reviews,
        .skip = skip,
    };
    alerts_compute(&catalog, &policy, &in, D(as_of), &alerts);
}

static size_t
count_of(enum alert_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < alerts.n; i++)
        n += alerts.items[i].kind == kind;
    return n;
}

static const struct alert *
find(enum alert_kind kind)
{
    for (size_t i = 0; i < alerts.n; i++)
        if (alerts.items[i].kind == kind)
            return &alerts.items[i];
    return NULL;
}

static const struct alert *
expect(enum alert_kind kind)
{
    const struct alert *a = find(kind);
    if (a == NULL)
        fail_msg("no %s alert among %zu", alert_kind_name(kind), alerts.n);
    assert_true(a->why[0] != '\0');
    assert_true(a->resolves[0] != '\0');
    return a;
}

static void
expect_none(enum alert_kind kind)
{
    const struct alert *a = find(kind);
    if (a != NULL)
        fail_msg("unexpected %s alert: %s", alert_kind_name(kind), a->why);
}

static void
expect_why(const struct alert *a, const char *part)
{
    if (strstr(a->why, part) == NULL)
        fail_msg("\"%s\" is not in: %s", part, a->why);
}

/* One ADULT participant whose last qualifying service ended 2026-01-10: the soft exit is
 * determined on 2026-04-11 (RULES.md §4's example).  Co-enrolled in WP so nothing else fires. */
static void
adult_last_served_jan_10(void)
{
    enroll("WP", "2026-01-02");
    enroll("ADULT", "2026-01-02");
    served("ADULT", "CASE_MANAGEMENT", "2026-01-10");
}

/* ---- exit countdown -------------------------------------------------------------------------- */

static void
test_exit_countdown_30_days_listed_31_not(void **state)
{
    (void)state;
    adult_last_served_jan_10();

    compute("2026-03-11"); /* 31 days before 2026-04-11 */
    expect_none(ALERT_EXIT_COUNTDOWN);

    compute("2026-03-12"); /* 30 days before */
    const struct alert *a = expect(ALERT_EXIT_COUNTDOWN);
    assert_int_equal(a->count, 30);
    assert_int_equal(a->due_on, D("2026-04-11"));
    assert_int_equal(a->since_on, D("2026-01-10"));
    assert_int_equal(a->program, -1);
    assert_int_equal(a->group, EXIT_GROUP_COMMON);
    assert_string_equal(a->programs, "ADULT");
    expect_why(a, "2026-04-11");

    compute("2026-04-10"); /* the last service-free day */
    assert_int_equal(expect(ALERT_EXIT_COUNTDOWN)->count, 1);

    compute("2026-04-11"); /* the soft exit is determined: no countdown any more */
    expect_none(ALERT_EXIT_COUNTDOWN);
}

static void
test_exit_countdown_threshold_is_policy(void **state)
{
    (void)state;
    adult_last_served_jan_10();
    policy.exit_countdown_days = 31;
    compute("2026-03-11");
    assert_int_equal(expect(ALERT_EXIT_COUNTDOWN)->count, 31);
    policy.exit_countdown_days = 10;
    compute("2026-03-12");
    expect_none(ALERT_EXIT_COUNTDOWN);
}

static void
test_exit_countdown_names_the_whole_group(void **state)
{
    (void)state;
    adult_last_served_jan_10();
    enroll("DW", "2026-01-02");
    served("DW", "CAREER_COUNSELING", "2026-01-09");
    served("WP", "STAFF_JOB_SEARCH", "2026-01-08");
    compute("2026-03-20");
    const struct alert *a = expect(ALERT_EXIT_COUNTDOWN);
    assert_int_equal(count_of(ALERT_EXIT_COUNTDOWN), 1); /* one common exit, one alert */
    assert_non_null(strstr(a->programs, "WP"));
    assert_non_null(strstr(a->programs, "ADULT"));
    assert_non_null(strstr(a->programs, "DW"));
}

static void
test_exit_countdown_not_while_an_open_service_holds(void **state)
{
    (void)state;
    enroll("WP", "2026-01-02");
    enroll("ADULT", "2026-01-02");
    int64_t id = service("ADULT", "OCCUPATIONAL_TRAINING", "2026-01-05", NULL, "2026-12-31");
    note(id, "2026-01-05");
    compute("2026-06-01");
    expect_none(ALERT_EXIT_COUNTDOWN);
}

/* ---- disengaged ------------------------------------------------------------------------------ */

static void
test_disengaged_at_30_days_not_29(void **state)
{
    (void)state;
    enroll("WP", "2026-01-02");
    enroll("ADULT", "2026-01-02");
    served("ADULT", "CASE_MANAGEMENT", "2026-02-02");
    contact("2026-01-20", CONTACT_PHONE, true); /* before the last service: not listed */
    contact("2026-02-16", CONTACT_PHONE, false);
    contact("2026-02-23", CONTACT_LETTER, false);

    compute("2026-03-03");
    expect_none(ALERT_DISENGAGED);

    compute("2026-03-04");
    const struct alert *a = expect(ALERT_DISENGAGED);
    assert_int_equal(a->count, 30);
    assert_int_equal(a->since_on, D("2026-02-02"));
    assert_int_equal(a->due_on, D("2026-03-04"));
    assert_int_equal(a->attempts, 2);
    expect_why(a, "2026-02-16 phone, no response");
    expect_why(a, "2026-02-23 letter, no response");
    assert_null(strstr(a->why, "2026-01-20 phone"));
}

static void
test_disengaged_reset_by_an_answered_contact(void **state)
{
    (void)state;
    enroll("WP", "2026-01-02");
    enroll("ADULT", "2026-01-02");
    served("ADULT", "CASE_MANAGEMENT", "2026-02-02");
    contact("2026-02-16", CONTACT_PHONE, false);
    contact("2026-02-20", CONTACT_EMAIL, true); /* answered: contact */
    compute("2026-03-04");
    expect_none(ALERT_DISENGAGED);
    compute("2026-03-22"); /* 30 days after the answered e-mail */
    const struct alert *a = expect(ALERT_DISENGAGED);
    assert_int_equal(a->since_on, D("2026-02-20"));
    assert_int_equal(a->attempts, 2); /* both contacts came after the last service */
}

static void
test_disengaged_not_during_an_open_service_nor_after_exit(void **state)
{
    (void)state;
    enroll("WP", "2026-01-02");
    enroll("ADULT", "2026-01-02");
    int64_t id = service("ADULT", "OCCUPATIONAL_TRAINING", "2026-01-05", NULL, "2026-12-31");
    note(id, "2026-01-05");
    compute("2026-06-01");
    expect_none(ALERT_DISENGAGED);

    person_record_reset(&record);
    n_notes = 0;
    adult_last_served_jan_10();
    compute("2026-04-11"); /* exited: follow-up, not a disengaged search */
    expect_none(ALERT_DISENGAGED);
}

static void
test_disengaged_days_is_policy(void **state)
{
    (void)state;
    adult_last_served_jan_10();
    policy.disengaged_days = 45;
    compute("2026-02-23"); /* 44 days */
    expect_none(ALERT_DISENGAGED);
    compute("2026-02-24");
    assert_int_equal(expect(ALERT_DISENGAGED)->count, 45);
}

/* ---- youth contact --------------------------------------------------------------------------- */

/* A YOUTH participant from 2026-01-06 (the objective assessment), in tutoring until June. */
static void
youth_in_tutoring(void)
{
    enroll("WP", "2026-01-05");
    enroll("YOUTH", "2026-01-05");
    served("YOUTH", "OBJECTIVE_ASSESSMENT", "2026-01-06");
    int64_t id = service("YOUTH", "TUTORING", "2026-01-10", NULL, "2026-06-30");
    note(id, "2026-01-12");
}

static void
test_youth_letter_without_response_is_not_a_contact(void **state)
{
    (void)state;
    youth_in_tutoring();
    contact("2026-02-03", CONTACT_LETTER, false);
    contact("2026-02-04", CONTACT_EMAIL, false);
    compute("2026-02-10");
    const struct alert *a = expect(ALERT_YOUTH_CONTACT);
    assert_int_equal(a->program, program("YOUTH"));
    assert_int_equal(a->due_on, D("2026-02-28"));
    assert_int_equal(a->since_on, DATE_NONE);
    assert_int_equal(a->count, -1);
    expect_why(a, "February 2026");
    expect_why(a, "2 other contacts");
}

static void
test_youth_in_person_contact_satisfies(void **state)
{
    (void)state;
    youth_in_tutoring();
    contact("2026-02-03", CONTACT_LETTER, false);
    contact("2026-02-09", CONTACT_IN_PERSON, true);
    compute("2026-02-10");
    expect_none(ALERT_YOUTH_CONTACT);
}

static void
test_youth_phone_or_answered_letter_is_not_in_person(void **state)
{
    (void)state;
    youth_in_tutoring();
    contact("2026-02-03", CONTACT_LETTER, true);
    contact("2026-02-04", CONTACT_PHONE, true);
    compute("2026-02-10");
    expect(ALERT_YOUTH_CONTACT);
}

static void
test_youth_missed_meeting_and_empty_home_visit_do_not_count(void **state)
{
    (void)state;
    youth_in_tutoring();
    contact("2026-02-05", CONTACT_IN_PERSON, false);  /* the youth did not come */
    contact("2026-02-06", CONTACT_HOME_VISIT, false); /* nobody home */
    compute("2026-02-10");
    expect(ALERT_YOUTH_CONTACT);
    contact("2026-02-09", CONTACT_HOME_VISIT, true);
    compute("2026-02-10");
    expect_none(ALERT_YOUTH_CONTACT);
}

static void
test_youth_contact_month_boundary(void **state)
{
    (void)state;
    youth_in_tutoring();
    contact("2026-01-31", CONTACT_IN_PERSON, true);
    compute("2026-01-31");
    expect_none(ALERT_YOUTH_CONTACT);
    compute("2026-02-01"); /* a new calendar month: January's visit no longer counts */
    const struct alert *a = expect(ALERT_YOUTH_CONTACT);
    assert_int_equal(a->since_on, D("2026-01-31"));
    assert_int_equal(a->count, 1);
    assert_int_equal(a->due_on, D("2026-02-28"));
    compute("2026-03-01");
    assert_int_equal(expect(ALERT_YOUTH_CONTACT)->due_on, D("2026-03-31"));
}

static void
test_youth_contact_only_for_youth_participants(void **state)
{
    (void)state;
    adult_last_served_jan_10();
    compute("2026-02-10");
    expect_none(ALERT_YOUTH_CONTACT);
    /* An exited youth is owed follow-up, not the monthly contact. */
    teardown(NULL);
    setup(NULL);
    enroll("WP", "2025-01-05");
    enroll("YOUTH", "2025-01-05");
    served("YOUTH", "OBJECTIVE_ASSESSMENT", "2025-01-06");
    compute("2025-06-01");
    expect_none(ALERT_YOUTH_CONTACT);
}

/* ---- plan review ----------------------------------------------------------------------------- */

static void
add_plan(int64_t id, enum plan_kind kind, const char *created, const char *closed)
{
    plans[n_plans++] = (struct case_plan){.id = id,
                                          .kind = kind,
                                          .created_on = D(created),
                                          .signed_on = DATE_NONE,
                                          .closed_on = closed != NULL ? D(closed) : DATE_NONE};
}

static void
add_review(int64_t plan_id, const char *on)
{
    reviews[n_reviews++] = (struct plan_review){
        .id = (int64_t)n_reviews + 1, .plan_id = plan_id, .reviewed_on = D(on)};
}

static void
test_plan_review_after_90_days(void **state)
{
    (void)state;
    youth_in_tutoring();
    add_plan(7, PLAN_ISS, "2026-01-06", NULL);
    add_review(7, "2026-02-01");
    compute("2026-05-02"); /* 90 days after the review: not yet "more than 90" */
    expect_none(ALERT_PLAN_REVIEW);
    compute("2026-05-03");
    const struct alert *a = expect(ALERT_PLAN_REVIEW);
    assert_int_equal(a->plan_id, 7);
    assert_int_equal(a->due_on, D("2026-05-03"));
    assert_int_equal(a->since_on, D("2026-02-01"));
    assert_int_equal(a->count, 91);
    expect_why(a, "ISS");
}

static void
test_plan_review_counts_from_creation_and_not_when_closed(void **state)
{
    (void)state;
    adult_last_served_jan_10();
    add_plan(3, PLAN_IEP, "2026-01-10", NULL);
    compute("2026-04-10"); /* created + 90 */
    expect_none(ALERT_PLAN_REVIEW);
    compute("2026-04-11");
    assert_int_equal(expect(ALERT_PLAN_REVIEW)->since_on, D("2026-01-10"));
    plans[0].closed_on = D("2026-04-01");
    compute("2026-04-20");
    expect_none(ALERT_PLAN_REVIEW);
}

/* ---- case notes --------------------------------------------------------------------------------
 */

static void
adult_service_thursday_jan_8(int64_t *id)
{
    enroll("WP", "2026-01-02");
    enroll("ADULT", "2026-01-02");
    *id = service("ADULT", "CASE_MANAGEMENT", "2026-01-08", "2026-01-08", NULL);
}

static void
test_note_on_3rd_business_day_on_time_4th_late(void **state)
{
    int64_t id;
    (void)state;
    adult_service_thursday_jan_8(&id);

    note(id, "2026-01-13"); /* Fri 9, Mon 12, Tue 13: the third business day */
    compute("2026-02-01");
    expect_none(ALERT_NOTE_LATE);
    expect_none(ALERT_NOTE_MISSING);

    notes[0].written_on = D("2026-01-14"); /* Wednesday: the fourth */
    compute("2026-02-01");
    const struct alert *a = expect(ALERT_NOTE_LATE);
    assert_int_equal(a->count, 4);
    assert_int_equal(a->service_id, id);
    assert_int_equal(a->since_on, D("2026-01-08"));
    assert_int_equal(a->due_on, D("2026-01-13"));
    assert_int_equal(a->program, program("ADULT"));
}

static void
test_note_over_the_weekend_counts_business_days(void **state)
{
    int64_t id;
    (void)state;
    adult_service_thursday_jan_8(&id);
    note(id, "2026-01-11"); /* Sunday: one business day (Friday) later */
    compute("2026-02-01");
    expect_none(ALERT_NOTE_LATE);
    policy.late_note_business_days = 0;
    compute("2026-02-01");
    assert_int_equal(expect(ALERT_NOTE_LATE)->count, 1);
}

static void
test_note_missing_and_its_due_date(void **state)
{
    int64_t id;
    (void)state;
    adult_service_thursday_jan_8(&id);
    compute("2026-01-12");
    const struct alert *a = expect(ALERT_NOTE_MISSING);
    assert_int_equal(a->due_on, D("2026-01-13"));
    assert_int_equal(a->count, 2);
    expect_why(a, "due by 2026-01-13");
    compute("2026-01-20");
    expect_why(expect(ALERT_NOTE_MISSING), "it was due by 2026-01-13");

    /* A note without a service (a status update) is allowed, and documents no service. */
    notes[n_notes++] = (struct case_note){.id = 9, .service_id = 0, .written_on = D("2026-01-09")};
    compute("2026-01-20");
    expect(ALERT_NOTE_MISSING);
    /* The first note of the service decides. */
    note(id, "2026-01-20");
    note(id, "2026-01-09");
    compute("2026-01-21");
    expect_none(ALERT_NOTE_MISSING);
    expect_none(ALERT_NOTE_LATE);
}

static void
test_notes_of_an_earlier_period_are_not_duties(void **state)
{
    (void)state;
    enroll("WP", "2025-01-02");
    enroll("ADULT", "2025-01-02");
    service("ADULT", "CASE_MANAGEMENT", "2025-01-06", "2025-01-06", NULL); /* no note */
    /* WP never entered (reportable): its service still belongs to the group's first period. */
    service("WP", "ORIENTATION", "2025-01-03", "2025-01-03", NULL);
    served("ADULT", "CASE_MANAGEMENT", "2026-01-05"); /* a new period */
    compute("2026-01-20");
    expect_none(ALERT_NOTE_MISSING);
    compute("2025-01-20");
    assert_int_equal(count_of(ALERT_NOTE_MISSING), 2);
}

static void
test_withheld_notes_are_not_missing(void **state)
{
    int64_t id;
    (void)state;
    adult_service_thursday_jan_8(&id);
    skip = ALERT_BIT(ALERT_NOTE_MISSING) | ALERT_BIT(ALERT_NOTE_LATE);
    compute("2026-01-20");
    expect_none(ALERT_NOTE_MISSING);
}

/* ---- stale open service ---------------------------------------------------------------------- */

static void
test_stale_open_service_past_projected_end(void **state)
{
    (void)state;
    enroll("WP", "2026-01-02");
    enroll("ADULT", "2026-01-02");
    int64_t id = service("ADULT", "CASE_MANAGEMENT", "2026-01-05", NULL, "2026-02-01");
    note(id, "2026-01-05");
    compute("2026-02-01"); /* the projected end itself: not past */
    expect_none(ALERT_STALE_OPEN_SERVICE);
    compute("2026-02-02");
    const struct alert *a = expect(ALERT_STALE_OPEN_SERVICE);
    assert_int_equal(a->count, 1);
    assert_int_equal(a->service_id, id);
    assert_int_equal(a->due_on, D("2026-02-01"));
    expect_why(a, "counts it as ended");
    policy.open_service_past_projected_end = OPEN_SERVICE_STAYS_OPEN;
    compute("2026-02-10");
    expect_why(expect(ALERT_STALE_OPEN_SERVICE), "holds the exit group open");
    /* Closed: nothing to do. */
    record.services[0].end_on = D("2026-02-05");
    compute("2026-02-10");
    expect_none(ALERT_STALE_OPEN_SERVICE);
}

/* ---- follow-up ------------------------------------------------------------------------------- */

/* A youth whose last qualifying service ended 2025-03-31: exit date 2025-03-31, determined on
 * 2025-06-30; follow-up quarters 04-01..06-30, 07-01..09-30, 10-01..12-31, 01-01..03-31. */
static void
youth_exited_mar_31(void)
{
    enroll("WP", "2025-01-05");
    enroll("YOUTH", "2025-01-05");
    served("YOUTH", "OBJECTIVE_ASSESSMENT", "2025-01-06");
    int64_t id = service("YOUTH", "TUTORING", "2025-01-10", "2025-03-31", NULL);
    note(id, "2025-01-10");
}

static void
test_follow_up_due_each_quarter_after_exit(void **state)
{
    (void)state;
    youth_exited_mar_31();

    compute("2025-06-29"); /* not exited yet */
    expect_none(ALERT_FOLLOW_UP_DUE);

    compute("2025-06-30"); /* exited today, in the first quarter's last day */
    const struct alert *a = expect(ALERT_FOLLOW_UP_DUE);
    assert_int_equal(a->program, program("YOUTH"));
    assert_int_equal(a->count, 1);
    assert_int_equal(a->since_on, D("2025-04-01"));
    assert_int_equal(a->due_on, D("2025-06-30"));

    compute("2025-07-01");
    a = expect(ALERT_FOLLOW_UP_DUE);
    assert_int_equal(a->count, 2);
    assert_int_equal(a->due_on, D("2025-09-30"));
    expect_why(a, "2 of 4");

    compute("2026-03-31");
    assert_int_equal(expect(ALERT_FOLLOW_UP_DUE)->count, 4);
    compute("2026-04-01"); /* twelve months have passed */
    expect_none(ALERT_FOLLOW_UP_DUE);
}

static void
test_follow_up_service_resolves_its_quarter_only(void **state)
{
    (void)state;
    youth_exited_mar_31();
    served("YOUTH", "FOLLOW_UP", "2025-08-15");
    compute("2025-09-30");
    expect_none(ALERT_FOLLOW_UP_DUE);
    compute("2025-10-01");
    assert_int_equal(expect(ALERT_FOLLOW_UP_DUE)->count, 3);
    /* A follow-up in another program does not resolve YOUTH's. */
    served("WP", "FOLLOW_UP", "2025-10-02");
    compute("2025-10-03");
    expect(ALERT_FOLLOW_UP_DUE);
}

static void
test_follow_up_adult_dw_offered_wp_not(void **state)
{
    (void)state;
    adult_last_served_jan_10();
    served("WP", "STAFF_JOB_SEARCH", "2026-01-09");
    compute("2026-04-11"); /* exit 2026-01-10: quarter 2 runs 04-11..07-10 */
    const struct alert *a = expect(ALERT_FOLLOW_UP_DUE);
    assert_int_equal(count_of(ALERT_FOLLOW_UP_DUE), 1); /* ADULT, not WP */
    assert_int_equal(a->program, program("ADULT"));
    assert_int_equal(a->count, 2);
    assert_int_equal(a->since_on, D("2026-04-11"));
    assert_int_equal(a->due_on, D("2026-07-10"));
    expect_why(a, "offered");
}

static void
test_follow_up_interval_and_length_are_policy(void **state)
{
    (void)state;
    youth_exited_mar_31();
    policy.follow_up_interval_months = 1;
    policy.follow_up_months = 6;
    compute("2025-07-15");
    const struct alert *a = expect(ALERT_FOLLOW_UP_DUE);
    assert_int_equal(a->count, 4);
    assert_int_equal(a->due_on, D("2025-07-31"));
    compute("2025-10-01");
    expect_none(ALERT_FOLLOW_UP_DUE);
}

/* ---- co-enrollment, gaps, duplication ------------------------------------------------------ */

static void
test_coenrollment_missing_alert(void **state)
{
    (void)state;
    enroll("ADULT", "2026-02-02");
    served("ADULT", "STAFF_JOB_SEARCH", "2026-02-03");
    compute("2026-02-10");
    const struct alert *a = expect(ALERT_COENROLLMENT_MISSING);
    assert_string_equal(a->rule, "WP_FOR_STAFF_ASSISTED");
    assert_int_equal(a->program, program("WP"));
    assert_int_equal(a->since_on, D("2026-02-03"));
    expect_why(a, "needs WP enrollment because STAFF_JOB_SEARCH on 2026-02-03");
    enroll("WP", "2026-02-10");
    compute("2026-02-10");
    expect_none(ALERT_COENROLLMENT_MISSING);
}

static void
test_taa_decline_and_eligibility_through_alerts(void **state)
{
    (void)state;
    enroll("WP", "2026-01-02");
    enroll("TAA", "2026-01-02");
    served("TAA", "CASE_MANAGEMENT", "2026-01-05");
    compute("2026-01-20");
    expect_none(ALERT_COENROLLMENT_MISSING); /* no facts: DW eligibility unknown */
    with_facts = true;
    facts.dw_category = DW_PLANT_CLOSURE;
    compute("2026-01-20");
    assert_string_equal(expect(ALERT_COENROLLMENT_MISSING)->rule, "TAA_REQUIRES_DW");
}

static void
test_gap_review_at_three_gaps(void **state)
{
    (void)state;
    enroll("WP", "2026-01-02");
    enroll("ADULT", "2026-01-02");
    served("ADULT", "CASE_MANAGEMENT", "2026-01-05");
    gap("ADULT", "2026-01-06", "2026-04-30");
    gap("ADULT", "2026-05-01", "2026-08-31");
    compute("2026-06-01");
    expect_none(ALERT_GAP_REVIEW);
    gap("ADULT", "2026-09-01", "2026-12-31");
    compute("2026-06-01");
    const struct alert *a = expect(ALERT_GAP_REVIEW);
    assert_int_equal(a->count, 3);
    assert_int_equal(a->group, EXIT_GROUP_COMMON);
    policy.gap_review_count = 4;
    compute("2026-06-01");
    expect_none(ALERT_GAP_REVIEW);
}

static void
test_duplication_alert(void **state)
{
    (void)state;
    enroll("WP", "2026-01-02");
    enroll("ADULT", "2026-01-02");
    enroll("TAA", "2026-01-02");
    enroll("DW", "2026-01-02");
    int64_t a_id = service("ADULT", "OCCUPATIONAL_TRAINING", "2026-01-05", "2026-06-30", NULL);
    int64_t t_id = service("TAA", "OCCUPATIONAL_TRAINING", "2026-03-01", NULL, "2026-08-31");
    note(a_id, "2026-01-05");
    note(t_id, "2026-03-01");
    compute("2026-03-10");
    const struct alert *a = expect(ALERT_DUPLICATION);
    assert_int_equal(a->service_id, a_id);
    assert_int_equal(a->other_service_id, t_id);
    assert_int_equal(a->since_on, D("2026-03-01"));
    assert_string_equal(a->programs, "ADULT, TAA");
    expect_why(a, "possible duplication or supplanting");
}

/* ---- order and names ------------------------------------------------------------------------ */

static void
test_alerts_sorted_exit_countdown_first(void **state)
{
    (void)state;
    enroll("ADULT", "2026-01-02"); /* no WP: a co-enrollment alert too */
    int64_t id = service("ADULT", "CASE_MANAGEMENT", "2026-01-10", "2026-01-10", NULL);
    (void)id; /* no note: NOTE_MISSING */
    compute("2026-03-20");
    assert_true(alerts.n >= 4);
    assert_int_equal(alerts.items[0].kind, ALERT_EXIT_COUNTDOWN);
    for (size_t i = 1; i < alerts.n; i++)
        assert_true(alert_compare(&alerts.items[i - 1], &alerts.items[i]) <= 0);
    expect(ALERT_DISENGAGED);
    expect(ALERT_NOTE_MISSING);
    expect(ALERT_COENROLLMENT_MISSING);
}

static void
test_alert_kind_names(void **state)
{
    enum alert_kind kind;
    (void)state;
    for (int k = 0; k < ALERT_KIND_COUNT; k++) {
        assert_int_equal(alert_kind_parse(alert_kind_name((enum alert_kind)k), &kind), 0);
        assert_int_equal(kind, k);
    }
    assert_string_equal(alert_kind_name(ALERT_EXIT_COUNTDOWN), "EXIT_COUNTDOWN");
    assert_int_equal(alert_kind_parse("exit_countdown", &kind), BR_EINVAL);
    assert_int_equal(alert_kind_parse(NULL, &kind), BR_EINVAL);
}

/* Alert texts become JSON: cutting a contact's outcome, or the whole text, never splits a
 * UTF-8 sequence. */
static void
test_texts_stay_utf8_when_cut(void **state)
{
    (void)state;
    adult_last_served_jan_10();
    for (int k = 0; k < 8; k++) {
        char on[DATE_TEXT_SIZE];
        contact(date_format(D("2026-01-12") + k, on), CONTACT_PHONE, false);
    }
    /* Three paddings, so that the cuts fall at every offset within an em dash (3 bytes). */
    for (int pad = 1; pad <= 3; pad++) {
        for (size_t k = 0; k < n_contacts; k++) {
            char *outcome = contacts[k].outcome;
            memset(outcome, 'a', (size_t)pad);
            for (int i = 0; i < 60; i++)
                memcpy(outcome + pad + 3 * i, "\xe2\x80\x94", 3); /* an em dash */
            outcome[pad + 3 * 60] = '\0';
        }
        compute("2026-03-01");
        const struct alert *a = expect(ALERT_DISENGAGED);
        assert_int_equal(a->attempts, 8);
        json_t *why = json_string(a->why);
        if (why == NULL)
            fail_msg("not UTF-8 with padding %d: %s", pad, a->why);
        json_decref(why);
    }
}

static void
test_nothing_for_a_person_without_history(void **state)
{
    (void)state;
    compute("2026-03-01");
    assert_int_equal(alerts.n, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_exit_countdown_30_days_listed_31_not),
        T(test_exit_countdown_threshold_is_policy),
        T(test_exit_countdown_names_the_whole_group),
        T(test_exit_countdown_not_while_an_open_service_holds),
        T(test_disengaged_at_30_days_not_29),
        T(test_disengaged_reset_by_an_answered_contact),
        T(test_disengaged_not_during_an_open_service_nor_after_exit),
        T(test_disengaged_days_is_policy),
        T(test_youth_letter_without_response_is_not_a_contact),
        T(test_youth_in_person_contact_satisfies),
        T(test_youth_phone_or_answered_letter_is_not_in_person),
        T(test_youth_missed_meeting_and_empty_home_visit_do_not_count),
        T(test_youth_contact_month_boundary),
        T(test_youth_contact_only_for_youth_participants),
        T(test_plan_review_after_90_days),
        T(test_plan_review_counts_from_creation_and_not_when_closed),
        T(test_note_on_3rd_business_day_on_time_4th_late),
        T(test_note_over_the_weekend_counts_business_days),
        T(test_note_missing_and_its_due_date),
        T(test_notes_of_an_earlier_period_are_not_duties),
        T(test_withheld_notes_are_not_missing),
        T(test_stale_open_service_past_projected_end),
        T(test_follow_up_due_each_quarter_after_exit),
        T(test_follow_up_service_resolves_its_quarter_only),
        T(test_follow_up_adult_dw_offered_wp_not),
        T(test_follow_up_interval_and_length_are_policy),
        T(test_coenrollment_missing_alert),
        T(test_taa_decline_and_eligibility_through_alerts),
        T(test_gap_review_at_three_gaps),
        T(test_duplication_alert),
        T(test_alerts_sorted_exit_countdown_first),
        T(test_alert_kind_names),
        T(test_texts_stay_utf8_when_cut),
        T(test_nothing_for_a_person_without_history),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
