/* test_import_cli.c — `braid import` and `braid export` as a user runs them: the real binary
 * ($BRAID, default build/braid) on a database in a temporary directory, with BRAID_TODAY set.
 * Round trips, usage errors (2), bad rows (1, reported on stderr, nothing written), --partial,
 * standard input — and a kill -9 in the middle of a large import, after which the database must
 * be exactly as it was before and pass SQLite's integrity check. */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"

#define TODAY "2026-11-23"
#define KILL_PEOPLE 20000
/* The import is killed once its write-ahead log holds this much: it is writing, not starting. */
#define KILL_WAL_BYTES (512L << 10)
#define KILL_WAIT_SECONDS 120
#define SANITIZER_EXIT 86
#define SANITIZER_EXIT_TEXT "86"

struct fixture {
    char dir[64];
    char db[128];
};

struct run {
    int status; /* exit status, or 128 + signal */
    char *out;
    char *err;
};

static const char *
braid_path(void)
{
    const char *path = getenv("BRAID");
    return path != NULL && path[0] != '\0' ? path : "build/braid";
}

static void
path_in(const struct fixture *f, const char *name, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/%s", f->dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

static char *
read_all(const char *path)
{
    FILE *in = fopen(path, "rb");
    size_t cap = 4096, n = 0, got;
    char *buf = xmalloc(cap);

    assert_non_null(in);
    while ((got = fread(buf + n, 1, cap - n - 1, in)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    fclose(in);
    buf[n] = '\0';
    return buf;
}

static void
write_all(const char *path, const char *text)
{
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fputs(text, out) >= 0, 1);
    assert_int_equal(fclose(out), 0);
}

/* Starts braid with args (NULL-terminated, after "braid"); stdin from stdin_path (NULL: /dev/null),
 * stdout and stderr to the given files (NULL: /dev/null). */
static pid_t
start_braid(const char *stdin_path, const char *out_path, const char *err_path,
            const char *const *args)
{
    const char *argv[32];
    size_t n = 0;
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
        int in = open(stdin_path ? stdin_path : "/dev/null", O_RDONLY);
        int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in < 0 || out < 0 || err < 0)
            _exit(126);
        dup2(in, STDIN_FILENO);
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        unsetenv("BRAID_CATALOG");
        unsetenv("BRAID_DB");
        setenv("ASAN_OPTIONS", "detect_leaks=1:exitcode=" SANITIZER_EXIT_TEXT, 1);
        setenv("UBSAN_OPTIONS", "print_stacktrace=1:exitcode=" SANITIZER_EXIT_TEXT, 1);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static int
wait_status(pid_t pid)
{
    int wstatus;
    pid_t got;

    do {
        got = waitpid(pid, &wstatus, 0);
    } while (got < 0 && errno == EINTR);
    assert_int_equal(got, pid);
    return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

/* Runs braid to completion and collects what it printed. */
static void
run_braid(const struct fixture *f, struct run *r, const char *stdin_path,
          const char *const *args)
{
    char out_path[256], err_path[256];

    path_in(f, "stdout.txt", out_path, sizeof(out_path));
    path_in(f, "stderr.txt", err_path, sizeof(err_path));
    r->status = wait_status(start_braid(stdin_path, out_path, err_path, args));
    if (r->status == 127)
        fail_msg("cannot run %s (set BRAID to the braid binary)", braid_path());
    r->out = read_all(out_path);
    r->err = read_all(err_path);
    unlink(out_path);
    unlink(err_path);
    if (strstr(r->err, "runtime error") != NULL || strstr(r->err, "Sanitizer") != NULL ||
        r->status == SANITIZER_EXIT)
        fail_msg("braid reported a sanitizer error:\n%s", r->err);
}

static void
run_cleanup(struct run *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof(*r));
}

static size_t
count_lines(const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p != '\0'; p++)
        n += *p == '\n';
    return n;
}

static void
init_db(const struct fixture *f, const char *db)
{
    struct run r;
    const char *args[] = {"init", "--db", db, NULL};
    run_braid(f, &r, NULL, args);
    if (r.status != 0)
        fail_msg("braid init failed (%d): %s", r.status, r.err);
    run_cleanup(&r);
}

static int
setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));

    snprintf(f->dir, sizeof(f->dir), "/tmp/braid-import-cli-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    path_in(f, "braid.db", f->db, sizeof(f->db));
    setenv("BRAID_TODAY", TODAY, 1);
    init_db(f, f->db);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char path[512];
    struct dirent *entry;
    DIR *d = opendir(f->dir);

    /* Everything in the directory is ours: the databases, their keys, inputs and outputs. */
    while (d != NULL && (entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
            snprintf(path, sizeof(path), "%s/%s", f->dir, entry->d_name);
            unlink(path);
        }
    }
    if (d != NULL)
        closedir(d);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- the tests ----------------------------------------------------------------------------- */

static void
test_import_export_round_trip(void **state)
{
    struct fixture *f = *state;
    char db2[256], first[256], second[256], exits_file[256], exits_db[256];
    struct run r;

    const char *import_args[] = {"import", "bundles", "examples/people.jsonl", "--db", f->db,
                                 NULL};
    run_braid(f, &r, NULL, import_args);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "imported 9 people"));
    assert_string_equal(r.err, ""); /* not a terminal: no progress bar, nothing extra */
    run_cleanup(&r);

    path_in(f, "first.jsonl", first, sizeof(first));
    const char *export_args[] = {"export", "bundles", "--db", f->db, NULL};
    run_braid(f, &r, NULL, export_args);
    assert_int_equal(r.status, 0);
    assert_int_equal(count_lines(r.out), 9);
    assert_string_equal(r.err, "");
    write_all(first, r.out);
    run_cleanup(&r);

    /* Into a second database, from standard input, and out again: the same lines. */
    path_in(f, "second.db", db2, sizeof(db2));
    path_in(f, "second.jsonl", second, sizeof(second));
    init_db(f, db2);
    const char *again_args[] = {"import", "bundles", "-", "--db", db2, NULL};
    run_braid(f, &r, first, again_args);
    assert_int_equal(r.status, 0);
    run_cleanup(&r);
    const char *export2_args[] = {"export", "bundles", "--db", db2, "--output", second, NULL};
    run_braid(f, &r, NULL, export2_args);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "exported 9 people"));
    run_cleanup(&r);
    char *a = read_all(first), *b = read_all(second);
    assert_string_equal(a, b);
    free(a);
    free(b);

    /* The bundle evaluator on the export agrees with the database evaluation. */
    path_in(f, "exits-file.jsonl", exits_file, sizeof(exits_file));
    path_in(f, "exits-db.jsonl", exits_db, sizeof(exits_db));
    const char *exits_input[] = {"exits", "--input", first, "--as-of", TODAY, NULL};
    run_braid(f, &r, NULL, exits_input);
    assert_int_equal(r.status, 0);
    write_all(exits_file, r.out);
    run_cleanup(&r);
    const char *exits_database[] = {"exits", "--db", f->db, "--as-of", TODAY, NULL};
    run_braid(f, &r, NULL, exits_database);
    assert_int_equal(r.status, 0);
    a = read_all(exits_file);
    assert_int_equal(count_lines(a), 9);
    assert_string_equal(a, r.out);
    free(a);
    run_cleanup(&r);
}

