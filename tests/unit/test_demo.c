/* test_demo.c — src/app/demo.c: the synthetic population is deterministic (per seed and per
 * person index), every record passes record_validate(), the proportions are those of a real job
 * center (checked through the exit engine itself), the facts agree with the programs, and the
 * callback can stop the run. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/catalog_file.h"
#include "app/demo.h"
#include "core/error.h"
#include "core/exit.h"
#include "core/record.h"

#define AS_OF "2026-11-23"

struct fixture {
    struct catalog catalog;
    struct policy policy;
};

static int
setup(void **state)
{
    struct fixture *f = test_calloc(1, sizeof(*f));
    struct br_error err;
    br_error_clear(&err);
    if (catalog_file_load("data/catalog.json", &f->catalog, &f->policy, &err) != 0) {
        fprintf(stderr, "catalog: %s\n", err.message);
        test_free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    catalog_cleanup(&f->catalog);
    test_free(f);
    return 0;
}

static struct demo_options
options_for(uint64_t seed, long first, long people)
{
    struct demo_options o;
    demo_options_defaults(&o, D(AS_OF));
    o.seed = seed;
    o.first = first;
    o.people = people;
    return o;
}

static struct demo *
demo_for(struct fixture *f, uint64_t seed)
{
    struct demo_options o = options_for(seed, 0, 0);
    struct demo *g = NULL;
    struct br_error err;
    br_error_clear(&err);
    assert_int_equal(demo_new(&f->catalog, &f->policy, &o, &g, &err), 0);
    assert_non_null(g);
    return g;
}

static int
program(const struct fixture *f, const char *code)
{
    int p = catalog_program_index(&f->catalog, code);
    assert_true(p >= 0);
    return p;
}

static int
service_code(const struct fixture *f, const char *code)
{
    int s = catalog_service_index(&f->catalog, code);
    assert_true(s >= 0);
    return s;
}

/* Field by field, so a failure names what differs. */
static void
assert_people_equal(const struct demo_person *a, const struct demo_person *b)
{
    const struct person_facts *fa = &a->person.facts, *fb = &b->person.facts;
    assert_string_equal(a->person.external_id, b->person.external_id);
    assert_string_equal(a->ssn, b->ssn);
    assert_string_equal(fa->first_name, fb->first_name);
    assert_string_equal(fa->last_name, fb->last_name);
    assert_int_equal(fa->birth_on, fb->birth_on);
    assert_int_equal(fa->sex, fb->sex);
    assert_string_equal(fa->ssn_last4, fb->ssn_last4);
    assert_int_equal(fa->authorized_to_work, fb->authorized_to_work);
    assert_int_equal(fa->selective_service, fb->selective_service);
    assert_int_equal(fa->veteran, fb->veteran);
    assert_int_equal(fa->eligible_spouse, fb->eligible_spouse);
    assert_int_equal(fa->low_income, fb->low_income);
    assert_int_equal(fa->public_assistance, fb->public_assistance);
    assert_int_equal(fa->basic_skills_deficient, fb->basic_skills_deficient);
    assert_int_equal(fa->english_learner, fb->english_learner);
    assert_int_equal(fa->disability, fb->disability);
    assert_int_equal(fa->offender, fb->offender);
    assert_int_equal(fa->homeless, fb->homeless);
    assert_int_equal(fa->foster_youth, fb->foster_youth);
    assert_int_equal(fa->pregnant_or_parenting, fb->pregnant_or_parenting);
    assert_int_equal(fa->attending_school, fb->attending_school);
    assert_int_equal(fa->has_diploma, fb->has_diploma);
    assert_int_equal(fa->dw_category, fb->dw_category);
    assert_string_equal(fa->taa_petition, fb->taa_petition);

    const struct person_record *ra = &a->record, *rb = &b->record;
    assert_int_equal(ra->n_enrollments, rb->n_enrollments);
    for (size_t i = 0; i < ra->n_enrollments; i++) {
        assert_int_equal(ra->enrollments[i].program, rb->enrollments[i].program);
        assert_int_equal(ra->enrollments[i].eligibility_on, rb->enrollments[i].eligibility_on);
    }
    assert_int_equal(ra->n_services, rb->n_services);
    for (size_t i = 0; i < ra->n_services; i++) {
        const struct service *sa = &ra->services[i], *sb = &rb->services[i];
        assert_int_equal(sa->program, sb->program);
        assert_int_equal(sa->code, sb->code);
        assert_int_equal(sa->start_on, sb->start_on);
        assert_int_equal(sa->end_on, sb->end_on);
        assert_int_equal(sa->projected_end_on, sb->projected_end_on);
        assert_int_equal(a->service_staff[i], b->service_staff[i]);
    }
    assert_int_equal(ra->n_gaps, rb->n_gaps);
    for (size_t i = 0; i < ra->n_gaps; i++) {
        assert_int_equal(ra->gaps[i].program, rb->gaps[i].program);
        assert_int_equal(ra->gaps[i].reason, rb->gaps[i].reason);
        assert_int_equal(ra->gaps[i].start_on, rb->gaps[i].start_on);
        assert_int_equal(ra->gaps[i].planned_end_on, rb->gaps[i].planned_end_on);
    }
    assert_int_equal(a->n_notes, b->n_notes);
    for (size_t i = 0; i < a->n_notes; i++) {
        assert_int_equal(a->notes[i].service_id, b->notes[i].service_id);
        assert_int_equal(a->notes[i].agency_id, b->notes[i].agency_id);
        assert_int_equal(a->notes[i].author_id, b->notes[i].author_id);
        assert_int_equal(a->notes[i].written_on, b->notes[i].written_on);
        assert_int_equal(a->notes[i].confidential, b->notes[i].confidential);
        assert_string_equal(a->notes[i].body, b->notes[i].body);
    }
    assert_int_equal(a->n_contacts, b->n_contacts);
    for (size_t i = 0; i < a->n_contacts; i++) {
        assert_int_equal(a->contacts[i].staff_id, b->contacts[i].staff_id);
        assert_int_equal(a->contacts[i].contacted_on, b->contacts[i].contacted_on);
        assert_int_equal(a->contacts[i].method, b->contacts[i].method);
        assert_int_equal(a->contacts[i].responded, b->contacts[i].responded);
        assert_string_equal(a->contacts[i].outcome, b->contacts[i].outcome);
    }
}

