/* session.c — signing in, sessions and API tokens (session.h). */
#include "app/session.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOGIN_KEY_SIZE (STORE_EMAIL_SIZE + 64)

int
login_limits_init(struct login_limits *limits)
{
    int rc = limiter_init(&limits->by_account, LOGIN_TABLE_SIZE, LOGIN_ACCOUNT_FAILURES,
                          LOGIN_WINDOW_SECONDS);
    if (rc != 0)
        return BR_EIO;
    rc = limiter_init(&limits->by_address, LOGIN_TABLE_SIZE, LOGIN_ADDRESS_FAILURES,
                      LOGIN_WINDOW_SECONDS);
    if (rc != 0) {
        limiter_cleanup(&limits->by_account);
        return BR_EIO;
    }
    return 0;
}

void
login_limits_cleanup(struct login_limits *limits)
{
    limiter_cleanup(&limits->by_account);
    limiter_cleanup(&limits->by_address);
}

struct actor
app_principal_actor(const struct app_principal *p)
{
    struct actor actor = {
        .user_id = p->user.id,
        .agency_id = p->agency_id,
        .role = p->user.role,
    };
    return actor;
}

/* A hash of a password nobody has, checked when the account does not exist, so that an unknown
 * e-mail takes as long to refuse as a wrong password and the timing tells nothing. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
dummy_hash_make(void)
{
    char password[CRYPTO_TOKEN_SIZE];
    crypto_token_new(password);
    if (crypto_password_hash(password, dummy_hash, NULL) != 0)
        dummy_hash[0] = '\0'; /* verify then fails at once: only the timing is lost */
    sodium_memzero(password, sizeof(password));
}

/* Appends one audit entry about a sign-in; after (stolen) may be NULL. */
static int
audit(struct app *app, int64_t user_id, const char *action, json_t *after, struct br_error *err)
{
    char *text = after != NULL ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    struct audit_entry entry = {
        .user_id = user_id,
        .action = action,
        .entity = "user",
        .entity_id = user_id,
        .after = text,
    };
    int rc = app->store->ops->audit_append(app->store, &entry, err);
    free(text);
    json_decref(after);
    return rc;
}

/* The limiter key of an account: its e-mail in lower case (as people type it either way). */
static void
account_key(const char *email, char *buf, size_t size)
{
    int n = snprintf(buf, size, "account:%s", email);
    size_t len = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
    for (size_t i = 0; i < len; i++)
        if (buf[i] >= 'A' && buf[i] <= 'Z')
            buf[i] = (char)(buf[i] - 'A' + 'a');
}

static bool
token_well_formed(const char *token)
{
    return token != NULL && strlen(token) == CRYPTO_TOKEN_LEN &&
           strncmp(token, CRYPTO_TOKEN_PREFIX, strlen(CRYPTO_TOKEN_PREFIX)) == 0;
}

/* Fills out with the user of user_id (never their password hash). */
static int
principal_load(struct app *app, int64_t user_id, struct app_principal *out, struct br_error *err)
{
    int rc = app->store->ops->user_by_id(app->store, user_id, &out->user, &out->agency_id, err);
    if (rc == BR_ENOTFOUND || (rc == 0 && !out->user.active))
        return br_error_set(err, BR_EAUTH, "the account is not active; sign in again");
    sodium_memzero(out->user.password_hash, sizeof(out->user.password_hash));
    return rc;
}

/* Records a failed sign-in: counted against the account and the address, and audited. */
static int
login_failed(struct app *app, struct login_limits *limits, const char *account, const char *address,
             int64_t user_id, const char *email, const char *client, const char *reason,
             int64_t now, struct br_error *err)
{
    limiter_fail(&limits->by_account, account, now);
    limiter_fail(&limits->by_address, address, now);
    int rc = audit(app, user_id, "session.login_failed",
                   json_pack("{s:s, s:s, s:s}", "email", email, "client", client, "reason", reason),
                   err);
    if (rc != 0)
        return rc;
    return br_error_set(err, BR_EAUTH, "the e-mail or password is wrong");
}

