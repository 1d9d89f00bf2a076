/* api_page.h — the one shape of every list the API returns: ?limit= (1 to ADMIN_PAGE_MAX,
 * default API_PAGE_DEFAULT) and ?offset= (default 0) in, and
 *   {"<items>": [...], "total": N, "limit": L, "offset": O, "next_offset": O + L or null}
 * out.  The range of limit and offset is the use case's to check (app_page_check). */
#ifndef BRAID_HTTP_API_PAGE_H
#define BRAID_HTTP_API_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "http/http.h"

#define API_PAGE_DEFAULT 25

struct api_page {
    int64_t limit;
    int64_t offset;
};

/* Reads limit and offset from the query: a field error for text that is not a whole number. */
void api_page_parse(const struct http_request *req, struct api_page *page, struct br_error *err);

/* The page as JSON (items stolen); n is the number of items on it. */
json_t *api_page_json(const char *name, json_t *items, size_t n, int64_t total,
                      const struct api_page *page);

/* For lists a use case returns whole (one person's records): the first item of the page and how
 * many, of n in all. */
size_t api_page_slice(const struct api_page *page, size_t n, size_t *count);

#endif
