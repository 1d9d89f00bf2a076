/* access.c — the one place braid decides who may see and do what (access.h; RULES.md §11). */
#include "app/access.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"

static const char *const area_names[] = {
    [ACCESS_CASE_NOTES] = "case_notes",
    [ACCESS_ASSESSMENTS] = "assessments",
    [ACCESS_PLANS] = "plans",
    [ACCESS_REFERRALS] = "referrals",
    [ACCESS_CONTACTS] = "contacts",
    [ACCESS_FACTS] = "facts",
    [ACCESS_SENSITIVE] = "sensitive_facts",
    [ACCESS_SSN] = "ssn",
    [ACCESS_OUTCOMES] = "outcomes",
    [ACCESS_CONSENTS] = "consents",
    [ACCESS_SCREEN] = "eligibility_screen",
    [ACCESS_AUDIT_LOG] = "audit_log",
    [ACCESS_CASE_FILE] = "case_file",
};

_Static_assert(sizeof(area_names) / sizeof(area_names[0]) == ACCESS_AREA_COUNT,
               "every access area has a name");

const char *
access_area_name(enum access_area area)
{
    if ((unsigned)area >= ACCESS_AREA_COUNT)
        return "unknown";
    return area_names[area];
}

enum access_role
access_role_of(const struct actor *actor)
{
    static const struct {
        const char *name;
        enum access_role role;
    } roles[] = {
        {"case_manager", ACCESS_ROLE_CASE_MANAGER},
        {"supervisor", ACCESS_ROLE_SUPERVISOR},
        {"partner_staff", ACCESS_ROLE_PARTNER_STAFF},
        {"analyst", ACCESS_ROLE_ANALYST},
        {"auditor", ACCESS_ROLE_AUDITOR},
        {"admin", ACCESS_ROLE_ADMIN},
    };

    if (actor == NULL || actor->role == NULL)
        return ACCESS_ROLE_UNKNOWN;
    /* Only braid's own batch work acts as the system; a user claiming it is nobody. */
    if (strcmp(actor->role, "system") == 0)
        return actor->user_id == 0 ? ACCESS_ROLE_SYSTEM : ACCESS_ROLE_UNKNOWN;
    for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
        if (strcmp(actor->role, roles[i].name) == 0)
            return roles[i].role;
    return ACCESS_ROLE_UNKNOWN;
}

/* The consent purpose that governs an area shared across agencies, or -1 for other areas. */
static int
area_purpose(enum access_area area)
{
    switch (area) {
    case ACCESS_CASE_NOTES:
    case ACCESS_CONTACTS: /* contacts are documented in the case notes (seed 004) */
    case ACCESS_CASE_FILE: /* so is every service (seed 003) */
        return CONSENT_CASE_NOTES;
    case ACCESS_ASSESSMENTS:
        return CONSENT_ASSESSMENTS;
    case ACCESS_PLANS:
        return CONSENT_PLANS;
    case ACCESS_REFERRALS:
        return CONSENT_REFERRALS;
    default:
        return -1;
    }
}

