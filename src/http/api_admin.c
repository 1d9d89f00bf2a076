/* api_admin.c — running braid: /api/v1/admin/ (users, agencies, roles, settings: administrators
 * only) and /api/v1/audit (the audit log: auditors, and administrators without the details).
 *
 * Who may is app/admin.h's to decide.  A write asks it before reading the body, so someone who
 * may not add a user learns nothing from the answer but that.  A user goes out as id, email,
 * name, role, agency and active: never the password, nor its hash. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/admin.h"
#include "app/catalog_file.h"
#include "app/users.h"
#include "http/api_body.h"
#include "http/api_page.h"
#include "http/errors.h"
#include "http/handlers.h"

/* Copies a string member into buf (size bytes): "" when absent, a field error when too long. */
static void
copy_member(json_t *body, const char *key, char *buf, size_t size, struct br_error *err)
{
    const char *text = api_body_string(body, key, err);

    buf[0] = '\0';
    if (text == NULL)
        return;
    if (strlen(text) >= size) {
        br_error_field(err, key, "is too long (at most %zu bytes)", size - 1);
        return;
    }
    memcpy(buf, text, strlen(text) + 1);
}

/* Reads the page of a list; answers 400 and returns false when its parameters are wrong. */
static bool
page_read(struct http_request *req, struct http_response *res, const char *const *allowed,
          struct api_page *page, struct br_error *err)
{
    http_query_check(req, allowed, err);
    api_page_parse(req, page, err);
    /* So that every bad parameter is named at once (the use case checks the range again). */
    app_page_check(page->limit, page->offset, err);
    return !http_error_fields(req, res, err, "the list cannot be read");
}

/* ---- users --------------------------------------------------------------------------------- */

static json_t *
user_json(const struct user *u)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:b}", "id", (json_int_t)u->id, "email", u->email,
                     "name", u->name, "role", u->role, "agency",
                     u->agency[0] != '\0' ? json_string(u->agency) : json_null(), "active",
                     u->active);
}

