/* crypto.c — the key file, SSN normalization, sealing and hashing, passwords and tokens, on
 * libsodium (RULES.md §11: SSN stored encrypted, keyed hash for duplicates, shown masked). */
#include "app/crypto.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(CRYPTO_KEY_SIZE == crypto_secretbox_KEYBYTES, "secretbox key size");
_Static_assert(CRYPTO_KEY_SIZE >= crypto_generichash_KEYBYTES_MIN &&
                   CRYPTO_KEY_SIZE <= crypto_generichash_KEYBYTES_MAX,
               "generichash key size");
_Static_assert(CRYPTO_HASH_SIZE >= crypto_generichash_BYTES_MIN &&
                   CRYPTO_HASH_SIZE <= crypto_generichash_BYTES_MAX,
               "generichash output size");
_Static_assert(sizeof(struct crypto_keys) == CRYPTO_KEY_FILE_SIZE, "key file is the struct");
_Static_assert(CRYPTO_TOKEN_SIZE ==
                   sizeof(CRYPTO_TOKEN_PREFIX) - 1 +
                       sodium_base64_ENCODED_LEN(CRYPTO_TOKEN_RANDOM_BYTES,
                                                 sodium_base64_VARIANT_URLSAFE_NO_PADDING),
               "token size");

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static int crypto_init_rc = -1;

static void
crypto_init_once(void)
{
    crypto_init_rc = sodium_init() < 0 ? BR_EIO : 0;
}

int
crypto_init(void)
{
    pthread_once(&crypto_once, crypto_init_once);
    return crypto_init_rc;
}

/* For functions documented as unable to fail: without libsodium braid cannot keep its secrets,
 * and there is nothing sensible to do but stop (as on out-of-memory). */
static void
crypto_require(void)
{
    if (crypto_init() != 0) {
        fputs("braid: libsodium failed to initialise\n", stderr);
        abort();
    }
}

