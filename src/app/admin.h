/* admin.h — the use cases of running braid rather than doing case work: the staff accounts and
 * partner agencies, the roles, the policy settings, and the audit log read across people.
 *
 * Who may is decided here, from the role alone (access.h names the roles): the administrator
 * manages accounts and agencies and reads the settings — and, like every use case, so may the
 * system actor (the CLI); nobody else.  The audit log is the auditors' (RULES.md §11): they read
 * every entry in full; an administrator, who sees no case data (access.h), reads who did what and
 * when, with the details of each entry (its reason and its "after") withheld.  Every refusal is
 * itself appended to the audit log.
 *
 * Lists are pages: limit 1..ADMIN_PAGE_MAX rows from offset (>= 0), with the total.  The list
 * structs are the caller's, as in records.h: zero them before the first call, free(items) at
 * the end. */
#ifndef BRAID_APP_ADMIN_H
#define BRAID_APP_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include "app/app.h"
#include "app/records.h"

/* The most rows one page of any list holds. */
#define ADMIN_PAGE_MAX 100

struct user_list {
    struct user *items; /* password_hash is always "" */
    size_t n, cap;
};

struct agency_list {
    struct agency *items;
    size_t n, cap;
};

struct role_list {
    struct staff_role *items;
    size_t n, cap;
};

/* 0 when the actor administers braid (role admin, or the system), else BR_EFORBIDDEN — audited
 * as "access.refuse" with what (such as "list the users") as the reason. */
int app_admin_require(struct app *app, const struct actor *actor, const char *what,
                      struct br_error *err);

/* Checks a page's limit and offset: field errors on "limit" and "offset", BR_EINVAL. */
int app_page_check(int64_t limit, int64_t offset, struct br_error *err);

/* Pages of the users and the agencies, by id. */
int app_list_users(struct app *app, const struct actor *actor, int64_t limit, int64_t offset,
                   struct user_list *out, int64_t *total, struct br_error *err);
int app_list_agencies(struct app *app, const struct actor *actor, int64_t limit, int64_t offset,
                      struct agency_list *out, int64_t *total, struct br_error *err);
/* Every role a user can hold, by code. */
int app_list_roles(struct app *app, const struct actor *actor, struct role_list *out,
                   struct br_error *err);
/* The policy settings in force (RULES.md preamble: settings, not literals). */
int app_settings_get(struct app *app, const struct actor *actor, struct policy *out,
                     struct br_error *err);

/* A page of the audit log, newest first: one person's entries (person_id > 0; BR_ENOTFOUND when
 * there is no such person) or everyone's (0).  *details_shown is false when the entries' reason
 * and after were withheld (an administrator).  The read is itself audited ("audit_log.read"). */
int app_audit_page(struct app *app, const struct actor *actor, int64_t person_id, int64_t limit,
                   int64_t offset, struct audit_list *out, int64_t *total, bool *details_shown,
                   struct br_error *err);

#endif
