/* idempotency.h — a retried create returns the first answer instead of creating again
 * (ARCHITECTURE.md "Interfaces": Idempotency-Key).
 *
 * A client sends a key it made up (a UUID, say) with a POST that creates.  The first request
 * with a key reserves it, runs, and stores its response; a retry with the same key and the same
 * request gets that response back (status, body, Location and ETag) and creates nothing.  The
 * same key with a different request is refused, and so is a retry while the first is still
 * running.  A request that fails (any status but 2xx) releases its key, so the client may fix it
 * and try again.  Keys are kept per user for IDEMPOTENCY_KEEP_SECONDS.
 *
 * If the server dies between the create and storing its response, the key stays reserved and
 * retries are refused as "still running" until it is forgotten: a duplicate is never made. */
#ifndef BRAID_APP_IDEMPOTENCY_H
#define BRAID_APP_IDEMPOTENCY_H

#include "app/app.h"

#define IDEMPOTENCY_KEY_MAX 255
#define IDEMPOTENCY_KEEP_SECONDS (24 * 60 * 60)

/* A create's answer: the first one, stored, is what a retry gets back. */
struct idempotency_response {
    int status; /* 0: nothing to replay, the key is now reserved for this request */
    char *body; /* malloc'd when replayed: free() it */
    char location[STORE_TEXT_SIZE]; /* the Location and ETag headers, "" when none */
    char etag[STORE_TEXT_SIZE];
};

/* Starts a create under key for user_id; method, path and the body identify the request.
 * Returns 0 with replay->status 0 (go on, then call app_idempotency_finish) or the response to
 * replay in *replay, or:
 *   BR_EINVAL     the key is empty, longer than IDEMPOTENCY_KEY_MAX or not printable ASCII
 *                 (field "Idempotency-Key");
 *   BR_ECONFLICT  the key was used for another request, or its first request is still running;
 *   BR_EIO        the database failed. */
int app_idempotency_begin(struct app *app, int64_t user_id, const char *key, const char *method,
                          const char *path, const char *body, size_t body_len, int64_t now,
                          struct idempotency_response *replay, struct br_error *err);

/* Ends what app_idempotency_begin reserved: a 2xx response is stored for replay; any other
 * status releases the key. */
int app_idempotency_finish(struct app *app, int64_t user_id, const char *key,
                           const struct idempotency_response *response, struct br_error *err);

#endif
