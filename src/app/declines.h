/* declines.h — a person's recorded declines of a required co-enrollment (RULES.md §6:
 * TAA_REQUIRES_DW, "the person may decline, with the decline recorded (no loss of TAA)").
 *
 * Which rules a person may decline is the rules table's to say (core/coenroll.h
 * coenroll_rule.declinable), not this file's: a decline of any other rule is refused on "rule".
 * A recorded decline satisfies its rule wherever the rules are checked — the person's alerts and
 * the caseload (alerts_app.h).  Declines are part of the case file (access.h ACCESS_CASE_FILE):
 * read and written as it is, each change audited, in one transaction. */
#ifndef BRAID_APP_DECLINES_H
#define BRAID_APP_DECLINES_H

#include <stddef.h>
#include <stdint.h>

#include "app/app.h"

/* What a client sends; every member may be NULL. */
struct decline_input {
    const char *rule;        /* a declinable rule's id: "TAA_REQUIRES_DW" */
    const char *declined_on; /* YYYY-MM-DD, not after today; today when NULL */
    const char *note;        /* what the person said, at most STORE_NOTE_SIZE - 1 bytes */
};

/* Records the decline ("coenrollment.decline" in the audit log) into *out.  BR_EINVAL with every
 * bad field named (an unknown rule, a rule the person may not decline, a bad date or a note too
 * long) together with the field errors err already holds (the request's shape, from the HTTP
 * layer), which refuse it too, BR_ENOTFOUND (no such person), BR_EFORBIDDEN (audited), BR_ECONFLICT
 * (the person declined that rule already).  Nothing is written unless everything is. */
int app_record_decline(struct app *app, const struct actor *actor, int64_t person_id,
                       const struct decline_input *in, struct coenroll_decline *out,
                       struct br_error *err);

/* The person's declines, by rule, into an array the caller owns and reuses (store.h
 * declines_load); the read is audited as the case file's. */
struct decline_list {
    struct coenroll_decline *items;
    size_t n, cap;
};

int app_list_declines(struct app *app, const struct actor *actor, int64_t person_id,
                      struct decline_list *out, struct br_error *err);

#endif
