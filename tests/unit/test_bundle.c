/* test_bundle.c — the person bundle: parsing (every error path, with its exact field path and
 * code), encoding of exit determinations and error lines, and round trips of values. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app/bundle.h"
#include "core/exit.h"
#include "core/mem.h"

/* A small catalog of its own, so these tests do not depend on data/catalog.json. */
static struct program test_programs[] = {
    {.code = "WP", .common_exit = true, .job_center = true},
    {.code = "ADULT", .common_exit = true, .job_center = true},
    {.code = "DW", .common_exit = true, .job_center = true},
    {.code = "YOUTH", .common_exit = true, .job_center = true},
    {.code = "AEL", .common_exit = false, .job_center = false},
};

static struct service_code test_services[] = {
    {.code = "ORIENTATION", .category = SERVICE_BASIC_INFORMATIONAL},
    {.code = "INITIAL_ASSESSMENT", .category = SERVICE_BASIC_STAFF_ASSISTED,
     .triggers_participation = true, .prevents_exit = true},
    {.code = "CASE_MANAGEMENT", .category = SERVICE_INDIVIDUALIZED,
     .triggers_participation = true, .prevents_exit = true},
    {.code = "OBJECTIVE_ASSESSMENT", .category = SERVICE_INDIVIDUALIZED,
     .triggers_participation = true, .prevents_exit = true},
    {.code = "TUTORING", .category = SERVICE_INDIVIDUALIZED, .triggers_participation = true,
     .prevents_exit = true},
    {.code = "OCCUPATIONAL_TRAINING", .category = SERVICE_TRAINING,
     .triggers_participation = true, .prevents_exit = true},
};

enum { WP, ADULT, DW, YOUTH, AEL };
enum { ORIENTATION, INITIAL_ASSESSMENT, CASE_MANAGEMENT, OBJECTIVE_ASSESSMENT, TUTORING, TRAINING };

static struct catalog catalog = {
    .programs = test_programs,
    .n_programs = sizeof(test_programs) / sizeof(test_programs[0]),
    .services = test_services,
    .n_services = sizeof(test_services) / sizeof(test_services[0]),
};

struct fixture {
    struct policy policy;
    struct person_record record;
    struct exit_result result;
    struct br_error err;
    json_t *id;
};

static int
setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));
    policy_defaults(&f->policy);
    person_record_init(&f->record);
    exit_result_init(&f->result);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    json_decref(f->id);
    exit_result_cleanup(&f->result);
    person_record_cleanup(&f->record);
    free(f);
    return 0;
}

/* Parses text into the fixture, releasing the id of any earlier parse. */
static int
parse(struct fixture *f, const char *text)
{
    json_decref(f->id);
    f->id = NULL;
    return bundle_parse(&catalog, &f->policy, text, strlen(text), &f->record, &f->id, &f->err);
}

/* The problem reported for field, or NULL. */
static const char *
problem_of(const struct br_error *err, const char *field)
{
    for (size_t i = 0; i < err->n_fields; i++) {
        if (strcmp(err->fields[i].field, field) == 0)
            return err->fields[i].problem;
    }
    return NULL;
}

/* Asserts that exactly one field error was reported, on field, with problem containing text. */
static void
assert_only_field(const struct br_error *err, const char *field, const char *text)
{
    if (err->n_fields != 1 || problem_of(err, field) == NULL ||
        strstr(problem_of(err, field), text) == NULL) {
        for (size_t i = 0; i < err->n_fields; i++)
            print_error("  %s: %s\n", err->fields[i].field, err->fields[i].problem);
        fail_msg("expected only %s: ...%s...", field, text);
    }
}

static void
assert_field(const struct br_error *err, const char *field, const char *text)
{
    const char *p = problem_of(err, field);
    if (p == NULL || strstr(p, text) == NULL) {
        for (size_t i = 0; i < err->n_fields; i++)
            print_error("  %s: %s\n", err->fields[i].field, err->fields[i].problem);
        fail_msg("expected %s: ...%s...", field, text);
    }
}

#define GOOD_BUNDLE                                                                              \
    "{\"id\": \"P-1\","                                                                          \
    " \"enrollments\": [{\"program\": \"ADULT\", \"eligibility_date\": \"2026-01-05\"},"         \
    "                   {\"program\": \"YOUTH\", \"eligibility_date\": \"2026-01-06\"}],"        \
    " \"services\": [{\"program\": \"ADULT\", \"code\": \"INITIAL_ASSESSMENT\","                 \
    "                 \"start_date\": \"2026-01-05\", \"end_date\": \"2026-01-05\"},"            \
    "               {\"program\": \"ADULT\", \"code\": \"OCCUPATIONAL_TRAINING\","               \
    "                 \"start_date\": \"2026-02-02\", \"end_date\": null,"                       \
    "                 \"projected_end_date\": \"2026-06-30\"},"                                  \
    "               {\"program\": \"YOUTH\", \"code\": \"OBJECTIVE_ASSESSMENT\","                \
    "                 \"start_date\": \"2026-01-07\"}],"                                         \
    " \"gaps\": [{\"program\": \"YOUTH\", \"start_date\": \"2026-03-02\","                       \
    "             \"planned_end_date\": \"2026-07-01\", \"reason\": \"FAMILY_CARE\"}]}"

/* ---- parsing: good input ---------------------------------------------------------------- */

