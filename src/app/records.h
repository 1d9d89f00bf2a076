/* records.h — the case-management use cases of RULES.md §9-11: consents to share, assessments,
 * plans (IEP / ISS) with goals and reviews, outcomes, and the reads of a person's record that
 * access.h filters (case notes, contacts, facts, the SSN, the eligibility screen, the audit log).
 *
 * Each is one transaction: begin, load, check access (access.h) and the rules (core/casework.h),
 * write, audit, commit.  Input comes as text, as the API receives it, and every field is
 * validated by name ("assessed_on", "purposes[1]", "decisions[0].status") before anything is
 * written.  A failed call writes nothing but the audit entries of the access decisions it made
 * (a refused disclosure is itself on the record, RULES.md §11).
 *
 * Lists are arrays the caller owns: zero the list struct before the first call, reuse it, and
 * free it with free(list.items) — or the list's cleanup function where one is named. */
#ifndef BRAID_APP_RECORDS_H
#define BRAID_APP_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "core/casework.h"
#include "core/eligibility.h"

/* ---- consents ------------------------------------------------------------------------------ */

struct consent_input {
    int64_t agency_id;           /* the partner agency the person shares with */
    const char *const *purposes; /* each one of case_notes, assessments, plans, referrals */
    size_t n_purposes;
    const char *from;  /* YYYY-MM-DD, first day in force */
    const char *until; /* YYYY-MM-DD, last day in force: not before from, nor before today */
};

struct consent_list {
    struct consent *items;
    size_t n, cap;
};

/* Records a person's consent to share (a serving agency's case manager or supervisor). */
int app_record_consent(struct app *app, const struct actor *actor, int64_t person_id,
                       const struct consent_input *in, struct consent *out, struct br_error *err);
/* Revokes it from today on.  BR_ECONFLICT when it is revoked already. */
int app_revoke_consent(struct app *app, const struct actor *actor, int64_t person_id,
                       int64_t consent_id, struct br_error *err);
int app_list_consents(struct app *app, const struct actor *actor, int64_t person_id,
                      struct consent_list *out, struct br_error *err);

/* ---- assessments ----------------------------------------------------------------------------- */

struct assessment_input {
    const char *type;        /* OBJECTIVE_ASSESSMENT, TABE, CASAS, CAREERSCOPE, NEEDS_BARRIERS */
    const char *assessed_on; /* YYYY-MM-DD, not after today */
    const char *scores;      /* a JSON object of numbers or strings; NULL for {} */
    const char *barriers;    /* a JSON array of distinct strings; NULL for [] */
};

struct assessment_list {
    struct assessment *items;
    size_t n, cap;
};

/* Records a common assessment.  One of a type the person already has, fewer than
 * policy.assessment_current_days apart, is refused (BR_ECONFLICT, on field "type") naming the
 * current one — in detail only to those who may see the person's assessments. */
int app_record_assessment(struct app *app, const struct actor *actor, int64_t person_id,
                          const struct assessment_input *in, struct assessment *out,
                          struct br_error *err);
int app_list_assessments(struct app *app, const struct actor *actor, int64_t person_id,
                         struct assessment_list *out, struct br_error *err);

/* ---- plans, goals, reviews ---------------------------------------------------------------------
 */

struct plan_input {
    const char *kind; /* IEP (a person with an adult program's determination) or ISS (YOUTH) */
    const char *created_on; /* YYYY-MM-DD, not after today */
    const char *signed_on;  /* NULL or YYYY-MM-DD, from created_on to today */
    bool copy_given;        /* needs signed_on */
};

struct goal_input {
    const char *type;        /* EMPLOYMENT, CREDENTIAL, SKILL_GAIN, EDUCATION, ... (casework.h) */
    const char *description; /* 1 to GOAL_DESCRIPTION_SIZE - 1 bytes */
    const char *target_date; /* YYYY-MM-DD, not before the plan was created */
};

