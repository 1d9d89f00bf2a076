/* errors.h — the one place where braid's error codes become HTTP statuses, and the one error
 * shape every failed request is answered with (ARCHITECTURE.md "Interfaces"):
 *   {"error": {"code": "validation_failed", "message": "...",
 *              "fields": [{"field": "birth_date", "problem": "..."}]}}
 * A 500 says only that something went wrong inside braid; its detail goes to the log. */
#ifndef BRAID_HTTP_ERRORS_H
#define BRAID_HTTP_ERRORS_H

#include "core/error.h"
#include "http/http.h"

/* The status of a braid error code: EINVAL and EPARSE 400, EAUTH 401, EFORBIDDEN 403,
 * ENOTFOUND 404, ECONFLICT 409, ESTALE 412, ETOOBIG 413, ELIMIT 429, EIO (and anything
 * else) 500. */
int http_status_of(enum br_code code);

/* Answers with err: its status, code name, message and every bad field. */
void http_error_reply(const struct http_request *req, struct http_response *res,
                      const struct br_error *err);

/* Answers with an error of HTTP itself that no use case returned (404 for an unknown path, 405,
 * 415, 428 ...): code is its machine name ("method_not_allowed"). */
void http_error_status(struct http_response *res, int status, const char *code,
                       const char *message);

/* When err holds field errors, answers 400 with all of them under message ("the consent cannot
 * be recorded: 2 invalid fields") and returns true; else leaves res alone and returns false. */
bool http_error_fields(const struct http_request *req, struct http_response *res,
                       struct br_error *err, const char *message);

#endif
