/* test_crypto.c — src/app/crypto.c: the key file, SSN normalization, hashing, sealing and masking,
 * password hashing and tokens.  Each test gets its own temporary directory, removed afterwards. */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/crypto.h"
#include "core/error.h"

struct fixture {
    char dir[64];
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));

    if (fx == NULL)
        return -1;
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/braid-test-crypto-XXXXXX");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

/* Removes every file the test left in its directory, then the directory. */
static int
teardown(void **state)
{
    struct fixture *fx = *state;
    DIR *d = opendir(fx->dir);
    struct dirent *e;
    char path[512];
    int rc = 0;

    if (d != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s", fx->dir, e->d_name);
            if (unlink(path) != 0 && rmdir(path) != 0)
                rc = -1;
        }
        closedir(d);
    }
    if (rmdir(fx->dir) != 0)
        rc = -1;
    free(fx);
    return rc;
}

static void
path_in(void **state, const char *name, char *buf, size_t size)
{
    struct fixture *fx = *state;
    int n = snprintf(buf, size, "%s/%s", fx->dir, name);

    assert_true(n > 0 && (size_t)n < size);
}

/* Writes n bytes to path with the given mode (exactly: umask does not apply). */
static void
write_file(const char *path, const void *data, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

static size_t
read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

/* Keys that differ by seed, without a file. */
static void
keys_from_seed(struct crypto_keys *keys, uint8_t seed)
{
    for (size_t i = 0; i < CRYPTO_KEY_SIZE; i++) {
        keys->secretbox[i] = (uint8_t)(seed + i);
        keys->hashing[i] = (uint8_t)(seed * 7 + i * 3 + 1);
    }
}

static bool
all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return false;
    return true;
}

static void
assert_ssn_field_error(const struct br_error *err)
{
    assert_int_equal(err->code, BR_EINVAL);
    assert_int_equal(err->n_fields, 1);
    assert_string_equal(err->fields[0].field, "ssn");
    assert_true(strlen(err->fields[0].problem) > 0);
}

static void
test_init_idempotent(void **state)
{
    (void)state;
    assert_int_equal(crypto_init(), 0);
    assert_int_equal(crypto_init(), 0);
    /* libsodium reports itself initialised (1) once crypto_init has run. */
    assert_int_equal(sodium_init(), 1);
}

static void *
init_thread(void *arg)
{
    int *rc = arg;

    *rc = crypto_init();
    return NULL;
}

