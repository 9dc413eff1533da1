/* SPDX-License-Identifier: MIT */
/*
 * test_mqtt_connect_text.c - user:password@ in URLs (url_userinfo.h:
 * redaction, splitting with percent-decoding) and the reasons for failed
 * broker connections (mqtt_diagnose.h: return-code texts, URI host and
 * port, and the probe against a closed port and an unresolvable name).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mqtt_diagnose.h"
#include "url_userinfo.h"

static void redaction(void **state)
{
	(void)state;
	char out[200];
	n2m_redact_url("mqtt://bob:s3cret@broker:1883", out, sizeof out);
	assert_string_equal(out, "mqtt://bob:<redacted>@broker:1883");
	n2m_redact_url("https://u:p@ss@api.example/v2?a=b@c", out, sizeof out);
	assert_string_equal(out, "https://u:<redacted>@api.example/v2?a=b@c");
	n2m_redact_url("mqtt://bob@broker", out, sizeof out);
	assert_string_equal(out, "mqtt://bob@broker");
	n2m_redact_url("tcp://broker:1883/path@x", out, sizeof out);
	assert_string_equal(out, "tcp://broker:1883/path@x");
}

static void split(void **state)
{
	(void)state;
	struct n2m_url_parts p;

	assert_int_equal(n2m_url_split("mqtt://bob:p%40ss%3Aw@broker:1883", &p), N2M_URL_OK);
	assert_string_equal(p.stripped, "mqtt://broker:1883");
	assert_string_equal(p.user, "bob");
	assert_string_equal(p.password, "p@ss:w");
	n2m_url_parts_free(&p);

	/* A raw '@' in the password: the last '@' of the authority ends it. */
	assert_int_equal(n2m_url_split("mqtts://bob:a@b@broker", &p), N2M_URL_OK);
	assert_string_equal(p.stripped, "mqtts://broker");
	assert_string_equal(p.password, "a@b");
	n2m_url_parts_free(&p);

	assert_int_equal(n2m_url_split("mqtt://alice@broker", &p), N2M_URL_OK);
	assert_string_equal(p.user, "alice");
	assert_null(p.password);
	n2m_url_parts_free(&p);

	assert_int_equal(n2m_url_split("mqtt://broker:1883", &p), N2M_URL_OK);
	assert_string_equal(p.stripped, "mqtt://broker:1883");
	assert_null(p.user);
	assert_null(p.password);
	assert_int_equal(n2m_url_has_userinfo("mqtt://broker:1883"), 0);
	assert_int_equal(n2m_url_has_userinfo("ws://u@broker/mqtt"), 1);
	n2m_url_parts_free(&p);

	assert_int_equal(n2m_url_split("mqtt://bob:p%4@broker", &p), N2M_URL_BAD_ESCAPE);
	n2m_url_parts_free(&p);
	assert_int_equal(n2m_url_split("mqtt://bob:p%00@broker", &p), N2M_URL_BAD_ESCAPE);
	n2m_url_parts_free(&p);
	assert_int_equal(n2m_url_split("mqtt://b%zz@broker", &p), N2M_URL_BAD_ESCAPE);
	n2m_url_parts_free(&p);
}

static void connect_texts(void **state)
{
	(void)state;
	char out[200];

	/* 3.1.1 CONNACK return codes: words, never "(null)". */
	n2m_mqtt_connect_text(0, 4, out, sizeof out);
	assert_non_null(strstr(out, "bad user name or password"));
	assert_non_null(strstr(out, "CONNACK code 4"));
	n2m_mqtt_connect_text(0, 5, out, sizeof out);
	assert_non_null(strstr(out, "not authorized"));
	n2m_mqtt_connect_text(0, 2, out, sizeof out);
	assert_non_null(strstr(out, "mqtt.client_id"));
	/* MQTT 5 reason codes, with Paho's words and a hint. */
	n2m_mqtt_connect_text(1, 134, out, sizeof out);
	assert_non_null(strstr(out, "Bad User Name or Password"));
	assert_non_null(strstr(out, "mqtt.password"));
	assert_non_null(strstr(out, "CONNACK reason code 134"));
	n2m_mqtt_connect_text(1, 135, out, sizeof out);
	assert_non_null(strstr(out, "Not authorized"));
	n2m_mqtt_connect_text(1, 250, out, sizeof out);
	assert_non_null(strstr(out, "unknown reason (CONNACK reason code 250)"));
	n2m_mqtt_connect_text(0, 9, out, sizeof out);
	assert_null(strstr(out, "(null)"));
	n2m_mqtt_connect_text(1, -1, out, sizeof out);
	assert_non_null(strstr(out, "Paho code -1"));
	assert_int_equal(n2m_mqtt_connect_refused(4), 1);
	assert_int_equal(n2m_mqtt_connect_refused(-1), 0);
}

static void uri_host_port(void **state)
{
	(void)state;
	char host[64];
	int port;

	assert_int_equal(n2m_mqtt_uri_host_port("tcp://broker", host, sizeof host, &port), 0);
	assert_string_equal(host, "broker");
	assert_int_equal(port, 1883);
	assert_int_equal(n2m_mqtt_uri_host_port("ssl://b.example:8884", host, sizeof host, &port), 0);
	assert_string_equal(host, "b.example");
	assert_int_equal(port, 8884);
	assert_int_equal(n2m_mqtt_uri_host_port("ssl://[::1]", host, sizeof host, &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 8883);
	assert_int_equal(n2m_mqtt_uri_host_port("wss://h/mqtt", host, sizeof host, &port), 0);
	assert_int_equal(port, 443);
	assert_int_equal(n2m_mqtt_uri_host_port("ws://h:9001/mqtt", host, sizeof host, &port), 0);
	assert_int_equal(port, 9001);
	assert_int_equal(n2m_mqtt_uri_host_port("tcp://:1883", host, sizeof host, &port), -1);
}

/* A port nobody listens on: bound, never listening. */
static int closed_port(int *fd)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	*fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*fd >= 0);
	assert_int_equal(bind(*fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

static void probe_names_the_step(void **state)
{
	(void)state;
	char out[300];
	int fd;
	struct n2m_mqtt_probe_target t = { .host = "127.0.0.1", .timeout_s = 5 };

	t.port = closed_port(&fd);
	assert_int_equal(n2m_mqtt_probe(&t, out, sizeof out), -1);
	assert_non_null(strstr(out, "cannot connect to 127.0.0.1 port"));
	assert_non_null(strstr(out, "Connection refused"));
	close(fd);

	t.host = "no-such-broker.invalid";
	t.port = 1883;
	assert_int_equal(n2m_mqtt_probe(&t, out, sizeof out), -1);
	assert_non_null(strstr(out, "cannot resolve host no-such-broker.invalid"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(redaction),
		cmocka_unit_test(split),
		cmocka_unit_test(connect_texts),
		cmocka_unit_test(uri_host_port),
		cmocka_unit_test(probe_names_the_step),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
