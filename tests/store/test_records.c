/* test_records.c — the case-management use cases (src/app/records.c) and the access rules
 * (src/app/access.c) over a real SQLite database: consents, assessments, plans with goals and
 * reviews, outcomes, the reads of notes, contacts, facts and the SSN; who may do each, the audit
 * of every disclosure decision, and that a failed call writes nothing (RULES.md §9-11). */
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/access.h"
#include "app/app.h"
#include "app/records.h"
#include "app/users.h"

#define TODAY "2026-11-23"

struct fixture {
    char dir[64];
    char db[128];
    struct app app;
    int64_t agency_a, agency_b, agency_c;
    /* Agency A (the job center) registered the person; B and C are partners. */
    struct actor cm_a, cm_a2, sup_a, cm_b, partner_b, partner_c, analyst, auditor, admin;
    int64_t person; /* registered by cm_a, with an SSN and sensitive facts */
    struct br_error err;
};

static int64_t
add_agency(struct fixture *f, const char *code)
{
    int64_t id = 0;
    br_error_clear(&f->err);
    assert_int_equal(app_agency_add(&f->app, &app_system_actor, code, code, &id, &f->err), 0);
    return id;
}

/* Adds a user straight through the store (no password hashing: these tests are about access). */
static struct actor
add_user(struct fixture *f, const char *email, const char *role, const char *agency,
         int64_t agency_id)
{
    struct user u = {0};
    snprintf(u.email, sizeof(u.email), "%s", email);
    snprintf(u.name, sizeof(u.name), "%s", email);
    snprintf(u.role, sizeof(u.role), "%s", role);
    snprintf(u.agency, sizeof(u.agency), "%s", agency);
    snprintf(u.password_hash, sizeof(u.password_hash), "not-a-real-hash");
    u.active = true;
    br_error_clear(&f->err);
    assert_int_equal(f->app.store->ops->user_insert(f->app.store, &u, &f->err), 0);
    struct actor a = {.user_id = u.id, .agency_id = agency_id, .role = role};
    return a;
}

static int64_t
register_as(struct fixture *f, const struct actor *actor, const char *first, const char *ssn)
{
    struct stored_person p = {0};
    int64_t dups[4];
    size_t n_dups = 0;
    snprintf(p.facts.first_name, sizeof(p.facts.first_name), "%s", first);
    snprintf(p.facts.last_name, sizeof(p.facts.last_name), "Reyes");
    p.facts.birth_on = D("1990-05-17");
    p.facts.sex = SEX_FEMALE;
    p.facts.authorized_to_work = FACT_YES;
    p.facts.disability = FACT_YES;
    p.facts.low_income = FACT_YES;
    p.facts.veteran = FACT_NO;
    br_error_clear(&f->err);
    assert_int_equal(app_register_person(&f->app, actor, &p, ssn, dups, 4, &n_dups, &f->err), 0);
    return p.id;
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/braid-rec-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/braid.db", f->dir);
    setenv("BRAID_TODAY", TODAY, 1);
    br_error_clear(&f->err);
    assert_int_equal(app_init_database(f->db, "data/catalog.json", &f->err), 0);
    assert_int_equal(app_open(&f->app, f->db, &f->err), 0);
    f->agency_a = add_agency(f, "AJC");
    f->agency_b = add_agency(f, "ADULT_ED");
    f->agency_c = add_agency(f, "REHAB");
    f->cm_a = add_user(f, "cm.a@ajc.gov", "case_manager", "AJC", f->agency_a);
    f->cm_a2 = add_user(f, "cm2.a@ajc.gov", "case_manager", "AJC", f->agency_a);
    f->sup_a = add_user(f, "sup.a@ajc.gov", "supervisor", "AJC", f->agency_a);
    f->cm_b = add_user(f, "cm.b@adulted.org", "case_manager", "ADULT_ED", f->agency_b);
    f->partner_b = add_user(f, "staff.b@adulted.org", "partner_staff", "ADULT_ED", f->agency_b);
    f->partner_c = add_user(f, "staff.c@rehab.gov", "partner_staff", "REHAB", f->agency_c);
    f->analyst = add_user(f, "analyst@state.gov", "analyst", "AJC", f->agency_a);
    f->auditor = add_user(f, "auditor@state.gov", "auditor", "AJC", f->agency_a);
    f->admin = add_user(f, "admin@state.gov", "admin", "AJC", f->agency_a);
    f->person = register_as(f, &f->cm_a, "Ana", "123-45-6789");
    br_error_clear(&f->err);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char path[256];
    app_close(&f->app);
    const char *suffixes[] = {"", "-wal", "-shm", ".key", "-reads", "-reads-wal", "-reads-shm"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", f->db, suffixes[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* One number from a query, on a separate connection (what another process would see), with the
 * log of reads (PATH-reads) attached as "reads". */
static long
count(struct fixture *f, const char *sql)
{
    reads_flushed(f->app.store);
    return file_count_with_reads(f->db, sql);
}

/* Audit entries in log (audit_log or reads.read_log) with this action by this user about the
 * person, whose after contains `text` (when not NULL). */
static long
audited_in(struct fixture *f, const char *log, const char *action, const struct actor *by,
           const char *text)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM %s WHERE action = '%s' AND user_id = %lld "
             "AND person_id = %lld AND (%d OR after LIKE '%%%s%%')",
             log, action, (long long)by->user_id, (long long)f->person, text == NULL,
             text != NULL ? text : "");
    return count(f, sql);
}

/* Those of changes (and of the refusals of changes), in the database's audit_log. */
static long
audited(struct fixture *f, const char *action, const struct actor *by, const char *text)
{
    return audited_in(f, "audit_log", action, by, text);
}

/* Those of reads, in the log of reads. */
static long
read_audited(struct fixture *f, const char *action, const struct actor *by, const char *text)
{
    return audited_in(f, "reads.read_log", action, by, text);
}

static const struct br_field_error *
field(const struct br_error *err, const char *name)
{
    for (size_t i = 0; i < err->n_fields; i++)
        if (strcmp(err->fields[i].field, name) == 0)
            return &err->fields[i];
    return NULL;
}

/* The rows of every case-work table, to show a failed call wrote nothing. */
static long
data_rows(struct fixture *f)
{
    return count(f, "SELECT (SELECT count(*) FROM consents) + (SELECT count(*) FROM assessments) "
                    "+ (SELECT count(*) FROM plans) + (SELECT count(*) FROM goals) "
                    "+ (SELECT count(*) FROM plan_reviews) + (SELECT count(*) FROM outcomes) "
                    "+ (SELECT count(*) FROM case_notes) + (SELECT count(*) FROM contacts) "
                    "+ (SELECT count(*) FROM enrollments)");
}

static int
consent(struct fixture *f, int64_t agency, const char *purpose, const char *from, const char *until,
        int64_t *id)
{
    const char *purposes[] = {purpose};
    struct consent_input in = {agency, purposes, 1, from, until};
    struct consent out;
    br_error_clear(&f->err);
    int rc = app_record_consent(&f->app, &f->cm_a, f->person, &in, &out, &f->err);
    if (id != NULL)
        *id = out.id;
    return rc;
}

static void
note(struct fixture *f, const struct actor *by, const char *body, bool confidential)
{
    struct case_note n = {.person_id = f->person,
                          .agency_id = by->agency_id,
                          .author_id = by->user_id,
                          .written_on = DATE_NONE,
                          .confidential = confidential,
                          .body = (char *)body};
    br_error_clear(&f->err);
    assert_int_equal(app_write_note(&f->app, by, &n, &f->err), 0);
}

static int
list_notes(struct fixture *f, const struct actor *by, struct note_list *out)
{
    br_error_clear(&f->err);
    return app_list_notes(&f->app, by, f->person, out, &f->err);
}

static int
assess(struct fixture *f, const struct actor *by, const char *type, const char *on)
{
    struct assessment_input in = {type, on, "{\"reading\": 563, \"math\": \"E\"}",
                                  "[\"transportation\"]"};
    struct assessment out;
    br_error_clear(&f->err);
    return app_record_assessment(&f->app, by, f->person, &in, &out, &f->err);
}

static void
enroll(struct fixture *f, const struct actor *by, int64_t person, const char *program,
       const char *on)
{
    struct enrollment e = {.program = catalog_program_index(&f->app.catalog, program),
                           .eligibility_on = D(on)};
    br_error_clear(&f->err);
    assert_int_equal(app_determine_eligibility(&f->app, by, person, &e, "{}", &f->err), 0);
}

static int64_t
make_plan(struct fixture *f, const char *kind, const char *created_on)
{
    struct plan_input in = {kind, created_on, NULL, false};
    struct case_plan plan;
    br_error_clear(&f->err);
    assert_int_equal(app_create_plan(&f->app, &f->cm_a, f->person, &in, &plan, &f->err), 0);
    return plan.id;
}

static int64_t
add_goal(struct fixture *f, int64_t plan, const char *type, const char *target)
{
    struct goal_input in = {type, "Find full-time work as a welder", target};
    struct goal goal;
    br_error_clear(&f->err);
    assert_int_equal(app_add_goal(&f->app, &f->cm_a, f->person, plan, &in, &goal, &f->err), 0);
    return goal.id;
}

/* ---- consents -------------------------------------------------------------------------------- */

