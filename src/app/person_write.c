#include "app/person_write.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

int
app_write_person(struct app *app, const struct actor *actor, const char *action,
                 struct person_bundle *b, struct br_error *err)
{
    const struct person_record *record = b->record;
    struct store *st = app->store;
    bool has_ssn = b->ssn != NULL && b->ssn[0] != '\0';
    char normalized[CRYPTO_SSN_SIZE];
    uint8_t hash[CRYPTO_HASH_SIZE];
    uint8_t sealed[CRYPTO_SSN_SEALED_SIZE];
    size_t sealed_len = 0;
    int64_t *service_ids = NULL;
    int rc;

    b->n_duplicates = 0;
    if ((rc = record_validate(&app->catalog, &app->policy, record, err)) != 0)
        goto out;
    /* The SSN is sealed and hashed, never stored in clear; the facts keep its last four. */
    if (has_ssn) {
        if ((rc = crypto_ssn_normalize(b->ssn, normalized, err)) != 0)
            goto out;
        crypto_ssn_hash(&app->keys, normalized, hash);
        if ((rc = crypto_ssn_seal(&app->keys, normalized, sealed, sizeof(sealed),
                                  &sealed_len)) != 0) {
            br_error_set(err, rc, "cannot seal the SSN");
            goto out;
        }
        snprintf(b->person.facts.ssn_last4, sizeof(b->person.facts.ssn_last4), "%s",
                 normalized + CRYPTO_SSN_DIGITS - 4);
    }
    if (b->max_duplicates > 0 &&
        (rc = st->ops->person_duplicates(st, &b->person.facts, has_ssn ? hash : NULL,
                                         b->duplicates, b->max_duplicates, &b->n_duplicates,
                                         err)) != 0)
        goto out;
    if ((rc = st->ops->person_insert(st, &b->person, err)) != 0)
        goto out;
    if (has_ssn &&
        (rc = st->ops->identity_put(st, b->person.id, hash, sealed, sealed_len, err)) != 0)
        goto out;

    for (size_t i = 0; i < record->n_enrollments; i++) {
        struct enrollment e = record->enrollments[i];
        if ((rc = st->ops->enrollment_insert(st, b->person.id, &e, &app->catalog, NULL,
                                             actor->user_id, err)) != 0)
            goto out;
    }
    service_ids = xcalloc(record->n_services + 1, sizeof(*service_ids));
    for (size_t i = 0; i < record->n_services; i++) {
        struct service s = record->services[i];
        struct service_detail detail = {0};
        if (b->service_staff != NULL)
            detail.staff_id = b->service_staff[i];
        if ((rc = st->ops->service_insert(st, b->person.id, &s, &app->catalog, &detail, err)) != 0)
            goto out;
        service_ids[i + 1] = s.id;
    }
    for (size_t i = 0; i < record->n_gaps; i++) {
        struct planned_gap g = record->gaps[i];
        if ((rc = st->ops->gap_insert(st, b->person.id, &g, &app->catalog, NULL, err)) != 0)
            goto out;
    }
    for (size_t i = 0; i < b->n_notes; i++) {
        struct case_note note = b->notes[i];
        if (note.service_id < 0 || (size_t)note.service_id > record->n_services) {
            rc = br_error_set(err, BR_EINVAL, "note %zu refers to service %lld, which is not one "
                                              "of the person's %zu services",
                              i, (long long)note.service_id, record->n_services);
            goto out;
        }
        note.person_id = b->person.id;
        note.service_id = service_ids[note.service_id];
        if ((rc = st->ops->note_insert(st, &note, err)) != 0)
            goto out;
    }
    for (size_t i = 0; i < b->n_contacts; i++) {
        struct contact c = b->contacts[i];
        c.person_id = b->person.id;
        if ((rc = st->ops->contact_insert(st, &c, err)) != 0)
            goto out;
    }

    /* The stored clock is current from the start (RULES.md §4), as after any other change. */
    if ((rc = app_refresh_clock(app, b->person.id, record, err)) != 0)
        goto out;

    json_t *what = json_pack("{s:s, s:b, s:i, s:i, s:i, s:i, s:i}", "external_id",
                             b->person.external_id, "ssn", has_ssn, "enrollments",
                             (int)record->n_enrollments, "services", (int)record->n_services,
                             "gaps", (int)record->n_gaps, "notes", (int)b->n_notes, "contacts",
                             (int)b->n_contacts);
    if (b->audit_detail != NULL)
        json_object_update(what, b->audit_detail);
    char *text = json_dumps(what, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(what);
    struct audit_entry entry = {.user_id = actor->user_id, .person_id = b->person.id,
                                .action = action, .entity = "person", .entity_id = b->person.id,
                                .after = text};
    rc = st->ops->audit_append(st, &entry, err);
    free(text);
out:
    json_decref(b->audit_detail);
    b->audit_detail = NULL;
    free(service_ids);
    return rc;
}
