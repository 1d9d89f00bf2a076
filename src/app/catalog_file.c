/* catalog_file.c — loads data/catalog.json (or a state's own catalog) with jansson.
 *
 * The whole file is checked before anything is returned, and every bad field is reported by its
 * path at once, so an administrator fixes a catalog in one pass (RULES.md §1-2: the catalog is
 * data, edited by people, not compiled in). */
#include "app/catalog_file.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "core/mem.h"

#define CATALOG_FILE_VERSION 1
#define CATALOG_FILE_FIRST_READ ((size_t)64 << 10)
#define CATALOG_FILE_DEFAULT "data/catalog.json"
#define CATALOG_FILE_BESIDE_EXE "/../data/catalog.json"
#define CATALOG_FILE_ENV "BRAID_CATALOG"

/* Room for a field path: as large as struct br_field_error keeps. */
#define FIELD_PATH_SIZE sizeof(((struct br_field_error *)0)->field)

/* The bounds of one integer policy setting.  Wide enough for any board's choice, narrow enough
 * that date arithmetic on day numbers cannot overflow. */
struct policy_setting {
    const char *name; /* the key in "policy", equal to the struct policy field name */
    size_t offset;    /* of the int field in struct policy */
    int min;
    int max;
};

static const struct policy_setting policy_settings[] = {
    {"exit_after_days", offsetof(struct policy, exit_after_days), 1, 3650},
    {"gap_min_days", offsetof(struct policy, gap_min_days), 1, 3650},
    {"gap_max_days", offsetof(struct policy, gap_max_days), 1, 3650},
    {"gap_review_count", offsetof(struct policy, gap_review_count), 1, 100},
    {"late_note_business_days", offsetof(struct policy, late_note_business_days), 0, 365},
    {"exit_countdown_days", offsetof(struct policy, exit_countdown_days), 0, 3650},
    {"disengaged_days", offsetof(struct policy, disengaged_days), 1, 3650},
    {"plan_review_days", offsetof(struct policy, plan_review_days), 1, 3650},
    {"follow_up_months", offsetof(struct policy, follow_up_months), 1, 120},
    {"follow_up_interval_months", offsetof(struct policy, follow_up_interval_months), 1, 120},
    {"assessment_current_days", offsetof(struct policy, assessment_current_days), 1, 3650},
};

#define POLICY_SETTING_COUNT (sizeof(policy_settings) / sizeof(policy_settings[0]))
#define POLICY_OPEN_SERVICE "open_service_past_projected_end"

static const char *const root_keys[] = {"version", "programs", "services", "policy", NULL};
static const char *const program_keys[] = {
    "code", "title", "agency", "kind", "common_exit", "job_center", NULL,
};
static const char *const service_keys[] = {
    "code", "title", "category", "triggers_participation", "prevents_exit", NULL,
};

/* One code of an array, for finding duplicates by sorting instead of comparing every pair. */
struct code_ref {
    const char *code;
    size_t index;
};

/* Reads at most CATALOG_FILE_MAX_BYTES of path into *text (the caller frees it). */
static int
read_file(const char *path, char **text_out, size_t *len_out, struct br_error *err)
{
    int rc = 0;
    char *text = NULL;
    size_t len = 0;
    size_t cap = 0;
    FILE *f = fopen(path, "rb");

    if (f == NULL) {
        rc = br_error_set(err, BR_EIO, "cannot open catalog file %s: %s", path, strerror(errno));
        goto out;
    }
    for (;;) {
        /* Reading one byte past the cap tells "exactly the cap" from "over it". */
        if (len > CATALOG_FILE_MAX_BYTES) {
            rc = br_error_set(err, BR_ETOOBIG, "catalog file %s is over %zu bytes", path,
                              CATALOG_FILE_MAX_BYTES);
            goto out;
        }
        if (len == cap) {
            size_t next = cap ? cap * 2 : CATALOG_FILE_FIRST_READ;
            if (next > CATALOG_FILE_MAX_BYTES + 1)
                next = CATALOG_FILE_MAX_BYTES + 1;
            text = xrealloc(text, next);
            cap = next;
        }
        size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                rc = br_error_set(err, BR_EIO, "cannot read catalog file %s: %s", path,
                                  strerror(errno));
                goto out;
            }
            break;
        }
    }
    *text_out = text;
    *len_out = len;
    text = NULL;
