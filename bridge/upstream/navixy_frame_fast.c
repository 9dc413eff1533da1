/* SPDX-License-Identifier: MIT */
/*
 * navixy_frame_fast.c - which path parses an upstream frame (see
 * navixy_frame_fast.h): the scanner (navixy_scan.c) for canonical hot
 * frames, json-c (navixy_frame.c) for the rest while its tree fits the
 * budget, the item path (navixy_items.c) for a batch above it.
 */
#include "navixy_frame_fast.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_cost.h"
#include "navixy_items.h"
#include "navixy_scan.h"

int nvx_frame_parse_bounded(const char *msg, size_t len, size_t budget, struct nvx_frame *out,
			    char *err, size_t errlen)
{
	char *copy = NULL;
	memset(out, 0, sizeof(*out));
	/* json_scan does not look at UTF-8 and the raw items are spliced into
	 * payloads as they are: the text is checked once here (valid text is
	 * used as it is, so valid frames give the same bytes as before). */
	const char *text = msg ? nvx_frame_utf8_text(msg, &len, &copy) : NULL;
	int rc = text ? nvx_scan_frame(text, len, out) : -1;
	if (rc != 0) {
		nvx_frame_free(out);
		/* text is valid UTF-8 now: no second copy. Above the budget a
		 * batch goes item by item instead of as one json-c tree. */
		if (!text || budget == SIZE_MAX || n2m_json_tree_cost(text, len) <= budget)
			rc = nvx_frame_parse(text ? text : msg, len, out, err, errlen);
		else
			rc = nvx_frame_parse_items(text, len, budget, out, err, errlen);
	}
	if (rc == 0)
		out->repaired_text = copy;
	else
		free(copy);
	return rc;
}

int nvx_frame_parse_fast(const char *msg, size_t len, struct nvx_frame *out, char *err,
			 size_t errlen)
{
	return nvx_frame_parse_bounded(msg, len, SIZE_MAX, out, err, errlen);
}
