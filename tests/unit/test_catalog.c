/* test_catalog.c — the default catalog says exactly what RULES.md §1-2 say, and a bad catalog file
 * is refused with every bad field named by its path. */
#include "testutil.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "app/catalog_file.h"
#include "core/catalog.h"
#include "core/error.h"
#include "core/policy.h"

#define DEFAULT_CATALOG "data/catalog.json"

/* ---- helpers ---------------------------------------------------------------------------- */

/* Writes len bytes of text to a new file under $TMPDIR (or /tmp); path receives its name. */
static void
write_temp(const char *text, size_t len, char *path, size_t size)
{
    const char *dir = getenv("TMPDIR");
    int n = snprintf(path, size, "%s/braid-catalog-XXXXXX", dir && dir[0] ? dir : "/tmp");
    assert_true(n > 0 && (size_t)n < size);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        assert_true(w > 0);
        done += (size_t)w;
    }
    assert_int_equal(close(fd), 0);
}

/* Loads text as a catalog file, with outputs pre-filled with junk to show they are overwritten. */
static int
load_text(const char *text, size_t len, struct catalog *catalog, struct policy *policy,
          struct br_error *err)
{
    char path[512];
    write_temp(text, len, path, sizeof(path));
    memset(catalog, 0, sizeof(*catalog));
    catalog->n_programs = 7;
    catalog->n_services = 7;
    memset(policy, 0x5a, sizeof(*policy));
    int rc = catalog_file_load(path, catalog, policy, err);
    assert_int_equal(unlink(path), 0);
    return rc;
}

/* Loads root (which this consumes) as a catalog file. */
static int
load_json(json_t *root, struct catalog *catalog, struct policy *policy, struct br_error *err)
{
    char *text = json_dumps(root, JSON_INDENT(2));
    assert_non_null(text);
    json_decref(root);
    int rc = load_text(text, strlen(text), catalog, policy, err);
    free(text);
    return rc;
}

/* The shipped catalog as JSON, for a test to break one thing in it. */
static json_t *
default_json(void)
{
    json_error_t jerr;
    json_t *root = json_load_file(DEFAULT_CATALOG, 0, &jerr);
    if (root == NULL)
        fail_msg("%s:%d: %s", DEFAULT_CATALOG, jerr.line, jerr.text);
    return root;
}

static json_t *
entry(json_t *root, const char *array, size_t index)
{
    json_t *item = json_array_get(json_object_get(root, array), index);
    assert_non_null(item);
    return item;
}

static void
load_default(struct catalog *catalog, struct policy *policy)
{
    struct br_error err;
    int rc = catalog_file_load(DEFAULT_CATALOG, catalog, policy, &err);
    if (rc != 0)
        fail_msg("%s: %s (%zu fields; first %s %s)", DEFAULT_CATALOG, err.message, err.n_fields,
                 err.n_fields ? err.fields[0].field : "",
                 err.n_fields ? err.fields[0].problem : "");
}

static const struct br_field_error *
find_field(const struct br_error *err, const char *field)
{
    for (size_t i = 0; i < err->n_fields; i++) {
        if (strcmp(err->fields[i].field, field) == 0)
            return &err->fields[i];
    }
    return NULL;
}

/* A failed load leaves nothing behind: no arrays, zero counts, a zeroed policy. */
static void
assert_emptied(const struct catalog *catalog, const struct policy *policy)
{
    struct policy zero;
    memset(&zero, 0, sizeof(zero));
    assert_null(catalog->programs);
    assert_null(catalog->services);
    assert_int_equal(catalog->n_programs, 0);
    assert_int_equal(catalog->n_services, 0);
    assert_memory_equal(policy, &zero, sizeof(zero));
}

/* Exactly one bad field, with this path and a problem starting with problem. */
static void
assert_one_field(int rc, const struct br_error *err, const char *field, const char *problem)
{
    assert_int_equal(rc, BR_EINVAL);
    assert_int_equal(err->code, BR_EINVAL);
    if (err->n_fields != 1)
        fail_msg("expected 1 field error, got %zu (first: %s %s)", err->n_fields,
                 err->n_fields ? err->fields[0].field : "",
                 err->n_fields ? err->fields[0].problem : "");
    assert_string_equal(err->fields[0].field, field);
    if (strncmp(err->fields[0].problem, problem, strlen(problem)) != 0)
        fail_msg("%s: problem \"%s\", expected \"%s...\"", field, err->fields[0].problem, problem);
}

/* ---- the default catalog ---------------------------------------------------------------- */