static void
test_parse_good_bundle(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, GOOD_BUNDLE), 0);
    assert_int_equal(f->err.code, BR_OK);
    assert_string_equal(json_string_value(f->id), "P-1");

    assert_int_equal(f->record.n_enrollments, 2);
    assert_int_equal(f->record.enrollments[0].program, ADULT);
    assert_int_equal(f->record.enrollments[0].eligibility_on, D("2026-01-05"));
    assert_int_equal(f->record.enrollments[1].program, YOUTH);

    /* Input order is kept, so services[i] is record->services[i]. */
    assert_int_equal(f->record.n_services, 3);
    assert_int_equal(f->record.services[0].code, INITIAL_ASSESSMENT);
    assert_int_equal(f->record.services[0].end_on, D("2026-01-05"));
    assert_int_equal(f->record.services[0].projected_end_on, DATE_NONE);
    assert_int_equal(f->record.services[1].code, TRAINING);
    assert_int_equal(f->record.services[1].start_on, D("2026-02-02"));
    assert_int_equal(f->record.services[1].end_on, DATE_NONE);
    assert_int_equal(f->record.services[1].projected_end_on, D("2026-06-30"));
    assert_int_equal(f->record.services[2].program, YOUTH);
    assert_int_equal(f->record.services[2].code, OBJECTIVE_ASSESSMENT);
    assert_int_equal(f->record.services[2].end_on, DATE_NONE);

    assert_int_equal(f->record.n_gaps, 1);
    assert_int_equal(f->record.gaps[0].program, YOUTH);
    assert_int_equal(f->record.gaps[0].reason, GAP_FAMILY_CARE);
    assert_int_equal(f->record.gaps[0].start_on, D("2026-03-02"));
    assert_int_equal(f->record.gaps[0].planned_end_on, D("2026-07-01"));
}

static void
test_parse_integer_id_and_absent_sections(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": 42}"), 0);
    assert_true(json_is_integer(f->id));
    assert_int_equal(json_integer_value(f->id), 42);
    assert_int_equal(f->record.n_enrollments, 0);
    assert_int_equal(f->record.n_services, 0);
    assert_int_equal(f->record.n_gaps, 0);

    assert_int_equal(parse(f, "{\"id\": \"x\", \"enrollments\": [], \"services\": [], "
                              "\"gaps\": []}"),
                     0);
}

static void
test_parse_resets_record(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, GOOD_BUNDLE), 0);
    assert_int_equal(f->record.n_services, 3);
    assert_int_equal(parse(f, "{\"id\": \"P-2\"}"), 0);
    assert_int_equal(f->record.n_enrollments, 0);
    assert_int_equal(f->record.n_services, 0);
    assert_int_equal(f->record.n_gaps, 0);
}

static void
test_parse_uses_len_not_nul(void **state)
{
    struct fixture *f = *state;
    const char *text = "{\"id\": \"abc\"}GARBAGE";

    json_decref(f->id);
    f->id = NULL;
    assert_int_equal(bundle_parse(&catalog, &f->policy, text, 13, &f->record, &f->id, &f->err), 0);
    assert_string_equal(json_string_value(f->id), "abc");
}

static void
test_parse_id_out_may_be_null(void **state)
{
    struct fixture *f = *state;
    const char *text = "{\"id\": \"abc\", \"services\": 1}";

    assert_int_equal(
        bundle_parse(&catalog, &f->policy, text, strlen(text), &f->record, NULL, &f->err),
        BR_EINVAL);
    assert_only_field(&f->err, "services", "must be an array");
}

static void
test_parse_other_sections_ignored(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"P\", \"facts\": {\"first_name\": \"Ana\"}, "
                              "\"notes\": [1], \"contacts\": null, \"outcomes\": []}"),
                     0);
}

static void
test_parse_optional_dates_absent_or_null(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"P\", \"services\": [{\"program\": \"WP\", "
                              "\"code\": \"ORIENTATION\", \"start_date\": \"2026-03-01\", "
                              "\"end_date\": null, \"projected_end_date\": null}]}"),
                     0);
    assert_int_equal(f->record.services[0].end_on, DATE_NONE);
    assert_int_equal(f->record.services[0].projected_end_on, DATE_NONE);
}

static void
test_parse_every_gap_reason(void **state)
{
    struct fixture *f = *state;
    const char *reasons[] = {"TRAINING_DELAY", "HEALTH_MEDICAL", "FAMILY_CARE", "TEMPORARY_MOVE"};
    enum gap_reason values[] = {GAP_TRAINING_DELAY, GAP_HEALTH_MEDICAL, GAP_FAMILY_CARE,
                                GAP_TEMPORARY_MOVE};
    char text[512];

    for (size_t i = 0; i < 4; i++) {
        snprintf(text, sizeof(text),
                 "{\"id\": \"P\", \"gaps\": [{\"program\": \"ADULT\", \"start_date\": "
                 "\"2026-03-02\", \"planned_end_date\": \"2026-07-01\", \"reason\": \"%s\"}]}",
                 reasons[i]);
        assert_int_equal(parse(f, text), 0);
        assert_int_equal(f->record.gaps[0].reason, values[i]);
    }
}

/* ---- parsing: not JSON, not an object --------------------------------------------------- */

static void
test_parse_not_json(void **state)
{
    struct fixture *f = *state;
    const char *bad[] = {"{\"id\": \"P\",", "{id: 1}", "", "   ", "{\"id\": \"P\"} x",
                         "{\"id\": \"P\", \"id\": \"Q\"}", "{\"id\": \"a\\u0000b\"}",
                         "{\"id\": 99999999999999999999999}", "\xff\xfe{}"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(f, bad[i]), BR_EPARSE);
        assert_int_equal(f->err.code, BR_EPARSE);
        assert_int_equal(f->err.n_fields, 0);
        assert_non_null(strstr(f->err.message, "column"));
        assert_true(json_is_null(f->id));
    }
}

