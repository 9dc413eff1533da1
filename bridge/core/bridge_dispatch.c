/* SPDX-License-Identifier: MIT */
/*
 * bridge_dispatch.c - the one place where what happens to the bridge is
 * handed to the parts that deal with it: the upstream connection's
 * callbacks (prepare, open, message, state), the MQTT client's (connected,
 * disconnected, message), the REST worker's wake-ups and the loop's tick.
 *
 * The parts below (bridge_navixy.c, bridge_control*.c, bridge_rest.c,
 * bridge_shard.c, bridge_standby.c, bridge_publish.c, ...) never call back
 * up: what they cannot finish alone they return here (a REST answer's
 * events, a standby takeover, a frame's kind), and this file calls the
 * next part. tests/unit/check_layering.py keeps the file call graph
 * acyclic, so the order below is the only path between them.
 */
#include "bridge_internal.h"

#include "bridge_control.h"
#include "bridge_plugins.h"
#include "navixy_frame.h"

#define STALE_CHECK_S 5

/* ---------- upstream ---------- */

enum n2m_upstream_prepare bridge_upstream_prepare(void *ctx, char *err, size_t errlen)
{
	return bridge_rest_prepare(ctx, err, errlen);
}

void bridge_upstream_open(void *ctx)
{
	/* Navixy subscriptions die with the socket: send the whole set. */
	bridge_subscribe_send(ctx, NVX_REQ_SUBSCRIBE);
}

void bridge_upstream_state(void *ctx)
{
	bridge_publish_upstream_state(ctx, 0);
}

void bridge_upstream_message(void *ctx, const char *msg, size_t len)
{
	struct bridge *b = ctx;
	struct nvx_frame f;

	if (bridge_navixy_parse(b, msg, len, &f) != 0)
		return;
	switch (f.kind) {
	case NVX_FRAME_RESPONSE:
		bridge_navixy_response(b, &f.response);
		bridge_control_upstream_response(b, &f.response);
		break;
	case NVX_FRAME_ERROR:
		/* Logged, then the waiting requests answered, then (a dead
		 * session) the connection failed. */
		bridge_navixy_error(b, &f.error);
		bridge_control_upstream_error(b, &f.error);
		bridge_navixy_session_error(b, &f.error);
		break;
	case NVX_FRAME_EVENT:
		bridge_navixy_event(b, &f);
		break;
	default:
		bridge_navixy_unknown_frame(b);
		break;
	}
	/* After a big message, upstream.c gives the memory back to the
	 * system (release_spare_memory). */
	nvx_frame_free(&f);
}

/* ---------- MQTT ---------- */

void bridge_mqtt_connected(void *ctx)
{
	struct bridge *b = ctx;

	bridge_publish_upstream_state(b, 1);
	bridge_publish_info(b);
	/* Events held during the outage first, in order: a clear must reach
	 * the broker before the resync could publish that topic again. */
	bridge_flush_events(b);
	/* A broker restarted without persistence lost every retained topic;
	 * republishing the whole tree once per connect covers that case and
	 * every publication the outage deferred. */
	bridge_start_resync(b);
	bridge_plugins_mqtt_connected(b);
}

void bridge_mqtt_disconnected(void *ctx, const char *reason)
{
	struct bridge *b = ctx;

	(void)reason;
	b->resync_active = 0;
}

void bridge_mqtt_message(void *ctx, const struct n2m_mqtt_message *msg)
{
	struct bridge *b = ctx;

	/* Control requests (bridge/request/+) are the control plane's alone. */
	if (bridge_standby_message(b, msg) || bridge_control_message(b, msg))
		return;
	n2m_log(&b->log, N2M_LOG_DEBUG, "mqtt.message", "topic=%s bytes=%zu", msg->topic, msg->len);
	bridge_plugins_message(b, msg);
}

/* ---------- wake-ups and ticks ---------- */

/* A REST answer: its list applied here (the table, plugins, shard), then
 * judged; what it leaves to do is done in order. */
static void rest_answer(struct bridge *b)
{
	struct n2m_rest_result res;

	if (!bridge_rest_take(b, &res))
		return;
	int applied = bridge_rest_has_list(&res) ? bridge_apply_tracker_list(b, &res.list) : 0;
	unsigned events = bridge_rest_judge(b, &res, applied);
	if (events & BRIDGE_REST_LIST_LOADED)
		bridge_replay_held(b);
	if (events & BRIDGE_REST_REFRESHED)
		bridge_shard_refreshed(b);
}

void bridge_dispatch_wake(struct bridge *b)
{
	n2m_mqtt_dispatch(&b->mqtt);
	rest_answer(b);
}

void bridge_dispatch_tick(struct bridge *b, time_t now)
{
	if (now != b->stale_second) {
		/* A share of the table each second: every tracker is looked at
		 * once per STALE_CHECK_S, and no turn walks the whole table (at
		 * 100,000 trackers that walk takes 3-6 ms, a cache miss a
		 * tracker, and every update would wait behind it). */
		b->stale_second = now;
		bridge_refresh_stale(b, n2m_tracker_table_count(&b->trackers) / STALE_CHECK_S + 1);
	}
	bridge_rest_tick(b, now);
	if (bridge_standby_tick(b, now))
		bridge_publish_info(b);
}
