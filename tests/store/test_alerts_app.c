/* test_alerts_app.c — src/app/alerts_app.c over a real SQLite database: a person's alerts as
 * the access rules let each reader see them (what is withheld is not computed, and every
 * decision is audited), and an agency's caseload ranked by urgency, paged, for its case
 * managers and supervisors only (RULES.md §8, §11). */
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/access.h"
#include "app/alerts_app.h"
#include "app/app.h"
#include "app/records.h"
#include "app/users.h"

#define TODAY "2026-11-23"

struct fixture {
    char dir[64];
    char db[128];
    struct app app;
    int64_t agency_a, agency_b;
    struct actor cm_a, sup_a, partner_b, admin;
    int64_t ana, ben; /* registered and served by agency A */
    struct alert_list alerts;
    struct br_error err;
};

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
register_as(struct fixture *f, const struct actor *actor, const char *first, const char *last)
{
    struct stored_person p = {0};
    int64_t dups[2];
    size_t n_dups = 0;
    snprintf(p.facts.first_name, sizeof(p.facts.first_name), "%s", first);
    snprintf(p.facts.last_name, sizeof(p.facts.last_name), "%s", last);
    p.facts.birth_on = D("1990-05-17");
    p.facts.sex = SEX_FEMALE;
    br_error_clear(&f->err);
    assert_int_equal(app_register_person(&f->app, actor, &p, NULL, dups, 2, &n_dups, &f->err), 0);
    return p.id;
}

static void
enroll(struct fixture *f, int64_t person, const char *program, const char *on)
{
    struct enrollment e = {.program = catalog_program_index(&f->app.catalog, program),
                           .eligibility_on = D(on)};
    br_error_clear(&f->err);
    assert_int_equal(app_determine_eligibility(&f->app, &f->cm_a, person, &e, "{}", &f->err), 0);
}

static int64_t
serve(struct fixture *f, int64_t person, const char *program, const char *code, const char *on)
{
    struct service s = {.program = catalog_program_index(&f->app.catalog, program),
                        .code = catalog_service_index(&f->app.catalog, code),
                        .start_on = D(on),
                        .end_on = D(on),
                        .projected_end_on = DATE_NONE};
    struct service_detail detail = {.staff_id = f->cm_a.user_id};
    br_error_clear(&f->err);
    assert_int_equal(app_record_service(&f->app, &f->cm_a, person, &s, &detail, NULL, &f->err), 0);
    return s.id;
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/braid-alerts-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/braid.db", f->dir);
    setenv("BRAID_TODAY", TODAY, 1);
    br_error_clear(&f->err);
    assert_int_equal(app_init_database(f->db, "data/catalog.json", &f->err), 0);
    assert_int_equal(app_open(&f->app, f->db, &f->err), 0);
    assert_int_equal(
        app_agency_add(&f->app, &app_system_actor, "AJC", "AJC", &f->agency_a, &f->err), 0);
    assert_int_equal(
        app_agency_add(&f->app, &app_system_actor, "ADULT_ED", "ADULT_ED", &f->agency_b, &f->err),
        0);
    f->cm_a = add_user(f, "cm.a@ajc.gov", "case_manager", "AJC", f->agency_a);
    f->sup_a = add_user(f, "sup.a@ajc.gov", "supervisor", "AJC", f->agency_a);
    f->partner_b = add_user(f, "staff.b@adulted.org", "partner_staff", "ADULT_ED", f->agency_b);
    f->admin = add_user(f, "admin@state.gov", "admin", "AJC", f->agency_a);

    /* Ana: ADULT and WP; last service 2026-09-01 (soft exit 2026-12-01); no note for it. */
    f->ana = register_as(f, &f->cm_a, "Ana", "Alpha");
    enroll(f, f->ana, "WP", "2026-08-03");
    enroll(f, f->ana, "ADULT", "2026-08-03");
    serve(f, f->ana, "ADULT", "CASE_MANAGEMENT", "2026-09-01");
    /* Ben: registered only. */
    f->ben = register_as(f, &f->cm_a, "Ben", "Beta");
    alert_list_init(&f->alerts);
    br_error_clear(&f->err);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char path[256];
    alert_list_cleanup(&f->alerts);
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

/* One number from a query on a connection of its own, with the log of reads (PATH-reads)
 * attached as "reads", once this process's reads are in it. */
static long
count(struct fixture *f, const char *sql)
{
    reads_flushed(f->app.store);
    return file_count_with_reads(f->db, sql);
}

/* Entries of the decisions of reads (alerts and caseloads are reads): in the log of reads. */
static long
audited(struct fixture *f, const char *action, const struct actor *by, int64_t person,
        const char *area)
{
    char sql[512];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM reads.read_log WHERE action = '%s' AND user_id = %lld "
             "AND person_id = %lld AND after LIKE '%%\"area\":\"%s\"%%'",
             action, (long long)by->user_id, (long long)person, area);
    return count(f, sql);
}

