/* test_date.c — src/core/date.c: conversions, parsing, weekdays, business days, quarters,
 * program years and month arithmetic.  Expected day numbers and weekdays were checked against
 * Python's datetime, an independent implementation. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"

/* Reference implementations that walk day by day, to check the O(1) versions against. */
static int32_t
naive_add_business_days(int32_t date, int n)
{
    int step = n < 0 ? -1 : 1;
    int left = n < 0 ? -n : n;

    while (left > 0) {
        date += step;
        if (date_weekday(date) <= 5)
            left--;
    }
    return date;
}

static int
naive_business_days_between(int32_t from, int32_t to)
{
    int count = 0;

    for (int32_t d = from + 1; d <= to; d++)
        if (date_weekday(d) <= 5)
            count++;
    return count;
}

static void
test_epoch_and_known_day_numbers(void **state)
{
    (void)state;
    assert_int_equal(date_from_ymd(1970, 1, 1), 0);
    assert_int_equal(D("1970-01-01"), 0);
    assert_int_equal(D("1970-01-02"), 1);
    assert_int_equal(D("1969-12-31"), -1);
    assert_int_equal(D("2000-01-01"), 10957);
    assert_int_equal(D("2000-03-01"), 11017);
    assert_int_equal(D("1900-01-01"), -25567);
    assert_int_equal(D("2100-12-31"), 47846);
    assert_int_equal(D("9999-12-31"), 2932896);

    int y = 0, m = 0, d = 0;
    date_to_ymd(-25567, &y, &m, &d);
    assert_int_equal(y, 1900);
    assert_int_equal(m, 1);
    assert_int_equal(d, 1);
    date_to_ymd(11017, &y, &m, &d);
    assert_int_equal(y, 2000);
    assert_int_equal(m, 3);
    assert_int_equal(d, 1);

    /* Any out-pointer may be NULL. */
    m = 0;
    date_to_ymd(D("2026-11-23"), NULL, &m, NULL);
    assert_int_equal(m, 11);
}

/* Every calendar day 1900..2100 written independently of date_format: each parses to the previous
 * day number plus one, splits back into the same y/m/d, and formats back to the same text. */
static void
test_round_trip_every_day_1900_2100(void **state)
{
    (void)state;
    char text[32], out[DATE_TEXT_SIZE];
    int32_t prev = DATE_NONE;
    long count = 0;

    for (int y = 1900; y <= 2100; y++) {
        for (int m = 1; m <= 12; m++) {
            int last = date_days_in_month(y, m);
            for (int d = 1; d <= last; d++) {
                int32_t day = DATE_NONE;
                snprintf(text, sizeof(text), "%04d-%02d-%02d", y, m, d);
                assert_int_equal(date_parse(text, &day), 0);
                if (prev != DATE_NONE)
                    assert_int_equal(day, prev + 1);
                assert_int_equal(date_from_ymd(y, m, d), day);

                int yy = 0, mm = 0, dd = 0;
                date_to_ymd(day, &yy, &mm, &dd);
                assert_int_equal(yy, y);
                assert_int_equal(mm, m);
                assert_int_equal(dd, d);

                assert_ptr_equal(date_format(day, out), out);
                assert_string_equal(out, text);
                prev = day;
                count++;
            }
            /* The day after the month's last does not exist. */
            snprintf(text, sizeof(text), "%04d-%02d-%02d", y, m, last + 1);
            int32_t untouched = 12345;
            assert_int_equal(date_parse(text, &untouched), BR_EINVAL);
            assert_int_equal(untouched, 12345);
        }
    }
    assert_int_equal(count, 73414); /* days in 1900-01-01 .. 2100-12-31 */
    assert_int_equal(prev, D("2100-12-31"));

    /* And from the day-number side: parse(format(d)) == d for every d in the range. */
    for (int32_t day = D("1900-01-01"); day <= D("2100-12-31"); day++) {
        int32_t back = DATE_NONE;
        assert_int_equal(date_parse(date_format(day, out), &back), 0);
        assert_int_equal(back, day);
    }
}

