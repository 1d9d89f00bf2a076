/* store.h — persistence behind one interface: SQLite now, PostgreSQL next.
 *
 * A backend is a table of functions (struct store_ops), as Redis does with its connection types;
 * callers write `st->ops->service_insert(st, ...)`.  The store knows SQL and nothing of HTTP or of
 * the rules: src/app opens a transaction, loads what a rule needs, asks src/core, writes, audits
 * and commits.  Every person-owned row carries person_id, so a distributed PostgreSQL can keep
 * one person's rows on one shard.  Dates cross this interface as day numbers (core/date.h).
 *
 * Every function returns 0 or a negative BR_E* code with details in err (never SQL text that
 * would reach a user: messages name the operation, not the statement).  A store is one
 * connection: one thread uses it at a time (the server opens one per worker). */
#ifndef BRAID_STORE_STORE_H
#define BRAID_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/casework.h"
#include "core/error.h"
#include "core/exit.h"
#include "core/person.h"
#include "core/policy.h"
#include "core/record.h"

/* The schema version this binary writes; a database newer than this is refused. */
#define STORE_SCHEMA_VERSION 9

#define STORE_TEXT_SIZE 256
#define STORE_EMAIL_SIZE 128
#define STORE_HASH_SIZE 32 /* keyed hashes (SSN, tokens) */
#define STORE_TOKEN_TEXT_SIZE 64 /* a CSRF token as text, with its NUL */

struct store;

/* A person as stored: the facts plus the store's bookkeeping. */
struct stored_person {
    int64_t id;
    char external_id[PERSON_ID_SIZE]; /* id in the system it came from ("" when born here) */
    struct person_facts facts;
    int64_t version;                  /* bumped by every change (ETag / If-Match) */
};

/* What a service record carries besides what the rules read (struct service). */
struct service_detail {
    char provider[STORE_TEXT_SIZE];
    int64_t staff_id;   /* 0 when unknown */
    int64_t cost_cents; /* 0 when no cost */
    /* Braided funding (RULES.md §6): up to four streams, percentages summing to 100. */
    size_t n_funding;
    struct {
        char stream[CATALOG_CODE_SIZE];
        int percent;
    } funding[4];
};

/* struct case_note, enum contact_method and struct contact are in core/casework.h: the alerts
 * of RULES.md §8 (core/alerts.h) read them. */

struct audit_entry {
    int64_t user_id;   /* 0 for the system (a nightly run, an import) */
    int64_t person_id; /* 0 when the action is not about one person */
    const char *action; /* "person.register", "service.record", "exit.apply", ... */
    const char *entity; /* "service" */
    int64_t entity_id;
    const char *reason; /* may be NULL */
    const char *before; /* JSON text or NULL */
    const char *after;  /* JSON text or NULL */
};

/* The exit clock of one exit group of one person, kept current by every change (RULES.md §4). */
struct stored_clock {
    int group_key;          /* EXIT_GROUP_COMMON or a program index */
    int period;
    enum exit_status status;
    int32_t last_service_on;
    int32_t soft_exit_on;
    enum exit_hold held_by;
    int32_t review_on;      /* the nightly run re-examines the person on or after this day */
    int32_t computed_on;    /* the as-of day it was computed for (so --verify can recompute it) */
};

/* A soft exit recorded by `braid exits --apply` for one program and one period, or a manual
 * exit (run_id 0, app/manual_exit.h) with its reason. */
struct recorded_exit {
    int64_t person_id;
    int program;
    int period;
    int32_t entry_on;
    int32_t exit_on;
    int32_t determined_on;
    int64_t run_id;
    char reason[EXIT_REASON_SIZE]; /* a manual exit's reason; "" for the nightly run's */
};

struct user {
    int64_t id;
    char email[STORE_EMAIL_SIZE];
    char name[STORE_TEXT_SIZE];
    char role[CATALOG_CODE_SIZE];   /* case_manager, supervisor, partner_staff, analyst, ... */
    char agency[CATALOG_CODE_SIZE]; /* agency code */
    char password_hash[STORE_TEXT_SIZE]; /* argon2id, encoded */
    bool active;
};

