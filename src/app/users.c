#include "app/users.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const roles[] = {
    "case_manager", "supervisor", "partner_staff", "analyst", "auditor", "admin",
};

bool
app_role_valid(const char *role)
{
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(role, roles[i]) == 0)
            return true;
    return false;
}

/* A plausible address: something@something.something, no spaces, within the column size. */
static bool
email_valid(const char *email)
{
    const char *at = strchr(email, '@');
    if (at == NULL || at == email || strchr(at + 1, '@') != NULL)
        return false;
    const char *dot = strrchr(at, '.');
    if (dot == NULL || dot == at + 1 || dot[1] == '\0')
        return false;
    for (const char *c = email; *c; c++)
        if (*c <= ' ' || *c == 0x7f)
            return false;
    return strlen(email) < STORE_EMAIL_SIZE;
}

int
app_user_add(struct app *app, const struct actor *actor, struct user *user, const char *password,
             struct br_error *err)
{
    char hash[crypto_pwhash_STRBYTES];
    int rc;

    if (!email_valid(user->email))
        br_error_field(err, "email", "must be an e-mail address such as name@agency.gov");
    if (user->name[0] == '\0')
        br_error_field(err, "name", "is required");
    if (!app_role_valid(user->role))
        br_error_field(err, "role",
                       "must be one of case_manager, supervisor, partner_staff, analyst, auditor, "
                       "admin");
    if (user->agency[0] == '\0')
        br_error_field(err, "agency", "is required (the agency code)");
    if (crypto_password_hash(password, hash, err) != 0 || err->n_fields > 0)
        return br_error_set(err, BR_EINVAL, "the user cannot be added");
    snprintf(user->password_hash, sizeof(user->password_hash), "%s", hash);
    user->active = true;

    if ((rc = app->store->ops->begin(app->store, err)) != 0)
        return rc;
    rc = app->store->ops->user_insert(app->store, user, err);
    if (rc == BR_ECONFLICT)
        br_error_set(err, BR_ECONFLICT, "a user with e-mail %s already exists", user->email);
    if (rc == 0) {
        json_t *what = json_pack("{s:s, s:s, s:s}", "email", user->email, "role", user->role,
                                 "agency", user->agency);
        char *text = json_dumps(what, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(what);
        struct audit_entry entry = {.user_id = actor->user_id, .action = "user.add",
                                    .entity = "user", .entity_id = user->id, .after = text};
        rc = app->store->ops->audit_append(app->store, &entry, err);
        free(text);
    }
    if (rc != 0) {
        app->store->ops->rollback(app->store);
        return rc;
    }
    return app->store->ops->commit(app->store, err);
}

int
app_token_create(struct app *app, const struct actor *actor, const char *email,
                 const char *label, char token[CRYPTO_TOKEN_SIZE], struct br_error *err)
{
    struct user user;
    uint8_t hash[CRYPTO_HASH_SIZE];
    int rc;

    if ((rc = app->store->ops->begin(app->store, err)) != 0)
        return rc;
    rc = app->store->ops->user_by_email(app->store, email, &user, err);
    if (rc == BR_ENOTFOUND)
        br_error_set(err, BR_ENOTFOUND, "no user with e-mail %s", email);
    if (rc == 0) {
        crypto_token_new(token);
        crypto_token_hash(&app->keys, token, hash);
        rc = app->store->ops->token_insert(app->store, user.id, hash, label, err);
    }
    if (rc == 0) {
        struct audit_entry entry = {.user_id = actor->user_id, .action = "token.create",
                                    .entity = "user", .entity_id = user.id, .reason = label};
        rc = app->store->ops->audit_append(app->store, &entry, err);
    }
    if (rc != 0) {
        app->store->ops->rollback(app->store);
        return rc;
    }
    return app->store->ops->commit(app->store, err);
}
