/* cli_common.h — what every database command shares: where the database is, how errors are
 * printed, and the progress bar shown on a terminal (and nowhere else). */
#ifndef BRAID_CLI_COMMON_H
#define BRAID_CLI_COMMON_H

#include <stdbool.h>
#include <stdio.h>

#include "app/app.h"
#include "core/error.h"

/* --db PATH, else $BRAID_DB, else "braid.db". */
const char *cli_db_path(const char *option);

/* Prints "braid COMMAND: message" and one indented line per bad field to stderr. */
void cli_print_error(const char *command, const struct br_error *err);

/* Opens the app on the database; prints the error and returns non-zero when it cannot. */
int cli_open_app(const char *command, const char *db_path, struct app *app);

/* Parses a whole number in [min, max], printing a clear error naming the option when it is not. */
int cli_parse_count(const char *command, const char *option, const char *text, long min, long max,
                    long *out);

/* Parses a YYYY-MM-DD option value, printing a clear error naming the option when it is not. */
int cli_parse_date(const char *command, const char *option, const char *text, int32_t *out);

/* Writes value to stdout as one compact line (keys in insertion order); 0 or BR_EIO.  The text
 * is made whole first and written at once: jansson's json_dumpf writes every token with its
 * own locked fwrite, which was a third of `braid exits`' time. */
struct json_t;
int cli_print_json_line(struct json_t *value);

/* A progress bar on stderr when stderr is a terminal; silent otherwise. */
struct progress {
    const char *label;
    bool tty;
    int last_permille;
    long last_done;
};
void progress_init(struct progress *p, const char *label);
/* Matches app_progress_fn: total < 0 shows a count only. */
void progress_update(void *p, long done, long total);
void progress_finish(struct progress *p);

#endif
