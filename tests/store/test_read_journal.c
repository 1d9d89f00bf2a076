/* test_read_journal.c — the journal of the log of reads (sqlite_read_log.h): a read is answered
 * once its audit entries are written to the journal; a journal left behind by a process that
 * stopped without closing the log (a crash) is loaded by the next process to open it, each entry
 * once — from where the log's mark says, past lines cut short or damaged — and then removed. */
#include "testutil.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/sqlite.h"
#include "store/sqlite_read_log.h"
#include "store/store.h"

struct fixture {
    char dir[64];
    char db[128];
    char reads[160]; /* the log of reads: db SQLITE_READ_LOG_SUFFIX */
};

/* The file of journal slot of the fixture's log of reads. */
static void
journal_path(const struct fixture *f, int slot, char *out, size_t size)
{
    snprintf(out, size, "%s" SQLITE_READ_LOG_JOURNAL_SUFFIX "%d", f->reads, slot);
}

/* A database with its log of reads, closed: no process holds a journal of it. */
static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct store *st = NULL;
    struct br_error err;

    br_error_clear(&err);
    snprintf(f->dir, sizeof(f->dir), "/tmp/braid-journal-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/braid.db", f->dir);
    snprintf(f->reads, sizeof(f->reads), "%s" SQLITE_READ_LOG_SUFFIX, f->db);
    assert_int_equal(store_open(f->db, &st, &err), 0);
    assert_int_equal(st->ops->migrate(st, &err), 0);
    st->ops->close(st);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char path[256];
    const char *suffixes[] = {"", "-wal", "-shm", "-reads", "-reads-wal", "-reads-shm"};

    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", f->db, suffixes[i]);
        unlink(path);
    }
    for (int slot = 1; slot <= SQLITE_READ_LOG_JOURNALS; slot++) {
        journal_path(f, slot, path, sizeof(path));
        unlink(path);
    }
    assert_int_equal(rmdir(f->dir), 0); /* nothing else was left behind */
    free(f);
    return 0;
}

/* A journal's text as the log writes it: its header line with epoch ... */
static void
start_journal(char *text, size_t size, long long epoch)
{
    snprintf(text, size, "{\"braid_read_journal\":1,\"epoch\":%lld}\n", epoch);
}

/* ... and then an entry's line with action, cut short to its first half when torn. */
static void
add_entry(char *text, size_t size, const char *action, bool torn)
{
    char line[512];
    int n = snprintf(line, sizeof(line),
                     "{\"at\":\"2026-11-20 10:00:00\",\"user_id\":7,\"person_id\":5,"
                     "\"action\":\"%s\",\"entity\":\"person\",\"entity_id\":5,\"reason\":null,"
                     "\"before\":null,\"after\":\"{\\\"n\\\":1}\"}\n",
                     action);
    if (torn)
        line[n / 2] = '\0';
    assert_true(strlen(text) + strlen(line) < size);
    strcat(text, line);
}

/* Writes text as the whole of journal slot. */
static void
write_journal(const struct fixture *f, int slot, const char *text)
{
    char path[256];
    journal_path(f, slot, path, sizeof(path));
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    assert_int_equal(fputs(text, out) >= 0, 1);
    assert_int_equal(fclose(out), 0);
}

/* A count from sql on the log of reads' file, on a connection of its own. */
static long
count_reads(const struct fixture *f, const char *sql)
{
    return file_count(f->reads, sql);
}

/* Opens the store of the fixture's database and closes it: what a process that starts does to
 * the journals left behind. */
static void
open_and_close(const struct fixture *f)
{
    struct store *st = NULL;
    struct br_error err;

    br_error_clear(&err);
    assert_int_equal(store_open(f->db, &st, &err), 0);
    st->ops->close(st);
}

static bool
exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* A journal left behind is loaded when the log is next opened: its whole lines, each once; a
 * line cut short at the end (it was being written) and a damaged one are skipped.  Then the
 * journal is removed, and opening the log again loads nothing twice. */
static void
test_a_journal_left_behind_is_loaded_once(void **state)
{
    struct fixture *f = *state;
    char text[2048], path[256];

    start_journal(text, sizeof(text), 7);
    add_entry(text, sizeof(text), "test.left.a", false);
    strcat(text, "not an entry\n");
    add_entry(text, sizeof(text), "test.left.b", false);
    add_entry(text, sizeof(text), "test.left.torn", true);
    write_journal(f, 3, text);

    open_and_close(f);
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log WHERE action IN "
                                    "('test.left.a', 'test.left.b') AND user_id = 7 AND "
                                    "person_id = 5 AND entity = 'person' AND entity_id = 5 AND "
                                    "reason IS NULL AND before IS NULL AND after = '{\"n\":1}' "
                                    "AND at = '2026-11-20 10:00:00'"),
                     2);
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log"), 2);
    journal_path(f, 3, path, sizeof(path));
    assert_false(exists(path));
    /* The journal this process took for itself is gone too, with everything loaded. */
    journal_path(f, 1, path, sizeof(path));
    assert_false(exists(path));

    open_and_close(f);
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log"), 2);
}

