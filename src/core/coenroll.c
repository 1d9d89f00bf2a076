/* coenroll.c — required co-enrollments as rules in data, and possible duplication (coenroll.h;
 * RULES.md §6). */
#include "core/coenroll.h"

#include <stdio.h>
#include <string.h>

#include "core/date.h"

#define DATE_OPEN_END INT32_MAX

/* RULES.md §6 (seed 002; 20 CFR 618.325).  Data, not code: a deployment passes its own table. */
static const struct coenroll_rule default_rules[] = {
    /* Every job seeker receiving staff-assisted services in a job center (youth included). */
    {.id = "WP_FOR_STAFF_ASSISTED",
     .any_job_center = true,
     .when = COENROLL_WHEN_SERVICE,
     .service_triggers = true,
     .requires = "WP"},
    /* TAA participants, if DW-eligible; the person may decline (no loss of TAA). */
    {.id = "TAA_REQUIRES_DW",
     .program = "TAA",
     .when = COENROLL_WHEN_PARTICIPANT,
     .requires = "DW",
     .if_eligible = true,
     .declinable = true},
    {.id = "NDWG_REQUIRES_DW",
     .program = "NDWG",
     .when = COENROLL_WHEN_PARTICIPANT,
     .requires = "DW",
     .if_eligible = true},
    /* SNAP E&T (SkillUP) participants who receive training. */
    {.id = "SNAP_ET_TRAINING_REQUIRES_ADULT",
     .program = "SNAP_ET",
     .when = COENROLL_WHEN_SERVICE,
     .category_filter = true,
     .category = SERVICE_TRAINING,
     .requires = "ADULT"},
};

const struct coenroll_rule *
coenroll_rules_default(size_t *n)
{
    *n = sizeof(default_rules) / sizeof(default_rules[0]);
    return default_rules;
}

void
coenroll_config_defaults(struct coenroll_config *config)
{
    memset(config, 0, sizeof(*config));
    config->rules = coenroll_rules_default(&config->n_rules);
    /* Seed 001: the example is occupational training; training is what two programs pay for. */
    config->duplication_categories = 1u << SERVICE_TRAINING;
}

const struct coenroll_rule *
coenroll_rule_find(const struct coenroll_config *config, const char *id)
{
    for (size_t i = 0; id != NULL && i < config->n_rules; i++)
        if (strcmp(config->rules[i].id, id) == 0)
            return &config->rules[i];
    return NULL;
}

static bool
enrolled(const struct person_record *record, int program, int32_t as_of)
{
    for (size_t i = 0; i < record->n_enrollments; i++)
        if (record->enrollments[i].program == program &&
            record->enrollments[i].eligibility_on <= as_of)
            return true;
    return false;
}

static bool
declined(const struct coenroll_input *input, const char *id)
{
    for (size_t i = 0; i < input->n_declined; i++)
        if (input->declined[i] != NULL && strcmp(input->declined[i], id) == 0)
            return true;
    return false;
}

static bool
eligible(const struct catalog *catalog, const struct coenroll_input *input, int program,
         int32_t as_of)
{
    struct eligibility_config defaults;
    struct eligibility_result result;

    if (input->facts == NULL)
        return false;
    if (input->eligibility == NULL)
        eligibility_config_defaults(&defaults);
    eligibility_screen_program(catalog, input->eligibility != NULL ? input->eligibility : &defaults,
                               input->facts, as_of, program, &result);
    return result.status == ELIGIBILITY_ELIGIBLE;
}

static bool
service_matches(const struct catalog *catalog, const struct coenroll_rule *rule,
                const struct service *s)
{
    const struct service_code *code = &catalog->services[s->code];
    if (rule->service_triggers && !code->triggers_participation)
        return false;
    if (rule->category_filter && code->category != rule->category)
        return false;
    return true;
}

/* The trigger of a rule in one program: the earliest date (and service) in the program's latest
 * period, when that period is active.  False when the rule does not apply there. */
static bool
trigger_in(const struct catalog *catalog, const struct coenroll_rule *rule,
           const struct coenroll_input *input, int program, int32_t as_of, int32_t *since,
           int *service)
{
    const struct exit_period *latest = exit_latest_period(input->exits, program);

    *since = DATE_NONE;
    *service = -1;
    if (latest == NULL || latest->status != EXIT_STATUS_ACTIVE)
        return false;
    if (rule->when == COENROLL_WHEN_PARTICIPANT) {
        *since = latest->entry_on;
        return latest->entry_on != DATE_NONE && latest->entry_on <= as_of;
    }
    int32_t from = exit_period_from(input->exits, latest->group, latest->period);
    const struct person_record *record = input->record;
    for (size_t i = 0; i < record->n_services; i++) {
        const struct service *s = &record->services[i];
        if (s->program != program || s->start_on > as_of ||
            (from != DATE_NONE && s->start_on < from) || !service_matches(catalog, rule, s))
            continue;
        if (*since == DATE_NONE || s->start_on < *since) {
            *since = s->start_on;
            *service = (int)i;
        }
    }
    return *since != DATE_NONE;
}

