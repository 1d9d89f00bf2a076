/* test_exits_cli.c — `braid exits` as a user runs it: the real binary ($BRAID, default
 * build/braid) on temporary input files, its JSON Lines output parsed back with jansson. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "core/mem.h"

/* The exit status a sanitizer-built braid is told to use for its reports (run_braid). */
#define SANITIZER_EXIT 86
#define SANITIZER_EXIT_TEXT "86"

struct run {
    int status;      /* exit status, or 128 + signal */
    char *out;       /* everything written to stdout, NUL-terminated */
    size_t out_len;
    char *err;       /* everything written to stderr */
    long maxrss_kb;  /* peak resident memory of the process */
    json_t *lines;   /* stdout parsed: one JSON value per line */
};

static const char *
braid_path(void)
{
    const char *path = getenv("BRAID");
    return path != NULL && path[0] != '\0' ? path : "build/braid";
}

static char *
temp_path(void)
{
    const char *dir = getenv("TMPDIR");
    char *path = xmalloc(4096);
    snprintf(path, 4096, "%s/braid-cli-XXXXXX", dir != NULL && dir[0] != '\0' ? dir : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return path;
}

/* Writes len bytes to a new temporary file; the caller unlinks and frees the path. */
static char *
write_temp(const char *text, size_t len)
{
    char *path = temp_path();
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static char *
read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 4096, n = 0, got;
    char *buf = xmalloc(cap);

    assert_non_null(f);
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Parses every line of stdout; a line that is not JSON fails the test. */
static json_t *
parse_lines(const char *out)
{
    json_t *lines = json_array();
    const char *p = out;

    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        json_error_t jerr;
        assert_non_null(nl); /* every line ends with a newline */
        json_t *value = json_loadb(p, (size_t)(nl - p), 0, &jerr);
        if (value == NULL)
            fail_msg("output line is not JSON (%s): %.*s", jerr.text, (int)(nl - p), p);
        json_array_append_new(lines, value);
        p = nl + 1;
    }
    return lines;
}

/* Runs braid with args (NULL-terminated, after "braid"), standard input from stdin_path (NULL
 * for /dev/null), and collects what it printed. */
static void
run_braid(struct run *r, const char *stdin_path, const char *const *args)
{
    char *out_path = temp_path(), *err_path = temp_path();
    const char *argv[32];
    size_t n = 0;
    struct rusage usage;
    int wstatus;
    pid_t pid;

    argv[n++] = braid_path();
    while (args[n - 1] != NULL && n < 31) {
        argv[n] = args[n - 1];
        n++;
    }
    argv[n] = NULL;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open(stdin_path != NULL ? stdin_path : "/dev/null", O_RDONLY);
        int out = open(out_path, O_WRONLY | O_TRUNC);
        int err = open(err_path, O_WRONLY | O_TRUNC);
        if (in < 0 || out < 0 || err < 0)
            _exit(126);
        dup2(in, STDIN_FILENO);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        /* The default catalog (next to the binary) keeps runs alike; ASan's quarantine would
         * otherwise hide whether memory stays flat across lines. */
        unsetenv("BRAID_CATALOG");
        setenv("ASAN_OPTIONS",
               "quarantine_size_mb=0:detect_leaks=1:exitcode=" SANITIZER_EXIT_TEXT, 1);
        setenv("UBSAN_OPTIONS", "print_stacktrace=1:exitcode=" SANITIZER_EXIT_TEXT, 1);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    assert_int_equal(wait4(pid, &wstatus, 0, &usage), pid);
    r->status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    r->maxrss_kb = usage.ru_maxrss;
    if (r->status == 127)
        fail_msg("cannot run %s (set BRAID to the braid binary)", argv[0]);
    r->out = read_all(out_path, &r->out_len);
    size_t err_len;
    r->err = read_all(err_path, &err_len);
    r->lines = NULL;
    unlink(out_path);
    unlink(err_path);
    free(out_path);
    free(err_path);
    /* A sanitizer report is a failure whatever the exit status says. */
    if (r->status == SANITIZER_EXIT || strstr(r->err, "runtime error") != NULL ||
        strstr(r->err, "Sanitizer") != NULL)
        fail_msg("braid reported a sanitizer error:\n%s", r->err);
}

static void
run_cleanup(struct run *r)
{
    free(r->out);
    free(r->err);
    json_decref(r->lines);
    memset(r, 0, sizeof(*r));
}

/* Runs `braid exits --input FILE --as-of as_of` on text, and parses the output. */
static void
run_exits(struct run *r, const char *text, const char *as_of)
{
    char *path = write_temp(text, strlen(text));
    const char *args[] = {"exits", "--input", path, "--as-of", as_of, NULL};

    run_braid(r, NULL, args);
    unlink(path);
    free(path);
    r->lines = parse_lines(r->out);
}

static json_t *
line(const struct run *r, size_t i)
{
    json_t *value = json_array_get(r->lines, i);
    if (value == NULL)
        fail_msg("no output line %zu (got %zu)", i + 1, json_array_size(r->lines));
    return value;
}

static const char *
str(json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    if (!json_is_string(value))
        fail_msg("\"%s\" is not a string", key);
    return json_string_value(value);
}

/* The period of program number n (1-based) in an output line, or NULL. */
static json_t *
period_of(json_t *person, const char *program, int n)
{
    size_t i;
    json_t *p;

    json_array_foreach(json_object_get(person, "periods"), i, p) {
        if (strcmp(str(p, "program"), program) == 0 &&
            json_integer_value(json_object_get(p, "period")) == n)
            return p;
    }
    fail_msg("no %s period %d", program, n);
    return NULL;
}

/* Asserts an error line: its line number, code and (when field is not NULL) a field. */
static void
assert_error_line(json_t *out, long line_no, const char *code, const char *field,
                  const char *problem)
{
    json_t *error = json_object_get(out, "error");
    size_t i;
    json_t *f;

    assert_non_null(error);
    assert_int_equal(json_integer_value(json_object_get(out, "line")), line_no);
    assert_string_equal(str(error, "code"), code);
    assert_true(json_is_string(json_object_get(error, "message")));
    assert_true(json_is_array(json_object_get(error, "fields")));
    if (field == NULL)
        return;
    json_array_foreach(json_object_get(error, "fields"), i, f) {
        if (strcmp(str(f, "field"), field) == 0 && strstr(str(f, "problem"), problem) != NULL)
            return;
    }
    fail_msg("line %ld: no field %s with \"%s\"", line_no, field, problem);
}

#define ENROLL(program, date) "{\"program\": \"" program "\", \"eligibility_date\": \"" date "\"}"
#define SERVICE(program, code, start, end)                                                      \
    "{\"program\": \"" program "\", \"code\": \"" code "\", \"start_date\": \"" start             \
    "\", \"end_date\": \"" end "\"}"

/* A WP + ADULT co-enrollment, active as of 2026-11-23: L = 2026-11-02. */
#define PERSON_ACTIVE                                                                           \
    "{\"id\": \"A-1\", \"enrollments\": [" ENROLL("WP", "2026-08-03") ", " ENROLL(             \
        "ADULT", "2026-08-10") "], \"services\": [" SERVICE("WP", "STAFF_JOB_SEARCH",         \
                                                            "2026-08-03", "2026-08-03") ", "   \
        SERVICE("ADULT", "INITIAL_ASSESSMENT", "2026-08-10", "2026-08-10") ", " SERVICE(        \
            "WP", "JOB_REFERRAL", "2026-11-02", "2026-11-02") "]}"

/* RULES.md §4's example: L = 2026-01-10, soft exit determined 2026-04-11, exit date L. */
#define PERSON_EXITED                                                                           \
    "{\"id\": 77, \"enrollments\": [" ENROLL("DW", "2026-01-05") "], \"services\": [" SERVICE(  \
        "DW", "CASE_MANAGEMENT", "2026-01-05", "2026-01-10") "]}"

/* ---- good lines ------------------------------------------------------------------------------ */

static void
test_good_lines(void **state)
{
    struct run r;
    json_t *out, *p;

    (void)state;
    run_exits(&r, PERSON_ACTIVE "\n" PERSON_EXITED "\n", "2026-11-23");
    assert_int_equal(r.status, 0);
    assert_int_equal(json_array_size(r.lines), 2);

    out = line(&r, 0);
    assert_string_equal(str(out, "id"), "A-1");
    assert_string_equal(str(out, "as_of"), "2026-11-23");
    assert_null(json_object_get(out, "error"));
    assert_int_equal(json_array_size(json_object_get(out, "periods")), 2);
    assert_true(json_is_array(json_object_get(out, "stale_open_services")));
    p = period_of(out, "ADULT", 1);
    assert_string_equal(str(p, "status"), "active");
    assert_string_equal(str(p, "entry_date"), "2026-08-10");
    assert_string_equal(str(p, "last_service_date"), "2026-11-02");
    assert_true(json_is_null(json_object_get(p, "exit_date")));
    assert_true(json_is_null(json_object_get(p, "held_by")));
    /* L + 91 = 2027-02-01, 70 days after the as-of date. */
    assert_string_equal(str(p, "soft_exit_on"), "2027-02-01");
    assert_int_equal(json_integer_value(json_object_get(p, "days_remaining")), 70);
    assert_true(strlen(str(p, "explanation")) > 0);
    p = period_of(out, "WP", 1);
    assert_string_equal(str(p, "entry_date"), "2026-08-03");
    assert_string_equal(str(p, "soft_exit_on"), "2027-02-01");

    out = line(&r, 1);
    assert_int_equal(json_integer_value(json_object_get(out, "id")), 77);
    p = period_of(out, "DW", 1);
    assert_string_equal(str(p, "status"), "exited");
    assert_string_equal(str(p, "exit_date"), "2026-01-10");
    assert_string_equal(str(p, "soft_exit_on"), "2026-04-11");
    assert_int_equal(json_integer_value(json_object_get(p, "days_remaining")), 0);
    run_cleanup(&r);
}

static void
test_holds(void **state)
{
    struct run r;
    json_t *p;

    (void)state;
    run_exits(&r,
              /* an open training service */
              "{\"id\": \"open\", \"enrollments\": [" ENROLL("ADULT", "2026-05-04") "], "
              "\"services\": [{\"program\": \"ADULT\", \"code\": \"OCCUPATIONAL_TRAINING\", "
              "\"start_date\": \"2026-06-01\", \"projected_end_date\": \"2027-02-26\"}]}\n"
              /* a service scheduled after the date */
              "{\"id\": \"future\", \"enrollments\": [" ENROLL("ADULT", "2026-11-02") "], "
              "\"services\": [" SERVICE("ADULT", "INITIAL_ASSESSMENT", "2026-11-02",
                                        "2026-11-02") ", "
              "{\"program\": \"ADULT\", \"code\": \"OJT\", \"start_date\": \"2027-01-11\"}]}\n"
              /* a youth: COA, then tutoring, then a planned gap past L + 91 */
              "{\"id\": \"gap\", \"enrollments\": [" ENROLL("YOUTH", "2026-01-12") "], "
              "\"services\": [" SERVICE("YOUTH", "OBJECTIVE_ASSESSMENT", "2026-01-20",
                                        "2026-01-20") ", "
              SERVICE("YOUTH", "TUTORING", "2026-02-10", "2026-07-31") "], "
              "\"gaps\": [{\"program\": \"YOUTH\", \"start_date\": \"2026-08-17\", "
              "\"planned_end_date\": \"2026-12-18\", \"reason\": \"TRAINING_DELAY\"}]}\n"
              /* open past its projected end: counts as ended then, listed as stale */
              "{\"id\": \"stale\", \"enrollments\": [" ENROLL("ADULT", "2026-03-02") "], "
              "\"services\": [" SERVICE("ADULT", "INITIAL_ASSESSMENT", "2026-03-02",
                                        "2026-03-02") ", "
              "{\"program\": \"ADULT\", \"code\": \"OJT\", \"start_date\": \"2026-04-06\", "
              "\"end_date\": null, \"projected_end_date\": \"2026-09-30\"}]}\n",
              "2026-11-23");
    assert_int_equal(r.status, 0);
    assert_int_equal(json_array_size(r.lines), 4);

    p = period_of(line(&r, 0), "ADULT", 1);
    assert_string_equal(str(p, "held_by"), "open_service");
    assert_true(json_is_null(json_object_get(p, "soft_exit_on")));
    assert_true(json_is_null(json_object_get(p, "days_remaining")));

    p = period_of(line(&r, 1), "ADULT", 1);
    assert_string_equal(str(p, "held_by"), "future_service");
    assert_true(json_is_null(json_object_get(p, "soft_exit_on")));

    p = period_of(line(&r, 2), "YOUTH", 1);
    assert_string_equal(str(p, "status"), "active");
    assert_string_equal(str(p, "held_by"), "planned_gap");
    assert_string_equal(str(p, "soft_exit_on"), "2026-12-19");
    assert_int_equal(json_integer_value(json_object_get(p, "days_remaining")), 26);
    assert_string_equal(str(p, "entry_date"), "2026-01-20");

    p = period_of(line(&r, 3), "ADULT", 1);
    assert_string_equal(str(p, "last_service_date"), "2026-09-30");
    p = json_array_get(json_object_get(line(&r, 3), "stale_open_services"), 0);
    assert_non_null(p);
    assert_int_equal(json_integer_value(json_object_get(p, "index")), 1);
    assert_string_equal(str(p, "code"), "OJT");
    run_cleanup(&r);
}

static void
test_second_period(void **state)
{
    struct run r;
    json_t *p;

    (void)state;
    run_exits(&r,
              "{\"id\": \"again\", \"enrollments\": [" ENROLL("DW", "2025-03-03") "], "
              "\"services\": [" SERVICE("DW", "INITIAL_ASSESSMENT", "2025-03-03", "2025-03-03") ", "
              SERVICE("DW", "CAREER_COUNSELING", "2026-09-08", "2026-09-08") "]}\n",
              "2026-11-23");
    assert_int_equal(r.status, 0);
    p = period_of(line(&r, 0), "DW", 1);
    assert_string_equal(str(p, "status"), "exited");
    assert_string_equal(str(p, "exit_date"), "2025-03-03");
    p = period_of(line(&r, 0), "DW", 2);
    assert_string_equal(str(p, "status"), "active");
    assert_string_equal(str(p, "entry_date"), "2026-09-08");
    run_cleanup(&r);
}

/* The demo file runs clean: every line valid, one output line each. */
static void
test_examples_file(void **state)
{
    const char *args[] = {"exits", "--input", "examples/people.jsonl", "--as-of", "2026-11-23",
                          NULL};
    struct run r;
    size_t i;
    json_t *out;

    (void)state;
    if (access("examples/people.jsonl", R_OK) != 0)
        skip();
    run_braid(&r, NULL, args);
    r.lines = parse_lines(r.out);
    assert_int_equal(r.status, 0);
    assert_true(json_array_size(r.lines) >= 6);
    json_array_foreach(r.lines, i, out) {
        assert_null(json_object_get(out, "error"));
        assert_true(json_array_size(json_object_get(out, "periods")) > 0);
    }
    run_cleanup(&r);
}

/* ---- bad lines ------------------------------------------------------------------------------- */

static void
test_every_error_kind(void **state)
{
    struct run r;

    (void)state;
    run_exits(&r,
              PERSON_EXITED "\n"                                                      /* 1 */
              "\n"                                                                    /* 2 */
              "{\"id\": \"x\", \n"                                                    /* 3 */
              "   \t \r\n"                                                            /* 4 */
              "[\"not\", \"an\", \"object\"]\n"                                       /* 5 */
              "{\"id\": \"k\", \"services\": [" SERVICE("WP", "ORIENTATION", "2026-01-01",
                                                        "2026-01-01") ", "
              "{\"program\": \"WP\", \"code\": \"ORIENTATION\", \"start_date\": "
              "\"2026-01-01\", \"colour\": \"red\"}]}\n"                               /* 6 */
              "{\"id\": \"m\", \"services\": [{\"program\": \"WP\", \"code\": "
              "\"ORIENTATION\"}]}\n"                                                  /* 7 */
              "{\"id\": \"t\", \"enrollments\": {}}\n"                                /* 8 */
              "{\"id\": \"p\", \"services\": [" SERVICE("WP", "ORIENTATION", "2026-01-01",
                                                        "2026-01-01") ", "
              SERVICE("WP", "ORIENTATION", "2026-01-01", "2026-01-01") ", "
              SERVICE("FOO", "ORIENTATION", "2026-01-01", "2026-01-01") "]}\n"          /* 9 */
              "{\"id\": \"c\", \"services\": [" SERVICE("WP", "JUGGLING", "2026-01-01",
                                                        "2026-01-01") "]}\n"            /* 10 */
              "{\"id\": \"d\", \"services\": [" SERVICE("WP", "ORIENTATION", "2026-01-01",
                                                        "2026-01-01") ", "
              SERVICE("WP", "ORIENTATION", "2026-01-01", "2026-01-01") ", "
              SERVICE("WP", "ORIENTATION", "2026-02-01", "2026-02-30") "]}\n"          /* 11 */
              "{\"id\": \"e\", \"services\": [" SERVICE("WP", "ORIENTATION", "2026-03-01",
                                                        "2026-02-01") "]}\n"            /* 12 */
              "{\"id\": \"g\", \"gaps\": [{\"program\": \"WP\", \"start_date\": \"2026-03-02\","
              " \"planned_end_date\": \"2026-07-01\", \"reason\": \"VACATION\"}]}\n"   /* 13 */
              "{\"id\": \"o\", \"gaps\": [{\"program\": \"WP\", \"start_date\": \"2026-03-02\","
              " \"planned_end_date\": \"2026-07-01\", \"reason\": \"FAMILY_CARE\"}, "
              "{\"program\": \"ADULT\", \"start_date\": \"2026-06-01\", "
              "\"planned_end_date\": \"2026-10-01\", \"reason\": \"HEALTH_MEDICAL\"}]}\n" /* 14 */
              "{\"id\": \"s\", \"gaps\": [{\"program\": \"WP\", \"start_date\": \"2026-03-02\","
              " \"planned_end_date\": \"2026-03-20\", \"reason\": \"FAMILY_CARE\"}]}\n" /* 15 */
              "{\"id\": \"b\", \"enrollments\": [" ENROLL("ADULT", "2026-03-01") "], "
              "\"services\": [" SERVICE("ADULT", "CASE_MANAGEMENT", "2026-02-01",
                                        "2026-02-01") "]}\n"                            /* 16 */
              "{\"id\": \"y\", \"enrollments\": [" ENROLL("YOUTH", "2026-01-01") "], "
              "\"services\": [" SERVICE("YOUTH", "TUTORING", "2026-02-01",
                                        "2026-02-01") "]}\n"                            /* 17 */
              "{\"services\": []}\n"                                                  /* 18 */
              PERSON_ACTIVE,                                      /* 19, no final newline */
              "2026-11-23");
    assert_int_equal(r.status, 1);
    assert_int_equal(json_array_size(r.lines), 17);

    assert_null(json_object_get(line(&r, 0), "error"));
    assert_error_line(line(&r, 1), 3, "parse_error", NULL, NULL);
    assert_true(json_is_null(json_object_get(line(&r, 1), "id")));
    assert_non_null(strstr(str(json_object_get(line(&r, 1), "error"), "message"), "column"));
    assert_error_line(line(&r, 2), 5, "parse_error", NULL, NULL);
    assert_error_line(line(&r, 3), 6, "validation_failed", "services[1].colour",
                      "is not a known field");
    assert_string_equal(str(line(&r, 3), "id"), "k");
    assert_error_line(line(&r, 4), 7, "validation_failed", "services[0].start_date",
                      "is required");
    assert_error_line(line(&r, 5), 8, "validation_failed", "enrollments", "must be an array");
    assert_error_line(line(&r, 6), 9, "validation_failed", "services[2].program",
                      "unknown program \"FOO\"");
    assert_error_line(line(&r, 7), 10, "validation_failed", "services[0].code",
                      "unknown service code \"JUGGLING\"");
    assert_error_line(line(&r, 8), 11, "validation_failed", "services[2].end_date",
                      "2026-02-30 is not a date");
    assert_error_line(line(&r, 9), 12, "validation_failed", "services[0].end_date",
                      "before it starts");
    assert_error_line(line(&r, 10), 13, "validation_failed", "gaps[0].reason",
                      "unknown reason \"VACATION\"");
    assert_error_line(line(&r, 11), 14, "validation_failed", "gaps[1].start_date",
                      "overlaps gaps[0]");
    assert_error_line(line(&r, 12), 15, "validation_failed", "gaps[0].planned_end_date", "days");
    assert_error_line(line(&r, 13), 16, "validation_failed", "services[0].start_date",
                      "eligibility");
    assert_error_line(line(&r, 14), 17, "validation_failed", "services[0].code",
                      "OBJECTIVE_ASSESSMENT");
    assert_error_line(line(&r, 15), 18, "validation_failed", "id", "is required");
    assert_true(json_is_null(json_object_get(line(&r, 15), "id")));
    /* Every other line is still evaluated, the last one too. */
    assert_string_equal(str(line(&r, 16), "id"), "A-1");
    assert_null(json_object_get(line(&r, 16), "error"));
    run_cleanup(&r);
}

static void
test_binary_garbage(void **state)
{
    static const char garbage[] = "\x00\x01{\"id\": \"\xff\"}\n\xc3\x28\n{\"id\": \"ok\"}\n";
    char *path = write_temp(garbage, sizeof(garbage) - 1);
    const char *args[] = {"exits", "--input", path, "--as-of", "2026-11-23", NULL};
    struct run r;

    (void)state;
    run_braid(&r, NULL, args);
    r.lines = parse_lines(r.out);
    assert_int_equal(r.status, 1);
    assert_int_equal(json_array_size(r.lines), 3);
    assert_error_line(line(&r, 0), 1, "parse_error", NULL, NULL);
    assert_error_line(line(&r, 1), 2, "parse_error", NULL, NULL);
    assert_string_equal(str(line(&r, 2), "id"), "ok");
    unlink(path);
    free(path);
    run_cleanup(&r);
}

/* A line over 8 MiB is reported and skipped to its newline; one of exactly 8 MiB is read. */
static void
test_line_cap(void **state)
{
    const size_t cap = (size_t)8 << 20;
    const char *head = "{\"id\": \"big\", \"notes\": \"";
    const char *tail = "\"}";
    size_t size = 4 * cap;
    char *text = xmalloc(size);
    size_t n = 0;
    struct run r;

    (void)state;
    /* line 1: cap + 1 bytes of valid JSON */
    memcpy(text, head, strlen(head));
    n = strlen(head);
    memset(text + n, 'a', cap + 1 - strlen(head) - strlen(tail));
    n = cap + 1 - strlen(tail);
    memcpy(text + n, tail, strlen(tail));
    n += strlen(tail);
    text[n++] = '\n';
    /* line 2: a small good line */
    n += (size_t)snprintf(text + n, size - n, "%s\n", PERSON_EXITED);
    /* line 3: exactly cap bytes */
    size_t start = n;
    memcpy(text + n, head, strlen(head));
    n += strlen(head);
    memset(text + n, 'b', cap - strlen(head) - strlen(tail));
    n = start + cap - strlen(tail);
    memcpy(text + n, tail, strlen(tail));
    n += strlen(tail);
    text[n++] = '\n';
    /* line 4: over the cap without a final newline */
    memset(text + n, 'c', cap + 10);
    n += cap + 10;

    char *path = write_temp(text, n);
    const char *args[] = {"exits", "--input", "-", "--as-of", "2026-11-23", NULL};
    run_braid(&r, path, args);
    r.lines = parse_lines(r.out);
    assert_int_equal(r.status, 1);
    assert_int_equal(json_array_size(r.lines), 4);
    assert_error_line(line(&r, 0), 1, "too_large", NULL, NULL);
    assert_true(json_is_null(json_object_get(line(&r, 0), "id")));
    assert_int_equal(json_integer_value(json_object_get(line(&r, 1), "id")), 77);
    assert_string_equal(str(line(&r, 2), "id"), "big");
    assert_null(json_object_get(line(&r, 2), "error"));
    assert_error_line(line(&r, 3), 4, "too_large", NULL, NULL);
    unlink(path);
    free(path);
    free(text);
    run_cleanup(&r);
}

/* ---- standard input ---------------------------------------------------------------------- */

static void
test_stdin(void **state)
{
    const char *text = "\n" PERSON_ACTIVE "\n{oops}\n";
    char *path = write_temp(text, strlen(text));
    const char *args[] = {"exits", "--as-of", "2026-11-23", "--input", "-", NULL};
    struct run r;

    (void)state;
    run_braid(&r, path, args);
    r.lines = parse_lines(r.out);
    assert_int_equal(r.status, 1);
    assert_int_equal(json_array_size(r.lines), 2);
    assert_string_equal(str(line(&r, 0), "id"), "A-1");
    assert_error_line(line(&r, 1), 3, "parse_error", NULL, NULL);
    /* stderr is not a terminal here: no summary. */
    assert_string_equal(r.err, "");
    unlink(path);
    free(path);
    run_cleanup(&r);
}

static void
test_empty_input(void **state)
{
    struct run r;

    (void)state;
    run_exits(&r, "", "2026-11-23");
    assert_int_equal(r.status, 0);
    assert_int_equal(r.out_len, 0);
    run_cleanup(&r);
}

/* ---- usage ------------------------------------------------------------------------------- */

static void
assert_usage_error(const char *const *args, const char *message)
{
    struct run r;

    run_braid(&r, NULL, args);
    assert_int_equal(r.status, 2);
    assert_int_equal(r.out_len, 0);
    if (strstr(r.err, message) == NULL)
        fail_msg("stderr lacks \"%s\": %s", message, r.err);
    run_cleanup(&r);
}

static void
test_bad_options(void **state)
{
    (void)state;
    const char *bad_date[] = {"exits", "--input", "-", "--as-of", "2026-02-30", NULL};
    assert_usage_error(bad_date, "2026-02-30");
    const char *bad_form[] = {"exits", "--input", "-", "--as-of", "tomorrow", NULL};
    assert_usage_error(bad_form, "not a date");
    const char *no_date[] = {"exits", "--input", "-", NULL};
    assert_usage_error(no_date, "--as-of is required");
    /* Without --input the command works on a database, which must exist. */
    const char *no_db[] = {"exits", "--as-of", "2026-11-23", "--db", "/nonexistent/braid.db",
                           NULL};
    assert_usage_error(no_db, "no database at /nonexistent/braid.db");
    const char *mixed[] = {"exits", "--input", "-", "--as-of", "2026-11-23", "--apply", NULL};
    assert_usage_error(mixed, "one or the other");
    const char *both[] = {"exits", "--as-of", "2026-11-23", "--apply", "--verify", NULL};
    assert_usage_error(both, "separate runs");
    const char *no_value[] = {"exits", "--input", "-", "--as-of", NULL};
    assert_usage_error(no_value, "--as-of needs a value");
    const char *unknown[] = {"exits", "--input", "-", "--as-of", "2026-11-23", "--colour", NULL};
    assert_usage_error(unknown, "--colour");
    const char *extra[] = {"exits", "--input", "-", "--as-of", "2026-11-23", "more", NULL};
    assert_usage_error(extra, "more");
    const char *missing[] = {"exits", "--input", "/nonexistent/people.jsonl", "--as-of",
                             "2026-11-23", NULL};
    assert_usage_error(missing, "/nonexistent/people.jsonl");
    const char *catalog[] = {"exits", "--input", "-", "--as-of", "2026-11-23", "--catalog",
                             "/nonexistent/catalog.json", NULL};
    assert_usage_error(catalog, "/nonexistent/catalog.json");
    const char *command[] = {"frobnicate", NULL};
    assert_usage_error(command, "unknown command 'frobnicate'");
    const char *none[] = {NULL};
    assert_usage_error(none, "usage");
}

static void
test_help_and_version(void **state)
{
    struct run r;

    (void)state;
    const char *exits_help[] = {"exits", "--help", NULL};
    run_braid(&r, NULL, exits_help);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--input"));
    assert_non_null(strstr(r.out, "--as-of"));
    assert_non_null(strstr(r.out, "--catalog"));
    run_cleanup(&r);

    const char *help[] = {"--help", NULL};
    run_braid(&r, NULL, help);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "exits"));
    run_cleanup(&r);

    const char *version[] = {"--version", NULL};
    run_braid(&r, NULL, version);
    assert_int_equal(r.status, 0);
    assert_true(strncmp(r.out, "braid ", 6) == 0);
    run_cleanup(&r);
}

