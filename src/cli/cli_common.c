#include "cli/cli_common.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/date.h"
#include "core/mem.h"

const char *
cli_db_path(const char *option)
{
    if (option != NULL && option[0] != '\0')
        return option;
    const char *env = getenv("BRAID_DB");
    if (env != NULL && env[0] != '\0')
        return env;
    return "braid.db";
}

void
cli_print_error(const char *command, const struct br_error *err)
{
    fprintf(stderr, "braid %s: %s\n", command, err->message[0] ? err->message : "failed");
    for (size_t i = 0; i < err->n_fields; i++)
        fprintf(stderr, "  %s: %s\n", err->fields[i].field, err->fields[i].problem);
    if (err->n_dropped > 0)
        fprintf(stderr, "  ... and %zu more\n", err->n_dropped);
}

int
cli_open_app(const char *command, const char *db_path, struct app *app)
{
    struct br_error err;
    br_error_clear(&err);
    if (access(db_path, F_OK) != 0) {
        fprintf(stderr, "braid %s: no database at %s; create one with `braid init --db %s`\n",
                command, db_path, db_path);
        return -1;
    }
    int rc = app_open(app, db_path, &err);
    if (rc != 0)
        cli_print_error(command, &err);
    return rc;
}

int
cli_parse_date(const char *command, const char *option, const char *text, int32_t *out)
{
    if (text == NULL || date_parse(text, out) != 0) {
        fprintf(stderr, "braid %s: %s must be a date as YYYY-MM-DD (got '%s')\n", command, option,
                text ? text : "");
        return -1;
    }
    return 0;
}

void
progress_init(struct progress *p, const char *label)
{
    memset(p, 0, sizeof(*p));
    p->label = label;
    p->tty = isatty(STDERR_FILENO);
    p->last_permille = -1;
}

void
progress_update(void *ctx, long done, long total)
{
    struct progress *p = ctx;
    if (!p->tty)
        return;
    if (total > 0) {
        int permille = (int)(done * 1000 / total);
        if (permille == p->last_permille)
            return;
        p->last_permille = permille;
        int filled = permille * 30 / 1000;
        fprintf(stderr, "\r%s [%.*s%*s] %5.1f%% (%ld/%ld)", p->label, filled,
                "##############################", 30 - filled, "", permille / 10.0, done, total);
    } else {
        fprintf(stderr, "\r%s %ld", p->label, done);
    }
    p->last_done = done;
    fflush(stderr);
}

void
progress_finish(struct progress *p)
{
    if (p->tty && (p->last_permille >= 0 || p->last_done > 0))
        fputc('\n', stderr);
}

int
cli_print_json_line(json_t *value)
{
    const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
    char small[16384];
    char *text = small;
    size_t size = json_dumpb(value, small, sizeof(small), flags);
    int rc = 0;

    if (size == 0)
        return BR_EIO;
    if (size > sizeof(small)) {
        text = xmalloc(size);
        if (json_dumpb(value, text, size, flags) != size)
            rc = BR_EIO;
    }
    if (rc == 0 && (fwrite(text, 1, size, stdout) != size || fputc('\n', stdout) == EOF))
        rc = BR_EIO;
    if (text != small)
        free(text);
    return rc;
}

int
cli_parse_count(const char *command, const char *option, const char *text, long min, long max,
                long *out)
{
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
        fprintf(stderr, "braid %s: %s must be a whole number from %ld to %ld (got '%s')\n",
                command, option, min, max, text);
        return -1;
    }
    *out = value;
    return 0;
}
