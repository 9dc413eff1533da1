/* SPDX-License-Identifier: MIT */
/*
 * test_mqtt_broker.c - the in-broker implementation of mqtt_client.h
 * (bridge/inbroker/mqtt_broker.c) against stand-ins for the broker's
 * functions: online only after start and the first dispatch, the retained
 * presence, the topic guard, MQTT 5 correlation data out, subscriptions
 * matched and response topic / correlation data in, the broker's last turn
 * (publications through its queue function, "no subscribers" counting as
 * sent) and after it (nothing can be sent).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mqtt_broker.h"

/* ---------- the broker's functions, as the test sees them ---------- */

struct mqtt5__property {
	struct mqtt5__property *next;
	int id;
	void *data;
	uint16_t len;
};

struct sent {
	char topic[128];
	char payload[64];
	int qos, retain, has_correlation, via_queue;
	char correlation[16];
};
static struct sent sent[64];
static int n_sent;

static void record(const char *topic, const void *payload, size_t len, int qos, int retain,
		   const mosquitto_property *props, int via_queue)
{
	struct sent *s = &sent[n_sent++ % 64];

	memset(s, 0, sizeof *s);
	snprintf(s->topic, sizeof s->topic, "%s", topic);
	memcpy(s->payload, payload, len < sizeof s->payload - 1 ? len : sizeof s->payload - 1);
	s->qos = qos;
	s->retain = retain;
	s->via_queue = via_queue;
	for (; props; props = props->next)
		if (props->id == N2M_MQTT_PROP_CORRELATION_DATA) {
			s->has_correlation = 1;
			memcpy(s->correlation, props->data, props->len < 15 ? props->len : 15);
		}
}

int mosquitto_broker_publish_copy(const char *clientid, const char *topic, int payloadlen,
				  const void *payload, int qos, bool retain,
				  mosquitto_property *properties)
{
	(void)clientid;
	record(topic, payload, (size_t)payloadlen, qos, retain, properties, 0);
	mosquitto_property_free_all(&properties);
	return 0;
}

static int queue_rc;
static int fake_queue(struct mosquitto *context, const char *topic, uint8_t qos,
		      uint32_t payloadlen, const void *payload, int retain,
		      uint32_t expiry, mosquitto_property **properties)
{
	(void)context;
	(void)expiry;
	record(topic, payload, payloadlen, qos, retain, *properties, 1);
	return queue_rc;
}

int mosquitto_property_add_binary(mosquitto_property **list, int id, const void *value,
				  uint16_t len)
{
	struct mqtt5__property *p = calloc(1, sizeof *p);

	p->id = id;
	p->data = malloc(len);
	memcpy(p->data, value, len);
	p->len = len;
	p->next = *list;
	*list = p;
	return 0;
}

static const mosquitto_property *find(const mosquitto_property *p, int id)
{
	while (p && p->id != id)
		p = p->next;
	return p;
}

const mosquitto_property *mosquitto_property_read_binary(const mosquitto_property *list, int id,
							 void **value, uint16_t *len, bool skip)
{
	const mosquitto_property *p = find(list, id);

	(void)skip;
	if (p) {
		*value = malloc(p->len);
		memcpy(*value, p->data, p->len);
		*len = p->len;
	}
	return p;
}

const mosquitto_property *mosquitto_property_read_string(const mosquitto_property *list, int id,
							 char **value, bool skip)
{
	const mosquitto_property *p = find(list, id);

	(void)skip;
	if (p)
		*value = strndup(p->data, p->len);
	return p;
}

void mosquitto_property_free_all(mosquitto_property **list)
{
	while (*list) {
		struct mqtt5__property *next = (*list)->next;
		free((*list)->data);
		free(*list);
		*list = next;
	}
}

void mosquitto_free(void *mem)
{
	free(mem);
}

/* ---------- the core's side ---------- */

struct core {
	int connected;
	int messages;
	char topic[64], payload[64], response_topic[64], correlation[16];
	int payload_terminated;
};

static void on_connected(void *ctx)
{
	((struct core *)ctx)->connected++;
}

static void on_message(void *ctx, const struct n2m_mqtt_message *msg)
{
	struct core *c = ctx;

	c->messages++;
	snprintf(c->topic, sizeof c->topic, "%s", msg->topic);
	snprintf(c->payload, sizeof c->payload, "%s", (const char *)msg->payload);
	c->payload_terminated = ((const char *)msg->payload)[msg->len] == '\0';
	snprintf(c->response_topic, sizeof c->response_topic, "%s",
		 msg->response_topic ? msg->response_topic : "");
	memset(c->correlation, 0, sizeof c->correlation);
	if (msg->correlation)
		memcpy(c->correlation, msg->correlation, msg->correlation_len);
}

struct fixture {
	struct n2m_mqtt m;
	struct n2m_log log;
	struct lws_context *lws;
	struct core core;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct lws_context_creation_info info;
	struct n2m_mqtt_config cfg;
	const struct n2m_mqtt_callbacks cb = { .on_connected = on_connected,
					       .on_message = on_message };
	char err[128];

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	lws_set_log_level(LLL_ERR, NULL);
	f->lws = lws_create_context(&info);
	memset(&cfg, 0, sizeof cfg);
	cfg.base_topic = "fleet";
	n2m_log_open(&f->log, N2M_LOG_ERROR, 0, "test");
	assert_int_equal(n2m_mqtt_init(&f->m, &cfg, NULL, &f->log, f->lws, &cb, &f->core, err,
				       sizeof err), 0);
	n_sent = 0;
	queue_rc = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	n2m_mqtt_free(&f->m);
	lws_context_destroy(f->lws);
	n2m_log_close(&f->log);
	free(f);
	return 0;
}

