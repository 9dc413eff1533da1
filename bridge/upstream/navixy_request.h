/* SPDX-License-Identifier: MIT */
/*
 * navixy_request.h - builds the JSON text of Navixy WebSocket subscribe and
 * unsubscribe messages from the desired subscription set, without I/O.
 *
 * Shape (docs/protocol.md, "Subscribe and unsubscribe"): {"action":"subscribe","hash":"...","iso_datetime":true,
 * "requests":[{"type":"state_batch","target":{"type":"all"},"rate_limit":"1s",
 * "format":"full"},{"type":"readings_batch","target":{"type":"selected",
 * "tracker_ids":[1,2]},"sensor_type":"fuel","include_components":false},
 * {"type":"state","trackers":[...],"format":"full"}]}
 * state uses "trackers", every other type a "target". Options that are
 * empty or unset are omitted; rate_limit is never sent for state. For
 * unsubscribe, each request carries only its type and target/trackers.
 * Types that are inactive, or "selected" with no ids, are left out.
 */
#ifndef N2M_NAVIXY_REQUEST_H
#define N2M_NAVIXY_REQUEST_H

#include <stddef.h>

#include "subscription.h"

enum nvx_request_action { NVX_REQ_SUBSCRIBE = 0, NVX_REQ_UNSUBSCRIBE };

/* Builds the message for every active type of set. Returns a malloc'd
 * NUL-terminated string (length in *len_out if not NULL), or NULL with a
 * reason in err: "hash: must be 32 hex characters", "nothing to subscribe"
 * (no active type with trackers), or "out of memory". */
char *nvx_request_build(enum nvx_request_action action, const char *hash,
			int iso_datetime, const struct n2m_sub_set *set,
			size_t *len_out, char *err, size_t errlen);

/* The same for one type with its options. */
char *nvx_request_build_one(enum nvx_request_action action, const char *hash,
			    int iso_datetime, enum n2m_sub_type type,
			    const struct n2m_sub *sub, size_t *len_out,
			    char *err, size_t errlen);

#endif
