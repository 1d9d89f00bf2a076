/* alerts_app.h — the case-management alerts of RULES.md §8 for one person, and an agency's
 * caseload with everyone's alerts, most urgent first (core/alerts.h computes them).
 *
 * Reads only, each in one transaction.  A person's alerts are read as their case file is
 * (access.h ACCESS_CASE_FILE, refused: BR_EFORBIDDEN); the notes, contacts, plans and eligibility
 * screen they are also computed from are each decided and audited on their own, and an area the
 * reader may not see is withheld — its alerts are not computed (a note the reader cannot see is
 * not "missing") and the area is named in *withheld.
 *
 * The determination they read has the person's manual exits applied (app_apply_manual_exits), and
 * the co-enrollment rules are given the person's recorded declines (declines.h). */
#ifndef BRAID_APP_ALERTS_APP_H
#define BRAID_APP_ALERTS_APP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "app/app.h"
#include "core/alerts.h"
#include "core/person.h"

/* A bit per access area (access.h enum access_area) whose records were withheld. */
#define ALERTS_WITHHELD_BIT(area) (1u << (unsigned)(area))

/* The person's alerts as of as_of into out (emptied first; alert_list_cleanup() it), with the
 * areas withheld.  BR_ENOTFOUND for no such person, BR_EFORBIDDEN when the actor may not read
 * the case file. */
int app_person_alerts(struct app *app, const struct actor *actor, int64_t person_id, int32_t as_of,
                      struct alert_list *out, unsigned *withheld, struct br_error *err);

/* The same inside the caller's transaction (a change's answer, app.h app_answer_next_change);
 * record_current: app->record already holds the person's record as stored (it is not loaded
 * again).  Either way app->exits then holds the person's exit determination as of as_of, with
 * their manual exits applied, and *person (unless NULL) the stored person read for them. */
int app_person_alerts_in(struct app *app, const struct actor *actor, int64_t person_id,
                         int32_t as_of, bool record_current, struct alert_list *out,
                         unsigned *withheld, struct stored_person *person, struct br_error *err);

struct caseload_person {
    int64_t person_id;
    char first_name[PERSON_NAME_SIZE];
    char last_name[PERSON_NAME_SIZE];
    size_t first_alert; /* this person's alerts are caseload.alerts.items[first_alert ...] */
    size_t n_alerts;
};

struct caseload {
    struct caseload_person *people;
    size_t n_people, cap_people;
    struct alert_list
        alerts;        /* every listed person's alerts, person by person, most urgent first */
    int64_t total;     /* people the agency serves */
    unsigned withheld; /* areas withheld for any listed person */
};

/* Zero the struct before the first call; reusable. */
void app_caseload_cleanup(struct caseload *caseload);

/* The actor's caseload (case managers and supervisors only; BR_EFORBIDDEN for other roles and
 * for an actor without an agency): for a case manager, the people they serve in person (a
 * service, an enrollment or a contact of theirs, store staff_people); for a supervisor, everyone
 * the agency serves.  Ordered by their most urgent alert — exit countdowns first, the fewest days
 * left first — then people without alerts, by id: limit (1 to ADMIN_PAGE_MAX) of them from
 * offset.  Everyone on the caseload is evaluated to rank them (nobody for a page past the end);
 * the listed ones are read (and audited) as app_person_alerts reads one. */
int app_caseload(struct app *app, const struct actor *actor, int32_t as_of, int64_t limit,
                 int64_t offset, struct caseload *out, struct br_error *err);

/* The alerts as a JSON array (programs by code, dates as YYYY-MM-DD, null when absent). */
json_t *app_alerts_json(const struct app *app, const struct alert *alerts, size_t n);
/* The names of the withheld areas, as a JSON array ("case_notes", ...). */
json_t *app_alerts_withheld_json(unsigned withheld);

#endif
