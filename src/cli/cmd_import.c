/* cmd_import.c — `braid import people|services|bundles FILE`: people and their records from
 * another system, all or nothing (or, with --partial, the good rows and a file of the bad ones).
 * Every bad row is reported on stderr with its row, column and problem. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/import.h"
#include "cli/cli_common.h"
#include "cli/commands.h"

#define IMPORT_SYNOPSIS                                                                            \
    "braid import people|services|bundles FILE [--db PATH] [--map FILE]\n"                        \
    "                    [--partial --reject FILE]"

static void
import_usage(FILE *out)
{
    fprintf(out,
            "usage: " IMPORT_SYNOPSIS "\n"
            "\n"
            "Imports FILE (- reads standard input) into the database, in one transaction:\n"
            "  bundles   person bundles, one JSON object per line (what `braid export bundles`\n"
            "            writes): the person, enrollments, services, gaps, notes and contacts\n"
            "  people    CSV with a header: id, first_name, last_name (required), birth_date,\n"
            "            sex, ssn, and any person fact by name (veteran, low_income, ...)\n"
            "  services  CSV with a header: person_id (the id the person was imported with),\n"
            "            program, code, start_date (required), end_date, projected_end_date,\n"
            "            provider; each is checked against the person's whole record\n"
            "Every row is checked.  By default, if any row is bad nothing is imported; each bad\n"
            "row is reported on stderr (row, column or field, problem).  Dates are YYYY-MM-DD.\n"
            "An id already in the database is a bad row.  Each person's exit clock is computed\n"
            "as of today, and each import is recorded in the audit log.\n"
            "\n"
            "options:\n"
            "  --db PATH       the database (default: $BRAID_DB, else braid.db)\n"
            "  --map FILE      CSV only: renames the file's headers to braid's fields, as JSON:\n"
            "                  {\"columns\": {\"Their Header\": \"our_field\",\n"
            "                               \"Skip Me\": null}}\n"
            "                  A header neither known nor mapped is an error.\n"
            "  --partial       import the good rows and write the bad ones, exactly as they\n"
            "                  were (after the CSV header), to the --reject file\n"
            "  --reject FILE   where --partial writes the bad rows\n"
            "  --help          show this help\n"
            "\n"
            "exit status: 0 every row imported, 1 some row was bad (or the header, or the\n"
            "database failed), 2 usage error, unreadable file or mapping file\n");
}

struct import_cli {
    const char *input;
    struct progress progress;
    long reported;
};

/* Prints one bad row (or a warning) as "FILE row N (id X): message" and its fields. */
static void
print_problem(void *ctx, const struct import_problem *problem)
{
    struct import_cli *cli = ctx;
    const struct br_error *err = problem->err;

    /* A problem starts on a line of its own, under any progress bar. */
    if (cli->progress.tty && (cli->progress.last_permille >= 0 || cli->progress.last_done > 0)) {
        fputc('\n', stderr);
        cli->progress.last_permille = -1;
        cli->progress.last_done = 0;
    }
    fprintf(stderr, "%s row %ld", cli->input, problem->row);
    if (problem->id != NULL)
        fprintf(stderr, " (id %s)", problem->id);
    fprintf(stderr, ": %s%s\n", problem->warning ? "warning: " : "", err->message);
    for (size_t i = 0; i < err->n_fields; i++)
        fprintf(stderr, "  %s: %s\n", err->fields[i].field, err->fields[i].problem);
    if (err->n_dropped > 0)
        fprintf(stderr, "  ... and %zu more\n", err->n_dropped);
    cli->reported++;
}

static int
parse_kind(const char *text, enum import_kind *kind)
{
    if (strcmp(text, "bundles") == 0)
        *kind = IMPORT_BUNDLES;
    else if (strcmp(text, "people") == 0)
        *kind = IMPORT_PEOPLE;
    else if (strcmp(text, "services") == 0)
        *kind = IMPORT_SERVICES;
    else
        return -1;
    return 0;
}

static const char *
kind_noun(enum import_kind kind)
{
    return kind == IMPORT_SERVICES ? "services" : "people";
}

