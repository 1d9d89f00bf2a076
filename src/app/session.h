/* session.h — who is asking: staff signed in to the web app (a session cookie, with a CSRF token
 * every write must echo) and systems with an API token (Authorization: Bearer).  Every decision
 * about credentials is made here; the HTTP layer only carries them.
 *
 * Sessions last SESSION_TTL_SECONDS; only the keyed hash of a session token is stored, like API
 * tokens (crypto.h), so the database alone lets no one in.  Sign-in attempts are limited per
 * account and per client address (struct login_limits) and audited, success and failure. */
#ifndef BRAID_APP_SESSION_H
#define BRAID_APP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"
#include "app/limiter.h"

#define SESSION_TTL_SECONDS (12 * 60 * 60)

/* Sign-in limits: failures per account and per client address within the window.  An address
 * may be shared (an office behind one NAT), so it is allowed more than one account. */
#define LOGIN_ACCOUNT_FAILURES 5
#define LOGIN_ADDRESS_FAILURES 20
#define LOGIN_WINDOW_SECONDS (15 * 60)
#define LOGIN_TABLE_SIZE 4096

/* An e-mail longer than any stored one is refused before it is looked up. */
#define LOGIN_EMAIL_MAX (STORE_EMAIL_SIZE - 1)

struct login_limits {
    struct limiter by_account;
    struct limiter by_address;
};

/* Returns 0, or BR_EIO when a limiter cannot be set up.  Pair with login_limits_cleanup. */
int login_limits_init(struct login_limits *limits);
void login_limits_cleanup(struct login_limits *limits);

/* A user who has proven who they are. */
struct app_principal {
    struct user user; /* password_hash is always "" */
    int64_t agency_id;
    bool by_session;                        /* signed in (cookie), rather than an API token */
    char csrf_token[STORE_TOKEN_TEXT_SIZE]; /* of the session; "" for an API token */
};

/* The actor a principal acts as; its role points into p, which must outlive it. */
struct actor app_principal_actor(const struct app_principal *p);

/* What a successful sign-in hands back. */
struct app_login {
    struct app_principal principal;
    char token[CRYPTO_TOKEN_SIZE]; /* the session token (the cookie): shown once, never stored */
    int64_t expires_at;            /* Unix seconds */
};

/* Signs a user in from client (an address, for the limits and the audit log) at now (Unix
 * seconds).  Returns 0 with out filled, or:
 *   BR_ELIMIT  too many failures for this account or address: *retry_after receives the seconds
 *              to wait, and the password is not even checked;
 *   BR_EAUTH   the e-mail or the password is wrong, or the account is disabled (one message for
 *              all, so the answer does not tell which accounts exist);
 *   BR_EIO     the database failed.
 * Every attempt that is checked is audited ("session.login" or "session.login_failed"). */
int app_session_login(struct app *app, struct login_limits *limits, const char *email,
                      const char *password, const char *client, int64_t now, struct app_login *out,
                      int64_t *retry_after, struct br_error *err);

/* The principal of a session token at now.  For a write (write true) csrf must equal the
 * session's CSRF token.  Returns 0, or BR_EAUTH (no such live session), BR_EFORBIDDEN (a write
 * without the right CSRF token) or BR_EIO. */
int app_session_lookup(struct app *app, const char *token, const char *csrf, bool write,
                       int64_t now, struct app_principal *out, struct br_error *err);

/* Ends the session of token (signing out twice is not an error), audited as "session.end". */
int app_session_end(struct app *app, const struct actor *actor, const char *token,
                    struct br_error *err);

/* The principal of an API token.  Returns 0, or BR_EAUTH (unknown, revoked, or its user is
 * disabled) or BR_EIO. */
int app_actor_from_token(struct app *app, const char *token, struct app_principal *out,
                         struct br_error *err);

#endif
