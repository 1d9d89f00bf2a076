/* api_records.c — a person's case-management records (RULES.md §9-11): consents to share,
 * assessments, plans with their goals, reviews and signature, and outcomes, under
 * /api/v1/people/{id}/.
 *
 * Members carry the names of records.h's inputs ("assessed_on", "target_date", "purposes");
 * dates are YYYY-MM-DD, absent ones null.  Who may see or change what is the use case's to
 * decide (access.h); a refusal is a 403 that names why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/admin.h"
#include "app/records.h"
#include "core/date.h"
#include "core/mem.h"
#include "http/api_body.h"
#include "http/api_page.h"
#include "http/errors.h"
#include "http/handlers.h"

/* The most purposes one consent body may list: each of the four at most once, and room to name
 * the repeats. */
#define CONSENT_PURPOSES_MAX 8

static json_t *
json_day(int32_t day)
{
    char text[DATE_TEXT_SIZE];
    return day == DATE_NONE ? json_null() : json_string(date_format(day, text));
}

static json_t *
json_text_or_null(const char *text)
{
    return text[0] != '\0' ? json_string(text) : json_null();
}

/* Stored JSON text (scores, barriers) as JSON; fallback when it does not parse. */
static json_t *
json_stored(const char *text, json_t *fallback)
{
    json_t *value = json_loads(text, 0, NULL);
    if (value == NULL)
        return fallback;
    json_decref(fallback);
    return value;
}

/* Reads ?limit=&offset= (and no other parameter) for a list a use case returns whole; answers
 * 400 and returns false when they are wrong. */
static bool
list_page(struct http_request *req, struct http_response *res, struct api_page *page,
          struct br_error *err)
{
    static const char *const allowed[] = {"limit", "offset", NULL};

    http_query_check(req, allowed, err);
    api_page_parse(req, page, err);
    /* A value that did not parse reads as its default, which the range check passes. */
    app_page_check(page->limit, page->offset, err);
    return !http_error_fields(req, res, err, "the list cannot be read");
}

/* ---- consents ------------------------------------------------------------------------------ */

static json_t *
consent_json(const struct consent *c, int32_t today)
{
    json_t *purposes = json_array();
    bool in_force = false;

    for (int p = 0; p < CONSENT_PURPOSE_COUNT; p++) {
        if ((c->purposes & CONSENT_PURPOSE_BIT(p)) == 0)
            continue;
        json_array_append_new(purposes, json_string(consent_purpose_name(p)));
        in_force = in_force || consent_active(c, c->agency_id, (enum consent_purpose)p, today);
    }
    return json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:b, s:I}", "id", (json_int_t)c->id,
                     "person_id", (json_int_t)c->person_id, "agency_id", (json_int_t)c->agency_id,
                     "purposes", purposes, "from", json_day(c->from_on), "until",
                     json_day(c->until_on), "revoked_on", json_day(c->revoked_on), "in_force",
                     in_force, "recorded_by", (json_int_t)c->recorded_by);
}

