/* SPDX-License-Identifier: MIT */
/*
 * bridge_control_guard.c - the control plane's trust boundary: MQTT
 * clients are untrusted, so before a request does anything
 *   - it must be within control.max_requests_per_s (a token bucket with
 *     control.request_burst tokens, shared by every requester: MQTT does
 *     not say who sent a message); over it, the request is answered
 *     "rate_limited" without reading its payload, counted, and logged at
 *     most once per RATE_LOG_MS. The answers have the same budget: a
 *     flood of 10,000 requests a second must not become 10,000 QoS 1
 *     answers a second on the broker that also carries the tracker
 *     topics, so refusals beyond it are counted but not answered;
 *   - its MQTT 5 response topic must lie in the allowed space
 *     (response_topic.h): never the bridge's own tree or a plugin's.
 * The flood's cost on the loop is bounded by mqtt_client.c's per-turn
 * dispatch budget and inbound queue bounds.
 */
#include "bridge_control_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "response_topic.h"

#define RATE_LOG_MS 10000

int ctl_guard_init(struct bridge *b, char *err, size_t errlen)
{
	struct n2m_control *c = b->control;
	char why[200];

	n2m_bucket_init(&c->bucket, (uint64_t)b->cfg.control.max_requests_per_s,
			(uint64_t)b->cfg.control.request_burst, ctl_now_ms());
	n2m_bucket_init(&c->answers, (uint64_t)b->cfg.control.max_requests_per_s,
			(uint64_t)b->cfg.control.request_burst, ctl_now_ms());
	if (n2m_response_allow_parse(b->cfg.control.response_topic_allow, &c->allow, &c->n_allow,
				     why, sizeof why) != 0) {
		snprintf(err, errlen, "control.response_topic_allow: %s", why);
		return -1;
	}
	return 0;
}

void ctl_guard_free(struct n2m_control *c)
{
	n2m_response_allow_free(c->allow, c->n_allow);
	c->allow = NULL;
	c->n_allow = 0;
}

/* 0 if topic may carry a response to a request answered on own. */
static int topic_allowed(struct bridge *b, const char *topic, const char *own, char *why,
			 size_t whylen)
{
	const struct n2m_plugin_trees *t = &b->plugins.trees;
	const struct n2m_response_policy policy = {
		.base = b->cfg.mqtt.base_topic,
		.allow = b->control->allow,
		.n_allow = b->control->n_allow,
		.trees = (const char *const *)t->prefix,
		.owners = (const char *const *)t->owner,
		.n_trees = t->n,
		.trees_unknown = t->overflow,
	};

	return n2m_response_topic_check(&policy, topic, own, why, whylen);
}

int ctl_guard_response_topic(struct bridge *b, struct ctl_reply *r, char *why, size_t whylen)
{
	char q[200], qw[300];

	if (!r->response_topic || topic_allowed(b, r->response_topic, r->topic, why, whylen) == 0)
		return 0;
	b->control->counters.response_topics_refused++;
	n2m_log(&b->log, N2M_LOG_WARN, "control.response_topic_refused", "topic=%s reason=%s",
		n2m_log_quote(q, sizeof q, r->response_topic), n2m_log_quote(qw, sizeof qw, why));
	free(r->response_topic);
	r->response_topic = NULL;
	return -1;
}

static void log_rate_limited(struct bridge *b, int64_t now_ms)
{
	struct n2m_control *c = b->control;
	uint64_t n = n2m_log_throttle_hit(&c->rate_gate, (uint64_t)now_ms, RATE_LOG_MS);

	if (n)
		n2m_log(&b->log, N2M_LOG_WARN, "control.rate_limited",
			"refused=%" PRIu64 " total=%" PRIu64 " unanswered=%" PRIu64
			" max_requests_per_s=%d request_burst=%d", n, c->counters.rate_limited,
			c->counters.rate_limited_unanswered,
			b->cfg.control.max_requests_per_s, b->cfg.control.request_burst);
}

int ctl_guard_rate(struct bridge *b, const char *command, const struct n2m_mqtt_message *msg)
{
	struct n2m_control *c = b->control;
	int64_t now = ctl_now_ms();
	struct ctl_reply reply;
	char why[200], err[200];

	if (n2m_bucket_take(&c->bucket, now))
		return 0;
	c->counters.rate_limited++;
	int answer = n2m_bucket_take(&c->answers, now);
	if (!answer)
		c->counters.rate_limited_unanswered++;
	log_rate_limited(b, now);
	if (!answer || ctl_reply_for(b, command, msg, &reply) != 0)
		return 1;
	/* A refused response topic is dropped quietly here: one log line
	 * per interval is enough for a flood. */
	if (reply.response_topic &&
	    topic_allowed(b, reply.response_topic, reply.topic, why, sizeof why) != 0) {
		free(reply.response_topic);
		reply.response_topic = NULL;
	}
	snprintf(err, sizeof err, "rate_limited: more than control.max_requests_per_s (%d) "
		 "requests a second; try again later", b->cfg.control.max_requests_per_s);
	ctl_publish_error(b, &reply, err);
	return 1;
}

uint64_t bridge_control_rate_limited(const struct bridge *b)
{
	return b->control ? b->control->counters.rate_limited : 0;
}