static void
test_init_from_many_threads(void **state)
{
    (void)state;
    pthread_t threads[8];
    int rcs[8];

    for (int i = 0; i < 8; i++) {
        rcs[i] = -99;
        assert_int_equal(pthread_create(&threads[i], NULL, init_thread, &rcs[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(rcs[i], 0);
    }
}

static void
test_keys_create_and_load(void **state)
{
    char path[256];
    struct crypto_keys a, b;
    struct br_error err;
    struct stat st;
    uint8_t raw[CRYPTO_KEY_FILE_SIZE + 8];

    path_in(state, "braid.db.key", path, sizeof(path));
    br_error_clear(&err);
    assert_int_equal(crypto_keys_create(path, &err), 0);

    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, CRYPTO_KEY_FILE_SIZE);

    assert_int_equal(crypto_keys_load(path, &a, &err), 0);
    assert_int_equal(crypto_keys_load(path, &b, &err), 0);
    assert_memory_equal(&a, &b, sizeof(a));
    /* The file is the secretbox key then the hashing key, and both are random. */
    assert_int_equal(read_file(path, raw, sizeof(raw)), CRYPTO_KEY_FILE_SIZE);
    assert_memory_equal(a.secretbox, raw, CRYPTO_KEY_SIZE);
    assert_memory_equal(a.hashing, raw + CRYPTO_KEY_SIZE, CRYPTO_KEY_SIZE);
    assert_false(all_zero(a.secretbox, CRYPTO_KEY_SIZE));
    assert_false(all_zero(a.hashing, CRYPTO_KEY_SIZE));
    assert_memory_not_equal(a.secretbox, a.hashing, CRYPTO_KEY_SIZE);

    /* A second database gets different keys. */
    char other[256];
    struct crypto_keys c;
    path_in(state, "other.db.key", other, sizeof(other));
    assert_int_equal(crypto_keys_create(other, NULL), 0);
    assert_int_equal(crypto_keys_load(other, &c, NULL), 0);
    assert_memory_not_equal(a.secretbox, c.secretbox, CRYPTO_KEY_SIZE);
    assert_memory_not_equal(a.hashing, c.hashing, CRYPTO_KEY_SIZE);

    crypto_keys_wipe(&a);
    crypto_keys_wipe(&b);
    crypto_keys_wipe(&c);
}

static void
test_keys_create_refuses_existing(void **state)
{
    char path[256];
    uint8_t before[CRYPTO_KEY_FILE_SIZE], after[CRYPTO_KEY_FILE_SIZE];
    struct br_error err;

    path_in(state, "braid.db.key", path, sizeof(path));
    assert_int_equal(crypto_keys_create(path, NULL), 0);
    assert_int_equal(read_file(path, before, sizeof(before)), CRYPTO_KEY_FILE_SIZE);

    br_error_clear(&err);
    assert_int_equal(crypto_keys_create(path, &err), BR_ECONFLICT);
    assert_int_equal(err.code, BR_ECONFLICT);
    assert_non_null(strstr(err.message, path));
    /* The existing key is untouched: not rewritten, not removed. */
    assert_int_equal(read_file(path, after, sizeof(after)), CRYPTO_KEY_FILE_SIZE);
    assert_memory_equal(before, after, sizeof(before));

    /* Any file there, even an empty one, is refused rather than replaced. */
    char empty[256];
    struct stat st;
    path_in(state, "empty.key", empty, sizeof(empty));
    write_file(empty, "", 0, 0600);
    assert_int_equal(crypto_keys_create(empty, NULL), BR_ECONFLICT);
    assert_int_equal(stat(empty, &st), 0);
    assert_int_equal(st.st_size, 0);

    /* So is a symlink, even one pointing nowhere. */
    char link[256], target[256];
    path_in(state, "link.key", link, sizeof(link));
    path_in(state, "nowhere", target, sizeof(target));
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(crypto_keys_create(link, NULL), BR_ECONFLICT);
    assert_int_equal(access(target, F_OK), -1);
}

static void
test_keys_create_in_missing_directory(void **state)
{
    char path[256];
    struct br_error err;

    path_in(state, "no/such/dir/braid.db.key", path, sizeof(path));
    br_error_clear(&err);
    assert_int_equal(crypto_keys_create(path, &err), BR_EIO);
    assert_non_null(strstr(err.message, path));
}

static void
test_keys_load_missing(void **state)
{
    char path[256];
    struct crypto_keys keys;
    struct br_error err;

    path_in(state, "absent.key", path, sizeof(path));
    memset(&keys, 0xAB, sizeof(keys));
    br_error_clear(&err);
    assert_int_equal(crypto_keys_load(path, &keys, &err), BR_EIO);
    assert_int_equal(err.code, BR_EIO);
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, "not found"));
    assert_true(all_zero(&keys, sizeof(keys)));
}

static void
test_keys_load_not_a_file(void **state)
{
    struct fixture *fx = *state;
    struct crypto_keys keys;
    struct br_error err;

    br_error_clear(&err);
    assert_int_equal(crypto_keys_load(fx->dir, &keys, &err), BR_EIO);
    assert_non_null(strstr(err.message, fx->dir));
}

static void
test_keys_load_unreadable(void **state)
{
    char path[256], under[300];
    uint8_t data[CRYPTO_KEY_FILE_SIZE] = {1};
    struct crypto_keys keys;
    struct br_error err;

    path_in(state, "locked.key", path, sizeof(path));
    write_file(path, data, sizeof(data), 0600);
    /* An open that fails for a reason other than absence names the path and the reason. */
    snprintf(under, sizeof(under), "%s/inside", path);
    br_error_clear(&err);
    assert_int_equal(crypto_keys_load(under, &keys, &err), BR_EIO);
    assert_non_null(strstr(err.message, under));
    assert_non_null(strstr(err.message, "cannot read"));

    /* root reads any file, so only an ordinary user sees a mode-0000 file refused. */
    if (geteuid() != 0) {
        assert_int_equal(chmod(path, 0000), 0);
        br_error_clear(&err);
        assert_int_equal(crypto_keys_load(path, &keys, &err), BR_EIO);
        assert_non_null(strstr(err.message, path));
        assert_int_equal(chmod(path, 0600), 0);
    }
}

