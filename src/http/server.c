/* server.c — the request path of braid's HTTP server (server.h), on libmicrohttpd.
 *
 * libmicrohttpd calls on_request several times per request: once when the headers are in, once
 * per piece of the body, and once more when the body is complete.  The first call decides
 * everything the headers can decide (route, size, who is asking, Content-Type); an answer decided
 * then is sent once the body is consumed — except a body declared over HTTP_BODY_MAX that the
 * client has not sent yet (Expect: 100-continue) or that is too big to read through
 * (HTTP_BODY_DRAIN_MAX), which is refused at once, unread.  Any other body over HTTP_BODY_MAX is
 * refused once it ends, read and dropped (body_take) — and one sent chunked that goes on past
 * HTTP_BODY_DRAIN_MAX has its connection closed.  The last call parses the JSON and runs the
 * handler.
 *
 * An answer is sent only once the changes it shows are on disk.  A worker does not wait for that
 * sync, which would hold up every other connection it serves: it holds the answer, suspends the
 * connection and goes on, and the server's syncer thread makes one sync for every answer held,
 * then resumes their connections, and on_request sends each (hold_answer, syncer_main). */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "app/idempotency.h"
#include "core/mem.h"
#include "http/auth.h"
#include "http/errors.h"
#include "http/http.h"
#include "http/router.h"
#include "http/static.h"

#define API_PREFIX "/api/"
#define JSON_CONTENT_TYPE "application/json; charset=utf-8"