static void
test_parse_not_an_object(void **state)
{
    struct fixture *f = *state;
    const char *bad[] = {"[]", "\"P-1\"", "42", "null", "true"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(f, bad[i]), BR_EPARSE);
        assert_non_null(strstr(f->err.message, "must be a JSON object"));
        assert_true(json_is_null(f->id));
    }
}

/* ---- parsing: the id ---------------------------------------------------------------------- */

static void
test_parse_id_missing(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{}"), BR_EINVAL);
    assert_int_equal(f->err.code, BR_EINVAL);
    assert_only_field(&f->err, "id", "is required");
    assert_true(json_is_null(f->id));

    assert_int_equal(parse(f, "{\"id\": null}"), BR_EINVAL);
    assert_only_field(&f->err, "id", "is required");
}

static void
test_parse_id_wrong_type(void **state)
{
    struct fixture *f = *state;
    const char *bad[] = {"{\"id\": 1.5}", "{\"id\": true}", "{\"id\": {}}", "{\"id\": [\"P\"]}"};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(f, bad[i]), BR_EINVAL);
        assert_only_field(&f->err, "id", "must be a string or an integer");
        assert_true(json_is_null(f->id));
    }
}

static void
test_parse_id_empty(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"\"}"), BR_EINVAL);
    assert_only_field(&f->err, "id", "must not be empty");
    assert_string_equal(json_string_value(f->id), "");
}

static void
test_parse_id_echoed_when_bundle_fails(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"P-9\", \"services\": [{\"program\": \"FOO\"}]}"),
                     BR_EINVAL);
    assert_string_equal(json_string_value(f->id), "P-9");
    assert_int_equal(parse(f, "{\"services\": 3, \"id\": 7}"), BR_EINVAL);
    assert_int_equal(json_integer_value(f->id), 7);
}

/* ---- parsing: shape ------------------------------------------------------------------------ */

static void
test_parse_sections_must_be_arrays(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"P\", \"enrollments\": {}, \"services\": null, "
                              "\"gaps\": \"none\"}"),
                     BR_EINVAL);
    assert_int_equal(f->err.n_fields, 3);
    assert_field(&f->err, "enrollments", "must be an array");
    assert_field(&f->err, "services", "must be an array");
    assert_field(&f->err, "gaps", "must be an array");
}

static void
test_parse_items_must_be_objects(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"P\", \"services\": [{\"program\": \"WP\", \"code\": "
                              "\"ORIENTATION\", \"start_date\": \"2026-01-01\"}, 3, null, []]}"),
                     BR_EINVAL);
    assert_int_equal(f->err.n_fields, 3);
    assert_field(&f->err, "services[1]", "must be an object");
    assert_field(&f->err, "services[2]", "must be an object");
    assert_field(&f->err, "services[3]", "must be an object");
    /* Bad items still take their place, so indexes match the paths. */
    assert_int_equal(f->record.n_services, 4);
}

static void
test_parse_unknown_keys(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"P\", \"colour\": 1, \"services\": [{\"program\": "
                              "\"WP\", \"code\": \"ORIENTATION\", \"start_date\": \"2026-01-01\"},"
                              " {\"program\": \"WP\", \"code\": \"ORIENTATION\", \"start_date\": "
                              "\"2026-01-01\", \"colour\": \"red\"}], \"enrollments\": [{"
                              "\"program\": \"WP\", \"eligibility_date\": \"2026-01-01\", "
                              "\"entry_date\": \"2026-01-02\"}], \"gaps\": [{\"program\": \"WP\", "
                              "\"start_date\": \"2026-03-02\", \"planned_end_date\": "
                              "\"2026-07-01\", \"reason\": \"FAMILY_CARE\", \"note\": \"x\"}]}"),
                     BR_EINVAL);
    assert_int_equal(f->err.n_fields, 4);
    assert_field(&f->err, "colour", "is not a known field");
    assert_field(&f->err, "services[1].colour", "is not a known field");
    assert_field(&f->err, "enrollments[0].entry_date", "is not a known field");
    assert_field(&f->err, "gaps[0].note", "is not a known field");
}

static void
test_parse_required_fields(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"P\", \"enrollments\": [{}], \"services\": [{}], "
                              "\"gaps\": [{\"reason\": null}]}"),
                     BR_EINVAL);
    assert_int_equal(f->err.n_fields, 9);
    assert_field(&f->err, "enrollments[0].program", "is required");
    assert_field(&f->err, "enrollments[0].eligibility_date", "is required");
    assert_field(&f->err, "services[0].program", "is required");
    assert_field(&f->err, "services[0].code", "is required");
    assert_field(&f->err, "services[0].start_date", "is required");
    assert_field(&f->err, "gaps[0].program", "is required");
    assert_field(&f->err, "gaps[0].start_date", "is required");
    assert_field(&f->err, "gaps[0].planned_end_date", "is required");
    assert_field(&f->err, "gaps[0].reason", "is required");
    assert_null(problem_of(&f->err, "services[0].end_date"));
    assert_null(problem_of(&f->err, "services[0].projected_end_date"));
}

static void
test_parse_wrong_types(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"P\", \"services\": [{\"program\": 1, \"code\": [], "
                              "\"start_date\": 20260101, \"end_date\": true, "
                              "\"projected_end_date\": {}}]}"),
                     BR_EINVAL);
    assert_int_equal(f->err.n_fields, 5);
    assert_field(&f->err, "services[0].program", "must be a string");
    assert_field(&f->err, "services[0].code", "must be a string");
    assert_field(&f->err, "services[0].start_date", "must be a string");
    assert_field(&f->err, "services[0].end_date", "must be a string");
    assert_field(&f->err, "services[0].projected_end_date", "must be a string");
}

