/*
 * navixy_time.c - Navixy date/time strings to UTC epoch seconds (see
 * navixy_time.h). Uses the civil-date day count instead of timegm(), which
 * is not POSIX and would depend on the process's TZ.
 */
#include "navixy_time.h"

#include <stdint.h>

/* Reads exactly n digits at s[*pos]; -1 if any is not a digit. */
static int read_digits(const char *s, size_t len, size_t *pos, int n, int *out)
{
	int v = 0;
	if (*pos + (size_t)n > len)
		return -1;
	for (int i = 0; i < n; i++) {
		char c = s[*pos + (size_t)i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*pos += (size_t)n;
	*out = v;
	return 0;
}

static int expect(const char *s, size_t len, size_t *pos, char c)
{
	if (*pos >= len || s[*pos] != c)
		return -1;
	(*pos)++;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

/* Parses "Z", "+hh", "+hhmm" or "+hh:mm" (or '-'); seconds east of UTC. */
static int parse_offset(const char *s, size_t len, size_t *pos, long *offset)
{
	if (*pos < len && s[*pos] == 'Z') {
		(*pos)++;
		*offset = 0;
		return 0;
	}
	if (*pos >= len || (s[*pos] != '+' && s[*pos] != '-'))
		return -1;
	int sign = s[*pos] == '-' ? -1 : 1;
	(*pos)++;
	int hh, mm = 0;
	if (read_digits(s, len, pos, 2, &hh) < 0 || hh > 23)
		return -1;
	if (*pos < len && s[*pos] == ':')
		(*pos)++;
	if (*pos < len && read_digits(s, len, pos, 2, &mm) < 0)
		return -1;
	if (mm > 59)
		return -1;
	*offset = sign * (hh * 3600L + mm * 60L);
	return 0;
}

int nvx_time_parse(const char *s, size_t len, time_t *out)
{
	size_t pos = 0;
	int y, mo, d, h, mi, sec;
	if (!s || read_digits(s, len, &pos, 4, &y) < 0 || expect(s, len, &pos, '-') < 0 ||
	    read_digits(s, len, &pos, 2, &mo) < 0 || expect(s, len, &pos, '-') < 0 ||
	    read_digits(s, len, &pos, 2, &d) < 0)
		return -1;
	if (pos >= len || (s[pos] != ' ' && s[pos] != 'T'))
		return -1;
	pos++;
	if (read_digits(s, len, &pos, 2, &h) < 0 || expect(s, len, &pos, ':') < 0 ||
	    read_digits(s, len, &pos, 2, &mi) < 0 || expect(s, len, &pos, ':') < 0 ||
	    read_digits(s, len, &pos, 2, &sec) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	/* Fractional seconds are ignored. */
	if (pos < len && s[pos] == '.') {
		pos++;
		size_t start = pos;
		while (pos < len && s[pos] >= '0' && s[pos] <= '9')
			pos++;
		if (pos == start)
			return -1;
	}
	long offset = 0;
	if (pos < len && parse_offset(s, len, &pos, &offset) < 0)
		return -1;
	if (pos != len)
		return -1;
	int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
	*out = (time_t)t;
	return 0;
}
