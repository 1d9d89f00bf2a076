/* test_import.c — app_import and app_export_bundles over a real SQLite database in a temporary
 * directory: bundles (examples/people.jsonl, and bundles with the person, notes and contacts),
 * the export/import round trip, all-or-nothing and --partial with its reject file, people and
 * services CSV (mapping file, unknown headers, unknown people and codes, rules), duplicate ids,
 * SSNs stored only sealed, duplicate-person warnings, and the clock stored with each person. */
#include "testutil.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "app/app.h"
#include "app/bundle.h"
#include "app/import.h"
#include "core/mem.h"
#include "store/sqlite.h"

#define TODAY "2026-11-23"
#define MAX_PROBLEMS 64

/* A problem as import reported it, copied (the report's error lives only during the call). */
struct seen {
    long row;
    bool warning;
    char id[64];
    struct br_error err;
};

struct fixture {
    char dir[64];
    char db[128];
    char db2[128];
    struct app app;
    struct seen seen[MAX_PROBLEMS];
    size_t n_seen;
    struct import_result result;
    struct br_error err;
};

static void
remove_db(const char *db)
{
    char path[256];
    const char *suffixes[] = {"", "-wal", "-shm", ".key", "-reads", "-reads-wal", "-reads-shm"};

    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", db, suffixes[i]);
        unlink(path);
    }
}

static int
setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));

    br_error_clear(&f->err);
    snprintf(f->dir, sizeof(f->dir), "/tmp/braid-import-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/braid.db", f->dir);
    snprintf(f->db2, sizeof(f->db2), "%s/second.db", f->dir);
    setenv("BRAID_TODAY", TODAY, 1);
    assert_int_equal(app_init_database(f->db, "data/catalog.json", &f->err), 0);
    assert_int_equal(app_open(&f->app, f->db, &f->err), 0);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char path[256];
    const char *files[] = {"in.txt", "map.json", "rejects.txt", "big.csv"};

    app_close(&f->app);
    remove_db(f->db);
    remove_db(f->db2);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------------- */

static void
collect(void *ctx, const struct import_problem *problem)
{
    struct fixture *f = ctx;

    assert_true(f->n_seen < MAX_PROBLEMS);
    struct seen *s = &f->seen[f->n_seen++];
    s->row = problem->row;
    s->warning = problem->warning;
    snprintf(s->id, sizeof(s->id), "%s", problem->id ? problem->id : "");
    s->err = *problem->err;
}

static void
file_path(const struct fixture *f, const char *name, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s/%s", f->dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

static void
write_file(const char *path, const char *text, size_t len)
{
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(text, 1, len, out), len);
    assert_int_equal(fclose(out), 0);
}

static char *
read_file(const char *path, size_t *len)
{
    FILE *in = fopen(path, "rb");
    char *buf;
    long size;

    assert_non_null(in);
    assert_int_equal(fseek(in, 0, SEEK_END), 0);
    size = ftell(in);
    assert_true(size >= 0);
    rewind(in);
    buf = xmalloc((size_t)size + 1);
    assert_int_equal(fread(buf, 1, (size_t)size, in), (size_t)size);
    buf[size] = '\0';
    fclose(in);
    *len = (size_t)size;
    return buf;
}

/* Imports text into app (f->app unless another is given), collecting problems in f->seen. */
static int
import_into(struct fixture *f, struct app *app, enum import_kind kind, const char *text,
            const char *map, FILE *reject)
{
    char path[256], map_path[256];
    struct import_options opts = {
        .kind = kind,
        .name = "in.txt",
        .partial = reject != NULL,
        .reject = reject,
        .report = collect,
        .report_ctx = f,
    };

    file_path(f, "in.txt", path, sizeof(path));
    write_file(path, text, strlen(text));
    if (map != NULL) {
        file_path(f, "map.json", map_path, sizeof(map_path));
        write_file(map_path, map, strlen(map));
        opts.map_path = map_path;
    }
    f->n_seen = 0;
    br_error_clear(&f->err);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    int rc = app_import(app, &opts, fd, &f->result, &f->err);
    close(fd);
    return rc;
}

static int
import_text(struct fixture *f, enum import_kind kind, const char *text)
{
    return import_into(f, &f->app, kind, text, NULL, NULL);
}

/* Imports examples/people.jsonl; it must all go in. */
static void
import_examples(struct fixture *f)
{
    size_t len;
    char *text = read_file("examples/people.jsonl", &len);
    assert_int_equal(import_text(f, IMPORT_BUNDLES, text), 0);
    assert_int_equal(f->result.failed, 0);
    free(text);
}