/* Sent with every response (ARCHITECTURE.md; the web app loads only its own files). */
static const struct {
    const char *name;
    const char *value;
} security_headers[] = {
    {"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
};

struct http_server {
    struct MHD_Daemon *daemon;
    unsigned long generation; /* tells one server's worker apps from an earlier one's */
    char *db_path;
    char *web_root;
    struct login_limits limits;
    bool limits_ready;
    pthread_mutex_t apps_lock;
    struct app **apps; /* every worker's, closed when the server stops */
    size_t n_apps, cap_apps;
    /* Answers held until their changes are durable (hold_answer), for the syncer thread. */
    pthread_mutex_t held_lock;
    pthread_cond_t held_wake;
    struct request_state *held; /* a list through held_next */
    bool held_stopping;         /* no answer is held any more: the workers wait themselves */
    pthread_t syncer;
    bool syncer_started;
};

/* What one request carries between the calls of on_request. */
struct request_state {
    struct http_request req;
    struct http_route_match match;
    bool is_api;
    char *path;
    char client[INET6_ADDRSTRLEN];
    char *body;
    size_t body_len, body_cap;
    size_t body_seen; /* bytes of the body arrived, kept or not (at most HTTP_BODY_DRAIN_MAX) */
    bool too_big;
    bool decided; /* early holds the answer; the body is read and dropped */
    struct http_response early;
    struct br_error err;
    /* The answer held, its connection suspended, until commit is durable (hold_answer); the
     * syncer sets held_rc (and held_err) before it resumes the connection. */
    bool answer_held;
    struct http_response held;
    uint64_t held_commit;
    int held_rc;
    struct br_error held_err;
    struct request_state *held_next;
};

static atomic_ulong server_generations;

/* The worker thread's app, and which server opened it. */
static _Thread_local struct app *thread_app;
static _Thread_local unsigned long thread_app_generation;

/* ---- responses ------------------------------------------------------------------------------ */

static void
response_init(struct http_response *res)
{
    memset(res, 0, sizeof(*res));
    res->status = 500;
    res->fd = -1;
}

static void
response_cleanup(struct http_response *res)
{
    json_decref(res->json);
    free(res->body);
    if (res->fd >= 0)
        close(res->fd);
    response_init(res);
}

void
http_reply_json(struct http_response *res, int status, json_t *body)
{
    json_decref(res->json);
    free(res->body);
    res->body = NULL;
    res->json = body;
    res->status = status;
}

void
http_header_add(struct http_response *res, const char *name, const char *fmt, ...)
{
    va_list ap;

    if (res->n_headers == HTTP_MAX_HEADERS)
        return;
    struct http_header *h = &res->headers[res->n_headers++];
    h->name = name;
    va_start(ap, fmt);
    vsnprintf(h->value, sizeof(h->value), fmt, ap);
    va_end(ap);
}

/* Encodes res->json into res->body (the exact bytes sent, and stored for idempotent replay). */
static int
response_encode(struct http_response *res)
{
    if (res->json == NULL)
        return 0;
    char *text = json_dumps(res->json, JSON_COMPACT);
    if (text == NULL)
        return BR_EIO;
    free(res->body);
    res->body = text;
    res->body_len = strlen(text);
    res->content_type = JSON_CONTENT_TYPE;
    json_decref(res->json);
    res->json = NULL;
    return 0;
}

/* Hands res to libmicrohttpd with the headers every response carries. */
static enum MHD_Result
response_send(struct MHD_Connection *connection, struct http_response *res, bool is_api)
{
    struct MHD_Response *response;
    enum MHD_Result ok;

    if (response_encode(res) != 0) {
        fprintf(stderr, "braid serve: cannot encode a response\n");
        http_error_status(res, 500, "internal_error", "something went wrong inside braid");
        if (response_encode(res) != 0)
            return MHD_NO;
    }
    if (res->fd >= 0) {
        response = MHD_create_response_from_fd64(res->fd_size, res->fd);
        if (response != NULL)
            res->fd = -1; /* libmicrohttpd closes it */
    } else if (res->body != NULL) {
        response = MHD_create_response_from_buffer(res->body_len, res->body, MHD_RESPMEM_MUST_FREE);
        if (response != NULL)
            res->body = NULL;
    } else {
        response = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (response == NULL)
        return MHD_NO;
    for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
        MHD_add_response_header(response, security_headers[i].name, security_headers[i].value);
    /* Answers about people must not linger in caches. */
    if (is_api)
        MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (res->content_type != NULL)
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
    for (size_t i = 0; i < res->n_headers; i++)
        MHD_add_response_header(response, res->headers[i].name, res->headers[i].value);
    ok = MHD_queue_response(connection, (unsigned int)res->status, response);
    MHD_destroy_response(response);
    return ok;
}

/* ---- request accessors (http.h) ------------------------------------------------------------- */

const char *
http_header_get(const struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

const char *
http_query_get(const struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, name);
}

const char *
http_cookie_get(const struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->connection, MHD_COOKIE_KIND, name);
}

struct query_check {
    const char *const *allowed;
    struct br_error *err;
};

static enum MHD_Result
query_check_one(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct query_check *check = cls;

    (void)kind;
    (void)value;
    for (const char *const *a = check->allowed; *a != NULL; a++)
        if (strcmp(*a, key) == 0)
            return MHD_YES;
    br_error_field(check->err, key, "is not a parameter of this request");
    return MHD_YES;
}

void
http_query_check(const struct http_request *req, const char *const *allowed, struct br_error *err)
{
    struct query_check check = {allowed, err};
    MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, query_check_one, &check);
}

struct login_limits *
http_server_login_limits(struct http_server *server)
{
    return &server->limits;
}

/* ---- the worker's app ----------------------------------------------------------------------- */

/* The calling worker's app, opened on its first request: one SQLite connection per worker. */
static struct app *
worker_app(struct http_server *server, struct br_error *err)
{
    if (thread_app != NULL && thread_app_generation == server->generation)
        return thread_app;
    struct app *app = xcalloc(1, sizeof(*app));
    if (app_open(app, server->db_path, err) != 0) {
        free(app);
        return NULL;
    }
    pthread_mutex_lock(&server->apps_lock);
    xgrow(&server->apps, &server->cap_apps, server->n_apps + 1, sizeof(*server->apps));
    server->apps[server->n_apps++] = app;
    pthread_mutex_unlock(&server->apps_lock);
    thread_app = app;
    thread_app_generation = server->generation;
    return app;
}

/* ---- the request path ----------------------------------------------------------------------- */

static void
state_free(struct request_state *state)
{
    if (state == NULL)
        return;
    json_decref(state->req.json);
    response_cleanup(&state->early);
    response_cleanup(&state->held);
    free(state->body);
    free(state->path);
    free(state);
}

