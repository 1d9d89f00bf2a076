#include "core/record.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/exit.h"
#include "core/mem.h"

/* RULES.md §3 (seed 004): the first qualifying YOUTH service is always the objective assessment. */
#define YOUTH_PROGRAM "YOUTH"
#define YOUTH_FIRST_SERVICE "OBJECTIVE_ASSESSMENT"

static const char *const gap_reason_names[] = {
    [GAP_TRAINING_DELAY] = "TRAINING_DELAY",
    [GAP_HEALTH_MEDICAL] = "HEALTH_MEDICAL",
    [GAP_FAMILY_CARE] = "FAMILY_CARE",
    [GAP_TEMPORARY_MOVE] = "TEMPORARY_MOVE",
};

void
person_record_init(struct person_record *record)
{
    memset(record, 0, sizeof(*record));
}

void
person_record_cleanup(struct person_record *record)
{
    free(record->enrollments);
    free(record->services);
    free(record->gaps);
    person_record_init(record);
}

void
person_record_reset(struct person_record *record)
{
    record->n_enrollments = 0;
    record->n_services = 0;
    record->n_gaps = 0;
}

struct enrollment *
person_record_add_enrollment(struct person_record *record, const struct enrollment *enrollment)
{
    xgrow(&record->enrollments, &record->cap_enrollments, record->n_enrollments + 1,
          sizeof(*record->enrollments));
    record->enrollments[record->n_enrollments] = *enrollment;
    return &record->enrollments[record->n_enrollments++];
}

struct service *
person_record_add_service(struct person_record *record, const struct service *service)
{
    xgrow(&record->services, &record->cap_services, record->n_services + 1,
          sizeof(*record->services));
    record->services[record->n_services] = *service;
    return &record->services[record->n_services++];
}

struct planned_gap *
person_record_add_gap(struct person_record *record, const struct planned_gap *gap)
{
    xgrow(&record->gaps, &record->cap_gaps, record->n_gaps + 1, sizeof(*record->gaps));
    record->gaps[record->n_gaps] = *gap;
    return &record->gaps[record->n_gaps++];
}

const char *
gap_reason_name(enum gap_reason reason)
{
    if ((size_t)reason < sizeof(gap_reason_names) / sizeof(gap_reason_names[0]))
        return gap_reason_names[reason];
    return "UNKNOWN";
}

int
gap_reason_parse(const char *name, enum gap_reason *out)
{
    for (size_t i = 0; i < sizeof(gap_reason_names) / sizeof(gap_reason_names[0]); i++) {
        if (strcmp(name, gap_reason_names[i]) == 0) {
            *out = (enum gap_reason)i;
            return 0;
        }
    }
    return BR_EINVAL;
}

int32_t
person_record_eligibility(const struct person_record *record, int program)
{
    int32_t earliest = DATE_NONE;
    for (size_t i = 0; i < record->n_enrollments; i++) {
        const struct enrollment *e = &record->enrollments[i];
        if (e->program == program && (earliest == DATE_NONE || e->eligibility_on < earliest))
            earliest = e->eligibility_on;
    }
    return earliest;
}

/* The start of the person's first YOUTH objective assessment, or DATE_NONE. */
static int32_t
first_youth_assessment(const struct person_record *record, int youth, int assessment)
{
    int32_t first = DATE_NONE;
    for (size_t i = 0; i < record->n_services; i++) {
        const struct service *s = &record->services[i];
        if (s->program == youth && s->code == assessment &&
            (first == DATE_NONE || s->start_on < first))
            first = s->start_on;
    }
    return first;
}