/* A signed-in web session.  The token itself is never stored, only its keyed hash. */
struct stored_session {
    int64_t user_id;
    char csrf_token[STORE_TOKEN_TEXT_SIZE]; /* sent back in X-CSRF-Token on every write */
    int64_t expires_at;                     /* Unix seconds */
};

/* A search of people.  Every filter is optional ("" or DATE_NONE); first_name is used only with
 * last_name.  Names match as case-insensitive prefixes.  Results are ordered by name when a name
 * is given, else by id. */
struct person_query {
    char last_name[PERSON_NAME_SIZE];
    char first_name[PERSON_NAME_SIZE];
    int32_t birth_on;
    char ssn_last4[5];
    int64_t limit;
    int64_t offset;
};

/* What a create answered the first time, under its Idempotency-Key. */
struct stored_idempotency {
    uint8_t fingerprint[STORE_HASH_SIZE]; /* of the request, to refuse a key reused for another */
    int status;                           /* 0 while the first request is still running */
    char *body;                           /* the response body (malloc'd), NULL while pending */
    char location[STORE_TEXT_SIZE];       /* its Location and ETag headers, "" when it had none */
    char etag[STORE_TEXT_SIZE];
};

/* One entry of the audit log as read back (audit_load); long texts are cut to fit. */
struct audit_record {
    int64_t id;
    int64_t person_id;
    char at[24]; /* "YYYY-MM-DD HH:MM:SS", UTC */
    int64_t user_id;
    char action[48];
    char entity[32];
    int64_t entity_id;
    char reason[STORE_TEXT_SIZE];
    char after[1024];
    bool read; /* the entry of a read (in the log of reads), not of a change */
};

/* A person's recorded decline of a required co-enrollment that the rules let them decline
 * (RULES.md §6 TAA_REQUIRES_DW; core/coenroll.h rule.declinable).  One per person and rule. */
#define STORE_NOTE_SIZE 1024
struct coenroll_decline {
    int64_t id;
    int64_t person_id;
    char rule[CATALOG_CODE_SIZE]; /* the rule's id, "TAA_REQUIRES_DW" */
    int32_t declined_on;
    char note[STORE_NOTE_SIZE];   /* what the person said; "" when none */
    int64_t recorded_by;          /* user id, 0 for the system */
};

/* A partner agency, and a role staff can hold (the roles table), as the admin API lists them. */
struct agency {
    int64_t id;
    char code[CATALOG_CODE_SIZE];
    char name[STORE_TEXT_SIZE];
};

struct staff_role {
    char code[CATALOG_CODE_SIZE];
    char title[STORE_TEXT_SIZE];
};

/* What people_scan reads besides each person's id, external id and record (enrollments,
 * services, gaps).  The exit runs ask for no facts: decoding them was a quarter of their time. */
enum store_scan_part {
    STORE_SCAN_FACTS = 1 << 0,      /* the person's facts; else person->facts is zeroed */
    STORE_SCAN_EXIT_STATE = 1 << 1, /* the stored exit clocks and the recorded exits */
};

/* Which people a scan reads — ids first_id to last_id (0: no upper bound), so that several
 * connections can share a scan — and what of them (a set of enum store_scan_part).
 * `{.parts = STORE_SCAN_FACTS}` is everyone with their facts. */
struct store_scan {
    unsigned parts;
    int64_t first_id, last_id;
};

/* A person's stored exit clocks (in clocks_get's order) and recorded exits (in exits_get's). */
struct stored_exit_state {
    const struct stored_clock *clocks;
    size_t n_clocks;
    const struct recorded_exit *exits;
    size_t n_exits;
};

/* Called once per person by the streaming scans; return non-zero to stop (that value is
 * returned by the scan).  exit_state is NULL unless the scan was asked for it. */