static void
finding_text(const struct catalog *catalog, const struct coenroll_rule *rule,
             const struct coenroll_input *input, struct coenroll_finding *f)
{
    char day[DATE_TEXT_SIZE];
    const char *required = catalog->programs[f->requires].code;
    const char *trigger = catalog->programs[f->program].code;

    date_format(f->since_on, day);
    if (f->service >= 0)
        snprintf(f->why, sizeof(f->why), "needs %s enrollment because %s on %s", required,
                 catalog->services[input->record->services[f->service].code].code, day);
    else
        snprintf(f->why, sizeof(f->why), "needs %s enrollment because %s participant since %s%s",
                 required, trigger, day, rule->if_eligible ? " and eligible for it" : "");
    if (rule->declinable)
        snprintf(f->resolves, sizeof(f->resolves),
                 "enroll the person in %s (record the eligibility determination), or record "
                 "that they decline %s co-enrollment (%s continues)",
                 required, required, trigger);
    else
        snprintf(f->resolves, sizeof(f->resolves),
                 "enroll the person in %s (record the eligibility determination)", required);
}

size_t
coenroll_check(const struct catalog *catalog, const struct coenroll_config *config,
               const struct coenroll_input *input, int32_t as_of, struct coenroll_finding *findings,
               size_t max)
{
    size_t n = 0;

    for (size_t r = 0; r < config->n_rules; r++) {
        const struct coenroll_rule *rule = &config->rules[r];
        int requires = catalog_program_index(catalog, rule->requires);
        if (requires == CATALOG_NOT_FOUND || enrolled(input->record, requires, as_of))
            continue;
        if (rule->declinable && declined(input, rule->id))
            continue;

        struct coenroll_finding f = {
            .rule = r, .program = -1, .requires = requires, .service = -1, .since_on = DATE_NONE};
        for (size_t p = 0; p < catalog->n_programs; p++) {
            bool trigger = rule->any_job_center
                               ? catalog->programs[p].job_center && (int)p != requires
                               : strcmp(catalog->programs[p].code, rule->program) == 0;
            int32_t since;
            int service;
            if (!trigger || !trigger_in(catalog, rule, input, (int)p, as_of, &since, &service))
                continue;
            if (f.since_on == DATE_NONE || since < f.since_on) {
                f.program = (int)p;
                f.since_on = since;
                f.service = service;
            }
        }
        if (f.program < 0)
            continue;
        if (rule->if_eligible && !eligible(catalog, input, requires, as_of))
            continue;
        finding_text(catalog, rule, input, &f);
        if (n < max)
            findings[n] = f;
        n++;
    }
    return n;
}

static int32_t
service_until(const struct service *s)
{
    if (s->end_on != DATE_NONE)
        return s->end_on;
    if (s->projected_end_on != DATE_NONE)
        return s->projected_end_on;
    return DATE_OPEN_END;
}

static void
span_text(int32_t from, int32_t until, char *buf, size_t size)
{
    char a[DATE_TEXT_SIZE], b[DATE_TEXT_SIZE];
    if (until == DATE_OPEN_END)
        snprintf(buf, size, "%s, open", date_format(from, a));
    else
        snprintf(buf, size, "%s to %s", date_format(from, a), date_format(until, b));
}

size_t
coenroll_duplications(const struct catalog *catalog, const struct coenroll_config *config,
                      const struct person_record *record, struct coenroll_duplication *out,
                      size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < record->n_services; i++) {
        const struct service *a = &record->services[i];
        enum service_category category = catalog->services[a->code].category;
        if ((config->duplication_categories & (1u << category)) == 0)
            continue;
        for (size_t j = i + 1; j < record->n_services; j++) {
            const struct service *b = &record->services[j];
            if (b->code != a->code || b->program == a->program)
                continue;
            int32_t a_until = service_until(a), b_until = service_until(b);
            int32_t from = a->start_on > b->start_on ? a->start_on : b->start_on;
            int32_t until = a_until < b_until ? a_until : b_until;
            if (from > until)
                continue;
            n++;
            if (n > max)
                continue;
            struct coenroll_duplication *d = &out[n - 1];
            char sa[40], sb[40], overlap[40];
            span_text(a->start_on, a_until, sa, sizeof(sa));
            span_text(b->start_on, b_until, sb, sizeof(sb));
            span_text(from, until, overlap, sizeof(overlap));
            d->first = (int)i;
            d->second = (int)j;
            d->from_on = from;
            d->until_on = until == DATE_OPEN_END ? DATE_NONE : until;
            snprintf(d->why, sizeof(d->why),
                     "%s is funded by both %s (%s) and %s (%s), overlapping %s: possible "
                     "duplication or supplanting",
                     catalog->services[a->code].code, catalog->programs[a->program].code, sa,
                     catalog->programs[b->program].code, sb, overlap);
        }
    }
    return n;
}