static void
client_address(struct MHD_Connection *connection, char *buf, size_t size)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = info != NULL ? info->client_addr : NULL;

    snprintf(buf, size, "unknown");
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
                  (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf,
                  (socklen_t)size);
}

/* Whether the Content-Type is JSON: "application/json", with parameters allowed as long as a
 * charset, when given, is UTF-8 (the only one JSON has). */
static bool
content_type_is_json(const char *value)
{
    static const char json[] = "application/json";
    static const char charset[] = "charset=";

    if (value == NULL)
        return false;
    value += strspn(value, " \t");
    if (strncasecmp(value, json, strlen(json)) != 0)
        return false;
    const char *p = value + strlen(json);
    p += strspn(p, " \t");
    while (*p == ';') {
        p++;
        p += strspn(p, " \t");
        size_t len = strcspn(p, ";");
        if (strncasecmp(p, charset, strlen(charset)) == 0) {
            const char *v = p + strlen(charset);
            size_t vlen = len - strlen(charset);
            while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
                vlen--;
            if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
                v++;
                vlen -= 2;
            }
            if (vlen != 5 || strncasecmp(v, "utf-8", 5) != 0)
                return false;
        }
        p += len;
    }
    return *p == '\0';
}

/* Whether the request declares a body (Content-Length) over limit bytes. */
static bool
declared_over(struct MHD_Connection *connection, size_t limit)
{
    const char *length =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length == NULL)
        return false;
    errno = 0;
    char *end = NULL;
    unsigned long long n = strtoull(length, &end, 10);
    return errno == ERANGE || (end != length && n > limit);
}

/* Whether the client sends its body only once told to go on (Expect: 100-continue). */
static bool
waits_to_send(struct MHD_Connection *connection)
{
    const char *expect =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
    return expect != NULL && strcasecmp(expect, "100-continue") == 0;
}

static void
reply_too_big(struct http_response *res)
{
    char message[96];
    snprintf(message, sizeof(message), "the request body is over the limit of %zu bytes",
             HTTP_BODY_MAX);
    http_error_status(res, 413, "too_large", message);
}

/* Decides what the headers alone decide; true when the answer is already known (in
 * state->early). */
static bool
decide_early(struct http_server *server, struct request_state *state)
{
    struct http_request *req = &state->req;
    struct http_response *res = &state->early;

    if (!state->is_api) {
        if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
            http_error_status(res, 405, "method_not_allowed",
                              "the web app's files can only be read (GET, HEAD)");
            http_header_add(res, "Allow", "GET, HEAD");
            return true;
        }
        return false;
    }
    enum http_route_result found = http_route_find(req->method, req->path, &state->match);
    if (found == HTTP_ROUTE_NOT_FOUND) {
        http_error_status(res, 404, "not_found", "there is nothing at this path");
        return true;
    }
    if (found == HTTP_ROUTE_METHOD_NOT_ALLOWED) {
        char message[160];
        snprintf(message, sizeof(message), "%s is not allowed here; use %s", req->method_name,
                 state->match.allow);
        http_error_status(res, 405, "method_not_allowed", message);
        http_header_add(res, "Allow", "%s", state->match.allow);
        return true;
    }
    memcpy(req->ids, state->match.ids, sizeof(req->ids));
    req->n_ids = state->match.n_ids;

    br_error_clear(&state->err);
    req->app = worker_app(server, &state->err);
    if (req->app == NULL) {
        http_error_reply(req, res, &state->err);
        return true;
    }
    /* Today moves on while the server runs (BRAID_TODAY still pins it for tests). */
    if (app_today(&req->app->today, &state->err) != 0) {
        http_error_reply(req, res, &state->err);
        return true;
    }
    if ((state->match.route->flags & HTTP_ROUTE_PUBLIC) == 0 && http_authenticate(req, res) != 0)
        return true;
    if ((state->match.route->flags & HTTP_ROUTE_JSON) != 0 &&
        !content_type_is_json(http_header_get(req, MHD_HTTP_HEADER_CONTENT_TYPE))) {
        http_error_status(res, 415, "unsupported_media_type",
                          "the body must be JSON, sent with Content-Type: application/json");
        return true;
    }
    return false;
}

