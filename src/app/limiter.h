/* limiter.h — counting failed attempts per key (an account, a client address) in memory, so that
 * guessing passwords gets slow: after max_failures failures within window_seconds of the first,
 * the key is refused until the window ends.
 *
 * The table is bounded (capacity entries): when it is full, an expired entry is reused, else the
 * one whose window started first, so memory never grows with the number of keys an attacker
 * invents.  Keys are kept as keyed hashes (a random key per process), never as the text given.
 * Every function is safe to call from many threads at once. */
#ifndef BRAID_APP_LIMITER_H
#define BRAID_APP_LIMITER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIMITER_KEY_SIZE 16

struct limiter_entry {
    uint8_t key[LIMITER_KEY_SIZE];
    int failures;
    int64_t window_start; /* Unix seconds of the first failure counted */
    bool used;
};

struct limiter {
    pthread_mutex_t lock;
    struct limiter_entry *entries;
    size_t capacity;
    int max_failures;
    int64_t window_seconds;
    uint8_t hash_key[32];
};

/* Sets the limiter up (capacity >= 1, max_failures >= 1, window_seconds >= 1); returns 0 or
 * BR_EINVAL.  Pair with limiter_cleanup. */
int limiter_init(struct limiter *l, size_t capacity, int max_failures, int64_t window_seconds);
void limiter_cleanup(struct limiter *l);

/* Whether key may try now.  When it may not, *retry_after (which may be NULL) receives the
 * seconds until it may (at least 1). */
bool limiter_allowed(struct limiter *l, const char *key, int64_t now, int64_t *retry_after);

/* Counts one failure of key at now (a new window starts when the last one has ended). */
void limiter_fail(struct limiter *l, const char *key, int64_t now);

/* Forgets key's failures (after a success). */
void limiter_forget(struct limiter *l, const char *key);

#endif