static void
test_keys_load_wrong_size(void **state)
{
    static const size_t sizes[] = {0,   1,   32, CRYPTO_KEY_FILE_SIZE - 1, CRYPTO_KEY_FILE_SIZE + 1,
                                   128, 4096};
    uint8_t data[4096];
    char path[256];
    struct crypto_keys keys;
    struct br_error err;

    memset(data, 0x5A, sizeof(data));
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "size%zu.key", sizes[i]);
        path_in(state, name, path, sizeof(path));
        write_file(path, data, sizes[i], 0600);
        memset(&keys, 0xAB, sizeof(keys));
        br_error_clear(&err);
        assert_int_equal(crypto_keys_load(path, &keys, &err), BR_EINVAL);
        assert_int_equal(err.code, BR_EINVAL);
        assert_non_null(strstr(err.message, path));
        assert_true(all_zero(&keys, sizeof(keys)));
    }

    /* Exactly 64 bytes with the right mode loads, as the secretbox key then the hashing key. */
    path_in(state, "exact.key", path, sizeof(path));
    for (size_t i = 0; i < CRYPTO_KEY_FILE_SIZE; i++)
        data[i] = (uint8_t)i;
    write_file(path, data, CRYPTO_KEY_FILE_SIZE, 0600);
    assert_int_equal(crypto_keys_load(path, &keys, NULL), 0);
    assert_memory_equal(keys.secretbox, data, CRYPTO_KEY_SIZE);
    assert_memory_equal(keys.hashing, data + CRYPTO_KEY_SIZE, CRYPTO_KEY_SIZE);
}

static void
test_keys_load_permissions_too_open(void **state)
{
    static const mode_t open_modes[] = {0640, 0604, 0644, 0660, 0606, 0620, 0602, 0610, 0601};
    char path[256];
    struct crypto_keys keys;
    struct br_error err;

    path_in(state, "braid.db.key", path, sizeof(path));
    assert_int_equal(crypto_keys_create(path, NULL), 0);
    for (size_t i = 0; i < sizeof(open_modes) / sizeof(open_modes[0]); i++) {
        assert_int_equal(chmod(path, open_modes[i]), 0);
        memset(&keys, 0xAB, sizeof(keys));
        br_error_clear(&err);
        assert_int_equal(crypto_keys_load(path, &keys, &err), BR_EINVAL);
        assert_int_equal(err.code, BR_EINVAL);
        assert_non_null(strstr(err.message, "permissions too open"));
        assert_non_null(strstr(err.message, "chmod 600"));
        assert_non_null(strstr(err.message, path));
        assert_true(all_zero(&keys, sizeof(keys)));
    }
    /* Owner-only modes load. */
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(crypto_keys_load(path, &keys, NULL), 0);
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(crypto_keys_load(path, &keys, NULL), 0);
    assert_false(all_zero(&keys, sizeof(keys)));
}

static void
test_keys_wipe(void **state)
{
    (void)state;
    struct crypto_keys keys;

    keys_from_seed(&keys, 9);
    assert_false(all_zero(&keys, sizeof(keys)));
    crypto_keys_wipe(&keys);
    assert_true(all_zero(&keys, sizeof(keys)));
    crypto_keys_wipe(NULL);
}