out:
    if (f != NULL)
        fclose(f);
    free(text);
    return rc;
}

/* "programs[3]" + "code" -> "programs[3].code"; an empty parent gives the key alone.  A path too
 * long for buf (only an absurd unknown key makes one) is cut short: its start still locates it. */
static void
field_path(char *buf, size_t size, const char *parent, const char *key)
{
    int n;

    if (parent[0] == '\0')
        n = snprintf(buf, size, "%s", key);
    else
        n = snprintf(buf, size, "%s.%s", parent, key);
    if (n < 0)
        buf[0] = '\0';
}

static bool
key_is_known(const char *key, const char *const *known)
{
    for (size_t i = 0; known[i] != NULL; i++) {
        if (strcmp(known[i], key) == 0)
            return true;
    }
    return false;
}

/* Rejects keys not in known: a misspelt optional key would otherwise be silently ignored. */
static void
check_keys(json_t *object, const char *parent, const char *const *known, const char *problem,
           struct br_error *err)
{
    const char *key;
    json_t *value;
    char field[FIELD_PATH_SIZE];

    json_object_foreach(object, key, value)
    {
        (void)value;
        if (!key_is_known(key, known)) {
            field_path(field, sizeof(field), parent, key);
            br_error_field(err, field, "%s", problem);
        }
    }
}

/* The value of a required key, or NULL after reporting it missing. */
static json_t *
require(json_t *object, const char *parent, const char *key, struct br_error *err)
{
    json_t *value = json_object_get(object, key);
    if (value == NULL) {
        char field[FIELD_PATH_SIZE];
        field_path(field, sizeof(field), parent, key);
        br_error_field(err, field, "is missing");
    }
    return value;
}

/* ^[A-Z][A-Z0-9_]*$: codes appear in bundles, URLs and PIRL mappings, so they stay plain. */
static bool
code_is_valid(const char *s, size_t len)
{
    if (len == 0 || s[0] < 'A' || s[0] > 'Z')
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return true;
}

/* Copies a required code into dst (size bytes); returns whether it was valid.  dst stays empty
 * otherwise, which the duplicate check relies on. */
static bool
read_code(json_t *object, const char *parent, const char *key, char *dst, size_t size,
          struct br_error *err)
{
    char field[FIELD_PATH_SIZE];
    json_t *value = require(object, parent, key, err);

    if (value == NULL)
        return false;
    field_path(field, sizeof(field), parent, key);
    if (!json_is_string(value)) {
        br_error_field(err, field, "must be a string");
        return false;
    }
    const char *s = json_string_value(value);
    size_t len = json_string_length(value);
    if (!code_is_valid(s, len)) {
        br_error_field(err, field, "must match ^[A-Z][A-Z0-9_]*$");
        return false;
    }
    if (len >= size) {
        br_error_field(err, field, "must be at most %zu characters", size - 1);
        return false;
    }
    memcpy(dst, s, len + 1);
    return true;
}

/* Copies a required non-empty string into dst (size bytes, UTF-8). */
static bool
read_text(json_t *object, const char *parent, const char *key, char *dst, size_t size,
          struct br_error *err)
{
    char field[FIELD_PATH_SIZE];
    json_t *value = require(object, parent, key, err);

    if (value == NULL)
        return false;
    field_path(field, sizeof(field), parent, key);
    if (!json_is_string(value)) {
        br_error_field(err, field, "must be a string");
        return false;
    }
    size_t len = json_string_length(value);
    if (len == 0) {
        br_error_field(err, field, "must not be empty");
        return false;
    }
    if (len >= size) {
        br_error_field(err, field, "must be at most %zu bytes", size - 1);
        return false;
    }
    memcpy(dst, json_string_value(value), len + 1);
    return true;
}

/* Flags are required: a missing prevents_exit silently read as false would exit people early. */
static bool
read_flag(json_t *object, const char *parent, const char *key, bool *dst, struct br_error *err)
{
    json_t *value = require(object, parent, key, err);

    if (value == NULL)
        return false;
    if (!json_is_boolean(value)) {
        char field[FIELD_PATH_SIZE];
        field_path(field, sizeof(field), parent, key);
        br_error_field(err, field, "must be true or false");
        return false;
    }
    *dst = json_is_true(value);
    return true;
}

