/* idempotency.c — Idempotency-Key for creates (idempotency.h). */
#include "app/idempotency.h"

#include <stdlib.h>
#include <string.h>

static bool
key_valid(const char *key)
{
    size_t len = strlen(key);
    if (len == 0 || len > IDEMPOTENCY_KEY_MAX)
        return false;
    for (const char *c = key; *c; c++)
        if (*c < 0x21 || *c > 0x7e)
            return false;
    return true;
}

/* What identifies a request: its method, path and body (NUL-separated, so no two differ only
 * in where one part ends). */
static void
fingerprint(const char *method, const char *path, const char *body, size_t body_len,
            uint8_t out[STORE_HASH_SIZE])
{
    crypto_generichash_state state;
    crypto_generichash_init(&state, NULL, 0, STORE_HASH_SIZE);
    crypto_generichash_update(&state, (const unsigned char *)method, strlen(method) + 1);
    crypto_generichash_update(&state, (const unsigned char *)path, strlen(path) + 1);
    crypto_generichash_update(&state, (const unsigned char *)body, body_len);
    crypto_generichash_final(&state, out, STORE_HASH_SIZE);
}

int
app_idempotency_begin(struct app *app, int64_t user_id, const char *key, const char *method,
                      const char *path, const char *body, size_t body_len, int64_t now,
                      struct idempotency_response *replay, struct br_error *err)
{
    uint8_t print[STORE_HASH_SIZE];
    struct stored_idempotency existing = {0};
    bool reserved = false;
    int rc;

    memset(replay, 0, sizeof(*replay));
    if (!key_valid(key)) {
        br_error_field(err, "Idempotency-Key", "must be 1 to %d printable ASCII characters",
                       IDEMPOTENCY_KEY_MAX);
        return br_error_set(err, BR_EINVAL, "the Idempotency-Key header is not valid");
    }
    if (crypto_init() != 0)
        return br_error_set(err, BR_EIO, "cannot initialise the crypto library");
    fingerprint(method, path, body != NULL ? body : "", body != NULL ? body_len : 0, print);

    if ((rc = app->store->ops->begin(app->store, err)) != 0)
        return rc;
    rc = app->store->ops->idempotency_prune(app->store, now - IDEMPOTENCY_KEEP_SECONDS, err);
    if (rc == 0)
        rc = app->store->ops->idempotency_reserve(app->store, user_id, key, print, &reserved,
                                                  &existing, err);
    if (rc != 0) {
        app->store->ops->rollback(app->store);
        goto out;
    }
    if ((rc = app->store->ops->commit(app->store, err)) != 0)
        goto out;
    if (reserved)
        goto out;
    if (!crypto_equal(existing.fingerprint, print, STORE_HASH_SIZE)) {
        rc = br_error_set(err, BR_ECONFLICT,
                          "this Idempotency-Key was already used for a different request");
        goto out;
    }
    if (existing.status == 0 || existing.body == NULL) {
        rc = br_error_set(err, BR_ECONFLICT,
                          "the first request with this Idempotency-Key is still running");
        goto out;
    }
    replay->status = existing.status;
    replay->body = existing.body;
    existing.body = NULL;
    memcpy(replay->location, existing.location, sizeof(replay->location));
    memcpy(replay->etag, existing.etag, sizeof(replay->etag));
out:
    free(existing.body);
    return rc;
}

int
app_idempotency_finish(struct app *app, int64_t user_id, const char *key,
                       const struct idempotency_response *response, struct br_error *err)
{
    struct stored_idempotency first = {.status = response->status};

    if (response->status < 200 || response->status >= 300)
        return app->store->ops->idempotency_release(app->store, user_id, key, err);
    first.body = response->body != NULL ? response->body : "";
    memcpy(first.location, response->location, sizeof(first.location));
    memcpy(first.etag, response->etag, sizeof(first.etag));
    return app->store->ops->idempotency_complete(app->store, user_id, key, &first, err);
}
