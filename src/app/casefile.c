/* casefile.c — reads of a person's case file and bundle (casefile.h). */
#include "app/casefile.h"

#include <stdlib.h>
#include <string.h>

#include "app/access.h"

/* Ends a read: commits, so that the audit entries of the access decisions it made stay on the
 * record even when it was refused (RULES.md §11); a read wrote nothing else. */
static int
end_read(struct app *app, int rc, struct br_error *err)
{
    struct br_error ignored;

    if (rc == 0)
        return app->store->ops->commit(app->store, err);
    br_error_clear(&ignored);
    if (app->store->ops->commit(app->store, &ignored) != 0)
        app->store->ops->rollback(app->store);
    return rc;
}

int
app_case_file_get(struct app *app, const struct actor *actor, int64_t person_id,
                  struct stored_person *person, struct case_file_exits *exits, struct br_error *err)
{
    int rc;

    exits->n = 0;
    person_record_reset(&app->record);
    if ((rc = app->store->ops->begin_read(app->store, err)) != 0)
        return rc;
    if ((rc = app_person_load(app, person_id, person, err)) != 0)
        goto out;
    if ((rc = access_require(app, actor, person_id, ACCESS_CASE_FILE, ACCESS_READ, NULL, err)) != 0)
        goto out;
    if ((rc = app->store->ops->record_load(app->store, &app->catalog, person_id, &app->record,
                                           err)) != 0)
        goto out;
    rc = app->store->ops->exits_get(app->store, person_id, exits->items, CASE_FILE_MAX_EXITS,
                                    &exits->n, err);
out:
    if (rc != 0)
        person_record_reset(&app->record);
    return end_read(app, rc, err);
}

void
app_person_bundle_cleanup(struct person_bundle *bundle)
{
    app_note_list_cleanup(&bundle->notes);
    free(bundle->contacts.items);
    memset(bundle, 0, sizeof(*bundle));
}

/* Decides one part of the record for the bundle and audits the decision. */
static int
part_allowed(struct app *app, const struct actor *actor, int64_t person_id,
             const struct access_basis *basis, enum access_area area, bool *allowed,
             struct br_error *err)
{
    struct access_decision d;

    access_decide(basis, area, ACCESS_READ, &d);
    *allowed = d.allowed;
    return access_audit(app, actor, person_id, area, ACCESS_READ, &d, err);
}

/* The notes the caller may see, as app_list_notes keeps them: the visible ones first, the
 * withheld ones behind n, still owned by the list. */
static int
notes_load(struct app *app, int64_t person_id, const struct access_basis *basis,
           struct note_list *list, struct br_error *err)
{
    /* notes_load frees the bodies it held (store.h): hand it every loaded note back. */
    list->n = list->n_loaded;
    list->n_withheld = 0;
    int rc =
        app->store->ops->notes_load(app->store, person_id, &list->items, &list->n, &list->cap, err);
    list->n_loaded = list->n;
    if (rc != 0) {
        list->n = 0;
        return rc;
    }
    size_t kept = 0;
    for (size_t i = 0; i < list->n; i++) {
        if (!access_note_visible(basis, &list->items[i])) {
            list->n_withheld++;
            continue;
        }
        struct case_note note = list->items[i];
        list->items[i] = list->items[kept];
        list->items[kept++] = note;
    }
    list->n = kept;
    return 0;
}

int
app_person_bundle(struct app *app, const struct actor *actor, int64_t person_id,
                  struct person_bundle *out, struct br_error *err)
{
    struct access_basis basis;
    int rc;

    out->sensitive_shown = out->case_file_shown = out->notes_shown = out->contacts_shown = false;
    out->notes.n = 0;
    out->contacts.n = 0;
    person_record_reset(&app->record);
    if ((rc = app->store->ops->begin_read(app->store, err)) != 0)
        return rc;
    if ((rc = app_person_load(app, person_id, &out->person, err)) != 0)
        goto out;
    if ((rc = access_require(app, actor, person_id, ACCESS_FACTS, ACCESS_READ, &basis, err)) != 0)
        goto out;
    if ((rc = part_allowed(app, actor, person_id, &basis, ACCESS_SENSITIVE, &out->sensitive_shown,
                           err)) != 0)
        goto out;
    if (!out->sensitive_shown)
        access_mask_facts(&out->person.facts);
    if ((rc = part_allowed(app, actor, person_id, &basis, ACCESS_CASE_FILE, &out->case_file_shown,
                           err)) != 0)
        goto out;
    if (out->case_file_shown && (rc = app->store->ops->record_load(
                                     app->store, &app->catalog, person_id, &app->record, err)) != 0)
        goto out;
    if ((rc = part_allowed(app, actor, person_id, &basis, ACCESS_CASE_NOTES, &out->notes_shown,
                           err)) != 0)
        goto out;
    if (out->notes_shown && (rc = notes_load(app, person_id, &basis, &out->notes, err)) != 0)
        goto out;
    if ((rc = part_allowed(app, actor, person_id, &basis, ACCESS_CONTACTS, &out->contacts_shown,
                           err)) != 0)
        goto out;
    if (out->contacts_shown)
        rc = app->store->ops->contacts_load(app->store, person_id, &out->contacts.items,
                                            &out->contacts.n, &out->contacts.cap, err);
out:
    if (rc != 0) {
        person_record_reset(&app->record);
        out->notes.n = 0;
        out->contacts.n = 0;
        out->sensitive_shown = out->case_file_shown = out->notes_shown = out->contacts_shown =
            false;
    }
    return end_read(app, rc, err);
}
