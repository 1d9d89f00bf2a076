/* cmd_exits.c — `braid exits`: the exit determination of every person in a file of person bundles
 * (JSON Lines), as of a date, one JSON line out per person in, with no database.
 *
 * Streams: one line buffer (capped), one person_record and one exit_result are reused for every
 * line, so memory does not grow with the number of lines.  A bad line becomes an error line and
 * the rest are still evaluated; the exit status says whether any failed. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "app/bundle.h"
#include "app/line_reader.h"
#include "app/catalog_file.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "core/date.h"
#include "core/error.h"
#include "core/exit.h"
#include "core/mem.h"

/* A hard cap on one input line: a longer one is reported and skipped, never buffered. */
#define EXITS_LINE_MAX ((size_t)8 << 20)
#define EXITS_PATH_MAX 4096
#define EXITS_PROGRESS_EVERY 10000 /* lines between progress updates on a terminal */
#define EXITS_MAX_THREADS 16
#define EXITS_SYNOPSIS                                                                             \
    "braid exits --input FILE --as-of YYYY-MM-DD [--catalog FILE]\n"                               \
    "       braid exits [--db PATH] (--as-of YYYY-MM-DD [--apply [--threads N]] | --verify "       \
    "[--threads N])"

/* --apply's and --verify's default: one connection per processor online. */
static int
default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > EXITS_MAX_THREADS ? EXITS_MAX_THREADS : (int)n;
}

