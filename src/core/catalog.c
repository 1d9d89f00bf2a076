/* catalog.c — lookups over the program and service-code catalog (RULES.md §1-2).
 *
 * The catalog is small (tens of codes), so lookups are a linear scan; callers that resolve many
 * records resolve each code once and keep the index. */
#include "core/catalog.h"

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

int
catalog_program_index(const struct catalog *catalog, const char *code)
{
    for (size_t i = 0; i < catalog->n_programs; i++) {
        if (strcmp(catalog->programs[i].code, code) == 0)
            return (int)i;
    }
    return CATALOG_NOT_FOUND;
}

int
catalog_service_index(const struct catalog *catalog, const char *code)
{
    for (size_t i = 0; i < catalog->n_services; i++) {
        if (strcmp(catalog->services[i].code, code) == 0)
            return (int)i;
    }
    return CATALOG_NOT_FOUND;
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
}