static void decide(struct access_decision *d, bool allowed, const char *basis, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
decide(struct access_decision *d, bool allowed, const char *basis, const char *fmt, ...)
{
    va_list ap;
    d->allowed = allowed;
    d->basis = basis;
    va_start(ap, fmt);
    vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
    va_end(ap);
}

/* Shared records (notes, assessments, plans, referrals, contacts): the serving agency's case
 * managers and supervisors, or anyone of an agency the person consented to share them with. */
static void
decide_shared(const struct access_basis *b, enum access_area area, bool staff,
              struct access_decision *d)
{
    int purpose = area_purpose(area);
    const char *name = access_area_name(area);

    if (staff && b->serving) {
        decide(d, true, "serving_agency", "%s of a serving agency see the person's %s (seed 000)",
               b->role == ACCESS_ROLE_SUPERVISOR ? "supervisors" : "case managers", name);
        return;
    }
    if (purpose >= 0 && b->consent_id[purpose] != 0) {
        d->consent_id = b->consent_id[purpose];
        decide(d, true, "consent",
               "the person consented to share %s with agency %lld (consent %lld)",
               consent_purpose_name((enum consent_purpose)purpose), (long long)b->agency_id,
               (long long)d->consent_id);
        return;
    }
    decide(d, false, "no_consent",
           "agency %lld does not serve the person and holds no consent in force for %s",
           (long long)b->agency_id,
           purpose >= 0 ? consent_purpose_name((enum consent_purpose)purpose) : name);
}

static void
decide_read(const struct access_basis *b, enum access_area area, struct access_decision *d)
{
    const char *name = access_area_name(area);
    bool staff = b->role == ACCESS_ROLE_CASE_MANAGER || b->role == ACCESS_ROLE_SUPERVISOR;

    switch (b->role) {
    case ACCESS_ROLE_SYSTEM:
        if (area == ACCESS_SSN)
            decide(d, false, "role", "the system never reveals an SSN");
        else
            decide(d, true, "system", "braid's own batch work");
        return;
    case ACCESS_ROLE_ADMIN:
        decide(d, false, "role", "administrators see no case data");
        return;
    case ACCESS_ROLE_AUDITOR:
        if (area == ACCESS_SENSITIVE || area == ACCESS_SSN || area == ACCESS_SCREEN)
            decide(d, false, "role", "auditors do not see sensitive facts (RULES.md §11)");
        else
            decide(d, true, "auditor", "auditors read the record and its audit log");
        return;
    case ACCESS_ROLE_ANALYST:
        /* Aggregates and PIRL only: who the person is, what they took part in, what came of it. */
        if (area == ACCESS_FACTS || area == ACCESS_OUTCOMES || area == ACCESS_CASE_FILE)
            decide(d, true, "analyst", "analysts read PIRL data");
        else
            decide(d, false, "role", "analysts do not see %s (aggregate and PIRL data only)", name);
        return;
    case ACCESS_ROLE_CASE_MANAGER:
    case ACCESS_ROLE_SUPERVISOR:
    case ACCESS_ROLE_PARTNER_STAFF:
        break;
    case ACCESS_ROLE_UNKNOWN:
    default:
        decide(d, false, "role", "an unknown role may see nothing");
        return;
    }

    switch (area) {
    case ACCESS_CASE_NOTES:
    case ACCESS_ASSESSMENTS:
    case ACCESS_PLANS:
    case ACCESS_REFERRALS:
    case ACCESS_CONTACTS:
    case ACCESS_CASE_FILE:
        decide_shared(b, area, staff, d);
        return;
    case ACCESS_FACTS:
        /* No wrong door: staff of any agency find and recognise a person. */
        decide(d, true, "role", "staff see who a person is");
        return;
    case ACCESS_SENSITIVE:
    case ACCESS_SSN:
    case ACCESS_OUTCOMES:
    case ACCESS_CONSENTS:
    case ACCESS_SCREEN:
        if (staff && b->serving)
            decide(d, true, "serving_agency", "case managers and supervisors of a serving agency");
        else if (staff)
            decide(d, false, "not_serving",
                   "%s: only a serving agency's case managers and "
                   "supervisors",
                   name);
        else
            decide(d, false, "role", "partner staff do not see %s", name);
        return;
    case ACCESS_AUDIT_LOG:
    default:
        decide(d, false, "role", "only auditors read the audit log");
        return;
    }
}

static void
decide_write(const struct access_basis *b, enum access_area area, struct access_decision *d)
{
    const char *name = access_area_name(area);
    bool staff = b->role == ACCESS_ROLE_CASE_MANAGER || b->role == ACCESS_ROLE_SUPERVISOR;

    switch (b->role) {
    case ACCESS_ROLE_SYSTEM:
        decide(d, true, "system", "braid's own batch work");
        return;
    case ACCESS_ROLE_AUDITOR:
    case ACCESS_ROLE_ANALYST:
        decide(d, false, "read_only", "this role changes nothing");
        return;
    case ACCESS_ROLE_ADMIN:
        decide(d, false, "role", "administrators change no case data");
        return;
    case ACCESS_ROLE_CASE_MANAGER:
    case ACCESS_ROLE_SUPERVISOR:
    case ACCESS_ROLE_PARTNER_STAFF:
        break;
    case ACCESS_ROLE_UNKNOWN:
    default:
        decide(d, false, "role", "an unknown role may change nothing");
        return;
    }

    switch (area) {
    case ACCESS_CASE_NOTES:
    case ACCESS_CONTACTS:
    case ACCESS_ASSESSMENTS:
    case ACCESS_REFERRALS:
        /* No wrong door: any partner documents what it did; writing discloses nothing. */
        decide(d, true, "role", "staff record their own work");
        return;
    case ACCESS_PLANS:
        /* A plan is changed only by staff who may see it: the one open plan is shared. */
        if (!staff) {
            decide(d, false, "role", "partner staff do not change plans");
            return;
        }
        decide_shared(b, area, staff, d);
        return;
    case ACCESS_CASE_FILE:
        /* No wrong door: case managers and supervisors of any agency enrol and serve (which
         * makes theirs a serving agency).  Partner staff need the person's consent, because the
         * answer to a change is the group's exit clock, built from every partner's services. */
        if (staff)
            decide(d, true, "role", "staff record their own work");
        else
            decide_shared(b, area, staff, d);
        return;
    case ACCESS_OUTCOMES:
    case ACCESS_CONSENTS:
    case ACCESS_FACTS:
    case ACCESS_SENSITIVE:
        if (staff && b->serving)
            decide(d, true, "serving_agency", "case managers and supervisors of a serving agency");
        else if (staff)
            decide(d, false, "not_serving", "%s: only a serving agency changes them", name);
        else
            decide(d, false, "role", "partner staff do not change %s", name);
        return;
    case ACCESS_SSN:
    case ACCESS_SCREEN:
    case ACCESS_AUDIT_LOG:
    default:
        decide(d, false, "role", "%s cannot be changed", name);
        return;
    }
}

void
access_decide(const struct access_basis *basis, enum access_area area, enum access_mode mode,
              struct access_decision *out)
{
    memset(out, 0, sizeof(*out));
    if ((unsigned)area >= ACCESS_AREA_COUNT) {
        decide(out, false, "role", "unknown part of the record");
        return;
    }
    if (mode == ACCESS_WRITE)
        decide_write(basis, area, out);
    else
        decide_read(basis, area, out);
}

int
access_basis_load(struct app *app, const struct actor *actor, int64_t person_id,
                  struct access_basis *out, struct br_error *err)
{
    struct consent *consents = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    out->role = access_role_of(actor);
    out->agency_id = actor != NULL ? actor->agency_id : 0;
    if (out->role == ACCESS_ROLE_SYSTEM || out->role == ACCESS_ROLE_UNKNOWN || out->agency_id == 0)
        goto out;
    if ((rc = app->store->ops->person_served_by(app->store, person_id, out->agency_id,
                                                &out->serving, err)) != 0)
        goto out;
    if ((rc = app->store->ops->consents_load(app->store, person_id, &consents, &n, &cap, err)) != 0)
        goto out;
    /* RULES.md §11: the consent must be for this agency and purpose, and in force today. */
    for (size_t i = 0; i < n; i++)
        for (int p = 0; p < CONSENT_PURPOSE_COUNT; p++)
            if (out->consent_id[p] == 0 &&
                consent_active(&consents[i], out->agency_id, (enum consent_purpose)p, app->today))
                out->consent_id[p] = consents[i].id;
out:
    free(consents);
    return rc;
}

int
access_audit_append(struct app *app, const struct actor *actor, int64_t person_id,
                    const char *action, const char *entity, int64_t entity_id, const char *reason,
                    json_t *after, struct br_error *err)
{
    char *text = after != NULL ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    struct audit_entry entry = {
        .user_id = actor != NULL ? actor->user_id : 0,
        .person_id = person_id,
        .action = action,
        .entity = entity,
        .entity_id = entity_id,
        .reason = reason,
        .after = text,
    };
    int rc = app->store->ops->audit_append(app->store, &entry, err);
    free(text);
    json_decref(after);
    return rc;
}

int
access_audit(struct app *app, const struct actor *actor, int64_t person_id, enum access_area area,
             enum access_mode mode, const struct access_decision *decision, struct br_error *err)
{
    if (access_role_of(actor) == ACCESS_ROLE_SYSTEM && decision->allowed)
        return 0;
    if (mode == ACCESS_WRITE && decision->allowed)
        return 0;
    int purpose = area_purpose(area);
    /* A disclosure decision is one about seeing shared records: a read, or a change that hinged
     * on the person's consent (a shared plan).  Other refusals are plain access decisions. */
    bool disclosure =
        purpose >= 0 && (mode == ACCESS_READ || strcmp(decision->basis, "consent") == 0 ||
                         strcmp(decision->basis, "no_consent") == 0);
    const char *action = disclosure ? (decision->allowed ? "disclosure.allow" : "disclosure.refuse")
                                    : (decision->allowed ? "access.allow" : "access.refuse");
    json_t *after = json_pack("{s:s, s:s, s:s, s:I}", "area", access_area_name(area), "mode",
                              mode == ACCESS_WRITE ? "write" : "read", "basis", decision->basis,
                              "agency_id", (json_int_t)(actor != NULL ? actor->agency_id : 0));
    if (purpose >= 0)
        json_object_set_new(after, "purpose",
                            json_string(consent_purpose_name((enum consent_purpose)purpose)));
    if (decision->consent_id != 0)
        json_object_set_new(after, "consent_id", json_integer((json_int_t)decision->consent_id));
    return access_audit_append(app, actor, person_id, action, "person", person_id, decision->reason,
                               after, err);
}

bool
access_keep_refusal(struct app *app, int rc)
{
    struct br_error ignored;

    br_error_clear(&ignored);
    return rc == BR_EFORBIDDEN && app->store->ops->commit(app->store, &ignored) == 0;
}

int
access_require(struct app *app, const struct actor *actor, int64_t person_id, enum access_area area,
               enum access_mode mode, struct access_basis *basis, struct br_error *err)
{
    struct access_basis local = {0};
    struct access_decision d;
    struct access_basis *b = basis != NULL ? basis : &local;
    int rc;

    if ((rc = access_basis_load(app, actor, person_id, b, err)) != 0)
        return rc;
    access_decide(b, area, mode, &d);
    if ((rc = access_audit(app, actor, person_id, area, mode, &d, err)) != 0)
        return rc;
    if (!d.allowed)
        return br_error_set(err, BR_EFORBIDDEN, "cannot %s the %s of person %lld: %s",
                            mode == ACCESS_WRITE ? "change" : "see", access_area_name(area),
                            (long long)person_id, d.reason);
    return 0;
}

void
access_mask_facts(struct person_facts *facts)
{
    facts->ssn_last4[0] = '\0';
    facts->authorized_to_work = FACT_UNKNOWN;
    facts->disability = FACT_UNKNOWN;
    facts->offender = FACT_UNKNOWN;
    facts->public_assistance = FACT_UNKNOWN;
    facts->low_income = FACT_UNKNOWN;
}

bool
access_note_visible(const struct access_basis *basis, const struct case_note *note)
{
    if (!note->confidential)
        return true;
    if (basis->role == ACCESS_ROLE_SYSTEM || basis->role == ACCESS_ROLE_AUDITOR)
        return true;
    return basis->agency_id != 0 && note->agency_id == basis->agency_id;
}
