/* testutil.h — what every braid test includes: cmocka, and small helpers for dates. */
#ifndef BRAID_TESTUTIL_H
#define BRAID_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/date.h"

/* The day number of a "YYYY-MM-DD" literal; fails the test when it does not parse. */
static inline int32_t
D(const char *text)
{
    int32_t d = DATE_NONE;
    assert_int_equal(date_parse(text, &d), 0);
    return d;
}

#endif