/* Parses the JSON body into req->json; false (with res set) when it is not a JSON object. */
static bool
parse_json(struct request_state *state, struct http_response *res)
{
    struct http_request *req = &state->req;
    json_error_t jerr;

    br_error_clear(&state->err);
    req->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (req->json == NULL) {
        if (json_error_code(&jerr) == json_error_invalid_utf8)
            br_error_field(&state->err, "body", "is not valid UTF-8 (at byte %d)", jerr.position);
        else
            br_error_field(&state->err, "body", "is not valid JSON: %s (line %d, column %d)",
                           jerr.text, jerr.line, jerr.column);
        br_error_set(&state->err, BR_EPARSE, "the body is not a valid JSON object");
        http_error_reply(req, res, &state->err);
        return false;
    }
    if (!json_is_object(req->json)) {
        br_error_field(&state->err, "body", "must be a JSON object");
        br_error_set(&state->err, BR_EINVAL, "the body is not a valid JSON object");
        http_error_reply(req, res, &state->err);
        return false;
    }
    return true;
}

/* Copies the value of res's header name into buf ("" when res has none); false when it does not
 * fit. */
static bool
header_copy(const struct http_response *res, const char *name, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < res->n_headers; i++)
        if (strcasecmp(res->headers[i].name, name) == 0)
            return (size_t)snprintf(buf, size, "%s", res->headers[i].value) < size;
    return true;
}

/* What a create answered (res, encoded), as its Idempotency-Key keeps it for a retry: status,
 * body, Location and ETag; false when a header is too long to keep. */
static bool
replay_record(const struct http_response *res, struct idempotency_response *out)
{
    memset(out, 0, sizeof(*out));
    out->status = res->status;
    out->body = res->body;
    return header_copy(res, "Location", out->location, sizeof(out->location)) &&
           header_copy(res, "ETag", out->etag, sizeof(out->etag));
}

/* Answers a retried create as the first one was answered (replay_record), its body stolen. */
static void
replay_send(struct http_response *res, struct idempotency_response *replay)
{
    res->status = replay->status;
    res->body = replay->body;
    replay->body = NULL;
    res->body_len = strlen(res->body);
    res->content_type = JSON_CONTENT_TYPE;
    if (replay->location[0] != '\0')
        http_header_add(res, "Location", "%s", replay->location);
    if (replay->etag[0] != '\0')
        http_header_add(res, "ETag", "%s", replay->etag);
    http_header_add(res, "Idempotent-Replayed", "true");
}

/* Runs the route's handler, under the request's Idempotency-Key when it creates. */
static void
run_handler(struct request_state *state, struct http_response *res)
{
    struct http_request *req = &state->req;
    const struct http_route *route = state->match.route;
    const char *key = NULL;
    struct idempotency_response replay = {0}, first;

    if ((route->flags & HTTP_ROUTE_JSON) != 0 && !parse_json(state, res))
        return;
    if ((route->flags & HTTP_ROUTE_CREATES) != 0 && req->authenticated)
        key = http_header_get(req, "Idempotency-Key");
    if (key != NULL) {
        br_error_clear(&state->err);
        if (app_idempotency_begin(req->app, req->actor.user_id, key, req->method_name, req->path,
                                  req->body, req->body_len, req->now, &replay, &state->err) != 0) {
            http_error_reply(req, res, &state->err);
            return;
        }
        if (replay.status != 0) {
            replay_send(res, &replay);
            return;
        }
    }
    route->handler(req, res);
    if (key == NULL)
        return;
    br_error_clear(&state->err);
    int rc = response_encode(res);
    if (rc != 0)
        br_error_set(&state->err, rc, "the response cannot be encoded");
    else if (!replay_record(res, &first))
        rc = br_error_set(&state->err, BR_EINVAL, "its Location or ETag is too long to keep");
    else
        rc = app_idempotency_finish(req->app, req->actor.user_id, key, &first, &state->err);
    if (rc != 0) {
        /* The create is done; only its replay is lost.  The key stays reserved, so a retry is
         * refused rather than run twice. */
        fprintf(stderr, "braid serve: %s %s: cannot store the Idempotency-Key's response: %s\n",
                req->method_name, req->path, state->err.message);
    }
}