static void
test_consent_recorded_listed_and_audited(void **state)
{
    struct fixture *f = *state;
    const char *purposes[] = {"case_notes", "plans"};
    struct consent_input in = {f->agency_b, purposes, 2, "2026-11-01", "2027-10-31"};
    struct consent c;
    struct consent_list list = {0};

    assert_int_equal(app_record_consent(&f->app, &f->cm_a, f->person, &in, &c, &f->err), 0);
    assert_true(c.id > 0);
    assert_int_equal(app_list_consents(&f->app, &f->cm_a, f->person, &list, &f->err), 0);
    assert_int_equal(list.n, 1);
    assert_int_equal(list.items[0].agency_id, f->agency_b);
    assert_int_equal(list.items[0].purposes,
                     CONSENT_PURPOSE_BIT(CONSENT_CASE_NOTES) | CONSENT_PURPOSE_BIT(CONSENT_PLANS));
    assert_int_equal(list.items[0].from_on, D("2026-11-01"));
    assert_int_equal(list.items[0].until_on, D("2027-10-31"));
    assert_int_equal(list.items[0].revoked_on, DATE_NONE);
    assert_int_equal(list.items[0].recorded_by, f->cm_a.user_id);
    assert_int_equal(audited(f, "consent.record", &f->cm_a, "\"plans\""), 1);
    /* The consent list itself is for the serving agency: a partner cannot read it. */
    assert_int_equal(app_list_consents(&f->app, &f->partner_b, f->person, &list, &f->err),
                     BR_EFORBIDDEN);
    assert_int_equal(list.n, 0);
    free(list.items);
}

