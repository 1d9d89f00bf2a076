/* error.h — braid's one error shape: a code, a message, and the fields that were wrong.
 *
 * Functions return 0 or a negative BR_E* code and describe the problem in a caller-provided
 * struct br_error.  The field path names the input exactly ("services[2].end_date"), so the person
 * who sent it can fix it.  The mapping from code to HTTP status lives in src/http, once. */
#ifndef BRAID_CORE_ERROR_H
#define BRAID_CORE_ERROR_H

#include <stddef.h>

enum br_code {
    BR_OK = 0,
    BR_EINVAL = -1,    /* input failed validation: see fields */
    BR_ENOTFOUND = -2, /* the thing named does not exist */
    BR_ECONFLICT = -3, /* duplicate, or a request that clashes with another */
    BR_EFORBIDDEN = -4,
    BR_EIO = -5,       /* a file or database failed */
    BR_ETOOBIG = -6,   /* input over a hard size cap */
    BR_EPARSE = -7,    /* not well-formed (JSON, CSV, a date) */
    BR_ESTALE = -8,    /* the version the caller read is no longer current (If-Match) */
    BR_EAUTH = -9,     /* who is asking is not known: no, wrong or expired credentials */
    BR_ELIMIT = -10,   /* too many attempts: try again later */
};

#define BR_ERROR_MAX_FIELDS 32

struct br_field_error {
    char field[96];
    char problem[192];
};

struct br_error {
    enum br_code code;
    char message[256];
    size_t n_fields;
    size_t n_dropped; /* bad fields past BR_ERROR_MAX_FIELDS: counted, not kept */
    struct br_field_error fields[BR_ERROR_MAX_FIELDS];
};

/* Clears err to "no error". */
void br_error_clear(struct br_error *err);

/* Sets code and message (printf-style); keeps fields already added.  Returns code, so a caller
 * may write `return br_error_set(err, BR_EIO, "cannot open %s", path);`.  err may be NULL. */
int br_error_set(struct br_error *err, enum br_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds one bad field (printf-style problem).  Past BR_ERROR_MAX_FIELDS the field is dropped (and
 * counted in n_dropped) but the error stays.  Sets code to BR_EINVAL when no code is set yet.  err may be NULL. */
void br_error_field(struct br_error *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The stable machine name of a code: "validation_failed", "not_found", ... */
/* How many bad fields were reported, kept or dropped. */
size_t br_error_field_count(const struct br_error *err);

const char *br_code_name(enum br_code code);

#endif