int
cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"map", required_argument, NULL, 'm'},
        {"partial", no_argument, NULL, 'p'},
        {"reject", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct import_options opts = {.kind = IMPORT_BUNDLES};
    struct import_result result;
    struct import_cli cli = {.input = NULL, .reported = 0};
    const char *db = NULL, *reject_path = NULL;
    struct br_error err;
    struct app app;
    bool app_open = false;
    int fd = -1;
    int status = CLI_USAGE;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'm': opts.map_path = optarg; break;
        case 'p': opts.partial = true; break;
        case 'r': reject_path = optarg; break;
        case 'h': import_usage(stdout); return CLI_OK;
        case ':':
            fprintf(stderr, "braid import: %s needs a value\n", argv[optind - 1]);
            goto usage;
        default:
            fprintf(stderr, "braid import: unknown option '%s'\n", argv[optind - 1]);
            goto usage;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "braid import: expected what to import (people, services or bundles) "
                        "and a FILE\n");
        goto usage;
    }
    if (parse_kind(argv[optind], &opts.kind) != 0) {
        fprintf(stderr, "braid import: cannot import '%s'; expected people, services or "
                        "bundles\n",
                argv[optind]);
        goto usage;
    }
    cli.input = argv[optind + 1];
    if (opts.map_path != NULL && opts.kind == IMPORT_BUNDLES) {
        fprintf(stderr, "braid import: --map renames CSV columns; bundles have none\n");
        goto usage;
    }
    if (opts.partial != (reject_path != NULL)) {
        fprintf(stderr, "braid import: --partial and --reject FILE go together\n");
        goto usage;
    }

    if (strcmp(cli.input, "-") == 0) {
        fd = STDIN_FILENO;
    } else {
        do {
            fd = open(cli.input, O_RDONLY | O_CLOEXEC);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            fprintf(stderr, "braid import: cannot open %s: %s\n", cli.input, strerror(errno));
            return CLI_USAGE;
        }
    }
    if (cli_open_app("import", cli_db_path(db), &app) != 0)
        goto out;
    app_open = true;
    if (reject_path != NULL && (opts.reject = fopen(reject_path, "w")) == NULL) {
        fprintf(stderr, "braid import: cannot create the reject file %s: %s\n", reject_path,
                strerror(errno));
        goto out;
    }

    opts.name = cli.input;
    opts.report = print_problem;
    opts.report_ctx = &cli;
    progress_init(&cli.progress, "importing (bytes read)");
    opts.progress = progress_update;
    opts.progress_ctx = &cli.progress;
    br_error_clear(&err);
    int rc = app_import(&app, &opts, fd, &result, &err);
    progress_finish(&cli.progress);
    if (rc != 0) {
        cli_print_error("import", &err);
        status = result.setup_failed ? CLI_USAGE : CLI_INPUT_FAILED;
        /* Nothing was imported, so a reject file would only mislead. */
        if (opts.reject != NULL) {
            fclose(opts.reject);
            opts.reject = NULL;
            unlink(reject_path);
        }
        goto out;
    }
    if (result.failed > 0) {
        printf("imported %ld of %ld rows (%s) from %s; %ld bad row%s written to %s\n",
               result.imported, result.rows, kind_noun(opts.kind), cli.input, result.failed,
               result.failed == 1 ? "" : "s", reject_path);
        status = CLI_INPUT_FAILED;
    } else {
        printf("imported %ld %s from %s\n", result.imported, kind_noun(opts.kind), cli.input);
        status = CLI_OK;
    }
    if (result.warnings > 0)
        fprintf(stderr, "braid import: %ld possible duplicate%s (see the warnings above)\n",
                result.warnings, result.warnings == 1 ? "" : "s");
out:
    if (opts.reject != NULL && fclose(opts.reject) != 0) {
        fprintf(stderr, "braid import: cannot write the reject file %s: %s\n", reject_path,
                strerror(errno));
        status = CLI_INPUT_FAILED;
    }
    if (app_open)
        app_close(&app);
    if (fd > STDIN_FILENO)
        close(fd);
    return status;
usage:
    fprintf(stderr, "usage: " IMPORT_SYNOPSIS "\nTry 'braid import --help' for more.\n");
    return CLI_USAGE;
}