typedef int (*store_person_fn)(void *ctx, const struct stored_person *person,
                               const struct person_record *record,
                               const struct stored_exit_state *exit_state);
typedef int (*store_id_fn)(void *ctx, int64_t person_id);
/* Called once per person by clocks_of_people, with their stored clocks (n 0 for none). */
typedef int (*store_clocks_fn)(void *ctx, int64_t person_id, const struct stored_clock *clocks,
                               size_t n);

struct store_ops {
    const char *name; /* "sqlite" */
    void (*close)(struct store *st);

    /* Transactions: one writer at a time; begin waits (busy timeout) rather than failing.
     * An op called outside a transaction runs in one of its own and leaves nothing behind when it
     * fails.  Inside the caller's transaction a failed op may have written part of its rows: the
     * caller rolls back — or, to go on past a failure (a partial import), brackets the work it may
     * undo with a savepoint (they nest). */
    int (*begin)(struct store *st, struct br_error *err);
    /* A read: a snapshot in which nothing may be written but audit entries.  They wait in memory
     * and commit hands them to the log of reads (SQLite: a file of its own beside the database,
     * sqlite_read_log.h), returning once they are committed there (on disk within moments; every
     * change the read could show is on disk on return: of the people its entries name, when they
     * name one, for every change is audited naming the people it touched) — so reads run side by
     * side, never hold the write lock, and leave the database itself unchanged.  rollback drops
     * them.  Audit entries written in a change's transaction stay with the change, in the
     * database's audit_log. */
    int (*begin_read)(struct store *st, struct br_error *err);
    /* Inside a change, from change_reads(st, true) to change_reads(st, false): the audit entries
     * written are those of a read the change makes for its answer (the decisions on what the
     * answer may show).  They go where a read's go: commit hands them to the log of reads just
     * before the change commits (as durable as a read's); rollback drops them. */
    void (*change_reads)(struct store *st, bool on);
    /* Durability left to the caller — an HTTP server that holds its answer until the disk has
     * what it shows, its worker serving other connections meanwhile: from
     * durability_deferred(st, true), commit returns once the change is committed (or the read
     * ended) without waiting for the sync that makes it durable, and durable_pending names the
     * last commit to wait for since its previous call (0: none); durable_wait waits for one (of
     * any store of the same file): 0, or BR_EIO when the sync failed, and the change must not be
     * reported made.  Off by default: commit returns once durable. */
    void (*durability_deferred)(struct store *st, bool on);
    uint64_t (*durable_pending)(struct store *st);
    int (*durable_wait)(struct store *st, uint64_t commit, struct br_error *err);
    int (*commit)(struct store *st, struct br_error *err);
    void (*rollback)(struct store *st);
    int (*savepoint)(struct store *st, struct br_error *err);
    int (*savepoint_release)(struct store *st, struct br_error *err);
    void (*savepoint_rollback)(struct store *st); /* undoes and ends the innermost savepoint */

    /* Schema: migrate applies every missing migration in its own transaction. */
    int (*schema_version)(struct store *st, int *version, struct br_error *err);
    int (*migrate)(struct store *st, struct br_error *err);

    /* Catalog and policy settings: saved at init from data/catalog.json, loaded at start-up. */
    int (*catalog_save)(struct store *st, const struct catalog *catalog,
                        const struct policy *policy, struct br_error *err);
    int (*catalog_load)(struct store *st, struct catalog *catalog, struct policy *policy,
                        struct br_error *err);

    /* People.  person_insert sets person->id and version 1. */
    int (*person_insert)(struct store *st, struct stored_person *person, struct br_error *err);
    int (*person_get)(struct store *st, int64_t id, struct stored_person *person,
                      struct br_error *err);
    int (*person_by_external_id)(struct store *st, const char *external_id, int64_t *id,
                                 struct br_error *err);
    /* Likely duplicates: the same SSN hash, or the same first name, last name and birth date.
     * Writes up to max ids. */
    int (*person_duplicates)(struct store *st, const struct person_facts *facts,
                             const uint8_t *ssn_hash, int64_t *ids, size_t max, size_t *n,
                             struct br_error *err);
    int (*identity_put)(struct store *st, int64_t person_id, const uint8_t ssn_hash[STORE_HASH_SIZE],
                        const uint8_t *sealed, size_t sealed_len, struct br_error *err);

