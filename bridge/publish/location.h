/* SPDX-License-Identifier: MIT */
/*
 * location.h - the location topic's content: extracted from a Navixy source
 * state into numbers, and rendered as
 * {"latitude","longitude","altitude","speed","heading","gps_accuracy",
 *  "fix_time","stale"}.
 *
 * Sources: gps.location.lat/lng (or gps.lat/lng, as the docs' field list
 * has it), gps.alt, gps.speed, gps.heading, gps.precision, gps.updated.
 * Numbers sent as strings are converted; absent, null or unparsable values
 * render as null. fix_time is gps.updated as ISO 8601 in UTC with a "Z"
 * whatever form Navixy sent (navixy_time.h), null when it is no date.
 * stale is true when the fix time is older than
 * stale_after_s, or unknown (no or unparsable gps.updated); stale_after_s
 * <= 0 turns the flag off (always false).
 */
#ifndef N2M_LOCATION_H
#define N2M_LOCATION_H

#include <time.h>

#include "json_writer.h"
#include "tracker_table.h"

struct json_object;

/* Fills *loc from state. Returns 1 if the state has a gps block (loc is
 * then valid), 0 if not (loc untouched). */
int n2m_location_from_state(struct json_object *state, struct n2m_location *loc);

/* The same from canonical JSON text (json_scan.h): gps[0..len) is the
 * value of the state's "gps" member, NULL if it has none. Returns 1 or 0 as
 * above, or -1 (loc untouched) when a value needs json-c to read it the
 * same way (a string with escapes). */
int n2m_location_from_gps_text(const char *gps, size_t len, struct n2m_location *loc);

/* The stale flag of loc at now. */
int n2m_location_is_stale(const struct n2m_location *loc, time_t now, int stale_after_s);

/* Appends the location payload with the given stale flag to b. */
void n2m_location_render(const struct n2m_location *loc, int stale, struct n2m_buf *b);

#endif
