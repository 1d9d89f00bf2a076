/* api_page.c — paginated lists (api_page.h). */
#include "http/api_page.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

/* A whole number from a query parameter; fallback, and a field error, when it is not one. */
static int64_t
query_number(const struct http_request *req, const char *name, int64_t fallback,
             struct br_error *err)
{
    const char *text = http_query_get(req, name);
    char *end = NULL;

    if (text == NULL)
        return fallback;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || !isdigit((unsigned char)text[0])) {
        br_error_field(err, name, "must be a whole number");
        return fallback;
    }
    return value;
}

void
api_page_parse(const struct http_request *req, struct api_page *page, struct br_error *err)
{
    page->limit = query_number(req, "limit", API_PAGE_DEFAULT, err);
    page->offset = query_number(req, "offset", 0, err);
}

json_t *
api_page_json(const char *name, json_t *items, size_t n, int64_t total, const struct api_page *page)
{
    int64_t next = page->offset + (int64_t)n;
    return json_pack("{s:o, s:I, s:I, s:I, s:o}", name, items, "total", (json_int_t)total, "limit",
                     (json_int_t)page->limit, "offset", (json_int_t)page->offset, "next_offset",
                     n > 0 && next < total ? json_integer(next) : json_null());
}

size_t
api_page_slice(const struct api_page *page, size_t n, size_t *count)
{
    size_t first = page->offset < 0 || (uint64_t)page->offset >= n ? n : (size_t)page->offset;
    size_t left = n - first;
    *count = page->limit < 0 || (uint64_t)page->limit > left ? left : (size_t)page->limit;
    return first;
}
