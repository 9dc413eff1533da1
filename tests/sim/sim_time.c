/* SPDX-License-Identifier: MIT */
/*
 * sim_time.c - clocks, date formatting and timespan parsing (pure apart
 * from the clock reads).
 */
#include "sim_time.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t sim_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sim_wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t sim_wall_s(void)
{
	return sim_wall_us() / 1000000;
}

int sim_parse_tz(const char *s, int *offset_s)
{
	if (!s)
		return -1;
	if (!strcmp(s, "Z") || !strcmp(s, "UTC")) {
		*offset_s = 0;
		return 0;
	}
	if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 || s[3] != ':')
		return -1;
	for (int i = 1; i < 6; i++)
		if (i != 3 && !isdigit((unsigned char)s[i]))
			return -1;
	int hh = (s[1] - '0') * 10 + (s[2] - '0');
	int mm = (s[4] - '0') * 10 + (s[5] - '0');
	if (hh > 14 || mm > 59)
		return -1;
	int off = hh * 3600 + mm * 60;
	*offset_s = s[0] == '-' ? -off : off;
	return 0;
}

/* Civil date from days since 1970-01-01 (proleptic Gregorian). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

int sim_format_date(char *buf, size_t cap, int64_t t, int offset_s, int iso)
{
	int64_t lt = t + offset_s;
	int64_t days = lt >= 0 ? lt / 86400 : -((-lt + 86399) / 86400);
	int64_t secs = lt - days * 86400;
	int y, mo, d;
	civil_from_days(days, &y, &mo, &d);
	int hh = (int)(secs / 3600), mi = (int)(secs / 60 % 60), ss = (int)(secs % 60);
	int n;
	if (!iso) {
		n = snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, hh, mi, ss);
	} else if (offset_s == 0) {
		n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, hh, mi, ss);
	} else {
		int a = offset_s < 0 ? -offset_s : offset_s;
		n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, mo, d, hh,
			     mi, ss, offset_s < 0 ? '-' : '+', a / 3600, a / 60 % 60);
	}
	return (n < 0 || (size_t)n >= cap) ? -1 : n;
}

int sim_parse_timespan(const char *s, long *ms)
{
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	char *end;
	double v = strtod(s, &end);
	double mult;
	if (!*end || !strcmp(end, "s"))
		mult = 1000;
	else if (!strcmp(end, "ms"))
		mult = 1;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		mult = 60000;
	else if (!strcmp(end, "h"))
		mult = 3600000;
	else
		return -1;
	double r = v * mult;
	if (r < 0 || r > 86400000.0)
		return -1;
	*ms = (long)r;
	return 0;
}

int sim_parse_ms(const char *s, long max, long *ms)
{
	if (!s || !*s || max < 0)
		return -1;
	long v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		long d = *p - '0';
		if (max - d < 0 || v > (max - d) / 10)
			return -1; /* over max (and never overflows) */
		v = v * 10 + d;
	}
	*ms = v;
	return 0;
}
