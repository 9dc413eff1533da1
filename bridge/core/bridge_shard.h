/* SPDX-License-Identifier: MIT */
/*
 * bridge_shard.h - the bridge's side of scale-out (docs/scale-out.md):
 * its shard and instance name, the fleet seen in the last tracker/list,
 * and this shard's part of the desired set upstream.
 * Not for use outside the bridge.
 */
#ifndef N2M_BRIDGE_SHARD_H
#define N2M_BRIDGE_SHARD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "navixy_request.h"
#include "navixy_rest.h"
#include "shard.h"

struct bridge;

/* What struct bridge keeps for scale-out. */
struct n2m_bridge_scale {
	struct n2m_shard shard;
	char *instance;          /* "" = unsharded bridge topics */
	int64_t *fleet;          /* every tracker id of the last tracker/list, sorted */
	size_t n_fleet;
	int64_t *owned_sent;     /* owned ids last subscribed upstream, sorted */
	size_t n_owned_sent;
};

/* Parses bridge.shard and settles the instance name (bridge.instance, else
 * mqtt.client_id when sharded). 0, or -1 with err. */
int bridge_shard_init(struct bridge *b, char *err, size_t errlen);
void bridge_shard_free(struct bridge *b);

/* Remembers the account's whole fleet, then drops the trackers another
 * shard owns from list, so only owned ones reach the table and plugins. */
void bridge_shard_tracker_list(struct bridge *b, struct nvx_tracker_list *list);

/* True if the tracker is in the account (sharded: in the last tracker/list;
 * else in the table), for the control plane's id checks. */
int bridge_shard_known(const struct bridge *b, int64_t id);
/* True when the table may be used for id checks (a list was loaded). */
int bridge_shard_have_list(const struct bridge *b);

/* True if this instance publishes control responses: unsharded, or shard 0
 * (every instance applies a request; one answers it). */
int bridge_shard_answers(const struct bridge *b);

/* One upstream message for the desired set, limited to this shard. */
char *bridge_shard_request(struct bridge *b, enum nvx_request_action action, size_t *len,
			   char *err, size_t errlen);

/* Sends this shard's part of the desired set upstream (sharded only;
 * unsharded, bridge_subscribe.c sends the whole set): one message per type and per
 * N2M_SHARD_IDS_PER_MESSAGE ids, because a shard's selected targets can
 * exceed the server's largest inbound message (Navixy and the simulator
 * answer error 9); subscriptions add up on the server. Returns the bytes
 * sent, -1 if a message could not be built or sent (logged). */
long bridge_shard_send(struct bridge *b, enum nvx_request_action action);

/* Ids in one sharded subscribe message: about 8 bytes each, so a message
 * stays near 16 KiB, well under the 64 KiB servers accept. */
#define N2M_SHARD_IDS_PER_MESSAGE 2000

/* The same for one type (keep_all: an unsubscribe of a whole type). */
char *bridge_shard_request_one(struct bridge *b, enum nvx_request_action action,
			       const struct n2m_sub *sub, int keep_all, size_t *len,
			       char *err, size_t errlen);

/* A refresh's list is in: when sharded and it brought owned trackers not
 * yet subscribed, subscribes the set again (Navixy adds to an existing
 * subscription). */
void bridge_shard_refreshed(struct bridge *b);

#endif
