#include "app/limiter.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/crypto.h"
#include "core/error.h"
#include "core/mem.h"

int
limiter_init(struct limiter *l, size_t capacity, int max_failures, int64_t window_seconds)
{
    memset(l, 0, sizeof(*l));
    if (capacity == 0 || max_failures < 1 || window_seconds < 1)
        return BR_EINVAL;
    if (crypto_init() != 0)
        return BR_EIO;
    if (pthread_mutex_init(&l->lock, NULL) != 0)
        return BR_EIO;
    l->entries = xcalloc(capacity, sizeof(*l->entries));
    l->capacity = capacity;
    l->max_failures = max_failures;
    l->window_seconds = window_seconds;
    randombytes_buf(l->hash_key, sizeof(l->hash_key));
    return 0;
}

void
limiter_cleanup(struct limiter *l)
{
    if (l->entries == NULL)
        return;
    pthread_mutex_destroy(&l->lock);
    free(l->entries);
    sodium_memzero(l, sizeof(*l));
}

static void
key_hash(const struct limiter *l, const char *key, uint8_t out[LIMITER_KEY_SIZE])
{
    crypto_generichash(out, LIMITER_KEY_SIZE, (const unsigned char *)key, strlen(key), l->hash_key,
                       sizeof(l->hash_key));
}

static bool
expired(const struct limiter *l, const struct limiter_entry *e, int64_t now)
{
    return now >= e->window_start + l->window_seconds;
}

/* The entry of hash, or NULL.  Called with the lock held. */
static struct limiter_entry *
find(struct limiter *l, const uint8_t hash[LIMITER_KEY_SIZE])
{
    for (size_t i = 0; i < l->capacity; i++) {
        struct limiter_entry *e = &l->entries[i];
        if (e->used && memcmp(e->key, hash, LIMITER_KEY_SIZE) == 0)
            return e;
    }
    return NULL;
}

/* A slot for a new key: a free one, else an expired one, else the oldest.  Lock held. */
static struct limiter_entry *
slot(struct limiter *l, int64_t now)
{
    struct limiter_entry *oldest = &l->entries[0];
    for (size_t i = 0; i < l->capacity; i++) {
        struct limiter_entry *e = &l->entries[i];
        if (!e->used || expired(l, e, now))
            return e;
        if (e->window_start < oldest->window_start)
            oldest = e;
    }
    return oldest;
}

bool
limiter_allowed(struct limiter *l, const char *key, int64_t now, int64_t *retry_after)
{
    uint8_t hash[LIMITER_KEY_SIZE];
    bool allowed = true;

    key_hash(l, key, hash);
    pthread_mutex_lock(&l->lock);
    struct limiter_entry *e = find(l, hash);
    if (e != NULL && !expired(l, e, now) && e->failures >= l->max_failures) {
        allowed = false;
        if (retry_after != NULL) {
            int64_t wait = e->window_start + l->window_seconds - now;
            *retry_after = wait < 1 ? 1 : wait;
        }
    }
    pthread_mutex_unlock(&l->lock);
    return allowed;
}

void
limiter_fail(struct limiter *l, const char *key, int64_t now)
{
    uint8_t hash[LIMITER_KEY_SIZE];

    key_hash(l, key, hash);
    pthread_mutex_lock(&l->lock);
    struct limiter_entry *e = find(l, hash);
    if (e == NULL) {
        e = slot(l, now);
        memcpy(e->key, hash, LIMITER_KEY_SIZE);
        e->used = true;
        e->failures = 0;
        e->window_start = now;
    } else if (expired(l, e, now)) {
        e->failures = 0;
        e->window_start = now;
    }
    if (e->failures < l->max_failures)
        e->failures++;
    pthread_mutex_unlock(&l->lock);
}

void
limiter_forget(struct limiter *l, const char *key)
{
    uint8_t hash[LIMITER_KEY_SIZE];

    key_hash(l, key, hash);
    pthread_mutex_lock(&l->lock);
    struct limiter_entry *e = find(l, hash);
    if (e != NULL)
        memset(e, 0, sizeof(*e));
    pthread_mutex_unlock(&l->lock);
}