static void
test_leap_years(void **state)
{
    (void)state;
    assert_false(date_is_leap_year(1900));
    assert_true(date_is_leap_year(2000));
    assert_true(date_is_leap_year(2024));
    assert_false(date_is_leap_year(2100));
    assert_false(date_is_leap_year(2025));
    assert_false(date_is_leap_year(2026));
    assert_true(date_is_leap_year(2400));

    assert_int_equal(date_days_in_month(1900, 2), 28);
    assert_int_equal(date_days_in_month(2000, 2), 29);
    assert_int_equal(date_days_in_month(2024, 2), 29);
    assert_int_equal(date_days_in_month(2100, 2), 28);
    assert_int_equal(date_days_in_month(2026, 4), 30);
    assert_int_equal(date_days_in_month(2026, 12), 31);
    assert_int_equal(date_days_in_month(2026, 0), 0);
    assert_int_equal(date_days_in_month(2026, 13), 0);

    int32_t d = DATE_NONE;
    assert_int_equal(date_parse("1900-02-29", &d), BR_EINVAL);
    assert_int_equal(date_parse("2000-02-29", &d), 0);
    assert_int_equal(d, D("2000-03-01") - 1);
    assert_int_equal(date_parse("2100-02-29", &d), BR_EINVAL);

    /* Year lengths follow. */
    assert_int_equal(D("1901-01-01") - D("1900-01-01"), 365);
    assert_int_equal(D("2001-01-01") - D("2000-01-01"), 366);
    assert_int_equal(D("2025-01-01") - D("2024-01-01"), 366);
    assert_int_equal(D("2101-01-01") - D("2100-01-01"), 365);
}

static void
test_valid_and_nonexistent_days(void **state)
{
    (void)state;
    int32_t d = DATE_NONE;

    assert_int_equal(date_parse("2024-02-29", &d), 0);
    assert_int_equal(d, D("2024-03-01") - 1);

    const char *nonexistent[] = {"2026-02-29", "2026-02-30", "2026-04-31", "2025-02-29",
                                 "2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32",
                                 "2026-06-31", "2026-99-99"};
    for (size_t i = 0; i < sizeof(nonexistent) / sizeof(nonexistent[0]); i++) {
        d = 777;
        assert_int_equal(date_parse(nonexistent[i], &d), BR_EINVAL);
        assert_int_equal(d, 777); /* not written on failure */
    }

    assert_true(date_valid(2024, 2, 29));
    assert_false(date_valid(2026, 2, 29));
    assert_false(date_valid(2026, 2, 30));
    assert_false(date_valid(2026, 4, 31));
    assert_false(date_valid(2026, 13, 1));
    assert_false(date_valid(2026, 0, 1));
    assert_false(date_valid(2026, 1, 0));
    assert_false(date_valid(2026, 1, -1));
    assert_true(date_valid(1900, 1, 1));
    assert_true(date_valid(9999, 12, 31));
    assert_false(date_valid(1899, 12, 31));
    assert_false(date_valid(10000, 1, 1));
}

static void
test_malformed_text(void **state)
{
    (void)state;
    const char *malformed[] = {
        "2026-1-05",   "2026/01/05", " 2026-01-05", "2026-01-05x",  "",           "abcd-ef-gh",
        "10000-01-01", "2026-01-5",  "2026-01-05 ", "2026-01-05\n", "+026-01-05", "2026-+1-05",
        "2026-01-0x",  "2026-01",    "2026",        "20260105",     "2026_01_05", "26-01-05",
        "2026-001-05", "-026-01-05", "2026 01 05",  "2026-01--5",
    };
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        int32_t d = 555;
        assert_int_equal(date_parse(malformed[i], &d), BR_EPARSE);
        assert_int_equal(d, 555);
    }

    int32_t d = 555;
    assert_int_equal(date_parse(NULL, &d), BR_EPARSE);
    assert_int_equal(d, 555);
    assert_int_equal(date_parse("2026-01-05", NULL), BR_EPARSE);

    /* Well-formed but outside the accepted years: rejected as a value, not as a form. */
    assert_int_equal(date_parse("0000-01-01", &d), BR_EINVAL);
    assert_int_equal(date_parse("1899-12-31", &d), BR_EINVAL);
    assert_int_equal(d, 555);
    assert_int_equal(date_parse("1900-01-01", &d), 0);
    assert_int_equal(date_parse("9999-12-31", &d), 0);
}