/* Decides the answer 413: the body kept so far is dropped, and what is still to come will be. */
static void
refuse_too_big(struct request_state *state)
{
    state->too_big = true;
    free(state->body);
    state->body = NULL;
    state->body_len = state->body_cap = 0;
    response_cleanup(&state->early);
    reply_too_big(&state->early);
    state->decided = true;
}

/* Takes the next n bytes of the body.  Past HTTP_BODY_MAX the answer is 413, whatever the headers
 * decided: libmicrohttpd 0.9.75 queues no response while a body is still arriving (it would
 * close the connection instead, and the client would never see why), so the rest is read and
 * dropped, never held, and the 413 goes out when the body ends.  A body sent chunked declares
 * no end: past HTTP_BODY_DRAIN_MAX this returns false, and the connection is closed rather than
 * read for as long as the client sends. */
static bool
body_take(struct request_state *state, const char *data, size_t n)
{
    if (n > HTTP_BODY_DRAIN_MAX - state->body_seen)
        return false;
    state->body_seen += n;
    if (state->too_big)
        return true;
    if (state->body_seen > HTTP_BODY_MAX) {
        refuse_too_big(state);
        return true;
    }
    if (state->decided)
        return true;
    xgrow(&state->body, &state->body_cap, state->body_len + n + 1, 1);
    memcpy(state->body + state->body_len, data, n);
    state->body_len += n;
    state->body[state->body_len] = '\0';
    return true;
}

/* ---- answers held until durable ----------------------------------------------------------- */

/* Holds res (taken) until commit is on disk: suspends the connection and hands it to the syncer
 * thread, which resumes it once the WAL is synced; on_request then sends it.  Once the server is
 * stopping, the worker waits for the sync itself and res stays the caller's to send: returns
 * whether res was held. */
static bool
hold_answer(struct http_server *server, struct request_state *state, struct http_response *res,
            uint64_t commit)
{
    pthread_mutex_lock(&server->held_lock);
    bool held = !server->held_stopping;
    if (held) {
        state->held = *res;
        response_init(res);
        state->held_commit = commit;
        state->answer_held = true;
        MHD_suspend_connection(state->req.connection);
        state->held_next = server->held;
        server->held = state;
        pthread_cond_signal(&server->held_wake);
    }
    pthread_mutex_unlock(&server->held_lock);
    if (held)
        return true;
    br_error_clear(&state->err);
    if (app_durable_wait(state->req.app, commit, &state->err) != 0) {
        response_cleanup(res);
        http_error_reply(&state->req, res, &state->err);
    }
    return false;
}

/* Sends the answer held for state, once the syncer resumed its connection: as it was, or, when
 * the sync failed, the failure (the change must not be reported made). */
static enum MHD_Result
held_send(struct MHD_Connection *connection, struct request_state *state)
{
    state->answer_held = false;
    if (state->held_rc != 0) {
        response_cleanup(&state->held);
        http_error_reply(&state->req, &state->held, &state->held_err);
    }
    enum MHD_Result ok = response_send(connection, &state->held, state->is_api);
    response_cleanup(&state->held);
    return ok;
}

/* The syncer thread: makes one sync for every answer held, then resumes their connections, until
 * the server stops with no answer held.  It waits through an app of its own, opened at its first
 * answer (a failure to open it fails the answers held, and is tried again for the next ones). */
