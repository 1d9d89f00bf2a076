/* records.c — the case-management use cases (records.h): validate every field, then one
 * transaction each — begin, load, ask access.c, check the rules of core/casework.h, write, audit,
 * commit — or write nothing but the audit of the access decisions made. */
#include "app/records.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/access.h"
#include "core/date.h"
#include "core/mem.h"

#define RECORDS_MAX_SCORES 64   /* named scores in one assessment */
#define RECORDS_MAX_BARRIERS 32 /* barriers found by one assessment */
#define RECORDS_LABEL_SIZE 64   /* a score name or a barrier */
#define RECORDS_INPUT_MAX 65536 /* JSON text accepted for scores or barriers, before parsing */
/* Earnings over a billion dollars in a quarter are a typing error, not a wage record. */
#define RECORDS_MAX_EARNINGS_CENTS 100000000000LL
#define RECORDS_SSN_REASON_MAX 255

/* ---- transactions ------------------------------------------------------------------------- */

static int
begin(struct app *app, struct br_error *err)
{
    return app->store->ops->begin(app->store, err);
}

/* A read: it writes only the audit entries of its access decisions (store.h begin_read). */
static int
begin_read(struct app *app, struct br_error *err)
{
    return app->store->ops->begin_read(app->store, err);
}

/* Ends a use case.  On success it commits.  On failure it rolls back what the use case wrote —
 * but when it wrote nothing (wrote false), it commits instead, so that the audit entries of the
 * access decisions it made (a refused disclosure above all) stay on the record (RULES.md §11). */
static int
end(struct app *app, int rc, bool wrote, struct br_error *err)
{
    struct br_error ignored;

    if (rc == 0)
        return app->store->ops->commit(app->store, err);
    br_error_clear(&ignored);
    if (wrote || app->store->ops->commit(app->store, &ignored) != 0)
        app->store->ops->rollback(app->store);
    return rc;
}

/* The person exists, and the actor may use this area of their record (access.h, audited). */
static int
person_access(struct app *app, const struct actor *actor, int64_t person_id, enum access_area area,
              enum access_mode mode, struct access_basis *basis, struct br_error *err)
{
    struct stored_person person;
    int rc = app_person_load(app, person_id, &person, err);
    if (rc != 0)
        return rc;
    return access_require(app, actor, person_id, area, mode, basis, err);
}

static json_t *
json_day(int32_t day)
{
    char text[DATE_TEXT_SIZE];
    return day == DATE_NONE ? json_null() : json_string(date_format(day, text));
}

/* ---- field validation ------------------------------------------------------------------------ */

static bool
has_text(const char *text)
{
    for (const char *c = text; c != NULL && *c != '\0'; c++)
        if (*c != ' ' && *c != '\t' && *c != '\n' && *c != '\r')
            return true;
    return false;
}

/* A YYYY-MM-DD field: DATE_NONE when absent and optional; latest (when not DATE_NONE) is the last
 * day allowed, with its name for the message. */
static int32_t
date_field(struct br_error *err, const char *field, const char *text, bool required, int32_t latest,
           const char *latest_name)
{
    char day[DATE_TEXT_SIZE];
    int32_t value = DATE_NONE;

    if (text == NULL || text[0] == '\0') {
        if (required)
            br_error_field(err, field, "is required (YYYY-MM-DD)");
        return DATE_NONE;
    }
    int rc = date_parse(text, &value);
    if (rc == BR_EPARSE) {
        br_error_field(err, field, "must be a date YYYY-MM-DD");
        return DATE_NONE;
    }
    if (rc != 0) {
        br_error_field(err, field, "is not a date that exists");
        return DATE_NONE;
    }
    if (latest != DATE_NONE && value > latest) {
        br_error_field(err, field, "is after %s (%s)", latest_name, date_format(latest, day));
        return DATE_NONE;
    }
    return value;
}

/* Requires a day on or after `earliest` (when both are known). */
static void
not_before(struct br_error *err, const char *field, int32_t value, int32_t earliest,
           const char *earliest_name)
{
    char day[DATE_TEXT_SIZE];
    if (value != DATE_NONE && earliest != DATE_NONE && value < earliest)
        br_error_field(err, field, "is before %s (%s)", earliest_name, date_format(earliest, day));
}

/* A required text copied into out (size bytes). */
static void
text_field(struct br_error *err, const char *field, const char *text, char *out, size_t size)
{
    out[0] = '\0';
    if (!has_text(text)) {
        br_error_field(err, field, "is required");
        return;
    }
    if (strlen(text) >= size) {
        br_error_field(err, field, "is too long (at most %zu bytes)", size - 1);
        return;
    }
    memcpy(out, text, strlen(text) + 1);
}

/* Dumps a JSON value into out (size bytes), or reports it too long. */
static void
json_into(struct br_error *err, const char *field, const json_t *value, char *out, size_t size)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL || strlen(text) >= size)
        br_error_field(err, field, "is too long (at most %zu bytes as JSON)", size - 1);
    else
        memcpy(out, text, strlen(text) + 1);
    free(text);
}

/* Parses JSON text from the API, capped before parsing. */
static json_t *
json_field(struct br_error *err, const char *field, const char *text, const char *fallback)
{
    if (text == NULL || text[0] == '\0')
        text = fallback;
    if (strlen(text) > RECORDS_INPUT_MAX) {
        br_error_field(err, field, "is too long (at most %d bytes)", RECORDS_INPUT_MAX);
        return NULL;
    }
    return json_loads(text, JSON_REJECT_DUPLICATES, NULL);
}

/* Scores: a JSON object of named numbers or strings ({"reading": 563, "level": "4"}). */
static void
scores_field(struct br_error *err, const char *text, char *out, size_t size)
{
    char field[sizeof(((struct br_field_error *)0)->field)];
    const char *key;
    json_t *value;
    json_t *scores = json_field(err, "scores", text, "{}");
    size_t before = br_error_field_count(err);

    out[0] = '\0';
    if (scores == NULL) {
        if (br_error_field_count(err) == before)
            br_error_field(err, "scores", "must be a JSON object, such as {\"reading\": 563}");
        return;
    }
    if (!json_is_object(scores)) {
        br_error_field(err, "scores", "must be a JSON object, such as {\"reading\": 563}");
        goto out;
    }
    if (json_object_size(scores) > RECORDS_MAX_SCORES) {
        br_error_field(err, "scores", "has more than %d scores", RECORDS_MAX_SCORES);
        goto out;
    }
    json_object_foreach(scores, key, value)
    {
        snprintf(field, sizeof(field), "scores.%s", key);
        if (key[0] == '\0' || strlen(key) >= RECORDS_LABEL_SIZE)
            br_error_field(err, field, "a score name must be 1 to %d bytes",
                           RECORDS_LABEL_SIZE - 1);
        else if (json_is_string(value) && (json_string_length(value) == 0 ||
                                           json_string_length(value) >= RECORDS_LABEL_SIZE))
            br_error_field(err, field, "must be 1 to %d bytes", RECORDS_LABEL_SIZE - 1);
        else if (!json_is_number(value) && !json_is_string(value))
            br_error_field(err, field, "must be a number or a string");
    }
    if (br_error_field_count(err) == before)
        json_into(err, "scores", scores, out, size);
out:
    json_decref(scores);
}

