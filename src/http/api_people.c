/* api_people.c — /api/v1/people: register, search, read, change, and the exit determination.
 *
 * A person travels with the field names of the person bundle's "person" object (bundle.h), plus
 * "id" (the number in the URL), "bundle_id" (the id export and `braid exits` print) and
 * "version" (also the ETag).  Input is read by the bundle's own parser, so the API, import and
 * export agree on every field; the SSN goes in as "ssn" and comes out only as "ssn_last4". */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/bundle.h"
#include "app/people.h"
#include "core/date.h"
#include "core/mem.h"
#include "http/api_body.h"
#include "http/errors.h"
#include "http/handlers.h"

#define PEOPLE_PATH "/api/v1/people"
#define SEARCH_DEFAULT_LIMIT 25
#define MAX_DUPLICATES 16

/* Fields a client may not set: braid assigns them, or derives them from the SSN. */
static const char *const assigned_fields[] = {"id", "bundle_id", "version", "ssn_last4"};
/* What registering needs besides the SSN (which is optional). */
static const char *const required_fields[] = {"first_name", "last_name", "birth_date", "sex"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static json_t *
person_json(const struct app *app, const struct stored_person *person)
{
    json_t *out = json_pack("{s:I, s:o, s:I}", "id", (json_int_t)person->id, "bundle_id",
                            bundle_person_id(person), "version", (json_int_t)person->version);
    json_t *facts = app_person_facts_json(app, person);
    json_object_update(out, facts);
    json_decref(facts);
    return out;
}

static void
etag_add(struct http_response *res, const struct stored_person *person)
{
    http_header_add(res, "ETag", "\"%lld\"", (long long)person->version);
}

/* Reads a person object (the bundle's "person" fields) into facts and ssn with the bundle's
 * parser; problems are named by field ("birth_date"), as the client sent them. */
static int
person_parse(const struct app *app, json_t *fields, struct person_facts *facts,
             char ssn[BUNDLE_SSN_SIZE], struct br_error *err)
{
    struct person_record scratch;
    struct bundle_extras extras;
    static const char prefix[] = "person.";
    int rc;

    person_record_init(&scratch);
    bundle_extras_init(&extras);
    json_t *bundle = json_pack("{s:s, s:O}", "id", "api", "person", fields);
    char *text = json_dumps(bundle, JSON_COMPACT);
    if (text == NULL) {
        rc = br_error_set(err, BR_EINVAL, "the person cannot be read");
        goto out;
    }
    rc = bundle_parse_full(&app->catalog, &app->policy, text, strlen(text), &scratch, &extras, NULL,
                           err);
    for (size_t i = 0; i < err->n_fields; i++) {
        char *field = err->fields[i].field;
        if (strncmp(field, prefix, strlen(prefix)) == 0)
            memmove(field, field + strlen(prefix), strlen(field) - strlen(prefix) + 1);
    }
    if (rc != 0) {
        br_error_set(err, rc == BR_EPARSE ? BR_EINVAL : rc, "the person has %zu invalid field%s",
                     br_error_field_count(err), br_error_field_count(err) == 1 ? "" : "s");
        goto out;
    }
    *facts = extras.facts;
    if (ssn != NULL)
        memcpy(ssn, extras.ssn, BUNDLE_SSN_SIZE);
out:
    free(text);
    json_decref(bundle);
    bundle_extras_cleanup(&extras);
    person_record_cleanup(&scratch);
    return rc;
}

/* Field errors for the members of body a client may not send. */
static void
refuse_assigned(json_t *body, struct br_error *err)
{
    for (size_t i = 0; i < COUNT(assigned_fields); i++)
        if (json_object_get(body, assigned_fields[i]) != NULL)
            br_error_field(err, assigned_fields[i], "is set by braid, not by the client");
}

void
api_people_create(struct http_request *req, struct http_response *res)
{
    struct stored_person person = {0};
    char ssn[BUNDLE_SSN_SIZE] = "";
    int64_t dups[MAX_DUPLICATES];
    size_t n_dups = 0;
    struct br_error err;

    br_error_clear(&err);
    person_parse(req->app, req->json, &person.facts, ssn, &err);
    for (size_t i = 0; i < COUNT(required_fields); i++) {
        json_t *value = json_object_get(req->json, required_fields[i]);
        if (value == NULL || json_is_null(value) ||
            (json_is_string(value) && json_string_length(value) == 0))
            br_error_field(&err, required_fields[i], "is required");
    }
    refuse_assigned(req->json, &err);
    if (br_error_field_count(&err) > 0) {
        br_error_set(&err, BR_EINVAL, "the person cannot be registered: %zu invalid field%s",
                     br_error_field_count(&err), br_error_field_count(&err) == 1 ? "" : "s");
        http_error_reply(req, res, &err);
        goto out;
    }
    if (app_register_person(req->app, &req->actor, &person, ssn, dups, MAX_DUPLICATES, &n_dups,
                            &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *body = person_json(req->app, &person);
    json_t *ids = json_array();
    for (size_t i = 0; i < n_dups; i++)
        json_array_append_new(ids, json_integer(dups[i]));
    json_object_set_new(body, "possible_duplicates", ids);
    http_reply_json(res, 201, body);
    etag_add(res, &person);
    http_header_add(res, "Location", PEOPLE_PATH "/%lld", (long long)person.id);
out:
    sodium_memzero(ssn, sizeof(ssn));
}

/* A whole number from a query parameter; a field error when it is not one. */
static int64_t
query_number(const struct http_request *req, const char *name, int64_t fallback,
             struct br_error *err)
{
    const char *text = http_query_get(req, name);
    if (text == NULL)
        return fallback;
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || !isdigit((unsigned char)text[0])) {
        br_error_field(err, name, "must be a whole number");
        return fallback;
    }
    return value;
}

/* Copies text without the blanks around it into buf; false when it does not fit. */
static bool
copy_trimmed(const char *text, size_t len, char *buf, size_t size)
{
    while (len > 0 && isspace((unsigned char)*text)) {
        text++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        len--;
    if (len >= size)
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    return true;
}

/* name=LAST or name=LAST, FIRST (prefixes of each). */
static void
query_name(const char *text, struct person_query *query, struct br_error *err)
{
    const char *comma = strchr(text, ',');
    size_t last_len = comma != NULL ? (size_t)(comma - text) : strlen(text);

    if (!copy_trimmed(text, last_len, query->last_name, sizeof(query->last_name)) ||
        (comma != NULL && !copy_trimmed(comma + 1, strlen(comma + 1), query->first_name,
                                        sizeof(query->first_name)))) {
        br_error_field(err, "name", "is longer than a name can be");
        return;
    }
    if (query->last_name[0] == '\0' && (comma != NULL || query->first_name[0] != '\0'))
        br_error_field(err, "name", "must start with (a prefix of) the last name: LAST, FIRST");
}

void
api_people_search(struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {"name",  "birth_date", "ssn_last4",
                                          "limit", "offset",     NULL};
    struct person_query query;
    struct stored_person *people = NULL;
    struct br_error err;
    size_t n = 0;
    int64_t total = 0;
    const char *text;

    br_error_clear(&err);
    memset(&query, 0, sizeof(query));
    query.birth_on = DATE_NONE;
    http_query_check(req, allowed, &err);
    if ((text = http_query_get(req, "name")) != NULL)
        query_name(text, &query, &err);
    if ((text = http_query_get(req, "birth_date")) != NULL && text[0] != '\0' &&
        date_parse(text, &query.birth_on) != 0)
        br_error_field(&err, "birth_date", "must be a date as YYYY-MM-DD");
    if ((text = http_query_get(req, "ssn_last4")) != NULL && text[0] != '\0') {
        if (strlen(text) != 4 || strspn(text, "0123456789") != 4)
            br_error_field(&err, "ssn_last4", "must be the last four digits of an SSN");
        else
            memcpy(query.ssn_last4, text, 5);
    }
    query.limit = query_number(req, "limit", SEARCH_DEFAULT_LIMIT, &err);
    query.offset = query_number(req, "offset", 0, &err);
    if (err.n_fields > 0) {
        br_error_set(&err, BR_EINVAL, "the search has %zu invalid parameter%s", err.n_fields,
                     err.n_fields == 1 ? "" : "s");
        http_error_reply(req, res, &err);
        return;
    }
    if (query.limit >= 1 && query.limit <= PEOPLE_SEARCH_MAX)
        people = xcalloc((size_t)query.limit, sizeof(*people));
    if (app_person_search(req->app, &req->actor, &query, people, &n, &total, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, person_json(req->app, &people[i]));
    int64_t next = query.offset + (int64_t)n;
    http_reply_json(res, 200,
                    json_pack("{s:o, s:I, s:I, s:I, s:o}", "people", list, "total",
                              (json_int_t)total, "limit", (json_int_t)query.limit, "offset",
                              (json_int_t)query.offset, "next_offset",
                              n > 0 && next < total ? json_integer(next) : json_null()));
out:
    free(people);
}

void
api_person_get(struct http_request *req, struct http_response *res)
{
    struct stored_person person;
    struct br_error err;

    br_error_clear(&err);
    if (app_person_get(req->app, &req->actor, req->ids[0], &person, &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    http_reply_json(res, 200, person_json(req->app, &person));
    etag_add(res, &person);
}

struct patch {
    const struct app *app;
    json_t *changes;
};

/* The change of a PATCH applied to the current facts: the stored person as the bundle writes
 * it, with the body's members over it, read back by the bundle's parser (null clears a fact). */
static int
apply_patch(void *ctx, struct person_facts *facts, struct br_error *err)
{
    struct patch *patch = ctx;
    struct stored_person current = {.facts = *facts};
    json_t *merged = app_person_facts_json(patch->app, &current);

    json_object_update(merged, patch->changes);
    int rc = person_parse(patch->app, merged, facts, NULL, err);
    json_decref(merged);
    return rc;
}

void
api_person_patch(struct http_request *req, struct http_response *res)
{
    struct stored_person person;
    struct br_error err;
    int64_t version = 0;
    const char *key;
    json_t *value;

    br_error_clear(&err);
    if (!api_if_match(req, res, "person", &version, &err))
        return;
    refuse_assigned(req->json, &err);
    if (json_object_get(req->json, "ssn") != NULL)
        br_error_field(&err, "ssn", "cannot be changed here");
    json_object_foreach(req->json, key, value)
    {
        if (!bundle_person_field_known(key))
            br_error_field(&err, key, "is not a field of a person");
    }
    if (json_object_size(req->json) == 0)
        br_error_field(&err, "body", "names no field to change");
    if (err.n_fields > 0) {
        br_error_set(&err, BR_EINVAL, "the change cannot be made: %zu invalid field%s",
                     br_error_field_count(&err), br_error_field_count(&err) == 1 ? "" : "s");
        http_error_reply(req, res, &err);
        return;
    }
    struct patch patch = {req->app, req->json};
    if (app_person_update(req->app, &req->actor, req->ids[0], version, apply_patch, &patch, &person,
                          &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    http_reply_json(res, 200, person_json(req->app, &person));
    etag_add(res, &person);
}

void
api_person_exit(struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {"as_of", NULL};
    struct stored_person person;
    struct br_error err;
    int32_t as_of = req->app->today;
    const char *text = http_query_get(req, "as_of");

    br_error_clear(&err);
    http_query_check(req, allowed, &err);
    if (text != NULL && date_parse(text, &as_of) != 0)
        br_error_field(&err, "as_of", "must be a date as YYYY-MM-DD");
    if (err.n_fields > 0) {
        br_error_set(&err, BR_EINVAL, "the exit determination cannot be made");
        http_error_reply(req, res, &err);
        return;
    }
    if (app_person_exit(req->app, &req->actor, req->ids[0], as_of, &person, &req->app->exits,
                        &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    json_t *id = bundle_person_id(&person);
    http_reply_json(
        res, 200, bundle_encode_exits(&req->app->catalog, &req->app->record, &req->app->exits, id));
    json_decref(id);
}
