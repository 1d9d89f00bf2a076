/* bundle.c — reads a person bundle into a person_record and writes exit determinations as JSON.
 *
 * The item shapes are tables (bundle_field), so checking a field is one loop over data: every
 * unknown key, missing field, wrong type and unknown code is reported, each with its own path. */
#include "app/bundle.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"

/* At most this many bytes of a caller's text are echoed into a problem, which keeps every
 * problem within struct br_field_error (and a log line readable). */
#define BUNDLE_ECHO_MAX 40

/* Room for a date with a five-digit year: a computed day (L + 91 after 9999-10-01) can be one. */
#define BUNDLE_DATE_BUF 32

enum bundle_kind {
    BUNDLE_PROGRAM,      /* a program code, stored as its catalog index (int) */
    BUNDLE_SERVICE_CODE, /* a service code, stored as its catalog index (int) */
    BUNDLE_DATE,         /* "YYYY-MM-DD", stored as a day number (int32_t) */
    BUNDLE_GAP_REASON,   /* a gap reason name, stored as enum gap_reason */
};

struct bundle_field {
    const char *name;
    enum bundle_kind kind;
    bool required; /* optional fields may be absent or null */
    size_t offset; /* where the value goes in the item struct */
};

static const struct bundle_field enrollment_fields[] = {
    {"program", BUNDLE_PROGRAM, true, offsetof(struct enrollment, program)},
    {"eligibility_date", BUNDLE_DATE, true, offsetof(struct enrollment, eligibility_on)},
};

static const struct bundle_field service_fields[] = {
    {"program", BUNDLE_PROGRAM, true, offsetof(struct service, program)},
    {"code", BUNDLE_SERVICE_CODE, true, offsetof(struct service, code)},
    {"start_date", BUNDLE_DATE, true, offsetof(struct service, start_on)},
    {"end_date", BUNDLE_DATE, false, offsetof(struct service, end_on)},
    {"projected_end_date", BUNDLE_DATE, false, offsetof(struct service, projected_end_on)},
};

static const struct bundle_field gap_fields[] = {
    {"program", BUNDLE_PROGRAM, true, offsetof(struct planned_gap, program)},
    {"start_date", BUNDLE_DATE, true, offsetof(struct planned_gap, start_on)},
    {"planned_end_date", BUNDLE_DATE, true, offsetof(struct planned_gap, planned_end_on)},
    {"reason", BUNDLE_GAP_REASON, true, offsetof(struct planned_gap, reason)},
};

/* Room for any one item, whatever its section. */
union bundle_item {
    struct enrollment enrollment;
    struct service service;
    struct planned_gap gap;
};

struct bundle_section {
    const char *name;
    const struct bundle_field *fields;
    size_t n_fields;
    void (*add)(struct person_record *record, const union bundle_item *item);
};

static void
add_enrollment(struct person_record *record, const union bundle_item *item)
{
    person_record_add_enrollment(record, &item->enrollment);
}

static void
add_service(struct person_record *record, const union bundle_item *item)
{
    person_record_add_service(record, &item->service);
}