/* Barriers found: a JSON array of distinct, non-empty strings. */
static void
barriers_field(struct br_error *err, const char *text, char *out, size_t size)
{
    char field[32];
    size_t i;
    json_t *value;
    json_t *barriers = json_field(err, "barriers", text, "[]");
    size_t before = br_error_field_count(err);

    out[0] = '\0';
    if (barriers == NULL) {
        if (br_error_field_count(err) == before)
            br_error_field(err, "barriers", "must be a JSON array of strings");
        return;
    }
    if (!json_is_array(barriers)) {
        br_error_field(err, "barriers", "must be a JSON array of strings");
        goto out;
    }
    if (json_array_size(barriers) > RECORDS_MAX_BARRIERS) {
        br_error_field(err, "barriers", "has more than %d barriers", RECORDS_MAX_BARRIERS);
        goto out;
    }
    json_array_foreach(barriers, i, value)
    {
        snprintf(field, sizeof(field), "barriers[%zu]", i);
        if (!json_is_string(value) || !has_text(json_string_value(value)) ||
            json_string_length(value) >= RECORDS_LABEL_SIZE) {
            br_error_field(err, field, "must be a text of 1 to %d bytes", RECORDS_LABEL_SIZE - 1);
            continue;
        }
        for (size_t k = 0; k < i; k++)
            if (json_equal(json_array_get(barriers, k), value))
                br_error_field(err, field, "repeats barriers[%zu]", k);
    }
    if (br_error_field_count(err) == before)
        json_into(err, "barriers", barriers, out, size);
out:
    json_decref(barriers);
}

/* ---- consents -------------------------------------------------------------------------------- */

int
app_record_consent(struct app *app, const struct actor *actor, int64_t person_id,
                   const struct consent_input *in, struct consent *out, struct br_error *err)
{
    char field[32];
    size_t fields = br_error_field_count(err);
    bool wrote = false;
    int rc;

    memset(out, 0, sizeof(*out));
    out->person_id = person_id;
    out->revoked_on = DATE_NONE;
    out->recorded_by = actor->user_id;
    out->agency_id = in->agency_id;
    if (in->agency_id <= 0)
        br_error_field(err, "agency_id", "is required (the partner agency's id)");
    if (in->n_purposes == 0)
        br_error_field(err, "purposes",
                       "needs at least one of case_notes, assessments, plans, "
                       "referrals");
    for (size_t i = 0; i < in->n_purposes; i++) {
        enum consent_purpose p;
        snprintf(field, sizeof(field), "purposes[%zu]", i);
        if (consent_purpose_parse(in->purposes[i], &p) != 0)
            br_error_field(err, field, "must be one of case_notes, assessments, plans, referrals");
        else if (out->purposes & CONSENT_PURPOSE_BIT(p))
            br_error_field(err, field, "%s is given twice", in->purposes[i]);
        else
            out->purposes |= CONSENT_PURPOSE_BIT(p);
    }
    out->from_on = date_field(err, "from", in->from, true, DATE_NONE, NULL);
    out->until_on = date_field(err, "until", in->until, true, DATE_NONE, NULL);
    not_before(err, "until", out->until_on, out->from_on, "from");
    /* A consent that has already ended would share nothing: it is a mistake, not a record. */
    not_before(err, "until", out->until_on, app->today, "today");
    if (br_error_field_count(err) > fields)
        return br_error_set(err, BR_EINVAL, "the consent cannot be recorded");

    if ((rc = begin(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_CONSENTS, ACCESS_WRITE, NULL, err)) != 0)
        goto out;
    wrote = true;
    rc = app->store->ops->consent_insert(app->store, out, err);
    if (rc == BR_ENOTFOUND) {
        br_error_field(err, "agency_id", "no agency with id %lld", (long long)in->agency_id);
        rc = br_error_set(err, BR_EINVAL, "the consent cannot be recorded");
    }
    if (rc != 0)
        goto out;
    json_t *purposes = json_array();
    for (int p = 0; p < CONSENT_PURPOSE_COUNT; p++)
        if (out->purposes & CONSENT_PURPOSE_BIT(p))
            json_array_append_new(purposes, json_string(consent_purpose_name(p)));
    rc = access_audit_append(app, actor, person_id, "consent.record", "consent", out->id, NULL,
                             json_pack("{s:I, s:o, s:o, s:o}", "agency_id",
                                       (json_int_t)out->agency_id, "purposes", purposes, "from",
                                       json_day(out->from_on), "until", json_day(out->until_on)),
                             err);
out:
    return end(app, rc, wrote, err);
}

int
app_revoke_consent(struct app *app, const struct actor *actor, int64_t person_id,
                   int64_t consent_id, struct br_error *err)
{
    bool wrote = false;
    int rc;

    if ((rc = begin(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_CONSENTS, ACCESS_WRITE, NULL, err)) != 0)
        goto out;
    wrote = true;
    /* RULES.md §11: revocable; from today on it shares nothing. */
    if ((rc = app->store->ops->consent_revoke(app->store, person_id, consent_id, app->today,
                                              err)) != 0)
        goto out;
    rc = access_audit_append(app, actor, person_id, "consent.revoke", "consent", consent_id, NULL,
                             json_pack("{s:o}", "revoked_on", json_day(app->today)), err);
out:
    return end(app, rc, wrote, err);
}

int
app_list_consents(struct app *app, const struct actor *actor, int64_t person_id,
                  struct consent_list *out, struct br_error *err)
{
    int rc;

    out->n = 0;
    if ((rc = begin_read(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_CONSENTS, ACCESS_READ, NULL, err)) != 0)
        goto out;
    rc =
        app->store->ops->consents_load(app->store, person_id, &out->items, &out->n, &out->cap, err);
out:
    return end(app, rc, false, err);
}

/* ---- assessments ----------------------------------------------------------------------------- */

int
app_record_assessment(struct app *app, const struct actor *actor, int64_t person_id,
                      const struct assessment_input *in, struct assessment *out,
                      struct br_error *err)
{
    struct access_basis basis;
    struct assessment_list existing = {0};
    size_t fields = br_error_field_count(err);
    bool wrote = false;
    int rc;

