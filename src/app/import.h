/* import.h — bringing people in from elsewhere (`braid import`) and taking them out again
 * (`braid export bundles`).
 *
 * Three kinds of input, each streamed row by row with hard caps (IMPORT_LINE_MAX a line or row,
 * IMPORT_FIELD_MAX a CSV field), so memory does not grow with the file:
 *   - person bundles (JSON Lines, bundle.h): one person with their whole record per line;
 *   - a people CSV: id, first_name, last_name, birth_date, sex, ssn and any person fact by name;
 *   - a services CSV: person_id (the person's id in the system it came from), program, code,
 *     start_date, end_date, projected_end_date, provider; each row is checked against the
 *     person's whole record (record_validate), rows before it in the file included.
 * CSV files have a header.  A mapping file renames the headers of another system's export:
 *   {"columns": {"Their Header": "our_field", "Column To Skip": null}}
 * A header that is neither a field nor mapped is an error naming it, so a typo never drops data.
 *
 * The whole file is one transaction.  By default it is all or nothing: every row is checked, and
 * if any is bad nothing is written and every bad row is reported.  In partial mode the good rows
 * are committed and each bad row is copied verbatim to the reject file.  A row is bad when it does
 * not parse, breaks a rule, names an unknown person, or brings an id the database already has.
 * Every imported person gets their exit clock computed as of app->today and one audit entry
 * ("person.import"); every imported service one ("service.import"). */
#ifndef BRAID_APP_IMPORT_H
#define BRAID_APP_IMPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "app/app.h"
#include "app/exit_run.h"
#include "core/error.h"

/* Hard caps on one line (a bundle, or one CSV row with its quoted newlines) and one CSV field. */
#define IMPORT_LINE_MAX ((size_t)8 << 20)
#define IMPORT_FIELD_MAX ((size_t)1 << 20)
#define IMPORT_MAX_COLUMNS 256
/* A mapping file is small; a bigger one is refused unread. */
#define IMPORT_MAP_MAX ((size_t)1 << 20)

enum import_kind {
    IMPORT_BUNDLES,
    IMPORT_PEOPLE,
    IMPORT_SERVICES,
};

/* One bad row (or one warning about a row that is still imported). */
struct import_problem {
    long row;       /* bundles: the line number; CSV: 1 = the first row after the header */
    const char *id; /* the row's person id when it has a usable one, else NULL */
    bool warning;   /* a likely duplicate person: reported, and imported all the same */
    const struct br_error *err; /* message, and the bad fields: a bundle path or a CSV column */
};

typedef void (*import_report_fn)(void *ctx, const struct import_problem *problem);

struct import_options {
    enum import_kind kind;
    const char *name;     /* the input's name in messages and in the audit log ("-": stdin) */
    const char *map_path; /* CSV only: the column mapping file, or NULL */
    bool partial;         /* commit the good rows; needs reject */
    FILE *reject;         /* partial mode: the bad rows, verbatim (a CSV's header first) */
    import_report_fn report;
    void *report_ctx;
    app_progress_fn progress; /* bytes read so far and the file's size (-1 when unknown) */
    void *progress_ctx;
};

struct import_result {
    long rows;     /* data rows read (blank lines are not rows) */
    long imported; /* rows written */
    long failed;   /* bad rows */
    long warnings; /* rows imported with a warning */
    bool setup_failed; /* the options or the mapping file were wrong: no row was read */
};

/* Imports the rows read from fd (not closed) as options say.  Returns 0 when the transaction was
 * committed (in partial mode there may be failed rows: see result), or:
 *   BR_EINVAL   some row was bad (all-or-nothing mode: nothing was written), or the CSV header
 *               or the mapping file is wrong (field errors name each bad column or key);
 *   BR_ETOOBIG  a line, row or field over its hard cap (nothing written, in either mode: past
 *               it the rows cannot be told apart);
 *   BR_EIO      reading the input, writing the reject file or the database failed (nothing
 *               written).
 * Each bad row is reported through options->report as it is found. */
int app_import(struct app *app, const struct import_options *options, int fd,
               struct import_result *result, struct br_error *err);

/* Writes every person as a bundle line to out, in id order, with memory independent of the
 * number of people; *people receives how many.  Returns 0, or BR_EIO (reading or writing). */
int app_export_bundles(struct app *app, FILE *out, app_progress_fn progress, void *progress_ctx,
                       long *people, struct br_error *err);

#endif