/* RULES.md §1, in table order; job_center per the job-center programs of §6. */
static const struct {
    const char *code;
    bool common_exit;
    bool job_center;
} expected_programs[] = {
    {"WP", true, true},        {"ADULT", true, true},  {"DW", true, true},
    {"YOUTH", true, true},     {"TAA", true, true},    {"NDWG", true, true},
    {"JVSG", true, true},      {"AEL", false, false},  {"VR", false, false},
    {"SNAP_ET", false, false}, {"TANF", false, false}, {"REFUGEE", false, false},
};

/* RULES.md §2, in table order. */
static const struct {
    const char *code;
    enum service_category category;
    bool triggers_participation;
    bool prevents_exit;
} expected_services[] = {
    {"SELF_SERVICE", SERVICE_SELF_SERVICE, false, false},
    {"ORIENTATION", SERVICE_BASIC_INFORMATIONAL, false, false},
    {"ELIGIBILITY", SERVICE_BASIC_INFORMATIONAL, false, false},
    {"LMI", SERVICE_BASIC_INFORMATIONAL, false, false},
    {"REFERRAL", SERVICE_BASIC_INFORMATIONAL, false, false},
    {"WORKSHOP", SERVICE_BASIC_INFORMATIONAL, false, false},
    {"INITIAL_ASSESSMENT", SERVICE_BASIC_STAFF_ASSISTED, true, true},
    {"STAFF_JOB_SEARCH", SERVICE_BASIC_STAFF_ASSISTED, true, true},
    {"JOB_REFERRAL", SERVICE_BASIC_STAFF_ASSISTED, true, true},
    {"CAREER_COUNSELING", SERVICE_BASIC_STAFF_ASSISTED, true, true},
    {"OBJECTIVE_ASSESSMENT", SERVICE_INDIVIDUALIZED, true, true},
    {"PLAN_DEVELOPMENT", SERVICE_INDIVIDUALIZED, true, true},
    {"CASE_MANAGEMENT", SERVICE_INDIVIDUALIZED, true, true},
    {"PREVOCATIONAL", SERVICE_INDIVIDUALIZED, true, true},
    {"WORK_EXPERIENCE", SERVICE_INDIVIDUALIZED, true, true},
    {"TUTORING", SERVICE_INDIVIDUALIZED, true, true},
    {"OCCUPATIONAL_TRAINING", SERVICE_TRAINING, true, true},
    {"OJT", SERVICE_TRAINING, true, true},
    {"APPRENTICESHIP", SERVICE_TRAINING, true, true},
    {"ADULT_EDUCATION", SERVICE_TRAINING, true, true},
    {"SUPPORTIVE", SERVICE_SUPPORTIVE, false, false},
    {"CHECK_IN", SERVICE_CONTACT, false, false},
    {"FOLLOW_UP", SERVICE_FOLLOW_UP, false, false},
};

#define N_EXPECTED_PROGRAMS (sizeof(expected_programs) / sizeof(expected_programs[0]))
#define N_EXPECTED_SERVICES (sizeof(expected_services) / sizeof(expected_services[0]))

static void
test_default_programs(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    load_default(&catalog, &policy);

    assert_int_equal(N_EXPECTED_PROGRAMS, 12);
    assert_int_equal(catalog.n_programs, 12);
    for (size_t i = 0; i < N_EXPECTED_PROGRAMS; i++) {
        const struct program *p = &catalog.programs[i];
        assert_string_equal(p->code, expected_programs[i].code);
        assert_int_equal(p->common_exit, expected_programs[i].common_exit);
        assert_int_equal(p->job_center, expected_programs[i].job_center);
        assert_true(p->title[0] != '\0');
        assert_true(p->agency[0] != '\0');
        assert_true(p->kind[0] != '\0');
    }
    int adult = catalog_program_index(&catalog, "ADULT");
    assert_int_equal(adult, 1);
    assert_string_equal(catalog.programs[adult].title, "WIOA Title I Adult");
    assert_string_equal(catalog.programs[adult].agency, "Department of Labor — ETA");
    int vr = catalog_program_index(&catalog, "VR");
    assert_string_equal(catalog.programs[vr].agency, "Rehabilitation Services Administration");
    catalog_cleanup(&catalog);
}

static void
assert_service_flags(const struct catalog *catalog, const char *code, bool triggers, bool prevents)
{
    int i = catalog_service_index(catalog, code);
    if (i == CATALOG_NOT_FOUND)
        fail_msg("service %s not in the catalog", code);
    assert_int_equal(catalog->services[i].triggers_participation, triggers);
    assert_int_equal(catalog->services[i].prevents_exit, prevents);
}

