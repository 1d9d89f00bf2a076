/* app.c — the use cases.  Each one: begin, load, check with core, write, audit, commit; on any
 * error, roll back so a failed request writes nothing. */
#include "app/app.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/access.h"
#include "app/alerts_app.h"
#include "app/catalog_file.h"
#include "app/change.h"
#include "core/date.h"
#include "core/mem.h"

#define MAX_CLOCKS 64 /* exit groups per person: the common group plus each partner program */
#define MAX_RECORDED_EXITS 256

const struct actor app_system_actor = {.user_id = 0, .agency_id = 0, .role = "system"};

int
app_today(int32_t *today, struct br_error *err)
{
    const char *forced = getenv("BRAID_TODAY");
    if (forced != NULL && forced[0] != '\0') {
        if (date_parse(forced, today) != 0)
            return br_error_set(err, BR_EINVAL, "BRAID_TODAY=%s is not a date (YYYY-MM-DD)",
                                forced);
        return 0;
    }
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    *today = date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return 0;
}

int
app_init_database(const char *db_path, const char *catalog_path, struct br_error *err)
{
    struct store *st = NULL;
    struct catalog catalog = {0};
    struct policy policy;
    char key_path[4096];
    int rc;

    if ((rc = catalog_file_load(catalog_path, &catalog, &policy, err)) != 0)
        goto out;
    if ((rc = crypto_init()) != 0) {
        br_error_set(err, BR_EIO, "cannot initialise the crypto library");
        goto out;
    }
    if ((rc = store_open(db_path, &st, err)) != 0)
        goto out;
    if ((rc = st->ops->migrate(st, err)) != 0)
        goto out;
    if ((rc = st->ops->begin(st, err)) != 0)
        goto out;
    if ((rc = st->ops->catalog_save(st, &catalog, &policy, err)) != 0) {
        st->ops->rollback(st);
        goto out;
    }
    if ((rc = st->ops->commit(st, err)) != 0)
        goto out;
    crypto_keys_path_for_db(db_path, key_path, sizeof(key_path));
    rc = crypto_keys_create(key_path, err);
    if (rc == BR_ECONFLICT) { /* already there: init is idempotent */
        br_error_clear(err);
        rc = 0;
    }
out:
    if (st != NULL)
        st->ops->close(st);
    catalog_cleanup(&catalog);
    return rc;
}

int
app_open(struct app *app, const char *db_path, struct br_error *err)
{
    char key_path[4096];
    int rc;

    memset(app, 0, sizeof(*app));
    person_record_init(&app->record);
    exit_result_init(&app->exits);
    int len = snprintf(app->db_path, sizeof(app->db_path), "%s", db_path);
    if (len < 0 || (size_t)len >= sizeof(app->db_path)) {
        rc = br_error_set(err, BR_EINVAL, "the database path is longer than %zu bytes",
                          sizeof(app->db_path) - 1);
        goto fail;
    }
    if ((rc = app_today(&app->today, err)) != 0)
        goto fail;
    if (crypto_init() != 0) {
        rc = br_error_set(err, BR_EIO, "cannot initialise the crypto library");
        goto fail;
    }
    if ((rc = store_open_current(db_path, &app->store, err)) != 0)
        goto fail;
    if ((rc = app->store->ops->catalog_load(app->store, &app->catalog, &app->policy, err)) != 0)
        goto fail;
    if (app->catalog.n_programs == 0) {
        rc = br_error_set(err, BR_EINVAL, "%s has no catalog; run `braid init --db %s` first",
                          db_path, db_path);
        goto fail;
    }
    crypto_keys_path_for_db(db_path, key_path, sizeof(key_path));
    if ((rc = crypto_keys_load(key_path, &app->keys, err)) != 0)
        goto fail;
    return 0;
fail:
    app_close(app);
    return rc;
}

