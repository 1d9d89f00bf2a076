/* demo_load.h — fills a database with the synthetic population of demo.h (`braid demo`): the
 * partner agencies and their staff, then every person through app_write_person, in batches. */
#ifndef BRAID_APP_DEMO_LOAD_H
#define BRAID_APP_DEMO_LOAD_H

#include "app/demo.h"
#include "app/exit_run.h"

/* The account a person can sign in with to look around a demo database. */
#define DEMO_LOGIN_EMAIL "demo@braid.example"
#define DEMO_LOGIN_PASSWORD "braid-demo-password"
/* The login is a case manager of this program's office: its staff number DEMO_LOGIN_STAFF (of
 * DEMO_STAFF_PER_PROGRAM, demo.h), so its caseload is the people the seed gives that number. */
#define DEMO_LOGIN_PROGRAM "WP"
#define DEMO_LOGIN_STAFF 2

/* Loads options->people people into an empty database (BR_ECONFLICT when it already holds the demo
 * population).  Each batch of people is one transaction. */
int app_demo_load(struct app *app, const struct demo_options *options, app_progress_fn progress,
                  void *progress_ctx, struct br_error *err);

#endif
