/* api_casefile.c — a person's case file over HTTP: /api/v1/people/{id}/enrollments, services,
 * gaps, notes, contacts, eligibility and bundle.
 *
 * Items travel with the field names of the person bundle (bundle.h: "program", "code",
 * "start_date", "planned_end_date", "contacted_on" ...) plus "id", so the API, import and export
 * speak one language.  Every bad field of a request is named in one 400; the use cases
 * (app.h, manual_exit.h, casefile.h, records.h) decide access and the rules, and write all or
 * nothing.  A change that moves the exit clock (an enrollment, a service or a gap recorded or
 * changed, a manual exit) answers with the person's determination as of today, as
 * GET /api/v1/people/{id}/exit has it, and their alerts as of today, as
 * GET /api/v1/people/{id}/alerts has them.  Lists are pages: limit (1..100), offset. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/admin.h"
#include "app/bundle.h"
#include "app/casefile.h"
#include "app/manual_exit.h"
#include "app/people.h"
#include "app/records.h"
#include "core/date.h"
#include "core/eligibility.h"
#include "core/mem.h"
#include "http/api_alerts.h"
#include "http/api_body.h"
#include "http/api_page.h"
#include "http/errors.h"
#include "http/handlers.h"

#define PEOPLE_PATH "/api/v1/people"
#define SCREEN_MAX 64 /* programs one screen reports */
#define NOTE_BODY_MAX 65536
#define SERVICES_AFTER_MAX 1024

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- reading a request ---------------------------------------------------------------------- */

/* Field errors for the members of body that are not in known. */
static void
refuse_unknown(json_t *body, const char *const *known, size_t n, const char *what,
               struct br_error *err)
{
    const char *key;
    json_t *value;

    json_object_foreach(body, key, value)
    {
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(key, known[i]) == 0;
        if (!found)
            br_error_field(err, key, "is not a field of %s", what);
    }
}

/* A string member: NULL when absent or null (a field error when required), or not a string. */
static const char *
text_member(json_t *body, const char *name, bool required, size_t max, struct br_error *err)
{
    json_t *value = json_object_get(body, name);

    if (value == NULL || json_is_null(value)) {
        if (required)
            br_error_field(err, name, "is required");
        return NULL;
    }
    if (!json_is_string(value)) {
        br_error_field(err, name, "must be a string");
        return NULL;
    }
    const char *text = json_string_value(value);
    bool blank = true;
    for (const char *c = text; *c != '\0' && blank; c++)
        blank = isspace((unsigned char)*c) != 0;
    if (required && blank) {
        br_error_field(err, name, "is required");
        return NULL;
    }
    if (max > 0 && json_string_length(value) > max) {
        br_error_field(err, name, "is longer than %zu bytes", max);
        return NULL;
    }
    return text;
}

/* A YYYY-MM-DD member into *out (DATE_NONE when absent and optional). */
static void
date_member(json_t *body, const char *name, bool required, int32_t *out, struct br_error *err)
{
    const char *text = text_member(body, name, required, 0, err);

    *out = DATE_NONE;
    if (text == NULL)
        return;
    int rc = date_parse(text, out);
    if (rc == BR_EPARSE)
        br_error_field(err, name, "must be a date as YYYY-MM-DD");
    else if (rc != 0)
        br_error_field(err, name, "is not a date that exists");
    if (rc != 0)
        *out = DATE_NONE;
}

/* A program code member: its catalog index, or CATALOG_NOT_FOUND (with a field error). */
static int
program_member(const struct app *app, json_t *body, struct br_error *err)
{
    const char *code = text_member(body, "program", true, 0, err);
    if (code == NULL)
        return CATALOG_NOT_FOUND;
    int program = catalog_program_index(&app->catalog, code);
    if (program == CATALOG_NOT_FOUND)
        br_error_field(err, "program",
                       "is not a program of the catalog (GET "
                       "/api/v1/catalog/programs)");
    return program;
}

static void
bool_member(json_t *body, const char *name, bool *out, struct br_error *err)
{
    json_t *value = json_object_get(body, name);
    *out = false;
    if (value == NULL || json_is_null(value))
        return;
    if (!json_is_boolean(value))
        br_error_field(err, name, "must be true or false");
    else
        *out = json_is_true(value);
}

/* Answers 400 with every field error gathered, when there is one; true when it did. */
static bool
refused_fields(const struct http_request *req, struct http_response *res, struct br_error *err,
               const char *what)
{
    if (br_error_field_count(err) == 0)
        return false;
    br_error_set(err, BR_EINVAL, "%s: %zu invalid field%s", what, br_error_field_count(err),
                 br_error_field_count(err) == 1 ? "" : "s");
    http_error_reply(req, res, err);
    return true;
}

