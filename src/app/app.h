/* app.h — braid's use cases: each opens a transaction, loads what the rule needs, asks src/core,
 * writes, audits and commits — or writes nothing at all (ARCHITECTURE.md "How a request flows").
 *
 * The one layer that talks to both core and store.  The CLI and the HTTP server call these; they
 * never reach the store directly.  An app is used by one thread at a time (the server gives each
 * worker its own). */
#ifndef BRAID_APP_APP_H
#define BRAID_APP_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "app/crypto.h"
#include "core/alerts.h"
#include "core/catalog.h"
#include "core/error.h"
#include "core/exit.h"
#include "core/policy.h"
#include "core/record.h"
#include "store/store.h"

/* Who is acting: recorded in the audit log with every change.  user_id 0 is the system. */
struct actor {
    int64_t user_id;
    int64_t agency_id;
    const char *role;
};

struct change_answer;

struct app {
    char db_path[4096]; /* as opened, so batch work can open more connections to it */
    struct store *store;
    struct catalog catalog;
    struct policy policy;
    struct crypto_keys keys;
    int32_t today; /* the date changes are stamped with (BRAID_TODAY overrides the clock) */
    /* Working space reused by the use cases. */
    struct person_record record;
    struct exit_result exits;
    struct change_answer *answer; /* app_answer_next_change */
};

/* The answer to a change of a person's record: their exit determination (into app->exits, with
 * their record in app->record and the person in person) and alerts (alerts_app.h) as of as_of,
 * read by actor — access checked and audited as GET .../exit and .../alerts read them — in the
 * change's own transaction: the answer shows the state the change left, and costs no
 * transaction, record load or sync of its own. */
struct change_answer {
    const struct actor *actor;
    int64_t person_id;
    int32_t as_of;
    struct stored_person person;
    struct alert_list alerts; /* alert_list_cleanup() it */
    unsigned withheld;        /* alerts_app.h ALERTS_WITHHELD_BIT */
};

/* Has the next change app commits (one of the changes to a person's record below) compute
 * answer, whose actor, person_id and as_of the caller sets, before it commits.  A failure to
 * compute it fails the change, which then writes nothing.  The request ends with that change;
 * answer NULL withdraws it. */
void app_answer_next_change(struct app *app, struct change_answer *answer);

/* Durability left to the caller, an HTTP server that holds its answers until the disk has what
 * they show (store.h durability_deferred): while on, a use case returns once its change is
 * committed; app_durable_pending then names the commit to wait for (0: none) and
 * app_durable_wait waits for it — from any app of the same database. */
void app_durability_deferred(struct app *app, bool on);
uint64_t app_durable_pending(struct app *app);
int app_durable_wait(struct app *app, uint64_t commit, struct br_error *err);

/* The system actor, for batch work (imports, nightly runs) that no person performs. */
extern const struct actor app_system_actor;

/* Creates or migrates the database at db_path, saves the catalog from catalog_path, and creates
 * the key file beside the database if it is not there.  Idempotent. */
int app_init_database(const char *db_path, const char *catalog_path, struct br_error *err);

/* Opens an initialised database (refusing one newer than this binary) with its catalog and keys. */
int app_open(struct app *app, const char *db_path, struct br_error *err);
void app_close(struct app *app);

/* Today's date: $BRAID_TODAY (YYYY-MM-DD) when set — for tests and replays — else the clock. */
int app_today(int32_t *today, struct br_error *err);

/* Reads the stored person; BR_ENOTFOUND with a message naming the id when there is none. */
int app_person_load(struct app *app, int64_t person_id, struct stored_person *person,
                    struct br_error *err);

/* Registers a person (no wrong door).  ssn may be NULL.  Likely duplicates (same SSN, or same
 * name and birth date) are reported in dups (up to max_dups) but do not stop the registration. */
int app_register_person(struct app *app, const struct actor *actor, struct stored_person *person,
                        const char *ssn, int64_t *dups, size_t max_dups, size_t *n_dups,
                        struct br_error *err);

/* The four changes to a person's case file below need its write access (access.h
 * ACCESS_CASE_FILE): BR_EFORBIDDEN, with the refusal audited and nothing else written. */

/* Records an eligibility determination for a program, with a snapshot of the facts it used. */
int app_determine_eligibility(struct app *app, const struct actor *actor, int64_t person_id,
                              struct enrollment *enrollment, const char *facts_json,
                              struct br_error *err);

