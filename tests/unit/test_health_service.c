/* SPDX-License-Identifier: MIT */
/*
 * test_health_service.c - the pure parts of the service side of health:
 * when a systemd watchdog keep-alive is due, parsing health.http_listen,
 * the HTTP connection limit against the descriptor limit, and the causes
 * a failed listen reports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "health_http.h"
#include "health_listen.h"
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

static void connection_cap_leaves_descriptors_for_the_rest(void **state)
{
	(void)state;
	assert_int_equal(n2m_health_http_connection_cap(32, 20000), 32);
	assert_int_equal(n2m_health_http_connection_cap(32, 0), 32);      /* unknown limit */
	assert_int_equal(n2m_health_http_connection_cap(1024, 1024), 1024 - N2M_HEALTH_HTTP_FD_RESERVE);
	assert_int_equal(n2m_health_http_connection_cap(32, 80), 80 - N2M_HEALTH_HTTP_FD_RESERVE);
	assert_int_equal(n2m_health_http_connection_cap(32, 10), 1);
}

static void listen_failures_name_their_cause(void **state)
{
	char reason[64];
	int a, b, port;
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	(void)state;
	assert_string_equal(n2m_listen_errno_text(EADDRINUSE), "address in use");
	assert_string_equal(n2m_listen_errno_text(EACCES), "permission denied");
	/* A real clash: the second listener on one port says why. */
	a = n2m_listen_open("127.0.0.1", 0, reason, sizeof reason);
	assert_true(a >= 0);
	assert_int_equal(getsockname(a, (struct sockaddr *)&ss, &len), 0);
	port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	b = n2m_listen_open("127.0.0.1", port, reason, sizeof reason);
	assert_int_equal(b, -1);
	assert_string_equal(reason, "address in use");
	b = n2m_listen_open("", port, reason, sizeof reason);   /* the wildcard clashes too */
	assert_int_equal(b, -1);
	assert_string_equal(reason, "address in use");
	close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(watchdog_fed_only_while_healthy_at_half_period),
		cmocka_unit_test(listen_addresses),
		cmocka_unit_test(connection_cap_leaves_descriptors_for_the_rest),
		cmocka_unit_test(listen_failures_name_their_cause),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
