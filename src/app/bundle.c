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
#include <strings.h>

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
static const char *const bundle_other_sections[] = {"person", "facts", "notes", "contacts",
                                                    "outcomes"};

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

/* ---- the person, notes and contacts (import) ------------------------------------------------ */

enum person_kind {
    PERSON_TEXT,     /* a string of at most size - 1 bytes */
    PERSON_DATE,     /* "YYYY-MM-DD" into an int32_t */
    PERSON_SEX,      /* enum sex by name */
    PERSON_LAST4,    /* exactly four digits */
    PERSON_TRISTATE, /* enum tristate: true / false / unknown */
    PERSON_DW,       /* enum dw_category by name */
};

struct person_field {
    const char *name;
    enum person_kind kind;
    size_t offset; /* in struct person_facts */
    size_t size;   /* of a PERSON_TEXT or PERSON_LAST4 buffer */
    bool optional; /* a PERSON_TEXT that is null rather than "" when not known */
};

#define PERSON_AT(field) offsetof(struct person_facts, field)
#define PERSON_TRI(field) {#field, PERSON_TRISTATE, PERSON_AT(field), 0, false}

/* Every field of struct person_facts, in the order export writes them. */
static const struct person_field person_fields[] = {
    {"first_name", PERSON_TEXT, PERSON_AT(first_name), PERSON_NAME_SIZE, false},
    {"last_name", PERSON_TEXT, PERSON_AT(last_name), PERSON_NAME_SIZE, false},
    {"birth_date", PERSON_DATE, PERSON_AT(birth_on), 0, false},
    {"sex", PERSON_SEX, PERSON_AT(sex), 0, false},
    {"ssn_last4", PERSON_LAST4, PERSON_AT(ssn_last4),
     sizeof(((struct person_facts *)0)->ssn_last4), false},
    PERSON_TRI(authorized_to_work),
    PERSON_TRI(selective_service),
    PERSON_TRI(veteran),
    PERSON_TRI(eligible_spouse),
    PERSON_TRI(low_income),
    PERSON_TRI(public_assistance),
    PERSON_TRI(basic_skills_deficient),
    PERSON_TRI(english_learner),
    PERSON_TRI(disability),
    PERSON_TRI(offender),
    PERSON_TRI(homeless),
    PERSON_TRI(foster_youth),
    PERSON_TRI(pregnant_or_parenting),
    PERSON_TRI(attending_school),
    PERSON_TRI(has_diploma),
    PERSON_TRI(needs_additional_assistance),
    {"dw_category", PERSON_DW, PERSON_AT(dw_category), 0, false},
    {"taa_petition", PERSON_TEXT, PERSON_AT(taa_petition),
     sizeof(((struct person_facts *)0)->taa_petition), true},
};

/* Input only: the full SSN goes to the importer, which stores it sealed, never in the facts. */
#define PERSON_SSN_FIELD "ssn"

static const char *const sex_names[] = {
    [SEX_UNKNOWN] = "unknown",
    [SEX_FEMALE] = "female",
    [SEX_MALE] = "male",
    [SEX_OTHER] = "other",
};

/* The names the store uses too (people.facts); DW_NONE is written as null. */
static const char *const dw_names[] = {
    [DW_NONE] = NULL,
    [DW_LAID_OFF] = "laid_off",
    [DW_PLANT_CLOSURE] = "plant_closure",
    [DW_SELF_EMPLOYED] = "self_employed",
    [DW_DISPLACED_HOMEMAKER] = "displaced_homemaker",
    [DW_MILITARY_SPOUSE] = "military_spouse",
    [DW_SEPARATING_SERVICE_MEMBER] = "separating_service_member",
};

/* contacts.method, indexed by enum contact_method (as the store names them). */
static const char *const contact_method_names[] = {
    [CONTACT_PHONE] = "phone",
    [CONTACT_LETTER] = "letter",
    [CONTACT_EMAIL] = "email",
    [CONTACT_HOME_VISIT] = "home_visit",
    [CONTACT_IN_PERSON] = "in_person",
    [CONTACT_OTHER_AGENCY] = "other_agency",
    [CONTACT_OTHER] = "other",
};

/* Index of name among names (NULL entries never match), or -1. */
static int
name_lookup(const char *const *names, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (names[i] != NULL && strcmp(names[i], name) == 0)
            return (int)i;
    }
    return -1;
}