    /* A person's enrollments, services and gaps (with ids), program/code as catalog indexes. */
    int (*record_load)(struct store *st, const struct catalog *catalog, int64_t person_id,
                       struct person_record *record, struct br_error *err);
    int (*enrollment_insert)(struct store *st, int64_t person_id, struct enrollment *enrollment,
                             const struct catalog *catalog, const char *facts_json,
                             int64_t decided_by, struct br_error *err);
    int (*service_insert)(struct store *st, int64_t person_id, struct service *service,
                          const struct catalog *catalog, const struct service_detail *detail,
                          struct br_error *err);
    /* Updates dates of a stored service (close, correct); BR_ENOTFOUND if not this person's. */
    int (*service_update)(struct store *st, int64_t person_id, const struct service *service,
                          struct br_error *err);
    int (*gap_insert)(struct store *st, int64_t person_id, struct planned_gap *gap,
                      const struct catalog *catalog, const char *services_after,
                      struct br_error *err);
    int (*note_insert)(struct store *st, struct case_note *note, struct br_error *err);
    int (*contact_insert)(struct store *st, struct contact *contact, struct br_error *err);

    /* The append-only audit log (the schema refuses UPDATE and DELETE on it). */
    int (*audit_append)(struct store *st, const struct audit_entry *entry, struct br_error *err);
    /* Returns once the audit entries of every read this process has answered can be read back
     * (audit_load and audit_page do this themselves): a read's entries are durable when it is
     * answered, and readable a few tens of milliseconds later. */
    int (*reads_flush)(struct store *st, struct br_error *err);

    /* Exit clocks: replace all of a person's clocks; list people whose review_on <= day. */
    int (*clocks_put)(struct store *st, int64_t person_id, const struct stored_clock *clocks,
                      size_t n, struct br_error *err);
    int (*clocks_get)(struct store *st, int64_t person_id, struct stored_clock *clocks,
                      size_t max, size_t *n, struct br_error *err);
    int (*clocks_due)(struct store *st, int32_t day, store_id_fn fn, void *ctx,
                      struct br_error *err);
    /* The stored clocks of each of the people ids[0..n) (ascending, as agency_people and
     * staff_people give them; BR_EINVAL otherwise), in clocks_get's order: fn is called once for
     * each, in turn, and must not read clocks itself.  People who are a good share of the ids
     * between the first and the last (a whole agency's) are read in one pass over the clocks in
     * person order; fewer are each sought as clocks_get seeks one (caseloads, alerts_app.h). */
    int (*clocks_of_people)(struct store *st, const int64_t *ids, size_t n, store_clocks_fn fn,
                            void *ctx, struct br_error *err);

    /* Recorded exits (--apply).  exit_put inserts or leaves an identical row alone (idempotent,
     * *inserted says which); exits_delete_after removes a person's recorded exits that a late
     * service reopened. */
    int (*exit_run_begin)(struct store *st, int32_t as_of, int64_t *run_id, struct br_error *err);
    int (*exit_run_finish)(struct store *st, int64_t run_id, long examined, long recorded,
                           long reopened, struct br_error *err);
    int (*exit_put)(struct store *st, const struct recorded_exit *exit, bool *inserted,
                    struct br_error *err);
    int (*exits_get)(struct store *st, int64_t person_id, struct recorded_exit *exits, size_t max,
                     size_t *n, struct br_error *err);
    int (*exit_delete)(struct store *st, int64_t person_id, int program, int period,
                       struct br_error *err);

