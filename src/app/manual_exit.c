/* manual_exit.c — a group exited by hand (manual_exit.h; RULES.md §4). */
#include "app/manual_exit.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "app/access.h"
#include "app/change.h"
#include "core/date.h"

#define MAX_RECORDED_EXITS 256

static const char *const reason_names[] = {
    [MANUAL_EXIT_NO_FURTHER_SERVICES] = "NO_FURTHER_SERVICES",
    [MANUAL_EXIT_NO_CONTACT] = "NO_CONTACT",
    [MANUAL_EXIT_INSTITUTIONALIZED] = "INSTITUTIONALIZED",
    [MANUAL_EXIT_HEALTH_MEDICAL] = "HEALTH_MEDICAL",
    [MANUAL_EXIT_DECEASED] = "DECEASED",
    [MANUAL_EXIT_RESERVE_ACTIVE_DUTY] = "RESERVE_ACTIVE_DUTY",
    [MANUAL_EXIT_FOSTER_CARE_MOVE] = "FOSTER_CARE_MOVE",
    [MANUAL_EXIT_INELIGIBLE] = "INELIGIBLE",
};

_Static_assert(sizeof(reason_names) / sizeof(reason_names[0]) == MANUAL_EXIT_REASON_COUNT,
               "every manual exit reason has a name");

const char *
manual_exit_reason_name(enum manual_exit_reason reason)
{
    return (unsigned)reason < MANUAL_EXIT_REASON_COUNT ? reason_names[reason] : "UNKNOWN";
}

int
manual_exit_reason_parse(const char *name, enum manual_exit_reason *out)
{
    for (size_t i = 0; name != NULL && i < MANUAL_EXIT_REASON_COUNT; i++) {
        if (strcmp(name, reason_names[i]) == 0) {
            *out = (enum manual_exit_reason)i;
            return 0;
        }
    }
    return BR_EINVAL;
}

bool
manual_exit_reason_excludes(enum manual_exit_reason reason)
{
    return reason != MANUAL_EXIT_NO_FURTHER_SERVICES && reason != MANUAL_EXIT_NO_CONTACT;
}

static json_t *
json_day(int32_t day)
{
    char text[DATE_TEXT_SIZE];
    return day == DATE_NONE ? json_null() : json_string(date_format(day, text));
}

json_t *
manual_exit_plan_json(const struct plan_exit_result *plan)
{
    if (plan->plan_id == 0)
        return json_null();
    return json_pack("{s:I, s:I, s:I}", "id", (json_int_t)plan->plan_id, "goals_attained",
                     (json_int_t)plan->n_attained, "goals_not_attained",
                     (json_int_t)plan->n_not_attained);
}

/* The latest period of participation of the group keyed key in app->exits, or NULL when the
 * group has none (its programs are all reportable). */
static const struct exit_period *
latest_period(const struct app *app, int key)
{
    const struct exit_period *latest = NULL;
    for (size_t i = 0; i < app->exits.n_periods; i++) {
        const struct exit_period *p = &app->exits.periods[i];
        if (p->status == EXIT_STATUS_REPORTABLE || exit_group_key(&app->catalog, p->program) != key)
            continue;
        if (latest == NULL || p->period > latest->period)
            latest = p;
    }
    return latest;
}

/* Refuses a manual exit of a group that services are still planned for: RULES.md §4 allows it
 * only "when no further services are planned" (a future service, or a gap not yet over). */
static int
nothing_planned(const struct app *app, int key, struct br_error *err)
{
    const struct person_record *r = &app->record;
    char day[DATE_TEXT_SIZE];

    for (size_t i = 0; i < r->n_services; i++) {
        const struct service *s = &r->services[i];
        if (exit_group_key(&app->catalog, s->program) == key &&
            app->catalog.services[s->code].prevents_exit && s->start_on > app->today)
            return br_error_set(err, BR_ECONFLICT,
                                "service %lld (%s) is planned to start on %s: a group with "
                                "services to come is not exited by hand",
                                (long long)s->id, app->catalog.services[s->code].code,
                                date_format(s->start_on, day));
    }
    for (size_t i = 0; i < r->n_gaps; i++) {
        const struct planned_gap *g = &r->gaps[i];
        if (exit_group_key(&app->catalog, g->program) == key && g->planned_end_on >= app->today)
            return br_error_set(err, BR_ECONFLICT,
                                "planned gap %lld runs until %s, with services after it: a group "
                                "with services to come is not exited by hand",
                                (long long)g->id, date_format(g->planned_end_on, day));
    }
    return 0;
}