static bool
read_category(json_t *object, const char *parent, enum service_category *dst, struct br_error *err)
{
    json_t *value = require(object, parent, "category", err);

    if (value == NULL)
        return false;
    if (json_is_string(value) && service_category_parse(json_string_value(value), dst) == 0)
        return true;

    char field[FIELD_PATH_SIZE];
    char names[160];
    size_t used = 0;
    names[0] = '\0';
    for (int c = SERVICE_SELF_SERVICE; c <= SERVICE_FOLLOW_UP; c++) {
        int n = snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "",
                         service_category_name((enum service_category)c));
        if (n < 0 || (size_t)n >= sizeof(names) - used)
            break;
        used += (size_t)n;
    }
    field_path(field, sizeof(field), parent, "category");
    br_error_field(err, field, "must be one of %s", names);
    return false;
}

/* The array under key: present, an array, not empty, within CATALOG_FILE_MAX_ITEMS. */
static json_t *
read_array(json_t *root, const char *key, struct br_error *err)
{
    json_t *array = require(root, "", key, err);

    if (array == NULL)
        return NULL;
    if (!json_is_array(array)) {
        br_error_field(err, key, "must be an array");
        return NULL;
    }
    if (json_array_size(array) == 0) {
        br_error_field(err, key, "must not be empty");
        return NULL;
    }
    if (json_array_size(array) > CATALOG_FILE_MAX_ITEMS) {
        br_error_field(err, key, "must have at most %d entries", CATALOG_FILE_MAX_ITEMS);
        return NULL;
    }
    return array;
}

static int
code_ref_compare(const void *a, const void *b)
{
    const struct code_ref *x = a;
    const struct code_ref *y = b;
    int c = strcmp(x->code, y->code);
    if (c != 0)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}

/* Reports every entry whose code an earlier entry already has ("duplicates services[2]"), in
 * input order: records refer to codes, so a code must name one thing.  codes[i] is entry i's
 * code, empty when it was invalid (already reported). */
static void
check_duplicates(const char *array, const char *const *codes, size_t n, struct br_error *err)
{
    struct code_ref *refs = xcalloc(n, sizeof(*refs));
    size_t *first = xcalloc(n, sizeof(*first));
    size_t n_refs = 0;

    for (size_t i = 0; i < n; i++) {
        first[i] = SIZE_MAX;
        if (codes[i][0] != '\0')
            refs[n_refs++] = (struct code_ref){.code = codes[i], .index = i};
    }
    qsort(refs, n_refs, sizeof(*refs), code_ref_compare);
    /* Sorted by code, then index: each run of one code starts with its earliest entry. */
    size_t run = 0;
    for (size_t i = 1; i < n_refs; i++) {
        if (strcmp(refs[i].code, refs[run].code) == 0)
            first[refs[i].index] = refs[run].index;
        else
            run = i;
    }
    for (size_t i = 0; i < n; i++) {
        if (first[i] == SIZE_MAX)
            continue;
        char field[FIELD_PATH_SIZE];
        snprintf(field, sizeof(field), "%s[%zu].code", array, i);
        br_error_field(err, field, "duplicates %s[%zu]", array, first[i]);
    }
    free(first);
    free(refs);
}

static void
read_programs(json_t *root, struct catalog *catalog, struct br_error *err)
{
    json_t *array = read_array(root, "programs", err);
    const char **codes;
    char path[FIELD_PATH_SIZE];

    if (array == NULL)
        return;
    catalog->n_programs = json_array_size(array);
    catalog->programs = xcalloc(catalog->n_programs, sizeof(*catalog->programs));
    codes = xcalloc(catalog->n_programs, sizeof(*codes));
    for (size_t i = 0; i < catalog->n_programs; i++) {
        struct program *program = &catalog->programs[i];
        json_t *item = json_array_get(array, i);

        codes[i] = program->code;
        snprintf(path, sizeof(path), "programs[%zu]", i);
        if (!json_is_object(item)) {
            br_error_field(err, path, "must be an object");
            continue;
        }
        check_keys(item, path, program_keys, "is not a known field", err);
        read_code(item, path, "code", program->code, sizeof(program->code), err);
        read_text(item, path, "title", program->title, sizeof(program->title), err);
        read_text(item, path, "agency", program->agency, sizeof(program->agency), err);
        read_text(item, path, "kind", program->kind, sizeof(program->kind), err);
        read_flag(item, path, "common_exit", &program->common_exit, err);
        read_flag(item, path, "job_center", &program->job_center, err);
    }
    check_duplicates("programs", codes, catalog->n_programs, err);
    free(codes);
}

