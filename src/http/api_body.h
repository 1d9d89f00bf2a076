/* api_body.h — the members of a JSON request body, read by name: each one of the wrong JSON type
 * is a field error that names it, and so is each member the resource does not have, so a client
 * learns every bad member at once.  Whether a value is right (a date, a code, a range) is the
 * use case's to say (src/app); this checks only the shape the JSON gives it.  A member that is
 * null counts as absent. */
#ifndef BRAID_HTTP_API_BODY_H
#define BRAID_HTTP_API_BODY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/error.h"
#include "http/http.h"

/* A string member, or NULL when absent; a field error when it is not a string, or holds a NUL.
 * Valid while body lives. */
const char *api_body_string(json_t *body, const char *key, struct br_error *err);

/* A boolean member, or fallback when absent; a field error when it is not true or false. */
bool api_body_bool(json_t *body, const char *key, bool fallback, struct br_error *err);

/* A whole-number member; *present says whether one was given.  A field error (what names what
 * it should be: "an agency's id") when it is not an integer. */
int64_t api_body_integer(json_t *body, const char *key, const char *what, bool *present,
                         struct br_error *err);

/* The member as JSON text (malloc'd: free it), for use cases that take JSON text; NULL when
 * absent. */
char *api_body_json_text(json_t *body, const char *key);

/* A field error for every member of body not named in known (NULL-terminated): "is not a field
 * of <what>". */
void api_body_known(json_t *body, const char *const *known, const char *what, struct br_error *err);

/* Reads If-Match, which a change of a versioned item needs (no lost updates): answers 428 and
 * returns false without it; adds a field error naming what ("person", "service") when it is not
 * one strong entity tag "N" — else *version is N, and a tag that is not current is the store's
 * to refuse (412). */
bool api_if_match(const struct http_request *req, struct http_response *res, const char *what,
                  int64_t *version, struct br_error *err);

#endif
