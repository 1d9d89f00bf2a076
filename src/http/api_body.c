/* api_body.c — a request body's members by name, and its If-Match precondition (api_body.h). */
#include "http/api_body.h"

#include <string.h>

#include "http/errors.h"

/* The member, or NULL when it is absent or null. */
static json_t *
member(json_t *body, const char *key)
{
    json_t *value = json_object_get(body, key);
    return json_is_null(value) ? NULL : value;
}

const char *
api_body_string(json_t *body, const char *key, struct br_error *err)
{
    json_t *value = member(body, key);

    if (value == NULL)
        return NULL;
    if (!json_is_string(value)) {
        br_error_field(err, key, "must be a string");
        return NULL;
    }
    /* A NUL would cut the text short where the use case reads it: refuse rather than truncate. */
    if (strlen(json_string_value(value)) != json_string_length(value)) {
        br_error_field(err, key, "must not contain a NUL character");
        return NULL;
    }
    return json_string_value(value);
}

bool
api_body_bool(json_t *body, const char *key, bool fallback, struct br_error *err)
{
    json_t *value = member(body, key);

    if (value == NULL)
        return fallback;
    if (!json_is_boolean(value)) {
        br_error_field(err, key, "must be true or false");
        return fallback;
    }
    return json_is_true(value);
}

int64_t
api_body_integer(json_t *body, const char *key, const char *what, bool *present,
                 struct br_error *err)
{
    json_t *value = member(body, key);

    *present = value != NULL;
    if (value == NULL)
        return 0;
    if (!json_is_integer(value)) {
        br_error_field(err, key, "must be %s (a whole number)", what);
        return 0;
    }
    return (int64_t)json_integer_value(value);
}

char *
api_body_json_text(json_t *body, const char *key)
{
    json_t *value = member(body, key);
    return value != NULL ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

void
api_body_known(json_t *body, const char *const *known, const char *what, struct br_error *err)
{
    const char *key;
    json_t *value;

    json_object_foreach(body, key, value)
    {
        bool found = false;
        for (size_t i = 0; known[i] != NULL && !found; i++)
            found = strcmp(key, known[i]) == 0;
        if (!found)
            br_error_field(err, key, "is not a field of %s", what);
    }
}

bool
api_if_match(const struct http_request *req, struct http_response *res, const char *what,
              int64_t *version, struct br_error *err)
{
    const char *value = http_header_get(req, "If-Match");
    size_t len = value != NULL ? strlen(value) : 0;
    int64_t v = 0;

    if (value == NULL) {
        http_error_status(res, 428, "precondition_required",
                          "a change needs If-Match with the ETag of the item as you read it");
        return false;
    }
    bool ok = len >= 3 && len <= 20 && value[0] == '"' && value[len - 1] == '"';
    for (size_t i = 1; ok && i + 1 < len; i++) {
        ok = value[i] >= '0' && value[i] <= '9';
        v = v * 10 + (value[i] - '0');
    }
    if (!ok)
        br_error_field(err, "If-Match", "must be the ETag of the %s as read, such as \"3\"", what);
    *version = ok ? v : 0;
    return true;
}
