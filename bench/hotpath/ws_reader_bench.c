/*
 * ws_reader_bench.c - feeds a stream of server text frames (JSON-like
 * messages of 600 B..64 KiB, some non-ASCII text, a ping now and then)
 * through bridge/ws_reader.c in socket-read-sized chunks, so callgrind can
 * count the reader's instructions per byte and per message:
 *
 *   valgrind --tool=callgrind --toggle-collect=feed_all \
 *       build/bench/hotpath/n2m-ws-reader-bench [--messages N] [--chunk BYTES]
 *
 * The stream is built first, outside feed_all, from a fixed seed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(int argc, char **argv)
{
	size_t messages = 2000, chunk = 65536;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--messages") == 0)
			messages = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--chunk") == 0)
			chunk = strtoul(argv[i + 1], NULL, 10);
	}
	if (chunk == 0)
		chunk = 1;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	struct stream s = { 0 };
	char *m = malloc(65536);
	if (!m)
		return 1;
	for (size_t i = 0; i < messages; i++) {
		size_t target = 600 + next(&seed) % (65536 - 600);
		if (i % 4) /* most messages are small ticks */
			target = 600 + next(&seed) % 2000;
		server_frame(&s, 0x1, m, fill_message(m, target, &seed));
		if (i % 100 == 99)
			server_frame(&s, 0x9, "", 0);
	}
	struct ws_reader r;
	struct totals t = { 0 };
	ws_reader_init(&r, 1 << 20, 0);
	int rc = feed_all(&r, &s, chunk, &t);
	printf("stream %zu bytes, chunk %zu: %" PRIu64 " messages (%" PRIu64 " payload bytes), %" PRIu64
	       " pings, %s\n", s.len, chunk, t.messages, t.bytes, t.pings, rc == 0 ? "ok" : "FAILED");
	ws_reader_free(&r);
	free(m);
	free(s.b);
	return rc == 0 ? 0 : 1;
}
