/* line_reader.h — lines from a file descriptor (a file, a pipe, standard input) into a buffer that
 * never grows past a hard limit, so no input can make memory grow without bound.  read(2) rather
 * than stdio, so a line arriving on a pipe is handled as soon as it arrives. */
#ifndef BRAID_APP_LINE_READER_H
#define BRAID_APP_LINE_READER_H

#include <stdbool.h>
#include <stddef.h>

struct line_reader {
    int fd;
    size_t limit;
    char *line;    /* the current line without its newline, NUL-terminated (unless too_long) */
    size_t len, cap;
    bool too_long; /* the current line was over limit: its bytes were dropped */
    long consumed; /* bytes read up to the end of the current line */
    char *chunk;
    size_t pos, end;
    bool eof;
};

void line_reader_init(struct line_reader *r, int fd, size_t limit);
void line_reader_cleanup(struct line_reader *r);

/* Reads the next line.  Returns 1 with the line in r->line / r->len (or r->too_long set), 0 at the
 * end of input, or BR_EIO with errno set when reading failed. */
int line_reader_next(struct line_reader *r);

/* True when the text is only spaces and tabs (such lines are skipped, but still counted). */
bool line_is_blank(const char *s, size_t n);

#endif
