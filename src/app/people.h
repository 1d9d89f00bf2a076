/* people.h — finding, reading and changing people, as the API does it (registering a person is
 * app_register_person).  Every read of a person is audited ("person.read"), and so is every
 * search ("person.search", with the ids it returned): who looked at whom is part of the record
 * (RULES.md §11). */
#ifndef BRAID_APP_PEOPLE_H
#define BRAID_APP_PEOPLE_H

#include <jansson.h>

#include "app/app.h"

/* The most people one search returns. */
#define PEOPLE_SEARCH_MAX 100

/* The schema version of the database (for health checks). */
int app_schema_version(struct app *app, int *version, struct br_error *err);

/* A person's facts as the person bundle writes them (its "person" object, bundle.h): every field,
 * unknown ones null, "ssn_last4" and never the SSN.  A new object; this function can't fail. */
json_t *app_person_facts_json(const struct app *app, const struct stored_person *person);

/* Reads a person, audited.  BR_ENOTFOUND when there is none. */
int app_person_get(struct app *app, const struct actor *actor, int64_t id,
                   struct stored_person *person, struct br_error *err);

/* Finds people (store.h, struct person_query; limit 1..PEOPLE_SEARCH_MAX, offset >= 0, else
 * BR_EINVAL naming "limit" or "offset"), audited.  people has room for query->limit. */
int app_person_search(struct app *app, const struct actor *actor, const struct person_query *query,
                      struct stored_person *people, size_t *n, int64_t *total,
                      struct br_error *err);

/* Changes a person's facts, refusing a stale write: edit is called inside the transaction with
 * the current facts to change (returning 0 or a BR_E* code with its field errors), and the
 * change is written only if the person is still at expected_version (else BR_ESTALE, and nothing
 * is written).  On success person holds the person as stored, with the new version. */
typedef int (*app_person_edit_fn)(void *ctx, struct person_facts *facts, struct br_error *err);
int app_person_update(struct app *app, const struct actor *actor, int64_t id,
                      int64_t expected_version, app_person_edit_fn edit, void *ctx,
                      struct stored_person *person, struct br_error *err);

/* The exit determination of a person as of a date, audited as a read.  On success
 * app->record holds the person's record (for bundle_encode_exits) until the next use case. */
int app_person_exit(struct app *app, const struct actor *actor, int64_t id, int32_t as_of,
                    struct stored_person *person, struct exit_result *result, struct br_error *err);

#endif