static void
test_format(void **state)
{
    (void)state;
    char buf[DATE_TEXT_SIZE];

    assert_string_equal(date_format(0, buf), "1970-01-01");
    assert_string_equal(date_format(D("2026-11-23"), buf), "2026-11-23");
    assert_string_equal(date_format(D("1900-01-01"), buf), "1900-01-01");
    assert_string_equal(date_format(D("9999-12-31"), buf), "9999-12-31");

    memset(buf, 'x', sizeof(buf));
    assert_ptr_equal(date_format(DATE_NONE, buf), buf);
    assert_string_equal(buf, "");

    /* A day beyond year 9999 is truncated to the buffer, never written past it. */
    char wide[DATE_TEXT_SIZE + 8];
    memset(wide, 'x', sizeof(wide));
    date_format(date_from_ymd(12345, 6, 7), wide);
    assert_int_equal(strlen(wide), DATE_TEXT_SIZE - 1);
    for (size_t i = DATE_TEXT_SIZE; i < sizeof(wide); i++)
        assert_int_equal(wide[i], 'x');
}

/* RULES.md §4: last qualifying service 2026-01-10; day L+90 is 2026-04-10, L+91 is 2026-04-11. */
static void
test_rules_exit_example(void **state)
{
    (void)state;
    int32_t last = D("2026-01-10");

    assert_int_equal(last + 90, D("2026-04-10"));
    assert_int_equal(last + 91, D("2026-04-11"));
    assert_int_equal(D("2026-04-11") - last, 91);
}

static void
test_days_between_across_leap_day(void **state)
{
    (void)state;
    assert_int_equal(D("2024-03-01") - D("2024-02-28"), 2);
    assert_int_equal(D("2025-03-01") - D("2025-02-28"), 1);
    assert_int_equal(D("2024-03-01") - D("2024-02-01"), 29);
    assert_int_equal(D("2026-03-01") - D("2026-02-01"), 28);
    assert_int_equal(D("2024-12-31") - D("2023-12-31"), 366);
    assert_int_equal(D("2000-03-01") - D("1999-12-31"), 61);
    assert_int_equal(D("2100-03-01") - D("2099-12-31"), 60);
}

static void
test_weekday(void **state)
{
    (void)state;
    assert_int_equal(date_weekday(D("2026-11-23")), 1); /* Monday */
    assert_int_equal(date_weekday(D("1970-01-01")), 4); /* Thursday */
    assert_int_equal(date_weekday(D("1969-12-28")), 7); /* Sunday, before the epoch */
    assert_int_equal(date_weekday(D("1900-01-01")), 1); /* Monday */
    assert_int_equal(date_weekday(D("2000-01-01")), 6); /* Saturday */
    assert_int_equal(date_weekday(D("2026-01-08")), 4);
    assert_int_equal(date_weekday(D("2026-01-09")), 5);
    assert_int_equal(date_weekday(D("2026-01-10")), 6);
    assert_int_equal(date_weekday(D("2026-01-11")), 7);

    /* Weekdays cycle 1..7 with no gaps across the epoch and far from it. */
    for (int32_t d = D("1969-01-01"); d < D("1971-01-01"); d++)
        assert_int_equal(date_weekday(d + 1), date_weekday(d) % 7 + 1);
    assert_int_equal(date_weekday(D("9999-12-31")), 5); /* Friday */

    assert_true(date_is_business_day(D("2026-11-23")));
    assert_true(date_is_business_day(D("2026-01-09")));
    assert_false(date_is_business_day(D("2026-01-10")));
    assert_false(date_is_business_day(D("2026-01-11")));
}

