/* manual_exit.h — staff exit an exit group before its 90 service-free days have passed
 * (RULES.md §4 "Manual exit"; seed 003): when no further services are planned, the person no
 * longer wants services or cannot be reached.  The exit date is still L, the date services were
 * last provided; every open service of the group is closed effective L, and the exit is
 * recorded for every program of the group's latest period of participation, with the reason.
 * When the group is the common-exit group, the person's open IEP/ISS closes at L with its goals
 * decided (records.h app_close_plan_at_group_exit).
 *
 * A manual exit is a recorded exit without an exit run (run_id 0).  From the day it is made every
 * reader of the determination sees the group exited on L (app_apply_manual_exits; core/exit.h
 * exit_manual_stands), until a qualifying service dated before the soft-exit day (L + 91) is
 * recorded, which reopens it like any late service (app_sync_exits); a service on or after that
 * day starts a new period and leaves the exit standing (RULES.md §4 periods). */
#ifndef BRAID_APP_MANUAL_EXIT_H
#define BRAID_APP_MANUAL_EXIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "app/app.h"
#include "app/records.h"

/* Why a group is exited by hand.  The first two are seed 003's; the rest are the "other reasons
 * for exit", which exclude the exiter from the performance indicators (RULES.md §4). */
enum manual_exit_reason {
    MANUAL_EXIT_NO_FURTHER_SERVICES,
    MANUAL_EXIT_NO_CONTACT,
    MANUAL_EXIT_INSTITUTIONALIZED,
    MANUAL_EXIT_HEALTH_MEDICAL,
    MANUAL_EXIT_DECEASED,
    MANUAL_EXIT_RESERVE_ACTIVE_DUTY,
    MANUAL_EXIT_FOSTER_CARE_MOVE,
    MANUAL_EXIT_INELIGIBLE,
    MANUAL_EXIT_REASON_COUNT,
};

/* "NO_FURTHER_SERVICES", ...; parse returns 0 or BR_EINVAL. */
const char *manual_exit_reason_name(enum manual_exit_reason reason);
int manual_exit_reason_parse(const char *name, enum manual_exit_reason *out);
/* Whether the reason is one of the "other reasons for exit". */
bool manual_exit_reason_excludes(enum manual_exit_reason reason);

#define MANUAL_EXIT_MAX_PROGRAMS 32
#define MANUAL_EXIT_MAX_CLOSED 64

/* What a manual exit did. */
struct manual_exit {
    int period;      /* the group's period of participation that was exited */
    int32_t exit_on; /* L */
    size_t n_programs;
    int programs[MANUAL_EXIT_MAX_PROGRAMS]; /* catalog indexes, each with a recorded exit */
    size_t n_closed;
    int64_t closed[MANUAL_EXIT_MAX_CLOSED]; /* the services closed effective L */
    struct plan_exit_result plan;           /* the IEP/ISS closed at exit (plan_id 0: none) */
};

/* The closed plan as {"id", "goals_attained", "goals_not_attained"}, or null when none closed. */
json_t *manual_exit_plan_json(const struct plan_exit_result *plan);

/* Exits the group of the person's enrollment enrollment_id, as of app->today, audited
 * ("exit.manual", with the reason).  Needs the case file's write access (access.h).  Returns 0,
 * or BR_ENOTFOUND (no such person, or no such enrollment of theirs), BR_EFORBIDDEN (the refusal
 * is audited), BR_ECONFLICT (the group is exited already, has no period of participation, or
 * still has a service or a planned gap to come: then no exit is "manual"). */
int app_manual_exit(struct app *app, const struct actor *actor, int64_t person_id,
                    int64_t enrollment_id, enum manual_exit_reason reason, struct manual_exit *out,
                    struct br_error *err);

#endif