static const struct alert *
find(const struct alert_list *list, enum alert_kind kind)
{
    for (size_t i = 0; i < list->n; i++)
        if (list->items[i].kind == kind)
            return &list->items[i];
    return NULL;
}

static int
alerts_of(struct fixture *f, const struct actor *by, int64_t person, const char *as_of,
          unsigned *withheld)
{
    br_error_clear(&f->err);
    return app_person_alerts(&f->app, by, person, D(as_of), &f->alerts, withheld, &f->err);
}

/* ---- a person's alerts ---------------------------------------------------------------------- */

static void
test_serving_case_manager_sees_everything(void **state)
{
    struct fixture *f = *state;
    unsigned withheld = 1;
    long changes = count(f, "SELECT count(*) FROM audit_log");

    assert_int_equal(alerts_of(f, &f->cm_a, f->ana, TODAY, &withheld), 0);
    assert_int_equal(withheld, 0);
    assert_int_equal(f->alerts.items[0].kind, ALERT_EXIT_COUNTDOWN);
    assert_int_equal(f->alerts.items[0].due_on, D("2026-12-01"));
    assert_non_null(find(&f->alerts, ALERT_NOTE_MISSING));
    assert_non_null(find(&f->alerts, ALERT_DISENGAGED));
    /* Each part of the record it read is on the audit log. */
    const char *areas[] = {"case_file", "case_notes", "contacts", "plans", "eligibility_screen"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(audited(f, "disclosure.allow", &f->cm_a, f->ana, areas[i]) +
                             audited(f, "access.allow", &f->cm_a, f->ana, areas[i]),
                         1);
    /* ... the log of reads: the database's audit_log, of changes, is as it was. */
    assert_int_equal(count(f, "SELECT count(*) FROM audit_log"), changes);
}

static void
test_partner_under_consent_sees_what_is_shared(void **state)
{
    struct fixture *f = *state;
    unsigned withheld = 0;
    const char *purposes[] = {"case_notes"};
    struct consent_input in = {f->agency_b, purposes, 1, "2026-11-01", "2027-10-31"};
    struct consent c;

    /* Without consent: the case file is not theirs to read. */
    assert_int_equal(alerts_of(f, &f->partner_b, f->ana, TODAY, &withheld), BR_EFORBIDDEN);
    assert_int_equal(f->alerts.n, 0);
    assert_int_equal(audited(f, "disclosure.refuse", &f->partner_b, f->ana, "case_file"), 1);

    br_error_clear(&f->err);
    assert_int_equal(app_record_consent(&f->app, &f->cm_a, f->ana, &in, &c, &f->err), 0);
    assert_int_equal(alerts_of(f, &f->partner_b, f->ana, TODAY, &withheld), 0);
    /* Case notes (and so contacts and the case file) are shared; plans and the screen are not. */
    assert_true(withheld & ALERTS_WITHHELD_BIT(ACCESS_PLANS));
    assert_true(withheld & ALERTS_WITHHELD_BIT(ACCESS_SCREEN));
    assert_false(withheld & ALERTS_WITHHELD_BIT(ACCESS_CASE_NOTES));
    assert_non_null(find(&f->alerts, ALERT_NOTE_MISSING));
    assert_non_null(find(&f->alerts, ALERT_EXIT_COUNTDOWN));
    assert_int_equal(audited(f, "disclosure.refuse", &f->partner_b, f->ana, "plans"), 1);
}

static void
test_plan_review_from_the_stored_plan(void **state)
{
    struct fixture *f = *state;
    unsigned withheld = 0;
    struct plan_input plan = {.kind = "IEP", .created_on = "2026-08-10"};
    struct case_plan out;

    br_error_clear(&f->err);
    assert_int_equal(app_create_plan(&f->app, &f->cm_a, f->ana, &plan, &out, &f->err), 0);
    assert_int_equal(alerts_of(f, &f->cm_a, f->ana, TODAY, &withheld), 0);
    const struct alert *a = find(&f->alerts, ALERT_PLAN_REVIEW);
    assert_non_null(a);
    assert_int_equal(a->plan_id, out.id);
    /* An administrator sees no case data at all. */
    assert_int_equal(alerts_of(f, &f->admin, f->ana, TODAY, &withheld), BR_EFORBIDDEN);
}

static void
test_unknown_person_and_bad_date(void **state)
{
    struct fixture *f = *state;
    unsigned withheld = 0;

    assert_int_equal(alerts_of(f, &f->cm_a, 424242, TODAY, &withheld), BR_ENOTFOUND);
    br_error_clear(&f->err);
    assert_int_equal(
        app_person_alerts(&f->app, &f->cm_a, f->ana, DATE_NONE, &f->alerts, &withheld, &f->err),
        BR_EINVAL);
    assert_string_equal(f->err.fields[0].field, "as_of");
}

/* ---- the caseload ------------------------------------------------------------------------------
 */

static void
test_caseload_ranks_and_pages(void **state)
{
    struct fixture *f = *state;
    struct caseload c;

    memset(&c, 0, sizeof(c));
    /* Carl's clock has fewer days left than Ana's: he comes first. */
    int64_t carl = register_as(f, &f->cm_a, "Carl", "Gamma");
    enroll(f, carl, "WP", "2026-08-03");
    serve(f, carl, "WP", "STAFF_JOB_SEARCH", "2026-08-28");

    br_error_clear(&f->err);
    assert_int_equal(app_caseload(&f->app, &f->sup_a, D(TODAY), 10, 0, &c, &f->err), 0);
    assert_int_equal(c.total, 3);
    assert_int_equal(c.n_people, 3);
    assert_int_equal(c.people[0].person_id, carl);
    assert_int_equal(c.people[1].person_id, f->ana);
    assert_int_equal(c.people[2].person_id, f->ben);
    assert_int_equal(c.people[2].n_alerts, 0);
    assert_string_equal(c.people[1].last_name, "Alpha");
    const struct alert *first = &c.alerts.items[c.people[0].first_alert];
    assert_int_equal(first->kind, ALERT_EXIT_COUNTDOWN);
    assert_int_equal(first->count, 4); /* 2026-08-28 + 91 = 2026-11-27 */
    assert_int_equal(c.alerts.items[c.people[1].first_alert].count, 8);
    assert_int_equal(c.alerts.n, c.people[0].n_alerts + c.people[1].n_alerts);

    /* A case manager's caseload is the people they serve in person: Ben, only registered, is
     * the agency's (the supervisor's) but not yet cm_a's.  A page in the middle, reusing the
     * struct. */
    assert_int_equal(app_caseload(&f->app, &f->cm_a, D(TODAY), 1, 1, &c, &f->err), 0);
    assert_int_equal(c.total, 2);
    assert_int_equal(c.n_people, 1);
    assert_int_equal(c.people[0].person_id, f->ana);
    assert_int_equal(c.people[0].first_alert, 0);
    assert_int_equal(c.alerts.n, c.people[0].n_alerts);
    /* Only the listed person's records were disclosed (and audited) for this page. */
    assert_int_equal(audited(f, "disclosure.allow", &f->cm_a, carl, "case_notes"), 0);
    assert_int_equal(audited(f, "disclosure.allow", &f->cm_a, f->ana, "case_notes"), 1);

    assert_int_equal(app_caseload(&f->app, &f->cm_a, D(TODAY), 10, 7, &c, &f->err), 0);
    assert_int_equal(c.n_people, 0);
    assert_int_equal(c.total, 2);
    app_caseload_cleanup(&c);
}

/* A case manager's caseload is the people they serve in person — a service, an enrollment or a
 * contact of theirs (the staff indexes) — not everyone the agency serves; when it fits on one
 * page, everyone on it is listed in rank order (and read as listed, audited). */
static void
test_caseload_is_the_case_managers_own(void **state)
{
    struct fixture *f = *state;
    struct caseload c;

    memset(&c, 0, sizeof(c));
    struct actor cm2 = add_user(f, "cm2@ajc.gov", "case_manager", "AJC", f->agency_a);
    br_error_clear(&f->err);
    assert_int_equal(app_caseload(&f->app, &cm2, D(TODAY), 10, 0, &c, &f->err), 0);
    assert_int_equal(c.total, 0);
    assert_int_equal(c.n_people, 0);

    /* cm2 records a contact with Ben: Ben is on cm2's caseload, and only Ben. */
    struct contact contact = {.person_id = f->ben, .staff_id = cm2.user_id,
                              .contacted_on = D("2026-11-20"), .method = CONTACT_PHONE,
                              .responded = true};
    assert_int_equal(app_record_contact(&f->app, &cm2, &contact, &f->err), 0);
    assert_int_equal(app_caseload(&f->app, &cm2, D(TODAY), 10, 0, &c, &f->err), 0);
    assert_int_equal(c.total, 1);
    assert_int_equal(c.people[0].person_id, f->ben);

    /* cm_a's: Carl (4 days left) before Ana (8 days left), on one page. */
    int64_t carl = register_as(f, &f->cm_a, "Carl", "Gamma");
    enroll(f, carl, "WP", "2026-08-03");
    serve(f, carl, "WP", "STAFF_JOB_SEARCH", "2026-08-28");
    assert_int_equal(app_caseload(&f->app, &f->cm_a, D(TODAY), 10, 0, &c, &f->err), 0);
    assert_int_equal(c.total, 2);
    assert_int_equal(c.n_people, 2);
    assert_int_equal(c.people[0].person_id, carl);
    assert_int_equal(c.people[1].person_id, f->ana);
    assert_string_equal(c.people[0].last_name, "Gamma");
    assert_int_equal(c.alerts.items[c.people[0].first_alert].kind, ALERT_EXIT_COUNTDOWN);
    assert_int_equal(c.alerts.items[c.people[0].first_alert].count, 4);
    assert_int_equal(c.alerts.items[c.people[1].first_alert].count, 8);
    assert_int_equal(audited(f, "disclosure.allow", &f->cm_a, carl, "case_notes"), 1);
    assert_int_equal(audited(f, "disclosure.allow", &f->cm_a, f->ben, "case_notes"), 0);
    /* Past the end: nobody listed, nobody read. */
    assert_int_equal(app_caseload(&f->app, &f->cm_a, D(TODAY), 10, 2, &c, &f->err), 0);
    assert_int_equal(c.n_people, 0);
    assert_int_equal(c.total, 2);
    assert_int_equal(audited(f, "disclosure.allow", &f->cm_a, carl, "case_notes"), 1);
    app_caseload_cleanup(&c);
}

/* Paged one at a time — ranked from the stored clocks while the page lies among the exit
 * countdowns, by evaluating everyone past them, or when a clock no longer holds for the day —
 * the caseload is in the same order as on one page, where everyone is evaluated. */
static void
test_caseload_pages_agree(void **state)
{
    struct fixture *f = *state;
    static const char *const days[] = {"2026-10-15", TODAY, "2026-11-26", "2026-11-28",
                                       "2026-12-02"};
    struct caseload whole, one;

    memset(&whole, 0, sizeof(whole));
    memset(&one, 0, sizeof(one));
    int64_t carl = register_as(f, &f->cm_a, "Carl", "Gamma");
    enroll(f, carl, "WP", "2026-08-03");
    serve(f, carl, "WP", "STAFF_JOB_SEARCH", "2026-08-28");
    int64_t dora = register_as(f, &f->cm_a, "Dora", "Delta");
    enroll(f, dora, "WP", "2026-08-03");
    serve(f, dora, "WP", "STAFF_JOB_SEARCH", "2026-09-15");
    for (size_t d = 0; d < sizeof(days) / sizeof(days[0]); d++) {
        br_error_clear(&f->err);
        assert_int_equal(app_caseload(&f->app, &f->sup_a, D(days[d]), 10, 0, &whole, &f->err), 0);
        assert_int_equal(whole.total, 4);
        assert_int_equal(whole.n_people, 4);
        for (int64_t k = 0; k < 4; k++) {
            assert_int_equal(app_caseload(&f->app, &f->sup_a, D(days[d]), 1, k, &one, &f->err), 0);
            assert_int_equal(one.n_people, 1);
            if (one.people[0].person_id != whole.people[k].person_id)
                fail_msg("as of %s, place %lld: person %lld paged, %lld on one page", days[d],
                         (long long)k, (long long)one.people[0].person_id,
                         (long long)whole.people[k].person_id);
            assert_int_equal(one.people[0].n_alerts, whole.people[k].n_alerts);
        }
    }
    /* As of today: Carl (4 days), Ana (8), Dora (22), then Ben. */
    assert_int_equal(app_caseload(&f->app, &f->sup_a, D(TODAY), 10, 0, &whole, &f->err), 0);
    assert_int_equal(whole.people[0].person_id, carl);
    assert_int_equal(whole.people[1].person_id, f->ana);
    assert_int_equal(whole.people[2].person_id, dora);
    assert_int_equal(whole.people[3].person_id, f->ben);
    app_caseload_cleanup(&whole);
    app_caseload_cleanup(&one);
}

/* Pages of three over fourteen people (twelve with exit countdowns due on different days, one
 * without any, Ben only registered) come in the order of one page of all: the ranks kept for a
 * page (from the nearer end of the caseload: the most urgent for the first pages, the least
 * urgent for the last) are placed as everyone's ranked. */
static void
test_caseload_pages_of_many_agree(void **state)
{
    struct fixture *f = *state;
    static const char *const days[] = {TODAY, "2026-12-10"};
    struct caseload whole, page;
    char first[16], service_on[16];

    memset(&whole, 0, sizeof(whole));
    memset(&page, 0, sizeof(page));
    /* Served in an order that is not the order of their countdowns. */
    for (int i = 0; i < 12; i++) {
        snprintf(first, sizeof(first), "P%02d", i);
        snprintf(service_on, sizeof(service_on), "2026-09-%02d", 1 + (i * 7) % 29);
        int64_t id = register_as(f, &f->cm_a, first, "Many");
        enroll(f, id, "WP", "2026-08-03");
        serve(f, id, "WP", "STAFF_JOB_SEARCH", service_on);
    }
    for (size_t d = 0; d < sizeof(days) / sizeof(days[0]); d++) {
        br_error_clear(&f->err);
        assert_int_equal(app_caseload(&f->app, &f->sup_a, D(days[d]), 20, 0, &whole, &f->err), 0);
        assert_int_equal(whole.n_people, 14);
        for (int64_t k = 0; k < 14; k += 3) {
            assert_int_equal(app_caseload(&f->app, &f->sup_a, D(days[d]), 3, k, &page, &f->err), 0);
            assert_int_equal(page.n_people, k + 3 <= 14 ? 3 : 14 - k);
            for (size_t i = 0; i < page.n_people; i++) {
                if (page.people[i].person_id != whole.people[k + (int64_t)i].person_id)
                    fail_msg("as of %s, place %lld: person %lld paged, %lld on one page", days[d],
                             (long long)k + (long long)i, (long long)page.people[i].person_id,
                             (long long)whole.people[k + (int64_t)i].person_id);
            }
        }
    }
    app_caseload_cleanup(&whole);
    app_caseload_cleanup(&page);
}

static void
test_caseload_only_for_an_agencys_staff(void **state)
{
    struct fixture *f = *state;
    struct caseload c;

    memset(&c, 0, sizeof(c));
    br_error_clear(&f->err);
    assert_int_equal(app_caseload(&f->app, &f->partner_b, D(TODAY), 10, 0, &c, &f->err),
                     BR_EFORBIDDEN);
    assert_int_equal(count(f, "SELECT count(*) FROM reads.read_log WHERE action = "
                              "'access.refuse' AND entity = 'agency' AND after LIKE '%caseload%'"),
                     1);
    br_error_clear(&f->err);
    assert_int_equal(app_caseload(&f->app, &f->admin, D(TODAY), 10, 0, &c, &f->err), BR_EFORBIDDEN);
    br_error_clear(&f->err);
    assert_int_equal(app_caseload(&f->app, &app_system_actor, D(TODAY), 10, 0, &c, &f->err),
                     BR_EFORBIDDEN);
    /* Agency B serves nobody: an empty caseload for its case manager. */
    struct actor cm_b = add_user(f, "cm.b@adulted.org", "case_manager", "ADULT_ED", f->agency_b);
    br_error_clear(&f->err);
    assert_int_equal(app_caseload(&f->app, &cm_b, D(TODAY), 10, 0, &c, &f->err), 0);
    assert_int_equal(c.total, 0);
    assert_int_equal(c.n_people, 0);
    /* Pages are bounded. */
    br_error_clear(&f->err);
    assert_int_equal(app_caseload(&f->app, &f->cm_a, D(TODAY), 0, 0, &c, &f->err), BR_EINVAL);
    br_error_clear(&f->err);
    assert_int_equal(app_caseload(&f->app, &f->cm_a, D(TODAY), 101, 0, &c, &f->err), BR_EINVAL);
    br_error_clear(&f->err);
    assert_int_equal(app_caseload(&f->app, &f->cm_a, D(TODAY), 10, -1, &c, &f->err), BR_EINVAL);
    app_caseload_cleanup(&c);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_serving_case_manager_sees_everything),
        T(test_partner_under_consent_sees_what_is_shared),
        T(test_plan_review_from_the_stored_plan),
        T(test_unknown_person_and_bad_date),
        T(test_caseload_ranks_and_pages),
        T(test_caseload_is_the_case_managers_own),
        T(test_caseload_pages_agree),
        T(test_caseload_pages_of_many_agree),
        T(test_caseload_only_for_an_agencys_staff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
