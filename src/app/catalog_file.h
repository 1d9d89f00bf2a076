/* catalog_file.h — the catalog and policy settings from a JSON file (data/catalog.json).
 *
 * Shape: {"version": 1,
 *         "programs": [{"code", "title", "agency", "kind", "common_exit", "job_center"}],
 *         "services": [{"code", "title", "category", "triggers_participation", "prevents_exit"}],
 *         "policy": {<every field of struct policy, by its own name>}}
 * The catalog is data so a state adds programs or re-maps service codes without a rebuild
 * (RULES.md §1-2); the policy numbers are settings, not literals (RULES.md preamble). */
#ifndef BRAID_APP_CATALOG_FILE_H
#define BRAID_APP_CATALOG_FILE_H

#include <stddef.h>

#include <jansson.h>

#include "core/catalog.h"
#include "core/error.h"
#include "core/policy.h"

/* A hard cap on the file, so a wrong path (a log, a dump) cannot make braid read without bound. */
#define CATALOG_FILE_MAX_BYTES ((size_t)4 << 20)

/* A hard cap on each of "programs" and "services", so indexes fit an int with room to spare. */
#define CATALOG_FILE_MAX_ITEMS 10000

/* Reads and validates the whole file at path into catalog (overwritten: it must not hold arrays)
 * and policy.  A missing "policy", or a missing key in it, takes the value of policy_defaults().
 * Every entry needs every field; unknown keys are rejected everywhere, so a typo is never silently
 * ignored.  On success the caller owns the arrays (catalog_cleanup()).
 *
 * Returns 0, or:
 *   BR_EIO     the file cannot be opened or read (message names the path and the reason);
 *   BR_ETOOBIG the file is over CATALOG_FILE_MAX_BYTES;
 *   BR_EPARSE  the text is not JSON, has a duplicate key, or is not a JSON object (message names
 *              the line and column);
 *   BR_EINVAL  one field error per bad field, by path ("services[5].category"): missing, wrong
 *              type, a code not matching ^[A-Z][A-Z0-9_]*$ or too long, a duplicate code, an
 *              unknown category, a policy number out of range, an unknown key.
 * On error catalog and policy are left zeroed and nothing is leaked.  err may be NULL. */
int catalog_file_load(const char *path, struct catalog *catalog, struct policy *policy,
                      struct br_error *err);

/* Which catalog file to use when the user named none, written into buf (size bytes; PATH_MAX is
 * plenty): $BRAID_CATALOG when set and not empty; else <dir of /proc/self/exe>/../data/catalog.json
 * when that exists (the binary is build/braid in the repo); else data/catalog.json relative to
 * the working directory.  A path that does not fit leaves buf empty, which then fails to open.
 * Returns buf. */
const char *catalog_file_find(char *buf, size_t size);

/* The policy settings as the file's "policy" object writes them: every one, by its own name.  A
 * new object; this function can't fail. */
json_t *catalog_file_policy_json(const struct policy *policy);

#endif
