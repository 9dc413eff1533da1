/*
 * test_health_service.c - the pure parts of the service side of health:
 * when a systemd watchdog keep-alive is due, and parsing
 * health.http_listen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "health_http.h"
#include "service_notify.h"

static void watchdog_fed_only_while_healthy_at_half_period(void **state)
{
	struct n2m_notify n = { .enabled = 1, .watchdog_us = 10000000 };

	(void)state;
	assert_false(n2m_notify_watchdog_due(&n, 5, 0));     /* unhealthy: never */
	assert_true(n2m_notify_watchdog_due(&n, 5, 1));      /* healthy, never fed */
	n.fed = 1;
	n.last_feed_us = 1000000;
	assert_false(n2m_notify_watchdog_due(&n, 5999999, 1)); /* under half the period */
	assert_true(n2m_notify_watchdog_due(&n, 6000000, 1));
	assert_false(n2m_notify_watchdog_due(&n, 60000000, 0));
	assert_true(n2m_notify_watchdog_due(&n, 10, 1));     /* clock went backwards */
	n.watchdog_us = 0;                                   /* no WatchdogSec */
	assert_false(n2m_notify_watchdog_due(&n, 60000000, 1));
	n.watchdog_us = 10000000;
	n.enabled = 0;                                       /* no notify socket */
	assert_false(n2m_notify_watchdog_due(&n, 60000000, 1));
}

static void listen_addresses(void **state)
{
	char host[64];
	int port = 0;

	(void)state;
	assert_int_equal(n2m_health_http_parse_listen("127.0.0.1:9180", host, sizeof host, &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 9180);
	assert_int_equal(n2m_health_http_parse_listen("[::1]:1", host, sizeof host, &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 1);
	assert_int_equal(n2m_health_http_parse_listen("0.0.0.0:65535", host, sizeof host, &port), 0);
	assert_string_equal(host, "");
	assert_int_equal(n2m_health_http_parse_listen("*:80", host, sizeof host, &port), 0);
	assert_string_equal(host, "");

	assert_int_equal(n2m_health_http_parse_listen("localhost:9180", host, sizeof host, &port), 0);
	assert_string_equal(host, "127.0.0.1");

	static const char *const bad[] = { "", ":9180", "host", "host:", "::1:0", "1.2.3.4:65536",
					   "1.2.3.4:12x", "[]:80", "eth0:80", "example.com:80",
					   "1.2.3:80", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(n2m_health_http_parse_listen(bad[i], host, sizeof host, &port), -1);
	assert_int_equal(n2m_health_http_parse_listen("127.0.0.1:80", host, 4, &port), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(watchdog_fed_only_while_healthy_at_half_period),
		cmocka_unit_test(listen_addresses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
