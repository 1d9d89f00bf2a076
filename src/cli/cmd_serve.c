/* cmd_serve.c — `braid serve`: the HTTP API and the web app, until SIGINT or SIGTERM. */
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_common.h"
#include "cli/commands.h"
#include "http/server.h"

#define WEB_ENV "BRAID_WEB"
#define WEB_BESIDE_EXE "/../web"
#define WEB_DEFAULT "web"

static const char serve_usage[] =
    "usage: braid serve [--listen ADDRESS:PORT] [--db PATH] [--threads N] [--web DIR]\n"
    "\n"
    "Serves the JSON API under /api/v1 and the web app's files under / until SIGINT or\n"
    "SIGTERM, which finish the requests under way and exit 0.  It listens only on --listen\n"
    "(default " HTTP_DEFAULT_LISTEN "): put a TLS proxy in front of it to reach it from other\n"
    "machines.  --threads (default 16) workers each keep their own database connection.\n"
    "--web defaults to $" WEB_ENV ", then the web/ folder beside the braid binary's folder,\n"
    "then ./web.  --db defaults to $BRAID_DB, then braid.db.\n";

/* The web app's folder: --web, $BRAID_WEB, beside the binary (build/braid finds the repo's
 * web/ from any directory), else ./web. */
static const char *
web_root(const char *option, char *buf, size_t size)
{
    const char *env = getenv(WEB_ENV);
    char exe[PATH_MAX];

    if (option != NULL && option[0] != '\0')
        return option;
    if (env != NULL && env[0] != '\0')
        return env;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0 && (size_t)n < sizeof(exe) - 1) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            int len = snprintf(buf, size, "%s%s", exe, WEB_BESIDE_EXE);
            if (len > 0 && (size_t)len < size && access(buf, F_OK) == 0)
                return buf;
        }
    }
    return WEB_DEFAULT;
}

static int
parse_threads(const char *text, unsigned *out)
{
    char *end = NULL;
    long value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || value < 1 || value > HTTP_MAX_THREADS)
        return -1;
    *out = (unsigned)value;
    return 0;
}

int
cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},  {"db", required_argument, NULL, 'd'},
        {"threads", required_argument, NULL, 't'}, {"web", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    struct http_server_options options = {
        .listen = HTTP_DEFAULT_LISTEN,
        .threads = HTTP_DEFAULT_THREADS,
    };
    const char *db_option = NULL, *web_option = NULL;
    char web_buf[PATH_MAX];
    struct http_server *server = NULL;
    struct br_error err;
    struct app app;
    sigset_t stop_signals;
    int c, sig = 0;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            options.listen = optarg;
            break;
        case 'd':
            db_option = optarg;
            break;
        case 'w':
            web_option = optarg;
            break;
        case 't':
            if (parse_threads(optarg, &options.threads) != 0) {
                fprintf(stderr, "braid serve: --threads must be 1 to %d (got '%s')\n%s",
                        HTTP_MAX_THREADS, optarg, serve_usage);
                return CLI_USAGE;
            }
            break;
        case 'h':
            fputs(serve_usage, stdout);
            return CLI_OK;
        default:
            fprintf(stderr, "braid serve: unknown or incomplete option '%s'\n%s", argv[optind - 1],
                    serve_usage);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "braid serve: unexpected argument '%s'\n%s", argv[optind], serve_usage);
        return CLI_USAGE;
    }
    options.db_path = cli_db_path(db_option);
    options.web_root = web_root(web_option, web_buf, sizeof(web_buf));

    /* Fail at once on a database the workers could not open (missing, newer, no key file). */
    if (cli_open_app("serve", options.db_path, &app) != 0)
        return CLI_USAGE;
    app_close(&app);

    /* The stop signals are blocked in every thread (the workers inherit the mask) and taken by
     * sigwait below, so no handler ever runs inside libmicrohttpd or SQLite. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    br_error_clear(&err);
    if (http_server_start(&options, &server, &err) != 0) {
        cli_print_error("serve", &err);
        return CLI_USAGE;
    }
    fprintf(stderr, "braid serve: listening on http://%s/ (%u threads, database %s, web %s)\n",
            options.listen, options.threads, options.db_path, options.web_root);
    if (sigwait(&stop_signals, &sig) != 0)
        sig = SIGTERM;
    fprintf(stderr, "braid serve: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_server_stop(server);
    fprintf(stderr, "braid serve: stopped\n");
    return CLI_OK;
}