static bool
people_differ(const struct demo_person *a, const struct demo_person *b)
{
    const struct person_facts *fa = &a->person.facts, *fb = &b->person.facts;
    return strcmp(fa->first_name, fb->first_name) != 0 ||
           strcmp(fa->last_name, fb->last_name) != 0 || fa->birth_on != fb->birth_on ||
           strcmp(a->ssn, b->ssn) != 0 || a->record.n_services != b->record.n_services;
}

static void
test_same_seed_same_people(void **state)
{
    struct fixture *f = *state;
    struct demo *g1 = demo_for(f, 42), *g2 = demo_for(f, 42);

    for (long i = 0; i < 500; i++)
        assert_people_equal(demo_make_person(g1, i), demo_make_person(g2, i));
    demo_free(g1);
    demo_free(g2);
}

/* Every service is by a staff member of its program's office, and a person's services, notes
 * and contacts in one program are by the same case manager (their caseload, demo_load.h). */
static void
test_services_have_staff(void **state)
{
    struct fixture *f = *state;
    struct demo *g = demo_for(f, 42);
    long by_staff_two_of_wp = 0;
    int wp = program(f, "WP");

    for (long i = 0; i < 500; i++) {
        const struct demo_person *p = demo_make_person(g, i);
        int64_t staff_of[64] = {0};
        for (size_t k = 0; k < p->record.n_services; k++) {
            int program = p->record.services[k].program;
            int64_t staff = p->service_staff[k];
            assert_true(program >= 0 && program < 64);
            assert_true(staff >= (int64_t)program * DEMO_STAFF_PER_PROGRAM + 1);
            assert_true(staff <= ((int64_t)program + 1) * DEMO_STAFF_PER_PROGRAM);
            assert_true(staff_of[program] == 0 || staff_of[program] == staff);
            staff_of[program] = staff;
        }
        for (size_t k = 0; k < p->n_notes; k++)
            if (p->notes[k].service_id > 0)
                assert_int_equal(p->notes[k].author_id,
                                 p->service_staff[p->notes[k].service_id - 1]);
        by_staff_two_of_wp += staff_of[wp] == (int64_t)wp * DEMO_STAFF_PER_PROGRAM + 2;
    }
    /* One WP case manager of twelve: a caseload of a few dozen in 500 people. */
    assert_true(by_staff_two_of_wp >= 10);
    assert_true(by_staff_two_of_wp <= 100);
    demo_free(g);
}