/* Opens the input file for reading.  Returns the descriptor, or -1 with errno set. */
static int
open_input(const char *path)
{
    int fd;

    do {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

static void
exits_usage(FILE *out)
{
    fprintf(out,
            "usage: %s\n"
            "\n"
            "Determines, for each person bundle in FILE (JSON Lines, one person per line), every\n"
            "period of participation as of the date: entry, status, exit date, what holds the\n"
            "exit group open, the soft-exit day and days remaining, with an explanation.\n"
            "Prints one JSON line per input line, in order; a bad line prints an error object\n"
            "naming each bad field, and the others are still evaluated.\n"
            "\n"
            "options:\n"
            "  --input FILE        person bundles to read; - reads standard input\n"
            "  --as-of YYYY-MM-DD  the date to determine exits as of (required)\n"
            "  --catalog FILE      programs, service codes and policy (default: $BRAID_CATALOG,\n"
            "                      else <braid dir>/../data/catalog.json,\n"
            "                      else ./data/catalog.json)\n"
            "  --help              show this help\n"
            "\n"
            "Without --input, works on the database (--db PATH, else $BRAID_DB, else braid.db),\n"
            "whose own catalog applies:\n"
            "  braid exits --as-of D            every person's determination, one JSON line each\n"
            "  braid exits --as-of D --apply    the nightly run: records the soft exits due on or\n"
            "                                   before D (idempotent), reopens exits that late\n"
            "                                   services undid, and prints a summary; with\n"
            "                                   --threads 2 or more (the default on two\n"
            "                                   processors), a second connection reads the\n"
            "                                   people due ahead of the writes\n"
            "  braid exits --verify             recomputes every stored exit clock from the\n"
            "                                   services and lists any mismatch (exit status 1),\n"
            "                                   on --threads N connections side by side\n"
            "                                   (default: one per processor)\n"
            "\n"
            "exit status: 0 every line evaluated, 1 some line failed, 2 usage or input error\n",
            EXITS_SYNOPSIS);
}

struct exits_options {
    const char *input;
    const char *catalog;
    int32_t as_of;
    const char *db; /* database mode when no --input */
    bool apply;
    bool verify;
    long threads; /* --apply and --verify: connections to the database */
};

/* Returns -1 to go on, else the exit status to return now. */
static int
exits_parse_options(int argc, char **argv, struct exits_options *opts)
{
    static const struct option longopts[] = {
        {"input", required_argument, NULL, 'i'},
        {"as-of", required_argument, NULL, 'a'},
        {"catalog", required_argument, NULL, 'c'},
        {"db", required_argument, NULL, 'd'},
        {"apply", no_argument, NULL, 'A'},
        {"verify", no_argument, NULL, 'V'},
        {"threads", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *as_of = NULL;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case 'i':
            opts->input = optarg;
            break;
        case 'a':
            as_of = optarg;
            break;
        case 'c':
            opts->catalog = optarg;
            break;
        case 'd':
            opts->db = optarg;
            break;
        case 'A':
            opts->apply = true;
            break;
        case 'V':
            opts->verify = true;
            break;
        case 't':
            if (cli_parse_count("exits", "--threads", optarg, 1, EXITS_MAX_THREADS,
                                &opts->threads) != 0)
                goto usage;
            break;
        case 'h':
            exits_usage(stdout);
            return CLI_OK;
        case ':':
            fprintf(stderr, "braid exits: %s needs a value\n", argv[optind - 1]);
            goto usage;
        default:
            fprintf(stderr, "braid exits: unknown option '%s'\n", argv[optind - 1]);
            goto usage;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "braid exits: unexpected argument '%s'\n", argv[optind]);
        goto usage;
    }
    if (opts->input != NULL && (opts->db != NULL || opts->apply || opts->verify)) {
        fprintf(stderr, "braid exits: --input reads bundles; --db, --apply and --verify work on "
                        "a database: use one or the other\n");
        goto usage;
    }
    if (opts->threads > 0 && !opts->verify && !opts->apply) {
        fprintf(stderr, "braid exits: --threads applies to --apply and --verify only\n");
        goto usage;
    }
    if (opts->apply && opts->verify) {
        fprintf(stderr, "braid exits: --apply and --verify are separate runs\n");
        goto usage;
    }
    if (as_of == NULL && !opts->verify) {
        fprintf(stderr, "braid exits: --as-of is required\n");
        goto usage;
    }
    if (as_of == NULL)
        return -1;
    if (date_parse(as_of, &opts->as_of) != 0) {
        fprintf(stderr, "braid exits: --as-of '%s' is not a date (YYYY-MM-DD, a real day)\n",
                as_of);
        goto usage;
    }
    return -1;
usage:
    fprintf(stderr, "usage: %s\nTry 'braid exits --help' for more.\n", EXITS_SYNOPSIS);
    return CLI_USAGE;
}

int
cmd_exits(int argc, char **argv)
{
    struct exits_options opts = {.input = NULL, .catalog = NULL, .as_of = DATE_NONE};
    struct catalog catalog = {0};
    struct policy policy;
    struct person_record record;
    struct exit_result result;
    struct line_reader reader;
    struct br_error err;
    char catalog_path[EXITS_PATH_MAX];
    long line_no = 0, evaluated = 0, failed = 0;
    bool progress;
    int fd = -1;
    int status;
    int rc;

    status = exits_parse_options(argc, argv, &opts);
    if (status >= 0)
        return status;
    if (opts.input == NULL)
        return exits_database(opts.db, opts.as_of, opts.apply, opts.verify,
                              opts.threads > 0 ? (int)opts.threads : default_threads());

    person_record_init(&record);
    exit_result_init(&result);
    line_reader_init(&reader, -1, EXITS_LINE_MAX);
    policy_defaults(&policy);

    if (opts.catalog == NULL)
        opts.catalog = catalog_file_find(catalog_path, sizeof(catalog_path));
    br_error_clear(&err);
    if (catalog_file_load(opts.catalog, &catalog, &policy, &err) != 0) {
        fprintf(stderr, "braid exits: catalog %s: %s\n", opts.catalog, err.message);
        for (size_t i = 0; i < err.n_fields && i < BR_ERROR_MAX_FIELDS; i++)
            fprintf(stderr, "  %s: %s\n", err.fields[i].field, err.fields[i].problem);
        status = CLI_USAGE;
        goto out;
    }

    if (strcmp(opts.input, "-") == 0) {
        reader.fd = STDIN_FILENO;
    } else {
        fd = open_input(opts.input);
        if (fd < 0) {
            fprintf(stderr, "braid exits: cannot open %s: %s\n", opts.input, strerror(errno));
            status = CLI_USAGE;
            goto out;
        }
        reader.fd = fd;
    }

    /* Progress only where a person watches stderr and the results go elsewhere. */
    progress = isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
    status = CLI_OK;
    for (;;) {
        json_t *id = NULL;
        json_t *out;

        rc = line_reader_next(&reader);
        if (rc == 0)
            break;
        if (rc < 0) {
            fprintf(stderr, "braid exits: reading %s failed after line %ld: %s\n", opts.input,
                    line_no, strerror(errno));
            status = CLI_USAGE;
            goto out;
        }
        line_no++;
        if (reader.too_long) {
            br_error_clear(&err);
            br_error_set(&err, BR_ETOOBIG, "line is longer than %zu bytes", EXITS_LINE_MAX);
            out = bundle_encode_error(NULL, line_no, &err);
            failed++;
        } else if (line_is_blank(reader.line, reader.len)) {
            continue;
        } else if (bundle_parse(&catalog, &policy, reader.line, reader.len, &record, &id,
                                &err) != 0) {
            out = bundle_encode_error(id, line_no, &err);
            failed++;
        } else {
            exit_determine(&catalog, &policy, &record, opts.as_of, &result);
            out = bundle_encode_exits(&catalog, &record, &result, id);
            evaluated++;
        }
        rc = cli_print_json_line(out);
        json_decref(out);
        json_decref(id);
        if (rc != 0)
            break;
        if (progress && line_no % EXITS_PROGRESS_EVERY == 0)
            fprintf(stderr, "\rbraid exits: %ld lines", line_no);
    }
    if (rc != 0 || fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%sbraid exits: writing the results failed: %s\n", progress ? "\n" : "",
                strerror(errno));
        status = CLI_USAGE;
        goto out;
    }
    if (failed > 0)
        status = CLI_INPUT_FAILED;
    /* A person at a terminal gets a tally; a pipeline gets clean stderr. */
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "%sbraid exits: %ld lines, %ld people evaluated, %ld failed\n",
                progress ? "\r" : "", line_no, evaluated, failed);
out:
    if (fd >= 0)
        close(fd);
    line_reader_cleanup(&reader);
    exit_result_cleanup(&result);
    person_record_cleanup(&record);
    catalog_cleanup(&catalog);
    return status;
}
