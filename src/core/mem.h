/* mem.h — allocation that never returns NULL: on out-of-memory the process aborts, so callers
 * need not check (there is nothing sensible to do without memory). */
#ifndef BRAID_CORE_MEM_H
#define BRAID_CORE_MEM_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows *items (each item_size bytes) so it holds at least need items; *cap is updated. */
void xgrow(void *items_ptr, size_t *cap, size_t need, size_t item_size);
char *xstrdup(const char *s);

#endif
