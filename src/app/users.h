/* users.h — staff accounts and API tokens (ARCHITECTURE.md "Interfaces": sessions for the web
 * app, tokens for systems).  Passwords are argon2id hashes; tokens are stored only as keyed hashes,
 * so a stolen database yields neither. */
#ifndef BRAID_APP_USERS_H
#define BRAID_APP_USERS_H

#include "app/app.h"

/* The roles of RULES.md §11 / issue "The HTTP API". */
bool app_role_valid(const char *role);

/* Adds a partner agency (code as in the catalog's style: A-Z, 0-9, _).  BR_ECONFLICT if the code
 * is taken.  Only an administrator (or the system) adds agencies and users: anyone else is
 * BR_EFORBIDDEN, before anything is validated (admin.h app_admin_require). */
int app_agency_add(struct app *app, const struct actor *actor, const char *code, const char *name,
                   int64_t *id, struct br_error *err);

/* Adds a user; every field is validated (field errors name email, name, role, agency, password).
 * BR_ECONFLICT when the email is taken; an agency that does not exist is a field error. */
int app_user_add(struct app *app, const struct actor *actor, struct user *user,
                 const char *password, struct br_error *err);

/* Creates an API token for the user with this email and writes it (shown once) to token. */
int app_token_create(struct app *app, const struct actor *actor, const char *email,
                     const char *label, char token[CRYPTO_TOKEN_SIZE], struct br_error *err);

#endif