    memset(out, 0, sizeof(*out));
    out->person_id = person_id;
    out->agency_id = actor->agency_id;
    out->author_id = actor->user_id;
    if (in->type == NULL || in->type[0] == '\0')
        br_error_field(err, "type", "is required");
    else if (assessment_type_parse(in->type, &out->type) != 0)
        br_error_field(err, "type",
                       "must be one of OBJECTIVE_ASSESSMENT, TABE, CASAS, "
                       "CAREERSCOPE, NEEDS_BARRIERS");
    out->assessed_on = date_field(err, "assessed_on", in->assessed_on, true, app->today, "today");
    scores_field(err, in->scores, out->scores, sizeof(out->scores));
    barriers_field(err, in->barriers, out->barriers, sizeof(out->barriers));
    if (br_error_field_count(err) > fields)
        return br_error_set(err, BR_EINVAL, "the assessment cannot be recorded");

    if ((rc = begin(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_ASSESSMENTS, ACCESS_WRITE, &basis,
                            err)) != 0)
        goto out;
    if ((rc = app->store->ops->assessments_load(app->store, person_id, &existing.items, &existing.n,
                                                &existing.cap, err)) != 0)
        goto out;
    /* RULES.md §9, seed 000: common assessments are shared; no partner repeats a current one. */
    long current = assessment_find_current(existing.items, existing.n, out->type, out->assessed_on,
                                           &app->policy);
    if (current >= 0) {
        const struct assessment *a = &existing.items[current];
        char on[DATE_TEXT_SIZE], until[DATE_TEXT_SIZE];
        struct access_decision see;
        date_format(a->assessed_on, on);
        date_format(assessment_current_until(a->assessed_on, &app->policy), until);
        /* Naming it discloses it: in detail only to those who may see assessments. */
        access_decide(&basis, ACCESS_ASSESSMENTS, ACCESS_READ, &see);
        if ((rc = access_audit(app, actor, person_id, ACCESS_ASSESSMENTS, ACCESS_READ, &see,
                               err)) != 0)
            goto out;
        if (see.allowed)
            br_error_field(err, "type",
                           "the person's %s assessment %lld of %s (agency %lld) is current until "
                           "%s: use it rather than repeating it",
                           assessment_type_name(a->type), (long long)a->id, on,
                           (long long)a->agency_id, until);
        else
            br_error_field(err, "type",
                           "the person has a %s assessment that is still current; ask the person "
                           "to share assessments with your agency rather than repeating it",
                           assessment_type_name(a->type));
        rc = br_error_set(err, BR_ECONFLICT,
                          "no partner repeats an assessment that is still current (RULES.md §9)");
        goto out;
    }
    wrote = true;
    if ((rc = app->store->ops->assessment_insert(app->store, out, err)) != 0)
        goto out;
    rc = access_audit_append(
        app, actor, person_id, "assessment.record", "assessment", out->id, NULL,
        json_pack("{s:s, s:o, s:I}", "type", assessment_type_name(out->type), "assessed_on",
                  json_day(out->assessed_on), "agency_id", (json_int_t)out->agency_id),
        err);
out:
    free(existing.items);
    return end(app, rc, wrote, err);
}

int
app_list_assessments(struct app *app, const struct actor *actor, int64_t person_id,
                     struct assessment_list *out, struct br_error *err)
{
    int rc;

    out->n = 0;
    if ((rc = begin_read(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_ASSESSMENTS, ACCESS_READ, NULL, err)) !=
        0)
        goto out;
    rc = app->store->ops->assessments_load(app->store, person_id, &out->items, &out->n, &out->cap,
                                           err);
out:
    return end(app, rc, false, err);
}

/* ---- plans ------------------------------------------------------------------------------------
 */

void
app_person_plans_cleanup(struct person_plans *plans)
{
    free(plans->plans);
    free(plans->status);
    free(plans->goals);
    free(plans->reviews);
    memset(plans, 0, sizeof(*plans));
}

/* Loads the person's plans, goals and reviews into p, with each plan's review status. */
static int
plans_load(struct app *app, int64_t person_id, struct person_plans *p, struct br_error *err)
{
    int rc;
    p->n_plans = p->n_goals = p->n_reviews = 0;
    if ((rc = app->store->ops->plans_load(app->store, person_id, &p->plans, &p->n_plans,
                                          &p->cap_plans, err)) != 0 ||
        (rc = app->store->ops->goals_load(app->store, person_id, &p->goals, &p->n_goals,
                                          &p->cap_goals, err)) != 0 ||
        (rc = app->store->ops->plan_reviews_load(app->store, person_id, &p->reviews, &p->n_reviews,
                                                 &p->cap_reviews, err)) != 0)
        return rc;
    xgrow(&p->status, &p->cap_status, p->n_plans, sizeof(*p->status));
    for (size_t i = 0; i < p->n_plans; i++)
        plan_review_status(&p->plans[i], p->reviews, p->n_reviews, app->today, &app->policy,
                           &p->status[i]);
    return 0;
}

static struct case_plan *
plan_find(struct person_plans *p, int64_t plan_id)
{
    for (size_t i = 0; i < p->n_plans; i++)
        if (p->plans[i].id == plan_id)
            return &p->plans[i];
    return NULL;
}

static struct case_plan *
plan_open(struct person_plans *p)
{
    for (size_t i = 0; i < p->n_plans; i++)
        if (p->plans[i].closed_on == DATE_NONE)
            return &p->plans[i];
    return NULL;
}

/* The plan named, which must be the person's and open (seed 003: it stays open until exit and
 * is changed only while open). */
static int
plan_find_open(struct person_plans *p, int64_t person_id, int64_t plan_id, struct case_plan **out,
               struct br_error *err)
{
    char day[DATE_TEXT_SIZE];
    *out = plan_find(p, plan_id);
    if (*out == NULL)
        return br_error_set(err, BR_ENOTFOUND, "person %lld has no plan %lld", (long long)person_id,
                            (long long)plan_id);
    if ((*out)->closed_on != DATE_NONE)
        return br_error_set(err, BR_ECONFLICT, "plan %lld was closed on %s", (long long)plan_id,
                            date_format((*out)->closed_on, day));
    return 0;
}

/* IEP for adults, ISS for youth (RULES.md §9): the kind must match an eligibility determination
 * the person has, since a plan follows enrollment. */