static void
test_parse_unknown_program_and_code(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"P\", \"enrollments\": [{\"program\": \"adult\", "
                              "\"eligibility_date\": \"2026-01-01\"}], \"services\": [{\"program\":"
                              " \"WP\", \"code\": \"ORIENTATION\", \"start_date\": \"2026-01-01\"},"
                              " {\"program\": \"WP\", \"code\": \"DANCING\", \"start_date\": "
                              "\"2026-01-01\"}, {\"program\": \"FOO\", \"code\": \"ORIENTATION\", "
                              "\"start_date\": \"2026-01-01\"}], \"gaps\": [{\"program\": \"BAR\", "
                              "\"start_date\": \"2026-03-02\", \"planned_end_date\": "
                              "\"2026-07-01\", \"reason\": \"FAMILY_CARE\"}]}"),
                     BR_EINVAL);
    assert_int_equal(f->err.n_fields, 4);
    assert_field(&f->err, "enrollments[0].program", "unknown program \"adult\"");
    assert_field(&f->err, "services[1].code", "unknown service code \"DANCING\"");
    assert_field(&f->err, "services[2].program", "unknown program \"FOO\"");
    assert_field(&f->err, "gaps[0].program", "unknown program \"BAR\"");
}

static void
test_parse_bad_dates(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"P\", \"services\": [{\"program\": \"WP\", \"code\": "
                              "\"ORIENTATION\", \"start_date\": \"2026-01-01\"}, {\"program\": "
                              "\"WP\", \"code\": \"ORIENTATION\", \"start_date\": \"2026/01/05\", "
                              "\"end_date\": \"2026-13-01\", \"projected_end_date\": \"\"}, "
                              "{\"program\": \"WP\", \"code\": \"ORIENTATION\", \"start_date\": "
                              "\"2026-02-01\", \"end_date\": \"2026-02-30\"}], \"enrollments\": [{"
                              "\"program\": \"WP\", \"eligibility_date\": \"1899-12-31\"}], "
                              "\"gaps\": [{\"program\": \"WP\", \"start_date\": \"2026-3-2\", "
                              "\"planned_end_date\": \" 2026-07-01\", "
                              "\"reason\": \"FAMILY_CARE\"}]}"),
                     BR_EINVAL);
    assert_int_equal(f->err.n_fields, 7);
    assert_field(&f->err, "services[1].start_date", "\"2026/01/05\" is not a date (YYYY-MM-DD)");
    assert_field(&f->err, "services[1].end_date", "2026-13-01 is not a date");
    assert_field(&f->err, "services[1].projected_end_date", "\"\" is not a date (YYYY-MM-DD)");
    assert_string_equal(problem_of(&f->err, "services[2].end_date"), "2026-02-30 is not a date");
    assert_field(&f->err, "enrollments[0].eligibility_date", "1899-12-31 is not a date");
    assert_field(&f->err, "gaps[0].start_date", "\"2026-3-2\" is not a date");
    assert_field(&f->err, "gaps[0].planned_end_date", "\" 2026-07-01\" is not a date");
}

static void
test_parse_bad_gap_reason(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"P\", \"gaps\": [{\"program\": \"WP\", \"start_date\": "
                              "\"2026-03-02\", \"planned_end_date\": \"2026-07-01\", \"reason\": "
                              "\"VACATION\"}, {\"program\": \"WP\", \"start_date\": \"2027-03-02\","
                              " \"planned_end_date\": \"2027-07-01\", \"reason\": "
                              "\"family_care\"}]}"),
                     BR_EINVAL);
    assert_int_equal(f->err.n_fields, 2);
    assert_field(&f->err, "gaps[0].reason", "unknown reason \"VACATION\"");
    assert_field(&f->err, "gaps[0].reason",
                 "TRAINING_DELAY, HEALTH_MEDICAL, FAMILY_CARE, TEMPORARY_MOVE");
    assert_field(&f->err, "gaps[1].reason", "unknown reason \"family_care\"");
}

/* Builds {"id": "P", "<section>": [item x n]}. */
static char *
repeat_bundle(const char *section, const char *item, size_t n)
{
    size_t item_len = strlen(item);
    size_t size = 64 + strlen(section) + n * (item_len + 1);
    char *text = xmalloc(size);
    size_t used = (size_t)snprintf(text, size, "{\"id\": \"P\", \"%s\": [", section);

    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            text[used++] = ',';
        memcpy(text + used, item, item_len);
        used += item_len;
    }
    snprintf(text + used, size - used, "]}");
    return text;
}

static void
test_parse_item_cap(void **state)
{
    struct fixture *f = *state;
    const char *item = "{\"program\": \"WP\", \"code\": \"ORIENTATION\", "
                       "\"start_date\": \"2026-01-01\"}";
    char *text = repeat_bundle("services", item, BUNDLE_MAX_ITEMS);

    assert_int_equal(parse(f, text), 0);
    assert_int_equal(f->record.n_services, BUNDLE_MAX_ITEMS);
    free(text);

    text = repeat_bundle("services", item, BUNDLE_MAX_ITEMS + 1);
    assert_int_equal(parse(f, text), BR_EINVAL);
    assert_only_field(&f->err, "services", "has 10001 items; at most 10000");
    free(text);

    text = repeat_bundle("enrollments", "1", BUNDLE_MAX_ITEMS + 1);
    assert_int_equal(parse(f, text), BR_EINVAL);
    assert_only_field(&f->err, "enrollments", "at most 10000");
    free(text);
}