/* RULES.md §2 (20 CFR 677.150(c)): self-service, information-only and follow-up services never
 * count for exit, whatever a deployment re-maps. */
static bool
category_may_prevent_exit(enum service_category category)
{
    return category != SERVICE_SELF_SERVICE && category != SERVICE_BASIC_INFORMATIONAL &&
           category != SERVICE_FOLLOW_UP;
}

static void
read_services(json_t *root, struct catalog *catalog, struct br_error *err)
{
    json_t *array = read_array(root, "services", err);
    const char **codes;
    char path[FIELD_PATH_SIZE];

    if (array == NULL)
        return;
    catalog->n_services = json_array_size(array);
    catalog->services = xcalloc(catalog->n_services, sizeof(*catalog->services));
    codes = xcalloc(catalog->n_services, sizeof(*codes));
    for (size_t i = 0; i < catalog->n_services; i++) {
        struct service_code *service = &catalog->services[i];
        json_t *item = json_array_get(array, i);

        codes[i] = service->code;
        snprintf(path, sizeof(path), "services[%zu]", i);
        if (!json_is_object(item)) {
            br_error_field(err, path, "must be an object");
            continue;
        }
        check_keys(item, path, service_keys, "is not a known field", err);
        read_code(item, path, "code", service->code, sizeof(service->code), err);
        read_text(item, path, "title", service->title, sizeof(service->title), err);
        bool category_ok = read_category(item, path, &service->category, err);
        read_flag(item, path, "triggers_participation", &service->triggers_participation, err);
        bool prevents_ok = read_flag(item, path, "prevents_exit", &service->prevents_exit, err);
        if (category_ok && prevents_ok && service->prevents_exit &&
            !category_may_prevent_exit(service->category)) {
            char field[FIELD_PATH_SIZE];
            field_path(field, sizeof(field), path, "prevents_exit");
            br_error_field(err, field, "must be false for a %s service (20 CFR 677.150(c))",
                           service_category_name(service->category));
        }
    }
    check_duplicates("services", codes, catalog->n_services, err);
    free(codes);
}

/* Starts from policy_defaults(), so a file names only the settings it changes. */
static void
read_policy(json_t *root, struct policy *policy, struct br_error *err)
{
    json_t *object = json_object_get(root, "policy");
    const char *known[POLICY_SETTING_COUNT + 2];
    bool valid[POLICY_SETTING_COUNT];
    char field[FIELD_PATH_SIZE];

    policy_defaults(policy);
    if (object == NULL)
        return;
    if (!json_is_object(object)) {
        br_error_field(err, "policy", "must be an object");
        return;
    }
    for (size_t i = 0; i < POLICY_SETTING_COUNT; i++)
        known[i] = policy_settings[i].name;
    known[POLICY_SETTING_COUNT] = POLICY_OPEN_SERVICE;
    known[POLICY_SETTING_COUNT + 1] = NULL;
    check_keys(object, "policy", known, "is not a policy setting", err);

    for (size_t i = 0; i < POLICY_SETTING_COUNT; i++) {
        const struct policy_setting *setting = &policy_settings[i];
        json_t *value = json_object_get(object, setting->name);

        valid[i] = true;
        if (value == NULL)
            continue;
        if (!json_is_integer(value) || json_integer_value(value) < setting->min ||
            json_integer_value(value) > setting->max) {
            field_path(field, sizeof(field), "policy", setting->name);
            br_error_field(err, field, "must be an integer from %d to %d", setting->min,
                           setting->max);
            valid[i] = false;
            continue;
        }
        *(int *)((char *)policy + setting->offset) = (int)json_integer_value(value);
    }

    json_t *open = json_object_get(object, POLICY_OPEN_SERVICE);
    if (open != NULL &&
        (!json_is_string(open) ||
         open_service_policy_parse(json_string_value(open),
                                   &policy->open_service_past_projected_end) != 0)) {
        br_error_field(err, "policy." POLICY_OPEN_SERVICE, "must be one of %s, %s",
                       open_service_policy_name(OPEN_SERVICE_ENDS_AT_PROJECTED_END),
                       open_service_policy_name(OPEN_SERVICE_STAYS_OPEN));
    }

    /* RULES.md §5: the gap length window; checked only when both ends are themselves valid. */
    bool gap_bounds_valid = true;
    for (size_t i = 0; i < POLICY_SETTING_COUNT; i++) {
        if (policy_settings[i].offset == offsetof(struct policy, gap_min_days) ||
            policy_settings[i].offset == offsetof(struct policy, gap_max_days))
            gap_bounds_valid = gap_bounds_valid && valid[i];
    }
    if (gap_bounds_valid && policy->gap_max_days < policy->gap_min_days)
        br_error_field(err, "policy.gap_max_days", "must be at least gap_min_days (%d)",
                       policy->gap_min_days);
}