static int64_t
people_count(const struct fixture *f)
{
    return file_count_with_reads(f->db, "SELECT count(*) FROM people");
}

/* Whether a collected problem of this row names field (exactly) among its fields. */
static const struct seen *
seen_row(const struct fixture *f, long row)
{
    for (size_t i = 0; i < f->n_seen; i++) {
        if (f->seen[i].row == row && !f->seen[i].warning)
            return &f->seen[i];
    }
    return NULL;
}

static void
assert_row_field(const struct fixture *f, long row, const char *field, const char *problem_part)
{
    const struct seen *s = seen_row(f, row);

    if (s == NULL)
        fail_msg("no problem reported for row %ld", row);
    for (size_t i = 0; i < s->err.n_fields; i++) {
        if (strcmp(s->err.fields[i].field, field) == 0) {
            if (problem_part != NULL && strstr(s->err.fields[i].problem, problem_part) == NULL)
                fail_msg("row %ld %s: \"%s\" does not mention \"%s\"", row, field,
                         s->err.fields[i].problem, problem_part);
            return;
        }
    }
    fail_msg("row %ld: no problem on field %s (first: %s: %s)", row, field,
             s->err.n_fields ? s->err.fields[0].field : "-",
             s->err.n_fields ? s->err.fields[0].problem : s->err.message);
}

/* Whether the n bytes at data hold needle anywhere. */
static bool
contains(const void *data, size_t n, const char *needle)
{
    size_t len = strlen(needle);
    const char *p = data;

    for (size_t i = 0; p != NULL && i + len <= n; i++) {
        if (memcmp(p + i, needle, len) == 0)
            return true;
    }
    return false;
}

static int64_t
person_id_of(struct fixture *f, struct app *app, const char *external_id)
{
    int64_t id = 0;
    assert_int_equal(
        app->store->ops->person_by_external_id(app->store, external_id, &id, &f->err), 0);
    return id;
}

/* Every person of app as bundle lines, into a new string. */
static char *
export_all(struct app *app, long *people)
{
    char *text = NULL;
    size_t len = 0;
    struct br_error err;
    FILE *out = open_memstream(&text, &len);

    assert_non_null(out);
    br_error_clear(&err);
    assert_int_equal(app_export_bundles(app, out, NULL, NULL, people, &err), 0);
    assert_int_equal(fclose(out), 0);
    return text;
}

static const char *const full_bundle =
    "{\"id\": \"A-1\", \"person\": {\"first_name\": \"Ana\", \"last_name\": \"Lopez\", "
    "\"birth_date\": \"1990-05-17\", \"sex\": \"female\", \"ssn\": \"123-45-6789\", "
    "\"veteran\": true, \"low_income\": false, \"homeless\": null, \"dw_category\": "
    "\"laid_off\", \"taa_petition\": \"TA-W-12345\"}, "
    "\"enrollments\": [{\"program\": \"WP\", \"eligibility_date\": \"2026-08-03\"}, "
    "{\"program\": \"ADULT\", \"eligibility_date\": \"2026-08-10\"}], "
    "\"services\": [{\"program\": \"WP\", \"code\": \"ORIENTATION\", \"start_date\": "
    "\"2026-08-03\", \"end_date\": \"2026-08-03\"}, {\"program\": \"ADULT\", \"code\": "
    "\"INITIAL_ASSESSMENT\", \"start_date\": \"2026-08-10\", \"end_date\": \"2026-08-10\"}, "
    "{\"program\": \"ADULT\", \"code\": \"OCCUPATIONAL_TRAINING\", \"start_date\": \"2026-09-01\", "
    "\"projected_end_date\": \"2027-03-01\"}], "
    "\"notes\": [{\"service\": 1, \"written_on\": \"2026-08-11\", \"body\": \"Assessment done; "
    "\\\"quoted\\\", \\u00fcnicode, and a\\nsecond line.\", \"confidential\": true}, "
    "{\"service\": null, \"written_on\": \"2026-08-12\", \"body\": \"Status update.\"}], "
    "\"contacts\": [{\"contacted_on\": \"2026-09-15\", \"method\": \"phone\", \"responded\": true, "
    "\"outcome\": \"Attending class.\"}, {\"contacted_on\": \"2026-10-01\", \"method\": "
    "\"letter\"}]}\n";

/* ---- bundles ------------------------------------------------------------------------------- */