static void
test_add_business_days(void **state)
{
    (void)state;
    int32_t thu = D("2026-01-08"), fri = D("2026-01-09"), sat = D("2026-01-10");
    int32_t sun = D("2026-01-11"), mon = D("2026-01-12");

    assert_int_equal(date_add_business_days(fri, 1), mon);
    assert_int_equal(date_add_business_days(thu, 3), D("2026-01-13"));
    assert_int_equal(date_add_business_days(thu, 1), fri);
    assert_int_equal(date_add_business_days(sat, 1), mon);
    assert_int_equal(date_add_business_days(sun, 1), mon);
    assert_int_equal(date_add_business_days(mon, 5), D("2026-01-19"));
    assert_int_equal(date_add_business_days(fri, 5), D("2026-01-16"));
    assert_int_equal(date_add_business_days(sat, 5), D("2026-01-16"));
    assert_int_equal(date_add_business_days(sun, 10), D("2026-01-23"));
    assert_int_equal(date_add_business_days(fri, 260), D("2027-01-08"));

    /* n = 0 is the date itself, weekend or not. */
    assert_int_equal(date_add_business_days(thu, 0), thu);
    assert_int_equal(date_add_business_days(sat, 0), sat);

    /* Negative n goes backwards (outside the header's n >= 0 contract, but defined). */
    assert_int_equal(date_add_business_days(mon, -1), fri);
    assert_int_equal(date_add_business_days(sat, -1), fri);
    assert_int_equal(date_add_business_days(sun, -1), fri);
    assert_int_equal(date_add_business_days(D("2026-01-13"), -3), thu);

    /* Against a day-by-day walk from every weekday, across a year end and before the epoch. */
    int32_t starts[] = {D("2025-12-20"), D("1969-12-20")};
    for (size_t s = 0; s < 2; s++) {
        for (int32_t d = starts[s]; d < starts[s] + 21; d++) {
            for (int n = -40; n <= 40; n++)
                assert_int_equal(date_add_business_days(d, n), naive_add_business_days(d, n));
        }
    }
}

static void
test_business_days_between(void **state)
{
    (void)state;
    int32_t thu = D("2026-01-08"), fri = D("2026-01-09"), sat = D("2026-01-10");
    int32_t sun = D("2026-01-11"), mon = D("2026-01-12");

    assert_int_equal(date_business_days_between(fri, mon), 1);
    assert_int_equal(date_business_days_between(thu, D("2026-01-13")), 3);
    assert_int_equal(date_business_days_between(thu, fri), 1);
    assert_int_equal(date_business_days_between(fri, sat), 0);
    assert_int_equal(date_business_days_between(fri, sun), 0);
    assert_int_equal(date_business_days_between(sat, sun), 0);
    assert_int_equal(date_business_days_between(sat, mon), 1);
    assert_int_equal(date_business_days_between(mon, D("2026-01-19")), 5);
    assert_int_equal(date_business_days_between(D("2025-12-31"), D("2026-12-31")), 261);

    /* Empty or reversed intervals. */
    assert_int_equal(date_business_days_between(thu, thu), 0);
    assert_int_equal(date_business_days_between(mon, fri), 0);

    /* Against a day-by-day count, and as the inverse of date_add_business_days. */
    int32_t starts[] = {D("2025-12-20"), D("1969-12-20")};
    for (size_t s = 0; s < 2; s++) {
        for (int32_t from = starts[s]; from < starts[s] + 14; from++) {
            for (int32_t to = from - 3; to < from + 40; to++)
                assert_int_equal(date_business_days_between(from, to),
                                 naive_business_days_between(from, to));
            for (int n = 1; n <= 30; n++)
                assert_int_equal(date_business_days_between(from, date_add_business_days(from, n)),
                                 n);
        }
    }
}

/* RULES.md §10: exit 2017-06-01 → Q2 after exit = Oct–Dec 2017, Q4 after exit = Apr–Jun 2018. */
static void
test_quarters(void **state)
{
    (void)state;
    int32_t exited = D("2017-06-01");

    assert_int_equal(date_quarter(exited), 2);
    assert_int_equal(date_quarter(D("2017-01-01")), 1);
    assert_int_equal(date_quarter(D("2017-03-31")), 1);
    assert_int_equal(date_quarter(D("2017-04-01")), 2);
    assert_int_equal(date_quarter(D("2017-07-01")), 3);
    assert_int_equal(date_quarter(D("2017-12-31")), 4);

    assert_int_equal(date_quarter_start(exited, 2), D("2017-10-01"));
    assert_int_equal(date_quarter_end(exited, 2), D("2017-12-31"));
    assert_int_equal(date_quarter_start(exited, 4), D("2018-04-01"));
    assert_int_equal(date_quarter_end(exited, 4), D("2018-06-30"));
    assert_int_equal(date_quarter_start(exited, 0), D("2017-04-01"));
    assert_int_equal(date_quarter_end(exited, 0), D("2017-06-30"));
    assert_int_equal(date_quarter_start(exited, 1), D("2017-07-01"));
    assert_int_equal(date_quarter_end(exited, 1), D("2017-09-30"));
    assert_int_equal(date_quarter_start(exited, 3), D("2018-01-01"));
    assert_int_equal(date_quarter_end(exited, 3), D("2018-03-31"));

    /* Negative offsets, and quarters crossing a leap February. */
    assert_int_equal(date_quarter_start(exited, -1), D("2017-01-01"));
    assert_int_equal(date_quarter_end(exited, -1), D("2017-03-31"));
    assert_int_equal(date_quarter_start(exited, -2), D("2016-10-01"));
    assert_int_equal(date_quarter_start(exited, -5), D("2016-01-01"));
    assert_int_equal(date_quarter_end(D("2024-02-29"), 0), D("2024-03-31"));
    assert_int_equal(date_quarter_start(D("2024-02-29"), 0), D("2024-01-01"));

    /* Any day of a quarter gives the same answer; the quarter's boundaries included. */
    assert_int_equal(date_quarter_start(D("2017-04-01"), 2), D("2017-10-01"));
    assert_int_equal(date_quarter_start(D("2017-06-30"), 2), D("2017-10-01"));
    assert_int_equal(date_quarter_end(D("2017-12-31"), 0), D("2017-12-31"));
    assert_int_equal(date_quarter_start(D("2017-12-31"), 1), D("2018-01-01"));
}

