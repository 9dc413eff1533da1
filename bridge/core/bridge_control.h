/* SPDX-License-Identifier: MIT */
/*
 * bridge_control.h - the control plane's hooks into the bridge
 * (docs/control.md): requests on <base>/bridge/request/<command>,
 * one response each on <base>/bridge/response/<command> (and on the MQTT 5
 * response topic with its correlation data), the desired subscription set
 * changed, persisted and re-sent upstream, and the state file restored at
 * start.
 *
 * Called by the bridge core (all on the loop thread):
 *   bridge_init          -> bridge_control_init (after every part exists,
 *                           before the MQTT connector starts)
 *   MQTT message         -> bridge_control_message
 *   upstream response    -> bridge_control_upstream_response
 *   upstream error frame -> bridge_control_upstream_error
 *   SIGHUP, new config subscriptions -> bridge_control_save
 *   shutdown, before MQTT stops -> bridge_control_stop
 *   bridge_free          -> bridge_control_free (before the lws context goes)
 */
#ifndef N2M_BRIDGE_CONTROL_H
#define N2M_BRIDGE_CONTROL_H

#include <stddef.h>
#include <stdint.h>

struct bridge;
struct n2m_mqtt_message;
struct n2m_sub_set;
struct nvx_response;
struct nvx_error;

/* Restores the desired set from control.state_file when it holds one (a
 * missing or corrupt file is logged and the config's set stays), and when
 * control.enabled subscribes to the request topics on every MQTT connect.
 * Returns 0, or -1 with err (no memory). */
int bridge_control_init(struct bridge *b, char *err, size_t errlen);

/* The desired set was replaced outside the control plane (SIGHUP with
 * changed config subscriptions): saves it to control.state_file so a
 * restart keeps it. */
void bridge_control_save(struct bridge *b);

/* The desired set was replaced by a SIGHUP (it was `before`): the trackers
 * no subscription covers any more get their retained topics cleared when
 * topics.clear_on_unsubscribe, as after a control unsubscribe: once Navixy
 * confirmed the unsubscribe when it was sent (sent_upstream), else now. */
void bridge_control_reload_clear(struct bridge *b, const struct n2m_sub_set *before,
				 int sent_upstream);

/* Shutdown, while MQTT is still up: answers every request still waiting
 * for Navixy with "pending" (their changes are in the saved set), so each
 * request gets its one response. */
void bridge_control_stop(struct bridge *b);

/* Requests still waiting for Navixy are dropped; safe when init never ran. */
void bridge_control_free(struct bridge *b);

/* Handles msg if it is a control request and returns 1; 0 otherwise. */
int bridge_control_message(struct bridge *b, const struct n2m_mqtt_message *msg);

/* Navixy's answer to a subscribe/unsubscribe: completes the requests
 * waiting for it. */
void bridge_control_upstream_response(struct bridge *b, const struct nvx_response *r);
void bridge_control_upstream_error(struct bridge *b, const struct nvx_error *e);

/* Requests refused over control.max_requests_per_s (for bridge/health). */
uint64_t bridge_control_rate_limited(const struct bridge *b);

#endif