static void
test_examples_imported_with_clocks_and_audit(void **state)
{
    struct fixture *f = *state;
    struct stored_clock clocks[8];
    size_t n = 0;

    import_examples(f);
    assert_int_equal(f->result.rows, 9);
    assert_int_equal(f->result.imported, 9);
    assert_int_equal(people_count(f), 9);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM audit_log WHERE action = "
                                                  "'person.import'"),
                     9);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM planned_gaps"), 1);
    /* The stored clock is the one the exit engine gives as of today. */
    int64_t id = person_id_of(f, &f->app, "P-1001");
    assert_int_equal(f->app.store->ops->clocks_get(f->app.store, id, clocks, 8, &n, &f->err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(clocks[0].status, EXIT_STATUS_ACTIVE);
    assert_int_equal(clocks[0].computed_on, D(TODAY));
    /* SUPPORTIVE on 11-16 does not count (RULES.md §4): the job referral of 11-02 does. */
    assert_int_equal(clocks[0].last_service_on, D("2026-11-02"));
    /* Every person has their clocks, whatever their state. */
    assert_int_equal(
        file_count_with_reads(f->db, "SELECT count(DISTINCT person_id) FROM exit_clocks"), 9);
    /* An integer id becomes the text of the number. */
    assert_true(person_id_of(f, &f->app, "1009") > 0);
}

static void
test_full_bundle_keeps_person_notes_contacts(void **state)
{
    struct fixture *f = *state;
    struct stored_person person;
    struct case_note *notes = NULL;
    struct contact *contacts = NULL;
    size_t n_notes = 0, cap_notes = 0, n_contacts = 0, cap_contacts = 0;
    struct store *st = f->app.store;

    assert_int_equal(import_text(f, IMPORT_BUNDLES, full_bundle), 0);
    int64_t id = person_id_of(f, &f->app, "A-1");
    assert_int_equal(st->ops->person_get(st, id, &person, &f->err), 0);
    assert_string_equal(person.facts.first_name, "Ana");
    assert_string_equal(person.facts.last_name, "Lopez");
    assert_int_equal(person.facts.birth_on, D("1990-05-17"));
    assert_int_equal(person.facts.sex, SEX_FEMALE);
    assert_int_equal(person.facts.veteran, FACT_YES);
    assert_int_equal(person.facts.low_income, FACT_NO);
    assert_int_equal(person.facts.homeless, FACT_UNKNOWN);
    assert_int_equal(person.facts.dw_category, DW_LAID_OFF);
    assert_string_equal(person.facts.taa_petition, "TA-W-12345");
    assert_string_equal(person.facts.ssn_last4, "6789");

    assert_int_equal(st->ops->record_load(st, &f->app.catalog, id, &f->app.record, &f->err), 0);
    assert_int_equal(f->app.record.n_services, 3);
    assert_int_equal(st->ops->notes_load(st, id, &notes, &n_notes, &cap_notes, &f->err), 0);
    assert_int_equal(n_notes, 2);
    assert_int_equal(notes[0].service_id, f->app.record.services[1].id);
    assert_true(notes[0].confidential);
    assert_string_equal(notes[0].body,
                        "Assessment done; \"quoted\", \xC3\xBCnicode, and a\nsecond line.");
    assert_int_equal(notes[1].service_id, 0);
    assert_false(notes[1].confidential);
    assert_int_equal(notes[1].written_on, D("2026-08-12"));
    /* A second load reuses the array and frees the bodies it replaces. */
    assert_int_equal(st->ops->notes_load(st, id, &notes, &n_notes, &cap_notes, &f->err), 0);
    assert_int_equal(n_notes, 2);
    assert_int_equal(st->ops->contacts_load(st, id, &contacts, &n_contacts, &cap_contacts,
                                            &f->err),
                     0);
    assert_int_equal(n_contacts, 2);
    assert_int_equal(contacts[0].method, CONTACT_PHONE);
    assert_true(contacts[0].responded);
    assert_string_equal(contacts[0].outcome, "Attending class.");
    assert_int_equal(contacts[1].method, CONTACT_LETTER);
    assert_false(contacts[1].responded);
    assert_string_equal(contacts[1].outcome, "");
    for (size_t i = 0; i < n_notes; i++)
        free(notes[i].body);
    free(notes);
    free(contacts);
}

static void
test_export_import_export_round_trip(void **state)
{
    struct fixture *f = *state;
    struct app second;
    long people = 0, people2 = 0;

    import_examples(f);
    assert_int_equal(import_text(f, IMPORT_BUNDLES, full_bundle), 0);
    char *first = export_all(&f->app, &people);
    assert_int_equal(people, 10);
    /* The export never holds the SSN, only its last four digits. */
    assert_null(strstr(first, "123-45-6789"));
    assert_null(strstr(first, "123456789"));
    assert_non_null(strstr(first, "\"ssn_last4\":\"6789\""));

    assert_int_equal(app_init_database(f->db2, "data/catalog.json", &f->err), 0);
    assert_int_equal(app_open(&second, f->db2, &f->err), 0);
    assert_int_equal(import_into(f, &second, IMPORT_BUNDLES, first, NULL, NULL), 0);
    assert_int_equal(f->result.imported, 10);
    char *again = export_all(&second, &people2);
    assert_int_equal(people2, 10);
    assert_string_equal(first, again);

    /* And the exported lines are what `braid exits --input` reads. */
    struct person_record record;
    person_record_init(&record);
    const char *line = first;
    int lines = 0;
    while (*line != '\0') {
        const char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_int_equal(bundle_parse(&f->app.catalog, &f->app.policy, line, (size_t)(nl - line),
                                      &record, NULL, &f->err),
                         0);
        lines++;
        line = nl + 1;
    }
    assert_int_equal(lines, 10);
    person_record_cleanup(&record);
    free(first);
    free(again);
    app_close(&second);
}

static void
test_all_or_nothing_reports_every_bad_row(void **state)
{
    struct fixture *f = *state;
    const char *text =
        "{\"id\": \"G-1\", \"enrollments\": [{\"program\": \"WP\", \"eligibility_date\": "
        "\"2026-01-05\"}], \"services\": [{\"program\": \"WP\", \"code\": \"INITIAL_ASSESSMENT\", "
        "\"start_date\": \"2026-01-05\", \"end_date\": \"2026-01-05\"}]}\n"
        "{\"id\": \"B-2\", \"services\": [{\"program\": \"WP\", \"code\": \"NO_SUCH_CODE\", "
        "\"start_date\": \"2026-01-05\"}]}\n"
        "{\"id\": \"G-3\"}\n"
        "\n"
        "{\"id\": \"B-5\", \"person\": {\"birth_date\": \"1990-02-30\", \"sex\": \"x\"}, "
        "\"notes\": [{\"written_on\": \"2026-01-01\", \"body\": \"ok\"}, {\"service\": 3, "
        "\"written_on\": \"soon\", \"body\": \"\"}], \"contacts\": [{\"contacted_on\": "
        "\"2026-01-02\", \"method\": \"pigeon\", \"mood\": 1}]}\n"
        "not json\n"
        "{\"id\": \"G-7\", \"person\": {\"first_name\": \"Bo\", \"last_name\": \"Li\"}}\n";

    assert_int_equal(import_text(f, IMPORT_BUNDLES, text), BR_EINVAL);
    assert_non_null(strstr(f->err.message, "nothing was imported"));
    assert_int_equal(f->result.rows, 6);
    assert_int_equal(f->result.failed, 3);
    assert_int_equal(f->result.imported, 0);
    assert_int_equal(f->n_seen, 3);
    assert_row_field(f, 2, "services[0].code", "NO_SUCH_CODE");
    assert_string_equal(seen_row(f, 2)->id, "B-2");
    /* Line numbers count the blank line; every bad field of the line is named. */
    assert_row_field(f, 5, "person.birth_date", "not a date");
    assert_row_field(f, 5, "person.sex", "female");
    assert_row_field(f, 5, "notes[1].service", "3");
    assert_row_field(f, 5, "notes[1].written_on", NULL);
    assert_row_field(f, 5, "notes[1].body", "empty");
    assert_row_field(f, 5, "contacts[0].method", "pigeon");
    assert_row_field(f, 5, "contacts[0].mood", "not a known field");
    assert_int_equal(seen_row(f, 6)->err.code, BR_EPARSE);
    /* Nothing at all was written: no person, no audit entry (of either log), no clock. */
    assert_int_equal(people_count(f), 0);
    assert_int_equal(file_count_with_reads(f->db, "SELECT (SELECT count(*) FROM audit_log) + "
                                                  "(SELECT count(*) FROM reads.read_log)"),
                     0);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM exit_clocks"), 0);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM services"), 0);
}