static void
test_usage_errors_exit_2(void **state)
{
    struct fixture *f = *state;
    char input[256], missing_db[256];
    struct run r;

    path_in(f, "in.jsonl", input, sizeof(input));
    path_in(f, "no-such.db", missing_db, sizeof(missing_db));
    write_all(input, "{\"id\": \"A\"}\n");
    const char *const cases[][10] = {
        {"import", NULL},
        {"import", "bundles", NULL},
        {"import", "widgets", input, "--db", f->db, NULL},
        {"import", "bundles", input, "--db", f->db, "--partial", NULL},
        {"import", "bundles", input, "--db", f->db, "--reject", "r.txt", NULL},
        {"import", "bundles", input, "--db", f->db, "--map", "m.json", NULL},
        {"import", "bundles", input, "--db", f->db, "--frobnicate", NULL},
        {"import", "bundles", "/no/such/file.jsonl", "--db", f->db, NULL},
        {"import", "bundles", input, "--db", missing_db, NULL},
        {"import", "people", input, "--db", f->db, "--map", "/no/such/map.json", NULL},
        {"export", NULL},
        {"export", "people", "--db", f->db, NULL},
        {"export", "bundles", "--db", f->db, "--output", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        run_braid(f, &r, NULL, cases[i]);
        if (r.status != 2)
            fail_msg("case %zu (%s %s): exit %d, not 2; stderr: %s", i, cases[i][0],
                     cases[i][1] ? cases[i][1] : "", r.status, r.err);
        assert_true(strlen(r.err) > 0);
        run_cleanup(&r);
    }
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM people"), 0);
    assert_int_equal(access(missing_db, F_OK), -1); /* no database is created by mistake */

    const char *help[][3] = {{"import", "--help", NULL}, {"export", "--help", NULL}};
    for (size_t i = 0; i < 2; i++) {
        run_braid(f, &r, NULL, help[i]);
        assert_int_equal(r.status, 0);
        assert_non_null(strstr(r.out, "usage: braid"));
        run_cleanup(&r);
    }
}

static void
test_bad_rows_exit_1_and_write_nothing(void **state)
{
    struct fixture *f = *state;
    char input[256];
    struct run r;

    path_in(f, "bad.jsonl", input, sizeof(input));
    write_all(input, "{\"id\": \"OK-1\"}\n"
                     "{\"id\": \"BAD-2\", \"services\": [{\"program\": \"WP\", \"code\": \"NOPE\", "
                     "\"start_date\": \"2026-01-05\"}]}\n"
                     "{\"id\": \"OK-3\"}\n"
                     "{\"id\": \"BAD-4\", \"person\": {\"birth_date\": \"1990-02-30\"}}\n");
    const char *args[] = {"import", "bundles", input, "--db", f->db, NULL};
    run_braid(f, &r, NULL, args);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "row 2 (id BAD-2)"));
    assert_non_null(strstr(r.err, "services[0].code: unknown service code \"NOPE\""));
    assert_non_null(strstr(r.err, "row 4 (id BAD-4)"));
    assert_non_null(strstr(r.err, "person.birth_date"));
    assert_non_null(strstr(r.err, "2 of 4 rows are bad; nothing was imported"));
    run_cleanup(&r);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM people"), 0);
    assert_int_equal(file_count_with_reads(f->db, "SELECT (SELECT count(*) FROM audit_log) + "
                                                  "(SELECT count(*) FROM reads.read_log)"),
                     0);

    /* A people CSV with a header braid does not know names it. */
    path_in(f, "people.csv", input, sizeof(input));
    write_all(input, "id,first_name,last_name,Middle Name\nC-1,A,B,C\n");
    const char *csv_args[] = {"import", "people", input, "--db", f->db, NULL};
    run_braid(f, &r, NULL, csv_args);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "Middle Name: is not a people column"));
    run_cleanup(&r);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM people"), 0);
}

