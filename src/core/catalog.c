/* catalog.c — lookups over the program and service-code catalog (RULES.md §1-2).
 *
 * The catalog is small (tens of codes); a loaded catalog is indexed by open-addressing hash
 * tables, since the store resolves the program and code of every service row it reads. */
#include "core/catalog.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* Names as they appear in data/catalog.json "category"; indexed by enum service_category. */
static const char *const service_category_names[] = {
    [SERVICE_SELF_SERVICE] = "self_service",
    [SERVICE_BASIC_INFORMATIONAL] = "basic_informational",
    [SERVICE_BASIC_STAFF_ASSISTED] = "basic_staff_assisted",
    [SERVICE_INDIVIDUALIZED] = "individualized",
    [SERVICE_TRAINING] = "training",
    [SERVICE_SUPPORTIVE] = "supportive",
    [SERVICE_CONTACT] = "contact",
    [SERVICE_FOLLOW_UP] = "follow_up",
};

#define SERVICE_CATEGORY_COUNT (sizeof(service_category_names) / sizeof(service_category_names[0]))

/* FNV-1a, reduced to a slot. */
static size_t
code_slot(const char *code)
{
    uint32_t hash = 2166136261u;
    for (const unsigned char *c = (const unsigned char *)code; *c != '\0'; c++)
        hash = (hash ^ *c) * 16777619u;
    return hash & (CATALOG_SLOTS - 1);
}

/* The code of item i of an array of programs or of service codes: code is the first member of
 * both structs, and stride is the struct's size. */
static const char *
code_at(const void *items, size_t stride, size_t i)
{
    return (const char *)items + i * stride;
}

static int
find_code(const int16_t *slots, bool indexed, const void *items, size_t stride, size_t n,
          const char *code)
{
    if (!indexed) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(code_at(items, stride, i), code) == 0)
                return (int)i;
        }
        return CATALOG_NOT_FOUND;
    }
    for (size_t slot = code_slot(code); slots[slot] != 0; slot = (slot + 1) & (CATALOG_SLOTS - 1)) {
        size_t i = (size_t)slots[slot] - 1;
        if (i < n && strcmp(code_at(items, stride, i), code) == 0) /* n may have shrunk */
            return (int)i;
    }
    return CATALOG_NOT_FOUND;
}

/* Fills slots for n codes; false when they do not fit or one repeats. */
static bool
fill_slots(int16_t *slots, const void *items, size_t stride, size_t n)
{
    memset(slots, 0, CATALOG_SLOTS * sizeof(*slots));
    if (n > CATALOG_SLOTS / 2)
        return false;
    for (size_t i = 0; i < n; i++) {
        const char *code = code_at(items, stride, i);
        size_t slot = code_slot(code);
        while (slots[slot] != 0) {
            if (strcmp(code_at(items, stride, (size_t)slots[slot] - 1), code) == 0)
                return false;
            slot = (slot + 1) & (CATALOG_SLOTS - 1);
        }
        slots[slot] = (int16_t)(i + 1);
    }
    return true;
}

_Static_assert(offsetof(struct program, code) == 0 && offsetof(struct service_code, code) == 0,
               "code_at reads the code at the start of each catalog item");

void
catalog_index_codes(struct catalog *catalog)
{
    catalog->indexed = fill_slots(catalog->program_slots, catalog->programs,
                                  sizeof(*catalog->programs), catalog->n_programs) &&
                       fill_slots(catalog->service_slots, catalog->services,
                                  sizeof(*catalog->services), catalog->n_services);
}

int
catalog_program_index(const struct catalog *catalog, const char *code)
{
    return find_code(catalog->program_slots, catalog->indexed, catalog->programs,
                     sizeof(*catalog->programs), catalog->n_programs, code);
}

int
catalog_service_index(const struct catalog *catalog, const char *code)
{
    return find_code(catalog->service_slots, catalog->indexed, catalog->services,
                     sizeof(*catalog->services), catalog->n_services, code);
}

/* Returns "unknown" for a value outside the enum, so a caller printing a corrupt value still gets
 * a string.  This function can't fail. */
const char *
service_category_name(enum service_category category)
{
    if ((size_t)category >= SERVICE_CATEGORY_COUNT)
        return "unknown";
    return service_category_names[category];
}

int
service_category_parse(const char *name, enum service_category *out)
{
    if (name == NULL)
        return BR_EINVAL;
    for (size_t i = 0; i < SERVICE_CATEGORY_COUNT; i++) {
        if (strcmp(service_category_names[i], name) == 0) {
            *out = (enum service_category)i;
            return 0;
        }
    }
    return BR_EINVAL;
}

void
catalog_cleanup(struct catalog *catalog)
{
    free(catalog->programs);
    free(catalog->services);
    catalog->programs = NULL;
    catalog->n_programs = 0;
    catalog->services = NULL;
    catalog->n_services = 0;
    catalog->indexed = false;
}
