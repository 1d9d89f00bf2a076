/* http.h — what a request handler sees: the request (method, path, the {id} segments of its
 * route, its JSON body, who is asking, the thread's app) and the response it fills in.
 *
 * Handlers are thin (ARCHITECTURE.md): parse the request, call one use case of src/app, encode
 * the result.  They never call the store, and they do not know libmicrohttpd: headers, query
 * parameters and cookies are read through the functions below (server.c). */
#ifndef BRAID_HTTP_HTTP_H
#define BRAID_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "app/app.h"
#include "app/session.h"

/* A request body over this is refused (413).  One declared bigger is not read when the client
 * waits for leave to send it (Expect: 100-continue) or declares more than HTTP_BODY_DRAIN_MAX;
 * otherwise, like one sent chunked, it is read to its end but not kept past this: a connection
 * closed on a body still arriving is reset, and the client may never read the 413.  A chunked
 * body that goes on past HTTP_BODY_DRAIN_MAX is not read to its end: its connection is closed. */
#define HTTP_BODY_MAX ((size_t)1 << 20)
#define HTTP_BODY_DRAIN_MAX ((size_t)16 << 20)
/* Numeric {id} segments of one route. */
#define HTTP_MAX_IDS 4
#define HTTP_MAX_HEADERS 8
#define HTTP_HEADER_VALUE_MAX 512

enum http_method {
    HTTP_GET,
    HTTP_HEAD,
    HTTP_POST,
    HTTP_PUT,
    HTTP_PATCH,
    HTTP_DELETE,
    HTTP_OPTIONS,
    HTTP_OTHER,
};

struct http_server;

struct http_request {
    enum http_method method;
    const char *method_name;
    const char *path;          /* decoded, without the query */
    int64_t ids[HTTP_MAX_IDS]; /* the route's {id} segments, in order */
    size_t n_ids;
    const char *body; /* NUL-terminated; body_len bytes */
    size_t body_len;
    json_t *json;                   /* the body parsed (an object) on routes that take JSON */
    struct app *app;                /* this worker thread's */
    struct app_principal principal; /* who is asking, when authenticated */
    struct actor actor;
    bool authenticated;
    const char *client; /* the peer's address as text */
    int64_t now;        /* Unix seconds when the request arrived */
    struct http_server *server;
    void *connection; /* server.c's */
};

struct http_header {
    const char *name; /* a string literal */
    char value[HTTP_HEADER_VALUE_MAX];
};

struct http_response {
    int status;
    json_t *json; /* the body as JSON (owned), or NULL */
    char *body;   /* or raw bytes (malloc'd, owned) */
    size_t body_len;
    int fd; /* or a file to send (owned), -1 when none */
    uint64_t fd_size;
    const char *content_type; /* for body and fd */
    struct http_header headers[HTTP_MAX_HEADERS];
    size_t n_headers;
};

typedef void (*http_handler_fn)(struct http_request *req, struct http_response *res);

/* The value of a request header, a query parameter or a cookie, or NULL.  Valid for the
 * request's lifetime. */
const char *http_header_get(const struct http_request *req, const char *name);
const char *http_query_get(const struct http_request *req, const char *name);
const char *http_cookie_get(const struct http_request *req, const char *name);

/* Adds a field error to err for every query parameter not in allowed (NULL-terminated). */
void http_query_check(const struct http_request *req, const char *const *allowed,
                      struct br_error *err);

/* Sets the response to status with body (stolen). */
void http_reply_json(struct http_response *res, int status, json_t *body);

/* Adds a response header (value copied, cut at HTTP_HEADER_VALUE_MAX - 1 bytes; names are
 * literals).  Past HTTP_MAX_HEADERS the header is dropped: handlers set only a few. */
void http_header_add(struct http_response *res, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