static void
test_partial_writes_the_reject_file(void **state)
{
    struct fixture *f = *state;
    char input[256], reject[256], map[256];
    struct run r;

    path_in(f, "people.csv", input, sizeof(input));
    path_in(f, "rejects.csv", reject, sizeof(reject));
    path_in(f, "map.json", map, sizeof(map));
    write_all(map, "{\"columns\": {\"Client\": \"id\", \"First\": \"first_name\", \"Last\": "
                   "\"last_name\", \"Born\": \"birth_date\"}}");
    write_all(input, "Client,First,Last,Born\n"
                     "C-1,Ana,Ruiz,1980-04-01\n"
                     "C-2,Bo,Chen,04/01/1980\n"
                     "C-3,Cy,Ode,\n");
    const char *args[] = {"import", "people", "-", "--db", f->db, "--map", map,
                          "--partial", "--reject", reject, NULL};
    run_braid(f, &r, input, args);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.out, "imported 2 of 3 rows"));
    assert_non_null(strstr(r.err, "- row 2 (id C-2)"));
    assert_non_null(strstr(r.err, "Born: \"04/01/1980\" is not a date"));
    run_cleanup(&r);
    char *rejected = read_all(reject);
    assert_string_equal(rejected, "Client,First,Last,Born\nC-2,Bo,Chen,04/01/1980\n");
    free(rejected);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM people"), 2);

    /* Services for the people just imported, all good: exit 0. */
    path_in(f, "services.csv", input, sizeof(input));
    write_all(input, "person_id,program,code,start_date,end_date\n"
                     "C-1,WP,SELF_SERVICE,2026-11-02,2026-11-02\n");
    const char *services[] = {"import", "services", input, "--db", f->db, NULL};
    run_braid(f, &r, NULL, services);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "imported 1 services"));
    run_cleanup(&r);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM services"), 1);
}