static void
test_different_seed_different_people(void **state)
{
    struct fixture *f = *state;
    struct demo *g1 = demo_for(f, 42), *g2 = demo_for(f, 43);
    int differ = 0;

    for (long i = 0; i < 500; i++)
        differ += people_differ(demo_make_person(g1, i), demo_make_person(g2, i));
    /* Two people may share a name, a birth date and a service count by chance; not most. */
    assert_true(differ >= 490);
    demo_free(g1);
    demo_free(g2);
}

/* Person i alone (a fresh generator), at any point of a run, and in a slice starting elsewhere. */
struct collect {
    struct demo *reference;
    long next_index;
    long seen;
};

static int
compare_with_reference(void *ctx, const struct demo_person *person)
{
    struct collect *c = ctx;
    assert_people_equal(person, demo_make_person(c->reference, c->next_index));
    c->next_index++;
    c->seen++;
    return 0;
}

static void
test_person_independent_of_run(void **state)
{
    struct fixture *f = *state;
    struct br_error err;
    br_error_clear(&err);

    /* Generated after 300 others, or first of all in a fresh generator: the same person. */
    struct demo *run = demo_for(f, 7);
    for (long i = 0; i < 300; i++)
        demo_make_person(run, i);
    struct demo *alone = demo_for(f, 7);
    assert_people_equal(demo_make_person(run, 300), demo_make_person(alone, 300));
    /* Going back is fine too: no state carries from one person to the next. */
    assert_people_equal(demo_make_person(run, 12), demo_make_person(alone, 12));
    demo_free(run);

    /* A slice from 1000 equals those people of a whole run. */
    struct collect c = {.reference = alone, .next_index = 1000, .seen = 0};
    struct demo_options o = options_for(7, 1000, 50);
    assert_int_equal(demo_generate(&f->catalog, &f->policy, &o, compare_with_reference, &c, &err),
                     0);
    assert_int_equal(c.seen, 50);
    demo_free(alone);
}

/* Everything measured over one population, through the rules' own code. */
struct census {
    struct fixture *f;
    struct exit_result result;
    int32_t as_of;
    long people, invalid, participants, exited, active, reportable_only;
    long in_program[64];
    long services, participant_services, stale, gap_people, second_period;
    long held_open, held_future, held_gap;
    long notes, late_notes, status_notes, contacts;
    long veterans, with_ssn, low_income;
    long future_services, notes_on_future;
    char first_invalid[1024];
};

