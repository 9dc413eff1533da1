/* SPDX-License-Identifier: MIT */
/*
 * navixy_time.h - parses Navixy date/time strings into UTC epoch seconds.
 *
 * Two forms (docs/protocol.md, "Dates and times"): "yyyy-MM-dd HH:mm:ss" (the user's time zone, no
 * offset given: taken as UTC, since the bridge cannot know the user's zone;
 * send iso_datetime:true to get exact times) and ISO-8601
 * "yyyy-MM-ddTHH:mm:ss[.fff](Z|+hh:mm|+hhmm|+hh)".
 */
#ifndef N2M_NAVIXY_TIME_H
#define N2M_NAVIXY_TIME_H

#include <stddef.h>
#include <time.h>

/* Returns 0 and *out, or -1 if s[0..len) is not one of the forms. */
int nvx_time_parse(const char *s, size_t len, time_t *out);

/* The same instant written unambiguously, for what the bridge publishes:
 * ISO 8601 in UTC with a "Z", "YYYY-MM-DDTHH:MM:SS[.fff]Z" (fraction digits
 * kept as sent). "2018-10-17 12:51:43" (no offset: UTC) becomes
 * "2018-10-17T12:51:43Z", "2025-10-08T18:31:28-06:00" becomes
 * "2025-10-09T00:31:28Z"; text already in that form is copied. Writes a
 * NUL-terminated string of at most cap bytes into out and the epoch into
 * *epoch; returns its length, or -1 if s is not one of the forms or does
 * not fit. */
int nvx_time_normalize(const char *s, size_t len, char *out, size_t cap, time_t *epoch);

#endif
