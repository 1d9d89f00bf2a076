/* errors.c — braid error codes to HTTP statuses, and the error body (errors.h). */
#include "http/errors.h"

#include <stdio.h>

int
http_status_of(enum br_code code)
{
    switch (code) {
    case BR_EINVAL:
    case BR_EPARSE:
        return 400;
    case BR_EAUTH:
        return 401;
    case BR_EFORBIDDEN:
        return 403;
    case BR_ENOTFOUND:
        return 404;
    case BR_ECONFLICT:
        return 409;
    case BR_ESTALE:
        return 412;
    case BR_ETOOBIG:
        return 413;
    case BR_ELIMIT:
        return 429;
    case BR_OK:
    case BR_EIO:
        break;
    }
    return 500;
}

static json_t *
error_body(const char *code, const char *message, json_t *fields)
{
    return json_pack("{s:{s:s, s:s, s:o}}", "error", "code", code, "message", message, "fields",
                     fields != NULL ? fields : json_array());
}

/* A JSON string of text, which may have been cut inside a UTF-8 sequence (error buffers are
 * fixed): then the text is replaced by what can be said safely. */
static json_t *
safe_string(const char *text, const char *fallback)
{
    json_t *value = json_string(text);
    return value != NULL ? value : json_string(fallback);
}

void
http_error_status(struct http_response *res, int status, const char *code, const char *message)
{
    http_reply_json(res, status, error_body(code, message, NULL));
    if (status == 401)
        http_header_add(res, "WWW-Authenticate", "Bearer realm=\"braid\"");
}

void
http_error_reply(const struct http_request *req, struct http_response *res,
                 const struct br_error *err)
{
    int status = http_status_of(err->code);

    if (status == 500) {
        /* The detail (a file, a database message) is for the operator, never the client. */
        fprintf(stderr, "braid serve: %s %s: %s\n", req->method_name, req->path,
                err->message[0] != '\0' ? err->message : "internal error");
        http_error_status(res, 500, "internal_error",
                          "something went wrong inside braid; the operator has the details");
        return;
    }
    json_t *fields = json_array();
    for (size_t i = 0; i < err->n_fields; i++)
        json_array_append_new(
            fields, json_pack("{s:o, s:o}", "field", safe_string(err->fields[i].field, "?"),
                              "problem", safe_string(err->fields[i].problem, "is not valid")));
    json_t *message = safe_string(err->message[0] != '\0' ? err->message : br_code_name(err->code),
                                  br_code_name(err->code));
    json_t *body = json_pack("{s:{s:s, s:o, s:o}}", "error", "code", br_code_name(err->code),
                             "message", message, "fields", fields);
    http_reply_json(res, status, body);
    if (status == 401)
        http_header_add(res, "WWW-Authenticate", "Bearer realm=\"braid\"");
}

bool
http_error_fields(const struct http_request *req, struct http_response *res, struct br_error *err,
                  const char *message)
{
    size_t n = br_error_field_count(err);

    if (n == 0)
        return false;
    br_error_set(err, BR_EINVAL, "%s: %zu invalid field%s", message, n, n == 1 ? "" : "s");
    http_error_reply(req, res, err);
    return true;
}