int
app_session_login(struct app *app, struct login_limits *limits, const char *email,
                  const char *password, const char *client, int64_t now, struct app_login *out,
                  int64_t *retry_after, struct br_error *err)
{
    char account[LOGIN_KEY_SIZE], address[LOGIN_KEY_SIZE];
    uint8_t hash[CRYPTO_HASH_SIZE];
    struct stored_session session;
    struct user user;
    int64_t wait_account = 0, wait_address = 0;
    bool known = false, ok = false;
    int rc;

    memset(out, 0, sizeof(*out));
    *retry_after = 0;
    account_key(email, account, sizeof(account));
    snprintf(address, sizeof(address), "address:%s", client);
    bool account_ok = limiter_allowed(&limits->by_account, account, now, &wait_account);
    bool address_ok = limiter_allowed(&limits->by_address, address, now, &wait_address);
    if (!account_ok || !address_ok) {
        /* Not audited: a flood of refused attempts must not grow the database. */
        *retry_after = wait_account > wait_address ? wait_account : wait_address;
        return br_error_set(err, BR_ELIMIT, "too many failed sign-ins; try again in %lld seconds",
                            (long long)*retry_after);
    }

    /* The password check takes a tenth of a second: it runs outside any transaction, so that it
     * never holds the database's write lock. */
    if (strlen(email) <= LOGIN_EMAIL_MAX) {
        rc = app->store->ops->user_by_email(app->store, email, &user, err);
        if (rc != 0 && rc != BR_ENOTFOUND)
            return rc;
        known = rc == 0;
        br_error_clear(err);
    }
    if (known && user.active) {
        ok = crypto_password_verify(user.password_hash, password);
    } else {
        pthread_once(&dummy_once, dummy_hash_make);
        (void)crypto_password_verify(dummy_hash, password);
    }
    if (!ok) {
        const char *reason = !known         ? "unknown account"
                             : !user.active ? "account disabled"
                                            : "wrong password";
        return login_failed(app, limits, account, address, known ? user.id : 0,
                            strlen(email) <= LOGIN_EMAIL_MAX ? email : "", client, reason, now,
                            err);
    }
    limiter_forget(&limits->by_account, account);

    crypto_token_new(out->token);
    crypto_token_hash(&app->keys, out->token, hash);
    memset(&session, 0, sizeof(session));
    session.user_id = user.id;
    session.expires_at = now + SESSION_TTL_SECONDS;
    crypto_token_new(session.csrf_token);

    if ((rc = app->store->ops->begin(app->store, err)) != 0)
        goto out;
    rc = app->store->ops->sessions_prune(app->store, now, err);
    if (rc == 0)
        rc = app->store->ops->session_insert(app->store, hash, &session, err);
    if (rc == 0)
        rc = audit(app, user.id, "session.login", json_pack("{s:s}", "client", client), err);
    if (rc != 0) {
        app->store->ops->rollback(app->store);
        goto out;
    }
    if ((rc = app->store->ops->commit(app->store, err)) != 0)
        goto out;
    if ((rc = principal_load(app, user.id, &out->principal, err)) != 0)
        goto out;
    out->principal.by_session = true;
    snprintf(out->principal.csrf_token, sizeof(out->principal.csrf_token), "%s",
             session.csrf_token);
    out->expires_at = session.expires_at;
out:
    sodium_memzero(user.password_hash, sizeof(user.password_hash));
    if (rc != 0)
        sodium_memzero(out, sizeof(*out));
    return rc;
}

int
app_session_lookup(struct app *app, const char *token, const char *csrf, bool write, int64_t now,
                   struct app_principal *out, struct br_error *err)
{
    uint8_t hash[CRYPTO_HASH_SIZE];
    struct stored_session session;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!token_well_formed(token))
        return br_error_set(err, BR_EAUTH, "the session has ended or expired; sign in again");
    crypto_token_hash(&app->keys, token, hash);
    rc = app->store->ops->session_get(app->store, hash, now, &session, err);
    if (rc == BR_ENOTFOUND)
        return br_error_set(err, BR_EAUTH, "the session has ended or expired; sign in again");
    if (rc != 0)
        return rc;
    if ((rc = principal_load(app, session.user_id, out, err)) != 0)
        return rc;
    out->by_session = true;
    snprintf(out->csrf_token, sizeof(out->csrf_token), "%s", session.csrf_token);
    /* A cookie comes with every request the browser makes, whoever asked for it; the CSRF token
     * comes only from pages of braid, so a write must bring it. */
    if (write) {
        size_t len = strlen(out->csrf_token);
        if (csrf == NULL || strlen(csrf) != len ||
            !crypto_equal((const uint8_t *)csrf, (const uint8_t *)out->csrf_token, len))
            return br_error_set(err, BR_EFORBIDDEN,
                                "a change needs the session's X-CSRF-Token header");
    }
    return 0;
}

int
app_session_end(struct app *app, const struct actor *actor, const char *token, struct br_error *err)
{
    uint8_t hash[CRYPTO_HASH_SIZE];
    int rc;

    if (!token_well_formed(token))
        return 0;
    crypto_token_hash(&app->keys, token, hash);
    if ((rc = app->store->ops->begin(app->store, err)) != 0)
        return rc;
    rc = app->store->ops->session_delete(app->store, hash, err);
    if (rc == 0)
        rc = audit(app, actor->user_id, "session.end", NULL, err);
    if (rc != 0) {
        app->store->ops->rollback(app->store);
        return rc;
    }
    return app->store->ops->commit(app->store, err);
}

int
app_actor_from_token(struct app *app, const char *token, struct app_principal *out,
                     struct br_error *err)
{
    uint8_t hash[CRYPTO_HASH_SIZE];
    int64_t user_id = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!token_well_formed(token))
        return br_error_set(err, BR_EAUTH, "the API token is not valid");
    crypto_token_hash(&app->keys, token, hash);
    /* The token and its user in one read transaction (each statement alone would be one: a
     * snapshot taken, a lock and a size checked, three times a request with the request's own). */
    if ((rc = app->store->ops->begin_read(app->store, err)) != 0)
        return rc;
    rc = app->store->ops->token_user(app->store, hash, &user_id, err);
    if (rc == BR_ENOTFOUND)
        rc = br_error_set(err, BR_EAUTH, "the API token is not valid");
    if (rc == 0)
        rc = principal_load(app, user_id, out, err);
    if (rc == 0)
        return app->store->ops->commit(app->store, err);
    app->store->ops->rollback(app->store);
    return rc;
}