void
app_close(struct app *app)
{
    if (app->store != NULL)
        app->store->ops->close(app->store);
    app->store = NULL;
    catalog_cleanup(&app->catalog);
    crypto_keys_wipe(&app->keys);
    person_record_cleanup(&app->record);
    exit_result_cleanup(&app->exits);
}

/* ---- audit ---------------------------------------------------------------------------------- */

/* Appends an audit entry whose "after" is the given JSON object (stolen). */
static int
audit(struct app *app, const struct actor *actor, int64_t person_id, const char *action,
      const char *entity, int64_t entity_id, json_t *after, struct br_error *err)
{
    char *after_text = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    struct audit_entry entry = {
        .user_id = actor->user_id,
        .person_id = person_id,
        .action = action,
        .entity = entity,
        .entity_id = entity_id,
        .after = after_text,
    };
    int rc = app->store->ops->audit_append(app->store, &entry, err);
    free(after_text);
    json_decref(after);
    return rc;
}

static json_t *
json_date(int32_t date)
{
    char text[DATE_TEXT_SIZE];
    return date == DATE_NONE ? json_null() : json_string(date_format(date, text));
}

static json_t *
service_json(const struct app *app, const struct service *s)
{
    return json_pack("{s:I, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)s->id, "program",
                     app->catalog.programs[s->program].code, "code",
                     app->catalog.services[s->code].code, "start_date", json_date(s->start_on),
                     "end_date", json_date(s->end_on), "projected_end_date",
                     json_date(s->projected_end_on));
}

/* ---- exit clocks ---------------------------------------------------------------------------- */

/* Is this period's exit among the recorded ones? */
static bool
exit_recorded(const struct exit_period *p, const struct recorded_exit *recorded, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (recorded[i].program == p->program && recorded[i].period == p->period &&
            recorded[i].exit_on == p->exit_on)
            return true;
    return false;
}

/* The manual exits among the recorded ones (run_id 0, manual_exit.h), as core/exit.h reads them;
 * their reasons point into recorded. */
static size_t
manual_exits_of(const struct recorded_exit *recorded, size_t n, struct exit_manual *out,
                size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < max; i++) {
        if (recorded[i].run_id != 0)
            continue;
        out[k++] = (struct exit_manual){
            .program = recorded[i].program,
            .period = recorded[i].period,
            .exit_on = recorded[i].exit_on,
            .determined_on = recorded[i].determined_on,
            .reason = recorded[i].reason,
        };
    }
    return k;
}

void
app_apply_manual_exits(const struct recorded_exit *recorded, size_t n, struct exit_result *result)
{
    struct exit_manual manual[MAX_RECORDED_EXITS];
    exit_apply_manual(result, manual, manual_exits_of(recorded, n, manual, MAX_RECORDED_EXITS));
}

size_t
app_clocks_from(const struct catalog *catalog, const struct exit_result *result,
                const struct recorded_exit *recorded, size_t n_recorded,
                struct stored_clock *clocks, size_t max)
{
    struct exit_manual manual[MAX_RECORDED_EXITS];
    size_t n_manual = manual_exits_of(recorded, n_recorded, manual, MAX_RECORDED_EXITS);
    size_t n = 0;
    for (size_t i = 0; i < result->n_periods; i++) {
        /* A manual exit that stands is an exit, whether or not result has it applied yet. */
        struct exit_period period = result->periods[i];
        const struct exit_period *p = &period;
        exit_manual_apply_period(&period, result->as_of, manual, n_manual);
        /* Periods come grouped, the latest last: keep one clock per group, the latest period. */
        bool same_group = n > 0 && i > 0 && result->periods[i - 1].group == p->group;
        struct stored_clock *c;
        if (same_group) {
            c = &clocks[n - 1];
            if (p->status == EXIT_STATUS_REPORTABLE || p->period < c->period)
                continue;
        } else {
            if (n == max)
                break;
            c = &clocks[n++];
        }
        *c = (struct stored_clock){
            .group_key = exit_group_key(catalog, p->program),
            .period = p->period,
            .status = p->status,
            .last_service_on = p->last_service_on,
            .soft_exit_on = p->soft_exit_on,
            .held_by = p->held_by,
            .review_on = p->review_on,
            .computed_on = result->as_of,
        };
        /* An exit not yet recorded is due on its soft-exit day, for the nightly run to record. */
        if (p->status == EXIT_STATUS_EXITED)
            c->review_on = exit_recorded(p, recorded, n_recorded) ? DATE_NONE : p->soft_exit_on;
    }
    return n;
}

