/* test_case_file_access.c — who may read and change a person's case file (access.h
 * ACCESS_CASE_FILE), decided from the basis alone, and the reasons of a manual exit
 * (manual_exit.h). */
#include "testutil.h"

#include <string.h>

#include "app/access.h"
#include "app/manual_exit.h"

static struct access_basis
basis(enum access_role role, bool serving, bool consent)
{
    struct access_basis b;
    memset(&b, 0, sizeof(b));
    b.role = role;
    b.agency_id = 7;
    b.serving = serving;
    if (consent)
        b.consent_id[CONSENT_CASE_NOTES] = 42;
    return b;
}

static bool
allowed(enum access_role role, bool serving, bool consent, enum access_mode mode)
{
    struct access_basis b = basis(role, serving, consent);
    struct access_decision d;
    access_decide(&b, ACCESS_CASE_FILE, mode, &d);
    assert_non_null(d.basis);
    return d.allowed;
}

static void
test_case_file_reads(void **state)
{
    (void)state;
    assert_string_equal(access_area_name(ACCESS_CASE_FILE), "case_file");
    /* Shared as case notes are: a serving agency's staff, or a partner under consent. */
    assert_true(allowed(ACCESS_ROLE_CASE_MANAGER, true, false, ACCESS_READ));
    assert_true(allowed(ACCESS_ROLE_SUPERVISOR, true, false, ACCESS_READ));
    assert_false(allowed(ACCESS_ROLE_CASE_MANAGER, false, false, ACCESS_READ));
    assert_true(allowed(ACCESS_ROLE_CASE_MANAGER, false, true, ACCESS_READ));
    assert_false(allowed(ACCESS_ROLE_PARTNER_STAFF, true, false, ACCESS_READ));
    assert_true(allowed(ACCESS_ROLE_PARTNER_STAFF, false, true, ACCESS_READ));
    /* PIRL data: analysts and auditors read it; administrators see no case data. */
    assert_true(allowed(ACCESS_ROLE_ANALYST, false, false, ACCESS_READ));
    assert_true(allowed(ACCESS_ROLE_AUDITOR, false, false, ACCESS_READ));
    assert_false(allowed(ACCESS_ROLE_ADMIN, true, true, ACCESS_READ));
    assert_false(allowed(ACCESS_ROLE_UNKNOWN, true, true, ACCESS_READ));
    assert_true(allowed(ACCESS_ROLE_SYSTEM, false, false, ACCESS_READ));
}

static void
test_case_file_writes(void **state)
{
    struct access_decision d;
    (void)state;
    /* No wrong door: any agency's case managers enrol and serve. */
    assert_true(allowed(ACCESS_ROLE_CASE_MANAGER, false, false, ACCESS_WRITE));
    assert_true(allowed(ACCESS_ROLE_SUPERVISOR, false, false, ACCESS_WRITE));
    /* Partner staff only under consent, which is a disclosure decision. */
    assert_false(allowed(ACCESS_ROLE_PARTNER_STAFF, true, false, ACCESS_WRITE));
    struct access_basis b = basis(ACCESS_ROLE_PARTNER_STAFF, false, false);
    access_decide(&b, ACCESS_CASE_FILE, ACCESS_WRITE, &d);
    assert_string_equal(d.basis, "no_consent");
    assert_true(allowed(ACCESS_ROLE_PARTNER_STAFF, false, true, ACCESS_WRITE));
    /* Read-only roles change nothing. */
    assert_false(allowed(ACCESS_ROLE_ANALYST, true, true, ACCESS_WRITE));
    assert_false(allowed(ACCESS_ROLE_AUDITOR, true, true, ACCESS_WRITE));
    assert_false(allowed(ACCESS_ROLE_ADMIN, true, true, ACCESS_WRITE));
    assert_true(allowed(ACCESS_ROLE_SYSTEM, false, false, ACCESS_WRITE));
}

static void
test_manual_exit_reasons(void **state)
{
    static const char *const names[] = {"NO_FURTHER_SERVICES", "NO_CONTACT", "INSTITUTIONALIZED",
                                        "HEALTH_MEDICAL",      "DECEASED",   "RESERVE_ACTIVE_DUTY",
                                        "FOSTER_CARE_MOVE",    "INELIGIBLE"};
    enum manual_exit_reason reason;

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        assert_int_equal(manual_exit_reason_parse(names[i], &reason), 0);
        assert_string_equal(manual_exit_reason_name(reason), names[i]);
        /* RULES.md §4: the "other reasons" exclude the exiter from the indicators. */
        assert_int_equal(manual_exit_reason_excludes(reason), i >= 2);
    }
    assert_int_equal(manual_exit_reason_parse("no_contact", &reason), BR_EINVAL);
    assert_int_equal(manual_exit_reason_parse("", &reason), BR_EINVAL);
    assert_int_equal(manual_exit_reason_parse(NULL, &reason), BR_EINVAL);
    assert_string_equal(manual_exit_reason_name(MANUAL_EXIT_REASON_COUNT), "UNKNOWN");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_file_reads),
        cmocka_unit_test(test_case_file_writes),
        cmocka_unit_test(test_manual_exit_reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
