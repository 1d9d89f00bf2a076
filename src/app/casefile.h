/* casefile.h — reading a person's case file as the API shows it: their enrollments, services and
 * planned gaps with the exits recorded for them (access area "case_file"), and the whole record
 * one caller may see, as a person bundle.  The writes are app.h's and manual_exit.h's.
 *
 * Reads are audited by the access decisions they make (access.h): an allowed read of a shared
 * record and every refusal are on the record. */
#ifndef BRAID_APP_CASEFILE_H
#define BRAID_APP_CASEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "app/records.h"

#define CASE_FILE_MAX_EXITS 256

/* The exits recorded for a person (soft exits of the nightly run, manual exits). */
struct case_file_exits {
    struct recorded_exit items[CASE_FILE_MAX_EXITS];
    size_t n;
};

/* Reads the person's case file: on success app->record holds their enrollments, services and
 * gaps (with their ids, in the store's order) until the next use case, and exits the exits
 * recorded for them.  BR_ENOTFOUND, or BR_EFORBIDDEN (audited). */
int app_case_file_get(struct app *app, const struct actor *actor, int64_t person_id,
                      struct stored_person *person, struct case_file_exits *exits,
                      struct br_error *err);

/* Everything about a person one caller may see, for bundle_encode_person. */
struct person_bundle {
    struct stored_person person; /* sensitive facts masked unless sensitive_shown */
    bool sensitive_shown;
    bool case_file_shown;   /* else app->record is empty */
    bool notes_shown;       /* else notes is empty */
    bool contacts_shown;    /* else contacts is empty */
    struct note_list notes; /* the notes the caller may see (access_note_visible) */
    struct contact_list contacts;
};

/* Zero it before the first call; free it with app_person_bundle_cleanup. */
void app_person_bundle_cleanup(struct person_bundle *bundle);

/* Reads the person as a bundle, in one transaction: who they are (always, for staff; sensitive
 * facts only for those who may see them), and the case file, case notes and contacts each when
 * the caller may see it — a part they may not see is left out, not an error.  app->record holds
 * the case file until the next use case.  BR_ENOTFOUND, or BR_EFORBIDDEN when the caller may not
 * even see who the person is. */
int app_person_bundle(struct app *app, const struct actor *actor, int64_t person_id,
                      struct person_bundle *out, struct br_error *err);

#endif
