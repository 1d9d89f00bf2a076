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
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

static const char *const method_names[] = {
    [HTTP_GET] = "GET",         [HTTP_HEAD] = "HEAD",   [HTTP_POST] = "POST",
    [HTTP_PUT] = "PUT",         [HTTP_PATCH] = "PATCH", [HTTP_DELETE] = "DELETE",
    [HTTP_OPTIONS] = "OPTIONS", [HTTP_OTHER] = "OTHER",
};

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