static void
test_keys_path_for_db(void **state)
{
    (void)state;
    char buf[64];
    char tiny[17];

    assert_ptr_equal(crypto_keys_path_for_db("data/braid.db", buf, sizeof(buf)), buf);
    assert_string_equal(buf, "data/braid.db.key");
    assert_ptr_equal(crypto_keys_path_for_db("/var/lib/braid/x", buf, sizeof(buf)), buf);
    assert_string_equal(buf, "/var/lib/braid/x.key");
    /* "data/braid.db.key" is 17 characters: it needs 18 bytes. */
    assert_null(crypto_keys_path_for_db("data/braid.db", tiny, sizeof(tiny)));
    char exact[18];
    assert_ptr_equal(crypto_keys_path_for_db("data/braid.db", exact, sizeof(exact)), exact);
    assert_string_equal(exact, "data/braid.db.key");
}

static void
test_ssn_normalize_good(void **state)
{
    (void)state;
    static const struct {
        const char *input, *normalized;
    } cases[] = {
        {"123-45-6789", "123456789"}, {"123456789", "123456789"},   {"001-01-0001", "001010001"},
        {"665-99-9999", "665999999"}, {"667-01-0001", "667010001"}, {"899-99-9999", "899999999"},
        {"078051120", "078051120"},
    };
    char out[CRYPTO_SSN_SIZE];
    struct br_error err;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        br_error_clear(&err);
        assert_int_equal(crypto_ssn_normalize(cases[i].input, out, &err), 0);
        assert_string_equal(out, cases[i].normalized);
        assert_int_equal(err.code, BR_OK);
        assert_int_equal(err.n_fields, 0);
    }
}

static void
test_ssn_normalize_bad_forms(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "12345678",
        "1234567890",
        "123-45-678",
        "123-45-67890",
        "123-456789",
        "12345-6789",
        "12-345-6789",
        "1234-5-6789",
        "123 45 6789",
        "123.45.6789",
        "123-45-678a",
        "a23456789",
        " 123456789",
        "123456789 ",
        "123-45-6789\n",
        "-123456789",
        "+12345678",
        "123--456789",
        "123-4-56789",
        "１２３456789",
        "123/45/6789",
        "12345678x",
        "123-45-6789-",
        "ssn",
    };
    char out[CRYPTO_SSN_SIZE];
    struct br_error err;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(out, "stale", 6);
        br_error_clear(&err);
        assert_int_equal(crypto_ssn_normalize(bad[i], out, &err), BR_EINVAL);
        assert_ssn_field_error(&err);
        assert_non_null(strstr(err.fields[0].problem, "123-45-6789"));
        assert_string_equal(out, "");
    }
    br_error_clear(&err);
    assert_int_equal(crypto_ssn_normalize(NULL, out, &err), BR_EINVAL);
    assert_ssn_field_error(&err);
    /* err may be NULL. */
    assert_int_equal(crypto_ssn_normalize("12-3", out, NULL), BR_EINVAL);
}

static void
test_ssn_normalize_never_issued(void **state)
{
    (void)state;
    static const struct {
        const char *input, *says;
    } cases[] = {
        {"000-12-3456", "000"},     {"000123456", "000"},       {"666-12-3456", "666"},
        {"666123456", "666"},       {"900-12-3456", "900-999"}, {"950123456", "900-999"},
        {"999-99-9999", "900-999"}, {"123-00-4567", "group"},   {"123004567", "group"},
        {"123-45-0000", "serial"},  {"123450000", "serial"},
    };
    char out[CRYPTO_SSN_SIZE];
    struct br_error err;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        br_error_clear(&err);
        assert_int_equal(crypto_ssn_normalize(cases[i].input, out, &err), BR_EINVAL);
        assert_ssn_field_error(&err);
        assert_non_null(strstr(err.fields[0].problem, cases[i].says));
        assert_string_equal(out, "");
    }
    /* The number itself never appears in the error: messages reach logs. */
    br_error_clear(&err);
    assert_int_equal(crypto_ssn_normalize("123-45-0000", out, &err), BR_EINVAL);
    assert_null(strstr(err.message, "12345"));
    assert_null(strstr(err.fields[0].problem, "123-45"));
    assert_null(strstr(err.fields[0].problem, "12345"));
}