/* ---- streaming ----------------------------------------------------------------------------- */

/* n generated people, every 97th line bad; returns the file's path. */
static char *
generate(size_t n)
{
    char *path = temp_path();
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    for (size_t i = 0; i < n; i++) {
        int day = 1 + (int)(i % 28);
        if (i % 97 == 96) {
            fprintf(f, "{\"id\": \"G-%zu\", \"services\": [{\"program\": \"NOPE\"}]}\n", i);
            continue;
        }
        fprintf(f,
                "{\"id\": \"G-%zu\", \"enrollments\": [{\"program\": \"ADULT\", "
                "\"eligibility_date\": \"2026-01-%02d\"}, {\"program\": \"WP\", "
                "\"eligibility_date\": \"2026-01-%02d\"}], \"services\": [{\"program\": "
                "\"ADULT\", \"code\": \"INITIAL_ASSESSMENT\", \"start_date\": \"2026-01-%02d\", "
                "\"end_date\": \"2026-01-%02d\"}, {\"program\": \"WP\", \"code\": "
                "\"STAFF_JOB_SEARCH\", \"start_date\": \"2026-0%d-%02d\"}]}\n",
                i, day, day, day, day, 2 + (int)(i % 8), day);
    }
    assert_int_equal(fclose(f), 0);
    return path;
}