static void
test_consent_fields_are_validated_by_name(void **state)
{
    struct fixture *f = *state;
    const char *purposes[] = {"case_notes", "medical_records", "case_notes"};
    struct consent_input in = {0, purposes, 3, "2026-13-01", "2026-11-22"};
    struct consent c;

    assert_int_equal(app_record_consent(&f->app, &f->cm_a, f->person, &in, &c, &f->err), BR_EINVAL);
    assert_non_null(field(&f->err, "agency_id"));
    assert_non_null(strstr(field(&f->err, "purposes[1]")->problem, "case_notes, assessments"));
    assert_non_null(strstr(field(&f->err, "purposes[2]")->problem, "twice"));
    assert_non_null(strstr(field(&f->err, "from")->problem, "exists"));
    assert_non_null(strstr(field(&f->err, "until")->problem, "before today"));

    /* No purposes, until before from. */
    struct consent_input none = {f->agency_b, purposes, 0, "2026-12-10", "2026-12-01"};
    br_error_clear(&f->err);
    assert_int_equal(app_record_consent(&f->app, &f->cm_a, f->person, &none, &c, &f->err),
                     BR_EINVAL);
    assert_non_null(field(&f->err, "purposes"));
    assert_non_null(strstr(field(&f->err, "until")->problem, "before from"));

    /* An agency that does not exist is a field error, and nothing is written. */
    assert_int_equal(consent(f, 999, "case_notes", "2026-11-01", "2027-01-01", NULL), BR_EINVAL);
    assert_non_null(strstr(field(&f->err, "agency_id")->problem, "no agency"));
    assert_int_equal(count(f, "SELECT count(*) FROM consents"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'consent.record'"), 0);
}

static void
test_only_a_serving_agency_records_consent(void **state)
{
    struct fixture *f = *state;
    const char *purposes[] = {"case_notes"};
    /* Agency B may not grant itself access by "recording" a consent. */
    struct consent_input in = {f->agency_b, purposes, 1, "2026-11-01", "2027-01-01"};
    struct consent c;

    assert_int_equal(app_record_consent(&f->app, &f->cm_b, f->person, &in, &c, &f->err),
                     BR_EFORBIDDEN);
    assert_int_equal(count(f, "SELECT count(*) FROM consents"), 0);
    assert_int_equal(audited(f, "access.refuse", &f->cm_b, "\"consents\""), 1);
    br_error_clear(&f->err);
    assert_int_equal(app_record_consent(&f->app, &f->partner_b, f->person, &in, &c, &f->err),
                     BR_EFORBIDDEN);
    /* A supervisor of the serving agency may. */
    br_error_clear(&f->err);
    assert_int_equal(app_record_consent(&f->app, &f->sup_a, f->person, &in, &c, &f->err), 0);
}

static void
test_revoke_consent(void **state)
{
    struct fixture *f = *state;
    struct consent_list list = {0};
    int64_t id;

    assert_int_equal(consent(f, f->agency_b, "case_notes", "2026-11-01", "2027-01-01", &id), 0);
    assert_int_equal(app_revoke_consent(&f->app, &f->cm_a, f->person, id, &f->err), 0);
    assert_int_equal(app_list_consents(&f->app, &f->cm_a, f->person, &list, &f->err), 0);
    assert_int_equal(list.items[0].revoked_on, D(TODAY));
    assert_int_equal(audited(f, "consent.revoke", &f->cm_a, NULL), 1);
    br_error_clear(&f->err);
    assert_int_equal(app_revoke_consent(&f->app, &f->cm_a, f->person, id, &f->err), BR_ECONFLICT);
    br_error_clear(&f->err);
    assert_int_equal(app_revoke_consent(&f->app, &f->cm_a, f->person, id + 100, &f->err),
                     BR_ENOTFOUND);
    /* The partner cannot revoke (or otherwise change) consents. */
    br_error_clear(&f->err);
    assert_int_equal(app_revoke_consent(&f->app, &f->partner_b, f->person, id, &f->err),
                     BR_EFORBIDDEN);
    free(list.items);
}

/* ---- disclosure of notes, assessments and plans across agencies ------------------------------ */

static void
test_partner_without_consent_is_refused_and_the_refusal_audited(void **state)
{
    struct fixture *f = *state;
    struct note_list notes = {0};

    note(f, &f->cm_a, "Discussed welding training; transport is a barrier.", false);
    assert_int_equal(list_notes(f, &f->partner_b, &notes), BR_EFORBIDDEN);
    assert_int_equal(f->err.code, BR_EFORBIDDEN);
    assert_non_null(strstr(f->err.message, "no consent"));
    assert_int_equal(notes.n, 0);
    /* RULES.md §11: the decision is logged, with the purpose — the refusal too. */
    assert_int_equal(
        read_audited(f, "disclosure.refuse", &f->partner_b, "\"purpose\":\"case_notes\""), 1);
    assert_int_equal(read_audited(f, "disclosure.allow", &f->partner_b, NULL) +
                         audited(f, "disclosure.allow", &f->partner_b, NULL),
                     0);
    /* A case manager of a partner agency that does not serve the person: the same. */
    assert_int_equal(list_notes(f, &f->cm_b, &notes), BR_EFORBIDDEN);
    assert_int_equal(read_audited(f, "disclosure.refuse", &f->cm_b, "case_notes"), 1);
    app_note_list_cleanup(&notes);
}

static void
test_consent_for_case_notes_shows_notes_but_not_assessments(void **state)
{
    struct fixture *f = *state;
    struct note_list notes = {0};
    struct assessment_list assessments = {0};
    struct person_plans plans = {0};
    int64_t id;

    note(f, &f->cm_a, "Intake completed.", false);
    assert_int_equal(assess(f, &f->cm_a, "TABE", "2026-11-02"), 0);
    assert_int_equal(consent(f, f->agency_b, "case_notes", "2026-11-01", "2027-11-01", &id), 0);

    assert_int_equal(list_notes(f, &f->partner_b, &notes), 0);
    assert_int_equal(notes.n, 1);
    assert_string_equal(notes.items[0].body, "Intake completed.");
    char consent_id[64];
    snprintf(consent_id, sizeof(consent_id), "\"consent_id\":%lld", (long long)id);
    assert_int_equal(read_audited(f, "disclosure.allow", &f->partner_b, consent_id), 1);

    br_error_clear(&f->err);
    assert_int_equal(app_list_assessments(&f->app, &f->partner_b, f->person, &assessments, &f->err),
                     BR_EFORBIDDEN);
    assert_int_equal(assessments.n, 0);
    assert_int_equal(
        read_audited(f, "disclosure.refuse", &f->partner_b, "\"purpose\":\"assessments\""), 1);
    br_error_clear(&f->err);
    assert_int_equal(app_list_plans(&f->app, &f->partner_b, f->person, &plans, &f->err),
                     BR_EFORBIDDEN);
    /* Agency C holds no consent at all. */
    assert_int_equal(list_notes(f, &f->partner_c, &notes), BR_EFORBIDDEN);

    /* Adding assessments to the consents lets B see them. */
    assert_int_equal(consent(f, f->agency_b, "assessments", "2026-11-01", "2027-11-01", NULL), 0);
    br_error_clear(&f->err);
    assert_int_equal(app_list_assessments(&f->app, &f->partner_b, f->person, &assessments, &f->err),
                     0);
    assert_int_equal(assessments.n, 1);
    assert_int_equal(assessments.items[0].type, ASSESSMENT_TABE);
    app_note_list_cleanup(&notes);
    app_person_plans_cleanup(&plans);
    free(assessments.items);
}

static void
test_after_revoke_the_partner_is_refused_again(void **state)
{
    struct fixture *f = *state;
    struct note_list notes = {0};
    int64_t id;

    note(f, &f->cm_a, "Enrolled in ABE class.", false);
    assert_int_equal(consent(f, f->agency_b, "case_notes", "2026-11-01", "2027-11-01", &id), 0);
    assert_int_equal(list_notes(f, &f->partner_b, &notes), 0);
    assert_int_equal(notes.n, 1);
    br_error_clear(&f->err);
    assert_int_equal(app_revoke_consent(&f->app, &f->cm_a, f->person, id, &f->err), 0);
    assert_int_equal(list_notes(f, &f->partner_b, &notes), BR_EFORBIDDEN);
    assert_int_equal(notes.n, 0);
    assert_int_equal(read_audited(f, "disclosure.allow", &f->partner_b, NULL), 1);
    assert_int_equal(read_audited(f, "disclosure.refuse", &f->partner_b, NULL), 1);
    app_note_list_cleanup(&notes);
}

static void
test_expired_or_future_consent_is_refused(void **state)
{
    struct fixture *f = *state;
    struct note_list notes = {0};

    note(f, &f->cm_a, "Status update.", false);
    assert_int_equal(consent(f, f->agency_b, "case_notes", "2026-11-01", "2026-11-30", NULL), 0);
    assert_int_equal(consent(f, f->agency_c, "case_notes", "2026-12-15", "2027-06-30", NULL), 0);

    /* C's consent is not in force yet. */
    assert_int_equal(list_notes(f, &f->partner_c, &notes), BR_EFORBIDDEN);
    /* B's is in force through its last day, and not a day longer. */
    f->app.today = D("2026-11-30");
    assert_int_equal(list_notes(f, &f->partner_b, &notes), 0);
    f->app.today = D("2026-12-01");
    assert_int_equal(list_notes(f, &f->partner_b, &notes), BR_EFORBIDDEN);
    assert_int_equal(read_audited(f, "disclosure.refuse", &f->partner_b, "case_notes"), 1);
    /* And C's from its first day. */
    f->app.today = D("2026-12-15");
    assert_int_equal(list_notes(f, &f->partner_c, &notes), 0);
    assert_int_equal(notes.n, 1);
    app_note_list_cleanup(&notes);
}

static void
test_serving_agency_case_managers_see_all_notes(void **state)
{
    struct fixture *f = *state;
    struct note_list notes = {0};

    note(f, &f->cm_a, "Note by the person's own case manager.", false);
    note(f, &f->cm_b, "Note by the adult-education teacher.", false);
    note(f, &f->partner_c, "Note by rehabilitation staff.", false);
    /* Seed 000: no restrictions by case managers to access case notes — within the agency any
     * case manager or supervisor sees every note, whoever wrote it. */
    const struct actor *staff[] = {&f->cm_a, &f->cm_a2, &f->sup_a};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(list_notes(f, staff[i], &notes), 0);
        assert_int_equal(notes.n, 3);
        assert_int_equal(notes.n_withheld, 0);
        assert_int_equal(read_audited(f, "disclosure.allow", staff[i], "serving_agency"), 1);
    }
    app_note_list_cleanup(&notes);
}

static void
test_confidential_note_stays_within_its_agency(void **state)
{
    struct fixture *f = *state;
    struct note_list notes = {0};

    note(f, &f->cm_a, "Open note.", false);
    /* Whatever agency a note claims, it is the writer's: B's confidential note stays in B. */
    struct case_note n = {.person_id = f->person,
                          .agency_id = f->agency_a,
                          .author_id = f->cm_a.user_id,
                          .written_on = DATE_NONE,
                          .confidential = true,
                          .body = (char *)"Confidential counselling note."};
    assert_int_equal(app_write_note(&f->app, &f->cm_b, &n, &f->err), 0);
    assert_int_equal(n.agency_id, f->agency_b);
    assert_int_equal(n.author_id, f->cm_b.user_id);
    assert_int_equal(list_notes(f, &f->cm_a, &notes), 0);
    assert_int_equal(notes.n, 1);
    assert_int_equal(notes.n_withheld, 1);
    assert_string_equal(notes.items[0].body, "Open note.");
    /* The auditor sees both; reusing the list frees what it held (no leak under ASan). */
    assert_int_equal(list_notes(f, &f->auditor, &notes), 0);
    assert_int_equal(notes.n, 2);
    assert_int_equal(notes.n_withheld, 0);
    app_note_list_cleanup(&notes);
}

static void
test_contacts_follow_the_case_notes_consent(void **state)
{
    struct fixture *f = *state;
    struct contact_list contacts = {0};
    struct contact c = {.person_id = f->person,
                        .staff_id = f->cm_a.user_id,
                        .contacted_on = D("2026-11-20"),
                        .method = CONTACT_PHONE,
                        .responded = true};
    snprintf(c.outcome, sizeof(c.outcome), "Confirmed class start");
    assert_int_equal(app_record_contact(&f->app, &f->cm_a, &c, &f->err), 0);

    assert_int_equal(app_list_contacts(&f->app, &f->partner_b, f->person, &contacts, &f->err),
                     BR_EFORBIDDEN);
    assert_int_equal(
        read_audited(f, "disclosure.refuse", &f->partner_b, "\"area\":\"contacts\""), 1);
    assert_int_equal(consent(f, f->agency_b, "case_notes", "2026-11-01", "2027-11-01", NULL), 0);
    br_error_clear(&f->err);
    assert_int_equal(app_list_contacts(&f->app, &f->partner_b, f->person, &contacts, &f->err), 0);
    assert_int_equal(contacts.n, 1);
    assert_string_equal(contacts.items[0].outcome, "Confirmed class start");
    br_error_clear(&f->err);
    assert_int_equal(app_list_contacts(&f->app, &f->analyst, f->person, &contacts, &f->err),
                     BR_EFORBIDDEN);
    free(contacts.items);
}

static void
test_serving_by_enrollment_or_service(void **state)
{
    struct fixture *f = *state;
    struct note_list notes = {0};
    /* Registered by the system: no agency serves this person yet. */
    int64_t person = register_as(f, &app_system_actor, "Bo", NULL);
    struct case_note n = {.person_id = person,
                          .agency_id = f->agency_a,
                          .author_id = f->cm_a.user_id,
                          .written_on = DATE_NONE,
                          .body = (char *)"Walk-in."};
    assert_int_equal(app_write_note(&f->app, &f->cm_a, &n, &f->err), 0);
    assert_int_equal(app_list_notes(&f->app, &f->cm_b, person, &notes, &f->err), BR_EFORBIDDEN);

    /* Agency B determines an enrollment: now B serves the person. */
    enroll(f, &f->cm_b, person, "AEL", "2026-11-02");
    br_error_clear(&f->err);
    assert_int_equal(app_list_notes(&f->app, &f->cm_b, person, &notes, &f->err), 0);
    assert_int_equal(notes.n, 1);

    /* Agency C's staff provide a service: C serves too. */
    br_error_clear(&f->err);
    assert_int_equal(app_list_notes(&f->app, &f->partner_c, person, &notes, &f->err),
                     BR_EFORBIDDEN);
    struct actor cm_c = add_user(f, "cm.c@rehab.gov", "case_manager", "REHAB", f->agency_c);
    br_error_clear(&f->err);
    assert_int_equal(app_list_notes(&f->app, &cm_c, person, &notes, &f->err), BR_EFORBIDDEN);
    enroll(f, &app_system_actor, person, "VR", "2026-11-03");
    struct service s = {.program = catalog_program_index(&f->app.catalog, "VR"),
                        .code = catalog_service_index(&f->app.catalog, "CAREER_COUNSELING"),
                        .start_on = D("2026-11-05"),
                        .end_on = D("2026-11-05"),
                        .projected_end_on = DATE_NONE};
    struct service_detail detail = {.staff_id = cm_c.user_id};
    br_error_clear(&f->err);
    assert_int_equal(
        app_record_service(&f->app, &app_system_actor, person, &s, &detail, NULL, &f->err), 0);
    br_error_clear(&f->err);
    assert_int_equal(app_list_notes(&f->app, &cm_c, person, &notes, &f->err), 0);
    app_note_list_cleanup(&notes);
}

/* A change's answer (app_answer_next_change) is a read of the case file: the decisions on what it
 * may show are audited as a GET's are, in the log of reads; audit_log keeps the change's own. */
static void
test_a_changes_answer_is_audited_as_a_read(void **state)
{
    struct fixture *f = *state;
    enroll(f, &f->cm_a, f->person, "WP", "2026-11-03");
    struct service s = {.program = catalog_program_index(&f->app.catalog, "WP"),
                        .code = catalog_service_index(&f->app.catalog, "STAFF_JOB_SEARCH"),
                        .start_on = D("2026-11-05"),
                        .end_on = D("2026-11-05"),
                        .projected_end_on = DATE_NONE};
    struct service_detail detail = {.staff_id = f->cm_a.user_id};
    struct change_answer answer = {.actor = &f->cm_a, .person_id = f->person,
                                   .as_of = D("2026-11-05")};
    long reads_before = count(f, "SELECT count(*) FROM reads.read_log");

    app_answer_next_change(&f->app, &answer);
    br_error_clear(&f->err);
    assert_int_equal(
        app_record_service(&f->app, &f->cm_a, f->person, &s, &detail, "Job leads.", &f->err), 0);
    assert_int_equal(audited(f, "service.record", &f->cm_a, NULL), 1);
    assert_int_equal(audited(f, "access.allow", &f->cm_a, NULL) +
                         audited(f, "disclosure.allow", &f->cm_a, NULL),
                     0);
    /* The case file, its notes, contacts and plans (disclosures), and the eligibility screen. */
    assert_int_equal(read_audited(f, "access.allow", &f->cm_a, "\"area\":\"eligibility_screen\""),
                     1);
    assert_int_equal(read_audited(f, "disclosure.allow", &f->cm_a, NULL), 4);
    assert_int_equal(count(f, "SELECT count(*) FROM reads.read_log"), reads_before + 5);
    alert_list_cleanup(&answer.alerts);

    /* A change that fails writes nothing, in either log. */
    app_answer_next_change(&f->app, &answer);
    s.start_on = s.end_on = D("2026-10-01"); /* before the eligibility date */
    br_error_clear(&f->err);
    assert_int_not_equal(
        app_record_service(&f->app, &f->cm_a, f->person, &s, &detail, "Job leads.", &f->err), 0);
    assert_int_equal(audited(f, "service.record", &f->cm_a, NULL), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM reads.read_log"), reads_before + 5);
    alert_list_cleanup(&answer.alerts);
}

/* ---- roles and sensitive facts -----------------------------------------------------------------
 */

static void
test_analyst_never_sees_notes_or_sensitive_facts(void **state)
{
    struct fixture *f = *state;
    struct note_list notes = {0};
    struct stored_person p;
    bool shown = true;
    char ssn[CRYPTO_SSN_SIZE];

    note(f, &f->cm_a, "Disclosed a health condition.", false);
    /* The analyst works for the very agency that serves the person, and still sees no notes. */
    assert_int_equal(list_notes(f, &f->analyst, &notes), BR_EFORBIDDEN);
    assert_int_equal(read_audited(f, "disclosure.refuse", &f->analyst, "case_notes"), 1);

    br_error_clear(&f->err);
    assert_int_equal(app_person_view(&f->app, &f->analyst, f->person, &p, &shown, &f->err), 0);
    assert_false(shown);
    assert_string_equal(p.facts.first_name, "Ana");
    assert_int_equal(p.facts.birth_on, D("1990-05-17"));
    assert_string_equal(p.facts.ssn_last4, "");
    assert_int_equal(p.facts.authorized_to_work, FACT_UNKNOWN);
    assert_int_equal(p.facts.disability, FACT_UNKNOWN);
    assert_int_equal(p.facts.low_income, FACT_UNKNOWN);
    assert_int_equal(p.facts.veteran, FACT_NO); /* not sensitive: shown */

    br_error_clear(&f->err);
    assert_int_equal(
        app_person_reveal_ssn(&f->app, &f->analyst, f->person, "PIRL check", ssn, &f->err),
        BR_EFORBIDDEN);
    assert_string_equal(ssn, "");
    assert_int_equal(read_audited(f, "access.refuse", &f->analyst, "\"ssn\""), 1);

    /* Nor does an analyst write notes or contacts. */
    struct case_note n = {.person_id = f->person, .written_on = DATE_NONE, .body = (char *)"x"};
    struct contact c = {.person_id = f->person, .contacted_on = D(TODAY), .method = CONTACT_EMAIL};
    br_error_clear(&f->err);
    assert_int_equal(app_write_note(&f->app, &f->analyst, &n, &f->err), BR_EFORBIDDEN);
    br_error_clear(&f->err);
    assert_int_equal(app_record_contact(&f->app, &f->analyst, &c, &f->err), BR_EFORBIDDEN);
    assert_int_equal(count(f, "SELECT count(*) FROM case_notes"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM contacts"), 0);
    app_note_list_cleanup(&notes);
}

static void
test_sensitive_facts_only_for_serving_case_managers(void **state)
{
    struct fixture *f = *state;
    struct stored_person p;
    bool shown = false;

    assert_int_equal(app_person_view(&f->app, &f->cm_a, f->person, &p, &shown, &f->err), 0);
    assert_true(shown);
    assert_string_equal(p.facts.ssn_last4, "6789");
    assert_int_equal(p.facts.disability, FACT_YES);
    assert_int_equal(p.facts.authorized_to_work, FACT_YES);
    assert_int_equal(read_audited(f, "access.allow", &f->cm_a, "sensitive_facts"), 1);

    /* A case manager of an agency that does not serve the person, partner staff, an auditor:
     * the person, but masked. */
    const struct actor *others[] = {&f->cm_b, &f->partner_b, &f->auditor};
    for (size_t i = 0; i < 3; i++) {
        br_error_clear(&f->err);
        assert_int_equal(app_person_view(&f->app, others[i], f->person, &p, &shown, &f->err), 0);
        assert_false(shown);
        assert_string_equal(p.facts.ssn_last4, "");
        assert_int_equal(p.facts.disability, FACT_UNKNOWN);
        assert_int_equal(read_audited(f, "access.allow", others[i], "\"facts\""), 1);
    }
    /* The masking function itself. */
    struct person_facts facts = p.facts;
    facts.offender = FACT_YES;
    facts.public_assistance = FACT_NO;
    snprintf(facts.ssn_last4, sizeof(facts.ssn_last4), "1234");
    access_mask_facts(&facts);
    assert_int_equal(facts.offender, FACT_UNKNOWN);
    assert_int_equal(facts.public_assistance, FACT_UNKNOWN);
    assert_string_equal(facts.ssn_last4, "");
}

static void
test_admin_and_unknown_roles_see_no_case_data(void **state)
{
    struct fixture *f = *state;
    struct note_list notes = {0};
    struct stored_person p;
    bool shown;
    struct actor janitor = {
        .user_id = f->cm_a.user_id, .agency_id = f->agency_a, .role = "janitor"};
    struct actor fake_system = {
        .user_id = f->cm_b.user_id, .agency_id = f->agency_b, .role = "system"};

    assert_int_equal(app_person_view(&f->app, &f->admin, f->person, &p, &shown, &f->err),
                     BR_EFORBIDDEN);
    assert_int_equal(list_notes(f, &f->admin, &notes), BR_EFORBIDDEN);
    assert_int_equal(list_notes(f, &janitor, &notes), BR_EFORBIDDEN);
    /* Only user 0 is the system. */
    assert_int_equal(list_notes(f, &fake_system, &notes), BR_EFORBIDDEN);
    assert_int_equal(access_role_of(&fake_system), ACCESS_ROLE_UNKNOWN);
    assert_int_equal(access_role_of(&app_system_actor), ACCESS_ROLE_SYSTEM);
    assert_int_equal(assess(f, &f->admin, "TABE", "2026-11-01"), BR_EFORBIDDEN);
    assert_int_equal(count(f, "SELECT count(*) FROM assessments"), 0);
    app_note_list_cleanup(&notes);
}

static void
test_auditor_reads_with_the_audit_log_and_changes_nothing(void **state)
{
    struct fixture *f = *state;
    struct note_list notes = {0};
    struct audit_list log = {0};

    note(f, &f->cm_a, "Visited the training provider.", false);
    assert_int_equal(list_notes(f, &f->auditor, &notes), 0);
    assert_int_equal(notes.n, 1);
    assert_int_equal(assess(f, &f->auditor, "CASAS", "2026-11-01"), BR_EFORBIDDEN);
    assert_int_equal(audited(f, "access.refuse", &f->auditor, "read_only"), 1);
    assert_int_equal(consent(f, f->agency_b, "plans", "2026-11-01", "2027-01-01", NULL), 0);

    br_error_clear(&f->err);
    assert_int_equal(app_person_audit(&f->app, &f->auditor, f->person, 0, &log, &f->err), 0);
    assert_true(log.n >= 4);
    /* Both logs, oldest first by time (to the second), each in the order of its own ids: the
     * changes' entries start with the registration, and the auditor's read of the notes is
     * there, from the log of reads. */
    const struct audit_record *first_change = NULL;
    int64_t last_id[2] = {0, 0};
    bool saw_consent = false, saw_read = false;
    for (size_t i = 0; i < log.n; i++) {
        const struct audit_record *e = &log.items[i];
        assert_int_equal(e->person_id, f->person);
        if (i > 0)
            assert_true(strcmp(log.items[i - 1].at, e->at) <= 0);
        assert_true(e->id > last_id[e->read]);
        last_id[e->read] = e->id;
        if (!e->read && first_change == NULL)
            first_change = e;
        saw_consent |= !e->read && strcmp(e->action, "consent.record") == 0;
        saw_read |= e->read && strcmp(e->action, "disclosure.allow") == 0 &&
                    e->user_id == f->auditor.user_id;
    }
    assert_non_null(first_change);
    assert_string_equal(first_change->action, "person.register");
    /* Within a second a change comes before the reads: the history starts with the registration. */
    assert_ptr_equal(first_change, &log.items[0]);
    assert_int_equal(first_change->user_id, f->cm_a.user_id);
    assert_true(saw_consent);
    assert_true(saw_read);

    /* The latest two only, oldest first: the last two of the whole log as it stands before the
     * call, which now holds the read of the log above too (an access.allow, in the log of
     * reads). */
    struct audit_list all = {0};
    assert_int_equal(f->app.store->ops->audit_load(f->app.store, f->person, 0, &all.items, &all.n,
                                                   &all.cap, &f->err),
                     0);
    assert_int_equal(all.n, log.n + 1);
    long reads_of_the_log = 0;
    for (size_t i = 0; i < all.n; i++)
        reads_of_the_log += all.items[i].read && all.items[i].user_id == f->auditor.user_id &&
                            strcmp(all.items[i].action, "access.allow") == 0;
    assert_int_equal(reads_of_the_log, 1);
    br_error_clear(&f->err);
    assert_int_equal(app_person_audit(&f->app, &f->auditor, f->person, 2, &log, &f->err), 0);
    assert_int_equal(log.n, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(log.items[i].id, all.items[all.n - 2 + i].id);
        assert_int_equal(log.items[i].read, all.items[all.n - 2 + i].read);
        assert_string_equal(log.items[i].action, all.items[all.n - 2 + i].action);
    }
    free(all.items);

    /* Nobody else reads the audit log. */
    br_error_clear(&f->err);
    assert_int_equal(app_person_audit(&f->app, &f->sup_a, f->person, 0, &log, &f->err),
                     BR_EFORBIDDEN);
    app_note_list_cleanup(&notes);
    free(log.items);
}

static void
test_reveal_ssn_is_audited_with_its_reason(void **state)
{
    struct fixture *f = *state;
    char ssn[CRYPTO_SSN_SIZE];

    assert_int_equal(app_person_reveal_ssn(&f->app, &f->cm_a, f->person, "", ssn, &f->err),
                     BR_EINVAL);
    assert_non_null(field(&f->err, "reason"));
    br_error_clear(&f->err);
    assert_int_equal(app_person_reveal_ssn(&f->app, &f->cm_a, f->person,
                                           "UI wage match for the Q2 report", ssn, &f->err),
                     0);
    assert_string_equal(ssn, "123456789");
    /* A read: its entry is in the log of reads. */
    assert_int_equal(count(f, "SELECT count(*) FROM reads.read_log WHERE action = 'ssn.reveal' "
                              "AND reason = 'UI wage match for the Q2 report'"),
                     1);
    /* The number itself never enters either log. */
    assert_int_equal(count(f, "SELECT (SELECT count(*) FROM audit_log WHERE coalesce(after, '') "
                              "LIKE '%123456789%' OR coalesce(reason, '') LIKE '%123456789%') + "
                              "(SELECT count(*) FROM reads.read_log WHERE coalesce(after, '') "
                              "LIKE '%123456789%' OR coalesce(reason, '') LIKE '%123456789%')"),
                     0);
    /* A partner's case manager is refused, and the refusal is logged. */
    br_error_clear(&f->err);
    assert_int_equal(app_person_reveal_ssn(&f->app, &f->cm_b, f->person, "curious", ssn, &f->err),
                     BR_EFORBIDDEN);
    assert_int_equal(read_audited(f, "access.refuse", &f->cm_b, "\"ssn\""), 1);
    /* A person with no SSN on record. */
    int64_t other = register_as(f, &f->cm_a, "Cy", NULL);
    br_error_clear(&f->err);
    assert_int_equal(app_person_reveal_ssn(&f->app, &f->cm_a, other, "check", ssn, &f->err),
                     BR_ENOTFOUND);
}

static void
test_eligibility_screen_of_a_person(void **state)
{
    struct fixture *f = *state;
    struct eligibility_result results[32];
    struct eligibility_priority priority;
    size_t n = 0;

    assert_int_equal(
        app_person_screen(&f->app, &f->cm_a, f->person, results, 32, &n, &priority, &f->err), 0);
    assert_int_equal(n, f->app.catalog.n_programs);
    int adult = catalog_program_index(&f->app.catalog, "ADULT");
    assert_int_equal(results[adult].status, ELIGIBILITY_ELIGIBLE); /* 36, authorized, female */
    assert_int_equal(priority.group, 2);                           /* low income, not a veteran */
    /* The screen reads sensitive facts: not for a partner. */
    br_error_clear(&f->err);
    assert_int_equal(
        app_person_screen(&f->app, &f->partner_b, f->person, results, 32, &n, &priority, &f->err),
        BR_EFORBIDDEN);
    assert_int_equal(n, 0);
}

/* ---- assessments -------------------------------------------------------------------------------
 */

static void
test_assessment_recorded_and_listed(void **state)
{
    struct fixture *f = *state;
    struct assessment_input in = {"NEEDS_BARRIERS", "2026-11-20", NULL,
                                  "[\"child care\", \"transportation\"]"};
    struct assessment a;
    struct assessment_list list = {0};

    assert_int_equal(f->app.policy.assessment_current_days, 365);
    assert_int_equal(assess(f, &f->cm_a, "TABE", "2026-10-01"), 0);
    assert_int_equal(app_record_assessment(&f->app, &f->partner_b, f->person, &in, &a, &f->err), 0);
    assert_int_equal(a.agency_id, f->agency_b);
    assert_int_equal(app_list_assessments(&f->app, &f->cm_a, f->person, &list, &f->err), 0);
    assert_int_equal(list.n, 2);
    assert_int_equal(list.items[0].type, ASSESSMENT_TABE);
    assert_int_equal(list.items[0].assessed_on, D("2026-10-01"));
    assert_string_equal(list.items[0].scores, "{\"math\":\"E\",\"reading\":563}");
    assert_string_equal(list.items[0].barriers, "[\"transportation\"]");
    assert_int_equal(list.items[1].type, ASSESSMENT_NEEDS_BARRIERS);
    assert_string_equal(list.items[1].scores, "{}");
    assert_int_equal(list.items[1].author_id, f->partner_b.user_id);
    assert_int_equal(audited(f, "assessment.record", &f->partner_b, "NEEDS_BARRIERS"), 1);
    free(list.items);
}

static void
test_assessment_fields_are_validated_by_name(void **state)
{
    struct fixture *f = *state;
    struct assessment a;
    struct assessment_input bad = {"IQ_TEST", "2026-11-24", "{\"reading\": true}",
                                   "[\"rent\", \"rent\", \"\"]"};

    assert_int_equal(app_record_assessment(&f->app, &f->cm_a, f->person, &bad, &a, &f->err),
                     BR_EINVAL);
    assert_non_null(field(&f->err, "type"));
    assert_non_null(strstr(field(&f->err, "assessed_on")->problem, "after today"));
    assert_non_null(strstr(field(&f->err, "scores.reading")->problem, "number or a string"));
    assert_non_null(strstr(field(&f->err, "barriers[1]")->problem, "repeats barriers[0]"));
    assert_non_null(field(&f->err, "barriers[2]"));

    struct assessment_input shapes = {"", "yesterday", "[1, 2]", "{\"a\": 1}"};
    br_error_clear(&f->err);
    assert_int_equal(app_record_assessment(&f->app, &f->cm_a, f->person, &shapes, &a, &f->err),
                     BR_EINVAL);
    assert_non_null(strstr(field(&f->err, "type")->problem, "required"));
    assert_non_null(strstr(field(&f->err, "assessed_on")->problem, "YYYY-MM-DD"));
    assert_non_null(strstr(field(&f->err, "scores")->problem, "JSON object"));
    assert_non_null(strstr(field(&f->err, "barriers")->problem, "array"));

    struct assessment_input broken = {"TABE", "2026-11-01", "{not json", NULL};
    br_error_clear(&f->err);
    assert_int_equal(app_record_assessment(&f->app, &f->cm_a, f->person, &broken, &a, &f->err),
                     BR_EINVAL);
    assert_int_equal(f->err.n_fields, 1);
    assert_string_equal(f->err.fields[0].field, "scores");
    assert_int_equal(count(f, "SELECT count(*) FROM assessments"), 0);
}

static void
test_a_current_assessment_is_not_repeated(void **state)
{
    struct fixture *f = *state;
    char existing[32];

    assert_int_equal(assess(f, &f->cm_a, "TABE", "2026-01-10"), 0);
    long id = count(f, "SELECT id FROM assessments");
    snprintf(existing, sizeof(existing), "assessment %ld of 2026-01-10", id);

    /* A partner that may see assessments is told which one to use. */
    assert_int_equal(consent(f, f->agency_b, "assessments", "2026-11-01", "2027-11-01", NULL), 0);
    assert_int_equal(assess(f, &f->partner_b, "TABE", TODAY), BR_ECONFLICT);
    assert_non_null(strstr(field(&f->err, "type")->problem, existing));
    assert_non_null(strstr(field(&f->err, "type")->problem, "current until 2027-01-09"));
    assert_non_null(strstr(f->err.message, "still current"));
    /* One that may not is told only that one exists, and the refused disclosure is logged. */
    assert_int_equal(assess(f, &f->partner_c, "TABE", TODAY), BR_ECONFLICT);
    assert_null(strstr(field(&f->err, "type")->problem, "2026-01-10"));
    assert_non_null(strstr(field(&f->err, "type")->problem, "share assessments"));
    assert_int_equal(audited(f, "disclosure.refuse", &f->partner_c, "assessments"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM assessments"), 1);

    /* Another type is not a repeat. */
    assert_int_equal(assess(f, &f->partner_b, "CASAS", TODAY), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM assessments"), 2);
}

static void
test_assessment_currency_window_boundary(void **state)
{
    struct fixture *f = *state;

    /* 364 days apart: still current.  365 days apart: no longer (current for 365 days). */
    assert_int_equal(assess(f, &f->cm_a, "CAREERSCOPE", "2025-11-24"), 0);
    assert_int_equal(assess(f, &f->cm_a, "CAREERSCOPE", TODAY), BR_ECONFLICT);
    assert_int_equal(assess(f, &f->cm_a, "OBJECTIVE_ASSESSMENT", "2025-11-23"), 0);
    assert_int_equal(assess(f, &f->cm_a, "OBJECTIVE_ASSESSMENT", TODAY), 0);
    /* A back-dated entry inside the window of a later one is a repeat too. */
    assert_int_equal(assess(f, &f->cm_a, "OBJECTIVE_ASSESSMENT", "2026-06-01"), BR_ECONFLICT);
    /* The window is a policy setting. */
    f->app.policy.assessment_current_days = 30;
    assert_int_equal(assess(f, &f->cm_a, "CAREERSCOPE", TODAY), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM assessments"), 4);
}

/* ---- plans, goals, reviews ------------------------------------------------------------------- */

static void
test_plan_goals_reviews_and_listing(void **state)
{
    struct fixture *f = *state;
    struct person_plans plans = {0};
    struct plan_review review;
    struct review_input rin = {"2026-10-01", "Quarterly review: on track for the welding class."};

    enroll(f, &f->cm_a, f->person, "ADULT", "2026-08-20");
    int64_t plan = make_plan(f, "IEP", "2026-09-01");
    assert_int_equal(app_sign_plan(&f->app, &f->cm_a, f->person, plan, "2026-09-02", true, &f->err),
                     0);
    int64_t goal = add_goal(f, plan, "EMPLOYMENT", "2027-03-01");
    assert_int_equal(app_review_plan(&f->app, &f->cm_a, f->person, plan, &rin, &review, &f->err),
                     0);
    assert_int_equal(app_list_plans(&f->app, &f->sup_a, f->person, &plans, &f->err), 0);
    assert_int_equal(plans.n_plans, 1);
    assert_int_equal(plans.plans[0].kind, PLAN_IEP);
    assert_int_equal(plans.plans[0].signed_on, D("2026-09-02"));
    assert_true(plans.plans[0].copy_given);
    assert_int_equal(plans.plans[0].closed_on, DATE_NONE);
    assert_int_equal(plans.n_goals, 1);
    assert_int_equal(plans.goals[0].id, goal);
    assert_int_equal(plans.goals[0].type, GOAL_EMPLOYMENT);
    assert_int_equal(plans.goals[0].status, GOAL_OPEN);
    assert_int_equal(plans.goals[0].target_on, D("2027-03-01"));
    assert_int_equal(plans.n_reviews, 1);
    assert_string_equal(plans.reviews[0].note, "Quarterly review: on track for the welding class.");
    assert_int_equal(plans.status[0].last_reviewed_on, D("2026-10-01"));
    assert_int_equal(plans.status[0].due_on, D("2026-12-31"));
    assert_false(plans.status[0].due);
    assert_int_equal(audited(f, "plan.create", &f->cm_a, "IEP"), 1);
    assert_int_equal(audited(f, "plan.sign", &f->cm_a, NULL), 1);
    assert_int_equal(audited(f, "goal.add", &f->cm_a, "EMPLOYMENT"), 1);
    assert_int_equal(audited(f, "plan.review", &f->cm_a, NULL), 1);

    /* A signature is recorded once. */
    br_error_clear(&f->err);
    assert_int_equal(app_sign_plan(&f->app, &f->cm_a, f->person, plan, "2026-09-05", true, &f->err),
                     BR_ECONFLICT);
    app_person_plans_cleanup(&plans);
}

static void
test_plan_review_due_after_plan_review_days(void **state)
{
    struct fixture *f = *state;
    struct person_plans plans = {0};

    enroll(f, &f->cm_a, f->person, "ADULT", "2026-07-20");
    make_plan(f, "IEP", "2026-08-01");
    /* Never reviewed: counted from creation; due when more than 90 days have passed. */
    f->app.today = D("2026-10-30"); /* 90 days */
    assert_int_equal(app_list_plans(&f->app, &f->cm_a, f->person, &plans, &f->err), 0);
    assert_int_equal(plans.status[0].due_on, D("2026-10-31"));
    assert_false(plans.status[0].due);
    f->app.today = D("2026-10-31"); /* 91 days */
    assert_int_equal(app_list_plans(&f->app, &f->cm_a, f->person, &plans, &f->err), 0);
    assert_true(plans.status[0].due);
    /* A review resets the clock. */
    struct review_input rin = {"2026-10-31", "Reviewed with the participant."};
    struct plan_review review;
    assert_int_equal(
        app_review_plan(&f->app, &f->cm_a, f->person, plans.plans[0].id, &rin, &review, &f->err),
        0);
    assert_int_equal(app_list_plans(&f->app, &f->cm_a, f->person, &plans, &f->err), 0);
    assert_false(plans.status[0].due);
    assert_int_equal(plans.status[0].due_on, D("2027-01-30"));
    /* The interval is the policy's. */
    f->app.policy.plan_review_days = 10;
    f->app.today = D("2026-11-11");
    assert_int_equal(app_list_plans(&f->app, &f->cm_a, f->person, &plans, &f->err), 0);
    assert_true(plans.status[0].due);
    app_person_plans_cleanup(&plans);
}

static void
test_one_open_plan_per_person(void **state)
{
    struct fixture *f = *state;
    struct plan_input in = {"IEP", "2026-11-01", NULL, false};
    struct case_plan plan;

    enroll(f, &f->cm_a, f->person, "ADULT", "2026-09-01");
    int64_t first = make_plan(f, "IEP", "2026-09-10");
    assert_int_equal(app_create_plan(&f->app, &f->cm_a, f->person, &in, &plan, &f->err),
                     BR_ECONFLICT);
    char named[32];
    snprintf(named, sizeof(named), "plan %lld", (long long)first);
    assert_non_null(strstr(f->err.message, named));
    assert_non_null(strstr(f->err.message, "open"));
    assert_int_equal(count(f, "SELECT count(*) FROM plans"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'plan.create'"), 1);
}

static void
test_plan_kind_follows_enrollment(void **state)
{
    struct fixture *f = *state;
    struct plan_input iss = {"ISS", "2026-11-01", NULL, false};
    struct plan_input iep = {"IEP", "2026-11-01", NULL, false};
    struct case_plan plan;

    /* No determination yet: no plan of either kind. */
    assert_int_equal(app_create_plan(&f->app, &f->cm_a, f->person, &iep, &plan, &f->err),
                     BR_EINVAL);
    assert_non_null(strstr(field(&f->err, "kind")->problem, "no eligibility"));
    enroll(f, &f->cm_a, f->person, "ADULT", "2026-10-01");
    br_error_clear(&f->err);
    assert_int_equal(app_create_plan(&f->app, &f->cm_a, f->person, &iss, &plan, &f->err),
                     BR_EINVAL);
    assert_non_null(strstr(field(&f->err, "kind")->problem, "YOUTH"));
    assert_int_equal(count(f, "SELECT count(*) FROM plans"), 0);

    /* A youth gets an ISS. */
    int64_t youth = register_as(f, &f->cm_a, "Dee", NULL);
    enroll(f, &f->cm_a, youth, "YOUTH", "2026-10-01");
    br_error_clear(&f->err);
    assert_int_equal(app_create_plan(&f->app, &f->cm_a, youth, &iss, &plan, &f->err), 0);
    assert_int_equal(plan.kind, PLAN_ISS);
}

static void
test_plan_and_goal_fields_are_validated(void **state)
{
    struct fixture *f = *state;
    struct plan_input bad = {"CAREER_MAP", "2026-11-24", "2026-11-01", false};
    struct plan_input unsigned_copy = {"IEP", "2026-11-01", NULL, true};
    struct case_plan plan;
    struct goal goal;

    enroll(f, &f->cm_a, f->person, "ADULT", "2026-10-01");
    assert_int_equal(app_create_plan(&f->app, &f->cm_a, f->person, &bad, &plan, &f->err),
                     BR_EINVAL);
    assert_non_null(field(&f->err, "kind"));
    assert_non_null(strstr(field(&f->err, "created_on")->problem, "after today"));
    br_error_clear(&f->err);
    assert_int_equal(app_create_plan(&f->app, &f->cm_a, f->person, &unsigned_copy, &plan, &f->err),
                     BR_EINVAL);
    assert_non_null(strstr(field(&f->err, "copy_given")->problem, "signed_on"));
    struct plan_input early = {"IEP", "2026-11-10", "2026-11-01", false};
    br_error_clear(&f->err);
    assert_int_equal(app_create_plan(&f->app, &f->cm_a, f->person, &early, &plan, &f->err),
                     BR_EINVAL);
    assert_non_null(strstr(field(&f->err, "signed_on")->problem, "before created_on"));
    assert_int_equal(count(f, "SELECT count(*) FROM plans"), 0);

    int64_t id = make_plan(f, "IEP", "2026-11-01");
    struct goal_input g = {"WORLD_PEACE", "  ", "2026-10-01"};
    br_error_clear(&f->err);
    assert_int_equal(app_add_goal(&f->app, &f->cm_a, f->person, id, &g, &goal, &f->err), BR_EINVAL);
    assert_non_null(field(&f->err, "type"));
    assert_non_null(field(&f->err, "description"));
    /* The target is checked against the plan once it is loaded. */
    struct goal_input early_goal = {"CREDENTIAL", "Welding certificate", "2026-10-01"};
    br_error_clear(&f->err);
    assert_int_equal(app_add_goal(&f->app, &f->cm_a, f->person, id, &early_goal, &goal, &f->err),
                     BR_EINVAL);
    assert_non_null(strstr(field(&f->err, "target_date")->problem, "before the plan's creation"));
    br_error_clear(&f->err);
    assert_int_equal(
        app_add_goal(&f->app, &f->cm_a, f->person, id + 50, &early_goal, &goal, &f->err),
        BR_ENOTFOUND);
    struct review_input empty = {"2026-11-02", ""};
    struct plan_review review;
    br_error_clear(&f->err);
    assert_int_equal(app_review_plan(&f->app, &f->cm_a, f->person, id, &empty, &review, &f->err),
                     BR_EINVAL);
    assert_non_null(field(&f->err, "note"));
    assert_int_equal(count(f, "SELECT count(*) FROM goals"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM plan_reviews"), 0);
}

static void
test_close_a_goal(void **state)
{
    struct fixture *f = *state;
    struct person_plans plans = {0};

    enroll(f, &f->cm_a, f->person, "ADULT", "2026-09-01");
    int64_t plan = make_plan(f, "IEP", "2026-09-10");
    int64_t goal = add_goal(f, plan, "CREDENTIAL", "2027-01-31");
    assert_int_equal(
        app_close_goal(&f->app, &f->cm_a, f->person, goal, "open", "2026-11-20", &f->err),
        BR_EINVAL);
    assert_non_null(field(&f->err, "status"));
    br_error_clear(&f->err);
    assert_int_equal(
        app_close_goal(&f->app, &f->cm_a, f->person, goal, "attained", "2026-09-01", &f->err),
        BR_EINVAL);
    assert_non_null(strstr(field(&f->err, "closed_on")->problem, "before the plan's creation"));
    br_error_clear(&f->err);
    assert_int_equal(
        app_close_goal(&f->app, &f->cm_a, f->person, goal, "attained", "2026-11-20", &f->err), 0);
    br_error_clear(&f->err);
    assert_int_equal(
        app_close_goal(&f->app, &f->cm_a, f->person, goal, "not_attained", "2026-11-21", &f->err),
        BR_ECONFLICT);
    assert_int_equal(app_list_plans(&f->app, &f->cm_a, f->person, &plans, &f->err), 0);
    assert_int_equal(plans.goals[0].status, GOAL_ATTAINED);
    assert_int_equal(plans.goals[0].closed_on, D("2026-11-20"));
    assert_int_equal(audited(f, "goal.close", &f->cm_a, "\"attained\""), 1);
    app_person_plans_cleanup(&plans);
}

static void
test_plan_access_across_agencies(void **state)
{
    struct fixture *f = *state;
    struct person_plans plans = {0};
    struct goal_input g = {"EDUCATION", "Enroll in the GED class", "2027-02-01"};
    struct goal goal;

    enroll(f, &f->cm_a, f->person, "ADULT", "2026-09-01");
    int64_t plan = make_plan(f, "IEP", "2026-09-10");
    /* Without a plans consent, another agency neither sees nor changes the plan. */
    assert_int_equal(app_add_goal(&f->app, &f->cm_b, f->person, plan, &g, &goal, &f->err),
                     BR_EFORBIDDEN);
    assert_int_equal(audited(f, "disclosure.refuse", &f->cm_b, "\"purpose\":\"plans\""), 1);
    assert_int_equal(consent(f, f->agency_b, "plans", "2026-11-01", "2027-11-01", NULL), 0);
    /* With it, B's case manager adds to the shared plan; B's partner staff only read it. */
    br_error_clear(&f->err);
    assert_int_equal(app_add_goal(&f->app, &f->cm_b, f->person, plan, &g, &goal, &f->err), 0);
    br_error_clear(&f->err);
    assert_int_equal(app_list_plans(&f->app, &f->partner_b, f->person, &plans, &f->err), 0);
    assert_int_equal(plans.n_goals, 1);
    br_error_clear(&f->err);
    assert_int_equal(app_add_goal(&f->app, &f->partner_b, f->person, plan, &g, &goal, &f->err),
                     BR_EFORBIDDEN);
    br_error_clear(&f->err);
    assert_int_equal(app_list_plans(&f->app, &f->analyst, f->person, &plans, &f->err),
                     BR_EFORBIDDEN);
    assert_int_equal(count(f, "SELECT count(*) FROM goals"), 1);
    app_person_plans_cleanup(&plans);
}

static void
test_plan_closes_at_exit_with_goals_decided(void **state)
{
    struct fixture *f = *state;
    struct person_plans plans = {0};
    struct plan_exit_result result;
    struct outcome out;
    struct outcome_input job = {.kind = "employment",
                                .quarter = "2026-Q3",
                                .has_earnings = true,
                                .earnings_cents = 1250000,
                                .employer_id = "12-3456789",
                                .source = "wage_record"};

    enroll(f, &f->cm_a, f->person, "ADULT", "2026-05-01");
    int64_t plan = make_plan(f, "IEP", "2026-05-10");
    int64_t employment = add_goal(f, plan, "EMPLOYMENT", "2026-12-31");
    int64_t credential = add_goal(f, plan, "CREDENTIAL", "2026-12-31");
    int64_t readiness = add_goal(f, plan, "WORK_READINESS", "2026-08-31");
    int64_t done = add_goal(f, plan, "OTHER", "2026-08-31");
    assert_int_equal(
        app_close_goal(&f->app, &f->cm_a, f->person, done, "not_attained", "2026-09-01", &f->err),
        0);
    assert_int_equal(app_record_outcome(&f->app, &f->cm_a, f->person, &job, &out, &f->err), 0);

    /* A decision about a goal that is not open is refused, and nothing changes. */
    struct goal_decision wrong[] = {{done, "attained"}, {readiness, "maybe"}};
    assert_int_equal(app_close_plan_at_exit(&f->app, &app_system_actor, f->person, D("2026-10-15"),
                                            wrong, 2, &result, &f->err),
                     BR_EINVAL);
    assert_non_null(field(&f->err, "decisions[0].goal_id"));
    assert_non_null(field(&f->err, "decisions[1].status"));
    assert_int_equal(count(f, "SELECT count(*) FROM plans WHERE closed_on IS NULL"), 1);

    struct goal_decision staff[] = {{readiness, "attained"}};
    br_error_clear(&f->err);
    assert_int_equal(app_close_plan_at_exit(&f->app, &app_system_actor, f->person, D("2026-10-15"),
                                            staff, 1, &result, &f->err),
                     0);
    assert_int_equal(result.plan_id, plan);
    assert_int_equal(result.n_attained, 2);
    assert_int_equal(result.n_not_attained, 1);
    assert_int_equal(app_list_plans(&f->app, &f->cm_a, f->person, &plans, &f->err), 0);
    assert_int_equal(plans.plans[0].closed_on, D("2026-10-15"));
    assert_false(plans.status[0].due); /* a closed plan is never due */
    for (size_t i = 0; i < plans.n_goals; i++) {
        const struct goal *g = &plans.goals[i];
        if (g->id == employment) /* employment in 2026-Q3: the wage record shows it */
            assert_int_equal(g->status, GOAL_ATTAINED);
        else if (g->id == credential) /* no credential on record */
            assert_int_equal(g->status, GOAL_NOT_ATTAINED);
        else if (g->id == readiness) /* the staff's word */
            assert_int_equal(g->status, GOAL_ATTAINED);
        if (g->id == done) /* closed before: untouched */
            assert_int_equal(g->closed_on, D("2026-09-01"));
        else
            assert_int_equal(g->closed_on, D("2026-10-15"));
    }
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log WHERE action = 'plan.close_at_exit' "
                              "AND after LIKE '%\"by\":\"outcome\"%' "
                              "AND after LIKE '%\"by\":\"staff\"%'"),
                     1);

    /* Idempotent: nothing open is left to close. */
    br_error_clear(&f->err);
    assert_int_equal(app_close_plan_at_exit(&f->app, &app_system_actor, f->person, D("2026-10-15"),
                                            NULL, 0, &result, &f->err),
                     0);
    assert_int_equal(result.plan_id, 0);

    /* A plan begun after the exit date belongs to the next period and stays open. */
    int64_t next = make_plan(f, "IEP", "2026-11-01");
    br_error_clear(&f->err);
    assert_int_equal(app_close_plan_at_exit(&f->app, &app_system_actor, f->person, D("2026-10-15"),
                                            NULL, 0, &result, &f->err),
                     0);
    assert_int_equal(result.plan_id, 0);
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM plans WHERE id = %lld AND closed_on IS NULL",
             (long long)next);
    assert_int_equal(count(f, sql), 1);
    /* Partner staff cannot close plans. */
    br_error_clear(&f->err);
    assert_int_equal(app_close_plan_at_exit(&f->app, &f->partner_b, f->person, D(TODAY), NULL, 0,
                                            &result, &f->err),
                     BR_EFORBIDDEN);
    app_person_plans_cleanup(&plans);
}

/* ---- outcomes ----------------------------------------------------------------------------------
 */

static void
test_outcomes_of_each_kind(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    struct outcome_list list = {0};
    struct outcome_input in[] = {
        {.kind = "employment",
         .quarter = "2026-Q3",
         .has_earnings = true,
         .earnings_cents = 980000,
         .employer_id = "12-3456789",
         .source = "supplemental"},
        {.kind = "credential", .date = "2026-08-15", .type = "OCCUPATIONAL_CERTIFICATE"},
        {.kind = "skill_gain", .date = "2026-06-30", .type = "EFL_GAIN"},
        {.kind = "education", .date = "2026-09-01", .type = "POSTSECONDARY_EDUCATION"},
    };
    for (size_t i = 0; i < 4; i++) {
        br_error_clear(&f->err);
        assert_int_equal(app_record_outcome(&f->app, &f->cm_a, f->person, &in[i], &out, &f->err),
                         0);
    }
    assert_int_equal(app_list_outcomes(&f->app, &f->analyst, f->person, &list, &f->err), 0);
    assert_int_equal(list.n, 4);
    /* In date order: the skill gain, the employment quarter (from 2026-07-01), ... */
    assert_int_equal(list.items[0].kind, OUTCOME_SKILL_GAIN);
    assert_int_equal(list.items[1].kind, OUTCOME_EMPLOYMENT);
    assert_int_equal(list.items[1].outcome_on, D("2026-07-01"));
    assert_int_equal(list.items[1].quarter, 3);
    assert_int_equal(list.items[1].earnings_cents, 980000);
    assert_string_equal(list.items[1].employer_id, "12-3456789");
    assert_string_equal(list.items[1].source, "supplemental");
    assert_int_equal(list.items[2].kind, OUTCOME_CREDENTIAL);
    assert_string_equal(list.items[2].detail_type, "OCCUPATIONAL_CERTIFICATE");
    assert_int_equal(list.items[2].earnings_cents, OUTCOME_NO_EARNINGS);
    assert_int_equal(audited(f, "outcome.record", &f->cm_a, "skill_gain"), 1);
    free(list.items);
}

static void
test_outcome_fields_are_validated_by_kind(void **state)
{
    struct fixture *f = *state;
    struct outcome out;
    struct outcome_input job = {.kind = "employment",
                                .quarter = "2027-Q1",
                                .date = "2026-01-01",
                                .employer_id = "ACME CORP",
                                .source = "rumour",
                                .type = "EFL_GAIN"};
    assert_int_equal(app_record_outcome(&f->app, &f->cm_a, f->person, &job, &out, &f->err),
                     BR_EINVAL);
    assert_non_null(strstr(field(&f->err, "quarter")->problem, "not begun"));
    assert_non_null(field(&f->err, "earnings_cents"));
    assert_non_null(field(&f->err, "employer_id"));
    assert_non_null(field(&f->err, "source"));
    assert_non_null(strstr(field(&f->err, "date")->problem, "by quarter"));
    assert_non_null(field(&f->err, "type"));

    struct outcome_input q = {.kind = "employment",
                              .quarter = "2026-Q5",
                              .has_earnings = true,
                              .earnings_cents = -1,
                              .employer_id = "1",
                              .source = "wage_record"};
    br_error_clear(&f->err);
    assert_int_equal(app_record_outcome(&f->app, &f->cm_a, f->person, &q, &out, &f->err),
                     BR_EINVAL);
    assert_non_null(strstr(field(&f->err, "quarter")->problem, "YYYY-Qn"));
    assert_non_null(field(&f->err, "earnings_cents"));

    struct outcome_input cred = {.kind = "credential",
                                 .date = "2026-12-01",
                                 .type = "DIPLOMA",
                                 .has_earnings = true,
                                 .earnings_cents = 5};
    br_error_clear(&f->err);
    assert_int_equal(app_record_outcome(&f->app, &f->cm_a, f->person, &cred, &out, &f->err),
                     BR_EINVAL);
    assert_non_null(strstr(field(&f->err, "date")->problem, "after today"));
    assert_non_null(strstr(field(&f->err, "type")->problem, "SECONDARY_DIPLOMA"));
    assert_non_null(strstr(field(&f->err, "earnings_cents")->problem, "only to employment"));

    struct outcome_input kind = {.kind = "happiness"};
    br_error_clear(&f->err);
    assert_int_equal(app_record_outcome(&f->app, &f->cm_a, f->person, &kind, &out, &f->err),
                     BR_EINVAL);
    assert_non_null(field(&f->err, "kind"));
    assert_int_equal(count(f, "SELECT count(*) FROM outcomes"), 0);

    /* Only a serving agency records outcomes. */
    struct outcome_input gain = {.kind = "skill_gain", .date = "2026-11-01", .type = "EFL_GAIN"};
    br_error_clear(&f->err);
    assert_int_equal(app_record_outcome(&f->app, &f->cm_b, f->person, &gain, &out, &f->err),
                     BR_EFORBIDDEN);
    assert_int_equal(count(f, "SELECT count(*) FROM outcomes"), 0);
}

/* ---- a failed call writes nothing ----------------------------------------------------------- */

static void
test_failed_calls_write_nothing(void **state)
{
    struct fixture *f = *state;
    struct case_plan plan;
    struct goal goal;
    struct outcome out;
    struct plan_exit_result result;

    enroll(f, &f->cm_a, f->person, "ADULT", "2026-09-01");
    int64_t plan_id = make_plan(f, "IEP", "2026-09-10");
    assert_int_equal(assess(f, &f->cm_a, "TABE", "2026-09-15"), 0);
    long rows = data_rows(f);
    long last_audit = count(f, "SELECT max(id) FROM audit_log");
    long last_read = count(f, "SELECT coalesce(max(id), 0) FROM reads.read_log");

    /* Refused, invalid, conflicting, or about nobody: */
    assert_int_equal(assess(f, &f->analyst, "CASAS", "2026-11-01"), BR_EFORBIDDEN);
    assert_int_equal(assess(f, &f->cm_a, "TABE", "2026-11-01"), BR_ECONFLICT);
    assert_int_equal(consent(f, f->agency_b, "everything", "2026-11-01", "2027-01-01", NULL),
                     BR_EINVAL);
    struct plan_input again = {"IEP", "2026-11-01", NULL, false};
    br_error_clear(&f->err);
    assert_int_equal(app_create_plan(&f->app, &f->cm_a, f->person, &again, &plan, &f->err),
                     BR_ECONFLICT);
    struct goal_input g = {"EMPLOYMENT", "Work", "2027-01-01"};
    br_error_clear(&f->err);
    assert_int_equal(app_add_goal(&f->app, &f->partner_c, f->person, plan_id, &g, &goal, &f->err),
                     BR_EFORBIDDEN);
    br_error_clear(&f->err);
    assert_int_equal(app_add_goal(&f->app, &f->cm_a, f->person + 1000, plan_id, &g, &goal, &f->err),
                     BR_ENOTFOUND);
    struct outcome_input bad = {.kind = "credential", .date = "2026-11-01", .type = "NOPE"};
    br_error_clear(&f->err);
    assert_int_equal(app_record_outcome(&f->app, &f->cm_a, f->person, &bad, &out, &f->err),
                     BR_EINVAL);
    br_error_clear(&f->err);
    assert_int_equal(app_close_plan_at_exit(&f->app, &f->analyst, f->person, D("2026-11-01"), NULL,
                                            0, &result, &f->err),
                     BR_EFORBIDDEN);

    assert_int_equal(data_rows(f), rows);
    assert_int_equal(count(f, "SELECT count(*) FROM plans WHERE closed_on IS NOT NULL"), 0);
    /* What was added to the log is only the access decisions: no record of a change.  They are
     * the decisions of changes, kept with the changes; the log of reads has nothing new. */
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM audit_log WHERE id > %ld "
             "AND action NOT IN ('access.refuse', 'disclosure.refuse', 'disclosure.allow')",
             last_audit);
    assert_int_equal(count(f, sql), 0);
    assert_true(count(f, "SELECT max(id) FROM audit_log") > last_audit);
    assert_int_equal(count(f, "SELECT coalesce(max(id), 0) FROM reads.read_log"), last_read);
}

/* ---- the pure decision table ------------------------------------------------------------------
 */

static void
test_access_decisions_table(void **state)
{
    (void)state;
    struct access_basis b = {.role = ACCESS_ROLE_CASE_MANAGER, .agency_id = 7};
    struct access_decision d;

    access_decide(&b, ACCESS_CASE_NOTES, ACCESS_READ, &d);
    assert_false(d.allowed);
    assert_string_equal(d.basis, "no_consent");
    b.consent_id[CONSENT_CASE_NOTES] = 42;
    access_decide(&b, ACCESS_CASE_NOTES, ACCESS_READ, &d);
    assert_true(d.allowed);
    assert_int_equal(d.consent_id, 42);
    access_decide(&b, ACCESS_CONTACTS, ACCESS_READ, &d); /* contacts share as case notes */
    assert_true(d.allowed);
    access_decide(&b, ACCESS_REFERRALS, ACCESS_READ, &d);
    assert_false(d.allowed);
    access_decide(&b, ACCESS_SENSITIVE, ACCESS_READ, &d); /* consent never opens these */
    assert_false(d.allowed);
    assert_string_equal(d.basis, "not_serving");
    b.serving = true;
    access_decide(&b, ACCESS_SENSITIVE, ACCESS_READ, &d);
    assert_true(d.allowed);
    access_decide(&b, ACCESS_AUDIT_LOG, ACCESS_READ, &d);
    assert_false(d.allowed);
    access_decide(&b, ACCESS_SSN, ACCESS_WRITE, &d);
    assert_false(d.allowed);
    b.role = ACCESS_ROLE_PARTNER_STAFF; /* consent-only, even at a serving agency */
    b.consent_id[CONSENT_CASE_NOTES] = 0;
    access_decide(&b, ACCESS_CASE_NOTES, ACCESS_READ, &d);
    assert_false(d.allowed);
    access_decide(&b, ACCESS_ASSESSMENTS, ACCESS_WRITE, &d);
    assert_true(d.allowed);
    b.role = ACCESS_ROLE_SYSTEM;
    access_decide(&b, ACCESS_SSN, ACCESS_READ, &d);
    assert_false(d.allowed);
    access_decide(&b, ACCESS_PLANS, ACCESS_WRITE, &d);
    assert_true(d.allowed);
    assert_string_equal(access_area_name(ACCESS_SCREEN), "eligibility_screen");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_consent_recorded_listed_and_audited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_fields_are_validated_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only_a_serving_agency_records_consent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_revoke_consent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_changes_answer_is_audited_as_a_read, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_partner_without_consent_is_refused_and_the_refusal_audited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_for_case_notes_shows_notes_but_not_assessments,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_after_revoke_the_partner_is_refused_again, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expired_or_future_consent_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_serving_agency_case_managers_see_all_notes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_confidential_note_stays_within_its_agency, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_contacts_follow_the_case_notes_consent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_serving_by_enrollment_or_service, setup, teardown),
        cmocka_unit_test_setup_teardown(test_analyst_never_sees_notes_or_sensitive_facts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sensitive_facts_only_for_serving_case_managers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_admin_and_unknown_roles_see_no_case_data, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_auditor_reads_with_the_audit_log_and_changes_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_reveal_ssn_is_audited_with_its_reason, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_eligibility_screen_of_a_person, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assessment_recorded_and_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assessment_fields_are_validated_by_name, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_current_assessment_is_not_repeated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assessment_currency_window_boundary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_goals_reviews_and_listing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_review_due_after_plan_review_days, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_one_open_plan_per_person, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_kind_follows_enrollment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_and_goal_fields_are_validated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_a_goal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_access_across_agencies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_closes_at_exit_with_goals_decided, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_outcomes_of_each_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outcome_fields_are_validated_by_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_calls_write_nothing, setup, teardown),
        cmocka_unit_test(test_access_decisions_table),
    };
    return cmocka_run_group_tests_name("records", tests, NULL, NULL);
}
