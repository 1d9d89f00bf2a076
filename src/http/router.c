/* router.c — the API's routes and how a request finds one (router.h). */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

#include "http/handlers.h"

#define ID_SEGMENT "{id}"
#define ID_MAX_DIGITS 18 /* always fits an int64_t */

static const struct http_route routes[] = {
    {HTTP_GET, "/api/v1/healthz", api_healthz, HTTP_ROUTE_PUBLIC},
    {HTTP_POST, "/api/v1/session", api_session_create, HTTP_ROUTE_PUBLIC | HTTP_ROUTE_JSON},
    {HTTP_GET, "/api/v1/session", api_session_get, 0},
    {HTTP_DELETE, "/api/v1/session", api_session_delete, 0},
    {HTTP_GET, "/api/v1/catalog/programs", api_catalog_programs, 0},
    {HTTP_GET, "/api/v1/catalog/services", api_catalog_services, 0},
    {HTTP_POST, "/api/v1/people", api_people_create, HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    {HTTP_GET, "/api/v1/people", api_people_search, 0},
    {HTTP_GET, "/api/v1/people/{id}", api_person_get, 0},
    {HTTP_PATCH, "/api/v1/people/{id}", api_person_patch, HTTP_ROUTE_JSON},
    {HTTP_GET, "/api/v1/people/{id}/exit", api_person_exit, 0},
    /* api_alerts.c: case-management alerts (RULES.md §8) and the caseload */
    {HTTP_GET, "/api/v1/people/{id}/alerts", api_person_alerts, 0},
    {HTTP_GET, "/api/v1/caseload", api_caseload, 0},
    /* api_casefile.c: a person's case file (RULES.md §3-5, §7) */
    {HTTP_GET, "/api/v1/people/{id}/enrollments", api_enrollments_list, 0},
    {HTTP_POST, "/api/v1/people/{id}/enrollments", api_enrollments_create,
     HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    {HTTP_PATCH, "/api/v1/people/{id}/enrollments/{id}", api_enrollment_patch, HTTP_ROUTE_JSON},
    {HTTP_GET, "/api/v1/people/{id}/eligibility", api_person_eligibility, 0},
    {HTTP_GET, "/api/v1/people/{id}/services", api_services_list, 0},
    {HTTP_POST, "/api/v1/people/{id}/services", api_services_create,
     HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    {HTTP_GET, "/api/v1/people/{id}/services/{id}", api_service_get, 0},
    {HTTP_PATCH, "/api/v1/people/{id}/services/{id}", api_service_patch, HTTP_ROUTE_JSON},
    {HTTP_GET, "/api/v1/people/{id}/gaps", api_gaps_list, 0},
    {HTTP_POST, "/api/v1/people/{id}/gaps", api_gaps_create, HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    {HTTP_GET, "/api/v1/people/{id}/notes", api_notes_list, 0},
    {HTTP_POST, "/api/v1/people/{id}/notes", api_notes_create,
     HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    {HTTP_GET, "/api/v1/people/{id}/contacts", api_contacts_list, 0},
    {HTTP_POST, "/api/v1/people/{id}/contacts", api_contacts_create,
     HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    {HTTP_GET, "/api/v1/people/{id}/bundle", api_person_bundle, 0},
    /* api_declines.c: co-enrollment declines (RULES.md §6) */
    {HTTP_GET, "/api/v1/people/{id}/coenrollment-declines", api_declines_list, 0},
    {HTTP_POST, "/api/v1/people/{id}/coenrollment-declines", api_declines_create,
     HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    /* api_records.c: a person's consents, assessments, plans and outcomes (RULES.md §9-11) */
    {HTTP_GET, "/api/v1/people/{id}/consents", api_consents_list, 0},
    {HTTP_POST, "/api/v1/people/{id}/consents", api_consents_create,
     HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    {HTTP_POST, "/api/v1/people/{id}/consents/{id}/revoke", api_consent_revoke, HTTP_ROUTE_CREATES},
    {HTTP_GET, "/api/v1/people/{id}/assessments", api_assessments_list, 0},
    {HTTP_POST, "/api/v1/people/{id}/assessments", api_assessments_create,
     HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    {HTTP_GET, "/api/v1/people/{id}/plans", api_plans_list, 0},
    {HTTP_POST, "/api/v1/people/{id}/plans", api_plans_create,
     HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    {HTTP_POST, "/api/v1/people/{id}/plans/{id}/goals", api_plan_goals_create,
     HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    {HTTP_PATCH, "/api/v1/people/{id}/plans/{id}/goals/{id}", api_plan_goal_patch, HTTP_ROUTE_JSON},
    {HTTP_POST, "/api/v1/people/{id}/plans/{id}/reviews", api_plan_reviews_create,
     HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    {HTTP_POST, "/api/v1/people/{id}/plans/{id}/sign", api_plan_sign,
     HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    {HTTP_GET, "/api/v1/people/{id}/outcomes", api_outcomes_list, 0},
    {HTTP_POST, "/api/v1/people/{id}/outcomes", api_outcomes_create,
     HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    /* api_admin.c: the audit log (auditors) and administration (administrators) */
    {HTTP_GET, "/api/v1/audit", api_audit_list, 0},
    {HTTP_GET, "/api/v1/admin/users", api_admin_users_list, 0},
    {HTTP_POST, "/api/v1/admin/users", api_admin_users_create,
     HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    {HTTP_GET, "/api/v1/admin/agencies", api_admin_agencies_list, 0},
    {HTTP_POST, "/api/v1/admin/agencies", api_admin_agencies_create,
     HTTP_ROUTE_JSON | HTTP_ROUTE_CREATES},
    {HTTP_GET, "/api/v1/admin/roles", api_admin_roles, 0},
    {HTTP_GET, "/api/v1/admin/settings", api_admin_settings, 0},
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static const char *const method_names[] = {
    [HTTP_GET] = "GET",         [HTTP_HEAD] = "HEAD",   [HTTP_POST] = "POST",
    [HTTP_PUT] = "PUT",         [HTTP_PATCH] = "PATCH", [HTTP_DELETE] = "DELETE",
    [HTTP_OPTIONS] = "OPTIONS", [HTTP_OTHER] = "OTHER",
};

const struct http_route *
http_routes(size_t *n)
{
    *n = N_ROUTES;
    return routes;
}

enum http_method
http_method_parse(const char *name)
{
    for (size_t i = 0; i < HTTP_OTHER; i++)
        if (strcmp(method_names[i], name) == 0)
            return (enum http_method)i;
    return HTTP_OTHER;
}

const char *
http_method_name(enum http_method method)
{
    return (size_t)method <= HTTP_OTHER ? method_names[method] : "OTHER";
}

bool
http_method_writes(enum http_method method)
{
    return method != HTTP_GET && method != HTTP_HEAD && method != HTTP_OPTIONS;
}

/* Reads a positive decimal id of len bytes; false for anything else. */
static bool
parse_id(const char *text, size_t len, int64_t *out)
{
    int64_t value = 0;

    if (len == 0 || len > ID_MAX_DIGITS)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (text[i] - '0');
    }
    if (value < 1)
        return false;
    *out = value;
    return true;
}

/* Whether path matches pattern segment by segment, collecting the ids. */
static bool
path_matches(const char *pattern, const char *path, struct http_route_match *match)
{
    const char *p = pattern, *s = path;

    match->n_ids = 0;
    while (*p != '\0' && *s != '\0') {
        if (*p != '/' || *s != '/')
            return false;
        p++;
        s++;
        size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
        if (plen == strlen(ID_SEGMENT) && strncmp(p, ID_SEGMENT, plen) == 0) {
            if (match->n_ids == HTTP_MAX_IDS || !parse_id(s, slen, &match->ids[match->n_ids]))
                return false;
            match->n_ids++;
        } else if (plen != slen || strncmp(p, s, plen) != 0) {
            return false;
        }
        p += plen;
        s += slen;
    }
    return *p == '\0' && *s == '\0';
}

static void
allow_add(char *allow, size_t size, const char *name)
{
    if (strstr(allow, name) != NULL)
        return;
    size_t used = strlen(allow);
    snprintf(allow + used, size - used, "%s%s", used > 0 ? ", " : "", name);
}

enum http_route_result
http_route_find(enum http_method method, const char *path, struct http_route_match *match)
{
    enum http_method wanted = method == HTTP_HEAD ? HTTP_GET : method;
    struct http_route_match probe;
    bool path_known = false;

    memset(match, 0, sizeof(*match));
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (!path_matches(routes[i].pattern, path, &probe))
            continue;
        if (routes[i].method == wanted) {
            *match = probe;
            match->route = &routes[i];
            return HTTP_ROUTE_FOUND;
        }
        path_known = true;
    }
    if (!path_known)
        return HTTP_ROUTE_NOT_FOUND;
    /* Allow lists every method the path answers, in the table's order. */
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (!path_matches(routes[i].pattern, path, &probe))
            continue;
        allow_add(match->allow, sizeof(match->allow), method_names[routes[i].method]);
        if (routes[i].method == HTTP_GET)
            allow_add(match->allow, sizeof(match->allow), "HEAD");
    }
    return HTTP_ROUTE_METHOD_NOT_ALLOWED;
}
