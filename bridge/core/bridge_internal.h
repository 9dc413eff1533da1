/* SPDX-License-Identifier: MIT */
/*
 * bridge_internal.h - functions shared between the bridge's own files in
 * core/ (bridge.c: lifecycle and loop; bridge_dispatch.c: every callback,
 * handed to the parts; bridge_navixy.c: upstream side; bridge_subscribe.c:
 * the desired set upstream; bridge_rest.c: REST call sequences;
 * bridge_publish.c: MQTT side; bridge_events.c: the outage queue). Not for
 * use outside core/.
 */
#ifndef N2M_BRIDGE_INTERNAL_H
#define N2M_BRIDGE_INTERNAL_H

#include <json-c/json.h>

#include "bridge.h"
#include "navixy_frame.h"
#include "navixy_request.h"

/* bridge_dispatch.c: every callback the bridge gets goes through here to
 * the parts below (which never call back up). */
enum n2m_upstream_prepare bridge_upstream_prepare(void *ctx, char *err, size_t errlen);
void bridge_upstream_open(void *ctx);
void bridge_upstream_message(void *ctx, const char *msg, size_t len);
void bridge_upstream_state(void *ctx);
void bridge_mqtt_connected(void *ctx);
void bridge_mqtt_disconnected(void *ctx, const char *reason);
void bridge_mqtt_message(void *ctx, const struct n2m_mqtt_message *msg);
/* The loop was woken from another thread: MQTT's queue, REST answers. */
void bridge_dispatch_wake(struct bridge *b);
/* The loop's periodic tick. */
void bridge_dispatch_tick(struct bridge *b, time_t now);

/* bridge_rest.c: the session hash. */
int bridge_uses_login(const struct bridge *b);
void bridge_forget_hash(struct bridge *b);

/* bridge_subscribe.c: the desired set upstream (sharded: bridge_shard.c
 * makes this shard's part). */
void bridge_subscribe_send(struct bridge *b, enum nvx_request_action action);
/* The unsubscribe message for the desired set, or NULL. */
char *bridge_unsubscribe_message(struct bridge *b, size_t *len);

/* bridge_navixy.c: the upstream side. */
/* A tracker/list answer into the table (shard filter, plugins, changes
 * published); 0, or -1 on no memory. */
int bridge_apply_tracker_list(struct bridge *b, struct nvx_tracker_list *list);
/* Maps the updates held for trackers that were not known (in order);
 * those still unknown are counted and skipped. */
void bridge_replay_held(struct bridge *b);
/* Parses one upstream message into *f (counted; bad ones logged): 0 when
 * f is to be handled (then nvx_frame_free), -1 when it was skipped. */
int bridge_navixy_parse(struct bridge *b, const char *msg, size_t len, struct nvx_frame *f);
/* Per frame kind: a subscribe/unsubscribe response (tracker statuses), an
 * error frame (counted and logged; then, after the control plane saw it,
 * bridge_navixy_session_error fails a dead session), an event, an
 * unknown kind. */
void bridge_navixy_response(struct bridge *b, const struct nvx_response *r);
void bridge_navixy_error(struct bridge *b, const struct nvx_error *e);
void bridge_navixy_session_error(struct bridge *b, const struct nvx_error *e);
void bridge_navixy_event(struct bridge *b, const struct nvx_frame *f);
void bridge_navixy_unknown_frame(struct bridge *b);

/* bridge_publish.c */
/* <base>/bridge/<name>, or <base>/bridge/<instance>/<name> when the
 * instance is named. Returns the length or -1 (see n2m_topic_bridge). */
int bridge_own_topic(const struct bridge *b, char *buf, size_t cap, const char *name);
struct n2m_map_ctx bridge_map_ctx(const struct bridge *b);
/* Publishes every publication in b->pubs, confirms what reached the
 * broker, then empties the list. */
void bridge_publish_pending(struct bridge *b);
/* Retained bridge/upstream (skipped when unchanged unless force). */
void bridge_publish_upstream_state(struct bridge *b, int force);
void bridge_publish_info(struct bridge *b);
/* A non-retained notice on bridge/event; takes ownership of fields. */
void bridge_publish_event(struct bridge *b, const char *event, struct json_object *fields);
/* Starts republishing every tracker's retained topics, in slices. */
void bridge_start_resync(struct bridge *b);
/* Location stale flags that flipped since they were last looked at, for
 * the next count trackers from a cursor that wraps around the table. */
void bridge_refresh_stale(struct bridge *b, size_t count);

/* bridge_send.c: one publication, counted (publishes, publish_failures);
 * OFFLINE is returned uncounted for the caller to queue, defer or drop. */
enum n2m_mqtt_publish_result bridge_send(struct bridge *b, const char *topic, const void *payload,
					 size_t len, int qos, int retain);

/* bridge_events.c: the outage queue. Copies one publication into it
 * (pinned: a clear, dropped last); logs the first drop of an outage. */
void bridge_queue_event(struct bridge *b, const char *topic, const char *payload, size_t len,
			int qos, int retain, int pinned);
/* After a connect: sends the queued events in order until done or offline. */
void bridge_flush_events(struct bridge *b);

/* "2026-01-31T12:00:00Z" */
void bridge_format_utc(time_t t, char buf[32]);

#endif