static void
validate_service(const struct catalog *catalog, const struct person_record *record, size_t i,
                 int32_t youth_assessment_on, struct br_error *err)
{
    const struct service *s = &record->services[i];
    const struct service_code *code = &catalog->services[s->code];
    const char *program = catalog->programs[s->program].code;
    char path[64], a[DATE_TEXT_SIZE], b[DATE_TEXT_SIZE];

    if (s->end_on != DATE_NONE && s->end_on < s->start_on) {
        snprintf(path, sizeof(path), "services[%zu].end_date", i);
        br_error_field(err, path, "ends on %s, before it starts on %s", date_format(s->end_on, a),
                       date_format(s->start_on, b));
    }
    if (s->projected_end_on != DATE_NONE && s->projected_end_on < s->start_on) {
        snprintf(path, sizeof(path), "services[%zu].projected_end_date", i);
        br_error_field(err, path, "is projected to end on %s, before it starts on %s",
                       date_format(s->projected_end_on, a), date_format(s->start_on, b));
    }
    if (!code->triggers_participation)
        return;

    /* RULES.md §3: a triggering service needs the program's eligibility determined first. */
    int32_t eligible_on = person_record_eligibility(record, s->program);
    snprintf(path, sizeof(path), "services[%zu].start_date", i);
    if (eligible_on == DATE_NONE)
        br_error_field(err, path,
                       "%s triggers participation in %s, but the person has no %s eligibility "
                       "determination",
                       code->code, program, program);
    else if (s->start_on < eligible_on)
        br_error_field(err, path,
                       "%s on %s is before %s eligibility was determined on %s", code->code,
                       date_format(s->start_on, a), program, date_format(eligible_on, b));

    /* RULES.md §3, seed 004: nothing qualifies in YOUTH before the objective assessment. */
    if (strcmp(program, YOUTH_PROGRAM) == 0 && strcmp(code->code, YOUTH_FIRST_SERVICE) != 0 &&
        (youth_assessment_on == DATE_NONE || s->start_on < youth_assessment_on)) {
        snprintf(path, sizeof(path), "services[%zu].code", i);
        br_error_field(err, path,
                       "%s on %s comes before the YOUTH objective assessment; the first "
                       "qualifying YOUTH service must be %s",
                       code->code, date_format(s->start_on, a), YOUTH_FIRST_SERVICE);
    }
}

/* RULES.md §5: length within policy, and no two gaps of one exit group overlap. */
static void
validate_gaps(const struct catalog *catalog, const struct policy *policy,
              const struct person_record *record, struct br_error *err)
{
    char path[64], a[DATE_TEXT_SIZE], b[DATE_TEXT_SIZE];

    for (size_t i = 0; i < record->n_gaps; i++) {
        const struct planned_gap *g = &record->gaps[i];
        snprintf(path, sizeof(path), "gaps[%zu].planned_end_date", i);
        if (g->planned_end_on < g->start_on) {
            br_error_field(err, path, "ends on %s, before it starts on %s",
                           date_format(g->planned_end_on, a), date_format(g->start_on, b));
            continue;
        }
        int32_t length = g->planned_end_on - g->start_on;
        if (length < policy->gap_min_days || length > policy->gap_max_days)
            br_error_field(err, path,
                           "the gap is %d days long; a planned gap must be %d to %d days",
                           (int)length, policy->gap_min_days, policy->gap_max_days);
    }

    for (size_t i = 0; i < record->n_gaps; i++) {
        for (size_t j = i + 1; j < record->n_gaps; j++) {
            const struct planned_gap *g = &record->gaps[i], *h = &record->gaps[j];
            if (exit_group_key(catalog, g->program) != exit_group_key(catalog, h->program))
                continue;
            if (g->planned_end_on < h->start_on || h->planned_end_on < g->start_on)
                continue;
            /* Name the one that starts later: that is the one to move. */
            bool h_later = h->start_on >= g->start_on;
            size_t later = h_later ? j : i, earlier = h_later ? i : j;
            const struct planned_gap *e = &record->gaps[earlier];
            snprintf(path, sizeof(path), "gaps[%zu].start_date", later);
            br_error_field(err, path, "overlaps gaps[%zu] (%s to %s); planned gaps may not overlap",
                           earlier, date_format(e->start_on, a), date_format(e->planned_end_on, b));
        }
    }
}

int
record_validate(const struct catalog *catalog, const struct policy *policy,
                const struct person_record *record, struct br_error *err)
{
    struct br_error scratch;
    if (err == NULL) {
        br_error_clear(&scratch);
        err = &scratch;
    }
    size_t fields_before = br_error_field_count(err);
    int youth = catalog_program_index(catalog, YOUTH_PROGRAM);
    int assessment = catalog_service_index(catalog, YOUTH_FIRST_SERVICE);
    int32_t youth_assessment_on = DATE_NONE;
    if (youth != CATALOG_NOT_FOUND && assessment != CATALOG_NOT_FOUND)
        youth_assessment_on = first_youth_assessment(record, youth, assessment);

    for (size_t i = 0; i < record->n_services; i++)
        validate_service(catalog, record, i, youth_assessment_on, err);
    validate_gaps(catalog, policy, record, err);

    size_t problems = br_error_field_count(err) - fields_before;
    if (problems > 0) {
        br_error_set(err, BR_EINVAL, "the record breaks %zu rule(s)", problems);
        return BR_EINVAL;
    }
    return 0;
}
