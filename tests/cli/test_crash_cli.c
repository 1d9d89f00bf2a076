/* test_crash_cli.c — a kill -9 in the middle of the nightly exit run loses only the batch under
 * way: the database stays intact and consistent, and running again finishes the job with exactly
 * the exits an uninterrupted run records.  And the run on two connections, one reading ahead of
 * the writes, leaves what the run on one leaves. */
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

static void
exec_sql(const char *db_path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    exec_ok(db, sql);
    sqlite3_close(db);
}

/* The one text sql's first row holds (malloc'd). */
static char *
query_text(const char *db_path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *stmt;
    char *text = NULL;
    assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != NULL)
        text = strdup((const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    assert_non_null(text);
    return text;
}

/* Copies the database from (a backup) with its key file (a hard link). */
static void
copy_file(const char *from, const char *to)
{
    const char *args[] = {braid, "backup", to, "--db", from, NULL};
    assert_int_equal(run(args), 0);
    char key[160], key_copy[160];
    snprintf(key, sizeof(key), "%s.key", from);
    snprintf(key_copy, sizeof(key_copy), "%s.key", to);
    assert_int_equal(link(key, key_copy), 0);
}

/* Two copies of the demo database (made once for the file's tests), in dir as name_a and
 * name_b, their paths into a and b. */
static void
two_copies(const char *name_a, char *a, const char *name_b, char *b, size_t size)
{
    char base[128];
    path(base, sizeof(base), "base.db");
    if (access(base, F_OK) != 0) {
        const char *demo[] = {braid,  "demo",    "--db",       base, "--people",
                              PEOPLE, "--as-of", "2026-06-30", NULL};
        assert_int_equal(run(demo), 0);
    }
    path(a, size, name_a);
    path(b, size, name_b);
    copy_file(base, a);
    copy_file(base, b);
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
    char whole[128], crashed[128];
    two_copies("whole.db", whole, "crashed.db", crashed, sizeof(whole));

    /* The reference: an uninterrupted run. */
    const char *apply_whole[] = {braid, "exits", "--db", whole, "--as-of", AS_OF, "--apply", NULL};
    assert_int_equal(run(apply_whole), 0);
    long expected = file_count(whole, "SELECT count(*) FROM exits");
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
        seen = file_count(crashed, "SELECT count(*) FROM exits");
    }
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));

    long after_crash = file_count(crashed, "SELECT count(*) FROM exits");
    assert_true(after_crash > 0);
    assert_true(after_crash < expected);
    /* Intact, and every committed batch is whole: stored clocks match a recomputation. */
    assert_int_equal(file_count(crashed, "SELECT count(*) FROM pragma_integrity_check "
                                         "WHERE integrity_check <> 'ok'"),
                     0);
    const char *verify[] = {braid, "exits", "--db", crashed, "--verify", NULL};
    assert_int_equal(run(verify), 0);

    /* Running again finishes the job: the same exits as the uninterrupted run. */
    assert_int_equal(run(apply), 0);
    assert_int_equal(file_count(crashed, "SELECT count(*) FROM exits"), expected);
    assert_int_equal(run(verify), 0);
}

/* What a nightly run leaves, but for the times: the exit run, the exits, the clocks, the plans
 * and their goals, and the audit log's entries. */
static char *
run_outcome(const char *db)
{
    return query_text(
        db, "SELECT (SELECT group_concat(x, ';') FROM (SELECT json_array(id, as_of, examined, "
            "recorded, reopened) AS x FROM exit_runs ORDER BY id)) || '|' || "
            "(SELECT group_concat(x, ';') FROM (SELECT json_array(person_id, program, period, "
            "entry_date, exit_date, determined_on, run_id) AS x FROM exits "
            "ORDER BY person_id, program, period)) || '|' || "
            "(SELECT group_concat(x, ';') FROM (SELECT json_array(person_id, group_key, period, "
            "status, last_service_date, soft_exit_date, held_by, review_on, computed_on) AS x "
            "FROM exit_clocks ORDER BY person_id, group_key)) || '|' || "
            "(SELECT group_concat(x, ';') FROM (SELECT json_array(id, closed_on) AS x "
            "FROM plans ORDER BY id)) || '|' || "
            "(SELECT group_concat(x, ';') FROM (SELECT json_array(id, status, closed_on) AS x "
            "FROM goals ORDER BY id)) || '|' || "
            "(SELECT group_concat(x, ';') FROM (SELECT json_array(id, user_id, person_id, "
            "action, entity, entity_id, before, after) AS x FROM audit_log ORDER BY id))");
}

/* The nightly run on two connections (one reading ahead of the writes) leaves what the run on
 * one leaves, to the last audit entry, over several batches. */
static void
test_apply_threads_agree(void **state)
{
    (void)state;
    char one[128], two[128];
    two_copies("one.db", one, "two.db", two, sizeof(one));
    /* The demo writes no plans: every 7th person due gets an open IEP with a goal, which the run
     * closes with their exit. */
    static const char plans[] =
        "INSERT INTO plans (person_id, kind, created_on) SELECT DISTINCT person_id, 'IEP', "
        "'2026-01-05' FROM exit_clocks WHERE review_on <= '" AS_OF "' AND person_id % 7 = 0;"
        "INSERT INTO goals (person_id, plan_id, type, description) "
        "SELECT person_id, id, 'EMPLOYMENT', 'a job in the trade' FROM plans;";
    exec_sql(one, plans);
    exec_sql(two, plans);

    const char *apply_one[] = {braid, "exits", "--db", one, "--as-of", AS_OF, "--apply",
                               "--threads", "1", NULL};
    const char *apply_two[] = {braid, "exits", "--db", two, "--as-of", AS_OF, "--apply",
                               "--threads", "2", NULL};
    assert_int_equal(run(apply_one), 0);
    assert_int_equal(run(apply_two), 0);
    /* Several batches of 500, and plans closed among the changes compared. */
    assert_true(file_count(one, "SELECT examined FROM exit_runs") > 1500);
    assert_true(file_count(one, "SELECT count(*) FROM plans WHERE closed_on IS NOT NULL") > 50);

    char *outcome_one = run_outcome(one), *outcome_two = run_outcome(two);
    assert_string_equal(outcome_one, outcome_two);
    free(outcome_one);
    free(outcome_two);
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
        cmocka_unit_test(test_apply_threads_agree),
    };
    return cmocka_run_group_tests_name("crash", tests, setup, teardown);
}
