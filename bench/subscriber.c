/* SPDX-License-Identifier: MIT */
/*
 * subscriber.c - the benchmark's counting subscriber: a minimal MQTT 5
 * client on a plain socket that counts messages and measures latency.
 *
 * Why not Paho or mosquitto_sub: the subscriber shares two cores with the
 * simulator, the broker and the publisher under test, so it must cost as
 * little as possible per message. Paho's receive path copies every topic and
 * payload into fresh allocations and hands them across a thread; mosquitto_sub
 * piped into a counter adds a process and a text pass. This client reads
 * large chunks and parses PUBLISH packets in place: a few hundred ns per
 * message. It subscribes at QoS 0 with Retain As Published, so a capture
 * records the retain flag the publisher used.
 *
 *   subscriber --port P [--topic FILTER] [--capture FILE]
 *
 * Every 500 ms it prints "tick <msgs> <states> <bytes>" (cumulative;
 * "states" counts <base>/tracker/<id>/state messages, one per update).
 * Commands on stdin, one a line:
 *   reset      forget the latency samples
 *   report     print "lat <n> <p50_us> <p90_us> <p99_us> <max_us>"
 *   capture N  write the next N messages to the capture file
 *   quit       exit
 * Latency: for a state message carrying additional.sim_sent_us (the
 * simulator's --stamp), receive time (CLOCK_REALTIME, taken once per read)
 * minus that stamp.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "latency_hist.h"

#define TICK_MS 500
#define READ_CHUNK (1 << 20)

struct sub {
	int fd;
	unsigned char *buf;
	size_t len, cap;
	uint64_t msgs, states, bytes;
	struct latency_hist lat;
	FILE *capture;
	uint64_t capture_left;
	int64_t now_us;          /* receive time of the current chunk */
};

static int64_t wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const unsigned char *find(const unsigned char *h, size_t hlen, const char *needle)
{
	size_t n = strlen(needle);
	if (n > hlen)
		return NULL;
	for (const unsigned char *p = h; p + n <= h + hlen; p++) {
		p = memchr(p, needle[0], (size_t)(h + hlen - p) - n + 1);
		if (!p)
			return NULL;
		if (memcmp(p, needle, n) == 0)
			return p;
	}
	return NULL;
}

static int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Appends an MQTT variable byte integer; returns its length. */
static size_t put_varint(unsigned char *out, size_t v)
{
	size_t n = 0;
	do {
		unsigned char b = v % 128;
		v /= 128;
		out[n++] = (unsigned char)(v ? b | 0x80 : b);
	} while (v);
	return n;
}

/* Reads a variable byte integer from p (avail bytes). Returns bytes used,
 * 0 if incomplete, -1 if malformed. */
static int get_varint(const unsigned char *p, size_t avail, size_t *v)
{
	size_t mult = 1, val = 0;
	for (int i = 0; i < 4; i++) {
		if ((size_t)i >= avail)
			return 0;
		val += (size_t)(p[i] & 0x7f) * mult;
		if (!(p[i] & 0x80)) {
			*v = val;
			return i + 1;
		}
		mult *= 128;
	}
	return -1;
}

static int send_packet(int fd, unsigned char type, const unsigned char *body, size_t len)
{
	unsigned char hdr[8];
	size_t n = 1;
	hdr[0] = type;
	n += put_varint(hdr + 1, len);
	return write_all(fd, hdr, n) || write_all(fd, body, len) ? -1 : 0;
}

/* CONNECT (MQTT 5, clean start, no keep-alive) and SUBSCRIBE (QoS 0, RAP). */
static int mqtt_handshake(int fd, const char *client_id, const char *filter)
{
	unsigned char body[512];
	size_t n = 0, id_len = strlen(client_id), f_len = strlen(filter);

	if (id_len > 200 || f_len > 200)
		return -1;
	memcpy(body, "\0\4MQTT\5\2\0\0\0", 11); /* name, v5, clean start, keepalive 0, no props */
	n = 11;
	body[n++] = (unsigned char)(id_len >> 8);
	body[n++] = (unsigned char)id_len;
	memcpy(body + n, client_id, id_len);
	n += id_len;
	if (send_packet(fd, 0x10, body, n) != 0)
		return -1;
	n = 0;
	body[n++] = 0;
	body[n++] = 1;  /* packet id */
	body[n++] = 0;  /* no properties */
	body[n++] = (unsigned char)(f_len >> 8);
	body[n++] = (unsigned char)f_len;
	memcpy(body + n, filter, f_len);
	n += f_len;
	body[n++] = 0x08; /* QoS 0, Retain As Published */
	return send_packet(fd, 0x82, body, n);
}

static void on_publish(struct sub *s, unsigned char flags, const unsigned char *p, size_t len)
{
	int qos = (flags >> 1) & 3;
	size_t off, tlen, plen_props;
	int used;

	if (len < 2)
		return;
	tlen = (size_t)p[0] << 8 | p[1];
	off = 2 + tlen + (qos ? 2 : 0);
	if (off > len)
		return;
	used = get_varint(p + off, len - off, &plen_props);
	if (used <= 0 || off + (size_t)used + plen_props > len)
		return;
	const unsigned char *topic = p + 2;
	const unsigned char *payload = p + off + (size_t)used + plen_props;
	size_t plen = len - (size_t)(payload - p);

	s->msgs++;
	s->bytes += plen;
	if (tlen > 6 && memcmp(topic + tlen - 6, "/state", 6) == 0 &&
	    find(topic, tlen, "/tracker/")) {
		s->states++;
		static const char stamp[] = "\"sim_sent_us\":{\"value\":\"";
		const unsigned char *st = find(payload, plen, stamp);
		if (st) {
			int64_t sent = strtoll((const char *)st + sizeof stamp - 1, NULL, 10);
			if (sent > 0)
				latency_hist_add(&s->lat, s->now_us - sent);
		}
	}
	if (s->capture && s->capture_left > 0) {
		capture_write(s->capture, (const char *)topic, tlen, payload, plen, flags & 1);
		if (--s->capture_left == 0)
			fflush(s->capture);
	}
}