static void
test_ssn_hash(void **state)
{
    (void)state;
    struct crypto_keys keys, other;
    uint8_t h1[CRYPTO_HASH_SIZE], h2[CRYPTO_HASH_SIZE], h3[CRYPTO_HASH_SIZE];
    char a[CRYPTO_SSN_SIZE], b[CRYPTO_SSN_SIZE];

    keys_from_seed(&keys, 1);
    keys_from_seed(&other, 2);
    assert_int_equal(crypto_ssn_normalize("123-45-6789", a, NULL), 0);
    assert_int_equal(crypto_ssn_normalize("123456789", b, NULL), 0);

    crypto_ssn_hash(&keys, a, h1);
    crypto_ssn_hash(&keys, a, h2);
    assert_memory_equal(h1, h2, sizeof(h1));
    /* Both written forms are one person. */
    crypto_ssn_hash(&keys, b, h2);
    assert_memory_equal(h1, h2, sizeof(h1));
    /* Other keys, other hash: a hash from one deployment finds nothing in another. */
    crypto_ssn_hash(&other, a, h3);
    assert_memory_not_equal(h1, h3, sizeof(h1));
    /* Another SSN, another hash. */
    crypto_ssn_hash(&keys, "123456788", h3);
    assert_memory_not_equal(h1, h3, sizeof(h1));
    /* Keyed BLAKE2b under the hashing key (not the secretbox key), so other tools can match. */
    crypto_generichash(h3, sizeof(h3), (const unsigned char *)"123456789", 9, keys.hashing,
                       sizeof(keys.hashing));
    assert_memory_equal(h1, h3, sizeof(h1));
    /* And not an unkeyed hash. */
    crypto_generichash(h3, sizeof(h3), (const unsigned char *)"123456789", 9, NULL, 0);
    assert_memory_not_equal(h1, h3, sizeof(h1));
}

static void
test_ssn_seal_open_round_trip(void **state)
{
    (void)state;
    static const char *ssns[] = {"123456789", "001010001", "899999999", "078051120"};
    struct crypto_keys keys;
    uint8_t sealed[CRYPTO_SSN_SEALED_SIZE];
    char out[CRYPTO_SSN_SIZE];
    struct br_error err;
    size_t len;

    keys_from_seed(&keys, 3);
    for (size_t i = 0; i < sizeof(ssns) / sizeof(ssns[0]); i++) {
        len = 0;
        assert_int_equal(crypto_ssn_seal(&keys, ssns[i], sealed, sizeof(sealed), &len), 0);
        assert_int_equal(len, CRYPTO_SSN_SEALED_SIZE);
        /* The digits are not in the clear anywhere in the sealed bytes. */
        for (size_t at = 0; at + 9 <= len; at++)
            assert_memory_not_equal(sealed + at, ssns[i], 9);
        br_error_clear(&err);
        assert_int_equal(crypto_ssn_open(&keys, sealed, len, out, &err), 0);
        assert_string_equal(out, ssns[i]);
    }
    assert_int_equal(CRYPTO_SSN_SEALED_SIZE, 24 + 16 + 9);
}

static void
test_ssn_seal_random_nonce(void **state)
{
    (void)state;
    struct crypto_keys keys;
    uint8_t s1[CRYPTO_SSN_SEALED_SIZE], s2[CRYPTO_SSN_SEALED_SIZE];
    char o1[CRYPTO_SSN_SIZE], o2[CRYPTO_SSN_SIZE];
    size_t l1, l2;

    keys_from_seed(&keys, 4);
    assert_int_equal(crypto_ssn_seal(&keys, "123456789", s1, sizeof(s1), &l1), 0);
    assert_int_equal(crypto_ssn_seal(&keys, "123456789", s2, sizeof(s2), &l2), 0);
    /* Same SSN, same keys: different nonce and different ciphertext, so sealed values reveal
     * no duplicates (that is the hash's job). */
    assert_memory_not_equal(s1, s2, crypto_secretbox_NONCEBYTES);
    assert_memory_not_equal(s1 + crypto_secretbox_NONCEBYTES, s2 + crypto_secretbox_NONCEBYTES,
                            CRYPTO_SSN_SEALED_SIZE - crypto_secretbox_NONCEBYTES);
    assert_int_equal(crypto_ssn_open(&keys, s1, l1, o1, NULL), 0);
    assert_int_equal(crypto_ssn_open(&keys, s2, l2, o2, NULL), 0);
    assert_string_equal(o1, "123456789");
    assert_string_equal(o2, "123456789");
}

