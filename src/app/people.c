/* people.c — finding, reading and changing people (people.h). */
#include "app/people.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/access.h"
#include "app/bundle.h"
#include "app/records.h"
#include "core/date.h"

int
app_schema_version(struct app *app, int *version, struct br_error *err)
{
    return app->store->ops->schema_version(app->store, version, err);
}

json_t *
app_person_facts_json(const struct app *app, const struct stored_person *person)
{
    struct person_record empty;

    person_record_init(&empty);
    json_t *bundle = bundle_encode_person(&app->catalog, person, &empty, NULL, 0, NULL, 0);
    json_t *facts = json_incref(json_object_get(bundle, "person"));
    json_decref(bundle);
    person_record_cleanup(&empty);
    return facts != NULL ? facts : json_object();
}

/* Appends an audit entry about one person; after (stolen) may be NULL. */
static int
audit(struct app *app, const struct actor *actor, int64_t person_id, const char *action,
      const char *reason, json_t *after, struct br_error *err)
{
    char *text = after != NULL ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    struct audit_entry entry = {
        .user_id = actor->user_id,
        .person_id = person_id,
        .action = action,
        .entity = "person",
        .entity_id = person_id,
        .reason = reason,
        .after = text,
    };
    int rc = app->store->ops->audit_append(app->store, &entry, err);
    free(text);
    json_decref(after);
    return rc;
}

static int
finish(struct app *app, int rc, struct br_error *err)
{
    if (rc == 0)
        return app->store->ops->commit(app->store, err);
    app->store->ops->rollback(app->store);
    return rc;
}

int
app_person_get(struct app *app, const struct actor *actor, int64_t id, struct stored_person *person,
               struct br_error *err)
{
    bool sensitive_shown;
    /* RULES.md §11: every reader gets the same view — access checked and audited, sensitive
     * facts masked for roles that do not need them (records.c). */
    return app_person_view(app, actor, id, person, &sensitive_shown, err);
}

int
app_person_search(struct app *app, const struct actor *actor, const struct person_query *query,
                  struct stored_person *people, size_t *n, int64_t *total, struct br_error *err)
{
    int rc;

    *n = 0;
    *total = 0;
    if (query->limit < 1 || query->limit > PEOPLE_SEARCH_MAX)
        br_error_field(err, "limit", "must be a whole number from 1 to %d", PEOPLE_SEARCH_MAX);
    if (query->offset < 0)
        br_error_field(err, "offset", "must be a whole number from 0");
    if (err->n_fields > 0)
        return br_error_set(err, BR_EINVAL, "the search cannot be run");
    if ((rc = app->store->ops->begin_read(app->store, err)) != 0)
        return rc;
    rc = app->store->ops->person_search(app->store, query, people, (size_t)query->limit, n, total,
                                        err);
    if (rc == 0) {
        char birth[DATE_TEXT_SIZE];
        json_t *ids = json_array();
        for (size_t i = 0; i < *n; i++)
            json_array_append_new(ids, json_integer(people[i].id));
        /* Who was looked for and who was shown; the SSN digits searched for are not kept. */
        json_t *what =
            json_pack("{s:s, s:s, s:s?, s:b, s:I, s:I, s:o}", "last_name", query->last_name,
                      "first_name", query->first_name, "birth_date",
                      query->birth_on == DATE_NONE ? NULL : date_format(query->birth_on, birth),
                      "ssn_last4", query->ssn_last4[0] != '\0', "limit", (json_int_t)query->limit,
                      "offset", (json_int_t)query->offset, "ids", ids);
        rc = audit(app, actor, 0, "person.search", NULL, what, err);
    }
    return finish(app, rc, err);
}

int
app_person_update(struct app *app, const struct actor *actor, int64_t id, int64_t expected_version,
                  app_person_edit_fn edit, void *ctx, struct stored_person *person,
                  struct br_error *err)
{
    json_t *before = NULL;
    int rc;

    if ((rc = app->store->ops->begin(app->store, err)) != 0)
        return rc;
    if ((rc = app_person_load(app, id, person, err)) != 0)
        goto out;
    /* Checked here for a clear message; the store's WHERE version = ? is what guarantees it. */
    if (person->version != expected_version) {
        rc = br_error_set(err, BR_ESTALE,
                          "person %lld is at version %lld, not %lld: read it again, then change it",
                          (long long)id, (long long)person->version, (long long)expected_version);
        goto out;
    }
    before = app_person_facts_json(app, person);
    if ((rc = edit(ctx, &person->facts, err)) != 0)
        goto out;
    if (person->facts.first_name[0] == '\0')
        br_error_field(err, "first_name", "is required");
    if (person->facts.last_name[0] == '\0')
        br_error_field(err, "last_name", "is required");
    if (err->n_fields > 0) {
        rc = br_error_set(err, BR_EINVAL, "the person cannot be changed");
        goto out;
    }
    if ((rc = app->store->ops->person_update(app->store, person, expected_version, err)) != 0)
        goto out;
    rc =
        audit(app, actor, id, "person.update", NULL,
              json_pack("{s:O, s:o, s:I}", "before", before, "after",
                        app_person_facts_json(app, person), "version", (json_int_t)person->version),
              err);
out:
    json_decref(before);
    return finish(app, rc, err);
}

int
app_person_exit(struct app *app, const struct actor *actor, int64_t id, int32_t as_of,
                struct stored_person *person, struct exit_result *result, struct br_error *err)
{
    int rc;

    if ((rc = app->store->ops->begin_read(app->store, err)) != 0)
        return rc;
    if ((rc = app_person_load(app, id, person, err)) != 0)
        goto out;
    /* The determination is built from the case file (every partner's services), so it is read
     * as the case file is (access.h ACCESS_CASE_FILE); the decision is its audit entry. */
    if ((rc = access_require(app, actor, id, ACCESS_CASE_FILE, ACCESS_READ, NULL, err)) != 0) {
        if (access_keep_refusal(app, rc))
            return rc;
        goto out;
    }
    rc = app_person_exits(app, id, as_of, result, err);
out:
    return finish(app, rc, err);
}