static void
plan_kind_check(struct app *app, enum plan_kind kind, struct br_error *err)
{
    int youth = catalog_program_index(&app->catalog, "YOUTH");
    bool has_youth = false, has_other = false;

    for (size_t i = 0; i < app->record.n_enrollments; i++) {
        if (app->record.enrollments[i].program == youth)
            has_youth = true;
        else
            has_other = true;
    }
    if (kind == PLAN_ISS && !has_youth)
        br_error_field(err, "kind",
                       "an ISS is a youth plan: the person has no YOUTH eligibility "
                       "determination");
    if (kind == PLAN_IEP && !has_other)
        br_error_field(err, "kind",
                       "an IEP is an adult plan: the person has no eligibility "
                       "determination for a program other than YOUTH%s",
                       has_youth ? " (youth have an ISS)" : "");
}

int
app_create_plan(struct app *app, const struct actor *actor, int64_t person_id,
                const struct plan_input *in, struct case_plan *out, struct br_error *err)
{
    struct person_plans plans = {0};
    size_t fields = br_error_field_count(err);
    bool wrote = false;
    int rc;

    memset(out, 0, sizeof(*out));
    out->person_id = person_id;
    out->closed_on = DATE_NONE;
    out->agency_id = actor->agency_id;
    out->author_id = actor->user_id;
    if (in->kind == NULL || plan_kind_parse(in->kind, &out->kind) != 0)
        br_error_field(err, "kind", "must be IEP (adults) or ISS (youth)");
    out->created_on = date_field(err, "created_on", in->created_on, true, app->today, "today");
    out->signed_on = date_field(err, "signed_on", in->signed_on, false, app->today, "today");
    not_before(err, "signed_on", out->signed_on, out->created_on, "created_on");
    out->copy_given = in->copy_given;
    if (in->copy_given && (in->signed_on == NULL || in->signed_on[0] == '\0'))
        br_error_field(err, "copy_given", "needs signed_on: the copy given is of the signed plan");
    if (br_error_field_count(err) > fields)
        return br_error_set(err, BR_EINVAL, "the plan cannot be created");

    if ((rc = begin(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_PLANS, ACCESS_WRITE, NULL, err)) != 0)
        goto out;
    if ((rc = app->store->ops->record_load(app->store, &app->catalog, person_id, &app->record,
                                           err)) != 0)
        goto out;
    plan_kind_check(app, out->kind, err);
    if (br_error_field_count(err) > fields) {
        rc = br_error_set(err, BR_EINVAL, "the plan cannot be created");
        goto out;
    }
    if ((rc = plans_load(app, person_id, &plans, err)) != 0)
        goto out;
    const struct case_plan *open = plan_open(&plans);
    if (open != NULL) {
        char day[DATE_TEXT_SIZE];
        /* RULES.md §9: one plan, open until exit (seed 003). */
        rc = br_error_set(err, BR_ECONFLICT,
                          "the person already has an open %s (plan %lld, created %s); it stays "
                          "open until exit — add goals or review it instead",
                          plan_kind_name(open->kind), (long long)open->id,
                          date_format(open->created_on, day));
        goto out;
    }
    wrote = true;
    if ((rc = app->store->ops->plan_insert(app->store, out, err)) != 0)
        goto out;
    rc = access_audit_append(app, actor, person_id, "plan.create", "plan", out->id, NULL,
                             json_pack("{s:s, s:o, s:o, s:b}", "kind", plan_kind_name(out->kind),
                                       "created_on", json_day(out->created_on), "signed_on",
                                       json_day(out->signed_on), "copy_given", out->copy_given),
                             err);
out:
    app_person_plans_cleanup(&plans);
    return end(app, rc, wrote, err);
}

/* The work of app_sign_plan and app_sign_plan_returning; out may be NULL. */
static int
sign_plan(struct app *app, const struct actor *actor, int64_t person_id, int64_t plan_id,
          const char *signed_on, bool copy_given, struct case_plan *out, struct br_error *err)
{
    struct person_plans plans = {0};
    struct case_plan *plan = NULL;
    size_t fields = br_error_field_count(err);
    bool wrote = false;
    int rc;

    int32_t signed_day = date_field(err, "signed_on", signed_on, true, app->today, "today");
    if (br_error_field_count(err) > fields)
        return br_error_set(err, BR_EINVAL, "the plan cannot be signed");
    if ((rc = begin(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_PLANS, ACCESS_WRITE, NULL, err)) != 0)
        goto out;
    if ((rc = plans_load(app, person_id, &plans, err)) != 0 ||
        (rc = plan_find_open(&plans, person_id, plan_id, &plan, err)) != 0)
        goto out;
    not_before(err, "signed_on", signed_day, plan->created_on, "the plan's creation");
    if (br_error_field_count(err) > fields) {
        rc = br_error_set(err, BR_EINVAL, "the plan cannot be signed");
        goto out;
    }
    if (plan->signed_on != DATE_NONE && plan->signed_on != signed_day) {
        char day[DATE_TEXT_SIZE];
        rc = br_error_set(err, BR_ECONFLICT, "plan %lld was signed on %s", (long long)plan_id,
                          date_format(plan->signed_on, day));
        goto out;
    }
    plan->signed_on = signed_day;
    plan->copy_given = plan->copy_given || copy_given;
    wrote = true;
    if ((rc = app->store->ops->plan_update(app->store, plan, err)) != 0)
        goto out;
    rc = access_audit_append(app, actor, person_id, "plan.sign", "plan", plan_id, NULL,
                             json_pack("{s:o, s:b}", "signed_on", json_day(plan->signed_on),
                                       "copy_given", plan->copy_given),
                             err);
    if (rc == 0 && out != NULL)
        *out = *plan;
out:
    app_person_plans_cleanup(&plans);
    return end(app, rc, wrote, err);
}

int
app_sign_plan(struct app *app, const struct actor *actor, int64_t person_id, int64_t plan_id,
              const char *signed_on, bool copy_given, struct br_error *err)
{
    return sign_plan(app, actor, person_id, plan_id, signed_on, copy_given, NULL, err);
}

int
app_sign_plan_returning(struct app *app, const struct actor *actor, int64_t person_id,
                        int64_t plan_id, const char *signed_on, bool copy_given,
                        struct case_plan *out, struct br_error *err)
{
    memset(out, 0, sizeof(*out));
    return sign_plan(app, actor, person_id, plan_id, signed_on, copy_given, out, err);
}

