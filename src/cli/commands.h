/* commands.h — the subcommands of `braid`, one function each.
 *
 * Each takes the arguments after "braid" (argv[0] is the command's own name, so getopt_long works
 * as in a program of its own) and returns the process exit status: 0 success, 1 the command ran but
 * some of its input failed, 2 a usage error (bad options, unreadable file, bad catalog). */
#ifndef BRAID_CLI_COMMANDS_H
#define BRAID_CLI_COMMANDS_H

#include <stdbool.h>
#include <stdint.h>

enum cli_status {
    CLI_OK = 0,
    CLI_INPUT_FAILED = 1,
    CLI_USAGE = 2,
};

/* braid exits --input FILE --as-of YYYY-MM-DD [--catalog FILE] */
int cmd_exits(int argc, char **argv);

/* braid exits without --input: the database modes (cmd_exits_db.c). */
int exits_database(const char *db, int32_t as_of, bool apply, bool verify, int threads);

/* braid init [--db PATH] [--catalog FILE] */
int cmd_init(int argc, char **argv);
/* braid serve [--listen ADDRESS:PORT] [--db PATH] [--threads N] [--web DIR] */
int cmd_serve(int argc, char **argv);
/* braid agency add --code C --name N */
int cmd_agency(int argc, char **argv);
/* braid user add --email E --name N --role R --agency A --password-stdin */
int cmd_user(int argc, char **argv);
/* braid token create --email E */
int cmd_token(int argc, char **argv);
/* braid demo [--people N] */
int cmd_demo(int argc, char **argv);
/* braid import people|services|bundles FILE [--db PATH] [--map FILE] [--partial --reject FILE] */
int cmd_import(int argc, char **argv);
/* braid export bundles [--db PATH] [--output FILE] */
int cmd_export(int argc, char **argv);
/* braid backup FILE / braid restore FILE */
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);

#endif