/* Writes n generated people as bundles: a few enrollments, services, a note and a contact each. */
static void
write_many(const char *path, long n)
{
    FILE *out = fopen(path, "w");

    assert_non_null(out);
    for (long i = 0; i < n; i++) {
        fprintf(out,
                "{\"id\": \"K%06ld\", \"person\": {\"first_name\": \"Kim\", \"last_name\": "
                "\"N%06ld\", \"birth_date\": \"1980-01-01\", \"sex\": \"female\", \"veteran\": "
                "false}, \"enrollments\": [{\"program\": \"WP\", \"eligibility_date\": "
                "\"2026-01-05\"}, {\"program\": \"ADULT\", \"eligibility_date\": \"2026-01-12\"}], "
                "\"services\": [{\"program\": \"WP\", \"code\": \"ORIENTATION\", \"start_date\": "
                "\"2026-01-05\", \"end_date\": \"2026-01-05\"}, {\"program\": \"WP\", \"code\": "
                "\"INITIAL_ASSESSMENT\", \"start_date\": \"2026-01-05\", \"end_date\": "
                "\"2026-01-05\"}, {\"program\": \"ADULT\", \"code\": \"CASE_MANAGEMENT\", "
                "\"start_date\": \"2026-01-12\", \"end_date\": \"2026-01-12\"}, {\"program\": "
                "\"ADULT\", \"code\": \"OCCUPATIONAL_TRAINING\", \"start_date\": \"2026-02-02\", "
                "\"projected_end_date\": \"2026-12-18\"}], \"notes\": [{\"service\": 2, "
                "\"written_on\": \"2026-01-12\", \"body\": \"Met with case manager %ld; plan "
                "agreed.\"}], \"contacts\": [{\"contacted_on\": \"2026-03-02\", \"method\": "
                "\"phone\", \"responded\": true, \"outcome\": \"In class.\"}]}\n",
                i, i, i);
    }
    assert_int_equal(fclose(out), 0);
}

static long
file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

static void
test_kill_during_import_leaves_database_unchanged(void **state)
{
    struct fixture *f = *state;
    char input[256], wal[256], small[256];
    struct timespec pause = {0, 2 * 1000 * 1000};
    long waited_ms = 0;
    struct run r;

    path_in(f, "many.jsonl", input, sizeof(input));
    write_many(input, KILL_PEOPLE);
    snprintf(wal, sizeof(wal), "%s-wal", f->db);
    int64_t before = file_count_with_reads(f->db, "SELECT count(*) FROM people");
    assert_int_equal(before, 0);

    const char *args[] = {"import", "bundles", input, "--db", f->db, NULL};
    pid_t pid = start_braid(NULL, NULL, NULL, args);
    /* Killed only once it is writing inside its transaction: the log has grown. */
    while (file_size(wal) < KILL_WAL_BYTES) {
        int wstatus;
        if (waitpid(pid, &wstatus, WNOHANG) == pid)
            fail_msg("the import ended (status %d) before it could be killed", wstatus);
        nanosleep(&pause, NULL);
        waited_ms += 2;
        if (waited_ms > KILL_WAIT_SECONDS * 1000L) {
            kill(pid, SIGKILL);
            wait_status(pid);
            fail_msg("the import wrote nothing in %d s", KILL_WAIT_SECONDS);
        }
    }
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(wait_status(pid), 128 + SIGKILL);

    /* Exactly as before: the uncommitted log is ignored, and the file is sound. */
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM people"), before);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM services"), 0);
    assert_int_equal(file_count_with_reads(f->db, "SELECT (SELECT count(*) FROM audit_log) + "
                                                  "(SELECT count(*) FROM reads.read_log)"),
                     0);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM exit_clocks"), 0);
    sqlite3 *db;
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "ok");
    assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
    sqlite3_close(db);

    /* And it takes the next import as if nothing had happened. */
    path_in(f, "few.jsonl", small, sizeof(small));
    write_many(small, 3);
    const char *again[] = {"import", "bundles", small, "--db", f->db, NULL};
    run_braid(f, &r, NULL, again);
    assert_int_equal(r.status, 0);
    run_cleanup(&r);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM people"), 3);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM case_notes"), 3);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_export_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_errors_exit_2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_rows_exit_1_and_write_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_writes_the_reject_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill_during_import_leaves_database_unchanged, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