    /* Streams every person with their record, in id order, with memory independent of the
     * number of people: one pass over people, enrollments, services and gaps (and exit clocks
     * and recorded exits for STORE_SCAN_EXIT_STATE) in step, all in one snapshot. */
    int (*people_scan)(struct store *st, const struct catalog *catalog,
                       const struct store_scan *scan, store_person_fn fn, void *ctx,
                       struct br_error *err);
    /* The lowest and highest person id (both 0 when there is nobody), to divide a scan. */
    int (*people_id_bounds)(struct store *st, int64_t *first_id, int64_t *last_id,
                            struct br_error *err);

    /* Agencies (partners): users, notes and consents refer to them.  Sets *id. */
    int (*agency_insert)(struct store *st, const char *code, const char *name, int64_t *id,
                         struct br_error *err);

    /* Users and API tokens.  Token hashes are keyed hashes of the token (never the token).
     * user->agency is an agency code ("" for none); an unknown one is BR_ENOTFOUND. */
    int (*user_insert)(struct store *st, struct user *user, struct br_error *err);
    int (*user_by_email)(struct store *st, const char *email, struct user *user,
                         struct br_error *err);
    int (*token_insert)(struct store *st, int64_t user_id, const uint8_t hash[STORE_HASH_SIZE],
                        const char *label, struct br_error *err);
    int (*token_user)(struct store *st, const uint8_t hash[STORE_HASH_SIZE], int64_t *user_id,
                      struct br_error *err);

    /* Online, consistent copy of the whole database to path (safe while others write). */
    int (*backup)(struct store *st, const char *path, struct br_error *err);

    /* A person's case notes (by written_on, then id) and contacts (by contacted_on, then id),
     * into an array the caller owns and reuses from person to person: *items starts NULL with
     * *n and *cap 0, and is free()d at the end.  Each load empties the array first; notes_load
     * frees the bodies of the *n notes it held, so after the last load the caller frees those
     * bodies (each loaded note owns its body) and then the array. */
    int (*notes_load)(struct store *st, int64_t person_id, struct case_note **notes, size_t *n,
                      size_t *cap, struct br_error *err);
    /* As notes_load, without the bodies (each body NULL), from the notes' index by person alone:
     * for the alerts, which count notes and never read one. */
    int (*note_heads_load)(struct store *st, int64_t person_id, struct case_note **notes,
                           size_t *n, size_t *cap, struct br_error *err);
    int (*contacts_load)(struct store *st, int64_t person_id, struct contact **contacts,
                         size_t *n, size_t *cap, struct br_error *err);

    /* ---- the HTTP API (sessions, people search and update, idempotency keys) ---- */

    /* Web sessions: only the keyed hash of the session token is stored.  session_get finds the
     * session with this hash that has not expired at now (Unix seconds) and whose user is
     * active, else BR_ENOTFOUND (one answer for all three, so a caller learns nothing more). */
    int (*session_insert)(struct store *st, const uint8_t hash[STORE_HASH_SIZE],
                          const struct stored_session *session, struct br_error *err);
    int (*session_get)(struct store *st, const uint8_t hash[STORE_HASH_SIZE], int64_t now,
                       struct stored_session *session, struct br_error *err);
    /* Deleting a session that is not there is not an error (sign-out is idempotent). */
    int (*session_delete)(struct store *st, const uint8_t hash[STORE_HASH_SIZE],
                          struct br_error *err);
    int (*sessions_prune)(struct store *st, int64_t now, struct br_error *err);
    /* A user by id, with the id of their agency (0 for none); BR_ENOTFOUND if there is none. */
    int (*user_by_id)(struct store *st, int64_t id, struct user *user, int64_t *agency_id,
                      struct br_error *err);

