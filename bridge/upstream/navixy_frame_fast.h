/* SPDX-License-Identifier: MIT */
/*
 * navixy_frame_fast.h - parsing an upstream frame the cheapest way that
 * gives the json-c path's results: the fast path (navixy_scan.h) for the
 * frames that carry nearly all the traffic, nvx_frame_parse for the rest,
 * and, with a memory budget, a big batch item by item (navixy_items.h).
 */
#ifndef N2M_NAVIXY_FRAME_FAST_H
#define N2M_NAVIXY_FRAME_FAST_H

#include <stddef.h>

#include "navixy_frame.h"

/* Like nvx_frame_parse (same results, same errors, free with
 * nvx_frame_free), but hot frames come back with raw items (obj NULL).
 * The raw items point into msg: it must outlive the frame (or, when msg was
 * not valid UTF-8, into the frame's repaired_text). */
int nvx_frame_parse_fast(const char *msg, size_t len, struct nvx_frame *out, char *err,
			 size_t errlen);

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

#endif