static void
test_program_years(void **state)
{
    (void)state;
    assert_int_equal(date_program_year(D("2026-06-30")), 2025);
    assert_int_equal(date_program_year(D("2026-07-01")), 2026);
    assert_int_equal(date_program_year(D("2027-06-30")), 2026);
    assert_int_equal(date_program_year(D("2026-01-01")), 2025);
    assert_int_equal(date_program_year(D("2026-12-31")), 2026);

    assert_int_equal(date_program_year_start(2026), D("2026-07-01"));
    assert_int_equal(date_program_year_start(2025), D("2025-07-01"));
    for (int py = 1900; py < 2100; py++) {
        int32_t start = date_program_year_start(py);
        assert_int_equal(date_program_year(start), py);
        assert_int_equal(date_program_year(start - 1), py - 1);
    }
}

static void
test_add_months(void **state)
{
    (void)state;
    assert_int_equal(date_add_months(D("2026-01-31"), 1), D("2026-02-28"));
    assert_int_equal(date_add_months(D("2024-01-31"), 1), D("2024-02-29"));
    assert_int_equal(date_add_months(D("2026-03-31"), 1), D("2026-04-30"));
    assert_int_equal(date_add_months(D("2026-03-31"), -1), D("2026-02-28"));
    assert_int_equal(date_add_months(D("2026-12-31"), 2), D("2027-02-28"));
    assert_int_equal(date_add_months(D("2026-01-15"), 0), D("2026-01-15"));
    assert_int_equal(date_add_months(D("2026-01-15"), 1), D("2026-02-15"));
    assert_int_equal(date_add_months(D("2026-01-15"), 12), D("2027-01-15"));
    assert_int_equal(date_add_months(D("2026-01-15"), -1), D("2025-12-15"));
    assert_int_equal(date_add_months(D("2026-01-15"), -13), D("2024-12-15"));
    assert_int_equal(date_add_months(D("2000-02-29"), 12), D("2001-02-28"));
    assert_int_equal(date_add_months(D("2000-02-29"), 48), D("2004-02-29"));
    assert_int_equal(date_add_months(D("2000-02-29"), 1200), D("2100-02-28"));
    assert_int_equal(date_add_months(D("2026-11-23"), 12 * 100), D("2126-11-23"));
    /* Clamping is not undone: Jan 31 + 1 + 1 is Mar 28, not Mar 31. */
    assert_int_equal(date_add_months(date_add_months(D("2026-01-31"), 1), 1), D("2026-03-28"));
    assert_int_equal(date_add_months(D("2026-01-31"), 2), D("2026-03-31"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_and_known_day_numbers),
        cmocka_unit_test(test_round_trip_every_day_1900_2100),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_valid_and_nonexistent_days),
        cmocka_unit_test(test_malformed_text),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_rules_exit_example),
        cmocka_unit_test(test_days_between_across_leap_day),
        cmocka_unit_test(test_weekday),
        cmocka_unit_test(test_add_business_days),
        cmocka_unit_test(test_business_days_between),
        cmocka_unit_test(test_quarters),
        cmocka_unit_test(test_program_years),
        cmocka_unit_test(test_add_months),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