/* Records a service (and its case note, when note_body is not NULL) after checking every rule of
 * RULES.md §3 against the person's whole record; refreshes the person's exit clock. */
int app_record_service(struct app *app, const struct actor *actor, int64_t person_id,
                       struct service *service, const struct service_detail *detail,
                       const char *note_body, struct br_error *err);

/* Sets a stored service's actual end (close) and refreshes the clock. */
int app_close_service(struct app *app, const struct actor *actor, int64_t person_id,
                      int64_t service_id, int32_t end_on, struct br_error *err);

/* A correction of a stored service: each set_ member replaces that field, provider when not
 * NULL; the program stays.  expected_version is the version the caller read (If-Match), or 0
 * for the current one. */
struct service_correction {
    int64_t expected_version;
    bool set_code, set_start, set_end, set_projected_end;
    int code;
    int32_t start_on, end_on, projected_end_on;
    const char *provider;
};

/* Corrects a stored service after checking the whole record against RULES.md §3 (its field
 * errors name the service's fields), bumps its version, refreshes the clock and audits the
 * before and after.  *out receives the service as stored.  BR_ESTALE when the version moved on. */
int app_correct_service(struct app *app, const struct actor *actor, int64_t person_id,
                        int64_t service_id, const struct service_correction *change,
                        struct service *out, struct br_error *err);

/* Corrects an enrollment's eligibility date (If-Match on expected_version, as above): refused on
 * "eligibility_date" when a participation-triggering service would then come before eligibility.
 * Refreshes the clock and audits; *out receives the enrollment as stored. */
int app_correct_enrollment(struct app *app, const struct actor *actor, int64_t person_id,
                           int64_t enrollment_id, int32_t eligibility_on,
                           int64_t expected_version, struct enrollment *out,
                           struct br_error *err);

/* Records a planned gap (RULES.md §5) with its case note, and refreshes the clock. */
int app_record_gap(struct app *app, const struct actor *actor, int64_t person_id,
                   struct planned_gap *gap, const char *services_after, const char *note_body,
                   struct br_error *err);

/* A case note (about one of the person's services, or none: else BR_EINVAL on "service_id"), and
 * a contact attempt.  Refusals are audited as the case file's are. */
int app_write_note(struct app *app, const struct actor *actor, struct case_note *note,
                   struct br_error *err);
int app_record_contact(struct app *app, const struct actor *actor, struct contact *contact,
                       struct br_error *err);

/* Determines the periods and exit clock as of a date of a person the caller has found
 * (app_person_load), from their record, loaded into app->record (reads only). */
int app_person_exits(struct app *app, int64_t person_id, int32_t as_of,
                     struct exit_result *result, struct br_error *err);

/* Recomputes a person's stored exit clocks from their record, as of app->today.  Called inside
 * the transaction of every change that touches the exit group. */
int app_refresh_clock(struct app *app, int64_t person_id, const struct person_record *record,
                      struct br_error *err);

struct exit_sync_counts {
    long recorded; /* soft exits newly recorded */
    long reopened; /* recorded exits deleted because a late service reopened them */
};

/* Brings a person's recorded exits and stored clocks in line with a determination (first
 * applying the person's manual exits to it, app_apply_manual_exits): deletes
 * recorded exits it no longer supports (late services reopen exits, RULES.md §4), records new
 * soft exits when run_id is not 0 (the nightly run), and stores the clocks.  Inside a transaction. */
int app_sync_exits(struct app *app, int64_t person_id, struct exit_result *result,
                   int64_t run_id, struct exit_sync_counts *counts, struct br_error *err);

/* Applies to result the manual exits among recorded that stand (core/exit.h exit_apply_manual;
 * RULES.md §4 "Manual exit"): every reader of a stored person's determination — the API, the
 * clocks, the nightly run, `braid exits --db` — calls this after exit_determine. */
void app_apply_manual_exits(const struct recorded_exit *recorded, size_t n,
                            struct exit_result *result);

/* The clocks (one per exit group, its latest period) that a determination implies, given the
 * exits already recorded: an exited group is due for recording on its soft-exit day until it is. */
size_t app_clocks_from(const struct catalog *catalog, const struct exit_result *result,
                       const struct recorded_exit *recorded, size_t n_recorded,
                       struct stored_clock *clocks, size_t max);

#endif