static void
count_notes(struct census *c, const struct demo_person *p)
{
    const struct person_record *r = &p->record;
    for (size_t i = 0; i < p->n_notes; i++) {
        const struct case_note *n = &p->notes[i];
        assert_non_null(n->body);
        assert_true(strlen(n->body) > 10);
        assert_true(n->written_on <= c->as_of);
        assert_true(n->agency_id >= 1 && n->agency_id <= (int64_t)c->f->catalog.n_programs);
        c->notes++;
        if (n->service_id == 0) {
            c->status_notes++;
            continue;
        }
        /* service_id is the service's index + 1 in the person's record. */
        assert_true(n->service_id >= 1 && n->service_id <= (int64_t)r->n_services);
        const struct service *s = &r->services[n->service_id - 1];
        assert_true(n->written_on >= s->start_on);
        assert_int_equal(n->agency_id, s->program + 1);
        int late = date_business_days_between(s->start_on, n->written_on);
        assert_true(late <= 6);
        if (late > c->f->policy.late_note_business_days)
            c->late_notes++;
        if (s->start_on > c->as_of)
            c->notes_on_future++;
    }
}

static int
take_census(void *ctx, const struct demo_person *p)
{
    struct census *c = ctx;
    const struct person_record *r = &p->record;
    struct br_error err;

    br_error_clear(&err);
    c->people++;
    if (record_validate(&c->f->catalog, &c->f->policy, r, &err) != 0) {
        if (c->invalid++ == 0)
            snprintf(c->first_invalid, sizeof(c->first_invalid), "%s: %s: %s %s",
                     p->person.external_id, err.message, err.n_fields ? err.fields[0].field : "",
                     err.n_fields ? err.fields[0].problem : "");
    }
    exit_determine(&c->f->catalog, &c->f->policy, r, c->as_of, &c->result);

    bool participant = false, active = false;
    bool in[64] = {false};
    int periods = 0;
    for (size_t i = 0; i < c->result.n_periods; i++) {
        const struct exit_period *e = &c->result.periods[i];
        if (e->status == EXIT_STATUS_REPORTABLE)
            continue;
        participant = true;
        in[e->program] = true;
        periods = e->period > periods ? e->period : periods;
        if (e->status == EXIT_STATUS_ACTIVE) {
            active = true;
            c->held_open += e->held_by == EXIT_HOLD_OPEN_SERVICE;
            c->held_future += e->held_by == EXIT_HOLD_FUTURE_SERVICE;
            c->held_gap += e->held_by == EXIT_HOLD_PLANNED_GAP;
        }
    }
    c->services += (long)r->n_services;
    c->stale += (long)c->result.n_stale;
    c->gap_people += r->n_gaps > 0;
    c->second_period += periods >= 2;
    c->contacts += (long)p->n_contacts;
    c->veterans += p->person.facts.veteran == FACT_YES;
    c->with_ssn += p->ssn[0] != '\0';
    c->low_income += p->person.facts.low_income == FACT_YES;
    for (size_t i = 0; i < r->n_services; i++)
        c->future_services += r->services[i].start_on > c->as_of;
    count_notes(c, p);

    if (!participant) {
        c->reportable_only += r->n_enrollments == 0;
        return 0;
    }
    c->participants++;
    c->participant_services += (long)r->n_services;
    if (active)
        c->active++;
    else
        c->exited++;
    for (size_t k = 0; k < c->f->catalog.n_programs && k < 64; k++)
        c->in_program[k] += in[k];
    return 0;
}

static void
census_run(struct fixture *f, struct census *c, uint64_t seed, long people)
{
    struct br_error err;
    br_error_clear(&err);
    memset(c, 0, sizeof(*c));
    c->f = f;
    c->as_of = D(AS_OF);
    exit_result_init(&c->result);
    struct demo_options o = options_for(seed, 0, people);
    assert_int_equal(demo_generate(&f->catalog, &f->policy, &o, take_census, c, &err), 0);
    exit_result_cleanup(&c->result);
    assert_int_equal(c->people, people);
}

static double
share(long part, long whole)
{
    return whole > 0 ? (double)part / (double)whole : 0.0;
}

static void
test_every_record_valid(void **state)
{
    struct fixture *f = *state;
    struct census c;

    census_run(f, &c, DEMO_DEFAULT_SEED, 20000);
    if (c.invalid > 0)
        fprintf(stderr, "first invalid record: %s\n", c.first_invalid);
    assert_int_equal(c.invalid, 0);
    /* A note on a scheduled service would document something that has not happened. */
    assert_int_equal(c.notes_on_future, 0);
}