struct review_input {
    const char *reviewed_on; /* YYYY-MM-DD, from the plan's creation to today */
    const char *note;        /* 1 to PLAN_REVIEW_NOTE_SIZE - 1 bytes */
};

/* A person's plans with their goals and reviews; status[i] is plans[i]'s review status as of
 * app->today ("review due" after policy.plan_review_days without a review). */
struct person_plans {
    struct case_plan *plans;
    struct plan_review_status *status;
    size_t n_plans, cap_plans, cap_status;
    struct goal *goals;
    size_t n_goals, cap_goals;
    struct plan_review *reviews;
    size_t n_reviews, cap_reviews;
};

void app_person_plans_cleanup(struct person_plans *plans);

/* Creates the person's plan.  One open plan per person: BR_ECONFLICT naming the open one. */
int app_create_plan(struct app *app, const struct actor *actor, int64_t person_id,
                    const struct plan_input *in, struct case_plan *out, struct br_error *err);
/* Records the signature (and that a copy was given) of an open plan. */
int app_sign_plan(struct app *app, const struct actor *actor, int64_t person_id, int64_t plan_id,
                  const char *signed_on, bool copy_given, struct br_error *err);
int app_add_goal(struct app *app, const struct actor *actor, int64_t person_id, int64_t plan_id,
                 const struct goal_input *in, struct goal *out, struct br_error *err);
/* Closes an open goal: status "attained" or "not_attained", closed_on from the plan's creation
 * to today. */
int app_close_goal(struct app *app, const struct actor *actor, int64_t person_id, int64_t goal_id,
                   const char *status, const char *closed_on, struct br_error *err);
/* The same two as the API calls them, with out receiving the plan or the goal as stored after
 * the change; a goal that is not of plan_id is BR_ENOTFOUND. */
int app_sign_plan_returning(struct app *app, const struct actor *actor, int64_t person_id,
                            int64_t plan_id, const char *signed_on, bool copy_given,
                            struct case_plan *out, struct br_error *err);
int app_close_plan_goal(struct app *app, const struct actor *actor, int64_t person_id,
                        int64_t plan_id, int64_t goal_id, const char *status, const char *closed_on,
                        struct goal *out, struct br_error *err);
int app_review_plan(struct app *app, const struct actor *actor, int64_t person_id, int64_t plan_id,
                    const struct review_input *in, struct plan_review *out, struct br_error *err);
int app_list_plans(struct app *app, const struct actor *actor, int64_t person_id,
                   struct person_plans *out, struct br_error *err);

/* Staff's word on an open goal at exit. */
struct goal_decision {
    int64_t goal_id;
    const char *status; /* "attained" or "not_attained" */
};

struct plan_exit_result {
    int64_t plan_id;   /* the plan closed, or 0 when the person had no open plan begun by then */
    size_t n_attained; /* open goals closed as attained */
    size_t n_not_attained;
};

/* At a recorded exit (RULES.md §4 end, seed 003): the open plan created on or before exit_on
 * closes on exit_on, and each of its open goals closes on exit_on as attained or not attained —
 * by the staff's decision when given, else attained when the person's outcomes show it
 * (casework.h goal_attained_by_evidence), else not attained.  A plan begun after exit_on belongs
 * to a later period and stays open.  Idempotent: with no open plan it does nothing. */
int app_close_plan_at_exit(struct app *app, const struct actor *actor, int64_t person_id,
                           int32_t exit_on, const struct goal_decision *decisions, size_t n,
                           struct plan_exit_result *result, struct br_error *err);
/* The same inside a transaction the caller owns (the nightly exit run, per person); on error the
 * caller rolls back. */
int app_close_plan_at_exit_in(struct app *app, const struct actor *actor, int64_t person_id,
                              int32_t exit_on, const struct goal_decision *decisions, size_t n,
                              struct plan_exit_result *result, struct br_error *err);