void
api_admin_users_list(struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {"limit", "offset", NULL};
    struct user_list list = {0};
    struct api_page page;
    struct br_error err;
    int64_t total = 0;

    br_error_clear(&err);
    if (!page_read(req, res, allowed, &page, &err))
        return;
    if (app_list_users(req->app, &req->actor, page.limit, page.offset, &list, &total, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < list.n; i++)
        json_array_append_new(items, user_json(&list.items[i]));
    http_reply_json(res, 200, api_page_json("users", items, list.n, total, &page));
out:
    free(list.items);
}

void
api_admin_users_create(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"email", "name", "role", "agency", "password", NULL};
    struct user user = {0};
    struct br_error err;

    br_error_clear(&err);
    if (app_admin_require(req->app, &req->actor, "add a user", &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    api_body_known(req->json, known, "a user", &err);
    copy_member(req->json, "email", user.email, sizeof(user.email), &err);
    copy_member(req->json, "name", user.name, sizeof(user.name), &err);
    copy_member(req->json, "role", user.role, sizeof(user.role), &err);
    copy_member(req->json, "agency", user.agency, sizeof(user.agency), &err);
    /* Checked by the use case (crypto.h's rules); it never appears in an answer. */
    const char *password = api_body_string(req->json, "password", &err);
    if (http_error_fields(req, res, &err, "the user cannot be added"))
        return;
    if (app_user_add(req->app, &req->actor, &user, password, &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    http_reply_json(res, 201, user_json(&user));
}

/* ---- agencies ------------------------------------------------------------------------------ */

static json_t *
agency_json(int64_t id, const char *code, const char *name)
{
    return json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "code", code, "name", name);
}

void
api_admin_agencies_list(struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {"limit", "offset", NULL};
    struct agency_list list = {0};
    struct api_page page;
    struct br_error err;
    int64_t total = 0;

    br_error_clear(&err);
    if (!page_read(req, res, allowed, &page, &err))
        return;
    if (app_list_agencies(req->app, &req->actor, page.limit, page.offset, &list, &total, &err) !=
        0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < list.n; i++)
        json_array_append_new(
            items, agency_json(list.items[i].id, list.items[i].code, list.items[i].name));
    http_reply_json(res, 200, api_page_json("agencies", items, list.n, total, &page));
out:
    free(list.items);
}

void
api_admin_agencies_create(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"code", "name", NULL};
    struct br_error err;
    int64_t id = 0;

    br_error_clear(&err);
    if (app_admin_require(req->app, &req->actor, "add an agency", &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    api_body_known(req->json, known, "an agency", &err);
    const char *code = api_body_string(req->json, "code", &err);
    const char *name = api_body_string(req->json, "name", &err);
    if (http_error_fields(req, res, &err, "the agency cannot be added"))
        return;
    /* Absent is empty: the use case names both as required. */
    code = code != NULL ? code : "";
    name = name != NULL ? name : "";
    if (app_agency_add(req->app, &req->actor, code, name, &id, &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    http_reply_json(res, 201, agency_json(id, code, name));
}

/* ---- roles and settings --------------------------------------------------------------------- */

void
api_admin_roles(struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {"limit", "offset", NULL};
    struct role_list list = {0};
    struct api_page page;
    struct br_error err;
    size_t count;

    br_error_clear(&err);
    if (!page_read(req, res, allowed, &page, &err))
        return;
    if (app_list_roles(req->app, &req->actor, &list, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *items = json_array();
    size_t first = api_page_slice(&page, list.n, &count);
    for (size_t i = first; i < first + count; i++)
        json_array_append_new(items, json_pack("{s:s, s:s}", "code", list.items[i].code, "title",
                                               list.items[i].title));
    http_reply_json(res, 200, api_page_json("roles", items, count, (int64_t)list.n, &page));
out:
    free(list.items);
}

void
api_admin_settings(struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {NULL};
    struct policy policy;
    struct br_error err;

    br_error_clear(&err);
    http_query_check(req, allowed, &err);
    if (http_error_fields(req, res, &err, "the settings cannot be read"))
        return;
    if (app_settings_get(req->app, &req->actor, &policy, &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    http_reply_json(res, 200, json_pack("{s:o}", "settings", catalog_file_policy_json(&policy)));
}

/* ---- the audit log -------------------------------------------------------------------------- */

/* "YYYY-MM-DD HH:MM:SS" (UTC, as stored) as RFC 3339: "YYYY-MM-DDTHH:MM:SSZ". */
static json_t *
audit_time(const char *at)
{
    char text[32];

    if (strlen(at) != 19 || at[10] != ' ')
        return json_string(at);
    snprintf(text, sizeof(text), "%.10sT%.8sZ", at, at + 11);
    return json_string(text);
}

static json_t *
audit_json(const struct audit_record *a)
{
    json_t *after = a->after[0] != '\0' ? json_loads(a->after, 0, NULL) : NULL;
    /* An entry cut to fit (store.h) is shown as the text it is, not dropped. */
    if (after == NULL && a->after[0] != '\0')
        after = json_string(a->after);
    /* Ids count within each log: an entry is known by its log and id. */
    return json_pack(
        "{s:s, s:I, s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:o}", "log",
        a->read ? "reads" : "changes", "id", (json_int_t)a->id, "at",
        audit_time(a->at), "user_id", a->user_id != 0 ? json_integer(a->user_id) : json_null(),
        "person_id", a->person_id != 0 ? json_integer(a->person_id) : json_null(), "action",
        a->action, "entity", a->entity[0] != '\0' ? json_string(a->entity) : json_null(),
        "entity_id", a->entity_id != 0 ? json_integer(a->entity_id) : json_null(), "reason",
        a->reason[0] != '\0' ? json_string(a->reason) : json_null(), "after",
        after != NULL ? after : json_null());
}

void
api_audit_list(struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {"person_id", "limit", "offset", NULL};
    struct audit_list list = {0};
    struct api_page page;
    struct br_error err;
    int64_t total = 0, person_id = 0;
    bool details = false;
    const char *text = http_query_get(req, "person_id");

    br_error_clear(&err);
    if (text != NULL && text[0] != '\0') {
        char *end = NULL;
        errno = 0;
        long long value = strtoll(text, &end, 10);
        if (errno != 0 || *end != '\0' || !isdigit((unsigned char)text[0]) || value < 1)
            br_error_field(&err, "person_id", "must be a person's id (a whole number)");
        else
            person_id = value;
    }
    if (!page_read(req, res, allowed, &page, &err))
        return;
    if (app_audit_page(req->app, &req->actor, person_id, page.limit, page.offset, &list, &total,
                       &details, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < list.n; i++)
        json_array_append_new(items, audit_json(&list.items[i]));
    json_t *body = api_page_json("entries", items, list.n, total, &page);
    /* app/admin.h: an administrator sees who did what and when, not the case data. */
    json_object_set_new(body, "details_withheld", json_boolean(!details));
    http_reply_json(res, 200, body);
out:
    free(list.items);
}