/* L for a manual exit: the latest day a qualifying service of the group was provided by today —
 * the determination's L over ended services, or the start of a service still open (the last day
 * it is known to have been provided), whichever is later. */
static int32_t
last_provided(const struct app *app, int key, const struct exit_period *latest)
{
    int32_t last = latest->last_service_on;
    for (size_t i = 0; i < app->record.n_services; i++) {
        const struct service *s = &app->record.services[i];
        bool open = s->end_on == DATE_NONE || s->end_on > app->today;
        if (exit_group_key(&app->catalog, s->program) != key ||
            !app->catalog.services[s->code].prevents_exit || !open || s->start_on > app->today)
            continue;
        if (last == DATE_NONE || s->start_on > last)
            last = s->start_on;
    }
    return last;
}

/* Closes every service of the group still open as of today effective exit_on (or on its start,
 * for a service that began after it: it cannot end before it starts), writing each. */
static int
close_open_services(struct app *app, int64_t person_id, int key, struct manual_exit *out,
                    struct br_error *err)
{
    int rc;
    for (size_t i = 0; i < app->record.n_services; i++) {
        struct service *s = &app->record.services[i];
        bool open = s->end_on == DATE_NONE || s->end_on > app->today;
        if (exit_group_key(&app->catalog, s->program) != key || !open || s->start_on > app->today)
            continue;
        if (out->n_closed == MANUAL_EXIT_MAX_CLOSED)
            return br_error_set(err, BR_ETOOBIG, "more than %d open services to close",
                                MANUAL_EXIT_MAX_CLOSED);
        s->end_on = s->start_on > out->exit_on ? s->start_on : out->exit_on;
        if ((rc = app->store->ops->service_update(app->store, person_id, s, err)) != 0)
            return rc;
        out->closed[out->n_closed++] = s->id;
    }
    return 0;
}

/* Records the exit for each program of the group's latest period (each with an entry in it). */
static int
record_exits(struct app *app, int64_t person_id, int key, enum manual_exit_reason reason,
             struct manual_exit *out, struct br_error *err)
{
    int rc;
    for (size_t i = 0; i < app->exits.n_periods; i++) {
        const struct exit_period *p = &app->exits.periods[i];
        if (p->status != EXIT_STATUS_ACTIVE || p->period != out->period ||
            exit_group_key(&app->catalog, p->program) != key || p->entry_on == DATE_NONE)
            continue;
        if (out->n_programs == MANUAL_EXIT_MAX_PROGRAMS)
            return br_error_set(err, BR_ETOOBIG, "more than %d programs in one exit group",
                                MANUAL_EXIT_MAX_PROGRAMS);
        struct recorded_exit r = {
            .person_id = person_id,
            .program = p->program,
            .period = p->period,
            .entry_on = p->entry_on,
            .exit_on = out->exit_on,
            .determined_on = app->today,
            .run_id = 0, /* no exit run: a manual exit */
        };
        snprintf(r.reason, sizeof(r.reason), "%s", manual_exit_reason_name(reason));
        bool inserted = false;
        if ((rc = app->store->ops->exit_put(app->store, &r, &inserted, err)) != 0)
            return rc;
        out->programs[out->n_programs++] = p->program;
    }
    return 0;
}

/* The checks of a manual exit, with app->record and app->exits loaded: the group of enrollment
 * enrollment_id in *key, its latest period and L in out. */
static int
manual_exit_check(struct app *app, int64_t person_id, int64_t enrollment_id, int *key,
                  struct manual_exit *out, struct br_error *err)
{
    struct recorded_exit recorded[MAX_RECORDED_EXITS];
    const struct enrollment *enrollment = NULL;
    char day[DATE_TEXT_SIZE];
    size_t n = 0;
    int rc;

