/* admin.c — accounts, agencies, roles, settings and the audit log across people (admin.h). */
#include "app/admin.h"

#include <jansson.h>
#include <string.h>

#include "app/access.h"

/* Appends the refusal of what to actor (RULES.md §11: refused actions are on the record too)
 * and returns BR_EFORBIDDEN with why. */
static int
refuse(struct app *app, const struct actor *actor, int64_t person_id, const char *area,
       const char *what, const char *why, struct br_error *err)
{
    int rc = access_audit_append(app, actor, person_id, "access.refuse", area, 0, why,
                                 json_pack("{s:s, s:s, s:s}", "area", area, "what", what, "role",
                                           actor != NULL && actor->role != NULL ? actor->role : ""),
                                 err);
    if (rc != 0)
        return rc;
    return br_error_set(err, BR_EFORBIDDEN, "cannot %s: %s", what, why);
}

int
app_admin_require(struct app *app, const struct actor *actor, const char *what,
                  struct br_error *err)
{
    enum access_role role = access_role_of(actor);

    if (role == ACCESS_ROLE_ADMIN || role == ACCESS_ROLE_SYSTEM)
        return 0;
    return refuse(app, actor, 0, "administration", what, "only an administrator may", err);
}

int
app_page_check(int64_t limit, int64_t offset, struct br_error *err)
{
    size_t fields = br_error_field_count(err);

    if (limit < 1 || limit > ADMIN_PAGE_MAX)
        br_error_field(err, "limit", "must be a whole number from 1 to %d", ADMIN_PAGE_MAX);
    if (offset < 0)
        br_error_field(err, "offset", "must be a whole number from 0");
    if (br_error_field_count(err) > fields)
        return br_error_set(err, BR_EINVAL, "the page cannot be read");
    return 0;
}

/* Ends a read's transaction (one per page, so a page and its total agree): commits, or rolls
 * back on failure. */
static int
finish(struct app *app, int rc, struct br_error *err)
{
    if (rc != 0) {
        app->store->ops->rollback(app->store);
        return rc;
    }
    return app->store->ops->commit(app->store, err);
}

int
app_list_users(struct app *app, const struct actor *actor, int64_t limit, int64_t offset,
               struct user_list *out, int64_t *total, struct br_error *err)
{
    int rc;

    out->n = 0;
    *total = 0;
    if ((rc = app_admin_require(app, actor, "list the users", err)) != 0 ||
        (rc = app_page_check(limit, offset, err)) != 0 ||
        (rc = app->store->ops->begin(app->store, err)) != 0)
        return rc;
    rc = app->store->ops->users_page(app->store, limit, offset, &out->items, &out->n, &out->cap,
                                     total, err);
    return finish(app, rc, err);
}

int
app_list_agencies(struct app *app, const struct actor *actor, int64_t limit, int64_t offset,
                  struct agency_list *out, int64_t *total, struct br_error *err)
{
    int rc;

    out->n = 0;
    *total = 0;
    if ((rc = app_admin_require(app, actor, "list the agencies", err)) != 0 ||
        (rc = app_page_check(limit, offset, err)) != 0 ||
        (rc = app->store->ops->begin(app->store, err)) != 0)
        return rc;
    rc = app->store->ops->agencies_page(app->store, limit, offset, &out->items, &out->n, &out->cap,
                                        total, err);
    return finish(app, rc, err);
}

int
app_list_roles(struct app *app, const struct actor *actor, struct role_list *out,
               struct br_error *err)
{
    int rc;

    out->n = 0;
    if ((rc = app_admin_require(app, actor, "list the roles", err)) != 0)
        return rc;
    return app->store->ops->roles_load(app->store, &out->items, &out->n, &out->cap, err);
}

int
app_settings_get(struct app *app, const struct actor *actor, struct policy *out,
                 struct br_error *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = app_admin_require(app, actor, "read the settings", err)) != 0)
        return rc;
    /* The settings the database was initialised with, as this app loaded them at open. */
    *out = app->policy;
    return 0;
}

int
app_audit_page(struct app *app, const struct actor *actor, int64_t person_id, int64_t limit,
               int64_t offset, struct audit_list *out, int64_t *total, bool *details_shown,
               struct br_error *err)
{
    enum access_role role = access_role_of(actor);
    struct stored_person person;
    size_t fields = br_error_field_count(err);
    int rc;

    out->n = 0;
    *total = 0;
    *details_shown = role == ACCESS_ROLE_AUDITOR || role == ACCESS_ROLE_SYSTEM;
    if (!*details_shown && role != ACCESS_ROLE_ADMIN)
        return refuse(app, actor, person_id, "audit_log", "read the audit log",
                      "only auditors and administrators read the audit log", err);
    if (person_id < 0)
        br_error_field(err, "person_id", "must be a person's id");
    if ((rc = app_page_check(limit, offset, err)) != 0)
        return rc;
    if (br_error_field_count(err) > fields)
        return br_error_set(err, BR_EINVAL, "the audit log cannot be read");
    if ((rc = app->store->ops->begin_read(app->store, err)) != 0)
        return rc;
    if (person_id > 0 && (rc = app_person_load(app, person_id, &person, err)) != 0)
        goto out;
    if ((rc = app->store->ops->audit_page(app->store, person_id, limit, offset, &out->items,
                                          &out->n, &out->cap, total, err)) != 0)
        goto out;
    /* access.h: administrators see no case data, and an entry's reason and after carry it. */
    for (size_t i = 0; i < out->n && !*details_shown; i++) {
        out->items[i].reason[0] = '\0';
        out->items[i].after[0] = '\0';
    }
    /* Reading the log is on the log: who looked at whose history. */
    rc = access_audit_append(app, actor, person_id, "audit_log.read", "audit_log", 0, NULL,
                             json_pack("{s:I, s:I, s:b}", "limit", (json_int_t)limit, "offset",
                                       (json_int_t)offset, "details", *details_shown),
                             err);
out:
    if (rc != 0)
        out->n = 0;
    return finish(app, rc, err);
}
