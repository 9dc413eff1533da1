/* SPDX-License-Identifier: MIT */
/*
 * readings_merge.h - folds a readings_batch delta into a tracker's full
 * current readings, so the retained readings topic is always complete.
 *
 * Navixy sends only the objects that changed (docs/protocol.md, "Events", readings_batch); sections
 * without a change come as empty arrays. Merge rule, per section:
 *   inputs           keyed by sensor_id, else by name
 *   states           keyed by field
 *   virtual_sensors  keyed by sensor_id
 *   counters         keyed by type
 * A delta entry replaces the full entry with the same key, or is appended
 * when there is none. An entry without a usable key is appended unless an
 * identical entry is already there. Empty or absent delta sections change
 * nothing. The full readings' "timestamp" takes the delta's timestamp only
 * when something changed, so an empty delta leaves the payload identical
 * (and dedupe suppresses it). Other top-level fields (tracker_id, type) are
 * not copied.
 *
 * Limits, so that no tracker's retained readings grow without bound however
 * many distinct keys a server sends: a section keeps at most
 * N2M_READINGS_MAX_ENTRIES entries, of which at most N2M_READINGS_MAX_KEYLESS
 * have no identifying key; a delta entry that would go past either is not
 * added (updates of entries already there still apply) and is counted in
 * *truncated. The mapping also refuses a merged payload above
 * N2M_READINGS_MAX_BYTES (the stored readings stay as they were, counted).
 */
#ifndef N2M_READINGS_MERGE_H
#define N2M_READINGS_MERGE_H

#include <stddef.h>

struct json_object;

#define N2M_READINGS_MAX_ENTRIES 256
#define N2M_READINGS_MAX_KEYLESS 16
#define N2M_READINGS_MAX_BYTES (64 * 1024)

/* Merges delta into full (both JSON objects; full gains the sections it
 * lacks). Delta entries are shared into full by reference counting.
 * Entries left out by the limits above are added to *truncated. Returns 1
 * if full changed, 0 if not, -1 on bad input with a reason in err naming
 * the section, e.g. "readings: counters is not an array"; on -1 full may
 * hold the sections merged before the bad one. */
int n2m_readings_merge(struct json_object *full, struct json_object *delta, size_t *truncated,
		       char *err, size_t errlen);

/* True when a section of n entries, keyless of them without a key, has no
 * room for one more (keyed: 0 for an entry without a key). */
int n2m_readings_section_full(size_t n, size_t keyless, int keyed);

#endif
