/* demo.h — a deterministic generator of a realistic synthetic population (`braid demo`).
 *
 * Two program years of history ending at the as-of date: people who registered, used the
 * resource room or were served by one or several partners (WP, Title I, TAA, NDWG, JVSG, Title II,
 * VR, SNAP E&T, TANF, refugee services), with services, planned gaps, case notes and contacts,
 * in realistic proportions.  Every record passes record_validate().
 *
 * Person i depends only on (seed, i): each person has its own PRNG state derived from both, so
 * any slice of a population can be generated on its own (in parallel, or resumed) and the same
 * seed always yields the same people.  Pure computation: no I/O, no store, no clock.  Memory does
 * not depend on the number of people — one person's buffers are reused for the next. */
#ifndef BRAID_APP_DEMO_H
#define BRAID_APP_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/error.h"
#include "core/policy.h"
#include "core/record.h"
#include "store/store.h"

#define DEMO_DEFAULT_PEOPLE 2000L
#define DEMO_DEFAULT_SEED UINT64_C(20260701)

/* Staff are numbered per program: program index p (in the catalog) has staff numbers
 * p * DEMO_STAFF_PER_PROGRAM + 1 .. (p + 1) * DEMO_STAFF_PER_PROGRAM. */
#define DEMO_STAFF_PER_PROGRAM 12

/* One generated person.  All of it belongs to the generator and is valid only during the
 * callback (the next person reuses the memory); copy what must outlive it.
 *
 * Ids are the generator's, for the writer to map to stored ids:
 *   - person.id, version and every other id field are 0 (not stored yet);
 *   - case_note.service_id is the index + 1 of the service in record.services, or 0 for a note
 *     without a service (a status update);
 *   - case_note.agency_id is the catalog index + 1 of the program whose staff wrote it;
 *   - case_note.author_id, contact.staff_id and service_staff[i] are staff numbers
 *     (DEMO_STAFF_PER_PROGRAM): each program's services, notes and contacts of a person are by
 *     their case manager in that program, drawn from the seed;
 *   - case_note.body points into a text buffer owned by the generator.
 * Services are in start-date order (as staff would have entered them).  There is one enrollment
 * (eligibility determination) per program per period of participation. */
struct demo_person {
    struct stored_person person; /* external_id "DEMO-0000042": the index, 7+ digits */
    char ssn[10];                /* 9 digits, a valid SSN, unique within a seed; "" when none */
    struct person_record record;
    struct case_note *notes;
    size_t n_notes, cap_notes;
    struct contact *contacts;
    size_t n_contacts, cap_contacts;
    int64_t *service_staff; /* who provided record.services[i], a staff number */
    size_t cap_service_staff;
};

struct demo_options {
    uint64_t seed;
    long first;    /* index of the first person to generate (a slice starts here), >= 0 */
    long people;   /* how many people, >= 0 */
    int32_t as_of; /* the history ends on this day (a day number, core/date.h) */
};

/* Fills options with the defaults: DEMO_DEFAULT_SEED, first 0, DEMO_DEFAULT_PEOPLE people, and
 * as_of (the caller passes today: the generator never reads a clock). */
void demo_options_defaults(struct demo_options *options, int32_t as_of);

struct demo;

/* Prepares a generator: resolves every program and service code it uses in the catalog, once.
 * The catalog and policy are borrowed and must outlive the generator.
 * Returns 0, or BR_EINVAL when options are out of range or the catalog lacks a program or
 * service code the generator needs (one field error per missing code). */
int demo_new(const struct catalog *catalog, const struct policy *policy,
             const struct demo_options *options, struct demo **out, struct br_error *err);
void demo_free(struct demo *demo);

/* Generates person `index` of the generator's seed (any index >= 0, regardless of options.first
 * and options.people) and returns it; valid until the next call or demo_free().
 * This function can't fail. */
const struct demo_person *demo_make_person(struct demo *demo, long index);

/* Generates options->people people from options->first and hands each to fn in index order.
 * Stops at the first non-zero value fn returns and returns that value; else returns 0, or the
 * error of demo_new(). */
int demo_generate(const struct catalog *catalog, const struct policy *policy,
                  const struct demo_options *options,
                  int (*fn)(void *ctx, const struct demo_person *person), void *ctx,
                  struct br_error *err);

#endif