    /* People matching query, query->offset rows in, up to max of them (max <= query->limit),
     * with *total the number matching.  Each filter is served by an index. */
    int (*person_search)(struct store *st, const struct person_query *query,
                         struct stored_person *people, size_t max, size_t *n, int64_t *total,
                         struct br_error *err);
    /* Rewrites the person's facts if their version is still expected_version, and bumps it
     * (person->version receives the new one): BR_ESTALE when it moved on, BR_ENOTFOUND when
     * there is no such person.  The SSN (identities) is not touched. */
    int (*person_update)(struct store *st, struct stored_person *person,
                         int64_t expected_version, struct br_error *err);

    /* Idempotency keys of creates (per user).  reserve inserts a pending key (*reserved true),
     * or, when the user already used it, leaves it and copies it to *existing (its body is
     * malloc'd: free() it).  complete stores the first response (status, body, location, etag;
     * not its fingerprint); release forgets a key whose request failed, so that a retry may
     * run; prune forgets keys created before a time. */
    int (*idempotency_reserve)(struct store *st, int64_t user_id, const char *key,
                               const uint8_t fingerprint[STORE_HASH_SIZE], bool *reserved,
                               struct stored_idempotency *existing, struct br_error *err);
    int (*idempotency_complete)(struct store *st, int64_t user_id, const char *key,
                                const struct stored_idempotency *response, struct br_error *err);
    int (*idempotency_release)(struct store *st, int64_t user_id, const char *key,
                               struct br_error *err);
    int (*idempotency_prune)(struct store *st, int64_t before, struct br_error *err);

    /* Case work (RULES.md §9-11; app/records.h).  The *_load ops fill an array the caller owns
     * and reuses, as contacts_load does (*items NULL with *n and *cap 0 at first; free() it at
     * the end); each record's person_id is the one asked for.  Updates name the person too and
     * are BR_ENOTFOUND when the record is not that person's. */

    /* Whether agency_id serves the person (app/access.h): one of its users registered them,
     * determined an enrollment or provided a service. */
    int (*person_served_by)(struct store *st, int64_t person_id, int64_t agency_id, bool *serves,
                            struct br_error *err);
    /* The ids of every person agency_id serves (as person_served_by decides it), ascending, into
     * an array the caller owns and reuses as contacts_load's (a caseload, app/alerts_app.h). */
    int (*agency_people)(struct store *st, int64_t agency_id, int64_t **ids, size_t *n,
                         size_t *cap, struct br_error *err);
    /* The ids of every person the user serves in person: provided a service, determined an
     * enrollment or recorded a contact (a case manager's caseload, app/alerts_app.h), ascending,
     * into an array the caller owns and reuses as agency_people's.  Served by the staff indexes. */
    int (*staff_people)(struct store *st, int64_t user_id, int64_t **ids, size_t *n, size_t *cap,
                        struct br_error *err);
    /* Co-enrollment declines: decline_insert sets decline->id (BR_ECONFLICT when the person has
     * declined that rule already); declines_load lists the person's, by rule, as consents_load. */
    int (*decline_insert)(struct store *st, struct coenroll_decline *decline,
                          struct br_error *err);
    int (*declines_load)(struct store *st, int64_t person_id, struct coenroll_decline **declines,
                         size_t *n, size_t *cap, struct br_error *err);
    /* The sealed SSN (identities) into sealed (cap bytes); BR_ENOTFOUND when none is stored. */
    int (*identity_get)(struct store *st, int64_t person_id, uint8_t *sealed, size_t cap,
                        size_t *len, struct br_error *err);
    int (*consent_insert)(struct store *st, struct consent *consent, struct br_error *err);
    /* Revokes from day `on`; BR_ECONFLICT when it is revoked already. */
    int (*consent_revoke)(struct store *st, int64_t person_id, int64_t consent_id, int32_t on,
                          struct br_error *err);
    int (*consents_load)(struct store *st, int64_t person_id, struct consent **consents,
                         size_t *n, size_t *cap, struct br_error *err);
    int (*assessment_insert)(struct store *st, struct assessment *assessment,
                             struct br_error *err);
    int (*assessments_load)(struct store *st, int64_t person_id, struct assessment **assessments,
                            size_t *n, size_t *cap, struct br_error *err);
    int (*plan_insert)(struct store *st, struct case_plan *plan, struct br_error *err);
    /* Writes signed_on, copy_given and closed_on. */
    int (*plan_update)(struct store *st, const struct case_plan *plan, struct br_error *err);
    int (*plans_load)(struct store *st, int64_t person_id, struct case_plan **plans, size_t *n,
                      size_t *cap, struct br_error *err);
    int (*goal_insert)(struct store *st, struct goal *goal, struct br_error *err);
    /* Writes status and closed_on. */
    int (*goal_update)(struct store *st, const struct goal *goal, struct br_error *err);
    int (*goals_load)(struct store *st, int64_t person_id, struct goal **goals, size_t *n,
                      size_t *cap, struct br_error *err);
    int (*plan_review_insert)(struct store *st, struct plan_review *review, struct br_error *err);
    int (*plan_reviews_load)(struct store *st, int64_t person_id, struct plan_review **reviews,
                             size_t *n, size_t *cap, struct br_error *err);
    int (*outcome_insert)(struct store *st, struct outcome *outcome, struct br_error *err);
    int (*outcomes_load)(struct store *st, int64_t person_id, struct outcome **outcomes,
                         size_t *n, size_t *cap, struct br_error *err);
    /* The person's latest max audit entries (0: all), oldest first.  Here and in audit_page the
     * entries of changes and of reads are merged by time; within a second (the resolution of
     * their times) a change is taken to come before a read. */
    int (*audit_load)(struct store *st, int64_t person_id, size_t max,
                      struct audit_record **entries, size_t *n, size_t *cap,
                      struct br_error *err);