static void
test_partial_commits_good_rows_and_rejects_bad_lines(void **state)
{
    struct fixture *f = *state;
    char reject_path[256];
    const char *good1 = "{\"id\": \"G-1\"}";
    const char *bad2 = "{\"id\": \"B-2\", \"gaps\": [{\"program\": \"WP\"}]}";
    const char *good3 = "{\"id\": \"G-3\", \"person\": {\"first_name\": \"C\"}}";
    const char *bad4 = "{\"id\": \"G-1\"}"; /* the id of an earlier row */
    const char *bad5 = "{\"id\": \"B-5\", \"outcomes\": [{\"kind\": \"employment\"}]}";
    char text[1024], expected[512];
    size_t len;

    snprintf(text, sizeof(text), "%s\n%s\n%s\n%s\n%s", good1, bad2, good3, bad4, bad5);
    snprintf(expected, sizeof(expected), "%s\n%s\n%s\n", bad2, bad4, bad5);
    file_path(f, "rejects.txt", reject_path, sizeof(reject_path));
    FILE *reject = fopen(reject_path, "w");
    assert_non_null(reject);
    assert_int_equal(import_into(f, &f->app, IMPORT_BUNDLES, text, NULL, reject), 0);
    assert_int_equal(fclose(reject), 0);
    assert_int_equal(f->result.imported, 2);
    assert_int_equal(f->result.failed, 3);
    assert_row_field(f, 2, "gaps[0].start_date", "required");
    assert_row_field(f, 4, "id", "earlier row of this file");
    assert_int_equal(seen_row(f, 4)->err.code, BR_ECONFLICT);
    assert_row_field(f, 5, "outcomes", NULL);
    char *rejected = read_file(reject_path, &len);
    assert_string_equal(rejected, expected);
    free(rejected);
    assert_int_equal(people_count(f), 2);
    assert_true(person_id_of(f, &f->app, "G-3") > 0);
}

