/* import.c — `braid import` and `braid export bundles` (import.h).
 *
 * One transaction for the whole file: every row is checked and written in it, so a later row sees
 * the earlier ones (a duplicate id within the file, services of a person imported above), and a
 * crash at any moment leaves the database as it was.  Rows are checked completely before their
 * first write, so a bad row writes nothing and partial mode needs no savepoints; a failure after
 * that is the database's, and ends the import.  CSV is parsed by libcsv, fed one physical line at a
 * time so that each row's raw text is known for the reject file. */
#include "app/import.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csv.h>
#include <jansson.h>

#include "app/bundle.h"
#include "app/line_reader.h"
#include "app/person_write.h"
#include "core/date.h"
#include "core/mem.h"

#define IMPORT_PROGRESS_ROWS 512
#define IMPORT_MAX_DUPS 4
#define IMPORT_ECHO_MAX 40
#define EXPORT_PROGRESS_PEOPLE 1000


/* Whether the n bytes at s are UTF-8 (no overlong forms, no surrogates), as the store and the
 * JSON written by export require. */
static bool
utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i];
        size_t more;
        unsigned min;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            more = 1, min = 0x80, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            more = 2, min = 0x800, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i <= more)
            return false;
        for (size_t k = 1; k <= more; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += more + 1;
    }
    return true;
}

/* Copies at most IMPORT_ECHO_MAX bytes of s (stopping before a cut UTF-8 sequence). */
static const char *
echo(const char *s, char *buf, size_t size)
{
    size_t n = strlen(s), cut = n;

    if (cut > IMPORT_ECHO_MAX)
        cut = IMPORT_ECHO_MAX;
    if (cut >= size)
        cut = size - 1;
    if (cut < n) {
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
            cut--;
    }
    memcpy(buf, s, cut);
    buf[cut] = '\0';
    return buf;
}

/* ---- the importer -------------------------------------------------------------------------- */

/* What a CSV column holds: the field it maps to (NULL: skipped) and its name in the file. */
struct column {
    char *header;
    char *field;
};

struct importer {
    struct app *app;
    const struct import_options *opts;
    struct import_result *result;
    struct br_error *err; /* what ends the import */
    struct br_error row_err;
    struct line_reader reader;
    long total;     /* the input's size in bytes, or -1 */
    long row;       /* the current row's number */
    int64_t first_id; /* the first person this import inserted, 0 before it */

    struct person_record record;
    struct bundle_extras extras;

    /* CSV */
    json_t *map; /* the "columns" object of the mapping file, or NULL */
    struct csv_parser csv;
    bool csv_ready;
    struct column columns[IMPORT_MAX_COLUMNS];
    size_t n_columns;
    bool have_header;
    char *header_raw; /* the header line, for the reject file */
    bool header_rejected;
    char *cells;      /* the current row's fields, each NUL-terminated */
    size_t cells_len, cells_cap;
    size_t cell_at[IMPORT_MAX_COLUMNS + 1];
    size_t cell_len[IMPORT_MAX_COLUMNS + 1];
    size_t n_cells;
    bool too_many_cells;
    bool row_done;
    char *raw;        /* the current row's lines as read, newlines included */
    size_t raw_len, raw_cap;
};

