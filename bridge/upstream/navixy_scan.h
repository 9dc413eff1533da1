/* SPDX-License-Identifier: MIT */
/*
 * navixy_scan.h - the fast path for the frames that carry nearly all the
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
 * their reasons and the bad-item counts are exactly the json-c path's.
 */
#ifndef N2M_NAVIXY_SCAN_H
#define N2M_NAVIXY_SCAN_H

#include <stddef.h>

#include "navixy_frame.h"

/* Like nvx_frame_parse (same results, same errors, free with
 * nvx_frame_free), but hot frames come back with raw items (obj NULL).
 * The raw items point into msg: it must outlive the frame (or, when msg was
 * not valid UTF-8, into the frame's repaired_text). */
int nvx_frame_parse_fast(const char *msg, size_t len, struct nvx_frame *out, char *err,
			 size_t errlen);

/* nvx_frame_parse_bounded's result for a message that no path may take. */
#define NVX_FRAME_TOO_BIG (-2)

/* nvx_frame_parse_fast with json-c's memory bounded by budget (bytes, as
 * json_cost.h estimates it). A message the fast path cannot take goes to
 * json-c whole only when its estimated tree fits the budget; otherwise a
 * state_batch or readings_batch array goes item by item (navixy_items.c):
 * canonical items raw as on the fast path, the others each parsed alone
 * (if it fits the budget), printed canonically into the frame's text and
 * their tree freed, so the frame costs about the message again at most.
 * Anything else returns NVX_FRAME_TOO_BIG with the reason in err. Below
 * the budget the results are exactly nvx_frame_parse's. */
int nvx_frame_parse_bounded(const char *msg, size_t len, size_t budget, struct nvx_frame *out,
			    char *err, size_t errlen);

/* The item path of nvx_frame_parse_bounded alone (0, -1 never,
 * NVX_FRAME_TOO_BIG). */
int nvx_frame_parse_items(const char *msg, size_t len, size_t budget, struct nvx_frame *out,
			  char *err, size_t errlen);

/* One batch item as the fast path takes it: 0 and *out (raw, pointing into
 * p; a state's fields in *f) when p[0..len) is exactly one canonical value
 * usable as an item of event ev within depth levels of nesting, else -1. */
int nvx_scan_item(enum nvx_event_kind ev, const char *p, size_t len, int depth,
		  struct nvx_item *out, struct nvx_state_fields *f);

#endif