    /* ---- administration (app/admin.h) ----
     * Pages of a list: offset rows in, up to limit rows, into an array the caller owns and
     * reuses as contacts_load's; *total is the number of rows in the whole list. */

    /* Users by id; password_hash is left "" (a listing never carries it). */
    int (*users_page)(struct store *st, int64_t limit, int64_t offset, struct user **users,
                      size_t *n, size_t *cap, int64_t *total, struct br_error *err);
    /* Agencies by id. */
    int (*agencies_page)(struct store *st, int64_t limit, int64_t offset, struct agency **agencies,
                         size_t *n, size_t *cap, int64_t *total, struct br_error *err);
    /* Every role, by code. */
    int (*roles_load)(struct store *st, struct staff_role **roles, size_t *n, size_t *cap,
                      struct br_error *err);
    /* The audit log, newest first: one person's entries (person_id > 0) or everyone's (0). */
    int (*audit_page)(struct store *st, int64_t person_id, int64_t limit, int64_t offset,
                      struct audit_record **entries, size_t *n, size_t *cap, int64_t *total,
                      struct br_error *err);

    /* Corrections, if the row's version is still expected_version (If-Match); the version is
     * bumped and written back.  BR_ESTALE when it moved on, BR_ENOTFOUND when the row is not the
     * person's.  service_correct rewrites code and dates (program stays), and the provider when
     * provider is not NULL; enrollment_correct rewrites the eligibility date. */
    int (*service_correct)(struct store *st, int64_t person_id, struct service *service,
                           const struct catalog *catalog, const char *provider,
                           int64_t expected_version, struct br_error *err);
    int (*enrollment_correct)(struct store *st, int64_t person_id, struct enrollment *enrollment,
                              int64_t expected_version, struct br_error *err);
};

struct store {
    const struct store_ops *ops;
};

/* Opens (creating if needed) the database at path with the backend its form names (a file path
 * is SQLite).  Does not migrate: callers run ops->migrate (init) or check schema_version. */
int store_open(const char *path, struct store **out, struct br_error *err);

/* Opens and checks the schema: an older database is migrated, a newer one refused. */
int store_open_current(const char *path, struct store **out, struct br_error *err);

/* Replaces the database file at path with the backup at from (SQLite online backup). */
int store_restore(const char *path, const char *from, struct br_error *err);

#endif