int
app_add_goal(struct app *app, const struct actor *actor, int64_t person_id, int64_t plan_id,
             const struct goal_input *in, struct goal *out, struct br_error *err)
{
    struct person_plans plans = {0};
    struct case_plan *plan = NULL;
    size_t fields = br_error_field_count(err);
    bool wrote = false;
    int rc;

    memset(out, 0, sizeof(*out));
    out->person_id = person_id;
    out->plan_id = plan_id;
    out->status = GOAL_OPEN;
    out->closed_on = DATE_NONE;
    if (in->type == NULL || goal_type_parse(in->type, &out->type) != 0)
        br_error_field(err, "type",
                       "must be one of EMPLOYMENT, CREDENTIAL, SKILL_GAIN, "
                       "EDUCATION, TRAINING_COMPLETION, BASIC_SKILLS, "
                       "WORK_READINESS, OCCUPATIONAL_SKILLS, BARRIER_REMOVAL, OTHER");
    text_field(err, "description", in->description, out->description, sizeof(out->description));
    out->target_on = date_field(err, "target_date", in->target_date, true, DATE_NONE, NULL);
    if (br_error_field_count(err) > fields)
        return br_error_set(err, BR_EINVAL, "the goal cannot be added");

    if ((rc = begin(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_PLANS, ACCESS_WRITE, NULL, err)) != 0)
        goto out;
    if ((rc = plans_load(app, person_id, &plans, err)) != 0 ||
        (rc = plan_find_open(&plans, person_id, plan_id, &plan, err)) != 0)
        goto out;
    not_before(err, "target_date", out->target_on, plan->created_on, "the plan's creation");
    if (br_error_field_count(err) > fields) {
        rc = br_error_set(err, BR_EINVAL, "the goal cannot be added");
        goto out;
    }
    wrote = true;
    if ((rc = app->store->ops->goal_insert(app->store, out, err)) != 0)
        goto out;
    rc = access_audit_append(app, actor, person_id, "goal.add", "goal", out->id, NULL,
                             json_pack("{s:I, s:s, s:o}", "plan_id", (json_int_t)plan_id, "type",
                                       goal_type_name(out->type), "target_date",
                                       json_day(out->target_on)),
                             err);
out:
    app_person_plans_cleanup(&plans);
    return end(app, rc, wrote, err);
}

/* The work of app_close_goal (plan_id 0: the goal may be of any plan) and app_close_plan_goal;
 * out may be NULL. */
static int
close_goal(struct app *app, const struct actor *actor, int64_t person_id, int64_t plan_id,
           int64_t goal_id, const char *status, const char *closed_on, struct goal *out,
           struct br_error *err)
{
    struct person_plans plans = {0};
    struct goal *goal = NULL;
    enum goal_status new_status = GOAL_OPEN;
    size_t fields = br_error_field_count(err);
    bool wrote = false;
    int rc;

    if (status == NULL || goal_status_parse(status, &new_status) != 0 || new_status == GOAL_OPEN)
        br_error_field(err, "status", "must be attained or not_attained");
    int32_t closed_day = date_field(err, "closed_on", closed_on, true, app->today, "today");
    if (br_error_field_count(err) > fields)
        return br_error_set(err, BR_EINVAL, "the goal cannot be closed");

    if ((rc = begin(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_PLANS, ACCESS_WRITE, NULL, err)) != 0)
        goto out;
    if ((rc = plans_load(app, person_id, &plans, err)) != 0)
        goto out;
    for (size_t i = 0; i < plans.n_goals && goal == NULL; i++)
        if (plans.goals[i].id == goal_id && (plan_id == 0 || plans.goals[i].plan_id == plan_id))
            goal = &plans.goals[i];
    if (goal == NULL && plan_id != 0) {
        rc = br_error_set(err, BR_ENOTFOUND, "plan %lld of person %lld has no goal %lld",
                          (long long)plan_id, (long long)person_id, (long long)goal_id);
        goto out;
    }
    if (goal == NULL) {
        rc = br_error_set(err, BR_ENOTFOUND, "person %lld has no goal %lld", (long long)person_id,
                          (long long)goal_id);
        goto out;
    }
    if (goal->status != GOAL_OPEN) {
        rc = br_error_set(err, BR_ECONFLICT, "goal %lld is closed already (%s)", (long long)goal_id,
                          goal_status_name(goal->status));
        goto out;
    }
    const struct case_plan *plan = plan_find(&plans, goal->plan_id);
    not_before(err, "closed_on", closed_day, plan != NULL ? plan->created_on : DATE_NONE,
               "the plan's creation");
    if (br_error_field_count(err) > fields) {
        rc = br_error_set(err, BR_EINVAL, "the goal cannot be closed");
        goto out;
    }
    goal->status = new_status;
    goal->closed_on = closed_day;
    wrote = true;
    if ((rc = app->store->ops->goal_update(app->store, goal, err)) != 0)
        goto out;
    rc = access_audit_append(app, actor, person_id, "goal.close", "goal", goal_id, NULL,
                             json_pack("{s:s, s:o}", "status", goal_status_name(goal->status),
                                       "closed_on", json_day(goal->closed_on)),
                             err);
    if (rc == 0 && out != NULL)
        *out = *goal;
out:
    app_person_plans_cleanup(&plans);
    return end(app, rc, wrote, err);
}

int
app_close_goal(struct app *app, const struct actor *actor, int64_t person_id, int64_t goal_id,
               const char *status, const char *closed_on, struct br_error *err)
{
    return close_goal(app, actor, person_id, 0, goal_id, status, closed_on, NULL, err);
}

int
app_close_plan_goal(struct app *app, const struct actor *actor, int64_t person_id, int64_t plan_id,
                    int64_t goal_id, const char *status, const char *closed_on, struct goal *out,
                    struct br_error *err)
{
    memset(out, 0, sizeof(*out));
    return close_goal(app, actor, person_id, plan_id, goal_id, status, closed_on, out, err);
}

int
app_review_plan(struct app *app, const struct actor *actor, int64_t person_id, int64_t plan_id,
                const struct review_input *in, struct plan_review *out, struct br_error *err)
{
    struct person_plans plans = {0};
    struct case_plan *plan = NULL;
    size_t fields = br_error_field_count(err);
    bool wrote = false;
    int rc;

    memset(out, 0, sizeof(*out));
    out->person_id = person_id;
    out->plan_id = plan_id;
    out->reviewer_id = actor->user_id;
    out->reviewed_on = date_field(err, "reviewed_on", in->reviewed_on, true, app->today, "today");
    text_field(err, "note", in->note, out->note, sizeof(out->note));
    if (br_error_field_count(err) > fields)
        return br_error_set(err, BR_EINVAL, "the review cannot be recorded");

    if ((rc = begin(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_PLANS, ACCESS_WRITE, NULL, err)) != 0)
        goto out;
    if ((rc = plans_load(app, person_id, &plans, err)) != 0 ||
        (rc = plan_find_open(&plans, person_id, plan_id, &plan, err)) != 0)
        goto out;
    not_before(err, "reviewed_on", out->reviewed_on, plan->created_on, "the plan's creation");
    if (br_error_field_count(err) > fields) {
        rc = br_error_set(err, BR_EINVAL, "the review cannot be recorded");
        goto out;
    }
    wrote = true;
    if ((rc = app->store->ops->plan_review_insert(app->store, out, err)) != 0)
        goto out;
    rc = access_audit_append(app, actor, person_id, "plan.review", "plan_review", out->id, NULL,
                             json_pack("{s:I, s:o}", "plan_id", (json_int_t)plan_id, "reviewed_on",
                                       json_day(out->reviewed_on)),
                             err);
out:
    app_person_plans_cleanup(&plans);
    return end(app, rc, wrote, err);
}