/* ---- pages ---------------------------------------------------------------------------------- */

/* Reads limit and offset (api_page.h, in range as app_page_check has it), and refuses query
 * parameters other than those and extra (NULL-ended, may be NULL). */
static void
page_parse(const struct http_request *req, const char *const *extra, struct api_page *page,
           struct br_error *err)
{
    const char *allowed[8] = {"limit", "offset"};
    size_t n = 2;
    struct br_error range;

    for (size_t i = 0; extra != NULL && extra[i] != NULL && n + 1 < COUNT(allowed); i++)
        allowed[n++] = extra[i];
    allowed[n] = NULL;
    http_query_check(req, allowed, err);
    api_page_parse(req, page, err);
    br_error_clear(&range);
    if (app_page_check(page->limit, page->offset, &range) == 0)
        return;
    /* A parameter that is no number is reported once, not also as out of range. */
    for (size_t i = 0; i < range.n_fields; i++) {
        bool reported = false;
        for (size_t k = 0; k < err->n_fields && !reported; k++)
            reported = strcmp(err->fields[k].field, range.fields[i].field) == 0;
        if (!reported)
            br_error_field(err, range.fields[i].field, "%s", range.fields[i].problem);
    }
}

/* Answers 200 with the page of the whole list items (stolen) under name; more members may be
 * added to the body returned. */
static json_t *
page_reply(struct http_response *res, const struct api_page *page, const char *name, json_t *items)
{
    size_t total = json_array_size(items), count = 0;
    size_t first = api_page_slice(page, total, &count);
    json_t *slice = json_array();

    for (size_t i = first; i < first + count; i++)
        json_array_append(slice, json_array_get(items, i));
    json_decref(items);
    json_t *body = api_page_json(name, slice, count, (int64_t)total, page);
    http_reply_json(res, 200, body);
    return body;
}

/* ---- writing a response --------------------------------------------------------------------- */

/* The ETag of a versioned item (If-Match takes it back). */
static void
etag_add(struct http_response *res, int64_t version)
{
    http_header_add(res, "ETag", "\"%lld\"", (long long)version);
}

static json_t *
day_json(int32_t day)
{
    char text[DATE_TEXT_SIZE];
    return day == DATE_NONE ? json_null() : json_string(date_format(day, text));
}

static json_t *
recorded_exit_json(const struct app *app, const struct recorded_exit *e)
{
    return json_pack("{s:s, s:i, s:o, s:o, s:o, s:b, s:o}", "program",
                     app->catalog.programs[e->program].code, "period", e->period, "entry_date",
                     day_json(e->entry_on), "exit_date", day_json(e->exit_on), "determined_on",
                     day_json(e->determined_on), "manual", e->run_id == 0, "reason",
                     e->reason[0] != '\0' ? json_string(e->reason) : json_null());
}

/* An enrollment, with the latest exit recorded for its program (null when none). */
static json_t *
enrollment_json(const struct app *app, const struct enrollment *e,
                const struct case_file_exits *exits)
{
    const struct recorded_exit *latest = NULL;
    for (size_t i = 0; exits != NULL && i < exits->n; i++)
        if (exits->items[i].program == e->program &&
            (latest == NULL || exits->items[i].period > latest->period))
            latest = &exits->items[i];
    return json_pack("{s:I, s:s, s:o, s:o, s:I}", "id", (json_int_t)e->id, "program",
                     app->catalog.programs[e->program].code, "eligibility_date",
                     day_json(e->eligibility_on), "exit",
                     latest != NULL ? recorded_exit_json(app, latest) : json_null(), "version",
                     (json_int_t)e->version);
}

static json_t *
service_json(const struct app *app, const struct service *s)
{
    return json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:I}", "id", (json_int_t)s->id, "program",
                     app->catalog.programs[s->program].code, "code",
                     app->catalog.services[s->code].code, "start_date", day_json(s->start_on),
                     "end_date", day_json(s->end_on), "projected_end_date",
                     day_json(s->projected_end_on), "version", (json_int_t)s->version);
}

static json_t *
gap_json(const struct app *app, const struct planned_gap *g)
{
    return json_pack("{s:I, s:s, s:o, s:o, s:s}", "id", (json_int_t)g->id, "program",
                     app->catalog.programs[g->program].code, "start_date", day_json(g->start_on),
                     "planned_end_date", day_json(g->planned_end_on), "reason",
                     gap_reason_name(g->reason));
}