static void
run_generated(struct run *r, size_t n)
{
    char *path = generate(n);
    const char *args[] = {"exits", "--input", path, "--as-of", "2026-11-23", NULL};

    run_braid(r, NULL, args);
    unlink(path);
    free(path);
    r->lines = parse_lines(r->out);
}

static void
test_twenty_thousand_lines(void **state)
{
    const size_t n = 20000;
    struct run small, big;
    char id[32];

    (void)state;
    run_generated(&big, n);
    assert_int_equal(big.status, 1);
    assert_int_equal(json_array_size(big.lines), n);
    for (size_t i = 0; i < n; i++) {
        json_t *out = line(&big, i);
        snprintf(id, sizeof(id), "G-%zu", i);
        assert_string_equal(str(out, "id"), id);
        if (i % 97 == 96)
            assert_error_line(out, (long)i + 1, "validation_failed", "services[0].program",
                              "unknown program");
        else
            assert_int_equal(json_array_size(json_object_get(out, "periods")), 2);
    }

    /* Memory stays flat: ten times the lines, about the same peak. */
    run_generated(&small, n / 10);
    assert_int_equal(json_array_size(small.lines), n / 10);
    if (big.maxrss_kb > small.maxrss_kb + 4096)
        fail_msg("peak memory grew from %ld KiB (%zu lines) to %ld KiB (%zu lines)",
                 small.maxrss_kb, n / 10, big.maxrss_kb, n);
    run_cleanup(&small);
    run_cleanup(&big);
}

