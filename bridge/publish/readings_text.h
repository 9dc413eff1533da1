/* SPDX-License-Identifier: MIT */
/*
 * readings_text.h - the readings merge of readings_merge.h on canonical
 * JSON text (json_scan.h) instead of json-c trees: the stored full readings
 * and the delta are walked in place, entries are kept as slices of the two
 * texts, and the result is rendered by concatenating them. Same rule, same
 * errors, and byte for byte the payload n2m_map_readings renders (key
 * order, replaced entries in place, new sections and keys appended in the
 * order json-c would add them, "tracker_id" last when new).
 *
 * The render also writes an index of what it rendered (where each
 * top-level member, each section entry and each entry's identifying key
 * start), which the caller stores next to the text. Given back with that
 * text to the next merge, it replaces the walk of the stored ~1.2 KB
 * (top level, every section, every entry's keys) by a table lookup, so a
 * delta costs about its own size plus one copy. The index is uint16
 * offsets (~70 bytes for a typical tracker): memory per tracker matters
 * (the memory target in bench/README.md).
 */
#ifndef N2M_READINGS_TEXT_H
#define N2M_READINGS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "json_writer.h"

/* More sections, keys or entries than the fixed tables hold: use json-c. */
#define N2M_READINGS_TEXT_UNCOVERED (-2)

/* Upper bound of an index in uint16 words (header, 32 members, 4 sections
 * of 64 entries); readings text of 32 KiB or more is not indexed. */
#define N2M_READINGS_INDEX_MAX (2 + 3 * 32 + 2 * 4 * 64)

struct n2m_readings_index {
	uint16_t v[N2M_READINGS_INDEX_MAX];
	size_t n; /* words used; 0: no index for this text */
};

/* Merges delta (canonical, validated) into full (the stored readings
 * payload, canonical by construction; NULL for none yet). full_index /
 * full_index_n: the index rendered with full, or NULL / 0 when there is
 * none (text stored by the json-c path); an index that does not match the
 * text is ignored. Returns 1 with the new payload (tracker_id set) appended
 * to out and its index in out_index (n may be 0), 0 if nothing changed, -1
 * on bad input with a reason in err (as n2m_readings_merge words it), or
 * N2M_READINGS_TEXT_UNCOVERED. The limits of readings_merge.h apply the
 * same way (entries left out added to *truncated). */
int n2m_readings_merge_text(const char *full, size_t full_len, const uint16_t *full_index,
			    size_t full_index_n, const char *delta, size_t delta_len,
			    int64_t tracker_id, struct n2m_buf *out,
			    struct n2m_readings_index *out_index, size_t *truncated, char *err,
			    size_t errlen);

#endif
