/* bundle.h — the person bundle (ARCHITECTURE.md "Interchange"): one JSON object per person, read
 * into a person_record, and the exit determination written back as JSON.
 *
 * Input shape (one line of JSON Lines):
 *   {"id": "..." | 123,
 *    "enrollments": [{"program", "eligibility_date"}],
 *    "services": [{"program", "code", "start_date", "end_date"?, "projected_end_date"?}],
 *    "gaps": [{"program", "start_date", "planned_end_date", "reason"}]}
 * Every problem is reported with the input's own path ("services[2].end_date"), all of them at
 * once, so whoever produced the line can fix it in one pass. */
#ifndef BRAID_APP_BUNDLE_H
#define BRAID_APP_BUNDLE_H

#include <stddef.h>

#include <jansson.h>

#include "core/catalog.h"
#include "core/error.h"
#include "core/exit.h"
#include "core/policy.h"
#include "core/record.h"
#include "store/store.h"

/* A hard cap on each array of a bundle, so one line cannot ask for unbounded work. */
#define BUNDLE_MAX_ITEMS 10000

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