static void
test_duplicate_external_id_in_database(void **state)
{
    struct fixture *f = *state;

    import_examples(f);
    /* (A byte-order mark before the first bundle is not part of it.) */
    assert_int_equal(import_text(f, IMPORT_BUNDLES, "\xEF\xBB\xBF{\"id\": \"P-1003\"}\n"),
                     BR_EINVAL);
    assert_row_field(f, 1, "id", "already in the database");
    assert_int_equal(people_count(f), 9);
    assert_int_equal(import_text(f, IMPORT_PEOPLE, "id,first_name,last_name\nP-1001,A,B\n"),
                     BR_EINVAL);
    assert_row_field(f, 1, "id", "already in the database");
    assert_int_equal(people_count(f), 9);
}

/* ---- people CSV ---------------------------------------------------------------------------- */

static void
test_people_csv_with_mapping_file(void **state)
{
    struct fixture *f = *state;
    struct stored_person person;
    const char *map = "{\"columns\": {\"Person ID\": \"id\", \"Given Name\": \"first_name\", "
                      "\"Family Name\": \"last_name\", \"DOB\": \"birth_date\", \"Gender\": "
                      "\"sex\", \"Vet\": \"veteran\", \"Comments\": null}}";
    /* CRLF line endings, a byte-order mark, quoted fields with commas, quotes and a newline. */
    const char *csv = "\xEF\xBB\xBFPerson ID,Given Name,Family Name,DOB,Gender,Vet,Comments,"
                      "homeless\r\n"
                      "X-1,\"Mary, Jo\",O'Neil,1985-03-04,female,Y,\"said \"\"hi\"\"\r\nthen "
                      "left\",\r\n"
                      "\r\n"
                      "X-2,Sam,Park,,male,no,caf\xE9 (Latin-1; skipped),true\r\n";

    assert_int_equal(import_into(f, &f->app, IMPORT_PEOPLE, csv, map, NULL), 0);
    assert_int_equal(f->result.rows, 2);
    assert_int_equal(f->result.imported, 2);
    assert_int_equal(f->app.store->ops->person_get(f->app.store, person_id_of(f, &f->app, "X-1"),
                                                   &person, &f->err),
                     0);
    assert_string_equal(person.facts.first_name, "Mary, Jo");
    assert_string_equal(person.facts.last_name, "O'Neil");
    assert_int_equal(person.facts.birth_on, D("1985-03-04"));
    assert_int_equal(person.facts.sex, SEX_FEMALE);
    assert_int_equal(person.facts.veteran, FACT_YES);
    assert_int_equal(person.facts.homeless, FACT_UNKNOWN);
    assert_int_equal(f->app.store->ops->person_get(f->app.store, person_id_of(f, &f->app, "X-2"),
                                                   &person, &f->err),
                     0);
    assert_int_equal(person.facts.birth_on, DATE_NONE);
    assert_int_equal(person.facts.veteran, FACT_NO);
    assert_int_equal(person.facts.homeless, FACT_YES);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM audit_log WHERE action = "
                                                  "'person.import'"),
                     2);
}