int
app_sync_exits(struct app *app, int64_t person_id, struct exit_result *result, int64_t run_id,
               struct exit_sync_counts *counts, struct br_error *err)
{
    struct recorded_exit recorded[MAX_RECORDED_EXITS];
    struct stored_clock clocks[MAX_CLOCKS];
    size_t n = 0;
    int rc = app->store->ops->exits_get(app->store, person_id, recorded, MAX_RECORDED_EXITS, &n,
                                        err);
    if (rc != 0)
        return rc;
    app_apply_manual_exits(recorded, n, result);

    /* A late-entered service dated before the soft-exit day reopens a recorded exit: it is
     * deleted and the same period continues (RULES.md §4). */
    for (size_t i = 0; i < n;) {
        const struct recorded_exit *r = &recorded[i];
        bool still = false;
        for (size_t k = 0; k < result->n_periods && !still; k++) {
            const struct exit_period *p = &result->periods[k];
            still = p->status == EXIT_STATUS_EXITED && p->program == r->program &&
                    p->period == r->period && p->exit_on == r->exit_on;
            /* A manual exit (run_id 0, manual_exit.h) stands while nothing qualifying came
             * after its exit date (core/exit.h exit_manual_stands), even as of a day before it
             * was made. */
            struct exit_manual m = {r->program, r->period, r->exit_on, r->determined_on, NULL};
            still = still || (r->run_id == 0 && exit_manual_stands(p, &m));
        }
        if (still) {
            i++;
            continue;
        }
        if ((rc = app->store->ops->exit_delete(app->store, person_id, r->program, r->period,
                                               err)) != 0)
            return rc;
        json_t *what = json_pack("{s:s, s:i, s:o}", "program",
                                 app->catalog.programs[r->program].code, "period", r->period,
                                 "exit_date", json_date(r->exit_on));
        if ((rc = audit(app, &app_system_actor, person_id, "exit.reopen", "exit", 0, what,
                        err)) != 0)
            return rc;
        if (counts)
            counts->reopened++;
        recorded[i] = recorded[--n];
    }

    /* The nightly run (run_id != 0) records each soft exit, per program and period. */
    for (size_t k = 0; run_id != 0 && k < result->n_periods; k++) {
        const struct exit_period *p = &result->periods[k];
        if (p->status != EXIT_STATUS_EXITED || exit_recorded(p, recorded, n))
            continue;
        struct recorded_exit r = {
            .person_id = person_id,
            .program = p->program,
            .period = p->period,
            .entry_on = p->entry_on,
            .exit_on = p->exit_on,
            .determined_on = p->soft_exit_on,
            .run_id = run_id,
        };
        bool inserted = false;
        if ((rc = app->store->ops->exit_put(app->store, &r, &inserted, err)) != 0)
            return rc;
        json_t *what = json_pack("{s:s, s:i, s:o, s:o, s:I}", "program",
                                 app->catalog.programs[p->program].code, "period", p->period,
                                 "exit_date", json_date(p->exit_on), "determined_on",
                                 json_date(p->soft_exit_on), "run_id", (json_int_t)run_id);
        if ((rc = audit(app, &app_system_actor, person_id, "exit.apply", "exit", 0, what,
                        err)) != 0)
            return rc;
        if (counts && inserted)
            counts->recorded++;
        if (n < MAX_RECORDED_EXITS)
            recorded[n++] = r;
    }

    size_t n_clocks = app_clocks_from(&app->catalog, result, recorded, n, clocks, MAX_CLOCKS);
    return app->store->ops->clocks_put(app->store, person_id, clocks, n_clocks, err);
}