/* The log marks how far it has loaded which content of a journal: a journal whose content the
 * mark names is loaded from the mark on (what is before it is in the log already); one whose
 * epoch the mark does not name (it was emptied since) is loaded whole. */
static void
test_a_journal_is_loaded_from_its_mark(void **state)
{
    struct fixture *f = *state;
    char text[2048], sql[256];

    start_journal(text, sizeof(text), 41);
    add_entry(text, sizeof(text), "test.marked.before", false);
    size_t mark = strlen(text);
    add_entry(text, sizeof(text), "test.marked.after", false);
    write_journal(f, 2, text);
    /* The same content under another epoch in slot 4, whose mark names an older one. */
    char *other = strdup(text);
    char *epoch = strstr(other, "41");
    epoch[0] = '4';
    epoch[1] = '2';
    write_journal(f, 4, other);
    free(other);
    snprintf(sql, sizeof(sql),
             "INSERT INTO read_journals (slot, epoch, loaded) VALUES (2, 41, %zu), (4, 40, %zu)",
             mark, mark);
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_journals"), 0);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(f->reads, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    exec_ok(db, sql);
    sqlite3_close(db);

    open_and_close(f);
    assert_int_equal(
        count_reads(f, "SELECT count(*) FROM read_log WHERE action = 'test.marked.before'"), 1);
    assert_int_equal(
        count_reads(f, "SELECT count(*) FROM read_log WHERE action = 'test.marked.after'"), 2);
}

/* A process that dies after answering reads, without closing the log, loses none of their
 * entries: they are in its journal, which the next process loads.  (The child opens the store
 * after the fork, in a process with no other thread.) */
static void
test_a_crashed_process_loses_no_read(void **state)
{
    struct fixture *f = *state;
    char path[256];

    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct store *st = NULL;
        struct br_error err;
        br_error_clear(&err);
        if (store_open(f->db, &st, &err) != 0)
            _exit(2);
        for (int i = 0; i < 3; i++) {
            struct audit_entry e = {.user_id = 9, .person_id = 5 + i, .action = "test.crashed",
                                    .entity = "person", .entity_id = 5 + i};
            if (st->ops->begin_read(st, &err) != 0 || st->ops->audit_append(st, &e, &err) != 0 ||
                st->ops->commit(st, &err) != 0)
                _exit(3);
        }
        _exit(0); /* no close: the log's thread has not loaded them (it waits 50 ms) */
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    journal_path(f, 1, path, sizeof(path));
    assert_true(exists(path)); /* left behind, with the entries */

    open_and_close(f);
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log WHERE action = "
                                    "'test.crashed' AND user_id = 9"),
                     3);
    assert_int_equal(count_reads(f, "SELECT count(DISTINCT person_id) FROM read_log"), 3);
    assert_false(exists(path));
}

/* While a process holds its journal, another one opening the log takes another journal and
 * leaves that one alone; the entries of both are in the log once both have closed it. */
static void
test_two_processes_keep_two_journals(void **state)
{
    struct fixture *f = *state;
    struct store *st = NULL;
    struct br_error err;
    char first[256], second[256];

    br_error_clear(&err);
    assert_int_equal(store_open(f->db, &st, &err), 0);
    journal_path(f, 1, first, sizeof(first));
    journal_path(f, 2, second, sizeof(second));
    assert_true(exists(first));
    struct audit_entry mine = {.user_id = 1, .action = "test.parent"};
    assert_int_equal(st->ops->begin_read(st, &err), 0);
    assert_int_equal(st->ops->audit_append(st, &mine, &err), 0);
    assert_int_equal(st->ops->commit(st, &err), 0);

    /* The other process (braid backup, which opens the store and flushes its own log of reads):
     * its own journal (slot 2), and slot 1 left as it is. */
    char copy[256];
    snprintf(copy, sizeof(copy), "%s/copy.db", f->dir);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        const char *braid = getenv("BRAID");
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(braid != NULL ? braid : "build/braid", "braid", "backup", copy, "--db", f->db,
              (char *)NULL);
        _exit(127);
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_true(exists(first));
    assert_false(exists(second)); /* the other process closed, and removed its own */
    unlink(copy);
    snprintf(copy, sizeof(copy), "%s/copy.db" SQLITE_READ_LOG_SUFFIX, f->dir);
    unlink(copy);
    reads_flushed(st);
    assert_int_equal(count_reads(f, "SELECT count(*) FROM read_log WHERE action = 'test.parent'"),
                     1);
    st->ops->close(st);
    assert_false(exists(first));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_journal_left_behind_is_loaded_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_journal_is_loaded_from_its_mark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_crashed_process_loses_no_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_processes_keep_two_journals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
