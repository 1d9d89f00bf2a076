/* cmd_demo.c — `braid demo`: a database full of realistic synthetic people to look around in. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/catalog_file.h"
#include "app/demo_load.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "core/date.h"

#define DEMO_MAX_PEOPLE 10000000L

static const char demo_usage[] =
    "usage: braid demo [--db PATH] [--people N] [--seed S] [--as-of YYYY-MM-DD]\n"
    "\n"
    "Creates the database if needed and fills it with N synthetic people (default 2000, at most\n"
    "10,000,000): names, ages and barriers, programs and co-enrollments in realistic proportions,\n"
    "two program years of services with case notes, planned gaps and contacts, ending on the\n"
    "--as-of date (default today).  The same seed always gives the same people.  Also adds one\n"
    "agency per program with its staff, and a login (" DEMO_LOGIN_EMAIL ").\n";

int
cmd_demo(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},     {"people", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},   {"as-of", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *db_option = NULL, *as_of_text = NULL;
    long people = DEMO_DEFAULT_PEOPLE, seed = -1;
    struct br_error err;
    struct app app;
    struct progress progress;
    struct demo_options options;
    char catalog[4096];
    int32_t as_of;
    int c;

    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db_option = optarg;
            break;
        case 'n':
            if (cli_parse_count("demo", "--people", optarg, 0, DEMO_MAX_PEOPLE, &people) != 0)
                return CLI_USAGE;
            break;
        case 's':
            if (cli_parse_count("demo", "--seed", optarg, 0, INT32_MAX, &seed) != 0)
                return CLI_USAGE;
            break;
        case 'a':
            as_of_text = optarg;
            break;
        case 'h':
            fputs(demo_usage, stdout);
            return CLI_OK;
        default:
            fprintf(stderr, "braid demo: unknown or incomplete option '%s'\n%s", argv[optind - 1],
                    demo_usage);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "braid demo: unexpected argument '%s'\n%s", argv[optind], demo_usage);
        return CLI_USAGE;
    }
    br_error_clear(&err);
    if (as_of_text != NULL) {
        if (cli_parse_date("demo", "--as-of", as_of_text, &as_of) != 0)
            return CLI_USAGE;
    } else if (app_today(&as_of, &err) != 0) {
        cli_print_error("demo", &err);
        return CLI_USAGE;
    }

    const char *db = cli_db_path(db_option);
    if (app_init_database(db, catalog_file_find(catalog, sizeof(catalog)), &err) != 0) {
        cli_print_error("demo", &err);
        return CLI_USAGE;
    }
    if (cli_open_app("demo", db, &app) != 0)
        return CLI_USAGE;
    app.today = as_of; /* clocks are stored as of the day the history ends */

    demo_options_defaults(&options, as_of);
    options.people = people;
    if (seed >= 0)
        options.seed = (uint64_t)seed;
    progress_init(&progress, "generating people");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = app_demo_load(&app, &options, progress_update, &progress, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    progress_finish(&progress);
    app_close(&app);
    if (rc != 0) {
        cli_print_error("demo", &err);
        return CLI_INPUT_FAILED;
    }
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    char day[DATE_TEXT_SIZE];
    printf("%ld people written to %s in %.1f s, history to %s (seed %" PRIu64 ")\n"
           "sign in as %s / %s\n",
           people, db, seconds, date_format(as_of, day), options.seed, DEMO_LOGIN_EMAIL,
           DEMO_LOGIN_PASSWORD);
    return CLI_OK;
}
