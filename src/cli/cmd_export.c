/* cmd_export.c — `braid export bundles`: every person in the database as a person bundle, one
 * JSON line each, in id order — what `braid import bundles` reads back and what
 * `braid exits --input` evaluates.  Streams: memory does not grow with the number of people. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/import.h"
#include "cli/cli_common.h"
#include "cli/commands.h"

#define EXPORT_SYNOPSIS "braid export bundles [--db PATH] [--output FILE]"
#define EXPORT_PATH_MAX 4096

static void
export_usage(FILE *out)
{
    fprintf(out,
            "usage: " EXPORT_SYNOPSIS "\n"
            "\n"
            "Writes every person as a person bundle (JSON Lines, one person per line, in id\n"
            "order): the person's facts (the SSN's last four digits only, never the SSN),\n"
            "enrollments, services, planned gaps, case notes and contacts.  The id is the one the\n"
            "person was imported with, else P<number>.  `braid import bundles` reads it back, and\n"
            "`braid export bundles | braid exits --input - --as-of D` determines exits from it.\n"
            "\n"
            "options:\n"
            "  --db PATH      the database (default: $BRAID_DB, else braid.db)\n"
            "  --output FILE  write to FILE (replaced only once the export is complete) instead\n"
            "                 of standard output\n"
            "  --help         show this help\n"
            "\n"
            "exit status: 0 exported, 1 reading the database or writing failed, 2 usage error\n");
}

int
cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *output = NULL;
    char partial[EXPORT_PATH_MAX];
    struct progress progress;
    struct br_error err;
    struct app app;
    FILE *out = stdout;
    long people = 0;
    int status = CLI_INPUT_FAILED;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'o': output = optarg; break;
        case 'h': export_usage(stdout); return CLI_OK;
        case ':':
            fprintf(stderr, "braid export: %s needs a value\n", argv[optind - 1]);
            goto usage;
        default:
            fprintf(stderr, "braid export: unknown option '%s'\n", argv[optind - 1]);
            goto usage;
        }
    }
    if (argc - optind != 1 || strcmp(argv[optind], "bundles") != 0) {
        fprintf(stderr, "braid export: expected what to export: bundles\n");
        goto usage;
    }
    if (output != NULL && strcmp(output, "-") == 0)
        output = NULL;
    if (output != NULL) {
        int n = snprintf(partial, sizeof(partial), "%s.partial", output);
        if (n < 0 || (size_t)n >= sizeof(partial)) {
            fprintf(stderr, "braid export: the output path is too long\n");
            return CLI_USAGE;
        }
    }
    if (cli_open_app("export", cli_db_path(db), &app) != 0)
        return CLI_USAGE;
    /* A file half written is never left under the name asked for. */
    if (output != NULL && (out = fopen(partial, "w")) == NULL) {
        fprintf(stderr, "braid export: cannot create %s: %s\n", partial, strerror(errno));
        app_close(&app);
        return CLI_USAGE;
    }
    progress_init(&progress, "exporting people");
    /* Progress only where a person watches stderr and the bundles go elsewhere. */
    if (output == NULL && isatty(STDOUT_FILENO))
        progress.tty = false;
    br_error_clear(&err);
    int rc = app_export_bundles(&app, out, progress_update, &progress, &people, &err);
    progress_finish(&progress);
    if (output != NULL) {
        if (fclose(out) != 0 && rc == 0)
            rc = br_error_set(&err, BR_EIO, "cannot write %s: %s", partial, strerror(errno));
        if (rc == 0 && rename(partial, output) != 0)
            rc = br_error_set(&err, BR_EIO, "cannot rename %s to %s: %s", partial, output,
                              strerror(errno));
        if (rc != 0)
            unlink(partial);
    }
    if (rc != 0) {
        cli_print_error("export", &err);
    } else {
        status = CLI_OK;
        if (output != NULL)
            printf("exported %ld %s to %s\n", people, people == 1 ? "person" : "people", output);
    }
    app_close(&app);
    return status;
usage:
    fprintf(stderr, "usage: " EXPORT_SYNOPSIS "\nTry 'braid export --help' for more.\n");
    return CLI_USAGE;
}
