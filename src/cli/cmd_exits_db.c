/* cmd_exits_db.c — `braid exits` on the database: everyone's determination as of a date, the
 * nightly soft-exit run (--apply) and the check of every stored clock (--verify). */
#include <jansson.h>
#include <stdio.h>

#include "app/bundle.h"
#include "app/exit_run.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "core/date.h"

struct print_walk {
    const struct catalog *catalog;
    long people;
};

/* One line per person, the same object `braid exits --input` prints for the person's bundle. */
static int
print_person(void *ctx, const struct stored_person *person, const struct person_record *record,
             const struct exit_result *result)
{
    struct print_walk *w = ctx;
    json_t *id = bundle_person_id(person);
    json_t *out = bundle_encode_exits(w->catalog, record, result, id);
    int rc = cli_print_json_line(out);
    json_decref(out);
    json_decref(id);
    w->people++;
    return rc;
}

static void
print_mismatch(void *ctx, int64_t person_id, const char *what)
{
    (void)ctx;
    printf("person %lld: %s\n", (long long)person_id, what);
}

int
exits_database(const char *db, int32_t as_of, bool apply, bool verify, int threads)
{
    struct app app;
    struct br_error err;
    struct exit_run_report report;
    struct progress progress;
    char day[DATE_TEXT_SIZE];
    int status = CLI_OK;

    if (cli_open_app("exits", cli_db_path(db), &app) != 0)
        return CLI_USAGE;
    br_error_clear(&err);
    if (apply) {
        progress_init(&progress, "recording exits");
        if (app_exits_apply(&app, as_of, threads, &report, progress_update, &progress, &err) != 0) {
            progress_finish(&progress);
            cli_print_error("exits --apply", &err);
            status = CLI_INPUT_FAILED;
            goto out;
        }
        progress_finish(&progress);
        printf("exit run %lld as of %s: %ld people due, %ld soft exits recorded, %ld reopened, "
               "%ld plans closed\n",
               (long long)report.run_id, date_format(as_of, day), report.examined,
               report.recorded, report.reopened, report.plans_closed);
    } else if (verify) {
        progress_init(&progress, "verifying clocks");
        if (app_exits_verify(&app, threads, &report, print_mismatch, NULL, progress_update, &progress,
                             &err) != 0) {
            progress_finish(&progress);
            cli_print_error("exits --verify", &err);
            status = CLI_INPUT_FAILED;
            goto out;
        }
        progress_finish(&progress);
        printf("%ld people verified, %ld mismatched\n", report.examined, report.mismatched);
        if (report.mismatched > 0)
            status = CLI_INPUT_FAILED;
    } else {
        struct print_walk w = {.catalog = &app.catalog};
        if (app_exits_evaluate(&app, as_of, print_person, &w, &err) != 0) {
            cli_print_error("exits", &err);
            status = CLI_INPUT_FAILED;
        }
    }
out:
    app_close(&app);
    return status;
}