static void
test_default_services(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    load_default(&catalog, &policy);

    assert_int_equal(N_EXPECTED_SERVICES, 23);
    assert_int_equal(catalog.n_services, 23);
    for (size_t i = 0; i < N_EXPECTED_SERVICES; i++) {
        const struct service_code *s = &catalog.services[i];
        assert_string_equal(s->code, expected_services[i].code);
        assert_int_equal(s->category, expected_services[i].category);
        assert_int_equal(s->triggers_participation, expected_services[i].triggers_participation);
        assert_int_equal(s->prevents_exit, expected_services[i].prevents_exit);
        assert_true(s->title[0] != '\0');
    }
    /* The codes RULES.md §2-4 lean on, looked up by code rather than position. */
    assert_service_flags(&catalog, "SELF_SERVICE", false, false);
    assert_service_flags(&catalog, "INITIAL_ASSESSMENT", true, true);
    assert_service_flags(&catalog, "SUPPORTIVE", false, false);
    assert_service_flags(&catalog, "CHECK_IN", false, false);
    assert_service_flags(&catalog, "FOLLOW_UP", false, false);
    assert_service_flags(&catalog, "OBJECTIVE_ASSESSMENT", true, true);
    assert_service_flags(&catalog, "WORKSHOP", false, false);
    catalog_cleanup(&catalog);
    assert_null(catalog.programs);
    assert_null(catalog.services);
    assert_int_equal(catalog.n_programs, 0);
    assert_int_equal(catalog.n_services, 0);
}

/* The numbers RULES.md gives, spelled out here on purpose: the test checks the data against the
 * spec, not against itself. */
static void
assert_rules_policy(const struct policy *policy)
{
    assert_int_equal(policy->exit_after_days, 90);
    assert_int_equal(policy->gap_min_days, 91);
    assert_int_equal(policy->gap_max_days, 179);
    assert_int_equal(policy->gap_review_count, 3);
    assert_int_equal(policy->open_service_past_projected_end, OPEN_SERVICE_ENDS_AT_PROJECTED_END);
    assert_int_equal(policy->late_note_business_days, 3);
    assert_int_equal(policy->exit_countdown_days, 30);
    assert_int_equal(policy->disengaged_days, 30);
    assert_int_equal(policy->plan_review_days, 90);
    assert_int_equal(policy->follow_up_months, 12);
}

static void
test_default_policy(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy, defaults;
    load_default(&catalog, &policy);
    assert_rules_policy(&policy);
    policy_defaults(&defaults);
    assert_rules_policy(&defaults);
    catalog_cleanup(&catalog);
}

static void
test_lookup(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    load_default(&catalog, &policy);

    assert_int_equal(catalog_program_index(&catalog, "WP"), 0);
    assert_int_equal(catalog_program_index(&catalog, "REFUGEE"), 11);
    assert_int_equal(catalog_program_index(&catalog, "adult"), CATALOG_NOT_FOUND);
    assert_int_equal(catalog_program_index(&catalog, "ADUL"), CATALOG_NOT_FOUND);
    assert_int_equal(catalog_program_index(&catalog, ""), CATALOG_NOT_FOUND);
    assert_int_equal(catalog_service_index(&catalog, "SELF_SERVICE"), 0);
    assert_int_equal(catalog_service_index(&catalog, "FOLLOW_UP"), 22);
    assert_int_equal(catalog_service_index(&catalog, "ADULT"), CATALOG_NOT_FOUND);
    catalog_cleanup(&catalog);

    /* An empty catalog finds nothing (and does not touch its NULL arrays). */
    assert_int_equal(catalog_program_index(&catalog, "WP"), CATALOG_NOT_FOUND);
    assert_int_equal(catalog_service_index(&catalog, "OJT"), CATALOG_NOT_FOUND);
}

/* The hash index finds exactly what the linear scan finds, for every code and for near misses;
 * a catalog it cannot index (a repeated code) is still searched, linearly. */