static void
test_parse_collects_every_problem(void **state)
{
    struct fixture *f = *state;
    char *text = repeat_bundle("services", "{\"program\": \"FOO\"}", 40);

    assert_int_equal(parse(f, text), BR_EINVAL);
    /* 40 items x (program, code, start_date): the count is right even past the field cap. */
    assert_int_equal(f->err.n_fields, BR_ERROR_MAX_FIELDS);
    assert_non_null(strstr(f->err.message, "120 invalid fields"));
    assert_string_equal(f->err.fields[0].field, "services[0].program");
    assert_string_equal(f->err.fields[1].field, "services[0].code");
    assert_string_equal(f->err.fields[2].field, "services[0].start_date");
    assert_string_equal(f->err.fields[3].field, "services[1].program");
    free(text);
}

static void
test_parse_long_values_are_cut_on_characters(void **state)
{
    struct fixture *f = *state;
    char text[1024];
    char program[400] = "";

    /* 100 two-byte characters: an echo cut mid-character would not be UTF-8. */
    for (int i = 0; i < 100; i++)
        strncat(program, "\xc3\xa9", sizeof(program) - strlen(program) - 1);
    snprintf(text, sizeof(text),
             "{\"id\": \"P\", \"enrollments\": [{\"program\": \"%s\", "
             "\"eligibility_date\": \"2026-01-01\", \"%s\": 1}]}",
             program, program);
    assert_int_equal(parse(f, text), BR_EINVAL);
    assert_int_equal(f->err.n_fields, 2);
    for (size_t i = 0; i < f->err.n_fields; i++) {
        json_t *s = json_string(f->err.fields[i].problem);
        assert_non_null(s);
        json_decref(s);
        s = json_string(f->err.fields[i].field);
        assert_non_null(s);
        json_decref(s);
    }
    assert_field(&f->err, "enrollments[0].program", "unknown program \"\xc3\xa9\xc3\xa9");
}

/* ---- parsing: the core's rules (record_validate) ------------------------------------------ */

static void
test_parse_end_before_start(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"P\", \"services\": [{\"program\": \"WP\", \"code\": "
                              "\"ORIENTATION\", \"start_date\": \"2026-03-01\", \"end_date\": "
                              "\"2026-02-28\", \"projected_end_date\": \"2026-01-01\"}]}"),
                     BR_EINVAL);
    assert_int_equal(f->err.code, BR_EINVAL);
    assert_int_equal(f->err.n_fields, 2);
    assert_field(&f->err, "services[0].end_date", "before it starts");
    assert_field(&f->err, "services[0].projected_end_date", "before it starts");
    assert_true(f->err.message[0] != '\0');
    assert_string_equal(json_string_value(f->id), "P");
}

static void
test_parse_service_before_eligibility(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"P\", \"enrollments\": [{\"program\": \"ADULT\", "
                              "\"eligibility_date\": \"2026-03-01\"}], \"services\": [{\"program\":"
                              " \"ADULT\", \"code\": \"CASE_MANAGEMENT\", \"start_date\": "
                              "\"2026-02-27\"}, {\"program\": \"DW\", "
                              "\"code\": \"CASE_MANAGEMENT\","
                              " \"start_date\": \"2026-03-02\"}]}"),
                     BR_EINVAL);
    assert_int_equal(f->err.n_fields, 2);
    assert_field(&f->err, "services[0].start_date", "eligibility");
    assert_field(&f->err, "services[1].start_date", "eligibility");
}

static void
test_parse_youth_before_objective_assessment(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(parse(f, "{\"id\": \"P\", \"enrollments\": [{\"program\": \"YOUTH\", "
                              "\"eligibility_date\": \"2026-01-05\"}], \"services\": [{\"program\":"
                              " \"YOUTH\", \"code\": \"TUTORING\", \"start_date\": \"2026-01-06\"},"
                              " {\"program\": \"YOUTH\", \"code\": \"OBJECTIVE_ASSESSMENT\", "
                              "\"start_date\": \"2026-01-08\"}]}"),
                     BR_EINVAL);
    assert_only_field(&f->err, "services[0].code", "OBJECTIVE_ASSESSMENT");
}

static void
test_parse_bad_gaps(void **state)
{
    struct fixture *f = *state;

    /* gaps[0] too short; gaps[1] ends before it starts; gaps[3] overlaps gaps[2]. */
    assert_int_equal(parse(f, "{\"id\": \"P\", \"gaps\": ["
                              "{\"program\": \"ADULT\", \"start_date\": \"2026-01-01\", "
                              "\"planned_end_date\": \"2026-02-01\", \"reason\": \"FAMILY_CARE\"},"
                              "{\"program\": \"ADULT\", \"start_date\": \"2026-05-01\", "
                              "\"planned_end_date\": \"2026-04-01\", \"reason\": \"FAMILY_CARE\"},"
                              "{\"program\": \"ADULT\", \"start_date\": \"2027-01-01\", "
                              "\"planned_end_date\": \"2027-05-01\", \"reason\": \"FAMILY_CARE\"},"
                              "{\"program\": \"DW\", \"start_date\": \"2027-04-01\", "
                              "\"planned_end_date\": \"2027-08-01\", "
                              "\"reason\": \"HEALTH_MEDICAL\"}"
                              "]}"),
                     BR_EINVAL);
    assert_int_equal(f->err.n_fields, 3);
    assert_field(&f->err, "gaps[0].planned_end_date", "days");
    assert_field(&f->err, "gaps[1].planned_end_date", "before it starts");
    assert_field(&f->err, "gaps[3].start_date", "overlaps gaps[2]");
}

