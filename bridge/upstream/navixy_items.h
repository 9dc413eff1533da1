/* SPDX-License-Identifier: MIT */
/*
 * navixy_items.h - the item path of nvx_frame_parse_bounded
 * (navixy_frame_fast.h): a state_batch or readings_batch too big for one
 * json-c tree, taken one item at a time (navixy_items.c says how).
 */
#ifndef N2M_NAVIXY_ITEMS_H
#define N2M_NAVIXY_ITEMS_H

#include <stddef.h>

#include "navixy_frame.h"

/* The item path of nvx_frame_parse_bounded alone (0, -1 never,
 * NVX_FRAME_TOO_BIG). */
int nvx_frame_parse_items(const char *msg, size_t len, size_t budget, struct nvx_frame *out,
			  char *err, size_t errlen);

#endif