/* The plan's part of a recorded exit (the nightly run's, or a manual one): when exits — the
 * person's determination as just recorded — has the common-exit group's latest period exited,
 * the plan closes at its exit date as app_close_plan_at_exit_in closes it, by the system, with
 * goals decided by what the record shows.  The IEP/ISS is the plan of the Title I programs, so
 * only the common-exit group's exit closes it (RULES.md §4 end, §9: it stays open until exit).
 * Inside the caller's transaction; idempotent. */
int app_close_plan_at_group_exit(struct app *app, int64_t person_id,
                                 const struct exit_result *exits, struct plan_exit_result *result,
                                 struct br_error *err);

/* ---- outcomes ----------------------------------------------------------------------------------
 */

struct outcome_input {
    const char *kind; /* employment, credential, skill_gain, education */
    /* employment: */
    const char *quarter; /* "YYYY-Qn", a quarter begun by today */
    bool has_earnings;
    int64_t earnings_cents;  /* 0 or more */
    const char *employer_id; /* FEIN or UI account: letters, digits and '-' */
    const char *source;      /* wage_record or supplemental */
    /* credential, skill_gain, education: */
    const char *date; /* YYYY-MM-DD, not after today */
    const char *type; /* of outcome_types(kind) */
};

struct outcome_list {
    struct outcome *items;
    size_t n, cap;
};

int app_record_outcome(struct app *app, const struct actor *actor, int64_t person_id,
                       const struct outcome_input *in, struct outcome *out, struct br_error *err);
int app_list_outcomes(struct app *app, const struct actor *actor, int64_t person_id,
                      struct outcome_list *out, struct br_error *err);

/* ---- reads filtered by access --------------------------------------------------------------- */

struct note_list {
    struct case_note *items; /* each owns its body */
    size_t n, cap;
    size_t n_withheld; /* confidential notes of other agencies, not shown */
    size_t n_loaded;   /* bodies the list owns (shown or not) */
};

void app_note_list_cleanup(struct note_list *list);

struct contact_list {
    struct contact *items;
    size_t n, cap;
};

struct audit_list {
    struct audit_record *items;
    size_t n, cap;
};

/* The person's case notes the actor may see (access.h). */
int app_list_notes(struct app *app, const struct actor *actor, int64_t person_id,
                   struct note_list *out, struct br_error *err);
int app_list_contacts(struct app *app, const struct actor *actor, int64_t person_id,
                      struct contact_list *out, struct br_error *err);

/* The person, with the sensitive facts masked (access_mask_facts) for an actor who may not see
 * them; *sensitive_shown says which. */
int app_person_view(struct app *app, const struct actor *actor, int64_t person_id,
                    struct stored_person *out, bool *sensitive_shown, struct br_error *err);

/* The full SSN, for a serving agency's case manager or supervisor who gives a reason; audited
 * ("ssn.reveal", with the reason, never the number).  BR_ENOTFOUND when none is recorded. */
int app_person_reveal_ssn(struct app *app, const struct actor *actor, int64_t person_id,
                          const char *reason, char ssn[CRYPTO_SSN_SIZE], struct br_error *err);

/* The eligibility screen (RULES.md §7) of the person as of app->today, for every program of the
 * catalog (up to max results), with the ADULT priority of service. */
int app_person_screen(struct app *app, const struct actor *actor, int64_t person_id,
                      struct eligibility_result *results, size_t max, size_t *n,
                      struct eligibility_priority *priority, struct br_error *err);
/* The same screen as of another day (ages are counted on as_of); access is decided as of today. */
int app_person_screen_on(struct app *app, const struct actor *actor, int64_t person_id,
                         int32_t as_of, struct eligibility_result *results, size_t max, size_t *n,
                         struct eligibility_priority *priority, struct br_error *err);

/* The person's latest max audit entries (0: all), oldest first: auditors only. */
int app_person_audit(struct app *app, const struct actor *actor, int64_t person_id, size_t max,
                     struct audit_list *out, struct br_error *err);

#endif
