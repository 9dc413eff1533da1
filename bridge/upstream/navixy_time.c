/* SPDX-License-Identifier: MIT */
/*
 * navixy_time.c - Navixy date/time strings to UTC epoch seconds (see
 * navixy_time.h). Uses the civil-date day count instead of timegm(), which
 * is not POSIX and would depend on the process's TZ.
 */
#include "navixy_time.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

/* What a parse found besides the epoch: where the fraction digits are and
 * whether the text already is the UTC form the bridge writes. */
struct parsed_time {
	int64_t epoch;
	const char *frac;  /* the digits after '.', or NULL */
	size_t frac_len;
	int canonical;     /* 'T' separator and a 'Z' offset */
};

/* Fractional seconds: ".d+" (digits kept for the normalised form). */
static int parse_fraction(const char *s, size_t len, size_t *pos, struct parsed_time *p)
{
	if (*pos >= len || s[*pos] != '.')
		return 0;
	size_t start = ++(*pos);
	while (*pos < len && s[*pos] >= '0' && s[*pos] <= '9')
		(*pos)++;
	p->frac = s + start;
	p->frac_len = *pos - start;
	return p->frac_len ? 0 : -1;
}

static int parse(const char *s, size_t len, struct parsed_time *p)
{
	size_t pos = 0;
	int y, mo, d, h, mi, sec;
	memset(p, 0, sizeof *p);
	if (!s || read_digits(s, len, &pos, 4, &y) < 0 || expect(s, len, &pos, '-') < 0 ||
	    read_digits(s, len, &pos, 2, &mo) < 0 || expect(s, len, &pos, '-') < 0 ||
	    read_digits(s, len, &pos, 2, &d) < 0)
		return -1;
	if (pos >= len || (s[pos] != ' ' && s[pos] != 'T'))
		return -1;
	int iso = s[pos++] == 'T';
	if (read_digits(s, len, &pos, 2, &h) < 0 || expect(s, len, &pos, ':') < 0 ||
	    read_digits(s, len, &pos, 2, &mi) < 0 || expect(s, len, &pos, ':') < 0 ||
	    read_digits(s, len, &pos, 2, &sec) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    sec > 60 || parse_fraction(s, len, &pos, p) < 0)
		return -1;
	long offset = 0;
	p->canonical = iso && pos + 1 == len && s[pos] == 'Z';
	if (pos < len && parse_offset(s, len, &pos, &offset) < 0)
		return -1;
	if (pos != len)
		return -1;
	p->epoch = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
	return 0;
}

int nvx_time_parse(const char *s, size_t len, time_t *out)
{
	struct parsed_time p;
	if (parse(s, len, &p) < 0)
		return -1;
	*out = (time_t)p.epoch;
	return 0;
}

/* The civil date of a day count since 1970-01-01 (Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int nvx_time_normalize(const char *s, size_t len, char *out, size_t cap, time_t *epoch)
{
	struct parsed_time p;
	if (parse(s, len, &p) < 0)
		return -1;
	*epoch = (time_t)p.epoch;
	if (p.canonical) {
		/* Already "YYYY-MM-DDTHH:MM:SS[.f]Z": the common case, copied. */
		if (len + 1 > cap)
			return -1;
		memcpy(out, s, len);
		out[len] = '\0';
		return (int)len;
	}
	int64_t days = p.epoch >= 0 ? p.epoch / 86400 : -((-p.epoch + 86399) / 86400);
	int64_t secs = p.epoch - days * 86400, y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	int n = snprintf(out, cap, "%04lld-%02d-%02dT%02d:%02d:%02d%s%.*sZ", (long long)y, m, d,
			 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
			 p.frac ? "." : "", (int)p.frac_len, p.frac ? p.frac : "");
	return n > 0 && (size_t)n < cap ? n : -1;
}
