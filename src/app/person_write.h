/* person_write.h — writing a whole person at once (import, demo): the person and identity, their
 * enrollments, services, gaps, notes and contacts, the exit clock and one audit entry — inside the
 * caller's transaction, so a batch of people commits or rolls back together. */
#ifndef BRAID_APP_PERSON_WRITE_H
#define BRAID_APP_PERSON_WRITE_H

#include <jansson.h>

#include "app/app.h"

struct person_bundle {
    struct stored_person person;       /* id set on write */
    const char *ssn;                   /* clear SSN to seal, or NULL / "" */
    const struct person_record *record; /* validated here; ids are not written back */
    /* Notes refer to services by position: service_id = index in record->services + 1, 0 for a
     * note without a service.  They are written with the stored service ids. */
    const struct case_note *notes;
    size_t n_notes;
    const struct contact *contacts;
    size_t n_contacts;
    /* The user who provided each service (parallel to record->services; 0 when unknown), or
     * NULL when none is known. */
    const int64_t *service_staff;
    /* Likely duplicates already in the database (same SSN, or same name and birth date) are
     * written to duplicates, up to max_duplicates (0: do not look); n_duplicates says how many. */
    int64_t *duplicates;
    size_t max_duplicates, n_duplicates;
    json_t *audit_detail; /* more fields for the audit entry (stolen), or NULL */
};

/* Validates the record (record_validate: every broken rule named by path) and writes everything,
 * then stores the person's exit clock as of app->today and appends one audit entry (action, e.g.
 * "person.import").  Must run inside a transaction the caller owns; on error the caller rolls
 * back.  BR_ECONFLICT when the external id is already in the database. */
int app_write_person(struct app *app, const struct actor *actor, const char *action,
                     struct person_bundle *bundle, struct br_error *err);

#endif
