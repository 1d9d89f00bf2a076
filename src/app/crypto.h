/* crypto.h — braid's secrets and what it does with them (RULES.md §11), on libsodium.
 *
 * One key file per database ("<db>.key"): exactly 64 bytes, mode 0600, the 32-byte secretbox key
 * that encrypts SSNs followed by the 32-byte key for keyed BLAKE2b (crypto_generichash, 32-byte
 * output, over the exact bytes given) that finds duplicate SSNs and stores API and session tokens
 * as hashes.  Losing the file loses every SSN, so it is created once and never overwritten.
 *
 * SSNs are stored three ways: sealed (random nonce || secretbox), hashed (duplicate search without
 * decrypting), and shown masked ("***-**-1234").  No function here ever puts an SSN, a password or
 * a token into an error message.
 *
 * Call crypto_init() once at startup; every function that needs libsodium also calls it, so a
 * forgotten call costs nothing but a first-use delay. */
#ifndef BRAID_APP_CRYPTO_H
#define BRAID_APP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "core/error.h"

#define CRYPTO_KEY_SIZE 32
#define CRYPTO_KEY_FILE_SIZE (2 * CRYPTO_KEY_SIZE)

/* Every keyed hash (SSN, token) is this many bytes. */
#define CRYPTO_HASH_SIZE 32

/* A normalized SSN: nine digits and a NUL. */
#define CRYPTO_SSN_SIZE 10
#define CRYPTO_SSN_DIGITS 9

/* A sealed SSN: nonce || MAC || nine encrypted digits. */
#define CRYPTO_SSN_SEALED_SIZE                                                                     \
    (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + CRYPTO_SSN_DIGITS)

/* "***-**-1234" and a NUL. */
#define CRYPTO_SSN_MASK_SIZE 12

#define CRYPTO_PASSWORD_MIN_CHARS 12
#define CRYPTO_PASSWORD_MAX_BYTES 1024

/* A token: "brd_", 43 characters of URL-safe base64 without padding (32 random bytes), a NUL. */
#define CRYPTO_TOKEN_PREFIX "brd_"
#define CRYPTO_TOKEN_RANDOM_BYTES 32
#define CRYPTO_TOKEN_SIZE 48
#define CRYPTO_TOKEN_LEN (CRYPTO_TOKEN_SIZE - 1)

struct crypto_keys {
    uint8_t secretbox[CRYPTO_KEY_SIZE]; /* encrypts SSNs */
    uint8_t hashing[CRYPTO_KEY_SIZE];   /* keys BLAKE2b for SSN and token hashes */
};

/* Initializes libsodium, once however many threads call it.  Returns 0, or BR_EIO when libsodium
 * cannot start (no source of randomness). */
int crypto_init(void);

/* Creates the key file at path with fresh random keys: mode 0600, O_EXCL, written and fsync'd
 * (the file and its directory) before returning.  Returns 0, or:
 *   BR_ECONFLICT  path already exists (it is never overwritten);
 *   BR_EIO        the file cannot be created or written (a partial file is removed).
 * err may be NULL. */
int crypto_keys_create(const char *path, struct br_error *err);

/* Reads the key file at path into keys.  Returns 0, or:
 *   BR_EIO     the file does not exist, cannot be read, or is not a regular file;
 *   BR_EINVAL  any group or other permission bit is set ("permissions too open, run chmod 600"),
 *              or the file is not exactly CRYPTO_KEY_FILE_SIZE bytes.
 * Every message names the path.  On error keys is zeroed.  err may be NULL. */
int crypto_keys_load(const char *path, struct crypto_keys *keys, struct br_error *err);

/* Zeroes keys so they do not outlive their use in memory.  keys may be NULL. */
void crypto_keys_wipe(struct crypto_keys *keys);

/* Writes "<db_path>.key" into buf and returns buf, or returns NULL when it does not fit. */
const char *crypto_keys_path_for_db(const char *db_path, char *buf, size_t size);

/* Accepts exactly "123-45-6789" or "123456789" and writes the nine digits to out.  Rejects any
 * other form and numbers never issued: area 000, 666 or 900-999, group 00, serial 0000.  Returns
 * 0, or BR_EINVAL with one problem on field "ssn" (out is then ""). */
int crypto_ssn_normalize(const char *input, char out[CRYPTO_SSN_SIZE], struct br_error *err);

/* The keyed hash of a normalized SSN, for duplicate search.  Stable for the same keys.
 * This function can't fail. */
void crypto_ssn_hash(const struct crypto_keys *keys, const char *normalized,
                     uint8_t out[CRYPTO_HASH_SIZE]);

/* Encrypts a normalized SSN into out (cap bytes) with a fresh random nonce; *len receives
 * CRYPTO_SSN_SEALED_SIZE.  Returns 0, or BR_EINVAL when normalized is not nine digits or cap is
 * under CRYPTO_SSN_SEALED_SIZE. */
int crypto_ssn_seal(const struct crypto_keys *keys, const char *normalized, uint8_t *out,
                    size_t cap, size_t *len);

/* Decrypts what crypto_ssn_seal() wrote.  Returns 0, or BR_EINVAL when len is wrong, the bytes
 * were changed, or they were sealed under other keys (out is then "").  err may be NULL. */
int crypto_ssn_open(const struct crypto_keys *keys, const uint8_t *sealed, size_t len,
                    char out[CRYPTO_SSN_SIZE], struct br_error *err);

/* "***-**-" and last4; when last4 is not exactly four digits (or NULL), "***-**-****", so a bad
 * value shows nothing rather than something wrong.  This function can't fail. */
void crypto_ssn_mask(const char *last4, char out[CRYPTO_SSN_MASK_SIZE]);

/* Hashes password with argon2id (interactive limits) into out as a "$argon2id$..." string.
 * Returns 0, or:
 *   BR_EINVAL  on field "password": fewer than CRYPTO_PASSWORD_MIN_CHARS characters (UTF-8 code
 *              points) or more than CRYPTO_PASSWORD_MAX_BYTES bytes;
 *   BR_EIO     argon2 could not get its memory.
 * err may be NULL. */
int crypto_password_hash(const char *password, char out[crypto_pwhash_STRBYTES],
                         struct br_error *err);

/* Whether password matches hash (a string from crypto_password_hash()).  False for NULL, for a
 * password over CRYPTO_PASSWORD_MAX_BYTES and for a malformed hash. */
bool crypto_password_verify(const char *hash, const char *password);

/* A new random token, CRYPTO_TOKEN_LEN characters.  Show it once; store crypto_token_hash().
 * This function can't fail. */
void crypto_token_new(char out[CRYPTO_TOKEN_SIZE]);

/* The keyed hash of a token (its strlen bytes), which is what the database stores.
 * This function can't fail. */
void crypto_token_hash(const struct crypto_keys *keys, const char *token,
                       uint8_t out[CRYPTO_HASH_SIZE]);

/* Whether the n bytes at a and b are equal, in time that does not depend on where they differ. */
bool crypto_equal(const uint8_t *a, const uint8_t *b, size_t n);

#endif
