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

#endif