int
app_refresh_clock(struct app *app, int64_t person_id, const struct person_record *record,
                  struct br_error *err)
{
    exit_determine(&app->catalog, &app->policy, record, app->today, &app->exits);
    return app_sync_exits(app, person_id, &app->exits, 0, NULL, err);
}

/* ---- use cases ------------------------------------------------------------------------------ */

int
app_person_load(struct app *app, int64_t person_id, struct stored_person *person,
                struct br_error *err)
{
    int rc = app->store->ops->person_get(app->store, person_id, person, err);
    if (rc == BR_ENOTFOUND)
        return br_error_set(err, BR_ENOTFOUND, "no person with id %lld", (long long)person_id);
    return rc;
}

/* Keeps only the field errors about one item (whose path starts with prefix) and names them
 * without the prefix, so the caller sees "end_date", not "services[41].end_date". */
static void
errors_for_item(struct br_error *err, const char *prefix)
{
    size_t kept = 0, len = strlen(prefix);
    for (size_t i = 0; i < err->n_fields; i++) {
        struct br_field_error *f = &err->fields[i];
        if (strncmp(f->field, prefix, len) != 0)
            continue;
        struct br_field_error renamed = *f;
        snprintf(renamed.field, sizeof(renamed.field), "%s", f->field + len);
        err->fields[kept++] = renamed;
    }
    if (kept > 0)
        err->n_fields = kept;
}

/* Checks app->record — holding a new or changed item at array[index] — against every rule, and
 * names only that item's problems. */
static int
validate_item(struct app *app, const char *array, size_t index, struct br_error *err)
{
    char prefix[48];
    int rc = record_validate(&app->catalog, &app->policy, &app->record, err);
    if (rc != 0) {
        snprintf(prefix, sizeof(prefix), "%s[%zu].", array, index);
        errors_for_item(err, prefix);
    }
    return rc;
}

/* Writes the case note that supports a service or a gap (seed 003), when there is one. */
static int
write_note(struct app *app, const struct actor *actor, int64_t person_id, int64_t service_id,
           const char *body, struct br_error *err)
{
    if (body == NULL)
        return 0;
    struct case_note note = {
        .person_id = person_id,
        .service_id = service_id,
        .agency_id = actor->agency_id,
        .author_id = actor->user_id,
        .written_on = app->today,
        .body = (char *)body,
    };
    return app->store->ops->note_insert(app->store, &note, err);
}

void
app_answer_next_change(struct app *app, struct change_answer *answer)
{
    if (answer != NULL) {
        alert_list_init(&answer->alerts);
        answer->withheld = 0;
    }
    app->answer = answer;
}

void
app_durability_deferred(struct app *app, bool on)
{
    app->store->ops->durability_deferred(app->store, on);
}

uint64_t
app_durable_pending(struct app *app)
{
    return app->store->ops->durable_pending(app->store);
}

int
app_durable_wait(struct app *app, uint64_t commit, struct br_error *err)
{
    return app->store->ops->durable_wait(app->store, commit, err);
}

/* The answer the change asked for (app_answer_next_change), computed in its transaction when
 * rc is 0; the request ends either way.  Returns rc, or the answer's failure. */
static int
answer_change(struct app *app, int rc, struct br_error *err)
{
    struct change_answer *a = app->answer;

    app->answer = NULL;
    if (rc != 0 || a == NULL)
        return rc;
    /* Every change leaves app->record as it stored it (app_refresh_clock keeps the clock from
     * it).  The alerts are computed from the exit determination as of the same day, read under
     * the same decision on the case file: app->exits is then the answer's exit clock.  The
     * answer is a read of the case file: its access decisions are audited as a GET's would be,
     * in the log of reads, not among the change's own entries (store.h change_reads). */
    app->store->ops->change_reads(app->store, true);
    rc = app_person_alerts_in(app, a->actor, a->person_id, a->as_of, true, &a->alerts,
                              &a->withheld, &a->person, err);
    app->store->ops->change_reads(app->store, false);
    return rc;
}