static void
test_ssn_seal_rejects_bad_arguments(void **state)
{
    (void)state;
    struct crypto_keys keys;
    uint8_t big[CRYPTO_SSN_SEALED_SIZE + 10];
    size_t len = 99;

    keys_from_seed(&keys, 5);
    assert_int_equal(crypto_ssn_seal(&keys, "123456789", big, CRYPTO_SSN_SEALED_SIZE - 1, &len),
                     BR_EINVAL);
    assert_int_equal(len, 0);
    assert_int_equal(crypto_ssn_seal(&keys, "123-45-6789", big, sizeof(big), &len), BR_EINVAL);
    assert_int_equal(crypto_ssn_seal(&keys, "12345678", big, sizeof(big), &len), BR_EINVAL);
    assert_int_equal(crypto_ssn_seal(&keys, "1234567890", big, sizeof(big), &len), BR_EINVAL);
    assert_int_equal(crypto_ssn_seal(&keys, NULL, big, sizeof(big), &len), BR_EINVAL);
    /* A larger buffer is fine; only CRYPTO_SSN_SEALED_SIZE bytes are used. */
    assert_int_equal(crypto_ssn_seal(&keys, "123456789", big, sizeof(big), &len), 0);
    assert_int_equal(len, CRYPTO_SSN_SEALED_SIZE);
}

static void
test_ssn_open_tampered(void **state)
{
    (void)state;
    struct crypto_keys keys, other;
    uint8_t sealed[CRYPTO_SSN_SEALED_SIZE], bad[CRYPTO_SSN_SEALED_SIZE + 1];
    char out[CRYPTO_SSN_SIZE];
    struct br_error err;
    size_t len;

    keys_from_seed(&keys, 6);
    keys_from_seed(&other, 7);
    assert_int_equal(crypto_ssn_seal(&keys, "123456789", sealed, sizeof(sealed), &len), 0);

    /* One flipped bit anywhere (nonce, MAC or ciphertext) is caught. */
    for (size_t i = 0; i < len; i++) {
        memcpy(bad, sealed, len);
        bad[i] ^= 0x01;
        memcpy(out, "stale", 6);
        br_error_clear(&err);
        assert_int_equal(crypto_ssn_open(&keys, bad, len, out, &err), BR_EINVAL);
        assert_int_equal(err.code, BR_EINVAL);
        assert_string_equal(out, "");
    }
    /* Truncated, extended or empty. */
    assert_int_equal(crypto_ssn_open(&keys, sealed, len - 1, out, NULL), BR_EINVAL);
    memcpy(bad, sealed, len);
    bad[len] = 0;
    assert_int_equal(crypto_ssn_open(&keys, bad, len + 1, out, NULL), BR_EINVAL);
    assert_int_equal(crypto_ssn_open(&keys, sealed, 0, out, NULL), BR_EINVAL);
    /* Sealed under other keys. */
    br_error_clear(&err);
    assert_int_equal(crypto_ssn_open(&other, sealed, len, out, &err), BR_EINVAL);
    assert_string_equal(out, "");
    /* The untouched bytes still open. */
    assert_int_equal(crypto_ssn_open(&keys, sealed, len, out, NULL), 0);
    assert_string_equal(out, "123456789");
}

static void
test_ssn_mask(void **state)
{
    (void)state;
    char out[CRYPTO_SSN_MASK_SIZE];

    crypto_ssn_mask("1234", out);
    assert_string_equal(out, "***-**-1234");
    crypto_ssn_mask("0000", out);
    assert_string_equal(out, "***-**-0000");
    /* Anything but four digits shows nothing of itself. */
    static const char *bad[] = {"", "123", "12345", "12a4", "123456789", "abcd"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        crypto_ssn_mask(bad[i], out);
        assert_string_equal(out, "***-**-****");
    }
    crypto_ssn_mask(NULL, out);
    assert_string_equal(out, "***-**-****");
}