/* --verify with several connections side by side: the same answer as one, every person counted
 * once, and a tampered clock found wherever it falls in the division of the ids. */
static void
test_verify_threads(void **state)
{
    (void)state;
    char *db = temp_path();
    char *people = NULL;
    struct run r;
    sqlite3 *conn = NULL;

    unlink(db);
    const char *demo[] = {"demo", "--db", db, "--people", "3000", "--as-of", "2026-11-23", NULL};
    run_braid(&r, NULL, demo);
    assert_int_equal(r.status, 0);
    run_cleanup(&r);

    static const char *const threads[] = {"1", "3", "16"};
    for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
        const char *verify[] = {"exits", "--db", db, "--verify", "--threads", threads[i], NULL};
        run_braid(&r, NULL, verify);
        assert_int_equal(r.status, 0);
        assert_string_equal(r.out, "3000 people verified, 0 mismatched\n");
        run_cleanup(&r);
    }

    /* Move the soft-exit day of the first, a middle and the last person's clocks. */
    assert_int_equal(sqlite3_open(db, &conn), SQLITE_OK);
    exec_ok(conn, "UPDATE exit_clocks SET soft_exit_date = '2030-01-01' WHERE person_id IN "
                  "((SELECT min(person_id) FROM exit_clocks), "
                  "(SELECT person_id FROM exit_clocks ORDER BY person_id LIMIT 1 OFFSET 1500), "
                  "(SELECT max(person_id) FROM exit_clocks))");
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(conn,
                                        "SELECT group_concat(person_id, ' ') FROM (SELECT DISTINCT "
                                        "person_id FROM exit_clocks WHERE soft_exit_date = "
                                        "'2030-01-01' ORDER BY person_id)",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    people = xstrdup((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(conn);

    for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
        const char *verify[] = {"exits", "--db", db, "--verify", "--threads", threads[i], NULL};
        run_braid(&r, NULL, verify);
        assert_int_equal(r.status, 1);
        assert_non_null(strstr(r.out, "3000 people verified, 3 mismatched\n"));
        char line[64];
        char *save = NULL, *copy = xstrdup(people);
        int found = 0;
        for (char *id = strtok_r(copy, " ", &save); id != NULL; id = strtok_r(NULL, " ", &save)) {
            snprintf(line, sizeof(line), "person %s: stored: ", id);
            assert_non_null(strstr(r.out, line));
            found++;
        }
        assert_int_equal(found, 3);
        free(copy);
        run_cleanup(&r);
    }

    const char *zero[] = {"exits", "--db", db, "--verify", "--threads", "0", NULL};
    assert_usage_error(zero, "--threads must be a whole number from 1 to 16");
    const char *not_verify[] = {"exits", "--db", db, "--as-of", "2026-11-23", "--threads", "2",
                                NULL};
    assert_usage_error(not_verify, "--threads applies to --apply and --verify only");
    free(people);
    char side[4200];
    static const char *const suffixes[] = {"",       "-wal",       "-shm",      ".key",
                                           "-reads", "-reads-wal", "-reads-shm"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(side, sizeof(side), "%s%s", db, suffixes[i]);
        unlink(side);
    }
    free(db);
}

static int
check_binary(void **state)
{
    (void)state;
    if (access(braid_path(), X_OK) != 0) {
        fprintf(stderr, "%s: %s (set BRAID to the braid binary)\n", braid_path(), strerror(errno));
        return -1;
    }
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_lines),
        cmocka_unit_test(test_holds),
        cmocka_unit_test(test_second_period),
        cmocka_unit_test(test_examples_file),
        cmocka_unit_test(test_every_error_kind),
        cmocka_unit_test(test_binary_garbage),
        cmocka_unit_test(test_line_cap),
        cmocka_unit_test(test_stdin),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_twenty_thousand_lines),
        cmocka_unit_test(test_verify_threads),
    };
    return cmocka_run_group_tests(tests, check_binary, NULL);
}