static json_t *
note_json(const struct case_note *n)
{
    return json_pack("{s:I, s:o, s:o, s:s, s:b, s:I, s:I}", "id", (json_int_t)n->id, "service_id",
                     n->service_id != 0 ? json_integer((json_int_t)n->service_id) : json_null(),
                     "written_on", day_json(n->written_on), "body", n->body != NULL ? n->body : "",
                     "confidential", n->confidential, "agency_id", (json_int_t)n->agency_id,
                     "author_id", (json_int_t)n->author_id);
}

/* Contacts as the bundle writes them (its method names), each with its id and staff member. */
static json_t *
contacts_json(const struct app *app, const struct contact *contacts, size_t n)
{
    struct stored_person nobody = {0};
    struct person_record empty;

    person_record_init(&empty);
    json_t *bundle = bundle_encode_person(&app->catalog, &nobody, &empty, NULL, 0, contacts, n);
    json_t *items = json_incref(json_object_get(bundle, "contacts"));
    for (size_t i = 0; i < n && i < json_array_size(items); i++) {
        json_t *item = json_array_get(items, i);
        json_object_set_new(item, "id", json_integer((json_int_t)contacts[i].id));
        json_object_set_new(item, "staff_id", json_integer((json_int_t)contacts[i].staff_id));
    }
    json_decref(bundle);
    person_record_cleanup(&empty);
    return items;
}

/* Asks the change about to be made for its answer: the person's exit determination and alerts
 * as of today, read in the change's transaction (app.h app_answer_next_change). */
static void
answer_ask(struct http_request *req, struct change_answer *answer)
{
    answer->actor = &req->actor;
    answer->person_id = req->ids[0];
    answer->as_of = req->app->today;
    app_answer_next_change(req->app, answer);
}

/* Withdraws the request, if the change did not take it, and frees the answer. */
static void
answer_drop(struct http_request *req, struct change_answer *answer)
{
    app_answer_next_change(req->app, NULL);
    alert_list_cleanup(&answer->alerts);
}

/* Answers a change that moves the exit clock (asked for by answer_ask): status with {item_name:
 * item (stolen), "exit": the person's determination as of today, "alerts" and "withheld": the
 * person's alerts as of today, as GET /api/v1/people/{id}/alerts has them}. */
static void
reply_to_change(struct http_request *req, struct http_response *res, int status,
                const char *item_name, json_t *item, struct change_answer *answer)
{
    json_t *id = bundle_person_id(&answer->person);
    json_t *body = json_pack("{s:o, s:o}", item_name, item, "exit",
                             bundle_encode_exits(&req->app->catalog, &req->app->record,
                                                 &req->app->exits, id));
    json_decref(id);
    api_alerts_set(req, body, &answer->alerts, answer->withheld);
    answer_drop(req, answer);
    http_reply_json(res, status, body);
}

/* ---- enrollments ---------------------------------------------------------------------------- */