static void *
syncer_main(void *arg)
{
    struct http_server *server = arg;
    struct app *app = NULL;

    pthread_mutex_lock(&server->held_lock);
    for (;;) {
        while (server->held == NULL && !server->held_stopping)
            pthread_cond_wait(&server->held_wake, &server->held_lock);
        struct request_state *answers = server->held;
        if (answers == NULL)
            break;
        server->held = NULL;
        pthread_mutex_unlock(&server->held_lock);

        struct br_error err;
        br_error_clear(&err);
        uint64_t commit = 0;
        for (struct request_state *a = answers; a != NULL; a = a->held_next)
            commit = a->held_commit > commit ? a->held_commit : commit;
        int rc = 0;
        if (app == NULL) {
            app = xcalloc(1, sizeof(*app));
            if ((rc = app_open(app, server->db_path, &err)) != 0) {
                free(app);
                app = NULL;
            }
        }
        if (rc == 0)
            rc = app_durable_wait(app, commit, &err);
        for (struct request_state *a = answers, *next; a != NULL; a = next) {
            next = a->held_next; /* a is the worker's again once resumed */
            a->held_rc = rc;
            a->held_err = err;
            MHD_resume_connection(a->req.connection);
        }
        pthread_mutex_lock(&server->held_lock);
    }
    pthread_mutex_unlock(&server->held_lock);
    if (app != NULL) {
        app_close(app);
        free(app);
    }
    return NULL;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
           const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct http_server *server = cls;
    struct request_state *state = *con_cls;
    struct http_response res;
    enum MHD_Result ok;

    (void)version;
    if (state == NULL) {
        state = xcalloc(1, sizeof(*state));
        *con_cls = state;
        response_init(&state->early);
        response_init(&state->held);
        state->path = xstrdup(url);
        client_address(connection, state->client, sizeof(state->client));
        state->req.connection = connection;
        state->req.server = server;
        state->req.path = state->path;
        state->req.method = http_method_parse(method);
        state->req.method_name = http_method_name(state->req.method);
        state->req.client = state->client;
        state->req.now = (int64_t)time(NULL);
        state->is_api =
            strncmp(url, API_PREFIX, strlen(API_PREFIX)) == 0 || strcmp(url, "/api") == 0;
        if (declared_over(connection, HTTP_BODY_MAX)) {
            /* Not sent yet, or too big to read through: refused before a byte of it is read. */
            if (waits_to_send(connection) || declared_over(connection, HTTP_BODY_DRAIN_MAX)) {
                response_init(&res);
                reply_too_big(&res);
                ok = response_send(connection, &res, state->is_api);
                response_cleanup(&res);
                return ok;
            }
            /* On its way: read and dropped, and refused once it ends (body_take). */
            refuse_too_big(state);
            return MHD_YES;
        }
        state->decided = decide_early(server, state);
        return MHD_YES;
    }

    if (state->answer_held)
        return held_send(connection, state);
    if (*upload_data_size > 0) {
        bool go_on = body_take(state, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return go_on ? MHD_YES : MHD_NO;
    }

    if (state->decided)
        return response_send(connection, &state->early, state->is_api);
    response_init(&res);
    state->req.body = state->body != NULL ? state->body : "";
    state->req.body_len = state->body_len;
    if (!state->is_api) {
        http_static_serve(&state->req, &res, server->web_root);
    } else {
        app_durability_deferred(state->req.app, true);
        run_handler(state, &res);
        app_durability_deferred(state->req.app, false);
        uint64_t commit = app_durable_pending(state->req.app);
        if (commit != 0 && hold_answer(server, state, &res, commit))
            return MHD_YES;
    }
    ok = response_send(connection, &res, state->is_api);
    response_cleanup(&res);
    return ok;
}

static void
on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)connection;
    (void)toe;
    state_free(*con_cls);
    *con_cls = NULL;
}

/* ---- start and stop ------------------------------------------------------------------------- */

int
http_listen_parse(const char *text, struct sockaddr_storage *addr, socklen_t *len,
                  struct br_error *err)
{
    char host[INET6_ADDRSTRLEN + 2];
    const char *colon;
    const char *port_text;
    size_t host_len;

    memset(addr, 0, sizeof(*addr));
    if (text == NULL || text[0] == '\0')
        return br_error_set(err, BR_EINVAL, "--listen needs ADDRESS:PORT");
    if (text[0] == '[') {
        const char *close_bracket = strchr(text, ']');
        if (close_bracket == NULL || close_bracket[1] != ':')
            return br_error_set(err, BR_EINVAL, "--listen %s: write an IPv6 address as [::1]:8080",
                                text);
        host_len = (size_t)(close_bracket - text - 1);
        if (host_len >= sizeof(host))
            return br_error_set(err, BR_EINVAL, "--listen %s: the address is too long", text);
        memcpy(host, text + 1, host_len);
        port_text = close_bracket + 2;
    } else {
        colon = strrchr(text, ':');
        if (colon == NULL)
            return br_error_set(err, BR_EINVAL, "--listen %s: expected ADDRESS:PORT", text);
        host_len = (size_t)(colon - text);
        if (host_len >= sizeof(host))
            return br_error_set(err, BR_EINVAL, "--listen %s: the address is too long", text);
        memcpy(host, text, host_len);
        port_text = colon + 1;
        if (memchr(host, ':', host_len) != NULL)
            return br_error_set(err, BR_EINVAL, "--listen %s: write an IPv6 address as [::1]:8080",
                                text);
    }
    host[host_len] = '\0';

