/* SPDX-License-Identifier: MIT */
/*
 * ws_reader_bench.c - feeds a stream of server text frames (JSON-like
 * messages of 600 B..64 KiB, some non-ASCII text, a ping now and then)
 * through bridge/upstream/ws_reader.c in socket-read-sized chunks, so callgrind can
 * count the reader's instructions per byte and per message:
 *
 *   valgrind --tool=callgrind --toggle-collect=feed_all \
 *       build/bench/hotpath/n2m-ws-reader-bench [--messages N] [--chunk BYTES]
 *
 * The stream is built first, outside feed_all, from a fixed seed.
 *
 * With --via lws the same stream goes through libwebsockets' client instead,
 * as the bridge receives today (rx buffer 65536 like bridge.c): a forked
 * child serves it over loopback TCP after the upgrade, and the parent's
 * lws_service() calls are what to count:
 *
 *   valgrind --tool=callgrind --toggle-collect=lws_receive_all \
 *       build/bench/hotpath/n2m-ws-reader-bench --via lws
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ws_handshake.h"
#include "ws_reader.h"

struct stream {
	uint8_t *b;
	size_t len, cap;
};

struct totals {
	uint64_t messages, bytes, pings;
};

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void put(struct stream *s, const void *p, size_t n)
{
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->b = realloc(s->b, s->cap);
		if (!s->b)
			abort();
	}
	memcpy(s->b + s->len, p, n);
	s->len += n;
}

static void server_frame(struct stream *s, uint8_t op, const char *p, size_t n)
{
	uint8_t h[10] = { (uint8_t)(0x80 | op) };
	size_t hl = 2;
	if (n < 126) {
		h[1] = (uint8_t)n;
	} else if (n <= 0xFFFF) {
		h[1] = 126;
		h[2] = (uint8_t)(n >> 8);
		h[3] = (uint8_t)n;
		hl = 4;
	} else {
		h[1] = 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
		hl = 10;
	}
	put(s, h, hl);
	put(s, p, n);
}

/* A message of about n bytes that looks like a state_batch. */
static size_t fill_message(char *m, size_t n, uint64_t *seed)
{
	size_t len = (size_t)snprintf(m, n, "{\"type\":\"event\",\"event\":\"state_batch\",\"data\":[");
	while (len + 120 < n) {
		len += (size_t)snprintf(m + len, n - len,
					"{\"source_id\":%" PRIu64 ",\"gps\":{\"lat\":56.%06" PRIu64
					",\"lng\":37.%06" PRIu64 "},\"label\":\"Gr\xc3\xbc" "n\"},",
					next(seed) % 100000, next(seed) % 1000000, next(seed) % 1000000);
	}
	m[len - 1] = ']';
	m[len++] = '}';
	return len;
}

static void on_event(void *ctx, const struct ws_event *ev)
{
	struct totals *t = ctx;
	if (ev->type == WS_EVENT_MESSAGE) {
		t->messages++;
		t->bytes += ev->len;
	} else if (ev->type == WS_EVENT_PING) {
		t->pings++;
	}
}

/* What callgrind counts: the whole stream through one reader. */
__attribute__((noinline)) static int feed_all(struct ws_reader *r, const struct stream *s,
					      size_t chunk, struct totals *t)
{
	for (size_t off = 0; off < s->len; off += chunk) {
		size_t n = s->len - off < chunk ? s->len - off : chunk;
		if (ws_reader_feed(r, s->b + off, n, on_event, t) != WS_READ_OK)
			return -1;
	}
	return 0;
}

/* ---- --via lws: the same stream through libwebsockets' client ---- */

struct lws_run {
	struct totals t;
	uint64_t expect; /* payload bytes the stream holds */
	int done;
};

