/* record.h — one person's history as the rules see it: enrollments (eligibility), services and
 * planned gaps.  Programs and service codes are catalog indexes; dates are day numbers (date.h).
 *
 * The arrays keep input order, so a problem found here is reported with the input's own path
 * ("services[2].end_date").  Field names in those paths are the person bundle's. */
#ifndef BRAID_CORE_RECORD_H
#define BRAID_CORE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/error.h"
#include "core/policy.h"

/* An eligibility determination for one program (RULES.md §3, §7). */
struct enrollment {
    int64_t id; /* the store's id; 0 when not stored */
    int program;
    int32_t eligibility_on;
    int64_t version; /* the store's version (ETag / If-Match); 0 when not stored */
};

struct service {
    int64_t id;
    int program;
    int code;                 /* index into catalog->services */
    int32_t start_on;         /* actual start */
    int32_t end_on;           /* actual end; DATE_NONE while open */
    int32_t projected_end_on; /* DATE_NONE when not given */
    int64_t version;          /* the store's version (ETag / If-Match); 0 when not stored */
};

/* The valid reasons for a planned gap in service (RULES.md §5; seed 004). */
enum gap_reason {
    GAP_TRAINING_DELAY,
    GAP_HEALTH_MEDICAL,
    GAP_FAMILY_CARE,
    GAP_TEMPORARY_MOVE, /* includes National Guard or other military service */
};

struct planned_gap {
    int64_t id;
    int program; /* the gap holds this program's exit group */
    enum gap_reason reason;
    int32_t start_on;
    int32_t planned_end_on;
};

struct person_record {
    struct enrollment *enrollments;
    size_t n_enrollments, cap_enrollments;
    struct service *services;
    size_t n_services, cap_services;
    struct planned_gap *gaps;
    size_t n_gaps, cap_gaps;
};

void person_record_init(struct person_record *record);
void person_record_cleanup(struct person_record *record);
/* Empties the record but keeps its memory, for reuse across many people. */
void person_record_reset(struct person_record *record);

/* Append one item (copied) and return a pointer to the stored copy. */
struct enrollment *person_record_add_enrollment(struct person_record *record,
                                                const struct enrollment *enrollment);
struct service *person_record_add_service(struct person_record *record,
                                          const struct service *service);
struct planned_gap *person_record_add_gap(struct person_record *record,
                                          const struct planned_gap *gap);

/* Name <-> enum for gap reasons ("TRAINING_DELAY", ...).  Parse returns 0 or BR_EINVAL. */
const char *gap_reason_name(enum gap_reason reason);
int gap_reason_parse(const char *name, enum gap_reason *out);

/* The eligibility date of a program for this person (the earliest determination), or DATE_NONE. */
int32_t person_record_eligibility(const struct person_record *record, int program);

/* Checks the rules a record must satisfy before it is stored or evaluated, adding one field error
 * per problem to err (every problem, not just the first):
 *   - a service ends (or is projected to end) before it starts;
 *   - a participation-triggering service before the program's eligibility determination, or in a
 *     program with none (RULES.md §3);
 *   - a YOUTH qualifying service other than OBJECTIVE_ASSESSMENT before the objective assessment
 *     (RULES.md §3, seed 004);
 *   - a planned gap that ends before it starts, is not gap_min_days..gap_max_days long, or overlaps
 *     another gap of the same exit group (RULES.md §5).
 * Returns 0 or BR_EINVAL. */
int record_validate(const struct catalog *catalog, const struct policy *policy,
                    const struct person_record *record, struct br_error *err);

#endif