static void
test_people_csv_bad_values_name_their_columns(void **state)
{
    struct fixture *f = *state;
    const char *map = "{\"columns\": {\"DOB\": \"birth_date\"}}";
    const char *csv = "id,first_name,last_name,DOB,veteran,ssn\n"
                      "Y-1,Ann,Lee,1985-13-01,maybe,987-65-432\n"
                      "Y-2,,Lee,,,\n"
                      "Y-3,Ann,Lee,1980-01-01\n"
                      "Y-4,\"Ann\"x,Lee,,,\n"
                      "Y-5,Bea,Lee,,,666-80-2020\n";

    assert_int_equal(import_into(f, &f->app, IMPORT_PEOPLE, csv, map, NULL), BR_EINVAL);
    assert_int_equal(f->result.failed, 5);
    assert_row_field(f, 1, "DOB", "not a date");
    assert_row_field(f, 1, "veteran", "maybe");
    assert_row_field(f, 1, "ssn", "9 digits");
    assert_string_equal(seen_row(f, 1)->id, "Y-1");
    assert_row_field(f, 2, "first_name", "required");
    assert_row_field(f, 3, "row", "has 4 fields; the header has 6");
    assert_row_field(f, 4, "row", "quote");
    assert_int_equal(seen_row(f, 4)->err.code, BR_EPARSE);
    assert_row_field(f, 5, "ssn", NULL);
    /* No problem text ever holds the SSN. */
    for (size_t i = 0; i < f->n_seen; i++) {
        for (size_t k = 0; k < f->seen[i].err.n_fields; k++) {
            assert_null(strstr(f->seen[i].err.fields[k].problem, "65-432"));
            assert_null(strstr(f->seen[i].err.fields[k].problem, "2020"));
        }
    }
    assert_int_equal(people_count(f), 0);
}

static void
test_unknown_header_rejected(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(import_text(f, IMPORT_PEOPLE, "id,frist_name,last_name,vetran\nZ-1,A,B,yes\n"),
                     BR_EINVAL);
    assert_int_equal(f->result.rows, 0);
    assert_false(f->result.setup_failed);
    bool typo = false, typo2 = false, missing = false;
    for (size_t i = 0; i < f->err.n_fields; i++) {
        typo |= strcmp(f->err.fields[i].field, "frist_name") == 0;
        typo2 |= strcmp(f->err.fields[i].field, "vetran") == 0;
        missing |= strcmp(f->err.fields[i].field, "first_name") == 0 &&
                   strstr(f->err.fields[i].problem, "required") != NULL;
    }
    assert_true(typo);
    assert_true(typo2);
    assert_true(missing);
    assert_int_equal(people_count(f), 0);

    /* The same columns twice, and a mapping to a field that does not exist. */
    assert_int_equal(import_into(f, &f->app, IMPORT_PEOPLE, "id,first_name,Name,last_name\n",
                                 "{\"columns\": {\"Name\": \"first_name\"}}", NULL),
                     BR_EINVAL);
    assert_string_equal(f->err.fields[0].field, "Name");
    assert_int_equal(import_into(f, &f->app, IMPORT_PEOPLE, "id\n",
                                 "{\"columns\": {\"Name\": \"fist_name\"}, \"extra\": 1}", NULL),
                     BR_EINVAL);
    assert_true(f->result.setup_failed);
    assert_int_equal(f->err.n_fields, 2);
    /* An empty file has no header. */
    assert_int_equal(import_text(f, IMPORT_PEOPLE, ""), BR_EINVAL);
}