/* "a, b or c" of the non-NULL names, for a problem that lists what is allowed. */
static const char *
names_list(const char *const *names, size_t count, char *buf, size_t size)
{
    size_t used = 0, left = 0, seen = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < count; i++)
        left += names[i] != NULL;
    for (size_t i = 0; i < count; i++) {
        if (names[i] == NULL)
            continue;
        seen++;
        const char *sep = seen == 1 ? "" : seen == left ? " or " : ", ";
        int n = snprintf(buf + used, size - used, "%s%s", sep, names[i]);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

static const struct person_field *
person_field_find(const char *name)
{
    for (size_t i = 0; i < COUNT(person_fields); i++) {
        if (strcmp(person_fields[i].name, name) == 0)
            return &person_fields[i];
    }
    return NULL;
}

/* A yes/no fact as a CSV cell writes it; -1 when it is none of the accepted words. */
static int
tristate_from_text(const char *text)
{
    static const char *const yes[] = {"true", "yes", "y", "1"};
    static const char *const no[] = {"false", "no", "n", "0"};

    for (size_t i = 0; i < COUNT(yes); i++) {
        if (strcasecmp(text, yes[i]) == 0)
            return FACT_YES;
        if (strcasecmp(text, no[i]) == 0)
            return FACT_NO;
    }
    return -1;
}

/* Sets one person field from a string value.  from_csv: the text is a CSV cell, where "" means
 * unknown and yes/no facts are words; in JSON they are booleans and null. */
static void
person_set_text(struct bundle_reader *reader, const char *path, const struct person_field *f,
                const char *text, bool from_csv, struct person_facts *facts)
{
    char echo[BUNDLE_ECHO_MAX + 1];
    char names[160];
    char *slot = (char *)facts + f->offset;
    size_t len = strlen(text);
    int32_t date;
    int value;

    if (from_csv && len == 0 && f->kind != PERSON_TEXT)
        return;
    switch (f->kind) {
    case PERSON_TEXT:
        if (len >= f->size) {
            problem(reader, path, "is %zu bytes long; at most %zu are allowed", len, f->size - 1);
            return;
        }
        memcpy(slot, text, len + 1);
        break;
    case PERSON_DATE:
        read_date(reader, path, text, &date);
        memcpy(slot, &date, sizeof(date));
        break;
    case PERSON_SEX:
        value = name_lookup(sex_names, COUNT(sex_names), text);
        if (value < 0) {
            problem(reader, path, "unknown sex \"%s\"; must be %s",
                    excerpt(text, echo, sizeof(echo)),
                    names_list(sex_names, COUNT(sex_names), names, sizeof(names)));
            return;
        }
        facts->sex = (enum sex)value;
        break;
    case PERSON_LAST4:
        if (len != 4 || strspn(text, "0123456789") != 4) {
            problem(reader, path, "must be the last four digits of the SSN");
            return;
        }
        memcpy(slot, text, 5);
        break;
    case PERSON_TRISTATE:
        value = from_csv ? tristate_from_text(text) : -1;
        if (value < 0) {
            problem(reader, path, from_csv ? "\"%s\" is not yes/no (true, false, yes, no, y, n, "
                                             "1, 0, or empty when unknown)"
                                           : "must be true, false or null (not \"%s\")",
                    excerpt(text, echo, sizeof(echo)));
            return;
        }
        memcpy(slot, &(enum tristate){(enum tristate)value}, sizeof(enum tristate));
        break;
    case PERSON_DW:
        value = name_lookup(dw_names, COUNT(dw_names), text);
        if (value < 0) {
            problem(reader, path, "unknown dislocated-worker category \"%s\"; must be %s",
                    excerpt(text, echo, sizeof(echo)),
                    names_list(dw_names, COUNT(dw_names), names, sizeof(names)));
            return;
        }
        facts->dw_category = (enum dw_category)value;
        break;
    }
}

bool
bundle_person_field_known(const char *name)
{
    return strcmp(name, PERSON_SSN_FIELD) == 0 || person_field_find(name) != NULL;
}

int
bundle_person_field_set(struct person_facts *facts, const char *name, const char *text,
                        const char *path, struct br_error *err)
{
    struct bundle_reader reader = {.catalog = NULL, .err = err, .problems = 0};
    const struct person_field *f = person_field_find(name);

    if (f == NULL) {
        problem(&reader, path, "is not a field of a person");
        return BR_EINVAL;
    }
    person_set_text(&reader, path, f, text, true, facts);
    return reader.problems > 0 ? BR_EINVAL : 0;
}

void
bundle_extras_init(struct bundle_extras *extras)
{
    memset(extras, 0, sizeof(*extras));
    extras->facts.birth_on = DATE_NONE;
}

void
bundle_extras_reset(struct bundle_extras *extras)
{
    for (size_t i = 0; i < extras->n_notes; i++)
        free(extras->notes[i].body);
    extras->n_notes = 0;
    extras->n_contacts = 0;
    extras->has_person = false;
    memset(&extras->facts, 0, sizeof(extras->facts));
    extras->facts.birth_on = DATE_NONE;
    extras->ssn[0] = '\0';
}

void
bundle_extras_cleanup(struct bundle_extras *extras)
{
    bundle_extras_reset(extras);
    free(extras->notes);
    free(extras->contacts);
    memset(extras, 0, sizeof(*extras));
}

static void
read_person(struct bundle_reader *reader, json_t *root, struct bundle_extras *extras)
{
    char path[sizeof(((struct br_field_error *)0)->field)];
    char echo[BUNDLE_ECHO_MAX + 1];
    json_t *object = json_object_get(root, "person");
    const char *key;
    json_t *value;

    if (object == NULL || json_is_null(object))
        return;
    if (!json_is_object(object)) {
        problem(reader, "person", "must be an object");
        return;
    }
    extras->has_person = true;
    json_object_foreach(object, key, value) {
        const struct person_field *f = person_field_find(key);
        snprintf(path, sizeof(path), "person.%s", excerpt(key, echo, sizeof(echo)));
        if (strcmp(key, PERSON_SSN_FIELD) == 0) {
            /* Never echoed: the problem names the field, not the number. */
            if (json_is_null(value))
                continue;
            if (!json_is_string(value) || json_string_length(value) >= sizeof(extras->ssn))
                problem(reader, path, "must be an SSN as 123-45-6789 or 123456789");
            else
                memcpy(extras->ssn, json_string_value(value), json_string_length(value) + 1);
            continue;
        }
        if (f == NULL) {
            problem(reader, path, "is not a known field");
            continue;
        }
        if (json_is_null(value))
            continue;
        if (f->kind == PERSON_TRISTATE) {
            if (json_is_boolean(value))
                memcpy((char *)&extras->facts + f->offset,
                       &(enum tristate){json_is_true(value) ? FACT_YES : FACT_NO},
                       sizeof(enum tristate));
            else
                problem(reader, path, "must be true, false or null");
            continue;
        }
        if (!json_is_string(value)) {
            problem(reader, path, "must be a string or null");
            continue;
        }
        if (strlen(json_string_value(value)) != json_string_length(value)) {
            problem(reader, path, "must not contain a NUL character");
            continue;
        }
        person_set_text(reader, path, f, json_string_value(value), false, &extras->facts);
    }
}

/* Checks that object (an item at prefix) has only the keys in known. */
static void
check_keys(struct bundle_reader *reader, const char *prefix, json_t *object,
           const char *const *known, size_t n_known)
{
    char path[sizeof(((struct br_field_error *)0)->field)];
    char echo[BUNDLE_ECHO_MAX + 1];
    const char *key;
    json_t *value;

    json_object_foreach(object, key, value) {
        if (name_lookup(known, n_known, key) < 0) {
            snprintf(path, sizeof(path), "%s.%s", prefix, excerpt(key, echo, sizeof(echo)));
            problem(reader, path, "is not a known field");
        }
    }
}

/* The value of key in object, or NULL when absent or null (reporting it when required). */
static json_t *
item_value(struct bundle_reader *reader, const char *prefix, json_t *object, const char *key,
           bool required, char *path, size_t size)
{
    json_t *value = json_object_get(object, key);

    snprintf(path, size, "%s.%s", prefix, key);
    if (value == NULL || json_is_null(value)) {
        if (required)
            problem(reader, path, "is required");
        return NULL;
    }
    return value;
}

static int32_t
item_date(struct bundle_reader *reader, const char *prefix, json_t *object, const char *key)
{
    char path[sizeof(((struct br_field_error *)0)->field)];
    json_t *value = item_value(reader, prefix, object, key, true, path, sizeof(path));
    int32_t date = DATE_NONE;

    if (value == NULL)
        return DATE_NONE;
    if (!json_is_string(value))
        problem(reader, path, "must be a string");
    else
        read_date(reader, path, json_string_value(value), &date);
    return date;
}

static bool
item_bool(struct bundle_reader *reader, const char *prefix, json_t *object, const char *key)
{
    char path[sizeof(((struct br_field_error *)0)->field)];
    json_t *value = item_value(reader, prefix, object, key, false, path, sizeof(path));

    if (value == NULL)
        return false;
    if (!json_is_boolean(value))
        problem(reader, path, "must be true or false");
    return json_is_true(value);
}

/* A string of at most max bytes without NUL characters, or NULL (reported when wrong). */
static const char *
item_text(struct bundle_reader *reader, const char *prefix, json_t *object, const char *key,
          bool required, size_t max)
{
    char path[sizeof(((struct br_field_error *)0)->field)];
    json_t *value = item_value(reader, prefix, object, key, required, path, sizeof(path));

    if (value == NULL)
        return NULL;
    if (!json_is_string(value)) {
        problem(reader, path, "must be a string");
        return NULL;
    }
    if (json_string_length(value) > max) {
        problem(reader, path, "is %zu bytes long; at most %zu are allowed",
                json_string_length(value), max);
        return NULL;
    }
    if (strlen(json_string_value(value)) != json_string_length(value)) {
        problem(reader, path, "must not contain a NUL character");
        return NULL;
    }
    if (required && json_string_length(value) == 0) {
        problem(reader, path, "must not be empty");
        return NULL;
    }
    return json_string_value(value);
}

/* The array at key of root, or NULL when absent or null (or reported when not an array). */
static json_t *
extras_array(struct bundle_reader *reader, json_t *root, const char *key)
{
    json_t *array = json_object_get(root, key);

    if (array == NULL || json_is_null(array))
        return NULL;
    if (!json_is_array(array)) {
        problem(reader, key, "must be an array");
        return NULL;
    }
    if (json_array_size(array) > BUNDLE_MAX_ITEMS) {
        problem(reader, key, "has %zu items; at most %d are allowed", json_array_size(array),
                BUNDLE_MAX_ITEMS);
        return NULL;
    }
    return array;
}

static void
read_notes(struct bundle_reader *reader, json_t *root, size_t n_services,
           struct bundle_extras *extras)
{
    static const char *const known[] = {"service", "written_on", "body", "confidential"};
    char prefix[64];
    char path[sizeof(((struct br_field_error *)0)->field)];
    json_t *array = extras_array(reader, root, "notes");

    for (size_t i = 0; array != NULL && i < json_array_size(array); i++) {
        json_t *object = json_array_get(array, i);
        struct bundle_note note = {.service = -1, .written_on = DATE_NONE};

        snprintf(prefix, sizeof(prefix), "notes[%zu]", i);
        if (!json_is_object(object)) {
            problem(reader, prefix, "must be an object");
            continue;
        }
        check_keys(reader, prefix, object, known, COUNT(known));
        json_t *service = item_value(reader, prefix, object, "service", false, path,
                                     sizeof(path));
        if (service != NULL && !json_is_integer(service)) {
            problem(reader, path, "must be the index of a service in \"services\", or null");
        } else if (service != NULL) {
            json_int_t index = json_integer_value(service);
            if (index < 0 || (size_t)index >= n_services)
                problem(reader, path, "is %lld, but the bundle has %zu service%s",
                        (long long)index, n_services, n_services == 1 ? "" : "s");
            else
                note.service = (int)index;
        }
        note.written_on = item_date(reader, prefix, object, "written_on");
        note.confidential = item_bool(reader, prefix, object, "confidential");
        const char *body = item_text(reader, prefix, object, "body", true, BUNDLE_NOTE_MAX);
        if (body == NULL)
            continue;
        note.body = xstrdup(body);
        xgrow(&extras->notes, &extras->cap_notes, extras->n_notes + 1, sizeof(*extras->notes));
        extras->notes[extras->n_notes++] = note;
    }
}

static void
read_contacts(struct bundle_reader *reader, json_t *root, struct bundle_extras *extras)
{
    static const char *const known[] = {"contacted_on", "method", "responded", "outcome"};
    char prefix[64];
    char path[sizeof(((struct br_field_error *)0)->field)];
    char echo[BUNDLE_ECHO_MAX + 1];
    char names[160];
    json_t *array = extras_array(reader, root, "contacts");

    for (size_t i = 0; array != NULL && i < json_array_size(array); i++) {
        json_t *object = json_array_get(array, i);
        struct contact contact;

        memset(&contact, 0, sizeof(contact));
        snprintf(prefix, sizeof(prefix), "contacts[%zu]", i);
        if (!json_is_object(object)) {
            problem(reader, prefix, "must be an object");
            continue;
        }
        check_keys(reader, prefix, object, known, COUNT(known));
        contact.contacted_on = item_date(reader, prefix, object, "contacted_on");
        const char *method = item_text(reader, prefix, object, "method", true, 64);
        if (method != NULL) {
            int m = name_lookup(contact_method_names, COUNT(contact_method_names), method);
            snprintf(path, sizeof(path), "%s.method", prefix);
            if (m < 0)
                problem(reader, path, "unknown method \"%s\"; must be %s",
                        excerpt(method, echo, sizeof(echo)),
                        names_list(contact_method_names, COUNT(contact_method_names), names,
                                   sizeof(names)));
            else
                contact.method = (enum contact_method)m;
        }
        contact.responded = item_bool(reader, prefix, object, "responded");
        const char *outcome = item_text(reader, prefix, object, "outcome", false,
                                        sizeof(contact.outcome) - 1);
        if (outcome != NULL)
            memcpy(contact.outcome, outcome, strlen(outcome) + 1);
        xgrow(&extras->contacts, &extras->cap_contacts, extras->n_contacts + 1,
              sizeof(*extras->contacts));
        extras->contacts[extras->n_contacts++] = contact;
    }
}

/* Sections an import cannot keep: refused when they hold anything, so nothing is dropped. */
static void
refuse_unkept(struct bundle_reader *reader, json_t *root)
{
    json_t *facts = json_object_get(root, "facts");
    json_t *outcomes = json_object_get(root, "outcomes");

    if (facts != NULL && !json_is_null(facts))
        problem(reader, "facts", "is not imported; the person's facts go in \"person\"");
    if (outcomes != NULL && !json_is_null(outcomes) &&
        !(json_is_array(outcomes) && json_array_size(outcomes) == 0))
        problem(reader, "outcomes", "cannot be imported yet; remove it (or make it [])");
}

static void
read_extras(struct bundle_reader *reader, json_t *root, struct bundle_extras *extras)
{
    json_t *services = json_object_get(root, "services");
    size_t n_services = json_is_array(services) ? json_array_size(services) : 0;

    read_person(reader, root, extras);
    read_notes(reader, root, n_services, extras);
    read_contacts(reader, root, extras);
    refuse_unkept(reader, root);
}

int
bundle_parse(const struct catalog *catalog, const struct policy *policy, const char *text,
             size_t len, struct person_record *record, json_t **id, struct br_error *err)
{
    return bundle_parse_full(catalog, policy, text, len, record, NULL, id, err);
}

int
bundle_parse_full(const struct catalog *catalog, const struct policy *policy, const char *text,
                  size_t len, struct person_record *record, struct bundle_extras *extras,
                  json_t **id, struct br_error *err)
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
    if (extras != NULL)
        bundle_extras_reset(extras);
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
    if (extras != NULL)
        read_extras(&reader, root, extras);
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
    /* Only a stored person's determination has them (RULES.md §4 "Manual exit"). */
    if (p->manual)
        json_object_set_new(out, "manual_exit",
                            json_pack("{s:o, s:o}", "determined_on", date_value(p->manual_on),
                                      "reason", p->manual_reason[0] != '\0'
                                                    ? text_value(p->manual_reason)
                                                    : json_null()));
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

/* ---- export ------------------------------------------------------------------------------- */

static json_t *
person_value(const struct person_facts *facts)
{
    json_t *out = json_object();

    for (size_t i = 0; i < COUNT(person_fields); i++) {
        const struct person_field *f = &person_fields[i];
        const char *slot = (const char *)facts + f->offset;
        json_t *value = NULL;
        enum tristate fact;
        int32_t date;

        switch (f->kind) {
        case PERSON_TEXT:
            value = f->optional && slot[0] == '\0' ? json_null() : text_value(slot);
            break;
        case PERSON_LAST4:
            value = slot[0] != '\0' ? text_value(slot) : json_null();
            break;
        case PERSON_DATE:
            memcpy(&date, slot, sizeof(date));
            value = date_value(date);
            break;
        case PERSON_SEX:
            value = (size_t)facts->sex < COUNT(sex_names) ? text_value(sex_names[facts->sex])
                                                           : json_null();
            break;
        case PERSON_TRISTATE:
            memcpy(&fact, slot, sizeof(fact));
            value = fact == FACT_UNKNOWN ? json_null() : json_boolean(fact == FACT_YES);
            break;
        case PERSON_DW:
            value = (size_t)facts->dw_category < COUNT(dw_names) &&
                            dw_names[facts->dw_category] != NULL
                        ? text_value(dw_names[facts->dw_category])
                        : json_null();
            break;
        }
        json_object_set_new(out, f->name, value);
    }
    return out;
}

/* The index in record->services of the service with this store id, or -1. */
static int
service_index(const struct person_record *record, int64_t service_id)
{
    for (size_t i = 0; service_id != 0 && i < record->n_services; i++) {
        if (record->services[i].id == service_id)
            return (int)i;
    }
    return -1;
}

json_t *
bundle_encode_person(const struct catalog *catalog, const struct stored_person *person,
                     const struct person_record *record, const struct case_note *notes,
                     size_t n_notes, const struct contact *contacts, size_t n_contacts)
{
    json_t *out = json_object();
    json_t *array;

    json_t *id = bundle_person_id(person);
    json_object_set_new(out, "id", id != NULL ? id : json_null());
    json_object_set_new(out, "person", person_value(&person->facts));

    array = json_array();
    for (size_t i = 0; i < record->n_enrollments; i++) {
        const struct enrollment *e = &record->enrollments[i];
        json_t *item = json_object();
        json_object_set_new(item, "program", program_value(catalog, e->program));
        json_object_set_new(item, "eligibility_date", date_value(e->eligibility_on));
        json_array_append_new(array, item);
    }
    json_object_set_new(out, "enrollments", array);

    array = json_array();
    for (size_t i = 0; i < record->n_services; i++) {
        const struct service *s = &record->services[i];
        json_t *item = json_object();
        json_object_set_new(item, "program", program_value(catalog, s->program));
        json_object_set_new(item, "code", service_code_value(catalog, s->code));
        json_object_set_new(item, "start_date", date_value(s->start_on));
        json_object_set_new(item, "end_date", date_value(s->end_on));
        json_object_set_new(item, "projected_end_date", date_value(s->projected_end_on));
        json_array_append_new(array, item);
    }
    json_object_set_new(out, "services", array);

    array = json_array();
    for (size_t i = 0; i < record->n_gaps; i++) {
        const struct planned_gap *g = &record->gaps[i];
        json_t *item = json_object();
        json_object_set_new(item, "program", program_value(catalog, g->program));
        json_object_set_new(item, "start_date", date_value(g->start_on));
        json_object_set_new(item, "planned_end_date", date_value(g->planned_end_on));
        json_object_set_new(item, "reason", text_value(gap_reason_name(g->reason)));
        json_array_append_new(array, item);
    }
    json_object_set_new(out, "gaps", array);

    array = json_array();
    for (size_t i = 0; i < n_notes; i++) {
        const struct case_note *n = &notes[i];
        int index = service_index(record, n->service_id);
        json_t *item = json_object();
        json_object_set_new(item, "service", index >= 0 ? json_integer(index) : json_null());
        json_object_set_new(item, "written_on", date_value(n->written_on));
        json_object_set_new(item, "body", text_value(n->body != NULL ? n->body : ""));
        json_object_set_new(item, "confidential", json_boolean(n->confidential));
        json_array_append_new(array, item);
    }
    json_object_set_new(out, "notes", array);

    array = json_array();
    for (size_t i = 0; i < n_contacts; i++) {
        const struct contact *c = &contacts[i];
        json_t *item = json_object();
        json_object_set_new(item, "contacted_on", date_value(c->contacted_on));
        json_object_set_new(item, "method",
                            (size_t)c->method < COUNT(contact_method_names)
                                ? text_value(contact_method_names[c->method])
                                : json_null());
        json_object_set_new(item, "responded", json_boolean(c->responded));
        json_object_set_new(item, "outcome", text_value(c->outcome));
        json_array_append_new(array, item);
    }
    json_object_set_new(out, "contacts", array);
    return out;
}
