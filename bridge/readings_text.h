/*
 * readings_text.h - the readings merge of readings_merge.h on canonical
 * JSON text (json_scan.h) instead of json-c trees: the stored full readings
 * and the delta are walked in place, entries are kept as slices of the two
 * texts, and the result is rendered by concatenating them. Same rule, same
 * errors, and byte for byte the payload n2m_map_readings renders (key
 * order, replaced entries in place, new sections and keys appended in the
 * order json-c would add them, "tracker_id" last when new).
 */
#ifndef N2M_READINGS_TEXT_H
#define N2M_READINGS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "json_writer.h"

/* More sections, keys or entries than the fixed tables hold: use json-c. */
#define N2M_READINGS_TEXT_UNCOVERED (-2)

/* Merges delta (canonical, validated) into full (the stored readings
 * payload, canonical by construction; NULL for none yet). Returns 1 with the
 * new payload (tracker_id set) appended to out, 0 if nothing changed, -1 on
 * bad input with a reason in err (as n2m_readings_merge words it), or
 * N2M_READINGS_TEXT_UNCOVERED. */
int n2m_readings_merge_text(const char *full, size_t full_len, const char *delta,
			    size_t delta_len, int64_t tracker_id, struct n2m_buf *out, char *err,
			    size_t errlen);

#endif