int
app_change_end(struct app *app, int rc, struct br_error *err)
{
    if ((rc = answer_change(app, rc, err)) == 0)
        return app->store->ops->commit(app->store, err);
    app->store->ops->rollback(app->store);
    return rc;
}

/* Ends a use case that access_require refused before it wrote anything: the transaction holds
 * only the refusal's audit entry, which is committed so that it stays on the record (RULES.md
 * §11).  Any other failure rolls back as app_change_end() does. */
static int
refused(struct app *app, int rc, struct br_error *err)
{
    struct br_error ignored;

    if (rc != BR_EFORBIDDEN)
        return app_change_end(app, rc, err);
    app->answer = NULL;
    br_error_clear(&ignored);
    if (app->store->ops->commit(app->store, &ignored) != 0)
        app->store->ops->rollback(app->store);
    return rc;
}

int
app_change_begin(struct app *app, const struct actor *actor, int64_t person_id,
                 enum access_area area, struct br_error *err)
{
    int rc = app->store->ops->begin(app->store, err);
    if (rc != 0)
        return rc;
    /* BR_ENOTFOUND names the person. */
    if ((rc = app->store->ops->record_load(app->store, &app->catalog, person_id, &app->record,
                                           err)) != 0)
        return app_change_end(app, rc, err);
    if ((rc = access_require(app, actor, person_id, area, ACCESS_WRITE, NULL, err)) != 0)
        return refused(app, rc, err);
    return 0;
}

int
app_register_person(struct app *app, const struct actor *actor, struct stored_person *person,
                    const char *ssn, int64_t *dups, size_t max_dups, size_t *n_dups,
                    struct br_error *err)
{
    char normalized[10];
    uint8_t hash[STORE_HASH_SIZE];
    uint8_t sealed[CRYPTO_SSN_SEALED_SIZE];
    size_t sealed_len = 0;
    bool has_ssn = ssn != NULL && ssn[0] != '\0';
    int rc;

    *n_dups = 0;
    if (person->facts.first_name[0] == '\0')
        br_error_field(err, "first_name", "is required");
    if (person->facts.last_name[0] == '\0')
        br_error_field(err, "last_name", "is required");
    if (has_ssn && crypto_ssn_normalize(ssn, normalized, err) != 0)
        has_ssn = false;
    if (err->n_fields > 0)
        return br_error_set(err, BR_EINVAL, "the person cannot be registered");
    if (has_ssn) {
        crypto_ssn_hash(&app->keys, normalized, hash);
        if ((rc = crypto_ssn_seal(&app->keys, normalized, sealed, sizeof(sealed), &sealed_len)) != 0)
            return br_error_set(err, rc, "cannot seal the SSN");
        snprintf(person->facts.ssn_last4, sizeof(person->facts.ssn_last4), "%s", normalized + 5);
    }

    if ((rc = app->store->ops->begin(app->store, err)) != 0)
        return rc;
    rc = app->store->ops->person_duplicates(app->store, &person->facts, has_ssn ? hash : NULL,
                                            dups, max_dups, n_dups, err);
    if (rc == 0)
        rc = app->store->ops->person_insert(app->store, person, err);
    if (rc == 0 && has_ssn)
        rc = app->store->ops->identity_put(app->store, person->id, hash, sealed, sealed_len, err);
    if (rc == 0)
        rc = audit(app, actor, person->id, "person.register", "person", person->id,
                   json_pack("{s:s, s:s, s:o, s:b, s:i}", "first_name", person->facts.first_name,
                             "last_name", person->facts.last_name, "birth_date",
                             json_date(person->facts.birth_on), "ssn", has_ssn,
                             "possible_duplicates", (int)*n_dups),
                   err);
    return app_change_end(app, rc, err);
}