static void row_problem(struct importer *imp, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
row_problem(struct importer *imp, const char *field, const char *fmt, ...)
{
    char text[sizeof(((struct br_field_error *)0)->problem)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    br_error_field(&imp->row_err, field, "%s", text);
}

static size_t
row_problems(const struct importer *imp)
{
    return br_error_field_count(&imp->row_err);
}

/* Counts, reports and (in partial mode) rejects the current row, whose raw text is given. */
static int
row_failed(struct importer *imp, const char *id, const char *raw, size_t raw_len,
           bool add_newline)
{
    struct import_problem problem = {
        .row = imp->row, .id = id, .warning = false, .err = &imp->row_err};

    if (imp->row_err.message[0] == '\0')
        br_error_set(&imp->row_err, imp->row_err.code != BR_OK ? imp->row_err.code : BR_EINVAL,
                     "the row has %zu bad field%s", row_problems(imp),
                     row_problems(imp) == 1 ? "" : "s");
    imp->result->failed++;
    if (imp->opts->report != NULL)
        imp->opts->report(imp->opts->report_ctx, &problem);
    if (!imp->opts->partial)
        return 0;
    if (imp->opts->kind != IMPORT_BUNDLES && !imp->header_rejected && imp->header_raw != NULL) {
        /* The reject file is a CSV of its own, ready to fix and import again. */
        fputs(imp->header_raw, imp->opts->reject);
        imp->header_rejected = true;
    }
    if (fwrite(raw, 1, raw_len, imp->opts->reject) != raw_len ||
        (add_newline && fputc('\n', imp->opts->reject) == EOF))
        return br_error_set(imp->err, BR_EIO, "cannot write the reject file: %s",
                            strerror(errno));
    return 0;
}

static void
row_warning(struct importer *imp, const char *id)
{
    struct import_problem problem = {
        .row = imp->row, .id = id, .warning = true, .err = &imp->row_err};

    imp->result->warnings++;
    if (imp->opts->report != NULL)
        imp->opts->report(imp->opts->report_ctx, &problem);
}

static void
report_progress(struct importer *imp, bool force)
{
    if (imp->opts->progress == NULL)
        return;
    if (force || imp->result->rows % IMPORT_PROGRESS_ROWS == 0)
        imp->opts->progress(imp->opts->progress_ctx, imp->reader.consumed, imp->total);
}

static int
audit_json(struct importer *imp, int64_t person_id, const char *action, const char *entity,
           int64_t entity_id, json_t *after)
{
    char *text = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
    struct audit_entry entry = {
        .user_id = app_system_actor.user_id,
        .person_id = person_id,
        .action = action,
        .entity = entity,
        .entity_id = entity_id,
        .reason = NULL,
        .after = text,
    };
    int rc = imp->app->store->ops->audit_append(imp->app->store, &entry, imp->err);
    free(text);
    json_decref(after);
    return rc;
}

/* ---- writing a person ---------------------------------------------------------------------- */

/* What an imported person brings: who they are, their record and what else they carry. */
struct incoming {
    const char *external_id;
    const char *id_field; /* where the id came from, for a conflict: "id" or a column */
    struct person_facts facts;
    bool has_ssn;
    char ssn[CRYPTO_SSN_SIZE]; /* normalized */
    struct person_record *record;          /* may be empty */
    const struct bundle_extras *extras;    /* NULL for a CSV row */
};

/* Normalizes text as an SSN into in->ssn, and its last four digits into the facts; a bad one is
 * a problem at path (never echoing the number). */
static void
take_ssn(struct importer *imp, struct incoming *in, const char *text, const char *path)
{
    struct br_error scratch;

    br_error_clear(&scratch);
    if (crypto_ssn_normalize(text, in->ssn, &scratch) != 0) {
        row_problem(imp, path, "%s",
                    scratch.n_fields > 0 ? scratch.fields[0].problem : "is not a valid SSN");
        return;
    }
    if (in->facts.ssn_last4[0] != '\0' && strcmp(in->facts.ssn_last4, in->ssn + 5) != 0)
        row_problem(imp, path, "does not end with the ssn_last4 given");
    memcpy(in->facts.ssn_last4, in->ssn + 5, 5);
    in->has_ssn = true;
}

/* A conflict is a row problem: the id is in the database already, or earlier in this file. */
static int
check_new_id(struct importer *imp, const struct incoming *in, bool *taken)
{
    char buf[IMPORT_ECHO_MAX + 1];
    struct br_error scratch;
    int64_t found = 0;

    br_error_clear(&scratch);
    *taken = false;
    int rc = imp->app->store->ops->person_by_external_id(imp->app->store, in->external_id,
                                                         &found, &scratch);
    if (rc == BR_ENOTFOUND)
        return 0;
    if (rc != 0) {
        *imp->err = scratch;
        return rc;
    }
    *taken = true;
    br_error_set(&imp->row_err, BR_ECONFLICT, "a person with this id already exists");
    row_problem(imp, in->id_field, "\"%s\" is already %s", echo(in->external_id, buf, sizeof(buf)),
                imp->first_id != 0 && found >= imp->first_id ? "used by an earlier row of this file"
                                                              : "in the database");
    return 0;
}

/* Warns (without stopping the row) about people who may be this one: same SSN, or same name
 * and birth date. */
static int
warn_duplicates(struct importer *imp, const struct incoming *in, const int64_t *ids, size_t n)
{
    struct store *st = imp->app->store;
    char list[160] = "";
    size_t used = 0;

    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        struct stored_person other;
        struct br_error scratch;
        br_error_clear(&scratch);
        int rc = st->ops->person_get(st, ids[i], &other, &scratch);
        if (rc != 0) {
            *imp->err = scratch;
            return rc;
        }
        json_t *id = bundle_person_id(&other);
        int w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
                         id != NULL ? json_string_value(id) : "?");
        json_decref(id);
        if (w < 0 || (size_t)w >= sizeof(list) - used)
            break;
        used += (size_t)w;
    }
    br_error_clear(&imp->row_err);
    br_error_set(&imp->row_err, BR_ECONFLICT, "possible duplicate of %s (same SSN, or same name "
                                              "and birth date); imported all the same", list);
    row_warning(imp, in->external_id);
    return 0;
}

static int
write_person(struct importer *imp, struct incoming *in)
{
    const struct bundle_extras *x = in->extras;
    int64_t duplicates[IMPORT_MAX_DUPS];
    struct case_note *notes = NULL;
    int rc;

    /* Bundle notes name their service by index; the writer takes index + 1 (0: no service). */
    if (x != NULL && x->n_notes > 0) {
        notes = xcalloc(x->n_notes, sizeof(*notes));
        for (size_t i = 0; i < x->n_notes; i++) {
            const struct bundle_note *n = &x->notes[i];
            notes[i] = (struct case_note){
                .service_id = n->service + 1,
                .written_on = n->written_on,
                .confidential = n->confidential,
                .body = n->body,
            };
        }
    }
    struct person_bundle bundle = {
        .ssn = in->has_ssn ? in->ssn : NULL,
        .record = in->record,
        .notes = notes,
        .n_notes = x ? x->n_notes : 0,
        .contacts = x ? x->contacts : NULL,
        .n_contacts = x ? x->n_contacts : 0,
        .duplicates = duplicates,
        .max_duplicates = IMPORT_MAX_DUPS,
        .audit_detail = json_pack("{s:s, s:I}", "source", imp->opts->name ? imp->opts->name : "",
                                  "row", (json_int_t)imp->row),
    };
    snprintf(bundle.person.external_id, sizeof(bundle.person.external_id), "%s",
             in->external_id);
    bundle.person.facts = in->facts;
    rc = app_write_person(imp->app, &app_system_actor, "person.import", &bundle, imp->err);
    free(notes);
    if (rc != 0)
        return rc;
    if (imp->first_id == 0)
        imp->first_id = bundle.person.id;
    if ((rc = warn_duplicates(imp, in, duplicates, bundle.n_duplicates)) != 0)
        return rc;
    imp->result->imported++;
    return 0;
}