/* Parses every complete packet in the buffer; keeps the remainder. */
static int parse_buffer(struct sub *s)
{
	size_t pos = 0;

	while (pos + 2 <= s->len) {
		size_t rl;
		int used = get_varint(s->buf + pos + 1, s->len - pos - 1, &rl);
		if (used < 0)
			return -1;
		if (used == 0 || pos + 1 + (size_t)used + rl > s->len)
			break;
		unsigned char type = s->buf[pos];
		const unsigned char *body = s->buf + pos + 1 + used;
		if ((type & 0xf0) == 0x30)
			on_publish(s, type & 0x0f, body, rl);
		else if (type == 0x20 && rl >= 2 && body[1] != 0) {
			fprintf(stderr, "subscriber: CONNACK refused (reason %u)\n", body[1]);
			return -1;
		}
		pos += 1 + (size_t)used + rl;
	}
	memmove(s->buf, s->buf + pos, s->len - pos);
	s->len -= pos;
	if (s->cap - s->len < READ_CHUNK) {
		unsigned char *nb = realloc(s->buf, s->cap * 2);
		if (!nb)
			return -1;
		s->buf = nb;
		s->cap *= 2;
	}
	return 0;
}

static int handle_command(struct sub *s, char *line)
{
	unsigned long long n;

	if (strncmp(line, "reset", 5) == 0) {
		latency_hist_reset(&s->lat);
	} else if (strncmp(line, "report", 6) == 0) {
		printf("lat %llu %lld %lld %lld %lld\n", (unsigned long long)s->lat.n,
		       (long long)latency_hist_quantile(&s->lat, 0.50),
		       (long long)latency_hist_quantile(&s->lat, 0.90),
		       (long long)latency_hist_quantile(&s->lat, 0.99), (long long)s->lat.max);
		fflush(stdout);
	} else if (sscanf(line, "capture %llu", &n) == 1) {
		s->capture_left = s->capture ? n : 0;
	} else if (strncmp(line, "quit", 4) == 0) {
		return 1;
	}
	return 0;
}

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		perror("subscriber: connect");
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

int main(int argc, char **argv)
{
	struct sub s = { .fd = -1 };
	const char *topic = "navixy/tracker/#", *capture_path = NULL;
	int port = 0;
	char line[256];
	size_t line_len = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port"))
			port = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--topic"))
			topic = argv[i + 1];
		else if (!strcmp(argv[i], "--capture"))
			capture_path = argv[i + 1];
	}
	if (port <= 0) {
		fprintf(stderr, "usage: subscriber --port P [--topic F] [--capture FILE]\n");
		return 2;
	}
	if (capture_path && !(s.capture = fopen(capture_path, "wb"))) {
		perror(capture_path);
		return 1;
	}
	s.cap = 4 * READ_CHUNK;
	s.buf = malloc(s.cap);
	if (!s.buf || latency_hist_init(&s.lat) != 0)
		return 1;
	s.fd = connect_to(port);
	if (s.fd < 0 || mqtt_handshake(s.fd, "n2m-bench-sub", topic) != 0)
		return 1;

	int64_t next_tick = mono_ms() + TICK_MS;
	for (;;) {
		struct pollfd pf[2] = { { .fd = s.fd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
		int64_t wait = next_tick - mono_ms();
		int rc = poll(pf, 2, wait > 0 ? (int)wait : 0);
		if (rc < 0 && errno != EINTR)
			break;
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(s.fd, s.buf + s.len, s.cap - s.len);
			if (r <= 0) {
				fprintf(stderr, "subscriber: broker closed the connection\n");
				break;
			}
			s.now_us = wall_us();
			s.len += (size_t)r;
			if (parse_buffer(&s) != 0)
				break;
		}
		if (pf[1].revents & (POLLIN | POLLHUP)) {
			ssize_t r = read(0, line + line_len, sizeof line - 1 - line_len);
			if (r <= 0)
				break; /* the harness went away */
			line_len += (size_t)r;
			line[line_len] = '\0';
			char *nl;
			int quit = 0;
			while (!quit && (nl = strchr(line, '\n'))) {
				*nl = '\0';
				quit = handle_command(&s, line);
				line_len -= (size_t)(nl + 1 - line);
				memmove(line, nl + 1, line_len + 1);
			}
			if (quit)
				break;
			if (line_len >= sizeof line - 1)
				line_len = 0;
		}
		if (mono_ms() >= next_tick) {
			printf("tick %llu %llu %llu\n", (unsigned long long)s.msgs,
			       (unsigned long long)s.states, (unsigned long long)s.bytes);
			fflush(stdout);
			next_tick += TICK_MS;
		}
	}
	if (s.capture)
		fclose(s.capture);
	close(s.fd);
	latency_hist_free(&s.lat);
	free(s.buf);
	return 0;
}
