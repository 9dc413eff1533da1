/* SPDX-License-Identifier: MIT */
/*
 * bridge_control_reply.c - how the control plane answers: where a
 * request's response goes (its command's response topic, the MQTT 5
 * response topic with the correlation data), publishing it exactly once
 * to each, and the monotonic clock its deadlines use. Below every other
 * control file: they call it, it calls none of them.
 */
#include "bridge_control_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "topic.h"

int64_t ctl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------- responses ---------- */

void ctl_reply_free(struct ctl_reply *r)
{
	free(r->topic);
	free(r->response_topic);
	free(r->correlation);
	json_object_put(r->transaction);
	memset(r, 0, sizeof *r);
}

/* QoS 0: a QoS 1 answer makes Paho's synchronous publish wait for the
 * broker's acknowledgement window (20 with Mosquitto), and under a flood
 * of requests those acknowledgements queue behind the flood, stalling the
 * loop and every tracker publication for seconds. Answers are not
 * retained and a requester retries after a timeout anyway. */
#define RESPONSE_QOS 0

static void publish_to(struct bridge *b, const char *topic, const char *text, size_t len,
		       const void *correlation, size_t correlation_len)
{
	struct n2m_control *c = b->control;
	enum n2m_mqtt_publish_result rc;

	if (correlation)
		rc = n2m_mqtt_publish_correlated(&b->mqtt, topic, text, len, RESPONSE_QOS,
						 correlation, correlation_len);
	else
		rc = n2m_mqtt_publish(&b->mqtt, topic, text, len, RESPONSE_QOS, 0);
	if (rc == N2M_MQTT_OK)
		c->counters.responses++;
	else
		n2m_log(&b->log, N2M_LOG_WARN, "control.response_not_sent", "topic=%s rc=%d", topic,
			(int)rc);
}

/* Exactly once on the command's response topic and, when the request named
 * one, once on its MQTT 5 response topic with the correlation data (once
 * in all if the two are the same topic). */
static void publish_reply(struct bridge *b, struct ctl_reply *r, const char *text, size_t len)
{
	/* r->response_topic passed ctl_guard_response_topic (or was dropped). */
	const char *rt = r->response_topic;

	if (r->silent)
		return;
	if (rt && strcmp(rt, r->topic) == 0) {
		publish_to(b, rt, text, len, r->correlation, r->correlation_len);
		return;
	}
	publish_to(b, r->topic, text, len, NULL, 0);
	if (rt)
		publish_to(b, rt, text, len, r->correlation, r->correlation_len);
}

void ctl_answer_ok(struct bridge *b, struct ctl_reply *r, struct json_object *data)
{
	size_t len = 0;
	char *text = n2m_ctl_response_ok(data, r->transaction, &len);

	if (text)
		publish_reply(b, r, text, len);
	free(text);
	ctl_reply_free(r);
}

void ctl_publish_error(struct bridge *b, struct ctl_reply *r, const char *error)
{
	size_t len = 0;
	char *text = n2m_ctl_response_error(error, r->transaction, &len);

	if (text)
		publish_reply(b, r, text, len);
	free(text);
	ctl_reply_free(r);
}

void ctl_answer_error(struct bridge *b, struct ctl_reply *r, const char *error)
{
	b->control->counters.bad_requests++;
	ctl_publish_error(b, r, error);
}

int ctl_reply_for(struct bridge *b, const char *command, const struct n2m_mqtt_message *msg,
		     struct ctl_reply *r)
{
	memset(r, 0, sizeof *r);
	/* Every instance of a sharded fleet gets every request and applies
	 * its part; one of them answers. */
	r->silent = !bridge_shard_answers(b);
	char *name = malloc(strlen("response/") + strlen(command) + 1);
	if (name) {
		strcpy(name, "response/");
		strcat(name, command);
		r->topic = n2m_topic_bridge_dup(b->cfg.mqtt.base_topic, name);
		free(name);
	}
	if (msg->response_topic)
		r->response_topic = strdup(msg->response_topic);
	if (msg->correlation && msg->correlation_len) {
		r->correlation = malloc(msg->correlation_len);
		if (r->correlation) {
			memcpy(r->correlation, msg->correlation, msg->correlation_len);
			r->correlation_len = msg->correlation_len;
		}
	}
	if (!r->topic || (msg->response_topic && !r->response_topic) ||
	    (msg->correlation_len && !r->correlation)) {
		ctl_reply_free(r);
		return -1;
	}
	return 0;
}