static void
test_parse_shape_errors_skip_rule_checks(void **state)
{
    struct fixture *f = *state;

    /* The end before start would be a rule error, but an unknown code is found first. */
    assert_int_equal(parse(f, "{\"id\": \"P\", \"services\": [{\"program\": \"WP\", \"code\": "
                              "\"NOPE\", \"start_date\": \"2026-03-01\", \"end_date\": "
                              "\"2026-02-28\"}]}"),
                     BR_EINVAL);
    assert_only_field(&f->err, "services[0].code", "unknown service code");
}

/* ---- encoding ------------------------------------------------------------------------------ */

/* Asserts the object's keys, in order. */
static void
assert_keys(json_t *object, const char *const *keys, size_t n)
{
    size_t i = 0;
    const char *key;
    json_t *value;

    assert_true(json_is_object(object));
    json_object_foreach(object, key, value) {
        assert_true(i < n);
        assert_string_equal(key, keys[i]);
        i++;
    }
    assert_int_equal(i, n);
}

static const char *const person_keys[] = {"id", "as_of", "periods", "stale_open_services"};
static const char *const period_keys[] = {
    "program",      "period",         "entry_date",           "status",
    "exit_date",    "last_service_date", "held_by",           "soft_exit_on",
    "days_remaining", "days_without_service", "last_service", "explanation"};

static struct exit_period
blank_period(int program, enum exit_status status)
{
    struct exit_period p = {
        .program = program,
        .group = EXIT_GROUP_COMMON,
        .period = 1,
        .status = status,
        .entry_on = DATE_NONE,
        .exit_on = DATE_NONE,
        .last_service_on = DATE_NONE,
        .last_service = -1,
        .held_by = EXIT_HOLD_NONE,
        .holding_service = -1,
        .holding_gap = -1,
        .soft_exit_on = DATE_NONE,
        .days_remaining = -1,
        .days_without_service = -1,
        .review_on = DATE_NONE,
    };
    return p;
}

static void
test_encode_exits_by_hand(void **state)
{
    struct fixture *f = *state;
    struct exit_period periods[3];
    int stale[1] = {1};
    json_t *id = json_string("P-1");
    json_t *out, *p, *last;

    assert_int_equal(parse(f, GOOD_BUNDLE), 0);
    periods[0] = blank_period(ADULT, EXIT_STATUS_EXITED);
    periods[0].entry_on = D("2026-01-05");
    periods[0].exit_on = D("2026-01-05");
    periods[0].last_service_on = D("2026-01-05");
    periods[0].last_service = 0;
    periods[0].soft_exit_on = D("2026-04-06");
    periods[0].days_remaining = 0;
    periods[0].days_without_service = 50;
    periods[1] = blank_period(ADULT, EXIT_STATUS_ACTIVE);
    periods[1].period = 2;
    periods[1].entry_on = D("2026-02-02");
    periods[1].held_by = EXIT_HOLD_OPEN_SERVICE;
    periods[1].holding_service = 1;
    periods[2] = blank_period(WP, EXIT_STATUS_REPORTABLE);
    f->result.as_of = D("2026-05-26");
    f->result.periods = periods;
    f->result.n_periods = 3;
    f->result.stale_services = stale;
    f->result.n_stale = 1;

    out = bundle_encode_exits(&catalog, &f->record, &f->result, id);
    f->result.periods = NULL;
    f->result.n_periods = 0;
    f->result.stale_services = NULL;
    f->result.n_stale = 0;

    assert_keys(out, person_keys, 4);
    assert_string_equal(json_string_value(json_object_get(out, "id")), "P-1");
    assert_string_equal(json_string_value(json_object_get(out, "as_of")), "2026-05-26");
    assert_int_equal(json_array_size(json_object_get(out, "periods")), 3);

    p = json_array_get(json_object_get(out, "periods"), 0);
    assert_keys(p, period_keys, sizeof(period_keys) / sizeof(period_keys[0]));
    assert_string_equal(json_string_value(json_object_get(p, "program")), "ADULT");
    assert_int_equal(json_integer_value(json_object_get(p, "period")), 1);
    assert_string_equal(json_string_value(json_object_get(p, "status")), "exited");
    assert_string_equal(json_string_value(json_object_get(p, "entry_date")), "2026-01-05");
    assert_string_equal(json_string_value(json_object_get(p, "exit_date")), "2026-01-05");
    assert_string_equal(json_string_value(json_object_get(p, "last_service_date")), "2026-01-05");
    assert_true(json_is_null(json_object_get(p, "held_by")));
    assert_string_equal(json_string_value(json_object_get(p, "soft_exit_on")), "2026-04-06");
    assert_int_equal(json_integer_value(json_object_get(p, "days_remaining")), 0);
    assert_true(json_is_integer(json_object_get(p, "days_remaining")));
    assert_int_equal(json_integer_value(json_object_get(p, "days_without_service")), 50);
    last = json_object_get(p, "last_service");
    assert_string_equal(json_string_value(json_object_get(last, "program")), "ADULT");
    assert_string_equal(json_string_value(json_object_get(last, "code")), "INITIAL_ASSESSMENT");
    assert_string_equal(json_string_value(json_object_get(last, "start_date")), "2026-01-05");
    assert_string_equal(json_string_value(json_object_get(last, "end_date")), "2026-01-05");
    assert_true(json_is_string(json_object_get(p, "explanation")));
    assert_true(json_string_length(json_object_get(p, "explanation")) > 0);

    p = json_array_get(json_object_get(out, "periods"), 1);
    assert_int_equal(json_integer_value(json_object_get(p, "period")), 2);
    assert_string_equal(json_string_value(json_object_get(p, "status")), "active");
    assert_string_equal(json_string_value(json_object_get(p, "held_by")), "open_service");
    assert_true(json_is_null(json_object_get(p, "exit_date")));
    assert_true(json_is_null(json_object_get(p, "soft_exit_on")));
    assert_true(json_is_null(json_object_get(p, "days_remaining")));
    assert_true(json_is_null(json_object_get(p, "days_without_service")));
    assert_true(json_is_null(json_object_get(p, "last_service")));
    assert_true(json_is_null(json_object_get(p, "last_service_date")));

    p = json_array_get(json_object_get(out, "periods"), 2);
    assert_keys(p, period_keys, sizeof(period_keys) / sizeof(period_keys[0]));
    assert_string_equal(json_string_value(json_object_get(p, "program")), "WP");
    assert_string_equal(json_string_value(json_object_get(p, "status")), "reportable");
    assert_true(json_is_null(json_object_get(p, "entry_date")));

    p = json_array_get(json_object_get(out, "stale_open_services"), 0);
    assert_int_equal(json_integer_value(json_object_get(p, "index")), 1);
    assert_string_equal(json_string_value(json_object_get(p, "program")), "ADULT");
    assert_string_equal(json_string_value(json_object_get(p, "code")), "OCCUPATIONAL_TRAINING");
    assert_string_equal(json_string_value(json_object_get(p, "start_date")), "2026-02-02");
    assert_string_equal(json_string_value(json_object_get(p, "projected_end_date")), "2026-06-30");

    json_decref(out);
    json_decref(id);
}

