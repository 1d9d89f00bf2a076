/* server.h — braid's HTTP server on libmicrohttpd: a pool of worker threads polling with epoll,
 * listening on one address only, each worker with its own struct app (its own SQLite
 * connection, opened on its first request).
 *
 * Every request goes through one path (server.c): route (router.h), refuse a body over
 * HTTP_BODY_MAX (http.h), authenticate (auth.h), check the Content-Type and parse the
 * JSON, honour Idempotency-Key on creates, call the handler, and send its answer with the
 * security headers every response carries. */
#ifndef BRAID_HTTP_SERVER_H
#define BRAID_HTTP_SERVER_H

#include <sys/socket.h>

#include "app/session.h"
#include "core/error.h"

#define HTTP_DEFAULT_LISTEN "127.0.0.1:8080"
/* Workers spend most of a request waiting for the WAL sync that makes it durable, which they
 * share (store/sqlite_writer.h): more of them than cores put more requests on each sync. */
#define HTTP_DEFAULT_THREADS 16
#define HTTP_MAX_THREADS 64
/* An idle connection is closed after this; a slow client cannot hold a worker for ever. */
#define HTTP_CONNECTION_TIMEOUT_SECONDS 30
#define HTTP_CONNECTION_LIMIT 1024

struct http_server_options {
    const char *listen;   /* "127.0.0.1:8080" or "[::1]:8080" */
    const char *db_path;  /* an initialised database */
    const char *web_root; /* the web app's files, served under / */
    unsigned threads;     /* 1 to HTTP_MAX_THREADS */
};

struct http_server;

/* Parses "ADDRESS:PORT" (an IPv4 address, "[IPv6]" or "localhost") into addr.  Returns 0 or
 * BR_EINVAL with a message naming the problem. */
int http_listen_parse(const char *text, struct sockaddr_storage *addr, socklen_t *len,
                      struct br_error *err);

/* Starts serving.  Returns 0 with *out set, or BR_EINVAL (bad options) or BR_EIO (the address
 * cannot be bound, ...).  The database is opened by each worker when it first needs it. */
int http_server_start(const struct http_server_options *options, struct http_server **out,
                      struct br_error *err);

/* Stops accepting, finishes the requests under way, joins the workers and closes their apps.
 * server may be NULL. */
void http_server_stop(struct http_server *server);

/* The sign-in limits shared by every worker (auth.c). */
struct login_limits *http_server_login_limits(struct http_server *server);

#endif