int
app_determine_eligibility(struct app *app, const struct actor *actor, int64_t person_id,
                          struct enrollment *enrollment, const char *facts_json,
                          struct br_error *err)
{
    int rc;
    if ((rc = app_change_begin(app, actor, person_id, ACCESS_CASE_FILE, err)) != 0)
        return rc;
    if ((rc = app->store->ops->enrollment_insert(app->store, person_id, enrollment, &app->catalog,
                                                 facts_json, actor->user_id, err)) != 0)
        goto out;
    person_record_add_enrollment(&app->record, enrollment);
    if ((rc = app_refresh_clock(app, person_id, &app->record, err)) != 0)
        goto out;
    rc = audit(app, actor, person_id, "enrollment.determine", "enrollment", enrollment->id,
               json_pack("{s:s, s:o}", "program", app->catalog.programs[enrollment->program].code,
                         "eligibility_date", json_date(enrollment->eligibility_on)),
               err);
out:
    return app_change_end(app, rc, err);
}

int
app_record_service(struct app *app, const struct actor *actor, int64_t person_id,
                   struct service *service, const struct service_detail *detail,
                   const char *note_body, struct br_error *err)
{
    int rc;
    if ((rc = app_change_begin(app, actor, person_id, ACCESS_CASE_FILE, err)) != 0)
        return rc;
    /* RULES.md §3: the new service is checked against the person's whole record. */
    person_record_add_service(&app->record, service);
    if ((rc = validate_item(app, "services", app->record.n_services - 1, err)) != 0)
        goto out;
    if ((rc = app->store->ops->service_insert(app->store, person_id, service, &app->catalog,
                                              detail, err)) != 0)
        goto out;
    app->record.services[app->record.n_services - 1].id = service->id;
    if ((rc = write_note(app, actor, person_id, service->id, note_body, err)) != 0)
        goto out;
    if ((rc = app_refresh_clock(app, person_id, &app->record, err)) != 0)
        goto out;
    rc = audit(app, actor, person_id, "service.record", "service", service->id,
               service_json(app, service), err);
out:
    return app_change_end(app, rc, err);
}

/* The use case of app_close_service and app_correct_service; action names it in the audit. */
static int
correct_service(struct app *app, const struct actor *actor, int64_t person_id, int64_t service_id,
                const struct service_correction *change, const char *action, struct service *out,
                struct br_error *err)
{
    struct service *found = NULL;
    json_t *before = NULL;
    int rc;
    if ((rc = app_change_begin(app, actor, person_id, ACCESS_CASE_FILE, err)) != 0)
        return rc;
    for (size_t i = 0; i < app->record.n_services && found == NULL; i++)
        if (app->record.services[i].id == service_id)
            found = &app->record.services[i];
    if (found == NULL) {
        rc = br_error_set(err, BR_ENOTFOUND, "person %lld has no service %lld",
                          (long long)person_id, (long long)service_id);
        goto out;
    }
    int64_t expected = change->expected_version != 0 ? change->expected_version : found->version;
    if (expected != found->version) {
        rc = br_error_set(err, BR_ESTALE,
                          "service %lld was changed by someone else (version %lld is no longer "
                          "current)",
                          (long long)service_id, (long long)expected);
        goto out;
    }
    before = service_json(app, found);
    if (change->set_code)
        found->code = change->code;
    if (change->set_start)
        found->start_on = change->start_on;
    if (change->set_end)
        found->end_on = change->end_on;
    if (change->set_projected_end)
        found->projected_end_on = change->projected_end_on;
    /* RULES.md §3: the corrected service is checked against the person's whole record. */
    if ((rc = validate_item(app, "services", (size_t)(found - app->record.services), err)) != 0)
        goto out;
    if ((rc = app->store->ops->service_correct(app->store, person_id, found, &app->catalog,
                                               change->provider, expected, err)) != 0)
        goto out;
    if ((rc = app_refresh_clock(app, person_id, &app->record, err)) != 0)
        goto out;
    json_t *after = service_json(app, found);
    if (change->provider != NULL)
        json_object_set_new(after, "provider", json_string(change->provider));
    rc = audit(app, actor, person_id, action, "service", service_id,
               json_pack("{s:o, s:o}", "before", before, "after", after), err);
    before = NULL;
    if (rc == 0 && out != NULL)
        *out = *found;
out:
    json_decref(before);
    return app_change_end(app, rc, err);
}