void
api_enrollments_list(struct http_request *req, struct http_response *res)
{
    struct case_file_exits *exits = xmalloc(sizeof(*exits));
    struct stored_person person;
    struct br_error err;
    struct api_page page;

    br_error_clear(&err);
    page_parse(req, NULL, &page, &err);
    if (refused_fields(req, res, &err, "the list cannot be read"))
        goto out;
    if (app_case_file_get(req->app, &req->actor, req->ids[0], &person, exits, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < req->app->record.n_enrollments; i++)
        json_array_append_new(items,
                              enrollment_json(req->app, &req->app->record.enrollments[i], exits));
    page_reply(res, &page, "enrollments", items);
out:
    free(exits);
}

void
api_enrollments_create(struct http_request *req, struct http_response *res)
{
    struct change_answer answer;
    static const char *const known[] = {"program", "eligibility_date", "facts"};
    struct enrollment enrollment = {0};
    struct br_error err;
    char *facts = NULL;

    br_error_clear(&err);
    refuse_unknown(req->json, known, COUNT(known), "an enrollment", &err);
    enrollment.program = program_member(req->app, req->json, &err);
    date_member(req->json, "eligibility_date", true, &enrollment.eligibility_on, &err);
    if (enrollment.eligibility_on != DATE_NONE && enrollment.eligibility_on > req->app->today)
        br_error_field(&err, "eligibility_date",
                       "is after today: eligibility is determined on "
                       "or before the day it is recorded");
    /* The facts the determination used, kept as they were then (ARCHITECTURE.md "The data"). */
    json_t *snapshot = json_object_get(req->json, "facts");
    if (snapshot == NULL || json_is_null(snapshot))
        br_error_field(&err, "facts",
                       "is required: the facts the determination used, as an "
                       "object");
    else if (!json_is_object(snapshot))
        br_error_field(&err, "facts", "must be an object");
    if (refused_fields(req, res, &err, "the eligibility determination cannot be recorded"))
        return;
    facts = json_dumps(snapshot, JSON_COMPACT | JSON_SORT_KEYS);
    answer_ask(req, &answer);
    if (app_determine_eligibility(req->app, &req->actor, req->ids[0], &enrollment, facts, &err) !=
        0) {
        answer_drop(req, &answer);
        http_error_reply(req, res, &err);
        goto out;
    }
    reply_to_change(req, res, 201, "enrollment", enrollment_json(req->app, &enrollment, NULL),
                    &answer);
    http_header_add(res, "Location", PEOPLE_PATH "/%lld/enrollments/%lld", (long long)req->ids[0],
                    (long long)enrollment.id);
    etag_add(res, enrollment.version);
out:
    free(facts);
}


/* {"eligibility_date": D} corrects the determination (If-Match: the enrollment's ETag). */
static void
enrollment_correct(struct http_request *req, struct http_response *res)
{
    struct change_answer answer;
    static const char *const known[] = {"eligibility_date"};
    struct enrollment enrollment;
    struct br_error err;
    int64_t version = 0;
    int32_t eligibility_on = DATE_NONE;

    br_error_clear(&err);
    if (!api_if_match(req, res, "enrollment", &version, &err))
        return;
    refuse_unknown(req->json, known, COUNT(known),
                   "an eligibility correction (an exit is a change of its own)", &err);
    date_member(req->json, "eligibility_date", true, &eligibility_on, &err);
    if (eligibility_on != DATE_NONE && eligibility_on > req->app->today)
        br_error_field(&err, "eligibility_date",
                       "is after today: eligibility is determined on "
                       "or before the day it is recorded");
    if (refused_fields(req, res, &err, "the eligibility determination cannot be corrected"))
        return;
    answer_ask(req, &answer);
    if (app_correct_enrollment(req->app, &req->actor, req->ids[0], req->ids[1], eligibility_on,
                               version, &enrollment, &err) != 0) {
        answer_drop(req, &answer);
        http_error_reply(req, res, &err);
        return;
    }
    reply_to_change(req, res, 200, "enrollment", enrollment_json(req->app, &enrollment, NULL),
                    &answer);
    etag_add(res, enrollment.version);
}

/* PATCH .../enrollments/{eid} takes one change: the manual exit, {"exit": {"reason": R}}, or a
 * correction of the eligibility date (enrollment_correct). */
void
api_enrollment_patch(struct http_request *req, struct http_response *res)
{
    struct change_answer answer;
    static const char *const known[] = {"exit"};
    enum manual_exit_reason reason = MANUAL_EXIT_REASON_COUNT;
    struct manual_exit done;
    struct br_error err;
    char names[256] = "";

    if (json_object_get(req->json, "eligibility_date") != NULL) {
        enrollment_correct(req, res);
        return;
    }
    br_error_clear(&err);
    refuse_unknown(req->json, known, COUNT(known), "an enrollment that can be changed", &err);
    json_t *exit = json_object_get(req->json, "exit");
    if (exit == NULL || json_is_null(exit)) {
        br_error_field(&err, "exit", "is required: {\"reason\": ...} exits the enrollment's group");
    } else if (!json_is_object(exit)) {
        br_error_field(&err, "exit", "must be an object: {\"reason\": ...}");
    } else {
        const char *key;
        json_t *value;
        json_object_foreach(exit, key, value)
        {
            if (strcmp(key, "reason") != 0)
                br_error_field(&err, "exit",
                               "has \"%.40s\", which is not a field of an exit "
                               "(only \"reason\"; the date is always L)",
                               key);
        }
        json_t *text = json_object_get(exit, "reason");
        for (int i = 0; i < MANUAL_EXIT_REASON_COUNT; i++) {
            size_t used = strlen(names);
            snprintf(names + used, sizeof(names) - used, "%s%s", i > 0 ? ", " : "",
                     manual_exit_reason_name((enum manual_exit_reason)i));
        }
        if (!json_is_string(text))
            br_error_field(&err, "exit.reason", "is required: one of %s", names);
        else if (manual_exit_reason_parse(json_string_value(text), &reason) != 0)
            br_error_field(&err, "exit.reason", "must be one of %s", names);
    }
    if (refused_fields(req, res, &err, "the exit cannot be recorded"))
        return;
    answer_ask(req, &answer);
    if (app_manual_exit(req->app, &req->actor, req->ids[0], req->ids[1], reason, &done, &err) !=
        0) {
        answer_drop(req, &answer);
        http_error_reply(req, res, &err);
        return;
    }
    json_t *programs = json_array(), *closed = json_array();
    for (size_t i = 0; i < done.n_programs; i++)
        json_array_append_new(programs,
                              json_string(req->app->catalog.programs[done.programs[i]].code));
    for (size_t i = 0; i < done.n_closed; i++)
        json_array_append_new(closed, json_integer((json_int_t)done.closed[i]));
    json_t *item = json_pack(
        "{s:I, s:o, s:i, s:o, s:s, s:b, s:o, s:o}", "enrollment_id", (json_int_t)req->ids[1],
        "programs", programs, "period", done.period, "exit_date", day_json(done.exit_on), "reason",
        manual_exit_reason_name(reason), "excluded_from_performance",
        manual_exit_reason_excludes(reason), "closed_services", closed, "closed_plan",
        manual_exit_plan_json(&done.plan));
    reply_to_change(req, res, 200, "manual_exit", item, &answer);
}

/* ---- eligibility ---------------------------------------------------------------------------- */

static json_t *
strings_json(const char *const *items, size_t n)
{
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(out, json_string(items[i]));
    return out;
}

void
api_person_eligibility(struct http_request *req, struct http_response *res)
{
    static const char *const extra[] = {"as_of", NULL};
    struct eligibility_result *results = xcalloc(SCREEN_MAX, sizeof(*results));
    struct eligibility_priority priority;
    int32_t as_of = req->app->today;
    const char *text = http_query_get(req, "as_of");
    struct br_error err;
    struct api_page page;
    size_t n = 0;

    br_error_clear(&err);
    page_parse(req, extra, &page, &err);
    if (text != NULL && date_parse(text, &as_of) != 0)
        br_error_field(&err, "as_of", "must be a date as YYYY-MM-DD");
    if (refused_fields(req, res, &err, "the screen cannot be made"))
        goto out;
    if (app_person_screen_on(req->app, &req->actor, req->ids[0], as_of, results, SCREEN_MAX, &n,
                             &priority, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *programs = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct eligibility_result *r = &results[i];
        json_t *reasons = json_array();
        for (size_t k = 0; k < r->n_reasons; k++)
            json_array_append_new(reasons, json_string(r->reasons[k]));
        json_array_append_new(programs,
                              json_pack("{s:s, s:s, s:s, s:b, s:s, s:o, s:o}", "program",
                                        req->app->catalog.programs[r->program].code, "title",
                                        req->app->catalog.programs[r->program].title, "status",
                                        eligibility_status_name(r->status), "partner_determines",
                                        r->partner_determines, "youth_path",
                                        youth_path_name(r->youth_path), "reasons", reasons,
                                        "missing", strings_json(r->missing, r->n_missing)));
    }
    json_t *body = page_reply(res, &page, "programs", programs);
    json_object_set_new(body, "as_of", day_json(as_of));
    json_object_set_new(body, "priority",
                        json_pack("{s:i, s:b, s:b, s:b, s:s, s:o}", "group", priority.group,
                                  "covered", priority.covered, "priority_group",
                                  priority.priority_group, "local", priority.local, "reason",
                                  priority.reason, "missing",
                                  strings_json(priority.missing, priority.n_missing)));
out:
    free(results);
}

/* ---- services ------------------------------------------------------------------------------- */

void
api_services_list(struct http_request *req, struct http_response *res)
{
    struct case_file_exits *exits = xmalloc(sizeof(*exits));
    struct stored_person person;
    struct br_error err;
    struct api_page page;

    br_error_clear(&err);
    page_parse(req, NULL, &page, &err);
    if (refused_fields(req, res, &err, "the list cannot be read"))
        goto out;
    if (app_case_file_get(req->app, &req->actor, req->ids[0], &person, exits, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < req->app->record.n_services; i++)
        json_array_append_new(items, service_json(req->app, &req->app->record.services[i]));
    page_reply(res, &page, "services", items);
out:
    free(exits);
}

/* GET .../services/{sid}: one service as the list has it, read as the list reads it (the whole
 * case file: access checked and audited), with its version as ETag. */
void
api_service_get(struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {NULL};
    struct case_file_exits *exits = xmalloc(sizeof(*exits));
    const struct service *found = NULL;
    struct stored_person person;
    struct br_error err;

    br_error_clear(&err);
    http_query_check(req, allowed, &err);
    if (refused_fields(req, res, &err, "the service cannot be read"))
        goto out;
    if (app_case_file_get(req->app, &req->actor, req->ids[0], &person, exits, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    for (size_t i = 0; i < req->app->record.n_services && found == NULL; i++)
        if (req->app->record.services[i].id == req->ids[1])
            found = &req->app->record.services[i];
    if (found == NULL) {
        br_error_set(&err, BR_ENOTFOUND, "person %lld has no service %lld", (long long)req->ids[0],
                     (long long)req->ids[1]);
        http_error_reply(req, res, &err);
        goto out;
    }
    http_reply_json(res, 200, service_json(req->app, found));
    etag_add(res, found->version);
out:
    free(exits);
}

void
api_services_create(struct http_request *req, struct http_response *res)
{
    struct change_answer answer;
    static const char *const known[] = {
        "program", "code", "start_date", "end_date", "projected_end_date", "provider", "note"};
    struct service service = {0};
    struct service_detail detail;
    struct br_error err;

    br_error_clear(&err);
    memset(&detail, 0, sizeof(detail));
    refuse_unknown(req->json, known, COUNT(known), "a service", &err);
    service.program = program_member(req->app, req->json, &err);
    const char *code = text_member(req->json, "code", true, 0, &err);
    service.code =
        code != NULL ? catalog_service_index(&req->app->catalog, code) : CATALOG_NOT_FOUND;
    if (code != NULL && service.code == CATALOG_NOT_FOUND)
        br_error_field(&err, "code",
                       "is not a service code of the catalog (GET "
                       "/api/v1/catalog/services)");
    date_member(req->json, "start_date", true, &service.start_on, &err);
    date_member(req->json, "end_date", false, &service.end_on, &err);
    date_member(req->json, "projected_end_date", false, &service.projected_end_on, &err);
    const char *provider =
        text_member(req->json, "provider", false, sizeof(detail.provider) - 1, &err);
    const char *note = text_member(req->json, "note", false, NOTE_BODY_MAX, &err);
    if (refused_fields(req, res, &err, "the service cannot be recorded"))
        return;
    if (provider != NULL)
        snprintf(detail.provider, sizeof(detail.provider), "%s", provider);
    detail.staff_id = req->actor.user_id;
    /* RULES.md §3 (eligibility first, YOUTH's objective assessment first) is app_record_service's
     * to check against the whole record: its field errors name this service's fields. */
    answer_ask(req, &answer);
    if (app_record_service(req->app, &req->actor, req->ids[0], &service, &detail, note, &err) !=
        0) {
        answer_drop(req, &answer);
        http_error_reply(req, res, &err);
        return;
    }
    json_t *item = service_json(req->app, &service);
    json_object_set_new(item, "provider", json_string(detail.provider));
    reply_to_change(req, res, 201, "service", item, &answer);
    http_header_add(res, "Location", PEOPLE_PATH "/%lld/services/%lld", (long long)req->ids[0],
                    (long long)service.id);
    etag_add(res, service.version);
}

/* A member that may be cleared: *set when present, *out DATE_NONE when null. */
static void
date_change(json_t *body, const char *name, bool *set, int32_t *out, struct br_error *err)
{
    *set = json_object_get(body, name) != NULL;
    date_member(body, name, false, out, err);
}

/* PATCH .../services/{sid} corrects the service (If-Match: its ETag): any of start_date,
 * end_date (null reopens), projected_end_date (null clears), code and provider; the program
 * stays.  Closing is {"end_date": D}. */
void
api_service_patch(struct http_request *req, struct http_response *res)
{
    struct change_answer answer;
    static const char *const known[] = {"start_date", "end_date", "projected_end_date", "code",
                                        "provider"};
    struct service_correction change = {0};
    struct service service;
    struct br_error err;

    br_error_clear(&err);
    if (!api_if_match(req, res, "service", &change.expected_version, &err))
        return;
    refuse_unknown(req->json, known, COUNT(known), "a service that can be corrected", &err);
    if (json_object_size(req->json) == 0)
        br_error_field(&err, "body", "names no field to change");
    change.set_start = json_object_get(req->json, "start_date") != NULL;
    date_member(req->json, "start_date", change.set_start, &change.start_on, &err);
    date_change(req->json, "end_date", &change.set_end, &change.end_on, &err);
    date_change(req->json, "projected_end_date", &change.set_projected_end,
                &change.projected_end_on, &err);
    change.set_code = json_object_get(req->json, "code") != NULL;
    const char *code = text_member(req->json, "code", change.set_code, 0, &err);
    if (code != NULL) {
        change.code = catalog_service_index(&req->app->catalog, code);
        if (change.code == CATALOG_NOT_FOUND)
            br_error_field(&err, "code",
                           "is not a service code of the catalog (GET "
                           "/api/v1/catalog/services)");
    }
    change.provider =
        text_member(req->json, "provider", false, sizeof(((struct service_detail *)0)->provider) - 1,
                    &err);
    if (refused_fields(req, res, &err, "the service cannot be changed"))
        return;
    /* RULES.md §3 is app_correct_service's to check against the whole record. */
    answer_ask(req, &answer);
    if (app_correct_service(req->app, &req->actor, req->ids[0], req->ids[1], &change, &service,
                            &err) != 0) {
        answer_drop(req, &answer);
        http_error_reply(req, res, &err);
        return;
    }
    json_t *item = service_json(req->app, &service);
    if (change.provider != NULL)
        json_object_set_new(item, "provider", json_string(change.provider));
    reply_to_change(req, res, 200, "service", item, &answer);
    etag_add(res, service.version);
}

/* ---- planned gaps --------------------------------------------------------------------------- */

void
api_gaps_list(struct http_request *req, struct http_response *res)
{
    struct case_file_exits *exits = xmalloc(sizeof(*exits));
    struct stored_person person;
    struct br_error err;
    struct api_page page;

    br_error_clear(&err);
    page_parse(req, NULL, &page, &err);
    if (refused_fields(req, res, &err, "the list cannot be read"))
        goto out;
    if (app_case_file_get(req->app, &req->actor, req->ids[0], &person, exits, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < req->app->record.n_gaps; i++)
        json_array_append_new(items, gap_json(req->app, &req->app->record.gaps[i]));
    page_reply(res, &page, "gaps", items);
out:
    free(exits);
}

void
api_gaps_create(struct http_request *req, struct http_response *res)
{
    struct change_answer answer;
    static const char *const known[] = {"program", "start_date",     "planned_end_date",
                                        "reason",  "services_after", "note"};
    struct planned_gap gap = {0};
    struct br_error err;

    br_error_clear(&err);
    refuse_unknown(req->json, known, COUNT(known), "a planned gap", &err);
    gap.program = program_member(req->app, req->json, &err);
    date_member(req->json, "start_date", true, &gap.start_on, &err);
    date_member(req->json, "planned_end_date", true, &gap.planned_end_on, &err);
    const char *reason = text_member(req->json, "reason", true, 0, &err);
    if (reason != NULL && gap_reason_parse(reason, &gap.reason) != 0)
        br_error_field(&err, "reason",
                       "must be TRAINING_DELAY, HEALTH_MEDICAL, FAMILY_CARE or TEMPORARY_MOVE");
    /* RULES.md §5: a gap names the services to come after it and has its case note. */
    const char *after = text_member(req->json, "services_after", true, SERVICES_AFTER_MAX, &err);
    const char *note = text_member(req->json, "note", true, NOTE_BODY_MAX, &err);
    if (refused_fields(req, res, &err, "the planned gap cannot be recorded"))
        return;
    answer_ask(req, &answer);
    if (app_record_gap(req->app, &req->actor, req->ids[0], &gap, after, note, &err) != 0) {
        answer_drop(req, &answer);
        http_error_reply(req, res, &err);
        return;
    }
    json_t *item = gap_json(req->app, &gap);
    json_object_set_new(item, "services_after", json_string(after));
    reply_to_change(req, res, 201, "gap", item, &answer);
}

/* ---- case notes and contacts ---------------------------------------------------------------- */

void
api_notes_list(struct http_request *req, struct http_response *res)
{
    struct note_list notes = {0};
    struct br_error err;
    struct api_page page;

    br_error_clear(&err);
    page_parse(req, NULL, &page, &err);
    if (refused_fields(req, res, &err, "the list cannot be read"))
        return;
    if (app_list_notes(req->app, &req->actor, req->ids[0], &notes, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < notes.n; i++)
        json_array_append_new(items, note_json(&notes.items[i]));
    json_t *body = page_reply(res, &page, "notes", items);
    /* Confidential notes of other agencies are counted, never shown (access.h). */
    json_object_set_new(body, "withheld", json_integer((json_int_t)notes.n_withheld));
out:
    app_note_list_cleanup(&notes);
}

void
api_notes_create(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"body", "service_id", "confidential"};
    struct case_note note = {0};
    struct br_error err;

    br_error_clear(&err);
    refuse_unknown(req->json, known, COUNT(known), "a case note", &err);
    const char *body = text_member(req->json, "body", true, NOTE_BODY_MAX, &err);
    json_t *service = json_object_get(req->json, "service_id");
    if (service != NULL && !json_is_null(service) &&
        (!json_is_integer(service) || json_integer_value(service) < 1))
        br_error_field(&err, "service_id", "must be the id of one of the person's services");
    else if (service != NULL && !json_is_null(service))
        note.service_id = json_integer_value(service);
    bool_member(req->json, "confidential", &note.confidential, &err);
    if (refused_fields(req, res, &err, "the case note cannot be written"))
        return;
    note.person_id = req->ids[0];
    note.written_on = req->app->today; /* the day it was entered (RULES.md §8: late notes) */
    note.body = (char *)body;
    if (app_write_note(req->app, &req->actor, &note, &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    http_reply_json(res, 201, note_json(&note));
}

void
api_contacts_list(struct http_request *req, struct http_response *res)
{
    struct contact_list contacts = {0};
    struct br_error err;
    struct api_page page;

    br_error_clear(&err);
    page_parse(req, NULL, &page, &err);
    if (refused_fields(req, res, &err, "the list cannot be read"))
        return;
    if (app_list_contacts(req->app, &req->actor, req->ids[0], &contacts, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    page_reply(res, &page, "contacts", contacts_json(req->app, contacts.items, contacts.n));
out:
    free(contacts.items);
}

/* A contact is read by the bundle's own parser, so its fields and methods are the bundle's. */
void
api_contacts_create(struct http_request *req, struct http_response *res)
{
    static const char prefix[] = "contacts[0].";
    struct person_record scratch;
    struct bundle_extras extras;
    struct br_error err;
    char *text = NULL;

    br_error_clear(&err);
    person_record_init(&scratch);
    bundle_extras_init(&extras);
    json_t *bundle = json_pack("{s:s, s:[O]}", "id", "api", "contacts", req->json);
    text = json_dumps(bundle, JSON_COMPACT);
    if (text == NULL || bundle_parse_full(&req->app->catalog, &req->app->policy, text, strlen(text),
                                          &scratch, &extras, NULL, &err) != 0) {
        for (size_t i = 0; i < err.n_fields; i++) {
            char *field = err.fields[i].field;
            if (strncmp(field, prefix, strlen(prefix)) == 0)
                memmove(field, field + strlen(prefix), strlen(field) - strlen(prefix) + 1);
        }
        if (br_error_field_count(&err) == 0)
            br_error_field(&err, "body", "is not a contact");
    } else if (extras.n_contacts != 1) {
        br_error_field(&err, "body", "is not a contact");
    } else if (extras.contacts[0].contacted_on > req->app->today) {
        br_error_field(&err, "contacted_on", "is after today: a contact is recorded once made");
    }
    if (refused_fields(req, res, &err, "the contact cannot be recorded"))
        goto out;
    struct contact contact = extras.contacts[0];
    contact.person_id = req->ids[0];
    contact.staff_id = req->actor.user_id;
    if (app_record_contact(req->app, &req->actor, &contact, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *items = contacts_json(req->app, &contact, 1);
    http_reply_json(res, 201, json_incref(json_array_get(items, 0)));
    json_decref(items);
out:
    free(text);
    json_decref(bundle);
    bundle_extras_cleanup(&extras);
    person_record_cleanup(&scratch);
}

/* ---- the bundle ----------------------------------------------------------------------------- */

void
api_person_bundle(struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {NULL};
    struct person_bundle *b = xcalloc(1, sizeof(*b));
    struct br_error err;

    br_error_clear(&err);
    http_query_check(req, allowed, &err);
    if (refused_fields(req, res, &err, "the bundle cannot be read"))
        goto out;
    if (app_person_bundle(req->app, &req->actor, req->ids[0], b, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *body =
        bundle_encode_person(&req->app->catalog, &b->person, &req->app->record, b->notes.items,
                             b->notes.n, b->contacts.items, b->contacts.n);
    /* What the caller may not see is left out and named, so an empty list is not mistaken for
     * a person with no notes. */
    json_t *withheld = json_array();
    if (!b->sensitive_shown)
        json_array_append_new(withheld, json_string("sensitive_facts"));
    if (!b->case_file_shown)
        json_array_append_new(withheld, json_string("case_file"));
    if (!b->notes_shown)
        json_array_append_new(withheld, json_string("case_notes"));
    if (!b->contacts_shown)
        json_array_append_new(withheld, json_string("contacts"));
    json_object_set_new(body, "withheld", withheld);
    json_object_set_new(body, "notes_withheld", json_integer((json_int_t)b->notes.n_withheld));
    json_object_set_new(body, "person_id", json_integer((json_int_t)b->person.id));
    http_reply_json(res, 200, body);
out:
    app_person_bundle_cleanup(b);
    free(b);
}