static bool
crypto_is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* Writes all n bytes, retrying short writes and interrupts. */
static int
crypto_write_all(int fd, const uint8_t *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/* fsyncs the directory holding path, so the new file's name survives a crash too. */
static int
crypto_sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    int fd, rc;

    if (slash == NULL) {
        snprintf(dir, sizeof(dir), ".");
    } else if (slash == path) {
        snprintf(dir, sizeof(dir), "/");
    } else {
        int n = snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
        if (n < 0 || (size_t)n >= sizeof(dir)) {
            errno = ENAMETOOLONG;
            return -1;
        }
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

int
crypto_keys_create(const char *path, struct br_error *err)
{
    struct crypto_keys keys;
    bool created = false;
    int fd = -1;
    int rc = 0;

    if ((rc = crypto_init()) != 0) {
        br_error_set(err, rc, "cannot initialise libsodium");
        return rc;
    }
    randombytes_buf(&keys, sizeof(keys));

    /* O_EXCL: a key file is never replaced, since every SSN sealed under it would be lost.  It
     * also refuses a symlink at path, even a dangling one. */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0) {
        if (errno == EEXIST)
            rc =
                br_error_set(err, BR_ECONFLICT,
                             "key file %s already exists; braid never overwrites a key file", path);
        else
            rc = br_error_set(err, BR_EIO, "cannot create key file %s: %s", path, strerror(errno));
        goto out;
    }
    created = true;
    if (crypto_write_all(fd, (const uint8_t *)&keys, sizeof(keys)) != 0) {
        rc = br_error_set(err, BR_EIO, "cannot write key file %s: %s", path, strerror(errno));
        goto out;
    }
    if (fsync(fd) != 0) {
        rc = br_error_set(err, BR_EIO, "cannot sync key file %s: %s", path, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = br_error_set(err, BR_EIO, "cannot close key file %s: %s", path, strerror(errno));
        goto out;
    }
    fd = -1;
    if (crypto_sync_parent(path) != 0) {
        rc = br_error_set(err, BR_EIO, "cannot sync the directory of key file %s: %s", path,
                          strerror(errno));
        goto out;
    }

out:
    if (fd >= 0)
        close(fd);
    /* A partial key file would block every retry (it is never overwritten), so remove it. */
    if (rc != 0 && created)
        unlink(path);
    sodium_memzero(&keys, sizeof(keys));
    return rc;
}

int
crypto_keys_load(const char *path, struct crypto_keys *keys, struct br_error *err)
{
    uint8_t buf[CRYPTO_KEY_FILE_SIZE + 1];
    size_t got = 0;
    struct stat st;
    int fd = -1;
    int rc = 0;

    sodium_memzero(keys, sizeof(*keys));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            rc = br_error_set(err, BR_EIO, "key file %s not found", path);
        else
            rc = br_error_set(err, BR_EIO, "cannot read key file %s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0) {
        rc = br_error_set(err, BR_EIO, "cannot read key file %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = br_error_set(err, BR_EIO, "key file %s is not a regular file", path);
        goto out;
    }
    /* Like ssh with its private keys: a secret others could read (or change) is refused rather
     * than used, so the mistake is fixed before it matters. */
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        rc = br_error_set(err, BR_EINVAL,
                          "key file %s: permissions too open (%04o), run chmod 600 %s", path,
                          (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    if (st.st_size != CRYPTO_KEY_FILE_SIZE) {
        rc = br_error_set(err, BR_EINVAL, "key file %s is %lld bytes, expected %d", path,
                          (long long)st.st_size, CRYPTO_KEY_FILE_SIZE);
        goto out;
    }
    /* Read one byte past the expected size, so a file that grew after fstat is caught too. */
    while (got < sizeof(buf)) {
        ssize_t r = read(fd, buf + got, sizeof(buf) - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = br_error_set(err, BR_EIO, "cannot read key file %s: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    if (got != CRYPTO_KEY_FILE_SIZE) {
        rc = br_error_set(err, BR_EINVAL, "key file %s is %zu bytes, expected %d", path, got,
                          CRYPTO_KEY_FILE_SIZE);
        goto out;
    }
    memcpy(keys->secretbox, buf, CRYPTO_KEY_SIZE);
    memcpy(keys->hashing, buf + CRYPTO_KEY_SIZE, CRYPTO_KEY_SIZE);

out:
    if (fd >= 0)
        close(fd);
    sodium_memzero(buf, sizeof(buf));
    if (rc != 0)
        sodium_memzero(keys, sizeof(*keys));
    return rc;
}

void
crypto_keys_wipe(struct crypto_keys *keys)
{
    if (keys != NULL)
        sodium_memzero(keys, sizeof(*keys));
}

const char *
crypto_keys_path_for_db(const char *db_path, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s.key", db_path);

    if (n < 0 || (size_t)n >= size)
        return NULL;
    return buf;
}

/* The problem with a well-formed SSN's number, or NULL when it could have been issued.  The
 * digits themselves are never echoed: an error message may end up in a log. */
static const char *
crypto_ssn_number_problem(const char digits[CRYPTO_SSN_DIGITS])
{
    if (memcmp(digits, "000", 3) == 0)
        return "area number (the first three digits) cannot be 000";
    if (memcmp(digits, "666", 3) == 0)
        return "area number (the first three digits) cannot be 666";
    if (digits[0] == '9')
        return "area number (the first three digits) cannot be 900-999";
    if (memcmp(digits + 3, "00", 2) == 0)
        return "group number (the middle two digits) cannot be 00";
    if (memcmp(digits + 5, "0000", 4) == 0)
        return "serial number (the last four digits) cannot be 0000";
    return NULL;
}

int
crypto_ssn_normalize(const char *input, char out[CRYPTO_SSN_SIZE], struct br_error *err)
{
    char digits[CRYPTO_SSN_DIGITS];
    const char *problem = NULL;
    size_t len = input == NULL ? 0 : strnlen(input, CRYPTO_SSN_DIGITS + 3);
    int rc = 0;

    out[0] = '\0';
    if (len == CRYPTO_SSN_DIGITS && crypto_is_digits(input, CRYPTO_SSN_DIGITS)) {
        memcpy(digits, input, CRYPTO_SSN_DIGITS);
    } else if (len == CRYPTO_SSN_DIGITS + 2 && input[3] == '-' && input[6] == '-' &&
               crypto_is_digits(input, 3) && crypto_is_digits(input + 4, 2) &&
               crypto_is_digits(input + 7, 4)) {
        memcpy(digits, input, 3);
        memcpy(digits + 3, input + 4, 2);
        memcpy(digits + 5, input + 7, 4);
    } else {
        problem = "must be 9 digits, written 123-45-6789 or 123456789";
        goto out;
    }
    if ((problem = crypto_ssn_number_problem(digits)) != NULL)
        goto out;
    memcpy(out, digits, CRYPTO_SSN_DIGITS);
    out[CRYPTO_SSN_DIGITS] = '\0';

out:
    if (problem != NULL) {
        rc = br_error_set(err, BR_EINVAL, "invalid SSN");
        br_error_field(err, "ssn", "%s", problem);
    }
    sodium_memzero(digits, sizeof(digits));
    return rc;
}

static bool
crypto_ssn_is_normalized(const char *normalized)
{
    return normalized != NULL && strnlen(normalized, CRYPTO_SSN_SIZE) == CRYPTO_SSN_DIGITS &&
           crypto_is_digits(normalized, CRYPTO_SSN_DIGITS);
}

void
crypto_ssn_hash(const struct crypto_keys *keys, const char *normalized,
                uint8_t out[CRYPTO_HASH_SIZE])
{
    assert(crypto_ssn_is_normalized(normalized));
    crypto_require();
    crypto_generichash(out, CRYPTO_HASH_SIZE, (const unsigned char *)normalized, CRYPTO_SSN_DIGITS,
                       keys->hashing, CRYPTO_KEY_SIZE);
}

int
crypto_ssn_seal(const struct crypto_keys *keys, const char *normalized, uint8_t *out, size_t cap,
                size_t *len)
{
    uint8_t *nonce = out;
    int rc = 0;

    *len = 0;
    if (!crypto_ssn_is_normalized(normalized) || cap < CRYPTO_SSN_SEALED_SIZE)
        return BR_EINVAL;
    if ((rc = crypto_init()) != 0)
        return rc;
    /* A fresh random nonce per seal: 24 bytes is enough that collisions need not be tracked, and
     * the same SSN seals differently each time, so sealed values reveal no duplicates. */
    randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, (const unsigned char *)normalized,
                          CRYPTO_SSN_DIGITS, nonce, keys->secretbox);
    *len = CRYPTO_SSN_SEALED_SIZE;
    return 0;
}

int
crypto_ssn_open(const struct crypto_keys *keys, const uint8_t *sealed, size_t len,
                char out[CRYPTO_SSN_SIZE], struct br_error *err)
{
    uint8_t plain[CRYPTO_SSN_DIGITS];
    int rc = 0;

    out[0] = '\0';
    if (len != CRYPTO_SSN_SEALED_SIZE) {
        rc = br_error_set(err, BR_EINVAL, "sealed SSN is %zu bytes, expected %d", len,
                          (int)CRYPTO_SSN_SEALED_SIZE);
        goto out;
    }
    if ((rc = crypto_init()) != 0) {
        br_error_set(err, rc, "cannot initialise libsodium");
        goto out;
    }
    if (crypto_secretbox_open_easy(plain, sealed + crypto_secretbox_NONCEBYTES,
                                   len - crypto_secretbox_NONCEBYTES, sealed,
                                   keys->secretbox) != 0) {
        rc = br_error_set(err, BR_EINVAL,
                          "sealed SSN failed authentication (changed, or sealed under other keys)");
        goto out;
    }
    if (!crypto_is_digits((const char *)plain, CRYPTO_SSN_DIGITS)) {
        rc = br_error_set(err, BR_EINVAL, "sealed SSN does not hold 9 digits");
        goto out;
    }
    memcpy(out, plain, CRYPTO_SSN_DIGITS);
    out[CRYPTO_SSN_DIGITS] = '\0';

out:
    sodium_memzero(plain, sizeof(plain));
    return rc;
}

void
crypto_ssn_mask(const char *last4, char out[CRYPTO_SSN_MASK_SIZE])
{
    bool ok = last4 != NULL && strnlen(last4, 5) == 4 && crypto_is_digits(last4, 4);

    memcpy(out, "***-**-", 7);
    memcpy(out + 7, ok ? last4 : "****", 4);
    out[11] = '\0';
}

/* Characters as a person counts them (UTF-8 code points, not bytes), so four three-byte
 * characters do not pass for a 12-character password.  Stops counting at limit. */
static size_t
crypto_utf8_chars(const char *s, size_t limit)
{
    size_t n = 0;

    for (; *s != '\0' && n < limit; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

int
crypto_password_hash(const char *password, char out[crypto_pwhash_STRBYTES], struct br_error *err)
{
    size_t len;
    int rc = 0;

    out[0] = '\0';
    if (password == NULL) {
        br_error_field(err, "password", "is required");
        return br_error_set(err, BR_EINVAL, "invalid password");
    }
    len = strnlen(password, CRYPTO_PASSWORD_MAX_BYTES + 1);
    if (len > CRYPTO_PASSWORD_MAX_BYTES) {
        br_error_field(err, "password", "must be at most %d bytes", CRYPTO_PASSWORD_MAX_BYTES);
        return br_error_set(err, BR_EINVAL, "invalid password");
    }
    if (crypto_utf8_chars(password, CRYPTO_PASSWORD_MIN_CHARS) < CRYPTO_PASSWORD_MIN_CHARS) {
        br_error_field(err, "password", "must be at least %d characters",
                       CRYPTO_PASSWORD_MIN_CHARS);
        return br_error_set(err, BR_EINVAL, "invalid password");
    }
    if ((rc = crypto_init()) != 0)
        return br_error_set(err, rc, "cannot initialise libsodium");
    if (crypto_pwhash_str_alg(out, password, len, crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        out[0] = '\0';
        return br_error_set(err, BR_EIO, "cannot hash password: out of memory");
    }
    return 0;
}

bool
crypto_password_verify(const char *hash, const char *password)
{
    size_t len;

    if (hash == NULL || password == NULL)
        return false;
    /* The same cap as hashing: nothing longer was ever stored, and it bounds the work. */
    len = strnlen(password, CRYPTO_PASSWORD_MAX_BYTES + 1);
    if (len > CRYPTO_PASSWORD_MAX_BYTES)
        return false;
    if (strnlen(hash, crypto_pwhash_STRBYTES) >= crypto_pwhash_STRBYTES)
        return false;
    crypto_require();
    return crypto_pwhash_str_verify(hash, password, len) == 0;
}

void
crypto_token_new(char out[CRYPTO_TOKEN_SIZE])
{
    const size_t prefix = sizeof(CRYPTO_TOKEN_PREFIX) - 1;
    uint8_t bytes[CRYPTO_TOKEN_RANDOM_BYTES];

    crypto_require();
    randombytes_buf(bytes, sizeof(bytes));
    memcpy(out, CRYPTO_TOKEN_PREFIX, prefix);
    sodium_bin2base64(out + prefix, CRYPTO_TOKEN_SIZE - prefix, bytes, sizeof(bytes),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(bytes, sizeof(bytes));
}

void
crypto_token_hash(const struct crypto_keys *keys, const char *token, uint8_t out[CRYPTO_HASH_SIZE])
{
    crypto_require();
    crypto_generichash(out, CRYPTO_HASH_SIZE, (const unsigned char *)token, strlen(token),
                       keys->hashing, CRYPTO_KEY_SIZE);
}

bool
crypto_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}
