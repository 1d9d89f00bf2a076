/* test_crash_cli.c — a kill -9 in the middle of the nightly exit run loses only the batch under
 * way: the database stays intact and consistent, and running again finishes the job with exactly
 * the exits an uninterrupted run records. */
#include "testutil.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PEOPLE "6000"
#define AS_OF "2026-11-23"

static char dir[64];
static const char *braid;

static void
path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* Runs braid with arguments, output discarded; returns its exit status. */
static int
run(const char *const *args)
{
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execv(braid, (char *const *)args);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static long
query(const char *db_path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    long n = -1;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
}

static void
copy_file(const char *from, const char *to)
{
    const char *args[] = {braid, "backup", to, "--db", from, NULL};
    assert_int_equal(run(args), 0);
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void
test_kill_during_exit_run(void **state)
{
    (void)state;
    char base[128], whole[128], crashed[128];
    path(base, sizeof(base), "base.db");
    path(whole, sizeof(whole), "whole.db");
    path(crashed, sizeof(crashed), "crashed.db");

    const char *demo[] = {braid, "demo", "--db", base, "--people", PEOPLE, "--as-of", "2026-06-30",
                          NULL};
    assert_int_equal(run(demo), 0);
    copy_file(base, whole);
    copy_file(base, crashed);
    /* The key file goes with the database; a backup does not copy it. */
    char key[160], key_copy[160];
    snprintf(key, sizeof(key), "%s.key", base);
    snprintf(key_copy, sizeof(key_copy), "%s.key", whole);
    assert_int_equal(link(key, key_copy), 0);
    snprintf(key_copy, sizeof(key_copy), "%s.key", crashed);
    assert_int_equal(link(key, key_copy), 0);

    /* The reference: an uninterrupted run. */
    const char *apply_whole[] = {braid, "exits", "--db", whole, "--as-of", AS_OF, "--apply", NULL};
    assert_int_equal(run(apply_whole), 0);
    long expected = query(whole, "SELECT count(*) FROM exits");
    assert_true(expected > 1000);

    /* The same run, killed once it has recorded some exits but not all. */
    const char *apply[] = {braid, "exits", "--db", crashed, "--as-of", AS_OF, "--apply", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execv(braid, (char *const *)apply);
        _exit(127);
    }
    long seen = 0;
    for (int i = 0; i < 20000 && seen == 0; i++) {
        sleep_ms(1);
        seen = query(crashed, "SELECT count(*) FROM exits");
    }
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));

    long after_crash = query(crashed, "SELECT count(*) FROM exits");
    assert_true(after_crash > 0);
    assert_true(after_crash < expected);
    /* Intact, and every committed batch is whole: stored clocks match a recomputation. */
    assert_int_equal(query(crashed, "SELECT count(*) FROM pragma_integrity_check "
                                    "WHERE integrity_check <> 'ok'"),
                     0);
    const char *verify[] = {braid, "exits", "--db", crashed, "--verify", NULL};
    assert_int_equal(run(verify), 0);

    /* Running again finishes the job: the same exits as the uninterrupted run. */
    assert_int_equal(run(apply), 0);
    assert_int_equal(query(crashed, "SELECT count(*) FROM exits"), expected);
    assert_int_equal(run(verify), 0);
}

static int
setup(void **state)
{
    (void)state;
    braid = getenv("BRAID") ? getenv("BRAID") : "build/braid";
    snprintf(dir, sizeof(dir), "/tmp/braid-crash-XXXXXX");
    assert_non_null(mkdtemp(dir));
    setenv("BRAID_TODAY", "2026-06-30", 1);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill_during_exit_run),
    };
    return cmocka_run_group_tests_name("crash", tests, setup, teardown);
}