int
app_list_plans(struct app *app, const struct actor *actor, int64_t person_id,
               struct person_plans *out, struct br_error *err)
{
    int rc;

    out->n_plans = out->n_goals = out->n_reviews = 0;
    if ((rc = begin_read(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_PLANS, ACCESS_READ, NULL, err)) != 0)
        goto out;
    rc = plans_load(app, person_id, out, err);
out:
    return end(app, rc, false, err);
}

/* The work of app_close_plan_at_exit; *wrote says whether it changed anything. */
static int
close_at_exit(struct app *app, const struct actor *actor, int64_t person_id, int32_t exit_on,
              const struct goal_decision *decisions, size_t n, struct plan_exit_result *result,
              bool *wrote, struct br_error *err)
{
    struct person_plans plans = {0};
    struct outcome_list outcomes = {0};
    struct case_plan *plan = NULL;
    char field[48];
    size_t fields = br_error_field_count(err);
    json_t *closed = NULL;
    int rc;

    memset(result, 0, sizeof(*result));
    if (exit_on == DATE_NONE || exit_on > app->today) {
        br_error_field(err, "exit_date", "must be a date not after today");
        return br_error_set(err, BR_EINVAL, "the plan cannot be closed at exit");
    }
    if ((rc = person_access(app, actor, person_id, ACCESS_PLANS, ACCESS_WRITE, NULL, err)) != 0)
        goto out;
    if ((rc = plans_load(app, person_id, &plans, err)) != 0)
        goto out;
    plan = plan_open(&plans);
    /* A plan begun after the exit date belongs to a later period of participation. */
    if (plan == NULL || plan->created_on > exit_on)
        goto out;
    for (size_t i = 0; i < n; i++) {
        enum goal_status status = GOAL_OPEN;
        const struct goal *g = NULL;
        for (size_t k = 0; k < plans.n_goals && g == NULL; k++)
            if (plans.goals[k].id == decisions[i].goal_id)
                g = &plans.goals[k];
        snprintf(field, sizeof(field), "decisions[%zu].goal_id", i);
        if (g == NULL || g->plan_id != plan->id || g->status != GOAL_OPEN)
            br_error_field(err, field, "is not an open goal of plan %lld", (long long)plan->id);
        snprintf(field, sizeof(field), "decisions[%zu].status", i);
        if (decisions[i].status == NULL || goal_status_parse(decisions[i].status, &status) != 0 ||
            status == GOAL_OPEN)
            br_error_field(err, field, "must be attained or not_attained");
    }
    if (br_error_field_count(err) > fields) {
        rc = br_error_set(err, BR_EINVAL, "the plan cannot be closed at exit");
        goto out;
    }
    if ((rc = app->store->ops->outcomes_load(app->store, person_id, &outcomes.items, &outcomes.n,
                                             &outcomes.cap, err)) != 0)
        goto out;

    /* RULES.md §4 end, seed 003: at exit the plan closes and each open goal is recorded attained
     * or not attained — by staff, else by what the record shows, else not attained. */
    closed = json_array();
    for (size_t k = 0; k < plans.n_goals; k++) {
        struct goal *g = &plans.goals[k];
        const char *by = "no_evidence";
        if (g->plan_id != plan->id || g->status != GOAL_OPEN)
            continue;
        g->status = GOAL_NOT_ATTAINED;
        for (size_t i = 0; i < n; i++) {
            if (decisions[i].goal_id == g->id) {
                goal_status_parse(decisions[i].status, &g->status);
                by = "staff";
            }
        }
        if (strcmp(by, "staff") != 0 &&
            goal_attained_by_evidence(g, plan, outcomes.items, outcomes.n, exit_on)) {
            g->status = GOAL_ATTAINED;
            by = "outcome";
        }
        g->closed_on = exit_on;
        *wrote = true;
        if ((rc = app->store->ops->goal_update(app->store, g, err)) != 0)
            goto out;
        if (g->status == GOAL_ATTAINED)
            result->n_attained++;
        else
            result->n_not_attained++;
        json_array_append_new(closed, json_pack("{s:I, s:s, s:s}", "goal_id", (json_int_t)g->id,
                                                "status", goal_status_name(g->status), "by", by));
    }
    plan->closed_on = exit_on;
    *wrote = true;
    if ((rc = app->store->ops->plan_update(app->store, plan, err)) != 0)
        goto out;
    result->plan_id = plan->id;
    rc = access_audit_append(
        app, actor, person_id, "plan.close_at_exit", "plan", plan->id, NULL,
        json_pack("{s:o, s:O}", "exit_date", json_day(exit_on), "goals", closed), err);
out:
    json_decref(closed);
    free(outcomes.items);
    app_person_plans_cleanup(&plans);
    return rc;
}

int
app_close_plan_at_exit_in(struct app *app, const struct actor *actor, int64_t person_id,
                          int32_t exit_on, const struct goal_decision *decisions, size_t n,
                          struct plan_exit_result *result, struct br_error *err)
{
    bool wrote = false;
    return close_at_exit(app, actor, person_id, exit_on, decisions, n, result, &wrote, err);
}

int
app_close_plan_at_group_exit(struct app *app, int64_t person_id, const struct exit_result *exits,
                             struct plan_exit_result *result, struct br_error *err)
{
    const struct exit_period *latest = NULL;

    memset(result, 0, sizeof(*result));
    for (size_t i = 0; i < exits->n_periods; i++) {
        const struct exit_period *p = &exits->periods[i];
        if (p->status == EXIT_STATUS_REPORTABLE ||
            exit_group_key(&app->catalog, p->program) != EXIT_GROUP_COMMON)
            continue;
        if (latest == NULL || p->period > latest->period)
            latest = p;
    }
    /* An exit dated after today (a run as of a day to come) closes nothing yet. */
    if (latest == NULL || latest->status != EXIT_STATUS_EXITED || latest->exit_on > app->today)
        return 0;
    /* RULES.md §4 end, §9: the plan closes because the group exited — the system's doing. */
    return app_close_plan_at_exit_in(app, &app_system_actor, person_id, latest->exit_on, NULL, 0,
                                     result, err);
}