    for (size_t i = 0; i < app->record.n_enrollments && enrollment == NULL; i++)
        if (app->record.enrollments[i].id == enrollment_id)
            enrollment = &app->record.enrollments[i];
    if (enrollment == NULL)
        return br_error_set(err, BR_ENOTFOUND, "person %lld has no enrollment %lld",
                            (long long)person_id, (long long)enrollment_id);
    const char *program = app->catalog.programs[enrollment->program].code;
    *key = exit_group_key(&app->catalog, enrollment->program);
    const struct exit_period *latest = latest_period(app, *key);
    if (latest == NULL)
        return br_error_set(err, BR_ECONFLICT,
                            "the person has not yet entered %s's exit group (no participation "
                            "service): there is nothing to exit",
                            program);
    if (latest->status == EXIT_STATUS_EXITED)
        return br_error_set(err, BR_ECONFLICT, "%s's exit group exited on %s already", program,
                            date_format(latest->exit_on, day));
    if ((rc = app->store->ops->exits_get(app->store, person_id, recorded, MAX_RECORDED_EXITS, &n,
                                         err)) != 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (recorded[i].period == latest->period &&
            exit_group_key(&app->catalog, recorded[i].program) == *key)
            return br_error_set(err, BR_ECONFLICT, "%s's exit group was exited on %s already",
                                program, date_format(recorded[i].exit_on, day));
    if ((rc = nothing_planned(app, *key, err)) != 0)
        return rc;
    out->period = latest->period;
    out->exit_on = last_provided(app, *key, latest);
    if (out->exit_on == DATE_NONE)
        return br_error_set(err, BR_ECONFLICT, "%s's exit group has no qualifying service yet",
                            program);
    return 0;
}

int
app_manual_exit(struct app *app, const struct actor *actor, int64_t person_id,
                int64_t enrollment_id, enum manual_exit_reason reason, struct manual_exit *out,
                struct br_error *err)
{
    int key = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((unsigned)reason >= MANUAL_EXIT_REASON_COUNT) {
        br_error_field(err, "exit.reason", "is not a reason for a manual exit");
        return br_error_set(err, BR_EINVAL, "the exit cannot be recorded");
    }
    if ((rc = app_change_begin(app, actor, person_id, ACCESS_CASE_FILE, err)) != 0)
        return rc;
    exit_determine(&app->catalog, &app->policy, &app->record, app->today, &app->exits);
    if ((rc = manual_exit_check(app, person_id, enrollment_id, &key, out, err)) != 0)
        goto out;
    if ((rc = close_open_services(app, person_id, key, out, err)) != 0)
        goto out;
    if ((rc = record_validate(&app->catalog, &app->policy, &app->record, err)) != 0)
        goto out;
    if ((rc = record_exits(app, person_id, key, reason, out, err)) != 0)
        goto out;
    /* The stored clocks follow the closed services and show the group exited from today
     * (app_sync_exits applies the manual exit just recorded). */
    if ((rc = app_refresh_clock(app, person_id, &app->record, err)) != 0)
        goto out;
    /* RULES.md §4 end: at exit the IEP/ISS closes, its open goals decided (records.h). */
    if ((rc = app_close_plan_at_group_exit(app, person_id, &app->exits, &out->plan, err)) != 0)
        goto out;
    json_t *programs = json_array(), *closed = json_array();
    for (size_t i = 0; i < out->n_programs; i++)
        json_array_append_new(programs, json_string(app->catalog.programs[out->programs[i]].code));
    for (size_t i = 0; i < out->n_closed; i++)
        json_array_append_new(closed, json_integer((json_int_t)out->closed[i]));
    json_t *after = json_pack("{s:o, s:i, s:o, s:s, s:b, s:o, s:o}", "programs", programs, "period",
                              out->period, "exit_date", json_day(out->exit_on), "reason",
                              manual_exit_reason_name(reason), "excluded_from_performance",
                              manual_exit_reason_excludes(reason), "closed_services", closed,
                              "closed_plan", manual_exit_plan_json(&out->plan));
    rc = access_audit_append(app, actor, person_id, "exit.manual", "enrollment", enrollment_id,
                             manual_exit_reason_name(reason), after, err);
out:
    return app_change_end(app, rc, err);
}
