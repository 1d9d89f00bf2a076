/* change.h — how a use case that changes a person's record opens and ends its transaction
 * (app.c), for the use cases kept in files of their own (manual_exit.c). */
#ifndef BRAID_APP_CHANGE_H
#define BRAID_APP_CHANGE_H

#include <stdint.h>

#include "app/access.h"
#include "app/app.h"
#include "core/error.h"

/* Opens a change to a person's record: begins the transaction, loads the record into app->record
 * and checks that the actor may write this area of it (access.h).  On failure nothing is left
 * open: a refusal's audit entry is committed, anything else rolled back. */
int app_change_begin(struct app *app, const struct actor *actor, int64_t person_id,
                     enum access_area area, struct br_error *err);

/* Ends it: when rc is 0, computes the answer asked for (app_answer_next_change) and commits;
 * otherwise, or when the answer fails, rolls back.  Returns rc, or what failed. */
int app_change_end(struct app *app, int rc, struct br_error *err);

#endif