static void
test_lookup_index_agrees_with_scan(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    char near[CATALOG_CODE_SIZE + 1];
    load_default(&catalog, &policy);
    assert_true(catalog.indexed);

    struct catalog scan = catalog;
    scan.indexed = false;
    for (size_t i = 0; i < catalog.n_programs; i++) {
        const char *code = catalog.programs[i].code;
        assert_int_equal(catalog_program_index(&catalog, code), (int)i);
        assert_int_equal(catalog_program_index(&scan, code), (int)i);
        snprintf(near, sizeof(near), "%sX", code);
        assert_int_equal(catalog_program_index(&catalog, near), CATALOG_NOT_FOUND);
    }
    for (size_t i = 0; i < catalog.n_services; i++) {
        const char *code = catalog.services[i].code;
        assert_int_equal(catalog_service_index(&catalog, code), (int)i);
        assert_int_equal(catalog_service_index(&scan, code), (int)i);
        snprintf(near, sizeof(near), "%.*s", (int)strlen(code) - 1, code);
        assert_int_equal(catalog_service_index(&catalog, near), CATALOG_NOT_FOUND);
    }

    /* A repeated code leaves the catalog unindexed; the first of the two is found. */
    strcpy(catalog.services[1].code, catalog.services[0].code);
    catalog_index_codes(&catalog);
    assert_false(catalog.indexed);
    assert_int_equal(catalog_service_index(&catalog, catalog.services[0].code), 0);
    assert_int_equal(catalog_program_index(&catalog, "WP"), 0);
    catalog_cleanup(&catalog);
}

static void
test_names(void **state)
{
    (void)state;
    static const char *const categories[] = {
        "self_service",
        "basic_informational",
        "basic_staff_assisted",
        "individualized",
        "training",
        "supportive",
        "contact",
        "follow_up",
    };
    for (int c = SERVICE_SELF_SERVICE; c <= SERVICE_FOLLOW_UP; c++) {
        enum service_category parsed = SERVICE_SELF_SERVICE;
        assert_string_equal(service_category_name((enum service_category)c), categories[c]);
        assert_int_equal(service_category_parse(categories[c], &parsed), 0);
        assert_int_equal(parsed, c);
    }
    enum service_category category = SERVICE_TRAINING;
    assert_int_equal(service_category_parse("Training", &category), BR_EINVAL);
    assert_int_equal(service_category_parse("", &category), BR_EINVAL);
    assert_int_equal(service_category_parse(NULL, &category), BR_EINVAL);
    assert_int_equal(category, SERVICE_TRAINING);

    enum open_service_policy open = OPEN_SERVICE_STAYS_OPEN;
    assert_string_equal(open_service_policy_name(OPEN_SERVICE_ENDS_AT_PROJECTED_END),
                        "ends_at_projected_end");
    assert_string_equal(open_service_policy_name(OPEN_SERVICE_STAYS_OPEN), "stays_open");
    assert_int_equal(open_service_policy_parse("ends_at_projected_end", &open), 0);
    assert_int_equal(open, OPEN_SERVICE_ENDS_AT_PROJECTED_END);
    assert_int_equal(open_service_policy_parse("stays_open", &open), 0);
    assert_int_equal(open, OPEN_SERVICE_STAYS_OPEN);
    assert_int_equal(open_service_policy_parse("close", &open), BR_EINVAL);
    assert_int_equal(open, OPEN_SERVICE_STAYS_OPEN);
}

/* ---- files that are not a catalog ------------------------------------------------------- */

static void
test_missing_file(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    const char *path = "data/no-such-catalog.json";

    memset(&catalog, 0, sizeof(catalog));
    memset(&policy, 0x5a, sizeof(policy));
    assert_int_equal(catalog_file_load(path, &catalog, &policy, &err), BR_EIO);
    assert_int_equal(err.code, BR_EIO);
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, "No such file"));
    assert_int_equal(err.n_fields, 0);
    assert_emptied(&catalog, &policy);

    /* A directory opens but cannot be read. */
    assert_int_equal(catalog_file_load("data", &catalog, &policy, &err), BR_EIO);
    assert_emptied(&catalog, &policy);
}

static void
test_not_json(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    const char *text = "{\n  \"version\": 1,\n  \"programs\": [\n    {\"code\": \"WP\",}\n";

    assert_int_equal(load_text(text, strlen(text), &catalog, &policy, &err), BR_EPARSE);
    assert_int_equal(err.code, BR_EPARSE);
    assert_non_null(strstr(err.message, "line 4"));
    assert_non_null(strstr(err.message, "column"));
    assert_int_equal(err.n_fields, 0);
    assert_emptied(&catalog, &policy);

    /* Valid JSON, but not an object. */
    assert_int_equal(load_text("[1, 2]", 6, &catalog, &policy, &err), BR_EPARSE);
    assert_emptied(&catalog, &policy);

    /* A key given twice: which value was meant cannot be known. */
    text = "{\"version\": 1, \"version\": 1}";
    assert_int_equal(load_text(text, strlen(text), &catalog, &policy, &err), BR_EPARSE);
    assert_non_null(strstr(err.message, "version"));

    /* Empty file. */
    assert_int_equal(load_text("", 0, &catalog, &policy, &err), BR_EPARSE);
    assert_emptied(&catalog, &policy);
}

