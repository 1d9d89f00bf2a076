/* api_harness.h — what an HTTP API test needs: the real `braid serve` ($BRAID, default
 * build/braid) on 127.0.0.1, a random free port, over a temporary database, spoken to with
 * libcurl.  Every wait is bounded.
 *
 * A test group uses it in this order:
 *     harness_open()                     a fresh temporary directory, curl initialised
 *     harness_fresh_db(agency, email)    braid init, agency add, user add, token create → S.bearer
 *       (or run_braid() for anything else: demo people, more users, more tokens)
 *     server_start()                     braid serve, waited for until /api/v1/healthz answers
 *     ... send_request(), GET(), POST(), expect_status(), expect_error(), expect_field() ...
 *     harness_stop()                     SIGTERM; fails unless braid exits 0 with no sanitizer
 *     harness_close()                    kills a server still running, removes the directory
 * (harness_group_start and harness_group_teardown do the first three and the last for a group
 * that needs nothing more.)
 *
 * The functions are static inline so that a test that does not use one is not warned about it;
 * the state is one static struct server S per test binary. */
#ifndef BRAID_API_HARNESS_H
#define BRAID_API_HARNESS_H

#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <dirent.h>
#include <jansson.h>

#include "core/mem.h"

/* A test may define these before including the harness. */
#ifndef TODAY
#define TODAY "2026-11-23" /* BRAID_TODAY for every braid the harness runs */
#endif
#ifndef PASSWORD
#define PASSWORD "correct horse battery staple"
#endif
#ifndef THREADS
#define THREADS "4" /* braid serve --threads */
#endif

#define PORT_MIN 20000
#define PORT_SPAN 40000
#define PORT_ATTEMPTS 12
#define READY_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS 30000
#define REQUEST_TIMEOUT_S 60L
#define POLL_MS 50
#define HEADER_VALUE_MAX 512

/* The exit status a sanitizer-built braid is told to use for its reports. */
#define SANITIZER_EXIT_TEXT "86"

struct server {
    char dir[64];
    char db[128];
    char log[128];
    char base[64];
    char bearer[256]; /* "Authorization: Bearer ..." */
    pid_t pid;
    int port;
};

static struct server S;

/* ---- processes ------------------------------------------------------------------------------ */

static inline const char *
braid_path(void)
{
    const char *path = getenv("BRAID");
    return path != NULL && path[0] != '\0' ? path : "build/braid";
}

static inline void
child_environment(void)
{
    setenv("BRAID_TODAY", TODAY, 1);
    unsetenv("BRAID_DB");
    unsetenv("BRAID_CATALOG");
    unsetenv("BRAID_WEB");
    setenv("ASAN_OPTIONS", "detect_leaks=1:exitcode=" SANITIZER_EXIT_TEXT, 1);
    setenv("UBSAN_OPTIONS", "print_stacktrace=1:exitcode=" SANITIZER_EXIT_TEXT, 1);
}

/* The whole file (free it); an empty string when it cannot be read. */
static inline char *
read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 4096, n = 0, got;
    char *buf = xmalloc(cap);

    if (f == NULL) {
        buf[0] = '\0';
        return buf;
    }
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Runs braid with args (NULL-terminated, after "braid") and input on stdin; returns its exit
 * status, and what it printed in *out (free it) when out is not NULL.  Its stderr goes to the
 * server log.  Not for use from several threads at once (one stdin/stdout file pair). */