static void
test_ssn_stored_only_sealed_and_duplicates_warned(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db;
    sqlite3_stmt *stmt;
    int rows = 0;

    assert_int_equal(import_text(f, IMPORT_PEOPLE, "id,first_name,last_name,birth_date,ssn\n"
                                                   "S-1,Ana,Diaz,1990-01-02,123-45-6789\n"),
                     0);
    assert_int_equal(f->result.warnings, 0);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM identities"), 1);
    /* Nothing in an identities row holds the nine digits, in any form. */
    assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT * FROM identities", -1, &stmt, NULL),
                     SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        rows++;
        for (int c = 0; c < sqlite3_column_count(stmt); c++) {
            const void *bytes = sqlite3_column_blob(stmt, c);
            size_t n = (size_t)sqlite3_column_bytes(stmt, c);
            assert_false(contains(bytes, n, "123456789"));
            assert_false(contains(bytes, n, "123-45-6789"));
            assert_false(contains(bytes, n, "12345"));
        }
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    assert_int_equal(rows, 1);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM people WHERE facts LIKE "
                                                  "'%12345%'"),
                     0);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM people WHERE facts LIKE "
                                                  "'%\"ssn_last4\":\"6789\"%'"),
                     1);

    /* The same SSN under another id and name: imported, with a warning naming the other. */
    assert_int_equal(import_text(f, IMPORT_PEOPLE, "id,first_name,last_name,ssn\n"
                                                   "S-2,Anna,Dias,123456789\n"),
                     0);
    assert_int_equal(f->result.imported, 1);
    assert_int_equal(f->result.warnings, 1);
    assert_int_equal(f->n_seen, 1);
    assert_true(f->seen[0].warning);
    assert_string_equal(f->seen[0].id, "S-2");
    assert_non_null(strstr(f->seen[0].err.message, "S-1"));
    /* The same name and birth date, without an SSN: a warning too. */
    assert_int_equal(import_text(f, IMPORT_BUNDLES, "{\"id\": \"S-3\", \"person\": {"
                                                    "\"first_name\": \"Ana\", \"last_name\": "
                                                    "\"Diaz\", \"birth_date\": \"1990-01-02\"}}"),
                     0);
    assert_int_equal(f->result.warnings, 1);
    assert_int_equal(people_count(f), 3);
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM identities"), 2);
}

/* ---- services CSV -------------------------------------------------------------------------- */

