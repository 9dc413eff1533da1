/* SPDX-License-Identifier: MIT */
/*
 * bridge_subscribe.c - the desired subscription set sent upstream: after
 * every upstream connect (Navixy subscriptions die with the socket), after
 * a reload changed it, and its unsubscribe at shutdown and reload.
 * Unsharded, the whole set goes in one message; sharded, bridge_shard.c
 * turns "all" into this shard's trackers and slices the message.
 */
#include "bridge_internal.h"

#include <stdlib.h>

#include "navixy_request.h"

char *bridge_unsubscribe_message(struct bridge *b, size_t *len)
{
	char err[200];

	if (!b->have_hash)
		return NULL;
	if (n2m_shard_active(&b->scale.shard))
		return bridge_shard_request(b, NVX_REQ_UNSUBSCRIBE, len, err, sizeof err);
	return nvx_request_build(NVX_REQ_UNSUBSCRIBE, b->hash, b->cfg.navixy.iso_datetime,
				 &b->desired, len, err, sizeof err);
}

/* The whole set in one message; the bytes sent, or -1 (logged). */
static long send_whole_set(struct bridge *b, enum nvx_request_action action)
{
	size_t len = 0;
	char err[200];
	char *text = nvx_request_build(action, b->hash, b->cfg.navixy.iso_datetime, &b->desired,
				       &len, err, sizeof err);
	int rc = text ? n2m_upstream_send(&b->upstream, text, len) : -1;

	if (!text)
		n2m_log(&b->log, N2M_LOG_WARN, "upstream.no_request", "reason=\"%s\"", err);
	free(text);
	return rc == 0 ? (long)len : -1;
}

void bridge_subscribe_send(struct bridge *b, enum nvx_request_action action)
{
	long sent = n2m_shard_active(&b->scale.shard) ? bridge_shard_send(b, action)
						       : send_whole_set(b, action);

	if (sent > 0)
		n2m_log(&b->log, N2M_LOG_INFO, "upstream.request", "action=%s bytes=%ld",
			action == NVX_REQ_SUBSCRIBE ? "subscribe" : "unsubscribe", sent);
}
