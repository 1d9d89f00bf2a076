/* access.h — who may see and do what with a person's record (RULES.md §11; seed 000), decided
 * here and nowhere else: every use case asks access_require() before it reads or writes.
 *
 * The roles (users.h): case_manager and supervisor do the case work; partner_staff see what a
 * person consented to share with their agency; analyst sees aggregates and PIRL data, never case
 * notes or sensitive facts; auditor reads everything but sensitive facts, with the audit log, and
 * changes nothing; admin sees no case data.  The system actor (user 0: imports, nightly runs)
 * may do everything but reveal an SSN.
 *
 * A person's serving agencies are those whose users registered the person, determined one of
 * their enrollments, or provided one of their services.  Case managers and supervisors of a
 * serving agency see all of the person's case notes (seed 000: no restrictions by case managers
 * to access case notes), assessments and plans.  Any other agency sees them only under the
 * person's consent for that agency and that purpose, in force today — and anything not clearly
 * allowed is refused (fail closed).  Every decision about a read, and every refused write, is
 * appended to the audit log; decisions about shared records are "disclosure.allow" /
 * "disclosure.refuse" with the purpose. */
#ifndef BRAID_APP_ACCESS_H
#define BRAID_APP_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "app/app.h"
#include "core/casework.h"

enum access_role {
    ACCESS_ROLE_UNKNOWN,
    ACCESS_ROLE_CASE_MANAGER,
    ACCESS_ROLE_SUPERVISOR,
    ACCESS_ROLE_PARTNER_STAFF,
    ACCESS_ROLE_ANALYST,
    ACCESS_ROLE_AUDITOR,
    ACCESS_ROLE_ADMIN,
    ACCESS_ROLE_SYSTEM,
};

/* The parts of a person's record access is decided for.  The first four are the consent
 * purposes (casework.h), with the same values. */
enum access_area {
    ACCESS_CASE_NOTES = CONSENT_CASE_NOTES,
    ACCESS_ASSESSMENTS = CONSENT_ASSESSMENTS,
    ACCESS_PLANS = CONSENT_PLANS, /* IEP / ISS, goals and reviews */
    ACCESS_REFERRALS = CONSENT_REFERRALS,
    ACCESS_CONTACTS,  /* contact attempts: shared as case notes are */
    ACCESS_FACTS,     /* who the person is: names, birth date, the facts that are not sensitive */
    ACCESS_SENSITIVE, /* SSN last four, citizenship, disability, health, offender, assistance */
    ACCESS_SSN,       /* the full SSN: only through the audited reveal */
    ACCESS_OUTCOMES,
    ACCESS_CONSENTS,
    ACCESS_SCREEN, /* the eligibility screen, which reads sensitive facts */
    ACCESS_AUDIT_LOG,
    /* The case file: enrollments, services, planned gaps and exits.  Read as case notes are
     * (each service is documented by its case note, seed 003); written by any agency's case
     * managers and supervisors (no wrong door), by partner staff under consent. */
    ACCESS_CASE_FILE,
    ACCESS_AREA_COUNT,
};

enum access_mode {
    ACCESS_READ,
    ACCESS_WRITE,
};

/* What the store says about an actor and a person, as of today. */
struct access_basis {
    enum access_role role;
    int64_t agency_id;
    bool serving; /* the actor's agency serves the person */
    /* The consent in force today for the actor's agency and each purpose, or 0. */
    int64_t consent_id[CONSENT_PURPOSE_COUNT];
};

struct access_decision {
    bool allowed;
    /* Why, in one word: "system", "serving_agency", "consent", "auditor", "analyst", "role",
     * "no_consent", "not_serving", "read_only". */
    const char *basis;
    int64_t consent_id; /* when basis is "consent" */
    char reason[192];   /* for people: what allowed or refused it */
};

/* The role named by a user's role text; "system" only for user 0.  Unknown text is
 * ACCESS_ROLE_UNKNOWN, which is refused everything. */
enum access_role access_role_of(const struct actor *actor);

/* "case_notes", "assessments", "plans", "referrals", "contacts", "facts", "sensitive_facts",
 * "ssn", "outcomes", "consents", "eligibility_screen", "audit_log", "case_file". */
const char *access_area_name(enum access_area area);

/* Decides, from the basis alone (pure).  This function can't fail. */
void access_decide(const struct access_basis *basis, enum access_area area, enum access_mode mode,
                   struct access_decision *out);

/* Loads the basis for actor and person as of app->today: whether the actor's agency serves the
 * person, and which consents are in force for it.  Inside the caller's transaction. */
int access_basis_load(struct app *app, const struct actor *actor, int64_t person_id,
                      struct access_basis *out, struct br_error *err);

/* Appends the audit entry a decision calls for (none for the system's own work, none for an
 * allowed write, whose use case audits the change itself).  Inside the caller's transaction. */
int access_audit(struct app *app, const struct actor *actor, int64_t person_id,
                 enum access_area area, enum access_mode mode,
                 const struct access_decision *decision, struct br_error *err);

/* Loads the basis (into basis when not NULL), decides and audits: 0 when allowed, else
 * BR_EFORBIDDEN with the reason in err.  A refusal's audit entry is written in the caller's
 * transaction, which should commit it even though the use case fails (records.c does, and
 * access_keep_refusal). */
int access_require(struct app *app, const struct actor *actor, int64_t person_id,
                   enum access_area area, enum access_mode mode, struct access_basis *basis,
                   struct br_error *err);

/* After access_require refused (rc) a use case that has written nothing yet: commits the
 * transaction so that the refusal's audit entry stays on the record (RULES.md §11).  True when it
 * did — the transaction is then over; false for any other rc, or when the commit failed (the
 * caller still rolls back). */
bool access_keep_refusal(struct app *app, int rc);

/* Clears what an actor without ACCESS_SENSITIVE must not see: the SSN's last four digits,
 * authorized_to_work (citizenship / resident status), disability, offender, public_assistance
 * and low_income (both speak of public assistance).  They read as not recorded. */
void access_mask_facts(struct person_facts *facts);

/* Whether a case note the actor may read in general is shown to them: a note marked
 * confidential stays within the agency that wrote it (auditors and the system see it too). */
bool access_note_visible(const struct access_basis *basis, const struct case_note *note);

/* Appends one audit entry about a person whose "after" is the JSON object given (stolen; may be
 * NULL).  reason may be NULL. */
int access_audit_append(struct app *app, const struct actor *actor, int64_t person_id,
                        const char *action, const char *entity, int64_t entity_id,
                        const char *reason, json_t *after, struct br_error *err);

#endif