static void
test_huge_file(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    json_t *root = default_json();
    char *compact = json_dumps(root, JSON_COMPACT);
    size_t len = strlen(compact);
    char *text = malloc(CATALOG_FILE_MAX_BYTES + 1);

    assert_non_null(compact);
    assert_non_null(text);
    assert_true(len < CATALOG_FILE_MAX_BYTES);
    memcpy(text, compact, len);
    memset(text + len, ' ', CATALOG_FILE_MAX_BYTES + 1 - len);

    /* Exactly at the cap: a real catalog padded with whitespace still loads. */
    assert_int_equal(load_text(text, CATALOG_FILE_MAX_BYTES, &catalog, &policy, &err), 0);
    assert_int_equal(catalog.n_programs, 12);
    catalog_cleanup(&catalog);

    /* One byte over: refused before it is parsed. */
    assert_int_equal(load_text(text, CATALOG_FILE_MAX_BYTES + 1, &catalog, &policy, &err),
                     BR_ETOOBIG);
    assert_int_equal(err.code, BR_ETOOBIG);
    assert_int_equal(err.n_fields, 0);
    assert_emptied(&catalog, &policy);

    free(text);
    free(compact);
    json_decref(root);
}

/* ---- bad fields, each named by its path ------------------------------------------------- */

static void
test_duplicate_code(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    json_t *root = default_json();

    json_object_set_new(entry(root, "services", 7), "code", json_string("ELIGIBILITY"));
    int rc = load_json(root, &catalog, &policy, &err);
    assert_one_field(rc, &err, "services[7].code", "duplicates services[2]");
    assert_string_equal(err.fields[0].problem, "duplicates services[2]");
    assert_emptied(&catalog, &policy);

    /* Three of a kind: both later ones point at the first. */
    root = default_json();
    json_object_set_new(entry(root, "programs", 5), "code", json_string("WP"));
    json_object_set_new(entry(root, "programs", 11), "code", json_string("WP"));
    rc = load_json(root, &catalog, &policy, &err);
    assert_int_equal(rc, BR_EINVAL);
    assert_int_equal(err.n_fields, 2);
    assert_string_equal(err.fields[0].field, "programs[5].code");
    assert_string_equal(err.fields[0].problem, "duplicates programs[0]");
    assert_string_equal(err.fields[1].field, "programs[11].code");
    assert_string_equal(err.fields[1].problem, "duplicates programs[0]");
    assert_emptied(&catalog, &policy);
}

static void
test_bad_category(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    json_t *root = default_json();

    json_object_set_new(entry(root, "services", 5), "category", json_string("informational"));
    int rc = load_json(root, &catalog, &policy, &err);
    assert_one_field(rc, &err, "services[5].category", "must be one of");
    assert_string_equal(err.fields[0].problem,
                        "must be one of self_service, basic_informational, basic_staff_assisted, "
                        "individualized, training, supportive, contact, follow_up");
    assert_emptied(&catalog, &policy);

    root = default_json();
    json_object_set_new(entry(root, "services", 0), "category", json_integer(0));
    rc = load_json(root, &catalog, &policy, &err);
    assert_one_field(rc, &err, "services[0].category", "must be one of");
}

static void
test_gap_max_below_min(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    json_t *root = default_json();
    json_t *settings = json_object_get(root, "policy");

    json_object_set_new(settings, "gap_min_days", json_integer(120));
    json_object_set_new(settings, "gap_max_days", json_integer(100));
    int rc = load_json(root, &catalog, &policy, &err);
    assert_one_field(rc, &err, "policy.gap_max_days", "must be at least gap_min_days");
    assert_emptied(&catalog, &policy);

    /* Equal bounds are a one-length window, which is allowed. */
    root = default_json();
    settings = json_object_get(root, "policy");
    json_object_set_new(settings, "gap_min_days", json_integer(120));
    json_object_set_new(settings, "gap_max_days", json_integer(120));
    assert_int_equal(load_json(root, &catalog, &policy, &err), 0);
    assert_int_equal(policy.gap_min_days, 120);
    assert_int_equal(policy.gap_max_days, 120);
    catalog_cleanup(&catalog);
}