static void
read_version(json_t *root, struct br_error *err)
{
    json_t *value = require(root, "", "version", err);

    if (value != NULL &&
        (!json_is_integer(value) || json_integer_value(value) != CATALOG_FILE_VERSION))
        br_error_field(err, "version", "must be %d", CATALOG_FILE_VERSION);
}

int
catalog_file_load(const char *path, struct catalog *catalog, struct policy *policy,
                  struct br_error *err)
{
    struct br_error local;
    struct catalog loaded;
    struct policy settings;
    json_error_t json_err;
    json_t *root = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (err == NULL)
        err = &local;
    br_error_clear(err);
    memset(catalog, 0, sizeof(*catalog));
    memset(policy, 0, sizeof(*policy));
    memset(&loaded, 0, sizeof(loaded));

    rc = read_file(path, &text, &len, err);
    if (rc != 0)
        goto out;
    /* A duplicate key is a parse error: which of the two values was meant cannot be known. */
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &json_err);
    if (root == NULL) {
        rc = br_error_set(err, BR_EPARSE, "catalog file %s: line %d, column %d: %s", path,
                          json_err.line, json_err.column, json_err.text);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = br_error_set(err, BR_EPARSE, "catalog file %s: not a JSON object", path);
        goto out;
    }

    check_keys(root, "", root_keys, "is not a known field", err);
    read_version(root, err);
    read_programs(root, &loaded, err);
    read_services(root, &loaded, err);
    read_policy(root, &settings, err);
    if (br_error_field_count(err) > 0) {
        rc = br_error_set(err, BR_EINVAL, "catalog file %s: %zu invalid field(s)", path,
                          br_error_field_count(err));
        goto out;
    }

    catalog_index_codes(&loaded);
    *catalog = loaded;
    *policy = settings;
    memset(&loaded, 0, sizeof(loaded));
out:
    catalog_cleanup(&loaded);
    json_decref(root);
    free(text);
    return rc;
}

/* snprintf that leaves buf empty instead of holding a truncated path, which could name another
 * file.  Returns whether it fit. */
static bool
path_format(char *buf, size_t size, const char *first, const char *second)
{
    int n = snprintf(buf, size, "%s%s", first, second);
    if (n < 0 || (size_t)n >= size) {
        buf[0] = '\0';
        return false;
    }
    return true;
}

const char *
catalog_file_find(char *buf, size_t size)
{
    const char *env = getenv(CATALOG_FILE_ENV);
    char exe[PATH_MAX];
    ssize_t n;

    if (size == 0)
        return buf;
    if (env != NULL && env[0] != '\0') {
        path_format(buf, size, env, "");
        return buf;
    }
    /* Beside the binary first, so build/braid finds the repo's catalog from any directory. */
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0 && (size_t)n < sizeof(exe) - 1) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            if (path_format(buf, size, exe, CATALOG_FILE_BESIDE_EXE) && access(buf, F_OK) == 0)
                return buf;
        }
    }
    path_format(buf, size, CATALOG_FILE_DEFAULT, "");
    return buf;
}

json_t *
catalog_file_policy_json(const struct policy *policy)
{
    json_t *out = json_object();

    for (size_t i = 0; i < POLICY_SETTING_COUNT; i++)
        json_object_set_new(
            out, policy_settings[i].name,
            json_integer(*(const int *)((const char *)policy + policy_settings[i].offset)));
    const char *open = open_service_policy_name(policy->open_service_past_projected_end);
    json_object_set_new(out, POLICY_OPEN_SERVICE, json_string(open));
    return out;
}