    char *end = NULL;
    errno = 0;
    long port = strtol(port_text, &end, 10);
    if (errno != 0 || end == port_text || *end != '\0' || port < 1 || port > 65535)
        return br_error_set(err, BR_EINVAL, "--listen %s: the port must be 1 to 65535", text);
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");

    struct sockaddr_in *in4 = (struct sockaddr_in *)(void *)addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)addr;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        *len = sizeof(*in4);
        return 0;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*in6);
        return 0;
    }
    return br_error_set(err, BR_EINVAL,
                        "--listen %s: '%s' is not an IP address (host names are not looked up)",
                        text, host);
}

int
http_server_start(const struct http_server_options *options, struct http_server **out,
                  struct br_error *err)
{
    struct http_server *server = NULL;
    struct sockaddr_storage addr;
    socklen_t addr_len = 0;
    int rc;

    *out = NULL;
    if ((rc = http_listen_parse(options->listen, &addr, &addr_len, err)) != 0)
        goto out;
    if (options->threads < 1 || options->threads > HTTP_MAX_THREADS) {
        rc = br_error_set(err, BR_EINVAL, "--threads must be 1 to %d", HTTP_MAX_THREADS);
        goto out;
    }
    server = xcalloc(1, sizeof(*server));
    server->generation = atomic_fetch_add(&server_generations, 1) + 1;
    server->db_path = xstrdup(options->db_path);
    server->web_root = xstrdup(options->web_root);
    pthread_mutex_init(&server->apps_lock, NULL);
    pthread_mutex_init(&server->held_lock, NULL);
    pthread_cond_init(&server->held_wake, NULL);
    if (pthread_create(&server->syncer, NULL, syncer_main, server) != 0) {
        rc = br_error_set(err, BR_EIO, "cannot start the thread that syncs the changes");
        goto out;
    }
    server->syncer_started = true;
    if (login_limits_init(&server->limits) != 0) {
        rc = br_error_set(err, BR_EIO, "cannot set up the sign-in limits");
        goto out;
    }
    server->limits_ready = true;

    unsigned int flags =
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    server->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, server, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)options->threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)HTTP_CONNECTION_TIMEOUT_SECONDS, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)HTTP_CONNECTION_LIMIT, MHD_OPTION_NOTIFY_COMPLETED, on_completed, server,
        MHD_OPTION_END);
    if (server->daemon == NULL) {
        rc = br_error_set(err, BR_EIO, "cannot listen on %s (is the address in use?)",
                          options->listen);
        goto out;
    }
    *out = server;
    server = NULL;
    rc = 0;
out:
    http_server_stop(server);
    return rc;
}

void
http_server_stop(struct http_server *server)
{
    if (server == NULL)
        return;
    /* No connection may be suspended when the daemon stops: the syncer resumes every answer
     * held before it ends, and from then on the workers wait for their syncs themselves. */
    if (server->syncer_started) {
        pthread_mutex_lock(&server->held_lock);
        server->held_stopping = true;
        pthread_cond_signal(&server->held_wake);
        pthread_mutex_unlock(&server->held_lock);
        pthread_join(server->syncer, NULL);
    }
    /* Joins the workers: after this no thread uses an app. */
    if (server->daemon != NULL)
        MHD_stop_daemon(server->daemon);
    for (size_t i = 0; i < server->n_apps; i++) {
        app_close(server->apps[i]);
        free(server->apps[i]);
    }
    free(server->apps);
    if (server->limits_ready)
        login_limits_cleanup(&server->limits);
    pthread_mutex_destroy(&server->apps_lock);
    pthread_mutex_destroy(&server->held_lock);
    pthread_cond_destroy(&server->held_wake);
    free(server->db_path);
    free(server->web_root);
    free(server);
}