/* ---- bundles ------------------------------------------------------------------------------- */

/* The external id a bundle's "id" gives (a string, or an integer written in decimal); a problem
 * when it cannot be one. */
static void
bundle_external_id(struct importer *imp, json_t *id, char out[PERSON_ID_SIZE])
{
    out[0] = '\0';
    if (json_is_integer(id)) {
        snprintf(out, PERSON_ID_SIZE, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
    } else if (json_is_string(id)) {
        size_t len = json_string_length(id);
        if (len >= PERSON_ID_SIZE)
            row_problem(imp, "id", "is %zu bytes long; at most %d are allowed", len,
                        PERSON_ID_SIZE - 1);
        else if (strlen(json_string_value(id)) != len)
            row_problem(imp, "id", "must not contain a NUL character");
        else
            memcpy(out, json_string_value(id), len + 1);
    }
}

static int
import_bundle_line(struct importer *imp)
{
    const char *line = imp->reader.line;
    size_t len = imp->reader.len;
    char external_id[PERSON_ID_SIZE];
    struct incoming in;
    json_t *id = NULL;
    bool taken = false;
    int rc = 0;

    memset(&in, 0, sizeof(in));
    br_error_clear(&imp->row_err);
    imp->result->rows++;
    int parsed = bundle_parse_full(&imp->app->catalog, &imp->app->policy, line, len,
                                   &imp->record, &imp->extras, &id, &imp->row_err);
    bundle_external_id(imp, id, external_id);
    if (parsed == 0 && row_problems(imp) == 0) {
        in.external_id = external_id;
        in.id_field = "id";
        in.facts = imp->extras.facts;
        in.record = &imp->record;
        in.extras = &imp->extras;
        if (imp->extras.ssn[0] != '\0')
            take_ssn(imp, &in, imp->extras.ssn, "person.ssn");
        if (row_problems(imp) == 0)
            rc = check_new_id(imp, &in, &taken);
    }
    if (rc == 0 && (parsed != 0 || row_problems(imp) > 0 || taken)) {
        if (parsed == 0 && !taken)
            br_error_set(&imp->row_err, BR_EINVAL, "the person bundle has %zu invalid field%s",
                         row_problems(imp), row_problems(imp) == 1 ? "" : "s");
        rc = row_failed(imp, external_id[0] ? external_id : NULL, line, len, true);
    } else if (rc == 0) {
        rc = write_person(imp, &in);
    }
    json_decref(id);
    return rc;
}

static int
import_bundles(struct importer *imp)
{
    int rc;

    while ((rc = line_reader_next(&imp->reader)) == 1) {
        imp->row++;
        if (imp->reader.too_long)
            return br_error_set(imp->err, BR_ETOOBIG,
                                "line %ld is longer than %zu bytes; nothing was imported",
                                imp->row, IMPORT_LINE_MAX);
        /* A UTF-8 byte-order mark, as some editors write, is not part of the first bundle. */
        if (imp->row == 1 && imp->reader.len >= 3 &&
            memcmp(imp->reader.line, "\xEF\xBB\xBF", 3) == 0) {
            memmove(imp->reader.line, imp->reader.line + 3, imp->reader.len - 3 + 1);
            imp->reader.len -= 3;
        }
        if (line_is_blank(imp->reader.line, imp->reader.len))
            continue;
        if ((rc = import_bundle_line(imp)) != 0)
            return rc;
        report_progress(imp, false);
    }
    if (rc < 0)
        return br_error_set(imp->err, BR_EIO, "cannot read %s after line %ld: %s",
                            imp->opts->name ? imp->opts->name : "the input", imp->row,
                            strerror(errno));
    return 0;
}

/* ---- CSV: columns and the mapping file ----------------------------------------------------- */

static const char *const service_columns[] = {
    "person_id", "program", "code", "start_date", "end_date", "projected_end_date", "provider",
};
#define SERVICE_REQUIRED 4 /* the first four */

static const char *const people_required[] = {"id", "first_name", "last_name"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool
known_column(enum import_kind kind, const char *field)
{
    if (kind == IMPORT_PEOPLE)
        return strcmp(field, "id") == 0 || bundle_person_field_known(field);
    for (size_t i = 0; i < COUNT(service_columns); i++) {
        if (strcmp(service_columns[i], field) == 0)
            return true;
    }
    return false;
}

/* Reads the mapping file (at most IMPORT_MAP_MAX bytes) and checks every target. */
static int
map_load(struct importer *imp, const char *path)
{
    struct br_error *err = imp->err;
    char buf[IMPORT_ECHO_MAX + 1];
    json_error_t jerr;
    json_t *root = NULL;
    char *text = NULL;
    size_t len = 0;
    const char *key;
    json_t *value;
    int fd = -1;
    int rc = 0;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        rc = br_error_set(err, BR_EIO, "cannot open the mapping file %s: %s", path,
                          strerror(errno));
        goto out;
    }
    text = xmalloc(IMPORT_MAP_MAX + 1);
    for (;;) {
        ssize_t got = read(fd, text + len, IMPORT_MAP_MAX + 1 - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = br_error_set(err, BR_EIO, "cannot read the mapping file %s: %s", path,
                              strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        len += (size_t)got;
        if (len > IMPORT_MAP_MAX) {
            rc = br_error_set(err, BR_ETOOBIG, "the mapping file %s is over %zu bytes", path,
                              IMPORT_MAP_MAX);
            goto out;
        }
    }
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        rc = br_error_set(err, BR_EPARSE, "the mapping file %s is not JSON (line %d: %s)", path,
                          jerr.line, jerr.text);
        goto out;
    }
    json_object_foreach(root, key, value) {
        if (strcmp(key, "columns") != 0)
            br_error_field(err, echo(key, buf, sizeof(buf)), "is not a known key (only "
                                                             "\"columns\")");
    }
    json_t *columns = json_object_get(root, "columns");
    if (!json_is_object(columns)) {
        br_error_field(err, "columns", "must be an object: {\"Their Header\": \"our_field\"}");
    } else {
        json_object_foreach(columns, key, value) {
            char path_buf[96];
            snprintf(path_buf, sizeof(path_buf), "columns.%s", echo(key, buf, sizeof(buf)));
            if (json_is_null(value))
                continue;
            if (!json_is_string(value))
                br_error_field(err, path_buf, "must be a field name, or null to skip the column");
            else if (!known_column(imp->opts->kind, json_string_value(value)))
                br_error_field(err, path_buf, "maps to \"%s\", which is not a %s column",
                               echo(json_string_value(value), buf, sizeof(buf)),
                               imp->opts->kind == IMPORT_PEOPLE ? "people" : "services");
        }
    }
    if (br_error_field_count(err) > 0) {
        rc = br_error_set(err, BR_EINVAL, "the mapping file %s is wrong", path);
        goto out;
    }
    imp->map = json_incref(columns);
out:
    if (fd >= 0)
        close(fd);
    free(text);
    json_decref(root);
    return rc;
}

static void
columns_free(struct importer *imp)
{
    for (size_t i = 0; i < imp->n_columns; i++) {
        free(imp->columns[i].header);
        free(imp->columns[i].field);
    }
    imp->n_columns = 0;
}

static const char *
cell(const struct importer *imp, size_t i)
{
    return imp->cells + imp->cell_at[i];
}

/* The column (its header) that holds field, or NULL. */
static const struct column *
column_of(const struct importer *imp, const char *field)
{
    for (size_t i = 0; i < imp->n_columns; i++) {
        if (imp->columns[i].field != NULL && strcmp(imp->columns[i].field, field) == 0)
            return &imp->columns[i];
    }
    return NULL;
}

/* The text of field in the current row, "" when no column holds it. */
static const char *
cell_of(const struct importer *imp, const char *field)
{
    for (size_t i = 0; i < imp->n_columns && i < imp->n_cells; i++) {
        if (imp->columns[i].field != NULL && strcmp(imp->columns[i].field, field) == 0)
            return cell(imp, i);
    }
    return "";
}

/* The header's name for field, for a problem about it. */
static const char *
header_of(const struct importer *imp, const char *field)
{
    const struct column *c = column_of(imp, field);
    return c != NULL ? c->header : field;
}

/* Reads the header row: every column must be a known field or mapped, each field at most once,
 * and the required ones present.  Problems go into imp->err (the file cannot be imported). */
static int
read_header(struct importer *imp)
{
    struct br_error *err = imp->err;
    char buf[IMPORT_ECHO_MAX + 1];

    if (imp->too_many_cells)
        return br_error_set(err, BR_EINVAL, "the header has more than %d columns",
                            IMPORT_MAX_COLUMNS);
    for (size_t i = 0; i < imp->n_cells; i++) {
        char *name = imp->cells + imp->cell_at[i];
        const char *field = name;
        /* A UTF-8 byte-order mark, as some spreadsheets write, is not part of the name. */
        if (i == 0 && strncmp(name, "\xEF\xBB\xBF", 3) == 0)
            name += 3, field = name;
        struct column *c = &imp->columns[imp->n_columns++];
        c->header = xstrdup(name);
        c->field = NULL;
        if (name[0] == '\0') {
            char where[32];
            snprintf(where, sizeof(where), "column %zu", i + 1);
            br_error_field(err, where, "has no name");
            continue;
        }
        json_t *mapped = imp->map != NULL ? json_object_get(imp->map, name) : NULL;
        if (mapped != NULL && json_is_null(mapped))
            continue; /* skipped on purpose */
        if (mapped != NULL) {
            field = json_string_value(mapped);
        } else if (!known_column(imp->opts->kind, name)) {
            br_error_field(err, echo(name, buf, sizeof(buf)),
                           "is not a %s column; map it (--map) to a field, or to null to skip it",
                           imp->opts->kind == IMPORT_PEOPLE ? "people" : "services");
            continue;
        }
        if (column_of(imp, field) != NULL) {
            br_error_field(err, echo(name, buf, sizeof(buf)), "is the second column for %s",
                           field);
            continue;
        }
        c->field = xstrdup(field);
    }
    size_t n_required = imp->opts->kind == IMPORT_PEOPLE ? COUNT(people_required)
                                                         : SERVICE_REQUIRED;
    for (size_t i = 0; i < n_required; i++) {
        const char *field = imp->opts->kind == IMPORT_PEOPLE ? people_required[i]
                                                             : service_columns[i];
        if (column_of(imp, field) == NULL)
            br_error_field(err, field, "is required, and no column holds it");
    }
    if (br_error_field_count(err) > 0)
        return br_error_set(err, BR_EINVAL, "the header of %s is wrong; nothing was imported",
                            imp->opts->name ? imp->opts->name : "the input");
    imp->have_header = true;
    imp->header_raw = xmalloc(imp->raw_len + 1);
    memcpy(imp->header_raw, imp->raw, imp->raw_len);
    imp->header_raw[imp->raw_len] = '\0';
    return 0;
}

/* ---- CSV: rows ----------------------------------------------------------------------------- */

/* Checks the cells every row shares: their count, and text braid can store. */
static void
check_cells(struct importer *imp)
{
    if (imp->too_many_cells || imp->n_cells != imp->n_columns) {
        row_problem(imp, "row", "has %s%zu field%s; the header has %zu",
                    imp->too_many_cells ? "more than " : "", imp->n_cells,
                    imp->n_cells == 1 ? "" : "s", imp->n_columns);
        return;
    }
    for (size_t i = 0; i < imp->n_cells; i++) {
        /* A skipped column is not read, so its text (in whatever encoding) does not matter. */
        if (imp->columns[i].field == NULL)
            continue;
        if (strlen(cell(imp, i)) != imp->cell_len[i])
            row_problem(imp, imp->columns[i].header, "contains a NUL character");
        else if (!utf8_valid((const unsigned char *)cell(imp, i), imp->cell_len[i]))
            row_problem(imp, imp->columns[i].header, "is not UTF-8 text");
    }
}

static int
import_people_row(struct importer *imp)
{
    char buf[IMPORT_ECHO_MAX + 1];
    struct incoming in;
    const char *ssn = NULL;
    const char *ssn_header = NULL;
    bool taken = false;
    int rc = 0;

    memset(&in, 0, sizeof(in));
    in.facts.birth_on = DATE_NONE;
    person_record_reset(&imp->record);
    in.record = &imp->record;
    check_cells(imp);
    const char *id = cell_of(imp, "id");
    if (row_problems(imp) == 0) {
        in.external_id = id;
        in.id_field = header_of(imp, "id");
        if (id[0] == '\0')
            row_problem(imp, in.id_field, "is required");
        else if (strlen(id) >= PERSON_ID_SIZE)
            row_problem(imp, in.id_field, "is %zu bytes long; at most %d are allowed",
                        strlen(id), PERSON_ID_SIZE - 1);
        for (size_t i = 0; i < imp->n_columns; i++) {
            const struct column *c = &imp->columns[i];
            if (c->field == NULL || strcmp(c->field, "id") == 0)
                continue;
            if (strcmp(c->field, "ssn") == 0) {
                ssn = cell(imp, i);
                ssn_header = c->header;
                continue;
            }
            bundle_person_field_set(&in.facts, c->field, cell(imp, i), c->header, &imp->row_err);
        }
        if (in.facts.first_name[0] == '\0')
            row_problem(imp, header_of(imp, "first_name"), "is required");
        if (in.facts.last_name[0] == '\0')
            row_problem(imp, header_of(imp, "last_name"), "is required");
        if (ssn != NULL && ssn[0] != '\0')
            take_ssn(imp, &in, ssn, ssn_header);
        if (row_problems(imp) == 0)
            rc = check_new_id(imp, &in, &taken);
    }
    if (rc != 0)
        return rc;
    if (row_problems(imp) > 0 || taken)
        return row_failed(imp, id[0] && strlen(id) < PERSON_ID_SIZE ? echo(id, buf, sizeof(buf))
                                                                     : NULL,
                          imp->raw, imp->raw_len, false);
    return write_person(imp, &in);
}

/* Keeps the field errors about the service at prefix, renamed to their columns; errors about the
 * rest of the person's record (which the new service made wrong) keep their paths. */
static void
service_errors(struct importer *imp, const struct br_error *found, const char *prefix)
{
    size_t len = strlen(prefix);

    for (size_t i = 0; i < found->n_fields; i++) {
        const struct br_field_error *f = &found->fields[i];
        if (strncmp(f->field, prefix, len) == 0)
            row_problem(imp, header_of(imp, f->field + len), "%s", f->problem);
        else
            row_problem(imp, f->field, "(the person's record) %s", f->problem);
    }
    if (found->n_fields == 0)
        row_problem(imp, "row", "%s", found->message);
}

static void
service_date(struct importer *imp, const char *field, bool required, int32_t *out)
{
    char buf[IMPORT_ECHO_MAX + 1];
    const char *text = cell_of(imp, field);
    int rc;

    *out = DATE_NONE;
    if (text[0] == '\0') {
        if (required)
            row_problem(imp, header_of(imp, field), "is required");
        return;
    }
    rc = date_parse(text, out);
    if (rc == BR_EINVAL)
        row_problem(imp, header_of(imp, field), "%s is not a date", echo(text, buf, sizeof(buf)));
    else if (rc != 0)
        row_problem(imp, header_of(imp, field), "\"%s\" is not a date (YYYY-MM-DD)",
                    echo(text, buf, sizeof(buf)));
    if (rc != 0)
        *out = DATE_NONE;
}

/* Reads and checks a services row into service, detail and *person_id, adding a row problem for
 * each bad column.  Returns 0 (with or without problems), or the store's failure. */
static int
services_row_check(struct importer *imp, struct service *service, struct service_detail *detail,
                   int64_t *person_id)
{
    struct store *st = imp->app->store;
    const struct catalog *catalog = &imp->app->catalog;
    const char *who = cell_of(imp, "person_id");
    const char *program = cell_of(imp, "program");
    const char *code = cell_of(imp, "code");
    const char *provider = cell_of(imp, "provider");
    char buf[IMPORT_ECHO_MAX + 1];
    char prefix[48];
    struct br_error scratch;
    int rc;

    service->program = catalog_program_index(catalog, program);
    service->code = catalog_service_index(catalog, code);
    if (program[0] == '\0')
        row_problem(imp, header_of(imp, "program"), "is required");
    else if (service->program == CATALOG_NOT_FOUND)
        row_problem(imp, header_of(imp, "program"), "unknown program \"%s\"",
                    echo(program, buf, sizeof(buf)));
    if (code[0] == '\0')
        row_problem(imp, header_of(imp, "code"), "is required");
    else if (service->code == CATALOG_NOT_FOUND)
        row_problem(imp, header_of(imp, "code"), "unknown service code \"%s\"",
                    echo(code, buf, sizeof(buf)));
    service_date(imp, "start_date", true, &service->start_on);
    service_date(imp, "end_date", false, &service->end_on);
    service_date(imp, "projected_end_date", false, &service->projected_end_on);
    if (strlen(provider) >= sizeof(detail->provider))
        row_problem(imp, header_of(imp, "provider"), "is %zu bytes long; at most %zu are allowed",
                    strlen(provider), sizeof(detail->provider) - 1);
    else
        memcpy(detail->provider, provider, strlen(provider) + 1);
    if (who[0] == '\0') {
        row_problem(imp, header_of(imp, "person_id"), "is required");
    } else {
        br_error_clear(&scratch);
        rc = st->ops->person_by_external_id(st, who, person_id, &scratch);
        if (rc == BR_ENOTFOUND) {
            row_problem(imp, header_of(imp, "person_id"), "no person has the id \"%s\"",
                        echo(who, buf, sizeof(buf)));
        } else if (rc != 0) {
            *imp->err = scratch;
            return rc;
        }
    }
    if (row_problems(imp) > 0)
        return 0;
    /* RULES.md §3: the service is checked against the person's whole record, as when staff
     * record it (app_record_service). */
    if ((rc = st->ops->record_load(st, catalog, *person_id, &imp->record, imp->err)) != 0)
        return rc;
    person_record_add_service(&imp->record, service);
    br_error_clear(&scratch);
    if (record_validate(catalog, &imp->app->policy, &imp->record, &scratch) != 0) {
        snprintf(prefix, sizeof(prefix), "services[%zu].", imp->record.n_services - 1);
        service_errors(imp, &scratch, prefix);
        br_error_set(&imp->row_err, BR_EINVAL, "the service breaks %zu rule%s",
                     row_problems(imp), row_problems(imp) == 1 ? "" : "s");
    }
    return 0;
}

static int
import_services_row(struct importer *imp)
{
    struct store *st = imp->app->store;
    const char *who = cell_of(imp, "person_id");
    char buf[IMPORT_ECHO_MAX + 1];
    char start[DATE_TEXT_SIZE], end[DATE_TEXT_SIZE], projected[DATE_TEXT_SIZE];
    struct service service = {.id = 0};
    struct service_detail detail;
    int64_t person_id = 0;
    int rc = 0;

    memset(&detail, 0, sizeof(detail));
    check_cells(imp);
    if (row_problems(imp) == 0 && (rc = services_row_check(imp, &service, &detail,
                                                           &person_id)) != 0)
        return rc;
    if (row_problems(imp) > 0)
        return row_failed(imp, who[0] && strlen(who) < PERSON_ID_SIZE ? echo(who, buf, sizeof(buf))
                                                                     : NULL,
                          imp->raw, imp->raw_len, false);
    /* services_row_check left the record loaded, the new service last. */
    if ((rc = st->ops->service_insert(st, person_id, &service, &imp->app->catalog, &detail,
                                      imp->err)) != 0)
        return rc;
    imp->record.services[imp->record.n_services - 1].id = service.id;
    if ((rc = app_refresh_clock(imp->app, person_id, &imp->record, imp->err)) != 0)
        return rc;
    rc = audit_json(imp, person_id, "service.import", "service", service.id,
                    json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:I}", "external_id",
                              who, "program", cell_of(imp, "program"), "code",
                              cell_of(imp, "code"), "start_date",
                              date_format(service.start_on, start), "end_date",
                              service.end_on == DATE_NONE ? NULL
                                                          : date_format(service.end_on, end),
                              "projected_end_date",
                              service.projected_end_on == DATE_NONE
                                  ? NULL
                                  : date_format(service.projected_end_on, projected),
                              "provider", detail.provider, "source",
                              imp->opts->name ? imp->opts->name : "", "row",
                              (json_int_t)imp->row));
    if (rc == 0)
        imp->result->imported++;
    return rc;
}

