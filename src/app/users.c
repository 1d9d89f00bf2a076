#include "app/users.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/admin.h"

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

/* Codes are what people type and systems match on: upper-case letters, digits and '_'. */
static bool
code_valid(const char *code)
{
    size_t n = strlen(code);
    if (n == 0 || n >= CATALOG_CODE_SIZE || !(code[0] >= 'A' && code[0] <= 'Z'))
        return false;
    for (const char *c = code; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return false;
    return true;
}

/* Appends an audit entry whose "after" is the given JSON object (stolen). */
static int
audit_json(struct app *app, const struct actor *actor, const char *action, const char *entity,
           int64_t entity_id, json_t *after, struct br_error *err)
{
    char *text = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(after);
    struct audit_entry entry = {.user_id = actor->user_id, .action = action, .entity = entity,
                                .entity_id = entity_id, .after = text};
    int rc = app->store->ops->audit_append(app->store, &entry, err);
    free(text);
    return rc;
}

int
app_agency_add(struct app *app, const struct actor *actor, const char *code, const char *name,
               int64_t *id, struct br_error *err)
{
    int rc;
    if ((rc = app_admin_require(app, actor, "add an agency", err)) != 0)
        return rc;
    if (!code_valid(code))
        br_error_field(err, "code", "must be 1 to %d characters of A-Z, 0-9 and _, starting with "
                                    "a letter",
                       CATALOG_CODE_SIZE - 1);
    if (name[0] == '\0' || strlen(name) >= STORE_TEXT_SIZE)
        br_error_field(err, "name", "is required (at most %d characters)", STORE_TEXT_SIZE - 1);
    if (err->n_fields > 0)
        return br_error_set(err, BR_EINVAL, "the agency cannot be added");
    if ((rc = app->store->ops->begin(app->store, err)) != 0)
        return rc;
    rc = app->store->ops->agency_insert(app->store, code, name, id, err);
    if (rc == 0)
        rc = audit_json(app, actor, "agency.add", "agency", *id,
                        json_pack("{s:s, s:s}", "code", code, "name", name), err);
    if (rc != 0) {
        app->store->ops->rollback(app->store);
        return rc;
    }
    return app->store->ops->commit(app->store, err);
}

int
app_user_add(struct app *app, const struct actor *actor, struct user *user, const char *password,
             struct br_error *err)
{
    char hash[crypto_pwhash_STRBYTES];
    int rc;

    if ((rc = app_admin_require(app, actor, "add a user", err)) != 0)
        return rc;
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
    if (rc == BR_ENOTFOUND) {
        br_error_field(err, "agency", "no agency with code %s; add it with `braid agency add`",
                       user->agency);
        rc = br_error_set(err, BR_EINVAL, "the user cannot be added");
    }
    if (rc == 0)
        rc = audit_json(app, actor, "user.add", "user", user->id,
                        json_pack("{s:s, s:s, s:s}", "email", user->email, "role", user->role,
                                  "agency", user->agency),
                        err);
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
