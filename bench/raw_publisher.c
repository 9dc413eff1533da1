/* SPDX-License-Identifier: MIT */
/*
 * raw_publisher.c - the limit: replays publications captured from the
 * bridge's own output through Paho's synchronous MQTTClient at QoS 0, with
 * nothing else to do, so its CPU per message is the floor for putting those
 * bytes on the socket.
 *
 *   raw_publisher --uri tcp://127.0.0.1:P --file CAPTURE [--rate MSGS_PER_S]
 *                 [--seconds S]
 *
 * --rate 0 (default) sends as fast as it can; otherwise it sends in 10 ms
 * bursts, like the simulator's ticks, so CPU per message can be compared at
 * the bridge's own message rate. It speaks MQTT 5 and publishes with
 * MQTTClient_publish5, the call the bridge makes. Every 500 ms it prints
 * "tick <sent>"; at the end "done <sent> <seconds>".
 */
#include <MQTTClient.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"

#define BURST_MS 10

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_until(int64_t t_us)
{
	int64_t d = t_us - mono_us();
	if (d > 0) {
		struct timespec ts = { .tv_sec = d / 1000000, .tv_nsec = (d % 1000000) * 1000 };
		nanosleep(&ts, NULL);
	}
}

static MQTTClient connect_client(const char *uri)
{
	MQTTClient c;
	MQTTClient_createOptions create = MQTTClient_createOptions_initializer;
	MQTTClient_connectOptions opts = MQTTClient_connectOptions_initializer5;

	create.MQTTVersion = MQTTVERSION_5;
	if (MQTTClient_createWithOptions(&c, uri, "n2m-bench-raw", MQTTCLIENT_PERSISTENCE_NONE,
					 NULL, &create) != MQTTCLIENT_SUCCESS)
		return NULL;
	opts.keepAliveInterval = 0;
	opts.cleanstart = 1;
	MQTTResponse r = MQTTClient_connect5(c, &opts, NULL, NULL);
	int rc = r.reasonCode;
	MQTTResponse_free(r);
	if (rc != MQTTCLIENT_SUCCESS) {
		fprintf(stderr, "raw_publisher: connect %s: %d\n", uri, rc);
		MQTTClient_destroy(&c);
		return NULL;
	}
	return c;
}

static int publish(MQTTClient c, const struct capture_msg *m)
{
	MQTTResponse r = MQTTClient_publish5(c, m->topic, m->len, m->payload, 0, m->retain, NULL,
					     NULL);
	int rc = r.reasonCode;
	MQTTResponse_free(r);
	return rc;
}

int main(int argc, char **argv)
{
	const char *uri = NULL, *file = NULL;
	double rate = 0, seconds = 10;
	struct capture cap;
	uint64_t sent = 0;
	size_t next = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--uri"))
			uri = argv[i + 1];
		else if (!strcmp(argv[i], "--file"))
			file = argv[i + 1];
		else if (!strcmp(argv[i], "--rate"))
			rate = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
	}
	if (!uri || !file) {
		fprintf(stderr, "usage: raw_publisher --uri URI --file CAPTURE [--rate R] [--seconds S]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (capture_load(&cap, file) != 0)
		return 1;
	MQTTClient c = connect_client(uri);
	if (!c)
		return 1;

	int64_t start = mono_us(), end = start + (int64_t)(seconds * 1e6);
	int64_t next_tick = start + 500000, burst_at = start;
	double owed = 0;
	int failed = 0;
	while (!failed && mono_us() < end) {
		size_t burst = 256; /* unpaced: check the clock every 256 messages */
		if (rate > 0) {
			sleep_until(burst_at);
			burst_at += BURST_MS * 1000;
			owed += rate * BURST_MS / 1000.0;
			burst = (size_t)owed;
			owed -= (double)burst;
		}
		for (size_t i = 0; i < burst; i++) {
			if (publish(c, &cap.msgs[next]) != MQTTCLIENT_SUCCESS) {
				failed = 1;
				break;
			}
			sent++;
			next = next + 1 == cap.n ? 0 : next + 1;
		}
		if (mono_us() >= next_tick) {
			printf("tick %llu\n", (unsigned long long)sent);
			fflush(stdout);
			next_tick += 500000;
		}
	}
	double took = (double)(mono_us() - start) / 1e6;
	printf("done %llu %.3f\n", (unsigned long long)sent, took);
	fflush(stdout);
	MQTTClient_disconnect5(c, 1000, MQTTREASONCODE_SUCCESS, NULL);
	MQTTClient_destroy(&c);
	capture_free(&cap);
	return failed ? 1 : 0;
}