static void
test_realistic_proportions(void **state)
{
    struct fixture *f = *state;
    struct census c;

    census_run(f, &c, 2026, 20000);
    long n = c.participants;
    double participants = share(n, c.people);
    assert_true(participants > 0.78 && participants < 0.92);
    /* The rest only registered or used the resource room: no eligibility at all. */
    assert_true(share(c.reportable_only, c.people) > 0.08);

    /* RULES.md §6: every staff-assisted job-center service implies WP. */
    double wp = share(c.in_program[program(f, "WP")], n);
    assert_true(wp >= 0.70 && wp <= 0.95);
    double adult = share(c.in_program[program(f, "ADULT")], n);
    assert_true(adult >= 0.20 && adult <= 0.40);
    double dw = share(c.in_program[program(f, "DW")], n);
    assert_true(dw >= 0.07 && dw <= 0.18);
    double youth = share(c.in_program[program(f, "YOUTH")], n);
    assert_true(youth >= 0.05 && youth <= 0.15);
    double ael = share(c.in_program[program(f, "AEL")], n);
    assert_true(ael >= 0.07 && ael <= 0.18);
    double jvsg = share(c.in_program[program(f, "JVSG")], n);
    assert_true(jvsg >= 0.02 && jvsg <= 0.07);
    long taa = c.in_program[program(f, "TAA")], refugee = c.in_program[program(f, "REFUGEE")];
    assert_true(taa > 0 && share(taa, n) < 0.03);
    assert_true(refugee > 0 && share(refugee, n) < 0.03);

    double per_participant = share(c.participant_services, n);
    assert_true(per_participant >= 12.0 && per_participant <= 30.0);

    double exited = share(c.exited, n);
    assert_true(exited >= 0.35 && exited <= 0.85);
    assert_int_equal(c.exited + c.active, n);
    /* Every way a group is held open shows up. */
    assert_true(c.held_open > 0);
    assert_true(c.held_future > 0);
    assert_true(c.held_gap > 0);
    assert_true(c.future_services > 0);

    assert_true(c.stale > 0);
    assert_true(c.gap_people > 0 && share(c.gap_people, n) < 0.06);
    assert_true(c.second_period > 0 && share(c.second_period, n) < 0.20);

    /* About 95% of services have a note; some are late, most are not. */
    assert_true(share(c.notes - c.status_notes, c.services) > 0.85);
    assert_true(c.late_notes > 0 && share(c.late_notes, c.notes) < 0.25);
    assert_true(c.status_notes > 0);
    assert_true(share(c.contacts, c.people) > 0.5 && share(c.contacts, c.people) < 6.0);

    assert_true(share(c.veterans, c.people) > 0.03 && share(c.veterans, c.people) < 0.09);
    assert_true(share(c.with_ssn, c.people) > 0.85 && share(c.with_ssn, c.people) < 0.95);
    assert_true(share(c.low_income, c.people) > 0.25 && share(c.low_income, c.people) < 0.55);
}

