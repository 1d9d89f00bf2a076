/* date.c — civil dates as day numbers since 1970-01-01 (proleptic Gregorian).
 *
 * Conversions are Howard Hinnant's days_from_civil / civil_from_days (public domain,
 * https://howardhinnant.github.io/date_algorithms.html).  Internal arithmetic is done in int64_t so
 * that no day number a caller can hold, DATE_NONE included, overflows on the way. */
#include "core/date.h"

#include <stdio.h>

#include "core/error.h"

/* 1970-01-05, the first Monday on or after the epoch: the anchor for weekday arithmetic. */
#define DATE_EPOCH_MONDAY 4

/* Floor division and its remainder (always 0..b-1 for b > 0); C's / and % round toward zero. */
static int64_t
floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t
floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* Hinnant's days_from_civil.  Valid for any year, which date_add_months and the quarter helpers
 * rely on when their arithmetic steps outside DATE_MIN_YEAR..DATE_MAX_YEAR. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/* Hinnant's civil_from_days. */
static void
civil_from_days(int64_t z, int64_t *year, int *month, int *day)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);                         /* [1, 31] */
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);                            /* [1, 12] */
    *year = yoe + era * 400 + (m <= 2);
    *month = m;
    *day = d;
}

int32_t
date_from_ymd(int year, int month, int day)
{
    return (int32_t)days_from_civil(year, month, day);
}

void
date_to_ymd(int32_t date, int *year, int *month, int *day)
{
    int64_t y;
    int m, d;

    civil_from_days(date, &y, &m, &d);
    if (year != NULL)
        *year = (int)y;
    if (month != NULL)
        *month = m;
    if (day != NULL)
        *day = d;
}

bool
date_is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* Returns 0 for a month outside 1..12, so date_valid needs no separate month check. */
int
date_days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && date_is_leap_year(year))
        return 29;
    return days[month - 1];
}

bool
date_valid(int year, int month, int day)
{
    if (year < DATE_MIN_YEAR || year > DATE_MAX_YEAR)
        return false;
    return day >= 1 && day <= date_days_in_month(year, month);
}

/* Reads n ASCII digits; false on anything else.  Hand-rolled because atoi and sscanf accept signs,
 * spaces and short fields that "YYYY-MM-DD" must reject, and isdigit depends on the locale. */
static bool
read_digits(const char *s, int n, int *value)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return true;
}

/* *out is written only on success. */
int
date_parse(const char *text, int32_t *out)
{
    int rc = BR_EPARSE;
    int year, month, day;

    /* Each check stops at the first bad character, so a short string is never read past its NUL. */
    if (text == NULL || out == NULL)
        goto out;
    if (!read_digits(text, 4, &year) || text[4] != '-')
        goto out;
    if (!read_digits(text + 5, 2, &month) || text[7] != '-')
        goto out;
    if (!read_digits(text + 8, 2, &day) || text[10] != '\0')
        goto out;

    /* Well-formed from here on; a year outside 1900..9999 (e.g. "0000") is a value out of range. */
    rc = BR_EINVAL;
    if (!date_valid(year, month, day))
        goto out;

    *out = date_from_ymd(year, month, day);
    rc = 0;
out:
    return rc;
}

/* A day outside years 0..9999 does not fit "YYYY-MM-DD"; snprintf then truncates rather than
 * overflowing buf.  Dates from date_parse are always within 1900..9999. */
char *
date_format(int32_t date, char *buf)
{
    int year, month, day;

    if (date == DATE_NONE) {
        buf[0] = '\0';
        return buf;
    }
    date_to_ymd(date, &year, &month, &day);
    if (year < 0 || year > 9999) {
        snprintf(buf, DATE_TEXT_SIZE, "%04d-%02d-%02d", year, month, day);
        return buf;
    }
    /* By hand: output of millions of dates spent an eighth of its time in snprintf. */
    buf[0] = (char)('0' + year / 1000);
    buf[1] = (char)('0' + year / 100 % 10);
    buf[2] = (char)('0' + year / 10 % 10);
    buf[3] = (char)('0' + year % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + month / 10);
    buf[6] = (char)('0' + month % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + day / 10);
    buf[9] = (char)('0' + day % 10);
    buf[10] = '\0';
    return buf;
}