/* The child: answers one upgrade, sends the stream, waits for the close. */
static void serve(int lfd, const struct stream *s)
{
	char req[4096], key[64] = "", acc[WS_ACCEPT_LEN + 1], resp[256];
	size_t n = 0;
	int c = accept(lfd, NULL, NULL);
	if (c < 0)
		_exit(1);
	while (n < sizeof(req) - 1) {
		ssize_t r = read(c, req + n, sizeof(req) - 1 - n);
		if (r <= 0)
			_exit(1);
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	const char *k = strstr(req, "Sec-WebSocket-Key: ");
	if (!k || sscanf(k + 19, "%63[^\r]", key) != 1)
		_exit(1);
	ws_handshake_accept(key, acc);
	int m = snprintf(resp, sizeof(resp), "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
	if (write(c, resp, (size_t)m) != m)
		_exit(1);
	for (size_t off = 0; off < s->len;) {
		ssize_t w = write(c, s->b + off, s->len - off);
		if (w <= 0)
			_exit(1);
		off += (size_t)w;
	}
	while (read(c, req, sizeof(req)) > 0)
		;
	_exit(0);
}

static int lws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct lws_run *run = lws_context_user(lws_get_context(wsi));
	(void)user;
	(void)in;
	if (reason == LWS_CALLBACK_CLIENT_RECEIVE) {
		run->t.bytes += len;
		if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0)
			run->t.messages++;
		if (run->t.bytes >= run->expect)
			run->done = 1;
	} else if (reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR || reason == LWS_CALLBACK_CLIENT_CLOSED) {
		run->done = 1;
	}
	return 0;
}

static const struct lws_protocols bench_protocols[] = {
	{ "bench", lws_cb, 0, 65536, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* What callgrind counts in lws mode: the service loop until all arrived. */
__attribute__((noinline)) static void lws_receive_all(struct lws_context *ctx, struct lws_run *run)
{
	while (!run->done)
		if (lws_service(ctx, 0) < 0)
			break;
}

/* A loopback listener on a free port; returns the fd, port in *port. */
static int listen_loopback(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1) ||
	    getsockname(fd, (struct sockaddr *)&a, &al))
		return -1;
	*port = ntohs(a.sin_port);
	return fd;
}

static int via_lws(const struct stream *s, uint64_t expect, struct totals *t)
{
	int port;
	int lfd = listen_loopback(&port);
	if (lfd < 0)
		return -1;
	pid_t child = fork();
	if (child == 0)
		serve(lfd, s);
	close(lfd);
	struct lws_run run = { .expect = expect };
	struct lws_context_creation_info info;
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = bench_protocols;
	info.user = &run;
	lws_set_log_level(LLL_ERR, NULL);
	struct lws_context *ctx = lws_create_context(&info);
	struct lws_client_connect_info ci;
	memset(&ci, 0, sizeof(ci));
	ci.context = ctx;
	ci.address = ci.host = ci.origin = "127.0.0.1";
	ci.port = port;
	ci.path = "/";
	ci.protocol = NULL;
	ci.local_protocol_name = "bench";
	if (!ctx || !lws_client_connect_via_info(&ci))
		return -1;
	lws_receive_all(ctx, &run);
	lws_context_destroy(ctx);
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	*t = run.t;
	return run.t.bytes == expect ? 0 : -1;
}

int main(int argc, char **argv)
{
	size_t messages = 2000, chunk = 65536;
	int lws = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--messages") == 0)
			messages = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--chunk") == 0)
			chunk = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--via") == 0)
			lws = strcmp(argv[i + 1], "lws") == 0;
	}
	if (chunk == 0)
		chunk = 1;
	uint64_t seed = 0x9e3779b97f4a7c15ull, payload = 0;
	struct stream s = { 0 };
	char *m = malloc(65536);
	if (!m)
		return 1;
	for (size_t i = 0; i < messages; i++) {
		size_t target = 600 + next(&seed) % (65536 - 600);
		if (i % 4) /* most messages are small ticks */
			target = 600 + next(&seed) % 2000;
		size_t len = fill_message(m, target, &seed);
		server_frame(&s, 0x1, m, len);
		payload += len;
		if (i % 100 == 99)
			server_frame(&s, 0x9, "", 0);
	}
	struct ws_reader r;
	struct totals t = { 0 };
	ws_reader_init(&r, 1 << 20, 0);
	int rc = lws ? via_lws(&s, payload, &t) : feed_all(&r, &s, chunk, &t);
	printf("%s, stream %zu bytes, chunk %zu: %" PRIu64 " messages (%" PRIu64 " payload bytes), %" PRIu64
	       " pings, %s\n", lws ? "lws" : "ws_reader", s.len, chunk, t.messages, t.bytes, t.pings, rc == 0 ? "ok" : "FAILED");
	ws_reader_free(&r);
	free(m);
	free(s.b);
	return rc == 0 ? 0 : 1;
}
