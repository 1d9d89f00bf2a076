/* router.h — which handler answers a request: routes are a method and a path pattern whose
 * "{id}" segments match positive decimal numbers (anything else in their place is a 404, never a
 * handler's problem).  A path that matches with another method is a 405, with the methods that
 * would match in Allow.  The table is in router.c; it covers /api/ (other paths are the web
 * app's files). */
#ifndef BRAID_HTTP_ROUTER_H
#define BRAID_HTTP_ROUTER_H

#include "http/http.h"

enum http_route_flags {
    HTTP_ROUTE_PUBLIC = 1 << 0,  /* answered without signing in */
    HTTP_ROUTE_JSON = 1 << 1,    /* takes a JSON object body (Content-Type application/json) */
    HTTP_ROUTE_CREATES = 1 << 2, /* creates something: honours Idempotency-Key */
};

struct http_route {
    enum http_method method;
    const char *pattern; /* "/api/v1/people/{id}" */
    http_handler_fn handler;
    unsigned flags;
};

enum http_route_result {
    HTTP_ROUTE_FOUND,
    HTTP_ROUTE_NOT_FOUND,
    HTTP_ROUTE_METHOD_NOT_ALLOWED,
};

struct http_route_match {
    const struct http_route *route; /* when found */
    int64_t ids[HTTP_MAX_IDS];
    size_t n_ids;
    char allow[96]; /* when the method is not allowed: "GET, HEAD, POST" */
};

/* Finds the route of method and path.  HEAD is answered by the GET route. */
enum http_route_result http_route_find(enum http_method method, const char *path,
                                       struct http_route_match *match);

/* The whole table, in order, with its length in *n (docs/api/openapi.yaml is checked against it
 * by tests/api/test_openapi.c). */
const struct http_route *http_routes(size_t *n);

enum http_method http_method_parse(const char *name);
const char *http_method_name(enum http_method method);

/* Whether the method changes something (a cookie-authenticated one needs the CSRF token). */
bool http_method_writes(enum http_method method);

#endif