int
date_weekday(int32_t date)
{
    return (int)floor_mod((int64_t)date - DATE_EPOCH_MONDAY, 7) + 1;
}

bool
date_is_business_day(int32_t date)
{
    return date_weekday(date) <= 5;
}

/* Business days in (DATE_EPOCH_MONDAY - 1, date], negative before it; differences of this count
 * business days over any interval without walking it day by day. */
static int64_t
business_days_since_anchor(int64_t date)
{
    int64_t k = date - DATE_EPOCH_MONDAY;
    int64_t weeks = floor_div(k, 7);
    int64_t dow = k - weeks * 7; /* 0 = Monday .. 6 = Sunday */
    return weeks * 5 + (dow < 5 ? dow + 1 : 5);
}

/* The contract is n >= 0; a negative n counts backwards symmetrically (the date n business days
 * before), rather than giving a surprising answer. */
int32_t
date_add_business_days(int32_t date, int n)
{
    int64_t d = date;
    int64_t step = n < 0 ? -1 : 1;
    int64_t left = n < 0 ? -(int64_t)n : n;

    if (n == 0)
        return date;
    /* A weekend start counts like the business day it sits next to in the walking direction:
     * Saturday + 1 is Monday, just as Friday + 1 is.  After this d is a business day, so whole
     * weeks keep it one. */
    while (!date_is_business_day((int32_t)d))
        d -= step;
    d += step * 7 * (left / 5);
    left %= 5;
    while (left > 0) {
        d += step;
        if (date_is_business_day((int32_t)d))
            left--;
    }
    return (int32_t)d;
}

int
date_business_days_between(int32_t from, int32_t to)
{
    if (to <= from)
        return 0;
    return (int)(business_days_since_anchor(to) - business_days_since_anchor(from));
}

int
date_quarter(int32_t date)
{
    int month;

    date_to_ymd(date, NULL, &month, NULL);
    return (month - 1) / 3 + 1;
}

/* First day of the quarter `offset` quarters after date's; int64 so offset + 1 cannot overflow. */
static int64_t
quarter_start(int32_t date, int64_t offset)
{
    int64_t year;
    int month, day;

    civil_from_days(date, &year, &month, &day);
    int64_t index = year * 4 + (month - 1) / 3 + offset; /* quarters since 0000 Q1 */
    return days_from_civil(floor_div(index, 4), (int)floor_mod(index, 4) * 3 + 1, 1);
}

int32_t
date_quarter_start(int32_t date, int offset)
{
    return (int32_t)quarter_start(date, offset);
}

int32_t
date_quarter_end(int32_t date, int offset)
{
    return (int32_t)(quarter_start(date, (int64_t)offset + 1) - 1);
}

int
date_program_year(int32_t date)
{
    int year, month;

    date_to_ymd(date, &year, &month, NULL);
    return month >= 7 ? year : year - 1;
}

int32_t
date_program_year_start(int program_year)
{
    return date_from_ymd(program_year, 7, 1);
}

int32_t
date_add_months(int32_t date, int months)
{
    int64_t year;
    int month, day;

    civil_from_days(date, &year, &month, &day);
    int64_t index = year * 12 + (month - 1) + months; /* months since 0000-01 */
    int64_t new_year = floor_div(index, 12);
    int new_month = (int)floor_mod(index, 12) + 1;
    /* Leap years repeat every 400 years, so reducing new_year mod 400 keeps the int argument of
     * date_days_in_month in range without changing February's length. */
    int last = date_days_in_month((int)floor_mod(new_year, 400) + 2000, new_month);
    if (day > last)
        day = last;
    return (int32_t)days_from_civil(new_year, new_month, day);
}