static void
test_password_hash_and_verify(void **state)
{
    (void)state;
    char hash[crypto_pwhash_STRBYTES], again[crypto_pwhash_STRBYTES];
    struct br_error err;

    br_error_clear(&err);
    assert_int_equal(crypto_password_hash("correct horse battery", hash, &err), 0);
    assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);
    assert_true(crypto_password_verify(hash, "correct horse battery"));
    assert_false(crypto_password_verify(hash, "correct horse batterY"));
    assert_false(crypto_password_verify(hash, "correct horse battery "));
    assert_false(crypto_password_verify(hash, ""));
    assert_false(crypto_password_verify(hash, NULL));
    assert_false(crypto_password_verify(NULL, "correct horse battery"));
    assert_false(crypto_password_verify("not a hash", "correct horse battery"));
    /* Salted: the same password hashes differently each time, and both verify. */
    assert_int_equal(crypto_password_hash("correct horse battery", again, NULL), 0);
    assert_string_not_equal(hash, again);
    assert_true(crypto_password_verify(again, "correct horse battery"));
    /* The interactive limits are recorded in the string. */
    assert_non_null(strstr(hash, "m=65536,t=2,p=1"));
}

static void
test_password_length_limits(void **state)
{
    (void)state;
    char hash[crypto_pwhash_STRBYTES];
    char longest[CRYPTO_PASSWORD_MAX_BYTES + 2];
    struct br_error err;

    br_error_clear(&err);
    memcpy(hash, "stale", 6);
    assert_int_equal(crypto_password_hash("elevenchars", hash, &err), BR_EINVAL);
    assert_int_equal(err.code, BR_EINVAL);
    assert_int_equal(err.n_fields, 1);
    assert_string_equal(err.fields[0].field, "password");
    assert_non_null(strstr(err.fields[0].problem, "12"));
    assert_string_equal(hash, "");
    /* The password itself never appears in the error. */
    assert_null(strstr(err.message, "elevenchars"));
    assert_null(strstr(err.fields[0].problem, "elevenchars"));

    br_error_clear(&err);
    assert_int_equal(crypto_password_hash("", hash, &err), BR_EINVAL);
    assert_string_equal(err.fields[0].field, "password");
    br_error_clear(&err);
    assert_int_equal(crypto_password_hash(NULL, hash, &err), BR_EINVAL);
    assert_string_equal(err.fields[0].field, "password");

    /* Four three-byte characters are 12 bytes but 4 characters: too short. */
    br_error_clear(&err);
    assert_int_equal(crypto_password_hash("日本語字", hash, &err), BR_EINVAL);
    assert_string_equal(err.fields[0].field, "password");

    /* Twelve is enough; so are twelve non-ASCII characters. */
    assert_int_equal(crypto_password_hash("twelve chars", hash, NULL), 0);
    assert_true(crypto_password_verify(hash, "twelve chars"));
    assert_int_equal(crypto_password_hash("日本語日本語日本語日本語", hash, NULL), 0);
    assert_true(crypto_password_verify(hash, "日本語日本語日本語日本語"));

    /* 1024 bytes is the most accepted; 1025 is refused and never verifies. */
    memset(longest, 'p', CRYPTO_PASSWORD_MAX_BYTES);
    longest[CRYPTO_PASSWORD_MAX_BYTES] = '\0';
    assert_int_equal(crypto_password_hash(longest, hash, NULL), 0);
    assert_true(crypto_password_verify(hash, longest));
    longest[CRYPTO_PASSWORD_MAX_BYTES] = 'p';
    longest[CRYPTO_PASSWORD_MAX_BYTES + 1] = '\0';
    br_error_clear(&err);
    assert_int_equal(crypto_password_hash(longest, hash, &err), BR_EINVAL);
    assert_string_equal(err.fields[0].field, "password");
    assert_non_null(strstr(err.fields[0].problem, "1024"));
    assert_false(crypto_password_verify(hash, longest));
}

static bool
is_base64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