static void
test_encode_every_hold_name(void **state)
{
    struct fixture *f = *state;
    enum exit_hold holds[] = {EXIT_HOLD_OPEN_SERVICE, EXIT_HOLD_FUTURE_SERVICE,
                              EXIT_HOLD_PLANNED_GAP};
    const char *names[] = {"open_service", "future_service", "planned_gap"};
    struct exit_period period;

    assert_int_equal(parse(f, GOOD_BUNDLE), 0);
    for (size_t i = 0; i < 3; i++) {
        period = blank_period(ADULT, EXIT_STATUS_ACTIVE);
        period.entry_on = D("2026-01-05");
        period.last_service_on = D("2026-01-05");
        period.last_service = 0;
        period.held_by = holds[i];
        if (holds[i] == EXIT_HOLD_PLANNED_GAP) {
            period.holding_gap = 0;
            period.soft_exit_on = D("2026-07-02");
            period.days_remaining = 10;
            period.days_without_service = 100;
        } else {
            period.holding_service = 1;
        }
        f->result.as_of = D("2026-06-22");
        f->result.periods = &period;
        f->result.n_periods = 1;
        json_t *out = bundle_encode_exits(&catalog, &f->record, &f->result, NULL);
        f->result.periods = NULL;
        f->result.n_periods = 0;
        json_t *p = json_array_get(json_object_get(out, "periods"), 0);
        assert_string_equal(json_string_value(json_object_get(p, "held_by")), names[i]);
        assert_true(json_is_null(json_object_get(out, "id")));
        assert_int_equal(json_array_size(json_object_get(out, "stale_open_services")), 0);
        json_decref(out);
    }
}

/* A computed day past 9999-12-31 is written whole, not cut to ten characters. */
static void
test_encode_date_past_9999(void **state)
{
    struct fixture *f = *state;
    struct exit_period period = blank_period(DW, EXIT_STATUS_ACTIVE);
    json_t *out, *p;

    assert_int_equal(parse(f, "{\"id\": \"P\", \"enrollments\": [{\"program\": \"DW\", "
                              "\"eligibility_date\": \"9999-12-01\"}], \"services\": [{"
                              "\"program\": \"DW\", \"code\": \"CASE_MANAGEMENT\", "
                              "\"start_date\": \"9999-12-30\", \"end_date\": \"9999-12-31\"}]}"),
                     0);
    period.entry_on = D("9999-12-30");
    period.last_service_on = D("9999-12-31");
    period.last_service = 0;
    period.soft_exit_on = D("9999-12-31") + 91;
    period.days_remaining = 91;
    f->result.as_of = D("9999-12-31");
    f->result.periods = &period;
    f->result.n_periods = 1;
    out = bundle_encode_exits(&catalog, &f->record, &f->result, f->id);
    f->result.periods = NULL;
    f->result.n_periods = 0;
    p = json_array_get(json_object_get(out, "periods"), 0);
    assert_string_equal(json_string_value(json_object_get(p, "soft_exit_on")), "10000-03-31");
    assert_string_equal(json_string_value(json_object_get(p, "last_service_date")), "9999-12-31");
    json_decref(out);
}

