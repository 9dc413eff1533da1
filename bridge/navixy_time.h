/*
 * navixy_time.h - parses Navixy date/time strings into UTC epoch seconds.
 *
 * Two forms (spec §4): "yyyy-MM-dd HH:mm:ss" (the user's time zone, no
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

#endif