static void
test_services_csv_checked_against_the_record(void **state)
{
    struct fixture *f = *state;
    struct stored_clock clocks[8];
    size_t n = 0;
    char reject_path[256];
    const char *csv =
        "person_id,program,code,start_date,end_date,projected_end_date,provider\n"
        "P-1001,ADULT,CASE_MANAGEMENT,2026-11-20,2026-11-20,,Northside AJC\n"
        "NOBODY,ADULT,CASE_MANAGEMENT,2026-11-20,,,\n"
        "P-1001,ADULT,NAPPING,2026-11-20,,,\n"
        "P-1001,DW,CASE_MANAGEMENT,2026-11-20,,,\n"
        "P-1001,ADULT,CASE_MANAGEMENT,2026-11-21,2026-11-19,,\n";

    import_examples(f);
    int64_t id = person_id_of(f, &f->app, "P-1001");
    assert_int_equal(import_text(f, IMPORT_SERVICES, csv), BR_EINVAL);
    assert_int_equal(f->result.failed, 4);
    assert_row_field(f, 2, "person_id", "NOBODY");
    assert_row_field(f, 3, "code", "NAPPING");
    /* DW has no eligibility determination for this person (RULES.md §3). */
    assert_row_field(f, 4, "start_date", NULL);
    assert_row_field(f, 5, "end_date", "before it starts");
    char sql[128];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM services WHERE person_id = %lld AND start_date >= '2026-11-20'",
             (long long)id);
    assert_int_equal(file_count_with_reads(f->db, sql), 0);

    file_path(f, "rejects.txt", reject_path, sizeof(reject_path));
    FILE *reject = fopen(reject_path, "w");
    assert_non_null(reject);
    assert_int_equal(import_into(f, &f->app, IMPORT_SERVICES, csv, NULL, reject), 0);
    fclose(reject);
    assert_int_equal(f->result.imported, 1);
    size_t len;
    char *rejected = read_file(reject_path, &len);
    /* The reject file is a CSV of its own: the header, then the bad rows as they were. */
    assert_string_equal(rejected,
                        "person_id,program,code,start_date,end_date,projected_end_date,provider\n"
                        "NOBODY,ADULT,CASE_MANAGEMENT,2026-11-20,,,\n"
                        "P-1001,ADULT,NAPPING,2026-11-20,,,\n"
                        "P-1001,DW,CASE_MANAGEMENT,2026-11-20,,,\n"
                        "P-1001,ADULT,CASE_MANAGEMENT,2026-11-21,2026-11-19,,\n");
    free(rejected);
    assert_int_equal(file_count_with_reads(f->db,
                                           "SELECT count(*) FROM services WHERE start_date = "
                                           "'2026-11-20' AND provider = 'Northside AJC'"),
                     1);
    /* The clock moved to the new last service. */
    assert_int_equal(f->app.store->ops->clocks_get(f->app.store, id, clocks, 8, &n, &f->err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(clocks[0].last_service_on, D("2026-11-20"));
    assert_int_equal(file_count_with_reads(f->db, "SELECT count(*) FROM audit_log WHERE action = "
                                                  "'service.import'"),
                     1);
}

static void
test_youth_service_before_objective_assessment(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(import_text(f, IMPORT_BUNDLES,
                                 "{\"id\": \"Y-1\", \"enrollments\": [{\"program\": \"YOUTH\", "
                                 "\"eligibility_date\": \"2026-06-01\"}]}\n"),
                     0);
    assert_int_equal(import_text(f, IMPORT_SERVICES,
                                 "person_id,program,code,start_date\n"
                                 "Y-1,YOUTH,TUTORING,2026-06-02\n"
                                 "Y-1,YOUTH,OBJECTIVE_ASSESSMENT,2026-06-03\n"
                                 "Y-1,YOUTH,TUTORING,2026-06-04\n"),
                     BR_EINVAL);
    /* Only the first breaks the rule: the later rows see the assessment of the row above. */
    assert_int_equal(f->result.failed, 1);
    assert_non_null(seen_row(f, 1));
    assert_null(seen_row(f, 3));
}

/* ---- caps and malformed input -------------------------------------------------------------- */

static void
test_field_over_cap_stops_the_import(void **state)
{
    struct fixture *f = *state;
    size_t big = IMPORT_FIELD_MAX + 10;
    const char *head = "id,first_name,last_name\nW-1,A,B\nW-2,";
    char *csv = xmalloc(strlen(head) + big + 8);
    size_t len = strlen(head);

    memcpy(csv, head, len);
    memset(csv + len, 'x', big);
    memcpy(csv + len + big, ",B\n", 4);
    assert_int_equal(import_text(f, IMPORT_PEOPLE, csv), BR_ETOOBIG);
    assert_non_null(strstr(f->err.message, "row 2"));
    assert_int_equal(people_count(f), 0);
    free(csv);

    /* A bundle line over the line cap, the same. */
    size_t line = IMPORT_LINE_MAX + 16;
    char *text = xmalloc(line + 2);
    memset(text, ' ', line);
    memcpy(text, "{\"id\": \"L\"}", 11);
    text[line] = '\n';
    text[line + 1] = '\0';
    assert_int_equal(import_text(f, IMPORT_BUNDLES, text), BR_ETOOBIG);
    free(text);
    assert_int_equal(people_count(f), 0);
}

static void
test_bundle_parse_full_extras_and_plain_parse(void **state)
{
    struct fixture *f = *state;
    struct bundle_extras extras;
    struct person_record record;
    const char *line = "{\"id\": \"Q\", \"person\": {\"ssn_last4\": \"12a4\", \"veteran\": "
                       "\"yes\", \"nickname\": \"Q\"}, \"facts\": {}}";

    bundle_extras_init(&extras);
    person_record_init(&record);
    assert_int_equal(bundle_parse_full(&f->app.catalog, &f->app.policy, full_bundle,
                                       strlen(full_bundle), &record, &extras, NULL, &f->err),
                     0);
    assert_true(extras.has_person);
    assert_string_equal(extras.ssn, "123-45-6789");
    assert_int_equal(extras.n_notes, 2);
    assert_int_equal(extras.notes[0].service, 1);
    assert_int_equal(extras.notes[1].service, -1);
    assert_int_equal(extras.n_contacts, 2);
    assert_int_equal(bundle_parse_full(&f->app.catalog, &f->app.policy, line, strlen(line),
                                       &record, &extras, NULL, &f->err),
                     BR_EINVAL);
    assert_int_equal(f->err.n_fields, 4);
    assert_string_equal(f->err.fields[0].field, "person.ssn_last4");
    assert_string_equal(f->err.fields[1].field, "person.veteran");
    assert_string_equal(f->err.fields[2].field, "person.nickname");
    assert_string_equal(f->err.fields[3].field, "facts");
    /* Exit determination does not read the extras, so the same line is fine for it. */
    assert_int_equal(bundle_parse(&f->app.catalog, &f->app.policy, line, strlen(line), &record,
                                  NULL, &f->err),
                     0);
    bundle_extras_cleanup(&extras);
    person_record_cleanup(&record);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_examples_imported_with_clocks_and_audit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_full_bundle_keeps_person_notes_contacts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_export_import_export_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_or_nothing_reports_every_bad_row, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_partial_commits_good_rows_and_rejects_bad_lines,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_external_id_in_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_people_csv_with_mapping_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_people_csv_bad_values_name_their_columns, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unknown_header_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ssn_stored_only_sealed_and_duplicates_warned, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_services_csv_checked_against_the_record, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_youth_service_before_objective_assessment, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_field_over_cap_stops_the_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bundle_parse_full_extras_and_plain_parse, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