static void
test_policy_out_of_range(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    json_t *root = default_json();
    json_t *settings = json_object_get(root, "policy");

    json_object_set_new(settings, "gap_min_days", json_integer(0));
    int rc = load_json(root, &catalog, &policy, &err);
    /* Only the bad bound is reported, not also a gap_max comparison against it. */
    assert_one_field(rc, &err, "policy.gap_min_days", "must be an integer from 1 to 3650");

    root = default_json();
    settings = json_object_get(root, "policy");
    json_object_set_new(settings, "exit_after_days", json_string("90"));
    json_object_set_new(settings, "plan_review_days", json_real(90.0));
    json_object_set_new(settings, "follow_up_months", json_integer(100000000000LL));
    json_object_set_new(settings, "open_service_past_projected_end", json_string("never"));
    rc = load_json(root, &catalog, &policy, &err);
    assert_int_equal(rc, BR_EINVAL);
    assert_int_equal(err.n_fields, 4);
    assert_non_null(find_field(&err, "policy.exit_after_days"));
    assert_non_null(find_field(&err, "policy.plan_review_days"));
    assert_string_equal(find_field(&err, "policy.follow_up_months")->problem,
                        "must be an integer from 1 to 120");
    assert_string_equal(find_field(&err, "policy.open_service_past_projected_end")->problem,
                        "must be one of ends_at_projected_end, stays_open");
    assert_emptied(&catalog, &policy);

    root = default_json();
    json_object_set_new(root, "policy", json_array());
    rc = load_json(root, &catalog, &policy, &err);
    assert_one_field(rc, &err, "policy", "must be an object");
}

static void
test_unknown_policy_key(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    json_t *root = default_json();

    /* A misspelt setting would otherwise silently leave the default in force. */
    json_object_set_new(json_object_get(root, "policy"), "exit_after_day", json_integer(60));
    int rc = load_json(root, &catalog, &policy, &err);
    assert_one_field(rc, &err, "policy.exit_after_day", "is not a policy setting");
    assert_emptied(&catalog, &policy);
}

static void
test_missing_code(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    json_t *root = default_json();

    json_object_del(entry(root, "programs", 3), "code");
    int rc = load_json(root, &catalog, &policy, &err);
    assert_one_field(rc, &err, "programs[3].code", "is missing");
    assert_string_equal(err.fields[0].problem, "is missing");
    assert_emptied(&catalog, &policy);
}

static void
test_non_boolean_flag(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    json_t *root = default_json();

    json_object_set_new(entry(root, "services", 4), "prevents_exit", json_string("no"));
    int rc = load_json(root, &catalog, &policy, &err);
    assert_one_field(rc, &err, "services[4].prevents_exit", "must be true or false");
    assert_emptied(&catalog, &policy);

    /* 0 and 1 are not flags either. */
    root = default_json();
    json_object_set_new(entry(root, "programs", 0), "common_exit", json_integer(1));
    rc = load_json(root, &catalog, &policy, &err);
    assert_one_field(rc, &err, "programs[0].common_exit", "must be true or false");

    /* job_center is required like the other flags. */
    root = default_json();
    json_object_del(entry(root, "programs", 8), "job_center");
    rc = load_json(root, &catalog, &policy, &err);
    assert_one_field(rc, &err, "programs[8].job_center", "is missing");
}

static void
test_bad_code_and_title(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    char long_code[CATALOG_CODE_SIZE + 1];
    char long_title[CATALOG_TITLE_SIZE + 1];
    json_t *root;
    int rc;

    static const char *const bad_codes[] = {"adult", "1WP", "_WP", "WP-2", "WP 2", ""};
    for (size_t i = 0; i < sizeof(bad_codes) / sizeof(bad_codes[0]); i++) {
        root = default_json();
        json_object_set_new(entry(root, "programs", 2), "code", json_string(bad_codes[i]));
        rc = load_json(root, &catalog, &policy, &err);
        assert_one_field(rc, &err, "programs[2].code", "must match ^[A-Z][A-Z0-9_]*$");
    }

    /* CATALOG_CODE_SIZE - 1 characters fit; one more does not. */
    memset(long_code, 'A', sizeof(long_code));
    long_code[CATALOG_CODE_SIZE - 1] = '\0';
    root = default_json();
    json_object_set_new(entry(root, "services", 9), "code", json_string(long_code));
    assert_int_equal(load_json(root, &catalog, &policy, &err), 0);
    assert_int_equal(catalog_service_index(&catalog, long_code), 9);
    catalog_cleanup(&catalog);

    long_code[CATALOG_CODE_SIZE - 1] = 'A';
    long_code[CATALOG_CODE_SIZE] = '\0';
    root = default_json();
    json_object_set_new(entry(root, "services", 9), "code", json_string(long_code));
    rc = load_json(root, &catalog, &policy, &err);
    assert_one_field(rc, &err, "services[9].code", "must be at most 31 characters");

    memset(long_title, 't', sizeof(long_title));
    long_title[CATALOG_TITLE_SIZE] = '\0';
    root = default_json();
    json_object_set_new(entry(root, "programs", 1), "title", json_string(long_title));
    rc = load_json(root, &catalog, &policy, &err);
    assert_one_field(rc, &err, "programs[1].title", "must be at most 127 bytes");

    root = default_json();
    json_object_set_new(entry(root, "programs", 1), "agency", json_string(""));
    rc = load_json(root, &catalog, &policy, &err);
    assert_one_field(rc, &err, "programs[1].agency", "must not be empty");
}