static void online_after_start_and_first_dispatch(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(n2m_mqtt_publish(&f->m, "fleet/x", "a", 1, 0, 0), N2M_MQTT_OFFLINE);
	assert_int_equal(n2m_mqtt_start(&f->m), 0);
	assert_false(n2m_mqtt_is_online(&f->m)); /* as with Paho: from the loop */
	n2m_mqtt_dispatch(&f->m);
	assert_true(n2m_mqtt_is_online(&f->m));
	assert_int_equal(f->core.connected, 1);
	assert_int_equal(n_sent, 1);
	assert_string_equal(sent[0].topic, "fleet/bridge/state");
	assert_string_equal(sent[0].payload, "online");
	assert_true(sent[0].retain);
	assert_int_equal(sent[0].qos, 1);
	n2m_mqtt_dispatch(&f->m); /* once only */
	assert_int_equal(f->core.connected, 1);
	assert_int_equal(f->m.counters.connects, 1);
}

static void publishes_with_the_topic_guard_and_correlation(void **state)
{
	struct fixture *f = *state;

	n2m_mqtt_start(&f->m);
	n2m_mqtt_dispatch(&f->m);
	assert_int_equal(n2m_mqtt_publish(&f->m, "fleet/tracker/1/state", "{}", 2, 0, 1), N2M_MQTT_OK);
	assert_string_equal(sent[1].topic, "fleet/tracker/1/state");
	assert_true(sent[1].retain);
	assert_int_equal(n2m_mqtt_publish(&f->m, "fleet/+/bad", "x", 1, 0, 0), N2M_MQTT_FAILED);
	assert_int_equal(f->m.counters.illegal_topics, 1);
	assert_int_equal(n_sent, 2);
	assert_int_equal(n2m_mqtt_publish_correlated(&f->m, "reply/me", "ok", 2, 1, "c42", 3),
			 N2M_MQTT_OK);
	assert_true(sent[2].has_correlation);
	assert_string_equal(sent[2].correlation, "c42");
	assert_false(sent[2].retain);
	assert_int_equal(f->m.counters.publishes, 3);
}

static void messages_match_subscriptions_with_their_properties(void **state)
{
	struct fixture *f = *state;
	mosquitto_property *props = NULL;

	n2m_mqtt_add_subscription(&f->m, "fleet/bridge/request/+", 1);
	n2m_mqtt_broker_message(&f->m, "fleet/bridge/request/list", "{}", 2, NULL);
	assert_int_equal(f->core.messages, 0); /* not online yet */
	n2m_mqtt_start(&f->m);
	n2m_mqtt_dispatch(&f->m);
	n2m_mqtt_broker_message(&f->m, "other/topic", "{}", 2, NULL);
	assert_int_equal(f->core.messages, 0);
	mosquitto_property_add_binary(&props, N2M_MQTT_PROP_RESPONSE_TOPIC, "reply/me", 8);
	mosquitto_property_add_binary(&props, N2M_MQTT_PROP_CORRELATION_DATA, "c7", 2);
	n2m_mqtt_broker_message(&f->m, "fleet/bridge/request/list", "{\"a\":1}xyz", 7, props);
	mosquitto_property_free_all(&props);
	assert_int_equal(f->core.messages, 1);
	assert_string_equal(f->core.topic, "fleet/bridge/request/list");
	assert_string_equal(f->core.payload, "{\"a\":1}");
	assert_true(f->core.payload_terminated);
	assert_string_equal(f->core.response_topic, "reply/me");
	assert_string_equal(f->core.correlation, "c7");
	assert_int_equal(f->m.counters.messages_in, 1);
}

static void last_turn_goes_through_the_queue_then_nothing(void **state)
{
	struct fixture *f = *state;
	struct n2m_broker_stop stop = { .run = NULL, .queue = fake_queue };

	n2m_mqtt_start(&f->m);
	n2m_mqtt_dispatch(&f->m);
	n2m_mqtt_broker_set_mode(&f->m, N2M_BROKER_FINAL, &stop);
	queue_rc = MOSQ_ERR_NO_SUBSCRIBERS; /* stored and retained all the same */
	n2m_mqtt_stop(&f->m, 1000);
	assert_string_equal(sent[n_sent - 1].topic, "fleet/bridge/state");
	assert_string_equal(sent[n_sent - 1].payload, "offline");
	assert_true(sent[n_sent - 1].retain && sent[n_sent - 1].via_queue);
	assert_int_equal(f->m.counters.publish_failures, 0);
	assert_false(n2m_mqtt_is_online(&f->m));

	/* Without the queue function nothing can be sent any more. */
	n2m_mqtt_start(&f->m);
	n2m_mqtt_dispatch(&f->m);
	int before = n_sent;
	n2m_mqtt_broker_set_mode(&f->m, N2M_BROKER_FINAL, NULL);
	assert_false(n2m_mqtt_is_online(&f->m));
	assert_int_equal(n2m_mqtt_publish(&f->m, "fleet/x", "a", 1, 0, 0), N2M_MQTT_OFFLINE);
	assert_int_equal(n_sent, before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(online_after_start_and_first_dispatch, setup, teardown),
		cmocka_unit_test_setup_teardown(publishes_with_the_topic_guard_and_correlation, setup,
						teardown),
		cmocka_unit_test_setup_teardown(messages_match_subscriptions_with_their_properties,
						setup, teardown),
		cmocka_unit_test_setup_teardown(last_turn_goes_through_the_queue_then_nothing, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
