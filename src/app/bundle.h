/* bundle.h — the person bundle (ARCHITECTURE.md "Interchange"): one JSON object per person, read
 * into a person_record, and the exit determination written back as JSON.
 *
 * Input shape (one line of JSON Lines):
 *   {"id": "..." | 123,
 *    "person": {"first_name", "last_name", "birth_date", "sex", "ssn_last4", "ssn",
 *               "veteran", "low_income", ... every yes/no fact of struct person_facts as
 *               true | false | null, "dw_category", "taa_petition"},
 *    "enrollments": [{"program", "eligibility_date"}],
 *    "services": [{"program", "code", "start_date", "end_date"?, "projected_end_date"?}],
 *    "gaps": [{"program", "start_date", "planned_end_date", "reason"}],
 *    "notes": [{"service" (index into services) | null, "written_on", "body", "confidential"}],
 *    "contacts": [{"contacted_on", "method", "responded", "outcome"}]}
 * Every problem is reported with the input's own path ("services[2].end_date"), all of them at
 * once, so whoever produced the line can fix it in one pass.  "person", "notes" and "contacts"
 * are read only by bundle_parse_full (import); exit determination ignores them. */
#ifndef BRAID_APP_BUNDLE_H
#define BRAID_APP_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/catalog.h"
#include "core/error.h"
#include "core/exit.h"
#include "core/person.h"
#include "core/policy.h"
#include "core/record.h"
#include "store/store.h"

/* A hard cap on each array of a bundle, so one line cannot ask for unbounded work. */
#define BUNDLE_MAX_ITEMS 10000

/* Hard caps on a case note's text and on "person.ssn" as given (before normalizing). */
#define BUNDLE_NOTE_MAX 65536
#define BUNDLE_SSN_SIZE 16

/* A case note as a bundle carries it. */
struct bundle_note {
    int service; /* index into the record's services, or -1 for a note about no service */
    int32_t written_on;
    bool confidential;
    char *body; /* owned by the bundle_extras that holds the note */
};

/* What a bundle carries besides the record the exit rules read: who the person is, their case
 * notes and their contacts.  Reused from line to line (each parse resets it). */
struct bundle_extras {
    bool has_person; /* the bundle had a "person" object */
    struct person_facts facts;
    char ssn[BUNDLE_SSN_SIZE]; /* "person.ssn" as given, "" when none: the importer normalizes,
                                  hashes and seals it (crypto.h); never echoed in a problem */
    struct bundle_note *notes;
    size_t n_notes, cap_notes;
    struct contact *contacts; /* person_id, staff_id and id are 0 */
    size_t n_contacts, cap_contacts;
};

void bundle_extras_init(struct bundle_extras *extras);
void bundle_extras_cleanup(struct bundle_extras *extras);
/* Empties extras (facts unknown, no notes, no contacts) but keeps its memory. */
void bundle_extras_reset(struct bundle_extras *extras);

/* Parses one person bundle from text (len bytes, need not be NUL-terminated) into record, which is
 * reset first; its arrays keep input order, so record->services[i] is "services[i]".
 *
 * *id always receives a new reference the caller releases with json_decref(): the bundle's "id"
 * (a string or an integer) when it has a usable one, even when the rest of the bundle fails so
 * that an error line can echo it; JSON null otherwise.  id may be NULL when not wanted.
 *
 * Returns 0, or:
 *   BR_EPARSE  the text is not JSON, or not a JSON object (message names the column);
 *   BR_EINVAL  the shape is wrong (one field error per bad field: unknown key, missing, wrong type,
 *              unknown program or service code, a date that is not YYYY-MM-DD or does not exist,
 *              an unknown gap reason, an array over BUNDLE_MAX_ITEMS), or, when the shape is
 *              right, record_validate() found rules broken (its field errors, same paths).
 * On error the record holds whatever parsed and must not be evaluated. */
int bundle_parse(const struct catalog *catalog, const struct policy *policy, const char *text,
                 size_t len, struct person_record *record, json_t **id, struct br_error *err);

/* bundle_parse, and also reads "person", "notes" and "contacts" into extras (reset first), with
 * their problems reported like every other ("person.birth_date", "notes[1].service").  A bundle
 * without "person" leaves the facts unknown and the names "".  Sections that import cannot keep
 * are refused rather than dropped: a non-empty "outcomes", and "facts" (the old name of "person").
 * extras may be NULL, which is bundle_parse. */
int bundle_parse_full(const struct catalog *catalog, const struct policy *policy, const char *text,
                      size_t len, struct person_record *record, struct bundle_extras *extras,
                      json_t **id, struct br_error *err);

/* Whether name is a field of the bundle's "person" object, which are also the person columns of
 * a people CSV ("ssn" included). */
bool bundle_person_field_known(const char *name);

/* Sets one "person" field of facts from text as a CSV cell has it: "" leaves the field unknown,
 * yes/no facts read true/false, yes/no, y/n or 1/0 (any case).  "ssn" is not handled here (it
 * goes through crypto_ssn_normalize).  A bad value adds one field error at path to err (which
 * may be NULL).  Returns 0 or BR_EINVAL. */
int bundle_person_field_set(struct person_facts *facts, const char *name, const char *text,
                            const char *path, struct br_error *err);

/* A stored person as a bundle (a new object the caller owns): "id" (bundle_person_id), "person"
 * (every fact, unknown ones null; "ssn_last4", never the SSN), "enrollments", "services" and
 * "gaps" in the record's order, "notes" (their service_id mapped to an index into the record's
 * services) and "contacts".  What bundle_parse_full reads back, so export and import round-trip.
 * This function can't fail. */
json_t *bundle_encode_person(const struct catalog *catalog, const struct stored_person *person,
                             const struct person_record *record, const struct case_note *notes,
                             size_t n_notes, const struct contact *contacts, size_t n_contacts);

/* The exit determination of one person as a new JSON object (the caller owns it):
 *   {"id", "as_of", "periods": [{"program", "period", "entry_date", "status", "exit_date",
 *     "last_service_date", "held_by", "soft_exit_on", "days_remaining", "days_without_service",
 *     "last_service", "explanation"}],
 *    "stale_open_services": [{"index", "program", "code", "start_date", "projected_end_date"}]}
 * Absent dates, holds and counts are JSON null.  id is borrowed (NULL writes null).
 * This function can't fail. */
json_t *bundle_encode_exits(const struct catalog *catalog, const struct person_record *record,
                            const struct exit_result *result, json_t *id);

/* The bundle id of a stored person (new reference): the id it was imported with (external_id),
 * or "P<id>" for a person registered in braid.  Export and the database exit run both use it, so
 * their lines match. */
json_t *bundle_person_id(const struct stored_person *person);

/* An error line as a new JSON object (the caller owns it):
 *   {"id", "line", "error": {"code", "message", "fields": [{"field", "problem"}]}}
 * id is borrowed (NULL writes null).  This function can't fail. */
json_t *bundle_encode_error(json_t *id, long line, const struct br_error *err);

#endif