/* Parse, determine, encode: the dates and codes come back as they went in. */
static void
test_round_trip(void **state)
{
    struct fixture *f = *state;
    json_t *out, *periods, *p, *last;
    const char *text = "{\"id\": 1234, \"enrollments\": [{\"program\": \"ADULT\", "
                       "\"eligibility_date\": \"2026-01-05\"}, {\"program\": \"AEL\", "
                       "\"eligibility_date\": \"2026-01-05\"}], \"services\": [{\"program\": "
                       "\"ADULT\", \"code\": \"INITIAL_ASSESSMENT\", \"start_date\": "
                       "\"2026-01-05\", \"end_date\": \"2026-01-10\"}, {\"program\": \"AEL\", "
                       "\"code\": \"OCCUPATIONAL_TRAINING\", \"start_date\": \"2026-02-01\", "
                       "\"projected_end_date\": \"2026-03-31\"}]}";

    assert_int_equal(parse(f, text), 0);
    exit_determine(&catalog, &f->policy, &f->record, D("2026-11-23"), &f->result);
    out = bundle_encode_exits(&catalog, &f->record, &f->result, f->id);
    assert_int_equal(json_integer_value(json_object_get(out, "id")), 1234);
    assert_string_equal(json_string_value(json_object_get(out, "as_of")), "2026-11-23");
    periods = json_object_get(out, "periods");
    assert_int_equal(json_array_size(periods), 2);

    for (size_t i = 0; i < 2; i++) {
        p = json_array_get(periods, i);
        const char *program = json_string_value(json_object_get(p, "program"));
        assert_string_equal(json_string_value(json_object_get(p, "status")), "exited");
        last = json_object_get(p, "last_service");
        if (strcmp(program, "ADULT") == 0) {
            /* RULES.md §4 example: L = 2026-01-10, soft exit on L + 91. */
            assert_string_equal(json_string_value(json_object_get(p, "exit_date")), "2026-01-10");
            assert_string_equal(json_string_value(json_object_get(p, "soft_exit_on")),
                                "2026-04-11");
            assert_string_equal(json_string_value(json_object_get(p, "entry_date")), "2026-01-05");
            assert_string_equal(json_string_value(json_object_get(last, "start_date")),
                                "2026-01-05");
            assert_string_equal(json_string_value(json_object_get(last, "end_date")), "2026-01-10");
            assert_string_equal(json_string_value(json_object_get(last, "code")),
                                "INITIAL_ASSESSMENT");
        } else {
            /* An open service past its projected end counts as ended then (stale). */
            assert_string_equal(program, "AEL");
            assert_string_equal(json_string_value(json_object_get(p, "exit_date")), "2026-03-31");
            assert_true(json_is_null(json_object_get(last, "end_date")));
        }
    }
    p = json_array_get(json_object_get(out, "stale_open_services"), 0);
    assert_non_null(p);
    assert_int_equal(json_integer_value(json_object_get(p, "index")), 1);
    assert_string_equal(json_string_value(json_object_get(p, "projected_end_date")), "2026-03-31");
    json_decref(out);
}

static void
test_encode_error(void **state)
{
    struct fixture *f = *state;
    static const char *const keys[] = {"id", "line", "error"};
    static const char *const error_keys[] = {"code", "message", "fields"};
    json_t *out, *error, *field;

    assert_int_equal(parse(f, "{\"id\": \"P-7\", \"services\": [{\"program\": \"WP\", "
                              "\"code\": \"ORIENTATION\", \"start_date\": \"2026-01-01\", "
                              "\"colour\": 1}]}"),
                     BR_EINVAL);
    out = bundle_encode_error(f->id, 12, &f->err);
    assert_keys(out, keys, 3);
    assert_string_equal(json_string_value(json_object_get(out, "id")), "P-7");
    assert_int_equal(json_integer_value(json_object_get(out, "line")), 12);
    error = json_object_get(out, "error");
    assert_keys(error, error_keys, 3);
    assert_string_equal(json_string_value(json_object_get(error, "code")), "validation_failed");
    assert_string_equal(json_string_value(json_object_get(error, "message")), f->err.message);
    assert_int_equal(json_array_size(json_object_get(error, "fields")), 1);
    field = json_array_get(json_object_get(error, "fields"), 0);
    assert_string_equal(json_string_value(json_object_get(field, "field")), "services[0].colour");
    assert_string_equal(json_string_value(json_object_get(field, "problem")),
                        "is not a known field");
    json_decref(out);

    assert_int_equal(parse(f, "{nope"), BR_EPARSE);
    out = bundle_encode_error(f->id, 3, &f->err);
    assert_true(json_is_null(json_object_get(out, "id")));
    error = json_object_get(out, "error");
    assert_string_equal(json_string_value(json_object_get(error, "code")), "parse_error");
    assert_int_equal(json_array_size(json_object_get(error, "fields")), 0);
    json_decref(out);
}

static void
test_encode_error_codes_and_bad_text(void **state)
{
    struct br_error err;
    json_t *out, *error;

    (void)state;
    br_error_clear(&err);
    br_error_set(&err, BR_ETOOBIG, "line is longer than %d bytes", 8);
    out = bundle_encode_error(NULL, 5, &err);
    error = json_object_get(out, "error");
    assert_true(json_is_null(json_object_get(out, "id")));
    assert_string_equal(json_string_value(json_object_get(error, "code")), "too_large");
    json_decref(out);

    /* A message cut inside a UTF-8 sequence still becomes a string. */
    br_error_clear(&err);
    br_error_set(&err, BR_EPARSE, "near '\xc3'");
    br_error_field(&err, "x\xe2\x82", "bad \xff");
    out = bundle_encode_error(NULL, 1, &err);
    error = json_object_get(out, "error");
    assert_string_equal(json_string_value(json_object_get(error, "message")), "near '?'");
    {
        json_t *field = json_array_get(json_object_get(error, "fields"), 0);
        assert_string_equal(json_string_value(json_object_get(field, "field")), "x??");
        assert_string_equal(json_string_value(json_object_get(field, "problem")), "bad ?");
    }
    json_decref(out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_good_bundle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_integer_id_and_absent_sections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_resets_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_uses_len_not_nul, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_id_out_may_be_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_other_sections_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_optional_dates_absent_or_null, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_every_gap_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_not_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_not_an_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_id_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_id_wrong_type, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_id_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_id_echoed_when_bundle_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_sections_must_be_arrays, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_items_must_be_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_unknown_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_required_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_wrong_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_unknown_program_and_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_bad_dates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_bad_gap_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_item_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_collects_every_problem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_long_values_are_cut_on_characters, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_parse_end_before_start, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_service_before_eligibility, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_youth_before_objective_assessment, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_parse_bad_gaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_shape_errors_skip_rule_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_exits_by_hand, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_every_hold_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_date_past_9999, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encode_error, setup, teardown),
        cmocka_unit_test(test_encode_error_codes_and_bad_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
