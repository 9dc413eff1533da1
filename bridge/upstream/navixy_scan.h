/* SPDX-License-Identifier: MIT */
/*
 * navixy_scan.h - the scanner of the fast path for the frames that carry nearly all the
 * traffic (state, state_batch, readings_batch as an array): one pass over
 * the message text with json_scan.h, no json-c tree. Each item is handed
 * over as its raw JSON text (struct nvx_item.raw) for the mapping's text
 * functions (n2m_map_state_text, n2m_map_readings_text).
 *
 * The fast path takes a frame only when it is sure the result equals what
 * nvx_frame_parse would give: the message must be canonical JSON (compact,
 * as json-c itself would print it, json_scan.h) and every item usable.
 * Anything else - other frame types, white space, escapes json-c would
 * rewrite, a bad item, a syntax error - goes to nvx_frame_parse, so errors,
 * their reasons and the bad-item counts are exactly the json-c path's
 * (nvx_frame_parse_fast in navixy_frame_fast.h makes that choice).
 */
#ifndef N2M_NAVIXY_SCAN_H
#define N2M_NAVIXY_SCAN_H

#include <stddef.h>

#include "navixy_frame.h"

/* The fast path alone: 0 with *out (free with nvx_frame_free) when text
 * (valid UTF-8) is a hot frame in canonical JSON with every item usable,
 * else -1 (then *out is to be freed too and the caller parses it another
 * way). */
int nvx_scan_frame(const char *text, size_t len, struct nvx_frame *out);

/* One batch item as the fast path takes it: 0 and *out (raw, pointing into
 * p; a state's fields in *f) when p[0..len) is exactly one canonical value
 * usable as an item of event ev within depth levels of nesting, else -1. */
int nvx_scan_item(enum nvx_event_kind ev, const char *p, size_t len, int depth,
		  struct nvx_item *out, struct nvx_state_fields *f);

#endif