static void
test_token_new(void **state)
{
    (void)state;
    enum { N = 64 };
    char tokens[N][CRYPTO_TOKEN_SIZE];
    uint8_t raw[64];
    size_t raw_len = 0;

    for (int i = 0; i < N; i++) {
        crypto_token_new(tokens[i]);
        assert_int_equal(strlen(tokens[i]), 47);
        assert_int_equal(strncmp(tokens[i], "brd_", 4), 0);
        for (size_t j = 4; j < 47; j++)
            assert_true(is_base64url(tokens[i][j]));
        /* The 43 characters decode back to 32 bytes. */
        assert_int_equal(sodium_base642bin(raw, sizeof(raw), tokens[i] + 4, 43, NULL, &raw_len,
                                           NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                         0);
        assert_int_equal(raw_len, 32);
        for (int k = 0; k < i; k++)
            assert_string_not_equal(tokens[i], tokens[k]);
    }
}

static void
test_token_hash(void **state)
{
    (void)state;
    struct crypto_keys keys, other;
    char t1[CRYPTO_TOKEN_SIZE], t2[CRYPTO_TOKEN_SIZE];
    uint8_t h1[CRYPTO_HASH_SIZE], h2[CRYPTO_HASH_SIZE];

    keys_from_seed(&keys, 10);
    keys_from_seed(&other, 11);
    crypto_token_new(t1);
    crypto_token_new(t2);

    crypto_token_hash(&keys, t1, h1);
    crypto_token_hash(&keys, t1, h2);
    assert_memory_equal(h1, h2, sizeof(h1));
    assert_true(crypto_equal(h1, h2, sizeof(h1)));
    crypto_token_hash(&keys, t2, h2);
    assert_memory_not_equal(h1, h2, sizeof(h1));
    assert_false(crypto_equal(h1, h2, sizeof(h1)));
    crypto_token_hash(&other, t1, h2);
    assert_memory_not_equal(h1, h2, sizeof(h1));
    /* A token differing only in its last character hashes differently. */
    memcpy(t2, t1, sizeof(t1));
    t2[46] = t1[46] == 'A' ? 'B' : 'A';
    crypto_token_hash(&keys, t2, h2);
    assert_false(crypto_equal(h1, h2, sizeof(h1)));
}

static void
test_equal(void **state)
{
    (void)state;
    uint8_t a[32], b[32];

    memset(a, 7, sizeof(a));
    memset(b, 7, sizeof(b));
    assert_true(crypto_equal(a, b, sizeof(a)));
    b[0] = 8;
    assert_false(crypto_equal(a, b, sizeof(a)));
    b[0] = 7;
    b[31] = 8;
    assert_false(crypto_equal(a, b, sizeof(a)));
    /* Only the first n bytes count. */
    assert_true(crypto_equal(a, b, 31));
    assert_true(crypto_equal(a, b, 0));
}

#define FS_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_idempotent),
        cmocka_unit_test(test_init_from_many_threads),
        FS_TEST(test_keys_create_and_load),
        FS_TEST(test_keys_create_refuses_existing),
        FS_TEST(test_keys_create_in_missing_directory),
        FS_TEST(test_keys_load_missing),
        FS_TEST(test_keys_load_not_a_file),
        FS_TEST(test_keys_load_unreadable),
        FS_TEST(test_keys_load_wrong_size),
        FS_TEST(test_keys_load_permissions_too_open),
        cmocka_unit_test(test_keys_wipe),
        cmocka_unit_test(test_keys_path_for_db),
        cmocka_unit_test(test_ssn_normalize_good),
        cmocka_unit_test(test_ssn_normalize_bad_forms),
        cmocka_unit_test(test_ssn_normalize_never_issued),
        cmocka_unit_test(test_ssn_hash),
        cmocka_unit_test(test_ssn_seal_open_round_trip),
        cmocka_unit_test(test_ssn_seal_random_nonce),
        cmocka_unit_test(test_ssn_seal_rejects_bad_arguments),
        cmocka_unit_test(test_ssn_open_tampered),
        cmocka_unit_test(test_ssn_mask),
        cmocka_unit_test(test_password_hash_and_verify),
        cmocka_unit_test(test_password_length_limits),
        cmocka_unit_test(test_token_new),
        cmocka_unit_test(test_token_hash),
        cmocka_unit_test(test_equal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
