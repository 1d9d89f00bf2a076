#include "app/line_reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/mem.h"

#define LINE_READER_CHUNK ((size_t)64 << 10)

void
line_reader_init(struct line_reader *r, int fd, size_t limit)
{
    memset(r, 0, sizeof(*r));
    r->fd = fd;
    r->limit = limit;
    r->chunk = xmalloc(LINE_READER_CHUNK);
}

void
line_reader_cleanup(struct line_reader *r)
{
    free(r->line);
    free(r->chunk);
}

static void
line_reader_append(struct line_reader *r, const char *bytes, size_t n)
{
    if (r->too_long)
        return;
    if (n > r->limit - r->len) {
        r->too_long = true;
        r->len = 0;
        return;
    }
    if (r->len + n + 1 > r->cap) {
        /* Doubling, but never past the limit (and its NUL): the cap is on memory, not lines. */
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n + 1)
            cap = cap > r->limit / 2 ? r->limit + 1 : cap * 2;
        r->line = xrealloc(r->line, cap);
        r->cap = cap;
    }
    memcpy(r->line + r->len, bytes, n);
    r->len += n;
    r->line[r->len] = '\0';
}

int
line_reader_next(struct line_reader *r)
{
    bool started = false;

    r->len = 0;
    r->too_long = false;
    for (;;) {
        if (r->pos == r->end) {
            if (r->eof)
                break;
            ssize_t got = read(r->fd, r->chunk, LINE_READER_CHUNK);
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0)
                return BR_EIO;
            r->pos = 0;
            r->end = (size_t)got;
            r->eof = got == 0;
            continue;
        }
        const char *start = r->chunk + r->pos;
        const char *newline = memchr(start, '\n', r->end - r->pos);
        size_t take = newline ? (size_t)(newline - start) : r->end - r->pos;
        started = true;
        line_reader_append(r, start, take);
        r->pos += take;
        r->consumed += (long)take;
        if (newline != NULL) {
            r->pos++;
            r->consumed++;
            break;
        }
    }
    if (!started)
        return 0;
    line_reader_append(r, "", 0); /* an empty line still gets its NUL */
    return 1;
}

bool
line_is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strchr(" \t\r\f\v", s[i]) == NULL || s[i] == '\0')
            return false;
    return true;
}