/* RULES.md §2 (677.150(c)): re-mapping cannot make follow-up or self-service count for exit. */
static void
test_follow_up_cannot_prevent_exit(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    json_t *root = default_json();

    json_object_set_new(entry(root, "services", 22), "prevents_exit", json_true());
    int rc = load_json(root, &catalog, &policy, &err);
    assert_one_field(rc, &err, "services[22].prevents_exit", "must be false for a follow_up");

    /* A supportive service may be re-mapped to count: only the federal exclusions are fixed. */
    root = default_json();
    json_object_set_new(entry(root, "services", 20), "prevents_exit", json_true());
    assert_int_equal(load_json(root, &catalog, &policy, &err), 0);
    assert_service_flags(&catalog, "SUPPORTIVE", false, true);
    catalog_cleanup(&catalog);
}

static void
test_shape_errors(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    json_t *root = default_json();

    json_object_del(root, "services");
    json_object_set_new(root, "version", json_integer(2));
    json_object_set_new(root, "extra", json_true());
    json_array_set_new(json_object_get(root, "programs"), 6, json_string("JVSG"));
    json_object_set_new(entry(root, "programs", 0), "comon_exit", json_false());
    int rc = load_json(root, &catalog, &policy, &err);
    assert_int_equal(rc, BR_EINVAL);
    assert_int_equal(err.n_fields, 5);
    assert_string_equal(find_field(&err, "services")->problem, "is missing");
    assert_string_equal(find_field(&err, "version")->problem, "must be 1");
    assert_string_equal(find_field(&err, "extra")->problem, "is not a known field");
    assert_string_equal(find_field(&err, "programs[6]")->problem, "must be an object");
    assert_string_equal(find_field(&err, "programs[0].comon_exit")->problem,
                        "is not a known field");
    assert_non_null(strstr(err.message, "5 invalid field"));
    assert_emptied(&catalog, &policy);

    root = default_json();
    json_object_set_new(root, "programs", json_array());
    json_object_set_new(root, "services", json_object());
    rc = load_json(root, &catalog, &policy, &err);
    assert_int_equal(rc, BR_EINVAL);
    assert_int_equal(err.n_fields, 2);
    assert_string_equal(find_field(&err, "programs")->problem, "must not be empty");
    assert_string_equal(find_field(&err, "services")->problem, "must be an array");
    assert_emptied(&catalog, &policy);
}

/* Every bad field is reported, in one pass, and err may be NULL. */
static void
test_many_errors_at_once(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy;
    struct br_error err;
    json_t *root = default_json();

    for (size_t i = 0; i < 23; i++)
        json_object_del(entry(root, "services", i), "title");
    json_object_del(entry(root, "programs", 0), "agency");
    int rc = load_json(root, &catalog, &policy, &err);
    assert_int_equal(rc, BR_EINVAL);
    assert_int_equal(br_error_field_count(&err), 24);
    assert_string_equal(err.fields[0].field, "programs[0].agency");
    assert_string_equal(err.fields[23].field, "services[22].title");
    assert_emptied(&catalog, &policy);

    root = default_json();
    json_object_del(entry(root, "programs", 0), "agency");
    assert_int_equal(load_json(root, &catalog, &policy, NULL), BR_EINVAL);
    assert_emptied(&catalog, &policy);
}

/* ---- a state's own catalog -------------------------------------------------------------- */