static inline int
run_braid(const char *const *args, const char *input, char **out)
{
    char in_path[160], out_path[160];
    const char *argv[24];
    size_t n = 0;
    int status;

    snprintf(in_path, sizeof(in_path), "%s/stdin", S.dir);
    snprintf(out_path, sizeof(out_path), "%s/stdout", S.dir);
    FILE *f = fopen(in_path, "w");
    assert_non_null(f);
    fputs(input != NULL ? input : "", f);
    fclose(f);
    argv[n++] = braid_path();
    for (size_t i = 0; args[i] != NULL && n < 23; i++)
        argv[n++] = args[i];
    argv[n] = NULL;

    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open(in_path, O_RDONLY);
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(S.log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (in < 0 || o < 0 || e < 0)
            _exit(126);
        dup2(in, STDIN_FILENO);
        dup2(o, STDOUT_FILENO);
        dup2(e, STDERR_FILENO);
        child_environment();
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (out != NULL)
        *out = read_file(out_path);
    unlink(in_path);
    unlink(out_path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static inline void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static inline double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- HTTP ----------------------------------------------------------------------------------- */

struct reply {
    long status;
    char *body;
    size_t len;
    char *headers; /* of the last response (a 100 Continue before it is dropped) */
    size_t hlen;
    json_t *json; /* the body parsed, or NULL */
};

static inline size_t
on_body(char *data, size_t size, size_t count, void *ctx)
{
    struct reply *r = ctx;
    size_t n = size * count;
    r->body = xrealloc(r->body, r->len + n + 1);
    memcpy(r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = '\0';
    return n;
}

static inline size_t
on_header(char *data, size_t size, size_t count, void *ctx)
{
    struct reply *r = ctx;
    size_t n = size * count;
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        r->hlen = 0;
    r->headers = xrealloc(r->headers, r->hlen + n + 1);
    memcpy(r->headers + r->hlen, data, n);
    r->hlen += n;
    r->headers[r->hlen] = '\0';
    return n;
}

static inline void
reply_free(struct reply *r)
{
    free(r->body);
    free(r->headers);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

/* The value of a response header (case-insensitive name) copied into buf, or NULL. */
static inline const char *
header(const struct reply *r, const char *name, char *buf, size_t size)
{
    size_t n = strlen(name);
    for (const char *line = r->headers; line != NULL && *line != '\0';) {
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t len = strcspn(v, "\r\n");
            if (len >= size)
                len = size - 1;
            memcpy(buf, v, len);
            buf[len] = '\0';
            return buf;
        }
        const char *next = strchr(line, '\n');
        line = next != NULL ? next + 1 : NULL;
    }
    return NULL;
}

/* Sends one request.  The variadic arguments are header lines ("Name: value"), NULL-ended; two
 * pseudo headers steer the client: "X-Test-Source: ADDRESS" binds the local address, and a body
 * gets Content-Type: application/json unless a Content-Type is given.  handle may be NULL (a
 * fresh connection). */
static inline void
send_request_v(struct reply *r, CURL *handle, const char *method, const char *path,
               const char *body, size_t body_len, va_list ap)
{
    char url[512], source[64] = "";
    struct curl_slist *headers = NULL;
    bool has_type = false;
    CURL *h = handle != NULL ? handle : curl_easy_init();
    const char *line;

    assert_non_null(h);
    memset(r, 0, sizeof(*r));
    while ((line = va_arg(ap, const char *)) != NULL) {
        if (strncmp(line, "X-Test-Source: ", 15) == 0) {
            snprintf(source, sizeof(source), "host!%s", line + 15);
            continue;
        }
        if (strncasecmp(line, "Content-Type:", 13) == 0)
            has_type = true;
        headers = curl_slist_append(headers, line);
    }
    if (body != NULL && !has_type)
        headers = curl_slist_append(headers, "Content-Type: application/json");
    snprintf(url, sizeof(url), "%s%s", S.base, path);
    curl_easy_reset(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    if (body != NULL) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    if (source[0] != '\0')
        curl_easy_setopt(h, CURLOPT_INTERFACE, source);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    else
        r->status = -(long)rc;
    if (handle == NULL)
        curl_easy_cleanup(h);
    if (r->body != NULL)
        r->json = json_loadb(r->body, r->len, 0, NULL);
}

/* method path with body (NULL: none) and header lines, NULL-ended; see send_request_v. */
static inline void
send_request(struct reply *r, CURL *handle, const char *method, const char *path, const char *body,
             ...)
{
    va_list ap;
    va_start(ap, body);
    send_request_v(r, handle, method, path, body, body != NULL ? strlen(body) : 0, ap);
    va_end(ap);
}

/* The same with a body of len bytes (which may hold NULs or bad UTF-8). */
static inline void
send_bytes(struct reply *r, const char *method, const char *path, const char *body, size_t len, ...)
{
    va_list ap;
    va_start(ap, len);
    send_request_v(r, NULL, method, path, body, len, ap);
    va_end(ap);
}

/* Shorthands with the API token. */
#define GET(r, path) send_request((r), NULL, "GET", (path), NULL, S.bearer, NULL)
#define POST(r, path, body) send_request((r), NULL, "POST", (path), (body), S.bearer, NULL)

static inline void
expect_status(const struct reply *r, long status)
{
    if (r->status != status)
        fail_msg("expected HTTP %ld, got %ld: %s", status, r->status,
                 r->body != NULL ? r->body : "(no body)");
}

/* The response is status with the one error shape, and the machine code code. */
static inline void
expect_error(const struct reply *r, long status, const char *code)
{
    expect_status(r, status);
    json_t *error = json_object_get(r->json, "error");
    if (!json_is_object(error))
        fail_msg("no error object in: %s", r->body != NULL ? r->body : "(no body)");
    assert_string_equal(json_string_value(json_object_get(error, "code")), code);
    assert_true(json_is_string(json_object_get(error, "message")));
    json_t *fields = json_object_get(error, "fields");
    assert_true(json_is_array(fields));
    for (size_t i = 0; i < json_array_size(fields); i++) {
        json_t *f = json_array_get(fields, i);
        assert_true(json_is_string(json_object_get(f, "field")));
        assert_true(json_is_string(json_object_get(f, "problem")));
    }
}

/* The header name is the same in both replies, or absent from both. */
static inline void
expect_same_header(const struct reply *first, const struct reply *again, const char *name)
{
    char a[HEADER_VALUE_MAX], b[HEADER_VALUE_MAX];
    const char *had = header(first, name, a, sizeof(a));
    const char *has = header(again, name, b, sizeof(b));

    if ((had == NULL) != (has == NULL) || (had != NULL && strcmp(had, has) != 0))
        fail_msg("%s: the first answer had %s, the second %s", name, had != NULL ? had : "none",
                 has != NULL ? has : "none");
}

static inline bool
has_field(const struct reply *r, const char *name)
{
    json_t *fields = json_object_get(json_object_get(r->json, "error"), "fields");
    for (size_t i = 0; i < json_array_size(fields); i++) {
        const char *field = json_string_value(json_object_get(json_array_get(fields, i), "field"));
        if (field != NULL && strcmp(field, name) == 0)
            return true;
    }
    return false;
}

static inline void
expect_field(const struct reply *r, const char *name)
{
    if (!has_field(r, name))
        fail_msg("no problem reported for field \"%s\": %s", name, r->body);
}

static inline int64_t
json_id(const struct reply *r)
{
    json_t *id = json_object_get(r->json, "id");
    if (!json_is_integer(id))
        fail_msg("no numeric id in: %s", r->body != NULL ? r->body : "(no body)");
    return json_integer_value(id);
}

/* ---- the server ----------------------------------------------------------------------------- */

static inline bool
server_ready(void)
{
    struct reply r;
    char url[128];
    CURL *h = curl_easy_init();
    long status = 0;

    memset(&r, 0, sizeof(r));
    snprintf(url, sizeof(url), "%s/api/v1/healthz", S.base);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 1000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    reply_free(&r);
    return status == 200;
}

/* Starts braid serve over S.db on a random free port (bind failures are retried on another) and
 * waits until it answers /api/v1/healthz; 0, or -1 (the reason is in S.log). */
static inline int
server_start(void)
{
    char listen[64];

    for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
        S.port = PORT_MIN + (int)(random() % PORT_SPAN);
        snprintf(listen, sizeof(listen), "127.0.0.1:%d", S.port);
        snprintf(S.base, sizeof(S.base), "http://127.0.0.1:%d", S.port);
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0)
            return -1;
        if (pid == 0) {
            int in = open("/dev/null", O_RDONLY);
            int log = open(S.log, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (in < 0 || log < 0)
                _exit(126);
            dup2(in, STDIN_FILENO);
            dup2(log, STDOUT_FILENO);
            dup2(log, STDERR_FILENO);
            child_environment();
            execl(braid_path(), braid_path(), "serve", "--listen", listen, "--db", S.db,
                  "--threads", THREADS, (char *)NULL);
            _exit(127);
        }
        S.pid = pid;
        for (double start = now_ms(); now_ms() - start < READY_TIMEOUT_MS;) {
            int status;
            if (waitpid(pid, &status, WNOHANG) == pid) {
                S.pid = 0;
                break; /* most likely the port was taken: try another */
            }
            if (server_ready())
                return 0;
            sleep_ms(POLL_MS);
        }
        if (S.pid != 0) {
            kill(S.pid, SIGKILL);
            waitpid(S.pid, NULL, 0);
            S.pid = 0;
        }
    }
    return -1;
}

/* Stops the server with SIGTERM and fails the test unless it exits with status 0 within
 * STOP_TIMEOUT_MS, says "stopped", and logged no sanitizer report. */
static inline void
harness_stop(void)
{
    int status = 0;
    pid_t done = 0;

    assert_true(S.pid > 0);
    assert_int_equal(kill(S.pid, SIGTERM), 0);
    for (double start = now_ms(); now_ms() - start < STOP_TIMEOUT_MS;) {
        done = waitpid(S.pid, &status, WNOHANG);
        if (done == S.pid)
            break;
        sleep_ms(POLL_MS);
    }
    if (done != S.pid)
        fail_msg("braid serve did not stop within %d ms of SIGTERM", STOP_TIMEOUT_MS);
    S.pid = 0;
    char *log = read_file(S.log);
    if (strstr(log, "runtime error") != NULL || strstr(log, "Sanitizer") != NULL)
        fail_msg("braid reported a sanitizer error:\n%s", log);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("braid serve exited with %d:\n%s",
                 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), log);
    assert_non_null(strstr(log, "stopped"));
    free(log);
}

static inline void
remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    char path[512];

    if (d == NULL)
        return;
    while ((entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* A fresh temporary directory for the database and the log, and curl initialised; 0 or -1. */
static inline int
harness_open(void)
{
    signal(SIGPIPE, SIG_IGN);
    srandom((unsigned)(time(NULL) ^ getpid()));
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return -1;
    memset(&S, 0, sizeof(S));
    snprintf(S.dir, sizeof(S.dir), "/tmp/braid-api-XXXXXX");
    if (mkdtemp(S.dir) == NULL)
        return -1;
    snprintf(S.db, sizeof(S.db), "%s/braid.db", S.dir);
    snprintf(S.log, sizeof(S.log), "%s/serve.log", S.dir);
    return 0;
}

/* Prints the log (setup failed) and returns -1, for a group setup to return. */
static inline int
harness_failed(const char *what)
{
    char *log = read_file(S.log);
    fprintf(stderr, "%s:\n%s\n", what, log);
    free(log);
    return -1;
}

/* Adds an agency (braid agency add); 0 or -1. */
static inline int
harness_agency(const char *code, const char *name)
{
    const char *args[] = {"agency", "add", "--code", code, "--name", name, "--db", S.db, NULL};
    return run_braid(args, NULL, NULL) == 0 ? 0 : -1;
}

/* Adds a user with PASSWORD (braid user add) and, when bearer is not NULL, creates an API token
 * for them and writes "Authorization: Bearer TOKEN" into bearer; 0 or -1. */
static inline int
harness_user(const char *email, const char *role, const char *agency, char *bearer, size_t size)
{
    const char *user[] = {"user",   "add", "--email",  email,  "--name",           email,
                          "--role", role,  "--agency", agency, "--password-stdin", "--db",
                          S.db,     NULL};
    const char *token_args[] = {"token",    "create", "--email", email, "--label",
                                "api test", "--db",   S.db,      NULL};
    char *token = NULL;

    if (run_braid(user, PASSWORD "\n", NULL) != 0)
        return -1;
    if (bearer == NULL)
        return 0;
    if (run_braid(token_args, NULL, &token) != 0) {
        free(token);
        return -1;
    }
    token[strcspn(token, "\r\n")] = '\0';
    snprintf(bearer, size, "Authorization: Bearer %s", token);
    free(token);
    return 0;
}

/* A fresh database (braid init) with one agency and one case manager in it, whose API token is
 * S.bearer; 0 or -1 (the reason is in S.log). */
static inline int
harness_fresh_db(const char *agency, const char *email)
{
    const char *init[] = {"init", "--db", S.db, NULL};

    if (run_braid(init, NULL, NULL) != 0 || harness_agency(agency, agency) != 0 ||
        harness_user(email, "case_manager", agency, S.bearer, sizeof(S.bearer)) != 0)
        return -1;
    return 0;
}

/* Kills a server still running (a test failed before harness_stop), removes the directory. */
static inline void
harness_close(void)
{
    if (S.pid > 0) {
        kill(S.pid, SIGKILL);
        waitpid(S.pid, NULL, 0);
        S.pid = 0;
    }
    remove_tree(S.dir);
    curl_global_cleanup();
}

/* A group's whole set-up when it needs nothing more than one agency and its case manager
 * (harness_open, harness_fresh_db, server_start); 0, or -1 with the log printed. */
static inline int
harness_group_start(const char *agency, const char *email)
{
    if (harness_open() != 0)
        return -1;
    if (harness_fresh_db(agency, email) != 0)
        return harness_failed("setting the database up failed");
    if (server_start() != 0)
        return harness_failed("braid serve did not start");
    return 0;
}

/* A group's teardown (harness_close), for cmocka_run_group_tests. */
static inline int
harness_group_teardown(void **state)
{
    (void)state;
    harness_close();
    return 0;
}

#endif
