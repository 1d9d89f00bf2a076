/* catalog.h — the programs and service codes braid knows, with the flags that drive the rules.
 *
 * The catalog is data (data/catalog.json, or the catalog tables), never an enum: a state adds a
 * program or re-maps a service code without a rebuild (RULES.md §1-2).  Records refer to programs
 * and service codes by their index in these arrays. */
#ifndef BRAID_CORE_CATALOG_H
#define BRAID_CORE_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CATALOG_CODE_SIZE 32
#define CATALOG_TITLE_SIZE 128
#define CATALOG_NOT_FOUND (-1)
#define CATALOG_SLOTS 512 /* hash slots per code kind: a power of two, twice the codes indexed */

/* What kind of service a code is (RULES.md §2 "category"). */
enum service_category {
    SERVICE_SELF_SERVICE,
    SERVICE_BASIC_INFORMATIONAL,
    SERVICE_BASIC_STAFF_ASSISTED,
    SERVICE_INDIVIDUALIZED,
    SERVICE_TRAINING,
    SERVICE_SUPPORTIVE,
    SERVICE_CONTACT,
    SERVICE_FOLLOW_UP,
};

struct program {
    char code[CATALOG_CODE_SIZE];      /* "ADULT" */
    char title[CATALOG_TITLE_SIZE];    /* "WIOA Title I Adult" */
    char agency[CATALOG_TITLE_SIZE];   /* administering agency */
    char kind[CATALOG_CODE_SIZE];      /* "title_i", "partner", ... (free text, for reports) */
    bool common_exit;                  /* exits with the other common-exit programs (RULES.md §4) */
    bool job_center;                   /* a job-center program: staff-assisted service needs WP (§6) */
};

struct service_code {
    char code[CATALOG_CODE_SIZE];      /* "CASE_MANAGEMENT" */
    char title[CATALOG_TITLE_SIZE];
    enum service_category category;
    bool triggers_participation;       /* makes a reportable individual a participant (§3) */
    bool prevents_exit;                /* counts as a qualifying service for the exit clock (§4) */
};

struct catalog {
    struct program *programs;
    size_t n_programs;
    struct service_code *services;
    size_t n_services;
    /* Hash tables of the codes (index + 1, 0 for an empty slot), filled by catalog_index_codes:
     * reading millions of service rows then costs one string compare per code, not a scan. */
    bool indexed;
    int16_t program_slots[CATALOG_SLOTS];
    int16_t service_slots[CATALOG_SLOTS];
};

/* Index of the program / service code with this code (exact, case-sensitive), or CATALOG_NOT_FOUND.
 * A hash lookup once the catalog is indexed, a linear scan before. */
int catalog_program_index(const struct catalog *catalog, const char *code);
int catalog_service_index(const struct catalog *catalog, const char *code);

/* Builds the hash tables once the arrays are complete (the loaders call it); a catalog with more
 * than CATALOG_SLOTS / 2 codes of a kind, or a duplicate code, stays unindexed. */
void catalog_index_codes(struct catalog *catalog);

/* Name <-> enum for service categories ("self_service", "basic_informational",
 * "basic_staff_assisted", "individualized", "training", "supportive", "contact", "follow_up").
 * Parse returns 0 or BR_EINVAL. */
const char *service_category_name(enum service_category category);
int service_category_parse(const char *name, enum service_category *out);

/* Frees the arrays; the struct itself belongs to the caller. */
void catalog_cleanup(struct catalog *catalog);

#endif