void
api_consents_list(struct http_request *req, struct http_response *res)
{
    struct consent_list list = {0};
    struct api_page page;
    struct br_error err;
    size_t count;

    br_error_clear(&err);
    if (!list_page(req, res, &page, &err))
        return;
    if (app_list_consents(req->app, &req->actor, req->ids[0], &list, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *items = json_array();
    size_t first = api_page_slice(&page, list.n, &count);
    for (size_t i = first; i < first + count; i++)
        json_array_append_new(items, consent_json(&list.items[i], req->app->today));
    http_reply_json(res, 200, api_page_json("consents", items, count, (int64_t)list.n, &page));
out:
    free(list.items);
}

void
api_consents_create(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"agency_id", "purposes", "from", "until", NULL};
    const char *purposes[CONSENT_PURPOSES_MAX];
    struct consent_input in = {0};
    struct consent consent;
    struct br_error err;
    char field[32];
    bool present;

    br_error_clear(&err);
    api_body_known(req->json, known, "a consent", &err);
    in.agency_id = api_body_integer(req->json, "agency_id", "an agency's id", &present, &err);
    in.from = api_body_string(req->json, "from", &err);
    in.until = api_body_string(req->json, "until", &err);
    json_t *list = json_object_get(req->json, "purposes");
    if (list != NULL && !json_is_null(list) && !json_is_array(list))
        br_error_field(&err, "purposes", "must be an array of purposes");
    else if (json_array_size(list) > CONSENT_PURPOSES_MAX)
        br_error_field(&err, "purposes", "lists more than %d purposes", CONSENT_PURPOSES_MAX);
    for (size_t i = 0; i < json_array_size(list) && i < CONSENT_PURPOSES_MAX; i++) {
        json_t *value = json_array_get(list, i);
        snprintf(field, sizeof(field), "purposes[%zu]", i);
        if (!json_is_string(value))
            br_error_field(&err, field, "must be a string");
        else
            purposes[in.n_purposes++] = json_string_value(value);
    }
    in.purposes = purposes;
    if (http_error_fields(req, res, &err, "the consent cannot be recorded"))
        return;
    if (app_record_consent(req->app, &req->actor, req->ids[0], &in, &consent, &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    http_reply_json(res, 201, consent_json(&consent, req->app->today));
}

void
api_consent_revoke(struct http_request *req, struct http_response *res)
{
    struct br_error err;

    br_error_clear(&err);
    if (app_revoke_consent(req->app, &req->actor, req->ids[0], req->ids[1], &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    /* RULES.md §11: revoked from today on (app_revoke_consent). */
    http_reply_json(res, 200,
                    json_pack("{s:I, s:I, s:o}", "id", (json_int_t)req->ids[1], "person_id",
                              (json_int_t)req->ids[0], "revoked_on", json_day(req->app->today)));
}

/* ---- assessments --------------------------------------------------------------------------- */

static json_t *
assessment_json(const struct assessment *a, const struct policy *policy)
{
    return json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:I, s:I, s:o}", "id", (json_int_t)a->id,
                     "person_id", (json_int_t)a->person_id, "type", assessment_type_name(a->type),
                     "assessed_on", json_day(a->assessed_on), "scores",
                     json_stored(a->scores, json_object()), "barriers",
                     json_stored(a->barriers, json_array()), "agency_id", (json_int_t)a->agency_id,
                     "author_id", (json_int_t)a->author_id, "current_until",
                     json_day(assessment_current_until(a->assessed_on, policy)));
}

void
api_assessments_list(struct http_request *req, struct http_response *res)
{
    struct assessment_list list = {0};
    struct api_page page;
    struct br_error err;
    size_t count;

    br_error_clear(&err);
    if (!list_page(req, res, &page, &err))
        return;
    if (app_list_assessments(req->app, &req->actor, req->ids[0], &list, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *items = json_array();
    size_t first = api_page_slice(&page, list.n, &count);
    for (size_t i = first; i < first + count; i++)
        json_array_append_new(items, assessment_json(&list.items[i], &req->app->policy));
    http_reply_json(res, 200, api_page_json("assessments", items, count, (int64_t)list.n, &page));
out:
    free(list.items);
}

void
api_assessments_create(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"type", "assessed_on", "scores", "barriers", NULL};
    struct assessment_input in = {0};
    struct assessment *assessment = xcalloc(1, sizeof(*assessment));
    struct br_error err;
    char *scores = NULL, *barriers = NULL;

    br_error_clear(&err);
    api_body_known(req->json, known, "an assessment", &err);
    in.type = api_body_string(req->json, "type", &err);
    in.assessed_on = api_body_string(req->json, "assessed_on", &err);
    /* The use case reads scores and barriers as JSON text and names what is wrong inside. */
    in.scores = scores = api_body_json_text(req->json, "scores");
    in.barriers = barriers = api_body_json_text(req->json, "barriers");
    if (http_error_fields(req, res, &err, "the assessment cannot be recorded"))
        goto out;
    /* A repeated current assessment is a 409 whose field "type" says which one is current. */
    if (app_record_assessment(req->app, &req->actor, req->ids[0], &in, assessment, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    http_reply_json(res, 201, assessment_json(assessment, &req->app->policy));
out:
    free(scores);
    free(barriers);
    free(assessment);
}

/* ---- plans, goals, reviews ------------------------------------------------------------------ */

static json_t *
plan_json(const struct case_plan *p)
{
    return json_pack("{s:I, s:I, s:s, s:o, s:o, s:b, s:o, s:I, s:I}", "id", (json_int_t)p->id,
                     "person_id", (json_int_t)p->person_id, "kind", plan_kind_name(p->kind),
                     "created_on", json_day(p->created_on), "signed_on", json_day(p->signed_on),
                     "copy_given", p->copy_given, "closed_on", json_day(p->closed_on), "agency_id",
                     (json_int_t)p->agency_id, "author_id", (json_int_t)p->author_id);
}

static json_t *
goal_json(const struct goal *g)
{
    return json_pack("{s:I, s:I, s:I, s:s, s:s, s:o, s:s, s:o}", "id", (json_int_t)g->id,
                     "person_id", (json_int_t)g->person_id, "plan_id", (json_int_t)g->plan_id,
                     "type", goal_type_name(g->type), "description", g->description, "target_date",
                     json_day(g->target_on), "status", goal_status_name(g->status), "closed_on",
                     json_day(g->closed_on));
}

static json_t *
review_json(const struct plan_review *r)
{
    return json_pack("{s:I, s:I, s:I, s:o, s:s, s:I}", "id", (json_int_t)r->id, "person_id",
                     (json_int_t)r->person_id, "plan_id", (json_int_t)r->plan_id, "reviewed_on",
                     json_day(r->reviewed_on), "note", r->note, "reviewer_id",
                     (json_int_t)r->reviewer_id);
}

/* A plan with its goals, its reviews and where it stands on them (RULES.md §9). */
static json_t *
plan_full_json(const struct person_plans *plans, size_t i)
{
    const struct case_plan *plan = &plans->plans[i];
    const struct plan_review_status *status = &plans->status[i];
    json_t *out = plan_json(plan);
    json_t *goals = json_array(), *reviews = json_array();

    for (size_t k = 0; k < plans->n_goals; k++)
        if (plans->goals[k].plan_id == plan->id)
            json_array_append_new(goals, goal_json(&plans->goals[k]));
    for (size_t k = 0; k < plans->n_reviews; k++)
        if (plans->reviews[k].plan_id == plan->id)
            json_array_append_new(reviews, review_json(&plans->reviews[k]));
    json_object_set_new(out, "goals", goals);
    json_object_set_new(out, "reviews", reviews);
    json_object_set_new(out, "review_status",
                        json_pack("{s:o, s:o, s:b}", "last_reviewed_on",
                                  json_day(status->last_reviewed_on), "due_on",
                                  json_day(status->due_on), "due", status->due));
    return out;
}

void
api_plans_list(struct http_request *req, struct http_response *res)
{
    struct person_plans plans = {0};
    struct api_page page;
    struct br_error err;
    size_t count;

    br_error_clear(&err);
    if (!list_page(req, res, &page, &err))
        return;
    if (app_list_plans(req->app, &req->actor, req->ids[0], &plans, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *items = json_array();
    size_t first = api_page_slice(&page, plans.n_plans, &count);
    for (size_t i = first; i < first + count; i++)
        json_array_append_new(items, plan_full_json(&plans, i));
    http_reply_json(res, 200, api_page_json("plans", items, count, (int64_t)plans.n_plans, &page));
out:
    app_person_plans_cleanup(&plans);
}

void
api_plans_create(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"kind", "created_on", "signed_on", "copy_given", NULL};
    struct plan_input in = {0};
    struct case_plan plan;
    struct br_error err;

    br_error_clear(&err);
    api_body_known(req->json, known, "a plan", &err);
    in.kind = api_body_string(req->json, "kind", &err);
    in.created_on = api_body_string(req->json, "created_on", &err);
    in.signed_on = api_body_string(req->json, "signed_on", &err);
    in.copy_given = api_body_bool(req->json, "copy_given", false, &err);
    if (http_error_fields(req, res, &err, "the plan cannot be created"))
        return;
    if (app_create_plan(req->app, &req->actor, req->ids[0], &in, &plan, &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    json_t *body = plan_json(&plan);
    json_object_set_new(body, "goals", json_array());
    json_object_set_new(body, "reviews", json_array());
    http_reply_json(res, 201, body);
}

void
api_plan_sign(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"signed_on", "copy_given", NULL};
    struct case_plan plan;
    struct br_error err;

    br_error_clear(&err);
    api_body_known(req->json, known, "a signature", &err);
    const char *signed_on = api_body_string(req->json, "signed_on", &err);
    bool copy_given = api_body_bool(req->json, "copy_given", false, &err);
    if (http_error_fields(req, res, &err, "the plan cannot be signed"))
        return;
    if (app_sign_plan_returning(req->app, &req->actor, req->ids[0], req->ids[1], signed_on,
                                copy_given, &plan, &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    http_reply_json(res, 200, plan_json(&plan));
}

void
api_plan_goals_create(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"type", "description", "target_date", NULL};
    struct goal_input in = {0};
    struct goal goal;
    struct br_error err;

    br_error_clear(&err);
    api_body_known(req->json, known, "a goal", &err);
    in.type = api_body_string(req->json, "type", &err);
    in.description = api_body_string(req->json, "description", &err);
    in.target_date = api_body_string(req->json, "target_date", &err);
    if (http_error_fields(req, res, &err, "the goal cannot be added"))
        return;
    if (app_add_goal(req->app, &req->actor, req->ids[0], req->ids[1], &in, &goal, &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    http_reply_json(res, 201, goal_json(&goal));
}

void
api_plan_goal_patch(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"status", "closed_on", NULL};
    struct goal goal;
    struct br_error err;

    br_error_clear(&err);
    /* A goal changes once, open to attained or not attained (RULES.md §9): closing is the one
     * change a PATCH makes. */
    api_body_known(req->json, known, "a goal's closing", &err);
    const char *status = api_body_string(req->json, "status", &err);
    const char *closed_on = api_body_string(req->json, "closed_on", &err);
    if (http_error_fields(req, res, &err, "the goal cannot be closed"))
        return;
    if (app_close_plan_goal(req->app, &req->actor, req->ids[0], req->ids[1], req->ids[2], status,
                            closed_on, &goal, &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    http_reply_json(res, 200, goal_json(&goal));
}

void
api_plan_reviews_create(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"reviewed_on", "note", NULL};
    struct review_input in = {0};
    struct plan_review *review = xcalloc(1, sizeof(*review));
    struct br_error err;

    br_error_clear(&err);
    api_body_known(req->json, known, "a review", &err);
    in.reviewed_on = api_body_string(req->json, "reviewed_on", &err);
    in.note = api_body_string(req->json, "note", &err);
    if (http_error_fields(req, res, &err, "the review cannot be recorded"))
        goto out;
    if (app_review_plan(req->app, &req->actor, req->ids[0], req->ids[1], &in, review, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    http_reply_json(res, 201, review_json(review));
out:
    free(review);
}

/* ---- outcomes ------------------------------------------------------------------------------ */

static json_t *
outcome_json(const struct outcome *o)
{
    char quarter[16] = "";
    int year, month, day;

    if (o->kind == OUTCOME_EMPLOYMENT && o->outcome_on != DATE_NONE) {
        date_to_ymd(o->outcome_on, &year, &month, &day);
        snprintf(quarter, sizeof(quarter), "%04d-Q%d", year, o->quarter);
    }
    return json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)o->id,
                     "person_id", (json_int_t)o->person_id, "kind", outcome_kind_name(o->kind),
                     "date", json_day(o->outcome_on), "quarter", json_text_or_null(quarter),
                     "earnings_cents",
                     o->earnings_cents >= 0 ? json_integer(o->earnings_cents) : json_null(),
                     "employer_id", json_text_or_null(o->employer_id), "source",
                     json_text_or_null(o->source), "type", json_text_or_null(o->detail_type));
}

void
api_outcomes_list(struct http_request *req, struct http_response *res)
{
    struct outcome_list list = {0};
    struct api_page page;
    struct br_error err;
    size_t count;

    br_error_clear(&err);
    if (!list_page(req, res, &page, &err))
        return;
    if (app_list_outcomes(req->app, &req->actor, req->ids[0], &list, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *items = json_array();
    size_t first = api_page_slice(&page, list.n, &count);
    for (size_t i = first; i < first + count; i++)
        json_array_append_new(items, outcome_json(&list.items[i]));
    http_reply_json(res, 200, api_page_json("outcomes", items, count, (int64_t)list.n, &page));
out:
    free(list.items);
}

void
api_outcomes_create(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"kind",   "quarter", "earnings_cents", "employer_id",
                                        "source", "date",    "type",           NULL};
    struct outcome_input in = {0};
    struct outcome outcome;
    struct br_error err;

    br_error_clear(&err);
    api_body_known(req->json, known, "an outcome", &err);
    in.kind = api_body_string(req->json, "kind", &err);
    in.quarter = api_body_string(req->json, "quarter", &err);
    in.earnings_cents =
        api_body_integer(req->json, "earnings_cents", "an amount in cents", &in.has_earnings, &err);
    in.employer_id = api_body_string(req->json, "employer_id", &err);
    in.source = api_body_string(req->json, "source", &err);
    in.date = api_body_string(req->json, "date", &err);
    in.type = api_body_string(req->json, "type", &err);
    if (http_error_fields(req, res, &err, "the outcome cannot be recorded"))
        return;
    if (app_record_outcome(req->app, &req->actor, req->ids[0], &in, &outcome, &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    http_reply_json(res, 201, outcome_json(&outcome));
}
