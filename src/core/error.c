#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
br_error_clear(struct br_error *err)
{
    if (err == NULL)
        return;
    err->code = BR_OK;
    err->message[0] = '\0';
    err->n_fields = 0;
    err->n_dropped = 0;
}

int
br_error_set(struct br_error *err, enum br_code code, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    err->code = code;
    return code;
}

void
br_error_field(struct br_error *err, const char *field, const char *fmt, ...)
{
    if (err == NULL)
        return;
    if (err->code == BR_OK)
        err->code = BR_EINVAL;
    if (err->n_fields >= BR_ERROR_MAX_FIELDS) {
        err->n_dropped++;
        return;
    }
    struct br_field_error *f = &err->fields[err->n_fields++];
    snprintf(f->field, sizeof(f->field), "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->problem, sizeof(f->problem), fmt, ap);
    va_end(ap);
}

size_t
br_error_field_count(const struct br_error *err)
{
    return err->n_fields + err->n_dropped;
}

const char *
br_code_name(enum br_code code)
{
    switch (code) {
    case BR_OK:
        return "ok";
    case BR_EINVAL:
        return "validation_failed";
    case BR_ENOTFOUND:
        return "not_found";
    case BR_ECONFLICT:
        return "conflict";
    case BR_EFORBIDDEN:
        return "forbidden";
    case BR_EIO:
        return "io_error";
    case BR_ETOOBIG:
        return "too_large";
    case BR_EPARSE:
        return "parse_error";
    case BR_ESTALE:
        return "stale_version";
    case BR_EAUTH:
        return "unauthenticated";
    case BR_ELIMIT:
        return "too_many_attempts";
    }
    return "error";
}