/* RULES.md §1: a state adds a program without a rebuild. */
static void
test_custom_catalog(void **state)
{
    (void)state;
    struct catalog catalog;
    struct policy policy, defaults;
    struct br_error err;
    json_t *root = default_json();
    json_t *program =
        json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "code", "STATE_REENTRY", "title",
                  "State re-entry employment program", "agency", "State Department of Corrections",
                  "kind", "state", "common_exit", 0, "job_center", 0);
    json_t *service = json_pack("{s:s, s:s, s:s, s:b, s:b}", "code", "TRANSITIONAL_JOB", "title",
                                "Transitional jobs", "category", "individualized",
                                "triggers_participation", 1, "prevents_exit", 1);

    assert_non_null(program);
    assert_non_null(service);
    json_array_append_new(json_object_get(root, "programs"), program);
    json_array_append_new(json_object_get(root, "services"), service);
    /* No policy at all: every setting takes its default. */
    json_object_del(root, "policy");
    assert_int_equal(load_json(root, &catalog, &policy, &err), 0);
    assert_int_equal(err.code, BR_OK);

    assert_int_equal(catalog.n_programs, 13);
    int reentry = catalog_program_index(&catalog, "STATE_REENTRY");
    assert_int_equal(reentry, 12);
    assert_false(catalog.programs[reentry].common_exit);
    assert_false(catalog.programs[reentry].job_center);
    assert_string_equal(catalog.programs[reentry].agency, "State Department of Corrections");
    assert_string_equal(catalog.programs[reentry].kind, "state");
    assert_int_equal(catalog.n_services, 24);
    assert_int_equal(catalog_service_index(&catalog, "TRANSITIONAL_JOB"), 23);
    assert_service_flags(&catalog, "TRANSITIONAL_JOB", true, true);
    assert_int_equal(catalog.services[23].category, SERVICE_INDIVIDUALIZED);
    policy_defaults(&defaults);
    assert_memory_equal(&policy, &defaults, sizeof(defaults));
    catalog_cleanup(&catalog);

    /* A board that changes one setting names only that one. */
    root = default_json();
    json_object_set_new(root, "policy",
                        json_pack("{s:i, s:s}", "exit_after_days", 60,
                                  "open_service_past_projected_end", "stays_open"));
    assert_int_equal(load_json(root, &catalog, &policy, &err), 0);
    assert_int_equal(policy.exit_after_days, 60);
    assert_int_equal(policy.open_service_past_projected_end, OPEN_SERVICE_STAYS_OPEN);
    assert_int_equal(policy.gap_min_days, defaults.gap_min_days);
    assert_int_equal(policy.follow_up_months, defaults.follow_up_months);
    catalog_cleanup(&catalog);
}

/* ---- finding the file ------------------------------------------------------------------- */

static void
test_find(void **state)
{
    (void)state;
    char buf[4096];
    char small[8];
    char exe[4096];
    char beside[4096 + 32];
    const char *saved = getenv("BRAID_CATALOG");
    char *restore = saved ? strdup(saved) : NULL;

    assert_int_equal(setenv("BRAID_CATALOG", "/srv/braid/state-catalog.json", 1), 0);
    assert_ptr_equal(catalog_file_find(buf, sizeof(buf)), buf);
    assert_string_equal(buf, "/srv/braid/state-catalog.json");

    /* Too long for the buffer: empty, never a truncated path that could name another file. */
    assert_ptr_equal(catalog_file_find(small, sizeof(small)), small);
    assert_string_equal(small, "");

    /* Unset (or empty): beside the binary when there is one there, else the working directory. */
    assert_int_equal(setenv("BRAID_CATALOG", "", 1), 0);
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(beside, sizeof(beside), "%s/../data/catalog.json", exe);
    const char *expected = access(beside, F_OK) == 0 ? beside : "data/catalog.json";
    assert_string_equal(catalog_file_find(buf, sizeof(buf)), expected);
    assert_int_equal(unsetenv("BRAID_CATALOG"), 0);
    assert_string_equal(catalog_file_find(buf, sizeof(buf)), expected);

    if (restore != NULL) {
        setenv("BRAID_CATALOG", restore, 1);
        free(restore);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_programs),
        cmocka_unit_test(test_default_services),
        cmocka_unit_test(test_default_policy),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_lookup_index_agrees_with_scan),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_huge_file),
        cmocka_unit_test(test_duplicate_code),
        cmocka_unit_test(test_bad_category),
        cmocka_unit_test(test_gap_max_below_min),
        cmocka_unit_test(test_policy_out_of_range),
        cmocka_unit_test(test_unknown_policy_key),
        cmocka_unit_test(test_missing_code),
        cmocka_unit_test(test_non_boolean_flag),
        cmocka_unit_test(test_bad_code_and_title),
        cmocka_unit_test(test_follow_up_cannot_prevent_exit),
        cmocka_unit_test(test_shape_errors),
        cmocka_unit_test(test_many_errors_at_once),
        cmocka_unit_test(test_custom_catalog),
        cmocka_unit_test(test_find),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
