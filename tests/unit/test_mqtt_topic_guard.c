/* SPDX-License-Identifier: MIT */
/*
 * test_mqtt_topic_guard.c - the MQTT client refuses to send a topic name the
 * broker would disconnect for (n2m_topic_name_is_legal), before anything
 * else, and counts it; a legal name goes on (here: offline, not connected).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "log.h"
#include "mqtt_client.h"

static void illegal_topics_never_reach_the_broker(void **state)
{
	(void)state;
	struct n2m_log log;
	struct n2m_mqtt m;
	memset(&m, 0, sizeof m);
	n2m_log_open(&log, N2M_LOG_ERROR, 0, NULL); /* the warn lines stay quiet */
	m.log = &log;
	static const char *const bad[] = { "navixy/tracker/Van\xef\xbf\xbf/state",
					   "navixy/tracker/\xef\xb7\x90/state", "a/\x01", "a/+",
					   "a/\xc2\x85", "bad\xff", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(n2m_mqtt_publish(&m, bad[i], "x", 1, 1, 1), N2M_MQTT_FAILED);
	assert_int_equal(m.counters.illegal_topics, 7);
	assert_int_equal(m.counters.publish_failures, 7);
	assert_int_equal(n2m_mqtt_publish(&m, "navixy/tracker/Grüße/state", "x", 1, 1, 1),
			 N2M_MQTT_OFFLINE);
	assert_int_equal(m.counters.illegal_topics, 7);
	n2m_log_close(&log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(illegal_topics_never_reach_the_broker),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
