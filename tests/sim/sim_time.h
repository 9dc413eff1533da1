/* SPDX-License-Identifier: MIT */
/*
 * sim_time.h - clocks and Navixy date formatting: "yyyy-MM-dd HH:mm:ss" in
 * the user's fixed time zone, or ISO-8601 with the offset ("Z" for UTC).
 */
#ifndef SIM_TIME_H
#define SIM_TIME_H

#include <stddef.h>
#include <stdint.h>

#define SIM_DATE_MAX 32

/* Monotonic milliseconds, and wall-clock microseconds / seconds. */
int64_t sim_mono_ms(void);
int64_t sim_wall_us(void);
int64_t sim_wall_s(void);

/* Parses "+HH:MM" / "-HH:MM" / "Z" into seconds east of UTC; -1 on error
 * (out untouched). */
int sim_parse_tz(const char *s, int *offset_s);

/* Formats epoch seconds t for a user at offset_s. iso=0: "2025-10-08 18:31:58";
 * iso=1: "2025-10-08T18:31:58-06:00" (or "...Z" at offset 0). Returns length. */
int sim_format_date(char *buf, size_t cap, int64_t t, int offset_s, int iso);

/* Parses a rate_limit timespan: "500ms", "1s", "5s", "1m", "2h", or a bare
 * number of seconds. Returns 0 and *ms, or -1 if malformed / out of range. */
int sim_parse_timespan(const char *s, long *ms);

/* Parses an admin millisecond argument: decimal digits only (no sign, no
 * fraction, no exponent, no spaces), 0..max. Returns 0 and *ms, or -1 if
 * missing (NULL or ""), malformed or out of range (out untouched). */
int sim_parse_ms(const char *s, long max, long *ms);

#endif
