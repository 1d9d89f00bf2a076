/* date.h — civil dates (proleptic Gregorian), as a count of days since 1970-01-01.
 *
 * A date is an int32_t day number, so "days between" is a subtraction and "add days" an addition;
 * DATE_NONE marks an absent date (an open service's end, an unknown soft-exit day).  Only years
 * 1900..9999 are accepted from text, which keeps every computation far from overflow.  Pure: no
 * clock, no locale — today's date is always a parameter. */
#ifndef BRAID_CORE_DATE_H
#define BRAID_CORE_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DATE_NONE INT32_MIN
#define DATE_TEXT_SIZE 11 /* "YYYY-MM-DD" and its NUL */
#define DATE_MIN_YEAR 1900
#define DATE_MAX_YEAR 9999

/* Day number of year-month-day; the caller guarantees the date is valid (date_valid). */
int32_t date_from_ymd(int year, int month, int day);
/* Splits a day number into year, month (1-12) and day (1-31).  Any out-pointer may be NULL. */
void date_to_ymd(int32_t date, int *year, int *month, int *day);

bool date_is_leap_year(int year);
int date_days_in_month(int year, int month);
/* True when year is within DATE_MIN_YEAR..DATE_MAX_YEAR and month/day exist (2026-02-30 does not). */
bool date_valid(int year, int month, int day);

/* Parses exactly "YYYY-MM-DD" (no spaces, no other forms).  Returns 0, or BR_EPARSE when the
 * text is not of that form, or BR_EINVAL when it is but the day does not exist. */
int date_parse(const char *text, int32_t *out);
/* Writes "YYYY-MM-DD" into buf (at least DATE_TEXT_SIZE bytes); DATE_NONE writes "".  Returns buf. */
char *date_format(int32_t date, char *buf);

/* ISO weekday: 1 = Monday ... 7 = Sunday. */
int date_weekday(int32_t date);
bool date_is_business_day(int32_t date); /* Monday to Friday; holidays are not modelled */
/* The date n business days after date (n >= 0); date itself need not be a business day. */
int32_t date_add_business_days(int32_t date, int n);
/* Business days in (from, to]: how many business days later `to` is than `from` (0 if to <= from). */
int date_business_days_between(int32_t from, int32_t to);

/* Calendar quarter 1..4 of a date, and the first day of the quarter `offset` quarters after the
 * date's quarter (offset may be negative).  Quarter 2 after an exit on 2017-06-01 starts 2017-10-01. */
int date_quarter(int32_t date);
int32_t date_quarter_start(int32_t date, int offset);
int32_t date_quarter_end(int32_t date, int offset); /* last day of that quarter */

/* Program year (July 1 - June 30), named by the year it starts: 2026-07-01 .. 2027-06-30 is 2026. */
int date_program_year(int32_t date);
int32_t date_program_year_start(int program_year);

/* Adds calendar months, clamping the day (2026-01-31 + 1 month = 2026-02-28). */
int32_t date_add_months(int32_t date, int months);

#endif