int
app_close_service(struct app *app, const struct actor *actor, int64_t person_id,
                  int64_t service_id, int32_t end_on, struct br_error *err)
{
    struct service_correction change = {.set_end = true, .end_on = end_on};
    return correct_service(app, actor, person_id, service_id, &change, "service.close", NULL, err);
}

int
app_correct_service(struct app *app, const struct actor *actor, int64_t person_id,
                    int64_t service_id, const struct service_correction *change,
                    struct service *out, struct br_error *err)
{
    return correct_service(app, actor, person_id, service_id, change, "service.correct", out,
                           err);
}

int
app_correct_enrollment(struct app *app, const struct actor *actor, int64_t person_id,
                       int64_t enrollment_id, int32_t eligibility_on, int64_t expected_version,
                       struct enrollment *out, struct br_error *err)
{
    struct enrollment *found = NULL;
    char problems[sizeof(err->fields[0].problem)] = "";
    int rc;
    if ((rc = app_change_begin(app, actor, person_id, ACCESS_CASE_FILE, err)) != 0)
        return rc;
    for (size_t i = 0; i < app->record.n_enrollments && found == NULL; i++)
        if (app->record.enrollments[i].id == enrollment_id)
            found = &app->record.enrollments[i];
    if (found == NULL) {
        rc = br_error_set(err, BR_ENOTFOUND, "person %lld has no enrollment %lld",
                          (long long)person_id, (long long)enrollment_id);
        goto out;
    }
    int64_t expected = expected_version != 0 ? expected_version : found->version;
    if (expected != found->version) {
        rc = br_error_set(err, BR_ESTALE,
                          "enrollment %lld was changed by someone else (version %lld is no "
                          "longer current)",
                          (long long)enrollment_id, (long long)expected);
        goto out;
    }
    int32_t was = found->eligibility_on;
    found->eligibility_on = eligibility_on;
    /* RULES.md §3: no participation-triggering service may then come before eligibility; the
     * services' problems are reported on the one field this change has. */
    if ((rc = record_validate(&app->catalog, &app->policy, &app->record, err)) != 0) {
        if (err->n_fields > 0)
            snprintf(problems, sizeof(problems), "%s", err->fields[0].problem);
        err->n_fields = 0;
        err->n_dropped = 0;
        br_error_field(err, "eligibility_date", "would break RULES.md §3: %s", problems);
        rc = br_error_set(err, BR_EINVAL, "the eligibility date cannot be corrected");
        goto out;
    }
    if ((rc = app->store->ops->enrollment_correct(app->store, person_id, found, expected, err)) !=
        0)
        goto out;
    if ((rc = app_refresh_clock(app, person_id, &app->record, err)) != 0)
        goto out;
    const char *program = app->catalog.programs[found->program].code;
    rc = audit(app, actor, person_id, "enrollment.correct", "enrollment", enrollment_id,
               json_pack("{s:{s:s, s:o}, s:{s:s, s:o}}", "before", "program", program,
                         "eligibility_date", json_date(was), "after", "program", program,
                         "eligibility_date", json_date(found->eligibility_on)),
               err);
    if (rc == 0 && out != NULL)
        *out = *found;
out:
    return app_change_end(app, rc, err);
}