int
app_close_plan_at_exit(struct app *app, const struct actor *actor, int64_t person_id,
                       int32_t exit_on, const struct goal_decision *decisions, size_t n,
                       struct plan_exit_result *result, struct br_error *err)
{
    bool wrote = false;
    int rc;

    if ((rc = begin(app, err)) != 0)
        return rc;
    rc = close_at_exit(app, actor, person_id, exit_on, decisions, n, result, &wrote, err);
    return end(app, rc, wrote, err);
}

/* ---- outcomes ----------------------------------------------------------------------------------
 */

/* "YYYY-Qn": the first day of that quarter, or DATE_NONE. */
static int32_t
quarter_parse(const char *text, int *quarter)
{
    if (text == NULL || strlen(text) != 7 || text[4] != '-' || text[5] != 'Q' || text[6] < '1' ||
        text[6] > '4')
        return DATE_NONE;
    int year = 0;
    for (int i = 0; i < 4; i++) {
        if (text[i] < '0' || text[i] > '9')
            return DATE_NONE;
        year = year * 10 + (text[i] - '0');
    }
    *quarter = text[6] - '0';
    if (!date_valid(year, 1, 1))
        return DATE_NONE;
    return date_from_ymd(year, (*quarter - 1) * 3 + 1, 1);
}

static bool
employer_id_valid(const char *id)
{
    size_t n = id != NULL ? strlen(id) : 0;
    if (n == 0 || n >= OUTCOME_CODE_SIZE)
        return false;
    for (const char *c = id; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
              *c == '-'))
            return false;
    return true;
}

/* Names a field given for a kind it does not apply to. */
static void
only_for(struct br_error *err, const char *field, bool given, const char *kinds)
{
    if (given)
        br_error_field(err, field, "applies only to %s", kinds);
}

static void
outcome_fields(struct app *app, const struct outcome_input *in, struct outcome *out,
               struct br_error *err)
{
    bool employment = out->kind == OUTCOME_EMPLOYMENT;
    bool given_quarter = in->quarter != NULL && in->quarter[0] != '\0';

    out->earnings_cents = OUTCOME_NO_EARNINGS;
    if (employment) {
        /* RULES.md §10: employment by quarter, with earnings and the employer's id. */
        out->outcome_on = quarter_parse(in->quarter, &out->quarter);
        if (!given_quarter)
            br_error_field(err, "quarter", "is required (YYYY-Qn, such as 2026-Q3)");
        else if (out->outcome_on == DATE_NONE)
            br_error_field(err, "quarter", "must be YYYY-Qn, such as 2026-Q3");
        else if (out->outcome_on > app->today)
            br_error_field(err, "quarter", "has not begun yet");
        if (!in->has_earnings)
            br_error_field(err, "earnings_cents", "is required");
        else if (in->earnings_cents < 0 || in->earnings_cents > RECORDS_MAX_EARNINGS_CENTS)
            br_error_field(err, "earnings_cents", "must be 0 to %lld",
                           (long long)RECORDS_MAX_EARNINGS_CENTS);
        else
            out->earnings_cents = in->earnings_cents;
        if (!employer_id_valid(in->employer_id))
            br_error_field(err, "employer_id",
                           "is required: the FEIN or UI account number "
                           "(letters, digits and -)");
        else
            memcpy(out->employer_id, in->employer_id, strlen(in->employer_id) + 1);
        if (!outcome_source_valid(in->source))
            br_error_field(err, "source", "must be wage_record or supplemental");
        else
            memcpy(out->source, in->source, strlen(in->source) + 1);
        only_for(err, "date", in->date != NULL && in->date[0] != '\0',
                 "credential, skill_gain and education (employment is by quarter)");
        only_for(err, "type", in->type != NULL && in->type[0] != '\0',
                 "credential, skill_gain and education");
        return;
    }
    out->outcome_on = date_field(err, "date", in->date, true, app->today, "today");
    if (!outcome_type_valid(out->kind, in->type)) {
        char list[256] = "";
        size_t used = 0;
        const char *const *types = outcome_types(out->kind);
        for (size_t i = 0; types[i] != NULL && used < sizeof(list); i++) {
            int w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", types[i]);
            used += w > 0 ? (size_t)w : 0;
        }
        br_error_field(err, "type", "must be one of %s", list);
    } else {
        memcpy(out->detail_type, in->type, strlen(in->type) + 1);
    }
    only_for(err, "quarter", given_quarter, "employment");
    only_for(err, "earnings_cents", in->has_earnings, "employment");
    only_for(err, "employer_id", in->employer_id != NULL && in->employer_id[0] != '\0',
             "employment");
    only_for(err, "source", in->source != NULL && in->source[0] != '\0', "employment");
}

int
app_record_outcome(struct app *app, const struct actor *actor, int64_t person_id,
                   const struct outcome_input *in, struct outcome *out, struct br_error *err)
{
    size_t fields = br_error_field_count(err);
    bool wrote = false;
    int rc;

    memset(out, 0, sizeof(*out));
    out->person_id = person_id;
    if (in->kind == NULL || outcome_kind_parse(in->kind, &out->kind) != 0)
        br_error_field(err, "kind", "must be employment, credential, skill_gain or education");
    else
        outcome_fields(app, in, out, err);
    if (br_error_field_count(err) > fields)
        return br_error_set(err, BR_EINVAL, "the outcome cannot be recorded");

    if ((rc = begin(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_OUTCOMES, ACCESS_WRITE, NULL, err)) != 0)
        goto out;
    wrote = true;
    if ((rc = app->store->ops->outcome_insert(app->store, out, err)) != 0)
        goto out;
    json_t *what = json_pack("{s:s, s:o}", "kind", outcome_kind_name(out->kind), "date",
                             json_day(out->outcome_on));
    if (out->detail_type[0] != '\0')
        json_object_set_new(what, "type", json_string(out->detail_type));
    if (out->source[0] != '\0')
        json_object_set_new(what, "source", json_string(out->source));
    rc = access_audit_append(app, actor, person_id, "outcome.record", "outcome", out->id, NULL,
                             what, err);
out:
    return end(app, rc, wrote, err);
}

int
app_list_outcomes(struct app *app, const struct actor *actor, int64_t person_id,
                  struct outcome_list *out, struct br_error *err)
{
    int rc;