static void
add_gap(struct person_record *record, const union bundle_item *item)
{
    person_record_add_gap(record, &item->gap);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct bundle_section bundle_sections[] = {
    {"enrollments", enrollment_fields, COUNT(enrollment_fields), add_enrollment},
    {"services", service_fields, COUNT(service_fields), add_service},
    {"gaps", gap_fields, COUNT(gap_fields), add_gap},
};

/* Parts of the interchange bundle (ARCHITECTURE.md) that exit determination does not read: an
 * export line is accepted as it is, while a misspelt section is still reported. */
static const char *const bundle_other_sections[] = {"facts", "notes", "contacts", "outcomes"};

/* What one parse has found so far. */
struct bundle_reader {
    const struct catalog *catalog;
    struct br_error *err;
    size_t problems; /* counted even past BR_ERROR_MAX_FIELDS */
};

static void problem(struct bundle_reader *reader, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
problem(struct bundle_reader *reader, const char *field, const char *fmt, ...)
{
    char text[sizeof(((struct br_field_error *)0)->problem)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    reader->problems++;
    br_error_field(reader->err, field, "%s", text);
}

/* Copies at most BUNDLE_ECHO_MAX bytes of s into buf without cutting a UTF-8 sequence, so an
 * echoed value stays valid UTF-8 (jansson has checked s is).  Returns buf. */
static const char *
excerpt(const char *s, char *buf, size_t size)
{
    size_t n = strlen(s);

    if (n > BUNDLE_ECHO_MAX)
        n = BUNDLE_ECHO_MAX;
    if (n >= size)
        n = size - 1;
    if (n < strlen(s)) {
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

static bool
is_known_field(const struct bundle_section *section, const char *key)
{
    for (size_t i = 0; i < section->n_fields; i++) {
        if (strcmp(section->fields[i].name, key) == 0)
            return true;
    }
    return false;
}

static void
read_date(struct bundle_reader *reader, const char *path, const char *text, int32_t *out)
{
    char echo[BUNDLE_ECHO_MAX + 1];
    int rc = date_parse(text, out);

    if (rc == BR_EINVAL)
        problem(reader, path, "%s is not a date", excerpt(text, echo, sizeof(echo)));
    else if (rc != 0)
        problem(reader, path, "\"%s\" is not a date (YYYY-MM-DD)",
                excerpt(text, echo, sizeof(echo)));
    if (rc != 0)
        *out = DATE_NONE;
}

static void
read_reason(struct bundle_reader *reader, const char *path, const char *text,
            enum gap_reason *out)
{
    char echo[BUNDLE_ECHO_MAX + 1];
    char names[128] = "";
    size_t used = 0;

    if (gap_reason_parse(text, out) == 0)
        return;
    /* The list comes from the core's names, so a reason added there shows up here. */
    for (int r = GAP_TRAINING_DELAY; r <= GAP_TEMPORARY_MOVE; r++) {
        int n = snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "",
                         gap_reason_name((enum gap_reason)r));
        if (n < 0 || (size_t)n >= sizeof(names) - used)
            break;
        used += (size_t)n;
    }
    problem(reader, path, "unknown reason \"%s\"; must be one of %s",
            excerpt(text, echo, sizeof(echo)), names);
}

/* Reads one field's string value into the item, or reports why it cannot. */
static void
read_field(struct bundle_reader *reader, const char *path, const struct bundle_field *field,
           const char *text, union bundle_item *item)
{
    char echo[BUNDLE_ECHO_MAX + 1];
    char *slot = (char *)item + field->offset;
    int index;
    int32_t date;
    enum gap_reason reason;

    switch (field->kind) {
    case BUNDLE_PROGRAM:
        index = catalog_program_index(reader->catalog, text);
        if (index == CATALOG_NOT_FOUND)
            problem(reader, path, "unknown program \"%s\"", excerpt(text, echo, sizeof(echo)));
        memcpy(slot, &index, sizeof(index));
        break;
    case BUNDLE_SERVICE_CODE:
        index = catalog_service_index(reader->catalog, text);
        if (index == CATALOG_NOT_FOUND)
            problem(reader, path, "unknown service code \"%s\"",
                    excerpt(text, echo, sizeof(echo)));
        memcpy(slot, &index, sizeof(index));
        break;
    case BUNDLE_DATE:
        read_date(reader, path, text, &date);
        memcpy(slot, &date, sizeof(date));
        break;
    case BUNDLE_GAP_REASON:
        memcpy(&reason, slot, sizeof(reason));
        read_reason(reader, path, text, &reason);
        memcpy(slot, &reason, sizeof(reason));
        break;
    }
}

/* An item before its fields are read: no program, no code, no dates. */
static void
item_defaults(const struct bundle_section *section, union bundle_item *item)
{
    int none = CATALOG_NOT_FOUND;
    int32_t no_date = DATE_NONE;

    memset(item, 0, sizeof(*item));
    for (size_t i = 0; i < section->n_fields; i++) {
        const struct bundle_field *f = &section->fields[i];
        char *slot = (char *)item + f->offset;
        if (f->kind == BUNDLE_PROGRAM || f->kind == BUNDLE_SERVICE_CODE)
            memcpy(slot, &none, sizeof(none));
        else if (f->kind == BUNDLE_DATE)
            memcpy(slot, &no_date, sizeof(no_date));
    }
}

static void
read_item(struct bundle_reader *reader, const struct bundle_section *section, const char *prefix,
          json_t *object, union bundle_item *item)
{
    char path[sizeof(((struct br_field_error *)0)->field)];
    char echo[BUNDLE_ECHO_MAX + 1];
    const char *key;
    json_t *value;

    if (!json_is_object(object)) {
        problem(reader, prefix, "must be an object");
        return;
    }
    json_object_foreach(object, key, value) {
        if (!is_known_field(section, key)) {
            snprintf(path, sizeof(path), "%s.%s", prefix, excerpt(key, echo, sizeof(echo)));
            problem(reader, path, "is not a known field");
        }
    }
    for (size_t i = 0; i < section->n_fields; i++) {
        const struct bundle_field *f = &section->fields[i];
        snprintf(path, sizeof(path), "%s.%s", prefix, f->name);
        value = json_object_get(object, f->name);
        if (value == NULL || json_is_null(value)) {
            if (f->required)
                problem(reader, path, "is required");
        } else if (!json_is_string(value)) {
            problem(reader, path, "must be a string");
        } else {
            read_field(reader, path, f, json_string_value(value), item);
        }
    }
}

static void
read_section(struct bundle_reader *reader, const struct bundle_section *section, json_t *root,
             struct person_record *record)
{
    char prefix[64];
    json_t *array = json_object_get(root, section->name);
    union bundle_item item;

    if (array == NULL)
        return;
    if (!json_is_array(array)) {
        problem(reader, section->name, "must be an array");
        return;
    }
    if (json_array_size(array) > BUNDLE_MAX_ITEMS) {
        problem(reader, section->name, "has %zu items; at most %d are allowed",
                json_array_size(array), BUNDLE_MAX_ITEMS);
        return;
    }
    for (size_t i = 0; i < json_array_size(array); i++) {
        snprintf(prefix, sizeof(prefix), "%s[%zu]", section->name, i);
        item_defaults(section, &item);
        read_item(reader, section, prefix, json_array_get(array, i), &item);
        /* Added even when bad, so record indexes keep matching the input's paths. */
        section->add(record, &item);
    }
}

static bool
is_known_section(const char *key)
{
    if (strcmp(key, "id") == 0)
        return true;
    for (size_t i = 0; i < COUNT(bundle_sections); i++) {
        if (strcmp(bundle_sections[i].name, key) == 0)
            return true;
    }
    for (size_t i = 0; i < COUNT(bundle_other_sections); i++) {
        if (strcmp(bundle_other_sections[i], key) == 0)
            return true;
    }
    return false;
}

/* Checks "id" and returns it (a new reference) when it can be echoed, else JSON null. */
static json_t *
read_id(struct bundle_reader *reader, json_t *root)
{
    json_t *value = json_object_get(root, "id");

    if (value == NULL || json_is_null(value)) {
        problem(reader, "id", "is required");
        return json_null();
    }
    if (json_is_string(value)) {
        if (json_string_length(value) == 0)
            problem(reader, "id", "must not be empty");
        return json_incref(value);
    }
    if (json_is_integer(value))
        return json_incref(value);
    problem(reader, "id", "must be a string or an integer");
    return json_null();
}

static const char *
value_type_name(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

int
bundle_parse(const struct catalog *catalog, const struct policy *policy, const char *text,
             size_t len, struct person_record *record, json_t **id, struct br_error *err)
{
    struct bundle_reader reader = {.catalog = catalog, .err = err, .problems = 0};
    char path[sizeof(((struct br_field_error *)0)->field)];
    char echo[BUNDLE_ECHO_MAX + 1];
    json_error_t jerr;
    json_t *root = NULL;
    json_t *found_id = json_null();
    const char *key;
    json_t *value;
    int rc = 0;

    person_record_reset(record);
    br_error_clear(err);
    root = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        rc = br_error_set(err, BR_EPARSE, "not valid JSON at column %d: %s", jerr.column,
                          jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = br_error_set(err, BR_EPARSE, "a person bundle must be a JSON object, not %s",
                          value_type_name(root));
        goto out;
    }
    found_id = read_id(&reader, root);
    json_object_foreach(root, key, value) {
        if (!is_known_section(key)) {
            excerpt(key, echo, sizeof(echo));
            snprintf(path, sizeof(path), "%s", echo);
            problem(&reader, path, "is not a known field");
        }
    }
    for (size_t i = 0; i < COUNT(bundle_sections); i++)
        read_section(&reader, &bundle_sections[i], root, record);
    if (reader.problems > 0) {
        rc = br_error_set(err, BR_EINVAL, "the person bundle has %zu invalid field%s",
                          reader.problems, reader.problems == 1 ? "" : "s");
        goto out;
    }
    rc = record_validate(catalog, policy, record, err);
    if (rc != 0 && err != NULL && err->message[0] == '\0')
        br_error_set(err, rc, "the person's record breaks %zu rule%s", err->n_fields,
                     err->n_fields == 1 ? "" : "s");
out:
    if (id != NULL)
        *id = found_id;
    else
        json_decref(found_id);
    json_decref(root);
    return rc;
}

/* A JSON string of s.  Text built from truncated buffers may end in a cut UTF-8 sequence, which
 * json_string() refuses; then every non-ASCII byte becomes '?', so output is never lost. */
static json_t *
text_value(const char *s)
{
    json_t *value;
    char *copy;

    if (s == NULL)
        return json_null();
    value = json_string(s);
    if (value != NULL)
        return value;
    copy = xstrdup(s);
    for (char *p = copy; *p != '\0'; p++) {
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    }
    value = json_string(copy);
    free(copy);
    return value != NULL ? value : json_null();
}

static json_t *
date_value(int32_t date)
{
    char buf[BUNDLE_DATE_BUF];
    int year, month, day;

    if (date == DATE_NONE)
        return json_null();
    date_to_ymd(date, &year, &month, &day);
    /* date_format() writes at most DATE_TEXT_SIZE bytes, which would cut a computed day past
     * 9999-12-31 ("10000-03-3"); such a day is written whole instead. */
    if (year > DATE_MAX_YEAR) {
        snprintf(buf, sizeof(buf), "%d-%02d-%02d", year, month, day);
        return text_value(buf);
    }
    return text_value(date_format(date, buf));
}

static json_t *
program_value(const struct catalog *catalog, int program)
{
    if (program < 0 || (size_t)program >= catalog->n_programs)
        return json_null();
    return text_value(catalog->programs[program].code);
}

static json_t *
service_code_value(const struct catalog *catalog, int code)
{
    if (code < 0 || (size_t)code >= catalog->n_services)
        return json_null();
    return text_value(catalog->services[code].code);
}

/* A count where -1 means "not known". */
static json_t *
count_value(int32_t n)
{
    return n < 0 ? json_null() : json_integer(n);
}

static const struct service *
record_service(const struct person_record *record, int index)
{
    if (index < 0 || (size_t)index >= record->n_services)
        return NULL;
    return &record->services[index];
}

static json_t *
last_service_value(const struct catalog *catalog, const struct person_record *record, int index)
{
    const struct service *s = record_service(record, index);
    json_t *out;

    if (s == NULL)
        return json_null();
    out = json_object();
    json_object_set_new(out, "program", program_value(catalog, s->program));
    json_object_set_new(out, "code", service_code_value(catalog, s->code));
    json_object_set_new(out, "start_date", date_value(s->start_on));
    json_object_set_new(out, "end_date", date_value(s->end_on));
    return out;
}

static json_t *
explanation_value(const struct catalog *catalog, const struct person_record *record,
                  const struct exit_result *result, const struct exit_period *period)
{
    char small[1024];
    size_t want = exit_explain(catalog, record, result, period, small, sizeof(small));
    char *big;
    json_t *value;

    if (want < sizeof(small))
        return text_value(small);
    big = xmalloc(want + 1);
    exit_explain(catalog, record, result, period, big, want + 1);
    value = text_value(big);
    free(big);
    return value;
}

static json_t *
period_value(const struct catalog *catalog, const struct person_record *record,
             const struct exit_result *result, const struct exit_period *p)
{
    json_t *out = json_object();
    const char *held_by = exit_hold_name(p->held_by);

    json_object_set_new(out, "program", program_value(catalog, p->program));
    json_object_set_new(out, "period", p->period > 0 ? json_integer(p->period) : json_null());
    json_object_set_new(out, "entry_date", date_value(p->entry_on));
    json_object_set_new(out, "status", text_value(exit_status_name(p->status)));
    json_object_set_new(out, "exit_date", date_value(p->exit_on));
    json_object_set_new(out, "last_service_date", date_value(p->last_service_on));
    json_object_set_new(out, "held_by", held_by ? text_value(held_by) : json_null());
    json_object_set_new(out, "soft_exit_on", date_value(p->soft_exit_on));
    json_object_set_new(out, "days_remaining", count_value(p->days_remaining));
    json_object_set_new(out, "days_without_service", count_value(p->days_without_service));
    json_object_set_new(out, "last_service", last_service_value(catalog, record, p->last_service));
    json_object_set_new(out, "explanation", explanation_value(catalog, record, result, p));
    return out;
}

static json_t *
stale_value(const struct catalog *catalog, const struct person_record *record, int index)
{
    const struct service *s = record_service(record, index);
    json_t *out = json_object();

    json_object_set_new(out, "index", json_integer(index));
    json_object_set_new(out, "program", s ? program_value(catalog, s->program) : json_null());
    json_object_set_new(out, "code", s ? service_code_value(catalog, s->code) : json_null());
    json_object_set_new(out, "start_date", date_value(s ? s->start_on : DATE_NONE));
    json_object_set_new(out, "projected_end_date",
                        date_value(s ? s->projected_end_on : DATE_NONE));
    return out;
}

json_t *
bundle_encode_exits(const struct catalog *catalog, const struct person_record *record,
                    const struct exit_result *result, json_t *id)
{
    json_t *out = json_object();
    json_t *periods = json_array();
    json_t *stale = json_array();

    json_object_set(out, "id", id != NULL ? id : json_null());
    json_object_set_new(out, "as_of", date_value(result->as_of));
    for (size_t i = 0; i < result->n_periods; i++)
        json_array_append_new(periods, period_value(catalog, record, result, &result->periods[i]));
    json_object_set_new(out, "periods", periods);
    for (size_t i = 0; i < result->n_stale; i++)
        json_array_append_new(stale, stale_value(catalog, record, result->stale_services[i]));
    json_object_set_new(out, "stale_open_services", stale);
    return out;
}

json_t *
bundle_encode_error(json_t *id, long line, const struct br_error *err)
{
    json_t *out = json_object();
    json_t *error = json_object();
    json_t *fields = json_array();
    enum br_code code = err != NULL ? err->code : BR_EINVAL;

    json_object_set(out, "id", id != NULL ? id : json_null());
    json_object_set_new(out, "line", json_integer(line));
    json_object_set_new(error, "code", text_value(br_code_name(code)));
    json_object_set_new(error, "message", text_value(err != NULL ? err->message : ""));
    for (size_t i = 0; err != NULL && i < err->n_fields && i < BR_ERROR_MAX_FIELDS; i++) {
        json_t *field = json_object();
        json_object_set_new(field, "field", text_value(err->fields[i].field));
        json_object_set_new(field, "problem", text_value(err->fields[i].problem));
        json_array_append_new(fields, field);
    }
    json_object_set_new(error, "fields", fields);
    json_object_set_new(out, "error", error);
    return out;
}

json_t *
bundle_person_id(const struct stored_person *person)
{
    if (person->external_id[0] != '\0')
        return json_string(person->external_id);
    char id[32];
    snprintf(id, sizeof(id), "P%lld", (long long)person->id);
    return json_string(id);
}