/* ---- CSV: feeding libcsv ------------------------------------------------------------------- */

/* libcsv grows its field buffer through this: refusing past the cap makes it stop with
 * CSV_ENOMEM, so one field can never take more than IMPORT_FIELD_MAX bytes. */
static void *
csv_capped_realloc(void *p, size_t size)
{
    if (size > IMPORT_FIELD_MAX + 1)
        return NULL;
    return realloc(p, size);
}

/* Records end at a line feed only (so each ends where a line we fed ends); a carriage return
 * before it is trimmed like a space. */
static int
csv_is_term(unsigned char c)
{
    return c == '\n';
}

static int
csv_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static void
csv_reset(struct importer *imp)
{
    if (imp->csv_ready)
        csv_free(&imp->csv);
    csv_init(&imp->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    csv_set_realloc_func(&imp->csv, csv_capped_realloc);
    csv_set_term_func(&imp->csv, csv_is_term);
    csv_set_space_func(&imp->csv, csv_is_space);
    imp->csv_ready = true;
}

static void
row_clear(struct importer *imp)
{
    imp->cells_len = 0;
    imp->n_cells = 0;
    imp->too_many_cells = false;
    imp->row_done = false;
    imp->raw_len = 0;
}

static void
on_field(void *s, size_t len, void *data)
{
    struct importer *imp = data;
    const char *text = s != NULL ? s : "";

    if (imp->n_cells == IMPORT_MAX_COLUMNS) {
        imp->too_many_cells = true;
        return;
    }
    if (s == NULL)
        len = 0;
    xgrow(&imp->cells, &imp->cells_cap, imp->cells_len + len + 1, 1);
    memcpy(imp->cells + imp->cells_len, text, len);
    imp->cells[imp->cells_len + len] = '\0';
    imp->cell_at[imp->n_cells] = imp->cells_len;
    imp->cell_len[imp->n_cells] = len;
    imp->n_cells++;
    imp->cells_len += len + 1;
}

static void
on_row(int c, void *data)
{
    struct importer *imp = data;
    (void)c;
    imp->row_done = true;
}

static void
raw_append(struct importer *imp, const char *bytes, size_t n)
{
    xgrow(&imp->raw, &imp->raw_cap, imp->raw_len + n + 1, 1);
    memcpy(imp->raw + imp->raw_len, bytes, n);
    imp->raw_len += n;
    imp->raw[imp->raw_len] = '\0';
}

/* Handles a complete record: the header first, then data rows. */
static int
csv_record(struct importer *imp)
{
    int rc;

    if (!imp->have_header) {
        rc = read_header(imp);
    } else {
        imp->row++;
        imp->result->rows++;
        br_error_clear(&imp->row_err);
        rc = imp->opts->kind == IMPORT_PEOPLE ? import_people_row(imp) : import_services_row(imp);
        report_progress(imp, false);
    }
    row_clear(imp);
    return rc;
}

/* A record libcsv refused (strict mode: a quote inside an unquoted field, text after a closing
 * quote, a quote never closed): the lines read for it are one bad row, and parsing starts over. */
static int
csv_malformed(struct importer *imp)
{
    int rc;

    if (!imp->have_header)
        return br_error_set(imp->err, BR_EPARSE,
                            "the header of %s is not well-formed CSV; nothing was imported",
                            imp->opts->name ? imp->opts->name : "the input");
    imp->row++;
    imp->result->rows++;
    br_error_clear(&imp->row_err);
    br_error_set(&imp->row_err, BR_EPARSE, "the row is not well-formed CSV");
    row_problem(imp, "row", "has a quote inside an unquoted field, text after a closing quote, "
                            "or a quote that is never closed");
    rc = row_failed(imp, NULL, imp->raw, imp->raw_len, false);
    row_clear(imp);
    csv_reset(imp);
    return rc;
}

static int
import_csv(struct importer *imp)
{
    int rc;

    csv_reset(imp);
    while ((rc = line_reader_next(&imp->reader)) == 1) {
        const char *line = imp->reader.line;
        size_t len = imp->reader.len;
        if (imp->reader.too_long || imp->raw_len + len + 1 > IMPORT_LINE_MAX)
            return br_error_set(imp->err, BR_ETOOBIG,
                                "row %ld is longer than %zu bytes (or a quoted field is never "
                                "closed); nothing was imported",
                                imp->row + 1, IMPORT_LINE_MAX);
        raw_append(imp, line, len);
        raw_append(imp, "\n", 1);
        /* The line and its newline, so a record always ends where the line does. */
        size_t fed = csv_parse(&imp->csv, line, len, on_field, on_row, imp);
        if (fed == len)
            fed += csv_parse(&imp->csv, "\n", 1, on_field, on_row, imp) == 1 ? 1 : 0;
        if (fed != len + 1) {
            int e = csv_error(&imp->csv);
            if (e != CSV_EPARSE)
                return br_error_set(imp->err, BR_ETOOBIG,
                                    "row %ld has a field longer than %zu bytes; nothing was "
                                    "imported",
                                    imp->row + 1, IMPORT_FIELD_MAX);
            if ((rc = csv_malformed(imp)) != 0)
                return rc;
            continue;
        }
        if (imp->row_done) {
            if ((rc = csv_record(imp)) != 0)
                return rc;
        } else if (imp->n_cells == 0 && strspn(imp->raw, " \t\r\n") == imp->raw_len) {
            imp->raw_len = 0; /* a blank line between rows: libcsv skips it, and so do we */
        }
    }
    if (rc < 0)
        return br_error_set(imp->err, BR_EIO, "cannot read %s after row %ld: %s",
                            imp->opts->name ? imp->opts->name : "the input", imp->row,
                            strerror(errno));
    if (csv_fini(&imp->csv, on_field, on_row, imp) != 0) {
        if ((rc = csv_malformed(imp)) != 0)
            return rc;
    } else if (imp->row_done) {
        if ((rc = csv_record(imp)) != 0)
            return rc;
    }
    if (!imp->have_header)
        return br_error_set(imp->err, BR_EINVAL, "%s is empty; a CSV file needs a header row",
                            imp->opts->name ? imp->opts->name : "the input");
    return 0;
}

/* ---- the import ---------------------------------------------------------------------------- */

int
app_import(struct app *app, const struct import_options *options, int fd,
           struct import_result *result, struct br_error *err)
{
    struct importer *imp = xcalloc(1, sizeof(*imp));
    struct stat sb;
    bool began = false;
    int rc = 0;

    memset(result, 0, sizeof(*result));
    br_error_clear(err);
    imp->app = app;
    imp->opts = options;
    imp->result = result;
    imp->err = err;
    line_reader_init(&imp->reader, fd, IMPORT_LINE_MAX);
    person_record_init(&imp->record);
    bundle_extras_init(&imp->extras);
    imp->total = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? (long)sb.st_size : -1;

    result->setup_failed = true;
    if (options->partial && options->reject == NULL) {
        rc = br_error_set(err, BR_EINVAL, "partial mode needs a reject file");
        goto out;
    }
    if (options->map_path != NULL && options->kind == IMPORT_BUNDLES) {
        rc = br_error_set(err, BR_EINVAL, "a mapping file renames CSV columns; bundles have none");
        goto out;
    }
    if (options->map_path != NULL && (rc = map_load(imp, options->map_path)) != 0)
        goto out;
    result->setup_failed = false;
    if ((rc = app->store->ops->begin(app->store, err)) != 0)
        goto out;
    began = true;
    rc = options->kind == IMPORT_BUNDLES ? import_bundles(imp) : import_csv(imp);
    report_progress(imp, true);
    if (rc == 0 && result->failed > 0 && !options->partial)
        rc = br_error_set(err, BR_EINVAL, "%ld of %ld row%s %s bad; nothing was imported",
                          result->failed, result->rows, result->rows == 1 ? "" : "s",
                          result->failed == 1 ? "is" : "are");
    if (rc == 0 && options->reject != NULL && fflush(options->reject) != 0)
        rc = br_error_set(err, BR_EIO, "cannot write the reject file: %s", strerror(errno));
    if (rc == 0)
        rc = app->store->ops->commit(app->store, err);
out:
    if (began && rc != 0)
        app->store->ops->rollback(app->store);
    if (rc != 0)
        result->imported = 0;
    if (imp->csv_ready)
        csv_free(&imp->csv);
    columns_free(imp);
    json_decref(imp->map);
    free(imp->header_raw);
    free(imp->cells);
    free(imp->raw);
    bundle_extras_cleanup(&imp->extras);
    person_record_cleanup(&imp->record);
    line_reader_cleanup(&imp->reader);
    free(imp);
    return rc;
}

/* ---- export -------------------------------------------------------------------------------- */

struct exporter {
    struct app *app;
    FILE *out;
    struct case_note *notes;
    size_t n_notes, cap_notes;
    struct contact *contacts;
    size_t n_contacts, cap_contacts;
    long people;
    app_progress_fn progress;
    void *progress_ctx;
    struct br_error *err;
};

static int
export_person(void *ctx, const struct stored_person *person, const struct person_record *record,
              const struct stored_exit_state *exit_state)
{
    (void)exit_state;
    struct exporter *x = ctx;
    struct store *st = x->app->store;
    int rc;

    if ((rc = st->ops->notes_load(st, person->id, &x->notes, &x->n_notes, &x->cap_notes,
                                  x->err)) != 0 ||
        (rc = st->ops->contacts_load(st, person->id, &x->contacts, &x->n_contacts,
                                     &x->cap_contacts, x->err)) != 0)
        return rc;
    json_t *line = bundle_encode_person(&x->app->catalog, person, record, x->notes, x->n_notes,
                                        x->contacts, x->n_contacts);
    rc = json_dumpf(line, x->out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (rc != 0 || fputc('\n', x->out) == EOF)
        return br_error_set(x->err, BR_EIO, "cannot write the bundles: %s", strerror(errno));
    x->people++;
    if (x->progress != NULL && x->people % EXPORT_PROGRESS_PEOPLE == 0)
        x->progress(x->progress_ctx, x->people, -1);
    return 0;
}

int
app_export_bundles(struct app *app, FILE *out, app_progress_fn progress, void *progress_ctx,
                   long *people, struct br_error *err)
{
    struct exporter x = {
        .app = app, .out = out, .progress = progress, .progress_ctx = progress_ctx, .err = err};
    const struct store_scan everyone = {.parts = STORE_SCAN_FACTS};
    int rc;

    br_error_clear(err);
    rc = app->store->ops->people_scan(app->store, &app->catalog, &everyone, export_person, &x, err);
    if (rc == 0 && fflush(out) != 0)
        rc = br_error_set(err, BR_EIO, "cannot write the bundles: %s", strerror(errno));
    if (progress != NULL)
        progress(progress_ctx, x.people, -1);
    for (size_t i = 0; i < x.n_notes; i++)
        free(x.notes[i].body);
    free(x.notes);
    free(x.contacts);
    *people = x.people;
    return rc;
}