    out->n = 0;
    if ((rc = begin_read(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_OUTCOMES, ACCESS_READ, NULL, err)) != 0)
        goto out;
    rc =
        app->store->ops->outcomes_load(app->store, person_id, &out->items, &out->n, &out->cap, err);
out:
    return end(app, rc, false, err);
}

/* ---- reads filtered by access ------------------------------------------------------------ */

void
app_note_list_cleanup(struct note_list *list)
{
    for (size_t i = 0; i < list->n_loaded; i++)
        free(list->items[i].body);
    free(list->items);
    memset(list, 0, sizeof(*list));
}

int
app_list_notes(struct app *app, const struct actor *actor, int64_t person_id, struct note_list *out,
               struct br_error *err)
{
    struct access_basis basis;
    int rc;

    /* notes_load frees the bodies it held (store.h): hand it every loaded note back. */
    out->n = out->n_loaded;
    out->n_withheld = 0;
    if ((rc = begin_read(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_CASE_NOTES, ACCESS_READ, &basis, err)) !=
        0)
        goto out;
    rc = app->store->ops->notes_load(app->store, person_id, &out->items, &out->n, &out->cap, err);
    out->n_loaded = out->n;
    if (rc != 0)
        goto out;
    /* Keep the visible notes first; the withheld ones stay behind n, still owned by the list. */
    size_t kept = 0;
    for (size_t i = 0; i < out->n; i++) {
        if (!access_note_visible(&basis, &out->items[i])) {
            out->n_withheld++;
            continue;
        }
        struct case_note note = out->items[i];
        out->items[i] = out->items[kept];
        out->items[kept++] = note;
    }
    out->n = kept;
out:
    if (rc != 0)
        out->n = 0;
    return end(app, rc, false, err);
}

int
app_list_contacts(struct app *app, const struct actor *actor, int64_t person_id,
                  struct contact_list *out, struct br_error *err)
{
    int rc;

    out->n = 0;
    if ((rc = begin_read(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_CONTACTS, ACCESS_READ, NULL, err)) != 0)
        goto out;
    rc =
        app->store->ops->contacts_load(app->store, person_id, &out->items, &out->n, &out->cap, err);
out:
    return end(app, rc, false, err);
}

int
app_person_view(struct app *app, const struct actor *actor, int64_t person_id,
                struct stored_person *out, bool *sensitive_shown, struct br_error *err)
{
    struct access_basis basis;
    struct access_decision sensitive;
    int rc;

    *sensitive_shown = false;
    if ((rc = begin_read(app, err)) != 0)
        return rc;
    if ((rc = app_person_load(app, person_id, out, err)) != 0)
        goto out;
    if ((rc = access_require(app, actor, person_id, ACCESS_FACTS, ACCESS_READ, &basis, err)) != 0)
        goto out;
    /* RULES.md §11: sensitive facts only for the roles that need them; reading them is itself
     * on the record. */
    access_decide(&basis, ACCESS_SENSITIVE, ACCESS_READ, &sensitive);
    if (sensitive.allowed)
        rc = access_audit(app, actor, person_id, ACCESS_SENSITIVE, ACCESS_READ, &sensitive, err);
    else
        access_mask_facts(&out->facts);
    *sensitive_shown = sensitive.allowed;
out:
    if (rc != 0) {
        memset(out, 0, sizeof(*out));
        *sensitive_shown = false;
    }
    return end(app, rc, false, err);
}

int
app_person_reveal_ssn(struct app *app, const struct actor *actor, int64_t person_id,
                      const char *reason, char ssn[CRYPTO_SSN_SIZE], struct br_error *err)
{
    uint8_t sealed[CRYPTO_SSN_SEALED_SIZE];
    size_t len = 0;
    int rc;

    ssn[0] = '\0';
    if (!has_text(reason) || strlen(reason) > RECORDS_SSN_REASON_MAX) {
        br_error_field(err, "reason", "is required (at most %d bytes): why the full SSN is needed",
                       RECORDS_SSN_REASON_MAX);
        return br_error_set(err, BR_EINVAL, "the SSN cannot be revealed");
    }
    if ((rc = begin_read(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_SSN, ACCESS_READ, NULL, err)) != 0)
        goto out;
    rc = app->store->ops->identity_get(app->store, person_id, sealed, sizeof(sealed), &len, err);
    if (rc == BR_ENOTFOUND)
        rc = br_error_set(err, BR_ENOTFOUND, "no SSN is recorded for person %lld",
                          (long long)person_id);
    if (rc != 0)
        goto out;
    if ((rc = crypto_ssn_open(&app->keys, sealed, len, ssn, err)) != 0)
        goto out;
    /* The reveal itself is audited with its reason; the number never enters the log. */
    rc = access_audit_append(app, actor, person_id, "ssn.reveal", "person", person_id, reason, NULL,
                             err);
out:
    sodium_memzero(sealed, sizeof(sealed));
    if (rc != 0)
        sodium_memzero(ssn, CRYPTO_SSN_SIZE);
    return end(app, rc, false, err);
}

int
app_person_screen(struct app *app, const struct actor *actor, int64_t person_id,
                  struct eligibility_result *results, size_t max, size_t *n,
                  struct eligibility_priority *priority, struct br_error *err)
{
    return app_person_screen_on(app, actor, person_id, app->today, results, max, n, priority, err);
}

int
app_person_screen_on(struct app *app, const struct actor *actor, int64_t person_id, int32_t as_of,
                     struct eligibility_result *results, size_t max, size_t *n,
                     struct eligibility_priority *priority, struct br_error *err)
{
    struct stored_person person;
    struct eligibility_config config;
    int rc;

    *n = 0;
    if ((rc = begin_read(app, err)) != 0)
        return rc;
    if ((rc = app_person_load(app, person_id, &person, err)) != 0)
        goto out;
    if ((rc = access_require(app, actor, person_id, ACCESS_SCREEN, ACCESS_READ, NULL, err)) != 0)
        goto out;
    eligibility_config_defaults(&config);
    *n = eligibility_screen(&app->catalog, &config, &person.facts, as_of, results, max);
    eligibility_priority(&config, &person.facts, priority);
out:
    return end(app, rc, false, err);
}

int
app_person_audit(struct app *app, const struct actor *actor, int64_t person_id, size_t max,
                 struct audit_list *out, struct br_error *err)
{
    int rc;

    out->n = 0;
    if ((rc = begin_read(app, err)) != 0)
        return rc;
    if ((rc = person_access(app, actor, person_id, ACCESS_AUDIT_LOG, ACCESS_READ, NULL, err)) != 0)
        goto out;
    rc = app->store->ops->audit_load(app->store, person_id, max, &out->items, &out->n, &out->cap,
                                     err);
out:
    return end(app, rc, false, err);
}