static int
compare_ssn(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* The facts agree with the programs (RULES.md §6-7), SSNs are valid and unique, ages fit. */
static void
test_facts_agree_with_programs(void **state)
{
    struct fixture *f = *state;
    struct demo *g = demo_for(f, 99);
    int wp = program(f, "WP"), dw = program(f, "DW"), taa = program(f, "TAA");
    int ndwg = program(f, "NDWG"), youth = program(f, "YOUTH"), adult = program(f, "ADULT");
    int jvsg = program(f, "JVSG"), vr = program(f, "VR");
    int coa = service_code(f, "OBJECTIVE_ASSESSMENT");
    int32_t as_of = D(AS_OF);
    enum { N = 5000 };
    static char seen[N][10];
    long youth_people = 0;

    for (long i = 0; i < N; i++) {
        const struct demo_person *p = demo_make_person(g, i);
        const struct person_facts *fa = &p->person.facts;
        const struct person_record *r = &p->record;

        int by, bm, bd, y, m, d;
        date_to_ymd(fa->birth_on, &by, &bm, &bd);
        date_to_ymd(as_of, &y, &m, &d);
        int age = y - by - (m < bm || (m == bm && d < bd));
        assert_true(age >= 14 && age <= 70);
        assert_true(fa->first_name[0] != '\0' && fa->last_name[0] != '\0');

        /* A valid SSN: area 001-899 but not 666, group 01-99, serial 0001-9999. */
        memcpy(seen[i], p->ssn, sizeof(seen[i]));
        if (p->ssn[0] != '\0') {
            assert_int_equal(strlen(p->ssn), 9);
            int area = (p->ssn[0] - '0') * 100 + (p->ssn[1] - '0') * 10 + (p->ssn[2] - '0');
            int group = (p->ssn[3] - '0') * 10 + (p->ssn[4] - '0');
            int serial = (int)strtol(p->ssn + 5, NULL, 10);
            assert_true(area >= 1 && area <= 899 && area != 666);
            assert_true(group >= 1 && serial >= 1);
            assert_string_equal(fa->ssn_last4, p->ssn + 5);
        } else {
            assert_string_equal(fa->ssn_last4, "");
        }

        bool has[64] = {false};
        for (size_t k = 0; k < r->n_enrollments; k++)
            has[r->enrollments[k].program] = true;
        /* RULES.md §6: TAA and NDWG come with DW, and any job-center program with WP. */
        if (has[taa] || has[ndwg]) {
            assert_true(has[dw]);
        }
        if (has[taa]) {
            assert_true(strncmp(fa->taa_petition, "TA-W-", 5) == 0);
        }
        if (has[dw]) {
            assert_int_not_equal(fa->dw_category, DW_NONE);
        }
        for (size_t k = 0; k < f->catalog.n_programs; k++)
            if (has[k] && f->catalog.programs[k].job_center) {
                assert_true(has[wp]);
            }
        if (has[jvsg]) {
            assert_int_equal(fa->veteran, FACT_YES);
        }
        if (has[vr]) {
            assert_int_equal(fa->disability, FACT_YES);
        }
        /* RULES.md §7: YOUTH is 14-24 at eligibility; ADULT 18 or older. */
        for (size_t k = 0; k < r->n_enrollments; k++) {
            const struct enrollment *e = &r->enrollments[k];
            date_to_ymd(e->eligibility_on, &y, &m, &d);
            int age_then = y - by - (m < bm || (m == bm && d < bd));
            if (e->program == youth) {
                assert_true(age_then >= 14 && age_then <= 24);
            }
            if (e->program == adult) {
                assert_true(age_then >= 18);
                assert_int_equal(fa->authorized_to_work, FACT_YES);
            }
        }
        /* RULES.md §3: a YOUTH participant's first YOUTH service is the objective assessment. */
        if (has[youth]) {
            youth_people++;
            const struct service *first = NULL;
            for (size_t k = 0; k < r->n_services && first == NULL; k++)
                if (r->services[k].program == youth &&
                    f->catalog.services[r->services[k].code].triggers_participation)
                    first = &r->services[k];
            assert_non_null(first);
            assert_int_equal(first->code, coa);
        }
        /* Services are in date order (the order staff entered them). */
        for (size_t k = 1; k < r->n_services; k++)
            assert_true(r->services[k - 1].start_on <= r->services[k].start_on);
    }
    assert_true(youth_people > 0);

    /* No two people of a seed share an SSN (duplicate detection would flag them). */
    qsort(seen, N, sizeof(seen[0]), compare_ssn);
    for (long i = 1; i < N; i++)
        if (seen[i][0] != '\0') {
            assert_true(strcmp(seen[i - 1], seen[i]) != 0);
        }
    demo_free(g);
}

struct stopper {
    long calls;
    long stop_at;
};

static int
stop_after(void *ctx, const struct demo_person *person)
{
    struct stopper *s = ctx;
    assert_non_null(person);
    if (++s->calls == s->stop_at)
        return 7;
    return 0;
}

static void
test_callback_stops_generation(void **state)
{
    struct fixture *f = *state;
    struct br_error err;
    br_error_clear(&err);

    struct stopper s = {.calls = 0, .stop_at = 10};
    struct demo_options o = options_for(1, 0, 1000);
    assert_int_equal(demo_generate(&f->catalog, &f->policy, &o, stop_after, &s, &err), 7);
    assert_int_equal(s.calls, 10);

    /* No people: no calls, success. */
    s = (struct stopper){.calls = 0, .stop_at = -1};
    o.people = 0;
    assert_int_equal(demo_generate(&f->catalog, &f->policy, &o, stop_after, &s, &err), 0);
    assert_int_equal(s.calls, 0);

    /* Without a stop, every person is handed over, once. */
    s = (struct stopper){.calls = 0, .stop_at = -1};
    o.people = 37;
    assert_int_equal(demo_generate(&f->catalog, &f->policy, &o, stop_after, &s, &err), 0);
    assert_int_equal(s.calls, 37);
}

static void
test_rejects_bad_options_and_catalog(void **state)
{
    struct fixture *f = *state;
    struct demo *g = NULL;
    struct br_error err;

    br_error_clear(&err);
    struct demo_options o = options_for(1, 0, -1);
    assert_int_equal(demo_new(&f->catalog, &f->policy, &o, &g, &err), BR_EINVAL);
    assert_null(g);
    assert_string_equal(err.fields[0].field, "people");

    br_error_clear(&err);
    o = options_for(1, 0, 10);
    o.as_of = DATE_NONE;
    assert_int_equal(demo_new(&f->catalog, &f->policy, &o, &g, &err), BR_EINVAL);
    assert_null(g);
    assert_string_equal(err.fields[0].field, "as_of");

    /* A catalog without a program the demo tells stories about is refused by name. */
    char saved[CATALOG_CODE_SIZE];
    int refugee = program(f, "REFUGEE");
    memcpy(saved, f->catalog.programs[refugee].code, sizeof(saved));
    memcpy(f->catalog.programs[refugee].code, "RESETTLEMENT", sizeof("RESETTLEMENT"));
    br_error_clear(&err);
    o = options_for(1, 0, 10);
    int rc = demo_generate(&f->catalog, &f->policy, &o, stop_after, NULL, &err);
    memcpy(f->catalog.programs[refugee].code, saved, sizeof(saved));
    assert_int_equal(rc, BR_EINVAL);
    assert_int_equal(err.n_fields, 1);
    assert_string_equal(err.fields[0].field, "catalog.programs");
    assert_non_null(strstr(err.fields[0].problem, "REFUGEE"));
}

/* The default options are those the CLI documents. */
static void
test_defaults(void **state)
{
    (void)state;
    struct demo_options o;
    demo_options_defaults(&o, D(AS_OF));
    assert_int_equal(o.people, 2000);
    assert_int_equal(o.first, 0);
    assert_int_equal(o.as_of, D(AS_OF));
    assert_true(o.seed == DEMO_DEFAULT_SEED);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_people),
        cmocka_unit_test(test_different_seed_different_people),
        cmocka_unit_test(test_services_have_staff),
        cmocka_unit_test(test_person_independent_of_run),
        cmocka_unit_test(test_every_record_valid),
        cmocka_unit_test(test_realistic_proportions),
        cmocka_unit_test(test_facts_agree_with_programs),
        cmocka_unit_test(test_callback_stops_generation),
        cmocka_unit_test(test_rejects_bad_options_and_catalog),
        cmocka_unit_test(test_defaults),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