int
app_record_gap(struct app *app, const struct actor *actor, int64_t person_id,
               struct planned_gap *gap, const char *services_after, const char *note_body,
               struct br_error *err)
{
    int rc;
    if ((rc = app_change_begin(app, actor, person_id, ACCESS_CASE_FILE, err)) != 0)
        return rc;
    /* RULES.md §5: length, reason and overlap with the person's other gaps. */
    person_record_add_gap(&app->record, gap);
    if ((rc = validate_item(app, "gaps", app->record.n_gaps - 1, err)) != 0)
        goto out;
    if ((rc = app->store->ops->gap_insert(app->store, person_id, gap, &app->catalog,
                                          services_after, err)) != 0)
        goto out;
    app->record.gaps[app->record.n_gaps - 1].id = gap->id;
    if ((rc = write_note(app, actor, person_id, 0, note_body, err)) != 0)
        goto out;
    if ((rc = app_refresh_clock(app, person_id, &app->record, err)) != 0)
        goto out;
    rc = audit(app, actor, person_id, "gap.record", "planned_gap", gap->id,
               json_pack("{s:s, s:s, s:o, s:o}", "program",
                         app->catalog.programs[gap->program].code, "reason",
                         gap_reason_name(gap->reason), "start_date", json_date(gap->start_on),
                         "planned_end_date", json_date(gap->planned_end_on)),
               err);
out:
    return app_change_end(app, rc, err);
}

int
app_write_note(struct app *app, const struct actor *actor, struct case_note *note,
               struct br_error *err)
{
    int rc;
    if (note->body == NULL || note->body[0] == '\0') {
        br_error_field(err, "body", "is required");
        return br_error_set(err, BR_EINVAL, "a case note needs text");
    }
    if ((rc = app_change_begin(app, actor, note->person_id, ACCESS_CASE_NOTES, err)) != 0)
        return rc;
    /* A note documents one of this person's services, or none. */
    bool service_known = note->service_id == 0;
    for (size_t i = 0; i < app->record.n_services && !service_known; i++)
        service_known = app->record.services[i].id == note->service_id;
    if (!service_known) {
        br_error_field(err, "service_id", "person %lld has no service %lld",
                       (long long)note->person_id, (long long)note->service_id);
        rc = br_error_set(err, BR_EINVAL, "the case note cannot be written");
        goto out;
    }
    /* A note is its writer's: a confidential one stays within that agency (access.h). */
    if (access_role_of(actor) != ACCESS_ROLE_SYSTEM) {
        note->agency_id = actor->agency_id;
        note->author_id = actor->user_id;
    }
    if (note->written_on == DATE_NONE)
        note->written_on = app->today;
    if ((rc = app->store->ops->note_insert(app->store, note, err)) != 0)
        goto out;
    rc = audit(app, actor, note->person_id, "note.write", "case_note", note->id,
               json_pack("{s:I}", "service_id", (json_int_t)note->service_id), err);
out:
    return app_change_end(app, rc, err);
}

int
app_record_contact(struct app *app, const struct actor *actor, struct contact *contact,
                   struct br_error *err)
{
    int rc;
    if ((rc = app_change_begin(app, actor, contact->person_id, ACCESS_CONTACTS, err)) != 0)
        return rc;
    if ((rc = app->store->ops->contact_insert(app->store, contact, err)) != 0)
        goto out;
    rc = audit(app, actor, contact->person_id, "contact.record", "contact", contact->id,
               json_pack("{s:o, s:i, s:b}", "contacted_on", json_date(contact->contacted_on),
                         "method", (int)contact->method, "responded", contact->responded),
               err);
out:
    return app_change_end(app, rc, err);
}

int
app_person_exits(struct app *app, int64_t person_id, int32_t as_of, struct exit_result *result,
                 struct br_error *err)
{
    struct recorded_exit recorded[MAX_RECORDED_EXITS];
    size_t n = 0;
    int rc = app->store->ops->record_load(app->store, &app->catalog, person_id, &app->record, err);
    if (rc != 0 || (rc = app->store->ops->exits_get(app->store, person_id, recorded,
                                                     MAX_RECORDED_EXITS, &n, err)) != 0)
        return rc;
    exit_determine(&app->catalog, &app->policy, &app->record, as_of, result);
    app_apply_manual_exits(recorded, n, result);
    return 0;
}
